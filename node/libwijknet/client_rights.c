/*
 * client_rights.c — libwijknet: the client's rights requests (wn_rights_*).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

struct rights_result_impl {
	wn_rights_result pub;
	json_t *keep;
};

/* The node's answer as a wn_rights_result, which keeps result. */
static int rights_result_of(json_t *result, wn_rights_result **out)
{
	json_t *arr = json_object_get(result, "answers");
	size_t n = json_array_size(arr);
	struct rights_result_impl *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->pub.answers = calloc(n ? n : 1, sizeof(wn_rights_answer))) == NULL) {
		free(r);
		json_decref(result);
		return WN_ENOMEM;
	}
	r->keep = result;
	r->pub.request_id = client_str(result, "request_id", "");
	r->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		r->pub.answers[i].partner = client_str(e, "partner", "");
		r->pub.answers[i].status = client_str(e, "status", "error");
		r->pub.answers[i].deadline = client_str(e, "deadline", NULL);
	}
	*out = &r->pub;
	return 0;
}

int wn_rights_request(wn_client *c, const wn_rights_params *p, wn_rights_result **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, p, out) || CLIENT_MISSING(c, p->bsn, p->kind))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:s}", "op", "rights.request", "bsn", p->bsn, "kind",
				p->kind), *result = NULL;
	if ((req = client_with_actor(req, &p->actor)) != NULL) {
		/* a count without its list is null, refused: never "all" */
		if (p->categories != NULL || p->ncategories > 0)
			json_object_set_new(req, "categories",
					    client_strings(p->categories, p->ncategories));
		if (p->partners != NULL || p->npartners > 0)
			json_object_set_new(req, "partners", client_strings(p->partners, p->npartners));
		if (p->text != NULL)
			json_object_set_new(req, "text", client_json_str(p->text));
		if (p->case_id != NULL)
			json_object_set_new(req, "case", client_json_str(p->case_id));
	}
	int rc = client_op(c, req, &result);
	return rc != 0 ? rc : rights_result_of(result, out);
}

int wn_rights_ask_again(wn_client *c, const char *request_id, const char *bsn,
			const wn_actor *actor, wn_rights_result **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, request_id, bsn, actor, out))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:s}", "op", "rights.again", "id", request_id, "bsn",
				bsn), *result = NULL;
	int rc = client_op(c, client_with_actor(req, actor), &result);
	return rc != 0 ? rc : rights_result_of(result, out);
}

void wn_rights_result_free(wn_rights_result *r)
{
	if (r == NULL)
		return;
	struct rights_result_impl *impl = (struct rights_result_impl *)r;
	free(r->answers);
	json_decref(impl->keep);
	free(impl);
}

struct rights_list_impl {
	wn_rights_list pub;
	json_t *keep;
};

int wn_rights_pending(wn_client *c, wn_rights_list **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, out))
		return WN_EINVAL;
	json_t *result = NULL;
	int rc = client_op(c, json_pack("{s:s}", "op", "rights.list"), &result);
	if (rc != 0)
		return rc;
	json_t *arr = json_object_get(result, "requests");
	size_t n = json_array_size(arr);
	struct rights_list_impl *l = calloc(1, sizeof(*l));
	const char **roles = calloc(n ? n : 1, sizeof(*roles));
	if (l == NULL || roles == NULL ||
	    (l->pub.items = calloc(n ? n : 1, sizeof(wn_rights_item))) == NULL) {
		free(roles);
		free(l);
		json_decref(result);
		return WN_ENOMEM;
	}
	l->pub.requester_roles = roles;
	l->keep = result;
	l->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		wn_rights_item *t = &l->pub.items[i];
		t->id = client_str(e, "id", "");
		t->kind = client_str(e, "kind", "");
		t->requester = client_str(e, "requester", "");
		t->deadline = client_str(e, "deadline", "");
		t->status = client_str(e, "status", "");
		t->categories = client_str(e, "categories", NULL);
		t->motivation = client_str(e, "motivation", NULL);
		t->received_at = (int64_t)json_integer_value(json_object_get(e, "received_at"));
		t->decided_at = (int64_t)json_integer_value(json_object_get(e, "decided_at"));
		t->overdue = json_is_true(json_object_get(e, "overdue"));
		roles[i] = client_str(e, "requester_role", "");
	}
	*out = &l->pub;
	return 0;
}

void wn_rights_list_free(wn_rights_list *l)
{
	if (l == NULL)
		return;
	struct rights_list_impl *impl = (struct rights_list_impl *)l;
	free((void *)l->requester_roles);
	free(l->items);
	json_decref(impl->keep);
	free(impl);
}

int wn_rights_show(wn_client *c, const char *id, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, id, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:s}", "op", "rights.show", "id", id), actor,
			      json_out);
}

int wn_rights_notices(wn_client *c, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s}", "op", "rights.notices"), actor, json_out);
}

int wn_rights_notice_done(wn_client *c, const char *id, const char *from, const char *note,
			  const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, id))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s}", "op", "rights.notice.done", "id", id);
	req = client_with_actor(req, actor);
	if (req != NULL && from != NULL)
		json_object_set_new(req, "from", client_json_str(from));
	if (req != NULL && note != NULL)
		json_object_set_new(req, "note", client_json_str(note));
	return client_op(c, req, NULL);
}

int wn_rights_decide(wn_client *c, const char *id, const char *decision, const char *motivation,
		     const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, id, decision))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:s}", "op", "rights.decide", "id", id, "decision",
				decision);
	req = client_with_actor(req, actor);
	if (req != NULL && motivation != NULL)
		json_object_set_new(req, "motivation", client_json_str(motivation));
	return client_op(c, req, NULL);
}
