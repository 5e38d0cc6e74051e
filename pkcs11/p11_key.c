/* SPDX-License-Identifier: MIT */
/* p11_key.c - make keys only from the profiles of docs/pkcs11-tokens.md
 * §2: every boolean explicit, no key that can both wrap and decrypt,
 * read back and checked after creation (destroyed if the token cheated). */
#include "p11_key.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "p11_caps.h"
#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"

struct want {
	enum p11_flag flag;
	bool value;
	bool required; /* false: hardening a token may not support */
};

struct profile {
	CK_KEY_TYPE type;
	CK_MECHANISM_TYPE keygen;
	CK_MECHANISM_TYPE mech; /* the one allowed mechanism */
	struct want want[16];
	size_t n_want;
};

#define W(f, v)                   \
	{                         \
		P11F_##f, v, true \
	}
#define O(f, v)                    \
	{                          \
		P11F_##f, v, false \
	}
/* The wanted flags and their count, derived so the two cannot drift. */
#define WANTS(...)                                                      \
	{ __VA_ARGS__ }, sizeof((const struct want[]){ __VA_ARGS__ }) / \
	                         sizeof(struct want)

/* Held in the token, private and sensitive; and never changed or copied
 * where the token lets that be said. */
#define KEPT  W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true)
#define FIXED O(MODIFIABLE, false), O(COPYABLE, false)
/* An encryption key: it encrypts, decrypts only if dec, nothing else. */
#define CIPHER(dec)                                                          \
	W(ENCRYPT, true), W(DECRYPT, dec), W(WRAP, false), W(UNWRAP, false), \
	        W(SIGN, false), W(VERIFY, false), W(DERIVE, false)
/* A root key: leaves the token only by trusted wrap, encrypts only. */
#define ROOT_WANTS                                                    \
	WANTS(KEPT, W(EXTRACTABLE, true), W(WRAP_WITH_TRUSTED, true), \
	      CIPHER(false), FIXED)

static const struct profile profiles[P11P_COUNT] = {
	[P11P_ROOT] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM, ROOT_WANTS },
	[P11P_ROOT_LOCKED] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM,
	                       WANTS(KEPT, W(EXTRACTABLE, false), CIPHER(false),
	                             FIXED) },
	[P11P_DEK_DATA] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_ECB,
	                    WANTS(KEPT, CIPHER(true), FIXED) },
	[P11P_DEK_TWEAK] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_ECB,
	                     WANTS(KEPT, CIPHER(false), FIXED) },
	[P11P_DEK_XTS] = { CKK_AES_XTS, CKM_AES_XTS_KEY_GEN, CKM_AES_XTS,
	                   WANTS(KEPT, CIPHER(true), FIXED) },
	[P11P_AUDIT] = { CKK_GENERIC_SECRET, CKM_GENERIC_SECRET_KEY_GEN,
	                 CKM_SHA256_HMAC,
	                 WANTS(KEPT, W(EXTRACTABLE, false), W(SIGN, true),
	                       W(VERIFY, true), W(ENCRYPT, false),
	                       W(DECRYPT, false), W(WRAP, false),
	                       W(UNWRAP, false), W(DERIVE, false), FIXED) },
	[P11P_ROOT_CBC] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_CBC_PAD,
	                    ROOT_WANTS },
	/* Key Protect wraps DEKs with AES-GCM under this material, and
	 * GCM's keystream depends on key and IV only: a copy that encrypts
	 * (any mode) opens every WDEK for a PIN holder
	 * (t-custody-keystream.sh). Nothing in p11seal uses it after the
	 * import; it records that the token made the material. */
	[P11P_ROOT_KEPT] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM,
	                     WANTS(KEPT, W(EXTRACTABLE, false),
	                           W(ENCRYPT, false), W(DECRYPT, false),
	                           W(WRAP, false), W(UNWRAP, false),
	                           W(SIGN, false), W(VERIFY, false),
	                           W(DERIVE, false), FIXED) },
};

#define TMPL_MAX 32

