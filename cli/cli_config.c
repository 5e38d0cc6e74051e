/* SPDX-License-Identifier: MIT */
/* cli_config.c - the settings a user would otherwise repeat on every
 * command line: P11SEAL_MODULE, P11SEAL_MODULE_INIT_ARGS, P11SEAL_TOKEN,
 * P11SEAL_PIN_SOURCE and P11SEAL_CACERT, from the environment, else from
 * $XDG_CONFIG_HOME/p11seal/config (KEY=VALUE lines, the same names); a
 * flag beats both. The file can name a module to load, so it must be the
 * user's own and writable by nobody else; a PIN source that is not one
 * (file:, env:, fd:, prompt, /path) is refused unrepeated: it may be the
 * PIN itself. */
#include "cli_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define LINE_MAX_ 4096
#define PATH_LEN  4096

enum key { K_MODULE, K_INIT_ARGS, K_TOKEN, K_PIN_SOURCE, K_CACERT, K_N };

static const char *const names[K_N] = {
	"P11SEAL_MODULE",     "P11SEAL_MODULE_INIT_ARGS", "P11SEAL_TOKEN",
	"P11SEAL_PIN_SOURCE", "P11SEAL_CACERT",
};

/* Values read from the file; they live as long as the process. */
static char *from_file[K_N];

static const char **slot(struct cli *c, enum key k)
{
	switch (k) {
	case K_MODULE: return &c->module;
	case K_INIT_ARGS: return &c->module_init_args;
	case K_TOKEN: return &c->token_uri;
	case K_PIN_SOURCE: return &c->pin_source;
	default: return &c->cacert;
	}
}

static int key_of(const char *name)
{
	for (int k = 0; k < K_N; k++)
		if (strcmp(names[k], name) == 0)
			return k;
	return -1;
}

static bool is_source(const char *v)
{
	return strncmp(v, "file:", 5) == 0 || strncmp(v, "env:", 4) == 0 ||
	       strncmp(v, "fd:", 3) == 0 || strcmp(v, "prompt") == 0 ||
	       v[0] == '/';
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	             s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* One "KEY=VALUE" line (blank and # lines skipped) into from_file. */
static enum err parse_line(const char *path, unsigned lineno, char *line)
{
	char *eq, *name, *value;
	int k;

	line = trim(line);
	if (!*line || *line == '#')
		return ERR_OK;
	eq = strchr(line, '=');
	if (!eq)
		return err_set(ERR_USAGE, "%s:%u: not KEY=VALUE", path, lineno);
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	k = key_of(name);
	if (k < 0)
		return err_set(ERR_USAGE,
		               "%s:%u: unknown key '%.64s' (known: "
		               "P11SEAL_MODULE, P11SEAL_MODULE_INIT_ARGS, "
		               "P11SEAL_TOKEN, P11SEAL_PIN_SOURCE, "
		               "P11SEAL_CACERT)",
		               path, lineno, name);
	if (k == K_PIN_SOURCE && !is_source(value))
		return err_set(ERR_USAGE,
		               "%s:%u: P11SEAL_PIN_SOURCE is not file:PATH, "
		               "env:VAR, fd:N, /path or prompt (the value is "
		               "not repeated: it may be a PIN, which never "
		               "belongs in this file)",
		               path, lineno);
	free(from_file[k]);
	from_file[k] = *value ? strdup(value) : NULL;
	if (*value && !from_file[k])
		return err_set(ERR_NOMEM, "%s", path);
	return ERR_OK;
}

/* The file may name a module, code p11seal loads: refuse one another user
 * could have written. */
static enum err check_owner(FILE *f, const char *path)
{
	struct stat st;

	if (fstat(fileno(f), &st) != 0)
		return err_errno(ERR_IO, path);
	if (!S_ISREG(st.st_mode))
		return err_set(ERR_USAGE, "%s is not a regular file", path);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(ERR_POLICY,
		               "%s must be owned by you and writable by no one "
		               "else (it can name the module p11seal loads); "
		               "chmod 600 %s",
		               path, path);
	return ERR_OK;
}

static enum err read_file(const char *path)
{
	char line[LINE_MAX_];
	unsigned lineno = 0;
	enum err r;
	FILE *f;

	f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return ERR_OK;
	if (!f)
		return err_errno(ERR_IO, path);
	r = check_owner(f, path);
	while (r == ERR_OK && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			r = err_set(ERR_USAGE, "%s:%u: line too long", path,
			            lineno);
		else
			r = parse_line(path, lineno, line);
	}
	fclose(f);
	return r;
}

enum err cli_config_path(char *out, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/p11seal/config", xdg);
	else if (home && home[0] == '/')
		n = snprintf(out, cap, "%s/.config/p11seal/config", home);
	else
		n = 0;
	return n > 0 && (size_t)n < cap ? ERR_OK : ERR_NOT_FOUND;
}

/* Flag, else environment, else file; -v says where each came from. */
static enum err apply(struct cli *c, enum key k, const char *path)
{
	const char **v = slot(c, k);
	const char *env = getenv(names[k]);

	if (*v)
		return ERR_OK;
	if (env && *env) {
		if (k == K_PIN_SOURCE && !is_source(env))
			return err_set(
			        ERR_USAGE,
			        "P11SEAL_PIN_SOURCE is not file:PATH, "
			        "env:VAR, fd:N, /path or prompt (its "
			        "value is not repeated: it may be a PIN)");
		*v = env;
		if (c->verbosity > 0)
			fprintf(stderr, "p11seal: %s from the environment\n",
			        names[k]);
	} else if (from_file[k]) {
		*v = from_file[k];
		if (c->verbosity > 0)
			fprintf(stderr, "p11seal: %s from %s\n", names[k],
			        path);
	}
	return ERR_OK;
}

enum err cli_config_apply(struct cli *c)
{
	char path[PATH_LEN];
	const char *ssl = getenv("SSL_CERT_FILE");
	enum err r = ERR_OK;

	if (cli_config_path(path, sizeof(path)) == ERR_OK)
		r = read_file(path);
	for (int k = 0; r == ERR_OK && k < K_N; k++)
		r = apply(c, (enum key)k, path);
	/* OpenSSL's own variable: libcurl pins its build-time bundle and
	 * would not look at it, so it is passed on as the CA file. */
	if (r == ERR_OK && !c->cacert && ssl && *ssl)
		c->cacert = ssl;
	return r;
}
