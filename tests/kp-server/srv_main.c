/* SPDX-License-Identifier: MIT */
/* srv_main.c - kp-server: a local Key Protect-compatible HTTPS server for
 * offline tests. Parses the command line, opens the token, loads the
 * state, serves until SIGTERM/SIGINT, then saves and wipes. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secmem.h"
#include "srv.h"
#include "srv_demo.h"
#include "srv_fault.h"
#include "file_replace.h"
#include "srv_file.h"
#include "srv_hsm.h"
#include "srv_http.h"
#include "srv_iam.h"
#include "srv_import.h"
#include "srv_keys.h"
#include "srv_sl.h"
#include "srv_state.h"

#define SECURE_HEAP (64u * 1024 * 1024)

static const char usage_text[] =
        "usage: kp-server --cert FILE --key FILE --instance-id GUID\n"
        "                 --api-keys FILE --module PATH --token URI\n"
        "                 --pin-source file:PATH|env:VAR [options]\n"
        "       kp-server --demo DIR [options]\n"
        "  --demo DIR                make (or reuse) in DIR a SoftHSM token, "
        "CA,\n"
        "                            certificate and API key, serve, and "
        "print\n"
        "                            how to point p11seal at it\n"
        "  --listen ADDR:PORT        default 127.0.0.1:0 (loopback only)\n"
        "  --allow-remote            allow a non-loopback --listen address\n"
        "  --state FILE              keep metadata across restarts\n"
        "  --port-file FILE          write the bound port there\n"
        "  --token-ttl SECONDS       IAM token lifetime (3600)\n"
        "  --rotate-interval SECONDS minimum time between rotations (3600)\n"
        "  --enable-wait SECONDS     enable/restore delay after disable/delete "
        "(30)\n"
        "  --purge-wait SECONDS      purge delay after delete (14400)\n"
        "  --min-token-expiration S  lower bound of import token lifetime "
        "(300)\n"
        "  --max-body BYTES          larger request bodies get 413 (65536)\n"
        "  --region R --account A    used in CRNs (us-south, test account)\n"
        "  --hpcs                    accept RSAES_OAEP_SHA_1 and CBC nonces\n"
        "  --faults                  serve /admin/faults, /admin/log, "
        "/admin/clock\n"
        "  --verbose                 one line per request on stderr\n"
        "  --cos-dir DIR             COS objects at DIR/BUCKET/OBJECT\n"
        "  --policies FILE           IAM authorization policies (JSON)\n"
        "  --import-delay SECONDS    until an image import finishes (0)\n";

static bool num(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool set_option(struct srv_config *c, int opt, const char *arg)
{
	long v = 0;

	switch (opt) {
	case 'l': c->listen = arg; return true;
	case 'R': c->allow_remote = true; return true;
	case 'c': c->cert_file = arg; return true;
	case 'k': c->key_file = arg; return true;
	case 'i': c->instance_id = arg; return srv_uuid_valid(arg);
	case 'a': c->api_keys_file = arg; return true;
	case 's': c->state_file = arg; return true;
	case 'm': c->module = arg; return true;
	case 't': c->token_uri = arg; return true;
	case 'p': c->pin_source = arg; return true;
	case 'P': c->port_file = arg; return true;
	case 'g': c->region = arg; return true;
	case 'A': c->account = arg; return true;
	case 'F': c->faults = true; return true;
	case 'H': c->hpcs = true; return true;
	case 'v': c->verbose = true; return true;
	case 'C': c->cos_dir = arg; return true;
	case 'O': c->policies_file = arg; return true;
	case 'D': return num(arg, 0, 86400, &c->import_delay);
	case 'T': return num(arg, 1, 86400, &c->token_ttl);
	case 'r': return num(arg, 0, 86400, &c->rotate_interval);
	case 'e': return num(arg, 0, 86400, &c->enable_wait);
	case 'u': return num(arg, 0, 864000, &c->purge_wait);
	case 'x': return num(arg, 1, 86400, &c->min_token_expiration);
	case 'b':
		if (!num(arg, 1024, 16L * 1024 * 1024, &v))
			return false;
		c->max_body = (size_t)v;
		return true;
	default: return false;
	}
}

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "allow-remote", no_argument, NULL, 'R' },
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "instance-id", required_argument, NULL, 'i' },
	{ "api-keys", required_argument, NULL, 'a' },
	{ "state", required_argument, NULL, 's' },
	{ "module", required_argument, NULL, 'm' },
	{ "token", required_argument, NULL, 't' },
	{ "pin-source", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "region", required_argument, NULL, 'g' },
	{ "account", required_argument, NULL, 'A' },
	{ "faults", no_argument, NULL, 'F' },
	{ "hpcs", no_argument, NULL, 'H' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "token-ttl", required_argument, NULL, 'T' },
	{ "rotate-interval", required_argument, NULL, 'r' },
	{ "enable-wait", required_argument, NULL, 'e' },
	{ "purge-wait", required_argument, NULL, 'u' },
	{ "min-token-expiration", required_argument, NULL, 'x' },
	{ "max-body", required_argument, NULL, 'b' },
	{ "cos-dir", required_argument, NULL, 'C' },
	{ "policies", required_argument, NULL, 'O' },
	{ "import-delay", required_argument, NULL, 'D' },
	{ "demo", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_args(int argc, char **argv, struct srv_config *c,
                       const char **demo)
{
	int opt;

	*c = (struct srv_config){
		.listen = "127.0.0.1:0",
		.region = "us-south",
		.account = "0123456789abcdef0123456789abcdef",
		.token_ttl = 3600,
		.rotate_interval = 3600,
		.enable_wait = 30,
		.purge_wait = 4 * 3600,
		.min_token_expiration = 300,
		.max_body = 64 * 1024,
	};
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'M') {
			*demo = optarg;
			continue;
		}
		if (opt == 'h' || !set_option(c, opt, optarg)) {
			if (opt != 'h' && opt != '?')
				fprintf(stderr,
				        "kp-server: bad value for "
				        "--%s\n",
				        argv[optind - 1] + 2);
			return false;
		}
	}
	if (optind == argc && *demo)
		return true;
	if (optind != argc || !c->cert_file || !c->key_file ||
	    !c->instance_id || !c->api_keys_file || !c->module ||
	    !c->token_uri || !c->pin_source)
		return false;
	return true;
}

static enum err srv_open(struct srv *srv)
{
	enum err r;

	pthread_mutex_init(&srv->lock, NULL);
	r = srv_keys_new(&srv->keys);
	if (r == ERR_OK)
		r = srv_fault_new(&srv->fault);
	if (r == ERR_OK)
		r = srv_sl_new(&srv->sl);
	if (r == ERR_OK)
		r = srv_iam_new(&srv->iam, srv->cfg.api_keys_file);
	if (r == ERR_OK)
		r = srv_hsm_open(&srv->hsm, srv->cfg.module, srv->cfg.token_uri,
		                 srv->cfg.pin_source);
	if (r == ERR_OK)
		r = srv_state_load(srv);
	return r;
}

static void srv_close(struct srv *srv)
{
	srv_import_free(srv->itok);
	srv_hsm_close(srv->hsm);
	srv_iam_free(srv->iam);
	srv_fault_free(srv->fault);
	srv_sl_free(srv->sl);
	srv_keys_free(srv->keys);
	pthread_mutex_destroy(&srv->lock);
}

static enum err announce(const struct srv *srv, const char *url)
{
	const char *port = strrchr(url, ':') + 1;
	char text[16];

	printf("%s\n", url);
	fflush(stdout);
	if (!srv->cfg.port_file)
		return ERR_OK;
	snprintf(text, sizeof(text), "%s\n", port);
	return file_replace(srv->cfg.port_file, text);
}

/* Block the stop signals in every thread; the main thread waits. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	struct srv srv = { 0 };
	struct srv_http *http = NULL;
	const char *demo = NULL;
	char url[128];
	sigset_t set;
	enum err r;
	int sig = 0;

	secmem_harden_process();
	secmem_init(SECURE_HEAP);
	secmem_use_for_json();
	if (!parse_args(argc, argv, &srv.cfg, &demo)) {
		fputs(usage_text, stderr);
		return 2;
	}
	block_signals(&set);
	r = demo ? srv_demo_setup(demo, &srv.cfg) : ERR_OK;
	if (r == ERR_OK)
		r = srv_open(&srv);
	if (r == ERR_OK)
		r = srv_http_start(&srv, &http, url, sizeof(url));
	if (r == ERR_OK)
		r = announce(&srv, url);
	if (r == ERR_OK && demo)
		r = srv_demo_announce(url);
	if (r == ERR_OK)
		sigwait(&set, &sig);
	srv_http_stop(http);
	if (r == ERR_OK) {
		pthread_mutex_lock(&srv.lock);
		r = srv_state_save(&srv);
		pthread_mutex_unlock(&srv.lock);
	}
	if (r != ERR_OK)
		fprintf(stderr, "kp-server: %s: %s\n", err_str(r),
		        err_detail());
	srv_close(&srv);
	return r == ERR_OK ? 0 : 1;
}
