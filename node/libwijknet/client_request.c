/*
 * client_request.c — libwijknet: data requests (wn_request).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

struct request_result_impl {
	wn_request_result pub;
	json_t *keep;
	char **contents; /* the records' content as JSON text */
};

/* The request of wn_request; NULL with *rc (and the client's message) on bad
 * input. */
static json_t *request_json(wn_client *c, const wn_request_params *p, int *rc)
{
	*rc = WN_ENOMEM;
	json_t *req = json_pack("{s:s}", "op", "request");
	if (req == NULL)
		return NULL;
	json_object_set_new(req, "categories", client_strings(p->categories, p->ncategories));
	json_t *a = client_actor(&p->actor);
	if (a != NULL)
		json_object_set_new(req, "actor", a);
	/* text that is not UTF-8 goes as null, which client_call refuses naming it */
	const char *opt[][2] = { { "case", p->case_id }, { "to", p->to }, { "bsn", p->bsn },
				 { "purpose", p->purpose }, { "ground", p->ground },
				 { "consent", p->consent_id }, { "note", p->note },
				 { "request_id", p->request_id }, { "approval", p->approval } };
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if (opt[i][1] != NULL)
			json_object_set_new(req, opt[i][0], client_json_str(opt[i][1]));
	if (p->deadline_ms > 0)
		json_object_set_new(req, "deadline_ms", json_integer(p->deadline_ms));
	if (p->motivation_json != NULL) {
		json_t *m = client_parse_object(c, "motivation", p->motivation_json);
		if (m == NULL) {
			json_decref(req);
			*rc = WN_EJSON;
			return NULL;
		}
		json_object_set_new(req, "motivation", m);
	}
	return req;
}

int wn_request(wn_client *c, const wn_request_params *p, wn_request_result **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, p, out))
		return WN_EINVAL;
	if (p->deadline_ms < 0)
		return client_inval_arg(c, "argument deadline_ms: %d is negative (0: the default)",
					p->deadline_ms);
	int rc;
	json_t *req = request_json(c, p, &rc), *result = NULL;
	if (req == NULL)
		return rc;
	if ((rc = client_op(c, req, &result)) != 0)
		return rc;
	json_t *recs = json_object_get(result, "records");
	size_t n = json_array_size(recs);
	struct request_result_impl *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->pub.records = calloc(n ? n : 1, sizeof(wn_disclosed_record))) == NULL ||
	    (r->contents = calloc(n ? n : 1, sizeof(char *))) == NULL) {
		if (r != NULL)
			free(r->pub.records);
		free(r);
		json_decref(result);
		return WN_ENOMEM;
	}
	r->keep = result;
	r->pub.request_id = client_str(result, "request_id", "");
	r->pub.partner = client_str(result, "partner", "");
	r->pub.outcome = client_str(result, "outcome", "error");
	r->pub.reason = client_str(result, "reason", NULL);
	r->pub.detail = client_str(result, "detail", NULL);
	r->pub.count = n;
	r->pub.repeated = json_is_true(json_object_get(result, "repeated"));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(recs, i);
		wn_disclosed_record *d = &r->pub.records[i];
		/* freed with free() by wn_request_result_free, as a whole list is */
		client_dumps(json_object_get(e, "content"), JSON_COMPACT | JSON_SORT_KEYS,
			     &r->contents[i]);
		d->category = client_str(e, "category", "");
		d->content_json = r->contents[i] ? r->contents[i] : "{}";
		d->professional = client_str(e, "professional", "");
		d->updated_at = (int64_t)json_integer_value(json_object_get(e, "updated_at"));
	}
	*out = &r->pub;
	return 0;
}

void wn_request_result_free(wn_request_result *r)
{
	if (r == NULL)
		return;
	struct request_result_impl *impl = (struct request_result_impl *)r;
	for (size_t i = 0; i < r->count; i++)
		free(impl->contents[i]);
	free(impl->contents);
	free(r->records);
	json_decref(impl->keep);
	free(impl);
}

int wn_duty_assert(wn_client *c, const char *case_id, const char *bsn, const char *to,
		   const char *const *categories, size_t ncategories, const char *motivation_json,
		   int hours, const wn_actor *actor, char assertion_id[WN_ID_LEN + 1])
{
	if (assertion_id != NULL)
		assertion_id[0] = '\0';
	if (c == NULL ||
	    CLIENT_MISSING(c, case_id, bsn, to, categories, motivation_json, assertion_id))
		return WN_EINVAL;
	if (hours < 0)
		return client_inval_arg(c, "argument hours: %d is negative", hours);
	json_t *m = client_parse_object(c, "motivation", motivation_json);
	if (m == NULL)
		return WN_EJSON;
	json_t *cats = json_array(), *result = NULL;
	for (size_t i = 0; i < ncategories; i++)
		json_array_append_new(cats, client_json_str(categories[i]));
	json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "op", "duty.assert", "case", case_id,
				"bsn", bsn, "to", to, "categories", cats, "motivation", m);
	req = client_with_actor(req, actor);
	if (req != NULL && hours > 0)
		json_object_set_new(req, "hours", json_integer(hours));
	int rc = client_op(c, req, &result);
	if (rc == 0) {
		const char *id = client_str(result, "assertion", NULL);
		if (id == NULL || strlen(id) != WN_ID_LEN)
			rc = WN_EPROTO;
		else
			memcpy(assertion_id, id, WN_ID_LEN + 1);
	}
	json_decref(result);
	return rc;
}
