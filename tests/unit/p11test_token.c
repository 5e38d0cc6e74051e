/* SPDX-License-Identifier: MIT */
/* p11test_token.c - throw-away SoftHSM tokens (and NSS softoken
 * databases) for C tests and benchmarks.
 * Test-only: key values here are known test vectors, never secrets. */
#include "p11test_token.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MODULE_FILE "/usr/share/p11-kit/modules/softhsm2.module"

static enum p11test_status p11test_fail(struct p11test_token *t,
					enum p11test_status st,
					const char *what, unsigned long code)
{
	snprintf(t->reason, sizeof(t->reason), "%s (0x%lx)", what, code);
	return st;
}

const char *p11test_softhsm_path(void)
{
	static char path[512];
	char line[600];
	FILE *f = fopen(MODULE_FILE, "r");

	path[0] = '\0';
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "module:", 7) != 0)
			continue;
		if (sscanf(line + 7, " %511s", path) != 1)
			path[0] = '\0';
		break;
	}
	fclose(f);
	return path[0] && access(path, R_OK) == 0 ? path : NULL;
}

/* softhsm2.conf from softhsm-conf/softhsm2.conf.in (ROOT = repo top, as
 * exported by tests/run.sh, else the current directory). */
static bool p11test_write_conf(struct p11test_token *t)
{
	const char *root = getenv("ROOT") ? getenv("ROOT") : ".";
	char src[512], dst[128], tokens[96], line[512];
	FILE *in, *out;
	bool ok = true;

	snprintf(src, sizeof(src), "%s/softhsm-conf/softhsm2.conf.in", root);
	snprintf(dst, sizeof(dst), "%s/softhsm2.conf", t->dir);
	snprintf(tokens, sizeof(tokens), "%s/tokens", t->dir);
	if (mkdir(tokens, 0700) != 0)
		return false;
	in = fopen(src, "r");
	out = fopen(dst, "w");
	while (in && out && fgets(line, sizeof(line), in)) {
		char *at = strstr(line, "@TOKENDIR@");

		if (at) {
			*at = '\0';
			ok &= fprintf(out, "%s%s%s", line, tokens,
				      at + strlen("@TOKENDIR@")) > 0;
		} else {
			ok &= fputs(line, out) >= 0;
		}
	}
	ok = ok && in && out;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = false;
	return ok && setenv("SOFTHSM2_CONF", dst, 1) == 0;
}

/* Run argv through posix_spawnp (no shell), stdout to /dev/null. SKIP
 * when the program is not installed. */
static enum p11test_status p11test_spawn(struct p11test_token *t,
					 char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int rc, status = 0;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT) {
		snprintf(t->reason, sizeof(t->reason), "%s not installed",
			 argv[0]);
		return P11TEST_SKIP;
	}
	if (rc != 0)
		return p11test_fail(t, P11TEST_FAIL, "posix_spawnp",
				    (unsigned)rc);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		snprintf(t->reason, sizeof(t->reason), "%s %s failed (0x%x)",
			 argv[0], argv[1], (unsigned)status);
		return P11TEST_FAIL;
	}
	return P11TEST_OK;
}

/* softhsm2-util --init-token --free ... */
static enum p11test_status p11test_init_token(struct p11test_token *t,
					      const char *label)
{
	char *argv[] = { p11_unconst("softhsm2-util"),
			 p11_unconst("--init-token"), p11_unconst("--free"),
			 p11_unconst("--label"), p11_unconst(label),
			 p11_unconst("--pin"), p11_unconst(P11TEST_PIN),
			 p11_unconst("--so-pin"), p11_unconst(P11TEST_SO_PIN),
			 NULL };

	return p11test_spawn(t, argv);
}

static enum p11test_status p11test_load(struct p11test_token *t,
					const char *module)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_C_GetFunctionList get;
	CK_RV rv;

	/* NSS softoken takes its database directory here. */
	if (t->init_args[0])
		args.pReserved = t->init_args;
	t->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!t->dl) {
		snprintf(t->reason, sizeof(t->reason), "dlopen: %s", dlerror());
		return P11TEST_FAIL;
	}
	*(void **)&get = dlsym(t->dl, "C_GetFunctionList");
	if (!get)
		return p11test_fail(t, P11TEST_FAIL, "no C_GetFunctionList", 0);
	rv = get(&t->fn);
	if (rv != CKR_OK)
		return p11test_fail(t, P11TEST_FAIL, "C_GetFunctionList", rv);
	rv = t->fn->C_Initialize(&args);
	if (rv != CKR_OK)
		return p11test_fail(t, P11TEST_FAIL, "C_Initialize", rv);
	t->initialized = true;
	return P11TEST_OK;
}

/* Slot whose token label (32 bytes, space padded) is label. */
static enum p11test_status p11test_login(struct p11test_token *t,
					 const char *label)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO info;
	CK_RV rv;

	rv = t->fn->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		return p11test_fail(t, P11TEST_FAIL, "C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		if (t->fn->C_GetTokenInfo(slots[i], &info) != CKR_OK ||
		    strncmp((char *)info.label, label, strlen(label)) != 0 ||
		    info.label[strlen(label)] != ' ')
			continue;
		rv = t->fn->C_OpenSession(slots[i],
					  CKF_SERIAL_SESSION | CKF_RW_SESSION,
					  NULL, NULL, &t->sh);
		if (rv != CKR_OK)
			return p11test_fail(t, P11TEST_FAIL, "C_OpenSession",
					    rv);
		rv = t->fn->C_Login(t->sh, CKU_USER, p11_unconst(P11TEST_PIN),
				    strlen(P11TEST_PIN));
		if (rv != CKR_OK)
			return p11test_fail(t, P11TEST_FAIL, "C_Login", rv);
		return P11TEST_OK;
	}
	return p11test_fail(t, P11TEST_FAIL, "token label not found", n);
}