struct tmpl {
	CK_ATTRIBUTE a[TMPL_MAX];
	CK_ULONG n;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	CK_ULONG value_len;
	CK_MECHANISM_TYPE mech;
};

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* The only attributes a token may refuse while the key keeps its custody
 * (issue 12): without CKA_COPYABLE or CKA_ALLOWED_MECHANISMS a key is
 * still sensitive, not extractable, not modifiable and held to its usage
 * flags. NSS softoken 3.87 and opencryptoki 3.8.1's soft token refuse
 * both and take CKA_MODIFIABLE=false (measured). Everything else in a
 * template is structure or custody and is never left out; the profiles'
 * O() marks only what the read-back may find unreported. */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
} optional[] = {
	{ CKA_COPYABLE, "CKA_COPYABLE" },
	{ CKA_ALLOWED_MECHANISMS, "CKA_ALLOWED_MECHANISMS" },
};

#define N_OPTIONAL   (sizeof(optional) / sizeof(optional[0]))
#define ALL_OPTIONAL ((1u << N_OPTIONAL) - 1)

_Static_assert(N_OPTIONAL <= P11_KEY_OMIT_MAX,
               "a p11_key_omission holds every optional attribute");

/* True if omit (bits of optional[]) leaves type out. */
static bool omitted(CK_ATTRIBUTE_TYPE type, unsigned omit)
{
	for (size_t i = 0; i < N_OPTIONAL; i++)
		if (optional[i].type == type)
			return (omit >> i) & 1u;
	return false;
}

static void tmpl_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
                     CK_ULONG len)
{
	if (t->n < TMPL_MAX)
		t->a[t->n++] = (CK_ATTRIBUTE){ type, p11_unconst(v), len };
}

static void tmpl_bool(struct tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	tmpl_add(t, type, v ? &yes : &no, sizeof(CK_BBOOL));
}

static bool is_dek(enum p11_profile p)
{
	return p == P11P_DEK_DATA || p == P11P_DEK_TWEAK || p == P11P_DEK_XTS;
}

/* Fill t for spec, without the optional attributes in omit. A DEK gets
 * CKA_WRAP_WITH_TRUSTED only when exportable: a key that cannot be
 * extracted at all has nothing for it to restrict. */
static void tmpl_build(struct tmpl *t, const struct p11_key_spec *spec,
                       bool for_import, unsigned omit)
{
	const struct profile *p = &profiles[spec->profile];

	memset(t, 0, sizeof(*t));
	t->cls = CKO_SECRET_KEY;
	t->type = p->type;
	t->value_len = spec->len;
	t->mech = p->mech;
	tmpl_add(t, CKA_CLASS, &t->cls, sizeof(t->cls));
	tmpl_add(t, CKA_KEY_TYPE, &t->type, sizeof(t->type));
	if (!for_import)
		tmpl_add(t, CKA_VALUE_LEN, &t->value_len, sizeof(t->value_len));
	tmpl_add(t, CKA_LABEL, spec->label, strlen(spec->label));
	if (spec->id_len)
		tmpl_add(t, CKA_ID, spec->id, spec->id_len);
	for (size_t i = 0; i < p->n_want; i++) {
		enum p11_flag f = p->want[i].flag;
		CK_ATTRIBUTE_TYPE a = p11_flag_attr[f];

		if (omitted(a, omit))
			continue;
		/* A session key is seen by this process only; SoftHSM 2.6.1
		 * copies nothing that is not modifiable or not copyable. */
		if (spec->session &&
		    (f == P11F_MODIFIABLE || f == P11F_COPYABLE))
			continue;
		tmpl_bool(t, a,
		          f == P11F_TOKEN ? !spec->session : p->want[i].value);
	}
	if (is_dek(spec->profile)) {
		tmpl_bool(t, CKA_EXTRACTABLE, spec->exportable);
		if (spec->exportable)
			tmpl_bool(t, CKA_WRAP_WITH_TRUSTED, true);
	}
	if (!omitted(CKA_ALLOWED_MECHANISMS, omit))
		tmpl_add(t, CKA_ALLOWED_MECHANISMS, &t->mech, sizeof(t->mech));
}

