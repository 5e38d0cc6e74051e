/* SPDX-License-Identifier: MIT */
/* p11_policy.c - the rules: which classic PKCS#11 attacks a set of keys
 * is open to. Pure functions of what p11_policy_scan read, so they are
 * unit-tested without a token. */
#include "p11_policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "p11_root.h"
#include "p11_trust.h"

#define RSA_MIN_WRAP_BITS 3072

static const char *const attack_names[P11A_COUNT] = {
	[P11A_WRAP_DECRYPT] = "wrap-then-decrypt",
	[P11A_UNWRAP_ENCRYPT] = "encrypt-then-unwrap",
	[P11A_EXTRACTABLE] = "extractable-untrusted",
	[P11A_NOT_SENSITIVE] = "not-sensitive",
	[P11A_READABLE] = "value-readable",
	[P11A_REIMPORT] = "reimport",
	[P11A_WEAK_WRAPPER] = "weak-wrapper",
	[P11A_MUTABLE] = "mutable-usage",
	[P11A_ROOT_EXTRACTABLE] = "extractable-root",
	[P11A_LOOSE_TRUSTED] = "loose-trusted-wrap",
	[P11A_IMPORT_LEFTOVER] = "interrupted-import",
	[P11A_ROOT_ORACLE] = "root-oracle",
	[P11A_LOOSE_UNWRAP] = "loose-unwrap",
};

const char *p11_policy_attack_name(enum p11_attack a)
{
	return (unsigned)a < P11A_COUNT ? attack_names[a] : "?";
}

struct findings {
	struct p11_finding *f;
	size_t n, cap;
	bool nomem;
};

static void add(struct findings *fs, size_t key, enum p11_attack a,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add(struct findings *fs, size_t key, enum p11_attack a,
                const char *fmt, ...)
{
	va_list ap;

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? 2 * fs->cap : 16;
		struct p11_finding *f = realloc(fs->f, cap * sizeof(*f));

		if (!f) {
			fs->nomem = true;
			return;
		}
		fs->f = f;
		fs->cap = cap;
	}
	fs->f[fs->n].key = key;
	fs->f[fs->n].attack = a;
	va_start(ap, fmt);
	vsnprintf(fs->f[fs->n].why, sizeof(fs->f[fs->n].why), fmt, ap);
	va_end(ap);
	fs->n++;
}

static bool holds_secret(const struct p11_obj_info *i)
{
	return i->cls == CKO_SECRET_KEY || i->cls == CKO_PRIVATE_KEY;
}

static bool has(const struct p11_obj_info *i, enum p11_flag f)
{
	return i->known[f] && i->flag[f];
}

/* Security strength in bits (NIST SP 800-57 Part 1, table 2); 0 when
 * the token does not say enough to tell. */
static unsigned strength(const struct p11_obj_info *i)
{
	unsigned long bits = i->value_len * 8, m = i->modulus_bits;

	switch (i->key_type) {
	case CKK_AES: return (unsigned)(bits > 256 ? 256 : bits);
	case CKK_AES_XTS: return (unsigned)(bits / 2 > 256 ? 256 : bits / 2);
	case CKK_GENERIC_SECRET:
	case CKK_SHA256_HMAC: return (unsigned)(bits > 256 ? 256 : bits);
	case CKK_DES3: return 112;
	case CKK_DES2: return 80;
	case CKK_DES: return 56;
	case CKK_RSA:
		return !m          ? 0
		       : m < 2048  ? 80
		       : m < 3072  ? 112
		       : m < 7680  ? 128
		       : m < 15360 ? 192
		                   : 256;
	default: return 0;
	}
}

