/* SPDX-License-Identifier: MIT */
/* srv_sl.c - image templates as SoftLayer keeps them, the VHD import OS
 * codes, IAM authorization policies and bucket locations (srv_sl.h).
 * Templates live in memory only: a restart forgets them. */
#include "srv_sl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "srv_file.h"
#include "srv_json.h"

#define TEMPLATES_MAX 256
#define POLICIES_MAX  (256u * 1024)

struct tmpl {
	long long id, tx_id;
	char global_id[SRV_UUID_LEN + 1];
	int64_t created, ready_at;
	bool done, failed;
	char why[256];
	struct srv_sl_import im;
};

struct srv_sl {
	struct tmpl *v[TEMPLATES_MAX];
	size_t n;
	long long next_id;
};

/* A subset of what IBM lists for VHD imports. */
static const char *const os_codes[][2] = {
	{ "CENTOS_7_64", "CentOS 7.x - Minimal Install (64 bit)" },
	{ "DEBIAN_11_64", "Debian GNU/Linux 11.x Bullseye/Stable (64 bit)" },
	{ "DEBIAN_12_64", "Debian GNU/Linux 12.x Bookworm/Stable (64 bit)" },
	{ "REDHAT_7_64", "Red Hat Enterprise Linux 7.x (64 bit)" },
	{ "REDHAT_8_64", "Red Hat Enterprise Linux 8.x (64 bit)" },
	{ "UBUNTU_22_64", "Ubuntu Linux 22.04 LTS Jammy Jellyfish (64 bit)" },
	{ "WIN_2019-STD_64", "Windows 2019 Standard Edition (64 bit)" },
};

#define N_OS (sizeof(os_codes) / sizeof(os_codes[0]))

enum err srv_sl_new(struct srv_sl **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return err_set(ERR_NOMEM, "templates");
	(*out)->next_id = 3000001;
	return ERR_OK;
}

void srv_sl_free(struct srv_sl *sl)
{
	if (!sl)
		return;
	for (size_t i = 0; i < sl->n; i++) {
		free(sl->v[i]->im.wdek);
		free(sl->v[i]);
	}
	free(sl);
}

bool srv_sl_os_known(const char *code)
{
	for (size_t i = 0; i < N_OS; i++)
		if (strcmp(code, os_codes[i][0]) == 0)
			return true;
	return false;
}

enum err srv_sl_fail(struct srv_reply *rep, int status, const char *code,
                     const char *fmt, ...)
{
	cJSON *j = cJSON_CreateObject();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (j) {
		cJSON_AddStringToObject(j, "error", msg);
		cJSON_AddStringToObject(j, "code", code);
	}
	srv_reply_json(rep, status, j);
	return err_set(ERR_REMOTE, "%s: %s", code, msg);
}

static void stamp(char *out, size_t cap, int64_t t)
{
	srv_json_time_fmt(out, cap, t);
}

/* getObject's answer. IBM's sample script waits until
 * children[0].transactionId is null; a failed transaction keeps its id
 * and says FAILED in its status name (the real names are not
 * documented). */
static cJSON *tmpl_json(const struct tmpl *t)
{
	cJSON *j = cJSON_CreateObject(), *ch, *c, *tx, *st;
	char date[32];

	if (!j)
		return NULL;
	stamp(date, sizeof(date), t->created);
	cJSON_AddNumberToObject(j, "id", (double)t->id);
	cJSON_AddStringToObject(j, "name", t->im.name);
	if (t->im.note[0])
		cJSON_AddStringToObject(j, "note", t->im.note);
	cJSON_AddStringToObject(j, "globalIdentifier", t->global_id);
	cJSON_AddStringToObject(j, "createDate", date);
	ch = cJSON_AddArrayToObject(j, "children");
	c = cJSON_CreateObject();
	if (!ch || !c || !cJSON_AddItemToArray(ch, c)) {
		cJSON_Delete(c);
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_AddNumberToObject(c, "id", (double)(t->id + 1));
	if (t->done && !t->failed) {
		cJSON_AddNullToObject(c, "transactionId");
		return j;
	}
	cJSON_AddNumberToObject(c, "transactionId", (double)t->tx_id);
	tx = cJSON_AddObjectToObject(c, "transaction");
	st = tx ? cJSON_AddObjectToObject(tx, "transactionStatus") : NULL;
	if (st)
		cJSON_AddStringToObject(st, "name",
		                        t->failed ? "FAILED"
		                                  : "CLOUD_IMPORT_FROM_ICOS");
	if (st && t->failed)
		cJSON_AddStringToObject(st, "friendlyName", t->why);
	return j;
}

enum err srv_sl_create(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_sl *sl = req->srv->sl;
	struct tmpl *t = NULL;
	cJSON *body = NULL;
	enum err r;

	if (srv_json_parse(req->body ? req->body : "", req->body_len, &body) !=
	    ERR_OK)
		return srv_sl_fail(rep, 400, "SoftLayer_Exception_Public",
		                   "The body is not JSON");
	t = calloc(1, sizeof(*t));
	if (!t) {
		cJSON_Delete(body);
		return err_set(ERR_NOMEM, "template");
	}
	r = srv_sl_check(req, rep, body, &t->im);
	cJSON_Delete(body);
	if (r == ERR_OK && sl->n == TEMPLATES_MAX)
		r = srv_sl_fail(rep, 400, "SoftLayer_Exception_Public",
		                "Too many image templates");
	if (r != ERR_OK) {
		free(t->im.wdek);
		free(t);
		return r;
	}
	t->id = sl->next_id;
	t->tx_id = 9000000 + sl->next_id;
	sl->next_id += 7;
	srv_uuid_new(t->global_id);
	t->created = srv_now(req->srv);
	t->ready_at = t->created + req->srv->cfg.import_delay;
	sl->v[sl->n++] = t;
	return srv_reply_json(rep, 200, tmpl_json(t));
}

/* Run the transaction once its time has come. */
static void advance(struct srv *srv, struct tmpl *t)
{
	if (t->done || srv_now(srv) < t->ready_at)
		return;
	t->done = true;
	t->failed = srv_sl_check_image(srv, &t->im, t->why, sizeof(t->why)) !=
	            ERR_OK;
}

enum err srv_sl_get(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_sl *sl = req->srv->sl;
	char *end = NULL;
	long long id = strtoll(req->param[0], &end, 10);

	for (size_t i = 0; end && !*end && i < sl->n; i++) {
		if (sl->v[i]->id != id)
			continue;
		advance(req->srv, sl->v[i]);
		return srv_reply_json(rep, 200, tmpl_json(sl->v[i]));
	}
	return srv_sl_fail(rep, 404, "SoftLayer_Exception_ObjectNotFound",
	                   "Unable to find object with id of '%.40s'.",
	                   req->param[0]);
}

enum err srv_sl_os_codes(struct srv_req *req, struct srv_reply *rep)
{
	cJSON *a = cJSON_CreateArray();

	(void)req;
	for (size_t i = 0; a && i < N_OS; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			break;
		}
		cJSON_AddNumberToObject(o, "id", (double)(1000 + i));
		cJSON_AddStringToObject(o, "name", os_codes[i][1]);
		cJSON_AddStringToObject(o, "referenceCode", os_codes[i][0]);
	}
	return srv_reply_json(rep, 200, a);
}

