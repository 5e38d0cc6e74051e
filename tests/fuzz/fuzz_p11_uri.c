/* SPDX-License-Identifier: MIT */
/* fuzz_p11_uri.c - libFuzzer target: parse any bytes as a PKCS#11 URI; a
 * URI that parses must match the token made from its own fields, and that
 * token's formatted URI must parse and match it too; an error detail
 * never shows what follows "pin-value=". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p11_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_field(unsigned char *f, size_t len, const char *v)
{
	memset(f, ' ', len);
	if (v)
		memcpy(f, v, strlen(v)); /* the parser caps v at len */
}

/* The field as the token shows it: v without trailing blanks. */
static int same(const char *got, const char *v)
{
	size_t n;

	if (!v)
		return got[0] == '\0';
	n = strlen(v);
	while (n > 0 && v[n - 1] == ' ')
		n--;
	return strlen(got) == n && memcmp(got, v, n) == 0;
}

static void round_trip(const struct p11_uri *u)
{
	struct p11_uri *back = NULL;
	CK_TOKEN_INFO t;
	char uri[512];

	memset(&t, 0, sizeof(t));
	set_field(t.label, sizeof(t.label), u->token);
	set_field(t.manufacturerID, sizeof(t.manufacturerID), u->manufacturer);
	set_field(t.model, sizeof(t.model), u->model);
	set_field(t.serialNumber, sizeof(t.serialNumber), u->serial);
	if (!p11_uri_match_token(u, &t))
		abort();
	p11_uri_format_token(uri, sizeof(uri), &t);
	if (p11_uri_parse(uri, &back) != ERR_OK)
		abort();
	if (!p11_uri_match_token(back, &t) || !same(back->token, u->token) ||
	    !same(back->manufacturer, u->manufacturer) ||
	    !same(back->model, u->model) || !same(back->serial, u->serial))
		abort();
	p11_uri_free(back);
}

/* An error detail may show the URI only up to "pin-value=", then ***. */
static void no_pin_in_detail(void)
{
	const char *d = err_detail();

	while ((d = strcasestr(d, "pin-value=")) != NULL) {
		d += 10;
		if (strncmp(d, "***", 3) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p11_uri *u = NULL;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (p11_uri_parse(s, &u) == ERR_OK) {
		if (u->has_id && u->id_len > P11_URI_ID_MAX)
			abort();
		round_trip(u);
		p11_uri_free(u);
	} else {
		no_pin_in_detail();
	}
	free(s);
	return 0;
}
