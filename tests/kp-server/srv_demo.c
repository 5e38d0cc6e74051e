/* SPDX-License-Identifier: MIT */
/* srv_demo.c - `kp-server --demo DIR`: the local setup a user would
 * otherwise copy from tests/integration/kp-lib.sh (about fifteen commands)
 * in one step. DIR gets a SoftHSM token folder with the server's token
 * (random PINs), a throw-away CA and a loopback server certificate
 * (ECDSA P-256), an API key, an instance id and the state file; a second
 * run reuses them. After start-up, DIR/env holds the lines that point
 * p11seal at the server, and they are printed. */
#include "srv_demo.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "encode.h"
#include "p11_init.h"
#include "p11_module.h"
#include "p11_session.h"
#include "secmem.h"
#include "srv.h"
#include "file_replace.h"
#include "srv_file.h"

#define DEMO_PATH   4096
#define DEMO_LABEL  "kp-server"
#define DEMO_SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define CERT_DAYS   30

/* Paths and values that live as long as the server. */
static struct {
	char dir[DEMO_PATH / 2], conf[DEMO_PATH], cert[DEMO_PATH], key[DEMO_PATH];
	char ca[DEMO_PATH], keys[DEMO_PATH], apikey[DEMO_PATH];
	char pin[DEMO_PATH + 8], pin_file[DEMO_PATH], state[DEMO_PATH];
	char env[DEMO_PATH];
	char instance[SRV_UUID_LEN + 1];
} d;

static void path(char *out, const char *name)
{
	/* d.dir is short enough (srv_demo_setup) for every name here */
	if (snprintf(out, DEMO_PATH, "%s/%s", d.dir, name) >= DEMO_PATH)
		out[0] = '\0';
}

static bool exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* n random bytes as hex into out (2n + 1). */
static enum err random_hex(char *out, size_t n)
{
	unsigned char b[32];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		return err_set(ERR_CRYPTO, "RAND_bytes");
	encode_hex(out, b, n);
	OPENSSL_cleanse(b, sizeof(b));
	return ERR_OK;
}

static enum err softhsm_conf(void)
{
	char tokens[DEMO_PATH + 8], text[DEMO_PATH + 128];

	snprintf(tokens, sizeof(tokens), "%s/tokens", d.dir);
	if (mkdir(tokens, 0700) != 0 && errno != EEXIST)
		return err_errno(ERR_IO, tokens);
	snprintf(text, sizeof(text),
	         "directories.tokendir = %s\nobjectstore.backend = file\n"
	         "log.level = ERROR\nslots.removable = false\n",
	         tokens);
	if (!exists(d.conf) && file_replace(d.conf, text) != ERR_OK)
		return ERR_IO;
	return setenv("SOFTHSM2_CONF", d.conf, 1) == 0
	               ? ERR_OK
	               : err_errno(ERR_IO, "setenv");
}

/* The free slot's token, initialised as DEMO_LABEL with random PINs. */
static enum err make_token(const char *module)
{
	struct p11_session_opts so = { .rw = true };
	struct p11_token_desc *t = NULL;
	struct p11_module *m = NULL;
	char so_pin[33], pin[33];
	size_t n = 0, i;
	enum err r;

	r = random_hex(so_pin, 16);
	if (r == ERR_OK)
		r = random_hex(pin, 16);
	if (r == ERR_OK)
		r = p11_module_load(&m, module, NULL);
	if (r == ERR_OK)
		r = p11_token_list(m, &t, &n);
	for (i = 0; r == ERR_OK && i < n; i++)
		if (!(t[i].info.flags & CKF_TOKEN_INITIALIZED))
			break;
	if (r == ERR_OK && i == n)
		r = err_set(ERR_NOT_FOUND, "no free slot in %s", d.conf);
	if (r == ERR_OK)
		r = p11_token_init(m, &t[i], DEMO_LABEL, so_pin, pin, &so);
	if (r == ERR_OK)
		r = file_replace(d.pin_file, pin);
	secmem_wipe(so_pin, sizeof(so_pin));
	secmem_wipe(pin, sizeof(pin));
	free(t);
	p11_module_free(m);
	return r;
}

static EVP_PKEY *ec_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	bool ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

/* A certificate for key, signed by ca_key (itself when issuer is NULL). */
static X509 *certify(EVP_PKEY *key, const char *cn, X509 *issuer,
                     EVP_PKEY *ca_key, bool is_ca)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	bool ok;

	ok = x && RAND_bytes(serial, sizeof(serial)) == 1 &&
	     (bn = BN_bin2bn(serial, sizeof(serial), NULL)) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_set_version(x, 2) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -60) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), CERT_DAYS * 86400L) &&
	     X509_set_pubkey(x, key) &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	                                MBSTRING_ASC,
	                                (const unsigned char *)cn, -1, -1, 0);
	ok = ok && X509_set_issuer_name(x, X509_get_subject_name(
	                                           issuer ? issuer : x));
	if (is_ca)
		ok = ok &&
		     add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		ok = ok &&
		     add_ext(x, issuer, NID_basic_constraints,
		             "critical,CA:FALSE") &&
		     add_ext(x, issuer, NID_key_usage,
		             "critical,digitalSignature") &&
		     add_ext(x, issuer, NID_ext_key_usage, "serverAuth") &&
		     add_ext(x, issuer, NID_subject_alt_name,
		             "IP:127.0.0.1,IP:::1,DNS:localhost");
	ok = ok && X509_sign(x, ca_key, EVP_sha256()) > 0;
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static enum err write_pem(const char *file, X509 *x, EVP_PKEY *k)
{
	FILE *f;
	bool ok;
	int fd;

	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return err_errno(ERR_IO, file);
	}
	ok = x ? PEM_write_X509(f, x) == 1
	       : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
	ok = fclose(f) == 0 && ok;
	return ok ? ERR_OK : err_set(ERR_IO, "writing %s", file);
}

