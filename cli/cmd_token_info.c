/* SPDX-License-Identifier: MIT */
/* cmd_token_info.c - `p11seal token info`: the selected token's details. */
#include <stdio.h>

#include "cli.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_session.h"

static const struct {
	CK_FLAGS flag;
	const char *name;
} token_flags[] = {
	{ CKF_RNG, "rng" },
	{ CKF_WRITE_PROTECTED, "write_protected" },
	{ CKF_LOGIN_REQUIRED, "login_required" },
	{ CKF_USER_PIN_INITIALIZED, "user_pin_initialized" },
	{ CKF_TOKEN_INITIALIZED, "token_initialized" },
	{ CKF_USER_PIN_COUNT_LOW, "user_pin_count_low" },
	{ CKF_USER_PIN_FINAL_TRY, "user_pin_final_try" },
	{ CKF_USER_PIN_LOCKED, "user_pin_locked" },
	{ CKF_SO_PIN_COUNT_LOW, "so_pin_count_low" },
	{ CKF_SO_PIN_FINAL_TRY, "so_pin_final_try" },
	{ CKF_SO_PIN_LOCKED, "so_pin_locked" },
};

#define N_FLAGS (sizeof(token_flags) / sizeof(token_flags[0]))

static cJSON *info_json(const struct p11_token_desc *d)
{
	const CK_TOKEN_INFO *i = &d->info;
	cJSON *o = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(o, "label", d->label);
	cJSON_AddStringToObject(o, "manufacturer", d->manufacturer);
	cJSON_AddStringToObject(o, "model", d->model);
	cJSON_AddStringToObject(o, "serial", d->serial);
	cJSON_AddStringToObject(o, "uri", d->uri);
	cJSON_AddNumberToObject(o, "min_pin_len", (double)i->ulMinPinLen);
	cJSON_AddNumberToObject(o, "max_pin_len", (double)i->ulMaxPinLen);
	cJSON_AddNumberToObject(o, "sessions_open", (double)i->ulSessionCount);
	f = cJSON_AddObjectToObject(o, "flags");
	for (size_t k = 0; k < N_FLAGS; k++)
		cJSON_AddBoolToObject(f, token_flags[k].name,
		                      (i->flags & token_flags[k].flag) != 0);
	return o;
}

static void print_text(const struct p11_token_desc *d)
{
	const CK_TOKEN_INFO *i = &d->info;

	printf("token:        %s\nmanufacturer: %s\nmodel:        %s\n"
	       "serial:       %s\nuri:          %s\nPIN length:   %lu..%lu\n"
	       "firmware:     %u.%u\nflags:       ",
	       d->label, d->manufacturer, d->model, d->serial, d->uri,
	       (unsigned long)i->ulMinPinLen, (unsigned long)i->ulMaxPinLen,
	       i->firmwareVersion.major, i->firmwareVersion.minor);
	for (size_t k = 0; k < N_FLAGS; k++)
		if (i->flags & token_flags[k].flag)
			printf(" %s", token_flags[k].name);
	printf("\n");
}

static enum err info(const struct cli *c, struct p11_session *s, void *ctx)
{
	(void)ctx;
	if (c->json)
		return cli_print_json(info_json(p11_session_token(s)));
	print_text(p11_session_token(s));
	return ERR_OK;
}

int cmd_token_info(struct cli *c, int argc, char **argv)
{
	return cli_token_main(c, argc, argv, NULL, 0, info, NULL);
}
