/* SPDX-License-Identifier: MIT */
/* cmd_token_mechanisms.c - `p11seal token mechanisms`: what the token
 * offers, and a verdict per p11seal feature (trials need a login unless
 * --no-trials). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_caps.h"
#include "p11_ckr.h"
#include "p11_mech.h"

struct verdict {
	const char *feature;
	const char *answer;
	bool ok;
};

/* Whether the token can hold a DEK at all: tpm2-pkcs11 1.9.0 makes no
 * secret keys, gnome-keyring only RSA and EC ones. */
static struct verdict dek_verdict(const struct p11_caps *k, bool trials,
                                  char *buf, size_t cap)
{
	if (!trials)
		return (struct verdict){
			"dek",
			k->aes_keygen ? "CKM_AES_KEY_GEN advertised (not tried)"
			              : "no CKM_AES_KEY_GEN (import not tried: "
			                "--no-trials)",
			k->aes_keygen
		};
	if (k->aes_generate && k->aes_import)
		return (struct verdict){ "dek",
			                 "yes: AES keys made in the "
			                 "token and imported",
			                 true };
	if (k->aes_generate || k->aes_import) {
		snprintf(buf, cap, "%s only: %s refused (%s)",
		         k->aes_generate ? "made in the token" : "imported",
		         k->aes_generate ? "C_CreateObject of an AES key"
		                         : "C_GenerateKey",
		         p11_ckr_name(k->aes_generate ? k->aes_import_rv
		                                      : k->aes_generate_rv));
		return (struct verdict){ "dek", buf, true };
	}
	snprintf(buf, cap,
	         "not possible: the token holds no AES secret keys "
	         "(C_GenerateKey: %s, C_CreateObject: %s); use another token "
	         "for DEKs",
	         p11_ckr_name(k->aes_generate_rv),
	         p11_ckr_name(k->aes_import_rv));
	return (struct verdict){ "dek", buf, false };
}

static size_t verdicts(const struct p11_caps *k, bool trials, struct verdict *v,
                       char *buf, size_t cap)
{
	size_t n = 0;

	v[n++] = dek_verdict(k, trials, buf, cap);
	v[n++] = (struct verdict){
		"xts",
		k->aes_xts ? "native CKM_AES_XTS (one call per sector)"
		: k->aes_ecb
		        ? "composed from two AES keys with batched CKM_AES_ECB"
		        : "not possible: neither CKM_AES_XTS nor CKM_AES_ECB",
		k->aes_xts || k->aes_ecb
	};
	v[n++] = (struct verdict){
		"oaep_sha256_wrap",
		!trials ? "not tried (--no-trials)"
		: k->oaep_sha256_wrap
		        ? "yes: Key Protect import can run inside the token"
		: k->oaep_sha1_wrap
		        ? "no (SHA-1 only): use kp import-root "
		          "--host-assisted, or --hpcs for Hyper Protect"
		        : "no: use kp import-root --host-assisted",
		k->oaep_sha256_wrap
	};
	v[n++] = (struct verdict){ "kwp",
		                   k->aes_kwp_210b
		                           ? "CKM_AES_KEY_WRAP_KWP (RFC 5649)"
		                   : k->aes_kwp_210a
		                           ? "only vendor id 0x210A (RFC 5649 "
		                             "on SoftHSM, not on NSS)"
		                           : "no",
		                   k->aes_kwp_210b || k->aes_kwp_210a };
	v[n++] = (struct verdict){
		"gcm",
		!trials ? (k->aes_gcm ? "advertised (not tried)" : "no")
		: k->gcm_encrypt ? "yes (12-byte IV, PKCS#11 3.0 parameters)"
		                 : "no",
		trials ? k->gcm_encrypt : k->aes_gcm
	};
	v[n++] = (struct verdict){
		"keyhash_in_token",
		!trials         ? "not tried (--no-trials)"
		: k->digest_key ? "yes (C_DigestKey on a sensitive key)"
		                : "no",
		k->digest_key
	};
	v[n++] = (struct verdict){ "hmac_sha256", k->hmac_sha256 ? "yes" : "no",
		                   k->hmac_sha256 };
	v[n++] = (struct verdict){ "rsa_keypair", k->rsa_keygen ? "yes" : "no",
		                   k->rsa_keygen };
	return n;
}