/* Clulow's attacks and their variants on one key's own flags. */
static void check_roles(struct findings *fs, size_t k,
                        const struct p11_obj_info *i)
{
	if (i->cls == CKO_SECRET_KEY && has(i, P11F_WRAP) &&
	    has(i, P11F_DECRYPT))
		add(fs, k, P11A_WRAP_DECRYPT,
		    "can wrap and decrypt: C_WrapKey "
		    "any extractable key under it, then C_Decrypt the blob "
		    "to get that key's value");
	if (i->cls == CKO_PRIVATE_KEY && has(i, P11F_DECRYPT))
		add(fs, k, P11A_WRAP_DECRYPT,
		    "private key that can decrypt: "
		    "wrap a key under its public half (anyone can create one "
		    "with CKA_WRAP from the modulus), then C_Decrypt the blob");
	if (i->cls == CKO_SECRET_KEY && has(i, P11F_UNWRAP) &&
	    has(i, P11F_ENCRYPT))
		add(fs, k, P11A_UNWRAP_ENCRYPT,
		    "can encrypt and unwrap: "
		    "C_Encrypt a value of the attacker's choosing, then "
		    "C_UnwrapKey it into a token key whose value is known");
}

static void check_secrecy(struct findings *fs, size_t k,
                          const struct p11_policy_key *key,
                          const struct p11_policy_token *tok)
{
	const struct p11_obj_info *i = &key->info;

	if (!holds_secret(i))
		return;
	if (!has(i, P11F_SENSITIVE))
		add(fs, k, P11A_NOT_SENSITIVE, "%s",
		    i->known[P11F_SENSITIVE]
		            ? "CKA_SENSITIVE is false: nothing stops its value "
		              "from "
		              "leaving the token in the clear"
		            : "the token does not report CKA_SENSITIVE");
	if (key->readable)
		add(fs, k, P11A_READABLE,
		    "C_GetAttributeValue(%s) returned "
		    "its value%s",
		    i->cls == CKO_PRIVATE_KEY ? "CKA_PRIVATE_EXPONENT"
		                              : "CKA_VALUE",
		    has(i, P11F_SENSITIVE) ? " although it claims "
		                             "CKA_SENSITIVE=true"
		                           : "");
	if (i->cls == CKO_SECRET_KEY && !tok->extractable_enforced)
		add(fs, k, P11A_EXTRACTABLE,
		    "this token wraps secret keys "
		    "marked CKA_EXTRACTABLE=false (a trial key so marked "
		    "wrapped under an untrusted key): any key the user creates "
		    "can carry it out");
	else if (has(i, P11F_EXTRACTABLE) && !has(i, P11F_WRAP_WITH_TRUSTED))
		add(fs, k, P11A_EXTRACTABLE,
		    "extractable without "
		    "CKA_WRAP_WITH_TRUSTED: it can be wrapped under any key "
		    "the user creates, one whose value the attacker knows");
	else if (has(i, P11F_EXTRACTABLE) && !tok->trusted_wrap_enforced)
		add(fs, k, P11A_EXTRACTABLE,
		    "extractable, and this token "
		    "ignores CKA_WRAP_WITH_TRUSTED (a trial key so marked "
		    "wrapped under an untrusted key): any key the user "
		    "creates can wrap it");
	if (has(i, P11F_UNWRAP) && !key->unwrap_tmpl_safe)
		add(fs, k, P11A_REIMPORT,
		    "%s; no CKA_UNWRAP_TEMPLATE forces "
		    "sensitive=true and extractable=false, so C_UnwrapKey can "
		    "bring the blob back as a readable key",
		    has(i, P11F_WRAP) ? "can wrap and unwrap: wrap a key under "
		                        "it"
		                      : "can unwrap what was wrapped for it");
}

/* p11seal's root profiles: AES limited to the Key Protect nonce step
 * (AES-GCM) or HPCS's (AES-CBC-PAD), encrypt only. A root key is never
 * to leave its token (the material exists in Key Protect already); the
 * trusted-wrap path of older p11seal versions and `key create root
 * --import-ceremony` make extractable ones. */
static bool looks_root(const struct p11_obj_info *i)
{
	return i->cls == CKO_SECRET_KEY && i->key_type == CKK_AES &&
	       i->n_mechs == 1 &&
	       (i->mechs[0] == CKM_AES_GCM || i->mechs[0] == CKM_AES_CBC_PAD) &&
	       has(i, P11F_ENCRYPT) && !has(i, P11F_DECRYPT);
}