/* The CA (its key is not kept: nothing else is ever signed) and the
 * server's certificate and key. */
static enum err make_certs(void)
{
	EVP_PKEY *ca_key = ec_key(), *key = ec_key();
	X509 *ca = NULL, *srv = NULL;
	enum err r = ERR_CRYPTO;

	if (ca_key && key)
		ca = certify(ca_key, "kp-server demo CA", NULL, ca_key, true);
	if (ca)
		srv = certify(key, "localhost", ca, ca_key, false);
	if (srv) {
		r = write_pem(d.ca, ca, NULL);
		if (r == ERR_OK)
			r = write_pem(d.cert, srv, NULL);
		if (r == ERR_OK)
			r = write_pem(d.key, NULL, key);
	} else {
		err_set(ERR_CRYPTO, "making the demo certificates");
	}
	X509_free(srv);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return r;
}

static enum err make_api_key(void)
{
	char key[49], line[128];
	enum err r;

	r = random_hex(key, 24);
	if (r == ERR_OK)
		r = file_replace(d.apikey, key);
	snprintf(line, sizeof(line), "# apikey subject\n%s iam-ServiceId-demo\n",
	         key);
	if (r == ERR_OK)
		r = file_replace(d.keys, line);
	secmem_wipe(key, sizeof(key));
	secmem_wipe(line, sizeof(line));
	return r;
}

static enum err instance(void)
{
	char p[DEMO_PATH], *text = NULL;
	size_t len = 0;
	enum err r;

	path(p, "instance");
	r = srv_file_read(p, false, 64, &text, &len);
	if (r == ERR_OK) {
		snprintf(d.instance, sizeof(d.instance), "%.*s",
		         SRV_UUID_LEN, text);
		free(text);
		return srv_uuid_valid(d.instance)
		               ? ERR_OK
		               : err_set(ERR_FORMAT, "%s: not a UUID", p);
	}
	if (r != ERR_NOT_FOUND)
		return r;
	srv_uuid_new(d.instance);
	return file_replace(p, d.instance);
}

enum err srv_demo_setup(const char *dir, struct srv_config *c)
{
	char real[PATH_MAX];
	enum err r;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_errno(ERR_IO, dir);
	if (!realpath(dir, real))
		return err_errno(ERR_IO, dir);
	if (strlen(real) >= sizeof(d.dir))
		return err_set(ERR_USAGE, "--demo %s: path too long", dir);
	memcpy(d.dir, real, strlen(real) + 1);
	path(d.conf, "softhsm2.conf");
	path(d.cert, "server.pem");
	path(d.key, "server.key");
	path(d.ca, "ca.pem");
	path(d.keys, "apikeys");
	path(d.apikey, "apikey");
	path(d.pin_file, "pin");
	path(d.state, "state.json");
	path(d.env, "env");
	snprintf(d.pin, sizeof(d.pin), "file:%s", d.pin_file);
	/* The last run's lines name its port: gone until this one is up. */
	if (unlink(d.env) != 0 && errno != ENOENT)
		return err_errno(ERR_IO, d.env);
	if (!c->module)
		c->module = DEMO_SOFTHSM;
	r = softhsm_conf();
	if (r == ERR_OK && !exists(d.pin_file))
		r = make_token(c->module);
	if (r == ERR_OK && !exists(d.cert))
		r = make_certs();
	if (r == ERR_OK && !exists(d.keys))
		r = make_api_key();
	if (r == ERR_OK)
		r = instance();
	if (r != ERR_OK)
		return r;
	c->cert_file = d.cert;
	c->key_file = d.key;
	c->api_keys_file = d.keys;
	c->instance_id = d.instance;
	c->token_uri = "pkcs11:token=" DEMO_LABEL;
	c->pin_source = d.pin;
	if (!c->state_file)
		c->state_file = d.state;
	return ERR_OK;
}

enum err srv_demo_announce(const char *url)
{
	char text[4 * DEMO_PATH];

	snprintf(text, sizeof(text),
	         "export KP_URL=%s IAM_URL=%s KP_INSTANCE_ID=%s\n"
	         "export P11SEAL_CACERT=%s\n",
	         url, url, d.instance, d.ca);
	printf("\nkp-server demo in %s. Point p11seal at it with\n\n"
	       "  . %s\n\nwhich says\n\n%s\nthen, for example,\n\n"
	       "  p11seal kp keys --api-key-source file:%s\n\n"
	       "Stop it with Ctrl-C; run the same command to start it again "
	       "with the same keys.\n",
	       d.dir, d.env, text, d.apikey);
	fflush(stdout);
	return file_replace(d.env, text);
}