/* As p11_key_check_profile; session: CKA_TOKEN must be false instead. */
static enum err check(const struct p11_obj_info *info, enum p11_profile pid,
                      bool session)
{
	const struct profile *p = &profiles[pid];
	/* An HMAC key may carry the type of its one mechanism
	 * (tpm2-pkcs11 1.9.0). */
	bool hmac_typed =
	        pid == P11P_AUDIT && info->key_type == CKK_SHA256_HMAC;

	if (info->cls != CKO_SECRET_KEY ||
	    (info->key_type != p->type && !hmac_typed))
		return err_set(ERR_POLICY,
		               "key '%s' has the wrong class or "
		               "type for its role",
		               info->label);
	for (size_t i = 0; i < p->n_want; i++) {
		enum p11_flag f = p->want[i].flag;

		bool want = f == P11F_TOKEN ? !session : p->want[i].value;

		if (!p->want[i].required)
			continue;
		if (!info->known[f])
			return err_set(ERR_POLICY,
			               "token does not report "
			               "CKA_%s of key '%s'",
			               p11_flag_name(f), info->label);
		if (info->flag[f] != want)
			return err_set(ERR_POLICY,
			               "key '%s' has %s=%s; its "
			               "role needs %s",
			               info->label, p11_flag_name(f),
			               info->flag[f] ? "true" : "false",
			               want ? "true" : "false");
	}
	if (info->flag[P11F_WRAP] && info->flag[P11F_DECRYPT])
		return err_set(ERR_POLICY, "key '%s' can both wrap and decrypt",
		               info->label);
	if (info->flag[P11F_EXTRACTABLE] &&
	    !(info->known[P11F_WRAP_WITH_TRUSTED] &&
	      info->flag[P11F_WRAP_WITH_TRUSTED]))
		return err_set(ERR_POLICY,
		               "key '%s' is extractable without "
		               "wrap_with_trusted",
		               info->label);
	if (!info->flag[P11F_SENSITIVE])
		return err_set(ERR_POLICY, "key '%s' is not sensitive",
		               info->label);
	return ERR_OK;
}

enum err p11_key_check_profile(const struct p11_obj_info *info,
                               enum p11_profile pid)
{
	return check(info, pid, false);
}

/* What tokens answer a template attribute they lack or refuse with; NSS
 * softoken 3.87 says CKR_GENERAL_ERROR for CKA_COPYABLE and
 * CKA_ALLOWED_MECHANISMS (measured). */
static bool refused(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_GENERAL_ERROR ||
	       rv == CKR_TEMPLATE_INCONSISTENT ||
	       rv == CKR_ATTRIBUTE_VALUE_INVALID;
}

/* The p11_flag of a boolean attribute, or P11F_COUNT. */
static enum p11_flag flag_of(CK_ATTRIBUTE_TYPE type)
{
	int f = 0;

	while (f < P11F_COUNT && p11_flag_attr[f] != type)
		f++;
	return (enum p11_flag)f;
}

/* "CKA_MODIFIABLE=false" for a boolean attribute and a value. */
static void bool_text(CK_ATTRIBUTE_TYPE type, bool v, char *buf, size_t cap)
{
	snprintf(buf, cap, "CKA_%s=%s", p11_flag_name(flag_of(type)),
	         v ? "true" : "false");
	for (char *c = buf; *c && *c != '='; c++)
		*c = (char)toupper((unsigned char)*c);
}

static bool bool_value(const CK_ATTRIBUTE *a)
{
	return *(const CK_BBOOL *)a->pValue == CK_TRUE;
}

/* Every boolean the template set must read back so where the token
 * reports it: a token that takes CKA_MODIFIABLE=false and ignores it is
 * no better than one that refuses it. */
static enum err check_sent(const struct p11_obj_info *info,
                           const struct tmpl *t, const char *label)
{
	char got[48], want[48];

	for (CK_ULONG i = 0; i < t->n; i++) {
		enum p11_flag f = flag_of(t->a[i].type);

		if (f == P11F_COUNT || !info->known[f] ||
		    info->flag[f] == bool_value(&t->a[i]))
			continue;
		bool_text(t->a[i].type, info->flag[f], got, sizeof(got));
		bool_text(t->a[i].type, bool_value(&t->a[i]), want,
		          sizeof(want));
		return err_set(ERR_POLICY,
		               "key '%s' came out with %s though "
		               "the template set %s",
		               label, got, want);
	}
	return ERR_OK;
}