static enum err text_reply(struct srv_reply *rep, int status, char *text,
                           const char *type)
{
	rep->status = status;
	rep->text = text;
	rep->text_type = type;
	return text ? ERR_OK : err_set(ERR_NOMEM, "reply");
}

enum err srv_sl_policies(struct srv_req *req, struct srv_reply *rep)
{
	const char *acct = srv_req_arg(req, "account_id");
	const char *type = srv_req_arg(req, "type");
	char *text = NULL, *copy;
	size_t len = 0;
	enum err r;

	if (!acct || strcmp(acct, req->srv->cfg.account) != 0)
		return srv_fail(rep, 403, NULL, NULL,
		                "account_id is not the caller's account");
	if (!type || strcmp(type, "authorization") != 0)
		return srv_fail(rep, 400, NULL, NULL,
		                "only type=authorization is served here");
	if (!req->srv->cfg.policies_file)
		return text_reply(rep, 200, strdup("{\"policies\":[]}"),
		                  "application/json");
	r = srv_file_read(req->srv->cfg.policies_file, false, POLICIES_MAX,
	                  &text, &len);
	if (r != ERR_OK)
		return srv_fail(rep, 500, NULL, NULL, "policies file: %s",
		                err_detail());
	copy = strndup(text, len);
	free(text);
	return text_reply(rep, 200, copy, "application/json");
}

static bool bucket_ok(const char *b)
{
	size_t n = strlen(b);

	return n >= 3 && n <= 63 &&
	       strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n &&
	       b[0] != '.' && b[0] != '-';
}

static char *xml_error(const char *code, const char *msg, const char *res)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
	         "</Code><Message>%s</Message><Resource>%.64s</Resource>"
	         "<RequestId>kp-server</RequestId><httpStatusCode>404"
	         "</httpStatusCode></Error>",
	         code, msg, res);
	return strdup(buf);
}

enum err srv_sl_location(struct srv_req *req, struct srv_reply *rep)
{
	const char *b = req->param[0];
	char path[4200], loc[80] = "", buf[512];
	struct stat st;
	FILE *f;

	if (!srv_req_arg(req, "location"))
		return srv_fail(rep, 400, NULL, NULL,
		                "only ?location= is served on a bucket");
	snprintf(path, sizeof(path), "%s/%s",
	         req->srv->cfg.cos_dir ? req->srv->cfg.cos_dir : "/nonexistent",
	         b);
	if (!bucket_ok(b) || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return text_reply(rep, 404,
		                  xml_error("NoSuchBucket",
		                            "The specified bucket does not "
		                            "exist.",
		                            b),
		                  "application/xml");
	snprintf(path, sizeof(path), "%s/%s/.location", req->srv->cfg.cos_dir,
	         b);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(loc, sizeof(loc), f))
			loc[0] = '\0';
		fclose(f);
		loc[strcspn(loc, "\r\n")] = '\0';
	}
	if (!loc[0])
		snprintf(loc, sizeof(loc), "%s-standard",
		         req->srv->cfg.region);
	snprintf(buf, sizeof(buf),
	         "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
	         "\n<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/"
	         "2006-03-01/\">%.64s</LocationConstraint>",
	         loc);
	return text_reply(rep, 200, strdup(buf), "application/xml");
}

bool srv_sl_object_path(const struct srv *srv, const char *bucket,
                        const char *object, char *path, size_t cap)
{
	struct stat st;

	if (!srv->cfg.cos_dir || !bucket_ok(bucket) || !object[0] ||
	    strchr(object, '/') || strcmp(object, "..") == 0 ||
	    strcmp(object, ".") == 0 || object[0] == '.')
		return false;
	snprintf(path, cap, "%s/%s/%s", srv->cfg.cos_dir, bucket, object);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return true;
	/* s3rver 3/4 keep an object's bytes beside its metadata */
	snprintf(path, cap, "%s/%s/%s._S3rver_object", srv->cfg.cos_dir,
	         bucket, object);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