/* Custody across tokens: root keys that can leave, trusted keys that
 * would take anything marked wrap_with_trusted, and import keys an
 * interrupted Key Protect import left behind. */
static void check_custody(struct findings *fs, size_t k,
                          const struct p11_policy_key *key)
{
	const struct p11_obj_info *i = &key->info;

	if (looks_root(i) && has(i, P11F_EXTRACTABLE))
		add(fs, k, P11A_ROOT_EXTRACTABLE,
		    "a root key (AES, encrypt "
		    "only, %s) that is extractable: a trusted key whose wrap "
		    "template admits it can carry it to another token; "
		    "rotate it (`kp rotate --drop-previous`) or delete it",
		    i->mechs[0] == CKM_AES_GCM ? "AES-GCM" : "AES-CBC-PAD");
	if (has(i, P11F_TRUSTED) && has(i, P11F_TOKEN) &&
	    i->cls == CKO_PUBLIC_KEY && p11_trust_import_label(i->label))
		add(fs, k, P11A_IMPORT_LEFTOVER,
		    "trusted import key left by "
		    "an interrupted Key Protect import: it can still wrap; "
		    "the next `kp import-root` or `kp rotate` removes it");
	else if (p11_root_partial(i)) /* still CKA_TOKEN=false, maybe */
		add(fs, k, P11A_IMPORT_LEFTOVER,
		    "root key copy an "
		    "interrupted Key Protect import left half made (its "
		    "label and CKA_ID never set, perhaps still modifiable); "
		    "the next `kp import-root` or `kp rotate` removes it");
	else if (i->cls == CKO_PRIVATE_KEY && has(i, P11F_UNWRAP) &&
	         key->unwrap_tmpl_safe && !key->unwrap_tmpl_pinned)
		add(fs, k, P11A_LOOSE_UNWRAP,
		    "unwrapping key whose "
		    "CKA_UNWRAP_TEMPLATE forces only sensitive and not "
		    "extractable: a blob of the user's choosing comes back as "
		    "a key that wraps and decrypts, or of another type; make a "
		    "new transport key (`key create transport`) and delete "
		    "this one");
	else if (has(i, P11F_TRUSTED) && has(i, P11F_WRAP) &&
	         !key->wrap_tmpl_pinned)
		add(fs, k, P11A_LOOSE_TRUSTED,
		    "trusted wrapping key whose "
		    "CKA_WRAP_TEMPLATE does not pin class, key type and "
		    "mechanisms: any key marked wrap_with_trusted, a root key "
		    "too, can leave under it; trust the station again with "
		    "`key trust-transport` and delete this one");
}

/* A root whose material Key Protect holds: Key Protect wraps DEKs with
 * AES-GCM under it, and GCM's keystream depends on key and IV only, so
 * any usage that runs the AES block function for a PIN holder opens every
 * WDEK (t-custody-keystream.sh). p11seal keeps such keys without usage. */
static void check_oracle(struct findings *fs, size_t k,
                         const struct p11_policy_key *key)
{
	static const enum p11_flag usage[] = { P11F_ENCRYPT, P11F_DECRYPT,
		                               P11F_WRAP,    P11F_UNWRAP,
		                               P11F_SIGN,    P11F_DERIVE };
	const size_t n = sizeof(usage) / sizeof(usage[0]);
	const struct p11_obj_info *i = &key->info;
	size_t u = 0;

	if (!key->kp_root || i->cls != CKO_SECRET_KEY)
		return;
	while (u < n && i->known[usage[u]] && !i->flag[usage[u]])
		u++;
	if (u < n)
		add(fs, k, P11A_ROOT_ORACLE,
		    "a root key whose material Key "
		    "Protect holds, with CKA_%s %s: AES-GCM under it with a "
		    "WDEK's IV gives the keystream that turns the WDEK into "
		    "its DEK; `kp rotate --drop-previous` replaces it with a "
		    "copy that has no usage",
		    p11_flag_name(usage[u]),
		    i->known[usage[u]] ? "true" : "unreported");
}