/* A temp dir under TMPDIR into t->dir. */
static enum p11test_status p11test_mkdir(struct p11test_token *t)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(t->dir, sizeof(t->dir), "%.40s/p11test.XXXXXX", tmp);
	if (mkdtemp(t->dir))
		return P11TEST_OK;
	t->dir[0] = '\0';
	return p11test_fail(t, P11TEST_FAIL, "mkdtemp", (unsigned)errno);
}

enum p11test_status p11test_token_open(struct p11test_token *t,
				       const char *label, const char *module)
{
	const char *softhsm = p11test_softhsm_path();
	enum p11test_status st;

	memset(t, 0, sizeof(*t));
	if (!softhsm)
		return p11test_fail(t, P11TEST_SKIP,
				    "SoftHSM not registered in " MODULE_FILE, 0);
	st = p11test_mkdir(t);
	if (st != P11TEST_OK)
		return st;
	if (!p11test_write_conf(t))
		return p11test_fail(t, P11TEST_FAIL, "writing softhsm2.conf", 0);
	st = p11test_init_token(t, label);
	if (st != P11TEST_OK)
		return st;
	if (module && setenv("P11SHIM_TARGET", softhsm, 1) != 0)
		return p11test_fail(t, P11TEST_FAIL, "setenv", 0);
	st = p11test_load(t, module ? module : softhsm);
	if (st != P11TEST_OK)
		return st;
	return p11test_login(t, label);
}

enum p11test_status p11test_nss_open(struct p11test_token *t)
{
	char db[96], pwfile[96];
	char *argv[] = { p11_unconst("certutil"), p11_unconst("-N"),
			 p11_unconst("-d"), db, p11_unconst("-f"), pwfile,
			 NULL };
	enum p11test_status st;
	void *probe;
	FILE *f;

	memset(t, 0, sizeof(*t));
	probe = dlopen(P11TEST_NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (!probe)
		return p11test_fail(t, P11TEST_SKIP, "NSS softoken ("
				    P11TEST_NSS_MODULE ") not installed", 0);
	dlclose(probe);
	st = p11test_mkdir(t);
	if (st != P11TEST_OK)
		return st;
	snprintf(db, sizeof(db), "sql:%s", t->dir);
	snprintf(pwfile, sizeof(pwfile), "%s/pwfile", t->dir);
	f = fopen(pwfile, "w");
	if (!f || fputs(P11TEST_PIN "\n", f) < 0 || fclose(f) != 0)
		return p11test_fail(t, P11TEST_FAIL, "writing pwfile", 0);
	st = p11test_spawn(t, argv);
	if (st != P11TEST_OK)
		return st;
	snprintf(t->init_args, sizeof(t->init_args), "configdir='%s'", db);
	st = p11test_load(t, P11TEST_NSS_MODULE);
	if (st != P11TEST_OK)
		return st;
	return p11test_login(t, P11TEST_NSS_TOKEN);
}

static int p11test_rm(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void p11test_token_close(struct p11test_token *t)
{
	if (t->sh != CK_INVALID_HANDLE)
		t->fn->C_CloseSession(t->sh);
	if (t->initialized)
		t->fn->C_Finalize(NULL);
	if (t->dl)
		dlclose(t->dl);
	if (t->dir[0])
		nftw(t->dir, p11test_rm, 8, FTW_DEPTH | FTW_PHYS);
	t->sh = CK_INVALID_HANDLE;
	t->initialized = false;
	t->dl = NULL;
	t->dir[0] = '\0';
}

CK_OBJECT_HANDLE p11test_aes_key(struct p11test_token *t, const uint8_t *value,
				 size_t len, enum p11test_role role,
				 bool on_token)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = role == P11TEST_XTS ? CKK_AES_XTS : CKK_AES;
	CK_MECHANISM_TYPE allowed = role == P11TEST_XTS ? CKM_AES_XTS
							: CKM_AES_ECB;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL tok = on_token ? CK_TRUE : CK_FALSE;
	CK_BBOOL dec = role == P11TEST_TWEAK ? CK_FALSE : CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &tok, sizeof(tok) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &dec, sizeof(dec) },
		{ CKA_WRAP, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_SIGN, &no, sizeof(no) },
		{ CKA_VERIFY, &no, sizeof(no) },
		{ CKA_DERIVE, &no, sizeof(no) },
		{ CKA_ALLOWED_MECHANISMS, &allowed, sizeof(allowed) },
		{ CKA_VALUE, p11_unconst(value), len },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv;

	rv = t->fn->C_CreateObject(t->sh, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
				   &h);
	if (rv != CKR_OK) {
		p11test_fail(t, P11TEST_FAIL, "C_CreateObject", rv);
		return CK_INVALID_HANDLE;
	}
	return h;
}

bool p11test_xts_halves(struct p11test_token *t, const uint8_t *key,
			size_t len, bool on_token, CK_OBJECT_HANDLE *data,
			CK_OBJECT_HANDLE *tweak)
{
	*data = p11test_aes_key(t, key, len / 2, P11TEST_DATA, on_token);
	*tweak = p11test_aes_key(t, key + len / 2, len / 2, P11TEST_TWEAK,
				 on_token);
	return *data != CK_INVALID_HANDLE && *tweak != CK_INVALID_HANDLE;
}