/* A mechanism without info is still listed, with zero sizes and no
 * flags; a module that fails to answer fails the command. */
static enum err mech_json(struct p11_session *s, CK_MECHANISM_TYPE m,
                          cJSON *arr)
{
	CK_MECHANISM_INFO mi;
	bool offered;
	cJSON *o;
	enum err r = p11_mech_offers(s, m, &mi, &offered);

	if (r != ERR_OK)
		return r;
	o = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, o);
	cJSON_AddStringToObject(o, "name", p11_mech_name(m));
	cJSON_AddNumberToObject(o, "min_key", (double)mi.ulMinKeySize);
	cJSON_AddNumberToObject(o, "max_key", (double)mi.ulMaxKeySize);
	cJSON_AddBoolToObject(o, "encrypt", (mi.flags & CKF_ENCRYPT) != 0);
	cJSON_AddBoolToObject(o, "decrypt", (mi.flags & CKF_DECRYPT) != 0);
	cJSON_AddBoolToObject(o, "wrap", (mi.flags & CKF_WRAP) != 0);
	cJSON_AddBoolToObject(o, "unwrap", (mi.flags & CKF_UNWRAP) != 0);
	cJSON_AddBoolToObject(o, "digest", (mi.flags & CKF_DIGEST) != 0);
	cJSON_AddBoolToObject(o, "sign", (mi.flags & CKF_SIGN) != 0);
	cJSON_AddBoolToObject(
	        o, "generate",
	        (mi.flags & (CKF_GENERATE | CKF_GENERATE_KEY_PAIR)) != 0);
	return ERR_OK;
}

static enum err report(const struct cli *c, struct p11_session *s,
                       const struct p11_caps *k, bool trials)
{
	struct verdict v[9];
	char dek[256];
	size_t nv = verdicts(k, trials, v, dek, sizeof(dek));
	CK_MECHANISM_TYPE *mechs = NULL;
	size_t n = 0;
	enum err r;
	cJSON *o, *arr, *feat;

	r = p11_mech_list(s, &mechs, &n);
	if (r != ERR_OK)
		return r;
	if (!c->json) {
		for (size_t i = 0; i < nv; i++)
			printf("%-18s %s\n", v[i].feature, v[i].answer);
		printf("\n%zu mechanisms:", n);
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i % 6 ? " " : "\n  ",
			       p11_mech_name(mechs[i]));
		printf("\n");
		free(mechs);
		return ERR_OK;
	}
	o = cJSON_CreateObject();
	feat = cJSON_AddObjectToObject(o, "features");
	for (size_t i = 0; i < nv; i++) {
		cJSON *f = cJSON_AddObjectToObject(feat, v[i].feature);

		cJSON_AddBoolToObject(f, "available", v[i].ok);
		cJSON_AddStringToObject(f, "detail", v[i].answer);
	}
	arr = cJSON_AddArrayToObject(o, "mechanisms");
	for (size_t i = 0; i < n && r == ERR_OK; i++)
		r = mech_json(s, mechs[i], arr);
	free(mechs);
	if (r != ERR_OK) {
		cJSON_Delete(o);
		return r;
	}
	return cli_print_json(o);
}

struct mech_opts {
	bool no_trials;
};

static const struct cli_opt opts[] = {
	{ "no-trials", CLI_FLAG(struct mech_opts, no_trials),
	  .help = "only what the token advertises, no login; default also "
	          "try OAEP wrap, GCM and a key digest, logged in" },
	{ NULL },
};

static enum err probe(const struct cli *c, struct p11_session *s, void *ctx)
{
	bool trials = !((const struct mech_opts *)ctx)->no_trials;
	struct p11_caps caps;
	enum err r;

	r = p11_caps_probe(s, trials, &caps);
	if (r == ERR_OK)
		r = report(c, s, &caps, trials);
	return r;
}

int cmd_token_mechanisms(struct cli *c, int argc, char **argv)
{
	struct mech_opts o = { false };
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc >= 0)
		return rc;
	return cli_token_run(c, o.no_trials ? 0 : CLI_TOKEN_LOGIN, probe, &o);
}