/* Read the new key back; destroy it if it is not what was asked for. */
static enum err verify_new(struct p11_session *s, CK_OBJECT_HANDLE h,
                           const struct p11_key_spec *spec,
                           const struct tmpl *t)
{
	struct p11_obj_info info;
	bool readable = false;
	enum err r;

	r = p11_obj_info(s, h, &info);
	if (r == ERR_OK)
		r = check(&info, spec->profile, spec->session);
	if (r == ERR_OK)
		r = check_sent(&info, t, spec->label);
	/* A token may claim CKA_SENSITIVE and still hand the value out. */
	if (r == ERR_OK)
		r = p11_obj_secret_readable(s, h, CKO_SECRET_KEY, &readable);
	if (r == ERR_OK && readable)
		r = err_set(ERR_POLICY,
		            "C_GetAttributeValue(CKA_VALUE) "
		            "returned the value of key '%s' although the token "
		            "reports it sensitive",
		            spec->label);
	if (r == ERR_OK && info.known[P11F_EXTRACTABLE] &&
	    info.flag[P11F_EXTRACTABLE] != spec->exportable &&
	    spec->profile != P11P_ROOT)
		r = err_set(ERR_POLICY, "key '%s' came out with extractable=%s",
		            spec->label,
		            info.flag[P11F_EXTRACTABLE] ? "true" : "false");
	if (r != ERR_OK) {
		p11_obj_discard(s, h);
		/* A token gone mid-way keeps its own error class. */
		return r == ERR_POLICY ? err_wrap(r, "token did not honour the "
		                                     "key template")
		                       : r;
	}
	return ERR_OK;
}

/* The host's RNG, for a token without one: a CKA_ID is no secret, only
 * unique. */
static enum err host_random(uint8_t *out, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(out + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(ERR_CRYPTO,
			                 "getrandom for a key's CKA_ID");
		got += (size_t)n;
	}
	return ERR_OK;
}

enum err p11_key_new_id(struct p11_session *s, uint8_t id[P11_KEY_ID_LEN])
{
	enum err r = p11_session_random(s, id, P11_KEY_ID_LEN);

	/* No RNG in the token (gnome-keyring: CKR_RANDOM_NO_RNG) or no
	 * C_GenerateRandom at all: ERR_UNSUPPORTED. */
	if (r != ERR_UNSUPPORTED)
		return r;
	err_clear();
	return host_random(id, P11_KEY_ID_LEN);
}

/* SoftHSM 2.6.1 applies an unwrap template in order and refuses every
 * attribute after CKA_MODIFIABLE=FALSE with CKR_ATTRIBUTE_READ_ONLY
 * (measured), so that one goes last; it also refuses CKA_VALUE_LEN. */
static void modifiable_last(struct tmpl *t)
{
	CK_ATTRIBUTE m;
	CK_ULONG i = 0;

	while (i < t->n && t->a[i].type != CKA_MODIFIABLE)
		i++;
	if (i + 1 >= t->n)
		return;
	m = t->a[i];
	memmove(&t->a[i], &t->a[i + 1], (t->n - i - 1) * sizeof(m));
	t->a[t->n - 1] = m;
}

/* One way of making a key, so that generation, import and unwrapping
 * share the template search below. */
struct maker {
	struct p11_session *s;
	const struct p11_key_spec *spec;
	enum { MAKE_GENERATE, MAKE_IMPORT, MAKE_UNWRAP } how;
	const char *op;             /* "C_GenerateKey for", for messages */
	CK_MECHANISM *mech;         /* key generation or unwrapping */
	CK_OBJECT_HANDLE unwrapper; /* MAKE_UNWRAP */
	const uint8_t *bytes;       /* the key value (import) or the blob */
	size_t len;
};

static void maker_tmpl(const struct maker *m, unsigned omit, struct tmpl *t)
{
	tmpl_build(t, m->spec, m->how != MAKE_GENERATE, omit);
	if (m->how == MAKE_IMPORT)
		tmpl_add(t, CKA_VALUE, m->bytes, m->len);
}

static CK_RV maker_call(const struct maker *m, struct tmpl *t,
                        CK_OBJECT_HANDLE *out)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(m->s);
	CK_SESSION_HANDLE sh = p11_session_handle(m->s);

	if (m->how == MAKE_GENERATE)
		return fn->C_GenerateKey(sh, m->mech, t->a, t->n, out);
	if (m->how == MAKE_IMPORT)
		return fn->C_CreateObject(sh, t->a, t->n, out);
	modifiable_last(t);
	return fn->C_UnwrapKey(sh, m->mech, m->unwrapper, p11_unconst(m->bytes),
	                       m->len, t->a, t->n, out);
}

