/* SPDX-License-Identifier: MIT */
/* srv_route.c - kp-server's route table. '*' in a pattern matches one
 * path segment and becomes req->param[i]. */
#include "srv_route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "srv_api_actions.h"
#include "srv_api_keys.h"
#include "srv_api_list.h"
#include "srv_fault.h"
#include "srv_iam.h"
#include "srv_import.h"
#include "srv_sl.h"

enum {
	R_KP = 1,   /* needs a bearer token and the Bluemix-Instance header */
	R_LOCK = 2, /* handler runs under the server lock */
	R_IAM = 4,  /* needs a bearer token only (SoftLayer, IAM, COS) */
};

typedef enum err (*srv_handler)(struct srv_req *, struct srv_reply *);

static enum err path_action(struct srv_req *req, struct srv_reply *rep)
{
	return srv_api_actions_run(req, rep, req->param[1], false);
}

static enum err legacy_action(struct srv_req *req, struct srv_reply *rep)
{
	const char *a = srv_req_arg(req, "action");

	return srv_api_actions_run(req, rep, a ? a : "", true);
}

static enum err restore_action(struct srv_req *req, struct srv_reply *rep)
{
	return srv_api_actions_run(req, rep, "restore", false);
}

static const struct route {
	const char *method, *pattern;
	srv_handler fn;
	unsigned flags;
} routes[] = {
	{ "POST", "/identity/token", srv_iam_token, R_LOCK },
	{ "POST", "/oidc/token", srv_iam_token, R_LOCK },
	{ "GET", "/api/v2/keys", srv_api_list_keys, R_KP | R_LOCK },
	{ "HEAD", "/api/v2/keys", srv_api_list_keys, R_KP | R_LOCK },
	{ "POST", "/api/v2/keys", srv_api_keys_create, R_KP | R_LOCK },
	{ "GET", "/api/v2/keys/*", srv_api_keys_get, R_KP | R_LOCK },
	{ "DELETE", "/api/v2/keys/*", srv_api_keys_delete, R_KP | R_LOCK },
	{ "POST", "/api/v2/keys/*", legacy_action, R_KP | R_LOCK },
	{ "GET", "/api/v2/keys/*/metadata", srv_api_keys_metadata,
	  R_KP | R_LOCK },
	{ "GET", "/api/v2/keys/*/versions", srv_api_list_versions,
	  R_KP | R_LOCK },
	{ "POST", "/api/v2/keys/*/actions/*", path_action, R_KP | R_LOCK },
	{ "POST", "/api/v2/keys/*/restore", restore_action, R_KP | R_LOCK },
	{ "DELETE", "/api/v2/keys/*/purge", srv_api_keys_purge, R_KP | R_LOCK },
	{ "POST", "/api/v2/keys/*/aliases/*", srv_api_keys_alias,
	  R_KP | R_LOCK },
	{ "DELETE", "/api/v2/keys/*/aliases/*", srv_api_keys_alias,
	  R_KP | R_LOCK },
	{ "POST", "/api/v2/import_token", srv_import_post, R_KP },
	{ "GET", "/api/v2/import_token", srv_import_get, R_KP | R_LOCK },
	{ "POST", SRV_SL_BASE "/createFromIcos.json", srv_sl_create,
	  R_IAM | R_LOCK },
	{ "GET", SRV_SL_BASE "/getVhdImportSoftwareDescriptions.json",
	  srv_sl_os_codes, R_IAM | R_LOCK },
	{ "GET", SRV_SL_BASE "/*/getObject.json", srv_sl_get, R_IAM | R_LOCK },
	{ "GET", "/v1/policies", srv_sl_policies, R_IAM | R_LOCK },
	{ "GET", "/cos/*", srv_sl_location, R_IAM | R_LOCK },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* Match path against pattern, copying '*' segments into req->param. */
static bool match(const char *pattern, const char *path, struct srv_req *req)
{
	size_t np = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (n == 0 || n >= SRV_PARAM_MAX || np == 2)
				return false;
			snprintf(req->param[np++], SRV_PARAM_MAX, "%.*s",
			         (int)n, path);
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

/* The Bluemix-Instance header must name our instance (spec 1.2). */
static enum err instance_check(struct srv_req *req, struct srv_reply *rep)
{
	const char *h = srv_req_header(req, "Bluemix-Instance");

	rep->what = NULL;
	if (!h || !srv_uuid_valid(h))
		return srv_fail(rep, 400, NULL, NULL,
		                "Request requires valid "
		                "Bluemix-Instance Header containing a valid "
		                "UUID");
	if (strcasecmp(h, req->srv->cfg.instance_id) != 0)
		return srv_fail(rep, 401, NULL, NULL,
		                "Either the user does not "
		                "have access to the specified resource, the "
		                "resource does not exist, or the region is "
		                "incorrectly set");
	return ERR_OK;
}

static enum err admin(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	enum err r;

	if (!srv->cfg.faults || !srv_req_is_loopback(req))
		return srv_fail(rep, 404, NULL, NULL,
		                "The requested resource could not be found");
	pthread_mutex_lock(&srv->lock);
	if (strcmp(req->path, "/admin/import_token") == 0)
		r = srv_import_admin(req, rep);
	else
		r = srv_fault_admin(req, rep);
	pthread_mutex_unlock(&srv->lock);
	return r;
}

bool srv_route_is_admin(const char *path)
{
	return strncmp(path, "/admin/", 7) == 0;
}

static enum err run(const struct route *rt, struct srv_req *req,
                    struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	enum err r = ERR_OK;

	pthread_mutex_lock(&srv->lock);
	if (rt->flags & (R_KP | R_IAM))
		r = srv_iam_check(req, rep);
	if (r == ERR_OK && (rt->flags & R_KP))
		r = instance_check(req, rep);
	if (r == ERR_OK && (rt->flags & R_LOCK)) {
		rep->what = NULL;
		r = rt->fn(req, rep);
	}
	pthread_mutex_unlock(&srv->lock);
	if (r == ERR_OK && !(rt->flags & R_LOCK)) {
		rep->what = NULL;
		r = rt->fn(req, rep);
	}
	return r;
}

enum err srv_route_dispatch(struct srv_req *req, struct srv_reply *rep)
{
	bool path_known = false;

	if (srv_route_is_admin(req->path))
		return admin(req, rep);
	for (size_t i = 0; i < N_ROUTES; i++) {
		if (!match(routes[i].pattern, req->path, req))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, req->method) == 0)
			return run(&routes[i], req, rep);
	}
	if (path_known)
		return srv_fail(rep, 405, NULL, NULL,
		                "The method %.16s is not "
		                "allowed on this resource",
		                req->method);
	return srv_fail(rep, 404, NULL, NULL,
	                "The requested resource could not be found");
}