/* A dangerous combination one C_SetAttributeValue away. */
static void check_mutable(struct findings *fs, size_t k,
                          const struct p11_obj_info *i)
{
	const char *reach;

	if (i->known[P11F_MODIFIABLE] && !i->flag[P11F_MODIFIABLE])
		return;
	if (i->cls == CKO_SECRET_KEY &&
	    !(has(i, P11F_WRAP) && has(i, P11F_DECRYPT)) &&
	    !(has(i, P11F_UNWRAP) && has(i, P11F_ENCRYPT)))
		reach = "wrap and decrypt";
	else if (i->cls == CKO_PRIVATE_KEY && !has(i, P11F_DECRYPT))
		reach = "decrypt";
	else
		return;
	add(fs, k, P11A_MUTABLE,
	    "%s: C_SetAttributeValue can switch on %s "
	    "later (then: wrap-then-decrypt)",
	    i->known[P11F_MODIFIABLE] ? "CKA_MODIFIABLE is true"
	                              : "the token does not report "
	                                "CKA_MODIFIABLE (default true)",
	    reach);
}

/* Could w wrap t? Only extractable keys leave, trusted-only ones only
 * under a trusted key, where the token enforces those attributes. */
static bool can_wrap(const struct p11_obj_info *w, const struct p11_obj_info *t,
                     const struct p11_policy_token *tok)
{
	if (t->cls == CKO_SECRET_KEY && !tok->extractable_enforced)
		return true;
	return holds_secret(t) && has(t, P11F_EXTRACTABLE) &&
	       (!has(t, P11F_WRAP_WITH_TRUSTED) || has(w, P11F_TRUSTED) ||
	        !tok->trusted_wrap_enforced);
}

static void check_strength(struct findings *fs, size_t k,
                           const struct p11_policy_key *keys, size_t n,
                           const struct p11_policy_token *tok)
{
	const struct p11_obj_info *w = &keys[k].info, *best = NULL;
	unsigned ws = strength(w), bs = 0;

	if (!has(w, P11F_WRAP) || !ws)
		return;
	if (w->key_type == CKK_RSA) {
		if (w->modulus_bits < RSA_MIN_WRAP_BITS)
			add(fs, k, P11A_WEAK_WRAPPER,
			    "RSA-%lu can wrap: below "
			    "%d bits (%u-bit strength) it is weaker than the "
			    "AES-256 keys it would carry",
			    (unsigned long)w->modulus_bits, RSA_MIN_WRAP_BITS,
			    ws);
		return;
	}
	for (size_t j = 0; j < n; j++) {
		const struct p11_obj_info *t = &keys[j].info;

		if (j != k && can_wrap(w, t, tok) && strength(t) > bs) {
			best = t;
			bs = strength(t);
		}
	}
	if (best && bs > ws)
		add(fs, k, P11A_WEAK_WRAPPER,
		    "a %u-bit wrapping key that can "
		    "wrap '%.60s' (%u-bit): the weaker key decides what an "
		    "attacker must break",
		    ws, best->label, bs);
}

enum err p11_policy_check(const struct p11_policy_key *keys, size_t n,
                          const struct p11_policy_token *tok,
                          struct p11_finding **out, size_t *nf)
{
	struct findings fs = { NULL, 0, 0, false };

	*out = NULL;
	*nf = 0;
	for (size_t k = 0; k < n; k++) {
		check_roles(&fs, k, &keys[k].info);
		check_secrecy(&fs, k, &keys[k], tok);
		check_strength(&fs, k, keys, n, tok);
		check_mutable(&fs, k, &keys[k].info);
		check_custody(&fs, k, &keys[k]);
		check_oracle(&fs, k, &keys[k]);
	}
	if (fs.nomem) {
		free(fs.f);
		return err_set(ERR_NOMEM, "audit findings");
	}
	*out = fs.f;
	*nf = fs.n;
	return ERR_OK;
}