/* The whole template first; if the token refuses it, leave out one
 * optional attribute, then two, ...: the first template it takes leaves
 * out just what it refuses (tokens refuse attributes, not sets of them)
 * and nothing it accepts. t and *omit describe the last call made. */
static CK_RV make_omitting_least(const struct maker *m, struct tmpl *t,
                                 unsigned *omit, CK_OBJECT_HANDLE *out)
{
	CK_RV rv = CKR_GENERAL_ERROR;

	for (unsigned k = 0; k <= N_OPTIONAL; k++) {
		for (unsigned o = 0; o <= ALL_OPTIONAL; o++) {
			if ((unsigned)__builtin_popcount(o) != k)
				continue;
			maker_tmpl(m, o, t);
			*omit = o;
			rv = maker_call(m, t, out);
			if (!refused(rv))
				return rv;
		}
	}
	return rv;
}

/* Whether the token takes t as a session object without its attribute
 * skip (t->n: none left out). A probe it takes is destroyed at once. */
static bool probe_takes(const struct maker *m, const struct tmpl *t,
                        CK_ULONG skip)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	struct tmpl p = *t;

	p.n = 0;
	for (CK_ULONG i = 0; i < t->n; i++) {
		if (i == skip)
			continue;
		p.a[p.n] = t->a[i];
		if (t->a[i].type == CKA_TOKEN)
			p.a[p.n].pValue = p11_unconst(&no);
		p.n++;
	}
	if (maker_call(m, &p, &h) != CKR_OK)
		return false;
	p11_obj_discard(m->s, h);
	return true;
}

/* A token that takes no AES secret key at all (tpm2-pkcs11 1.9.0) gets
 * that said, not a guess at the attribute. rv: the answer to the key. */
static bool no_secret_keys(const struct maker *m, CK_RV rv)
{
	struct p11_caps c;

	if (p11_caps_aes_keys(m->s, &c) != ERR_OK || c.aes_generate ||
	    c.aes_import)
		return false;
	err_set(ERR_UNSUPPORTED,
	        "token '%s' takes no AES secret keys at all "
	        "(C_GenerateKey: %s, C_CreateObject: %s), so key '%s' cannot "
	        "be kept there (%s %s: %s); use another token",
	        p11_session_token(m->s)->label, p11_ckr_name(c.aes_generate_rv),
	        p11_ckr_name(c.aes_import_rv), m->spec->label, m->op,
	        m->spec->label, p11_ckr_name(rv));
	return true;
}

/* Even without every optional attribute the token refused t, so it will
 * not take an attribute of the key's custody. Name it: ask again for a
 * session object (CKA_TOKEN=false), then also without one boolean at a
 * time, so no weaker key outlives the question. rv: the answer to t. */
static enum err custody_refused(const struct maker *m, const struct tmpl *t,
                                CK_RV rv)
{
	char what[48];
	CK_ULONG i;

	/* A session object taken: the token will not keep this key at all. */
	if (probe_takes(m, t, t->n))
		for (i = 0; i < t->n && t->a[i].type != CKA_TOKEN; i++)
			;
	else
		for (i = 0; i < t->n; i++)
			if (flag_of(t->a[i].type) != P11F_COUNT &&
			    t->a[i].type != CKA_TOKEN && probe_takes(m, t, i))
				break;
	if (i == t->n && no_secret_keys(m, rv))
		return ERR_UNSUPPORTED;
	if (i == t->n)
		return p11_fail(rv, m->op, m->spec->label);
	bool_text(t->a[i].type, bool_value(&t->a[i]), what, sizeof(what));
	return err_set(ERR_UNSUPPORTED,
	               "token '%s' refuses %s, which the "
	               "custody of key '%s' needs; key not made (%s %s: %s)",
	               p11_session_token(m->s)->label, what, m->spec->label,
	               m->op, m->spec->label, p11_ckr_name(rv));
}

#define OMISSIONS_MAX 32

