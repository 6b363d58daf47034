/* request.c — struct review_request (JSON round trip for the queue) and header lookup. */
#define _POSIX_C_SOURCE 200809L
#include "forge.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

const char *http_request_header(const struct http_request *r, const char *name)
{
	size_t i;
	if (!r || !name)
		return NULL;
	for (i = 0; i < r->nheaders; i++)
		if (r->headers[i].name && strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

void review_request_free(struct review_request *r)
{
	if (!r)
		return;
	free(r->forge);
	free(r->delivery_id);
	free(r->event);
	free(r->action);
	free(r->owner);
	free(r->repo);
	free(r->clone_url);
	free(r->api_url);
	free(r->base_ref);
	free(r->base_sha);
	free(r->head_sha);
	free(r->start_sha);
	free(r->forge_data);
	memset(r, 0, sizeof(*r));
}

/* The string members, in one table so to_json and from_json cannot disagree. */
struct rq_field {
	const char *key;
	size_t offset;
	bool required;
};
#define RQ_STR(name, req) { #name, offsetof(struct review_request, name), req }
static const struct rq_field rq_fields[] = {
	RQ_STR(forge, true),      RQ_STR(delivery_id, true), RQ_STR(event, false),
	RQ_STR(action, false),    RQ_STR(owner, true),       RQ_STR(repo, true),
	RQ_STR(clone_url, true),  RQ_STR(api_url, false),    RQ_STR(base_ref, false),
	RQ_STR(base_sha, false),  RQ_STR(head_sha, true),    RQ_STR(start_sha, false),
};
#define RQ_NFIELDS (sizeof(rq_fields) / sizeof(rq_fields[0]))

static char **rq_slot(struct review_request *r, const struct rq_field *f)
{
	return (char **)(void *)((char *)r + f->offset);
}

static char *const *rq_cslot(const struct review_request *r, const struct rq_field *f)
{
	return (char *const *)(const void *)((const char *)r + f->offset);
}

char *review_request_to_json(const struct review_request *r)
{
	json_t *o;
	char *out = NULL;
	size_t i;
	int bad = 0;

	if (!r || !(o = json_object()))
		return NULL;
	for (i = 0; i < RQ_NFIELDS; i++) {
		const char *v = *rq_cslot(r, &rq_fields[i]);
		bad |= json_object_set_new(o, rq_fields[i].key, v ? json_string(v) : json_null());
	}
	bad |= json_object_set_new(o, "number", json_integer(r->number));
	if (r->forge_data) {
		json_t *fd = json_loads(r->forge_data, 0, NULL);
		bad |= !json_is_object(fd) ? -1 : json_object_set_new(o, "forge_data", fd);
		if (!json_is_object(fd))
			json_decref(fd);
	}
	if (!bad)
		out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return out;
}

static int rq_take_string(const json_t *o, const struct rq_field *f, struct review_request *out,
			  struct rr_error *err)
{
	const json_t *v = json_object_get(o, f->key);
	if (!v || json_is_null(v)) {
		if (f->required)
			return rr_error_set(err, RR_EINVAL, "review request: \"%s\" missing", f->key);
		return RR_OK;
	}
	if (!json_is_string(v))
		return rr_error_set(err, RR_EINVAL, "review request: \"%s\" is not a string", f->key);
	if (!(*rq_slot(out, f) = rr_strdup(json_string_value(v))))
		return rr_error_set(err, RR_ENOMEM, "review request: out of memory");
	return RR_OK;
}

static int rq_take_long(const json_t *o, const char *key, bool required, long *out,
			struct rr_error *err)
{
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		*out = 0;
		return required ? rr_error_set(err, RR_EINVAL, "review request: \"%s\" missing", key)
				: RR_OK;
	}
	if (!json_is_integer(v))
		return rr_error_set(err, RR_EINVAL, "review request: \"%s\" is not an integer", key);
	*out = (long)json_integer_value(v);
	return RR_OK;
}

/*
 * forge_data: a JSON object the forge reads back. Jobs queued before it existed
 * carry "installation_id" at the top level instead: it becomes
 * {"installation_id": N}, which is what the forge that wrote it reads.
 */
static int rq_take_forge_data(const json_t *o, struct review_request *out, struct rr_error *err)
{
	const json_t *fd = json_object_get(o, "forge_data");
	const json_t *legacy = json_object_get(o, "installation_id");
	json_t *made = NULL;

	if (fd && !json_is_null(fd)) {
		if (!json_is_object(fd))
			return rr_error_set(err, RR_EINVAL, "review request: \"forge_data\" is not an object");
		out->forge_data = json_dumps(fd, JSON_COMPACT | JSON_SORT_KEYS);
	} else if (legacy && !json_is_null(legacy)) {
		if (!json_is_integer(legacy))
			return rr_error_set(err, RR_EINVAL,
					    "review request: \"installation_id\" is not an integer");
		if (json_integer_value(legacy) == 0)
			return RR_OK;
		made = json_pack("{s:I}", "installation_id", json_integer_value(legacy));
		out->forge_data = made ? json_dumps(made, JSON_COMPACT) : NULL;
		json_decref(made);
	} else {
		return RR_OK;
	}
	return out->forge_data ? RR_OK : rr_error_set(err, RR_ENOMEM, "review request: out of memory");
}

int review_request_from_json(const char *json, struct review_request *out, struct rr_error *err)
{
	json_error_t jerr;
	json_t *o = NULL;
	size_t i;
	int rc = RR_OK;

	memset(out, 0, sizeof(*out));
	if (!json)
		return rr_error_set(err, RR_EINVAL, "review request: no JSON");
	o = json_loads(json, 0, &jerr);
	if (!json_is_object(o)) {
		rc = rr_error_set(err, RR_EINVAL, "review request: %s",
				  o ? "not a JSON object" : jerr.text);
		goto done;
	}
	for (i = 0; i < RQ_NFIELDS && rc == RR_OK; i++)
		rc = rq_take_string(o, &rq_fields[i], out, err);
	if (rc == RR_OK)
		rc = rq_take_long(o, "number", true, &out->number, err);
	if (rc == RR_OK)
		rc = rq_take_forge_data(o, out, err);
done:
	json_decref(o);
	if (rc != RR_OK)
		review_request_free(out);
	return rc;
}

long review_request_forge_long(const struct review_request *rq, const char *key)
{
	json_t *fd = rq && rq->forge_data ? json_loads(rq->forge_data, 0, NULL) : NULL;
	json_t *v = json_object_get(fd, key);
	long out = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	json_decref(fd);
	return out;
}