/* Keys this thread made without optional attributes, for the callers
 * that report them and store them in the key's metadata. */
static _Thread_local struct {
	char label[P11_LABEL_MAX + 1];
	unsigned omit;
} omissions[OMISSIONS_MAX];
static _Thread_local size_t n_omissions;

/* Remember what the key labelled label was made without (omit 0: forget
 * an older key of that label). ERR_INTERNAL when there is no room: a
 * downgrade nobody would hear of is not made. */
static enum err record_omission(const char *label, unsigned omit)
{
	size_t i = 0;

	while (i < n_omissions && strcmp(omissions[i].label, label) != 0)
		i++;
	if (!omit) {
		if (i < n_omissions)
			memmove(&omissions[i], &omissions[i + 1],
			        (n_omissions-- - i - 1) * sizeof(omissions[0]));
		return ERR_OK;
	}
	if (i == OMISSIONS_MAX)
		return err_set(ERR_INTERNAL,
		               "more than %d keys made without "
		               "optional attributes in one run",
		               OMISSIONS_MAX);
	if (i == n_omissions)
		n_omissions++;
	snprintf(omissions[i].label, sizeof(omissions[i].label), "%s", label);
	omissions[i].omit = omit;
	return ERR_OK;
}

enum err p11_key_omission_copy(const char *from, const char *to,
                               bool copyable_refused)
{
	unsigned omit = 0;
	size_t i = 0;
	enum err r;

	while (i < n_omissions && strcmp(omissions[i].label, from) != 0)
		i++;
	if (i < n_omissions)
		omit = omissions[i].omit;
	r = record_omission(from, 0);
	for (size_t j = 0; copyable_refused && j < N_OPTIONAL; j++)
		if (optional[j].type == CKA_COPYABLE)
			omit |= 1u << j;
	if (r == ERR_OK)
		r = record_omission(to, omit);
	return r;
}

bool p11_key_omission(size_t i, struct p11_key_omission *out)
{
	if (i >= n_omissions)
		return false;
	snprintf(out->label, sizeof(out->label), "%s", omissions[i].label);
	out->n = 0;
	for (size_t j = 0; j < N_OPTIONAL; j++)
		if ((omissions[i].omit >> j) & 1u)
			out->attrs[out->n++] = optional[j].name;
	return true;
}

static enum err make_key(const struct maker *m, CK_OBJECT_HANDLE *out)
{
	unsigned omit = 0;
	struct tmpl t;
	enum err r;
	CK_RV rv;

	rv = make_omitting_least(m, &t, &omit, out);
	if (refused(rv))
		return custody_refused(m, &t, rv);
	if (rv != CKR_OK)
		return p11_fail(rv, m->op, m->spec->label);
	r = verify_new(m->s, *out, m->spec, &t);
	if (r == ERR_OK) {
		r = record_omission(m->spec->label, omit);
		if (r != ERR_OK)
			p11_obj_discard(m->s, *out);
	}
	if (r != ERR_OK)
		*out = CK_INVALID_HANDLE;
	return r;
}

enum err p11_key_generate(struct p11_session *s,
                          const struct p11_key_spec *spec,
                          CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM mech = { profiles[spec->profile].keygen, NULL, 0 };
	struct maker m = { s,
		           spec,
		           MAKE_GENERATE,
		           "C_GenerateKey for",
		           &mech,
		           CK_INVALID_HANDLE,
		           NULL,
		           0 };

	return make_key(&m, out);
}

enum err p11_key_import(struct p11_session *s, const struct p11_key_spec *spec,
                        const uint8_t *value, size_t len, CK_OBJECT_HANDLE *out)
{
	struct maker m = { s,           spec,
		           MAKE_IMPORT, "C_CreateObject for",
		           NULL,        CK_INVALID_HANDLE,
		           value,       len };

	return make_key(&m, out);
}

enum err p11_key_unwrap(struct p11_session *s, const struct p11_key_spec *spec,
                        CK_MECHANISM *mech, CK_OBJECT_HANDLE unwrapper,
                        const uint8_t *blob, size_t len, CK_OBJECT_HANDLE *out)
{
	struct maker m = { s,    spec,      MAKE_UNWRAP, "C_UnwrapKey for",
		           mech, unwrapper, blob,        len };

	return make_key(&m, out);
}
