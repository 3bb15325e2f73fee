/*
 * client_thirdparty.c — libwijknet: third-party disclosures (wn_thirdparty_*).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

int wn_thirdparty_propose(wn_client *c, const wn_thirdparty_proposal *p,
			  char approval_id[WN_ID_LEN + 1])
{
	json_t *m = NULL;
	if (approval_id != NULL)
		approval_id[0] = '\0';
	if (c == NULL || CLIENT_MISSING(c, p, approval_id))
		return WN_EINVAL;
	if (p->motivation_json != NULL) {
		if ((m = client_parse_object(c, "motivation", p->motivation_json)) == NULL)
			return WN_EJSON;
	}
	json_t *cats = client_strings(p->categories, p->ncategories), *result = NULL;
	json_t *req = json_pack("{s:s,s:s?,s:s?,s:o,s:s?,s:s?,s:s*}", "op", "thirdparty.propose",
				"case", p->case_id, "party", p->party, "categories", cats,
				"purpose", p->purpose, "ground", p->ground, "bsn", p->bsn);
	if (req != NULL && p->source != NULL)
		json_object_set_new(req, "source", client_json_str(p->source));
	if (req != NULL && p->consent_id != NULL)
		json_object_set_new(req, "consent", client_json_str(p->consent_id));
	if (req != NULL && m != NULL)
		json_object_set_new(req, "motivation", m);
	else
		json_decref(m);
	int rc = client_op(c, client_with_actor(req, &p->actor), &result);
	if (rc == 0) {
		const char *id = client_str(json_object_get(result, "approval"), "id", NULL);
		if (id == NULL || strlen(id) != WN_ID_LEN)
			rc = WN_EPROTO;
		else
			memcpy(approval_id, id, WN_ID_LEN + 1);
	}
	json_decref(result);
	return rc;
}

int wn_thirdparty_declare(wn_client *c, const char *approval_id, const char *name,
			  const char *organisation, const char *place, const char *signed_on,
			  const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, approval_id, name, organisation, place, signed_on))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s}}", "op", "thirdparty.declare",
				"approval", approval_id, "declaration", "name", name,
				"organisation", organisation, "place", place, "signed_on",
				signed_on);
	return client_op(c, client_with_actor(req, actor), NULL);
}

int wn_thirdparty_decide(wn_client *c, const char *approval_id, int approve,
			 const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, approval_id))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s}", "op",
				approve ? "thirdparty.approve" : "thirdparty.reject", "approval",
				approval_id);
	return client_op(c, client_with_actor(req, actor), NULL);
}

struct tp_list_impl {
	wn_thirdparty_list pub;
	json_t *keep;
	char **cats;
};

int wn_thirdparties(wn_client *c, wn_thirdparty_list **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, out))
		return WN_EINVAL;
	json_t *result = NULL;
	int rc = client_op(c, json_pack("{s:s}", "op", "thirdparty.list"), &result);
	if (rc != 0)
		return rc;
	json_t *arr = json_object_get(result, "approvals");
	size_t n = json_array_size(arr);
	struct tp_list_impl *l = calloc(1, sizeof(*l));
	if (l == NULL || (l->pub.items = calloc(n ? n : 1, sizeof(wn_thirdparty_info))) == NULL ||
	    (l->cats = calloc(n ? n : 1, sizeof(char *))) == NULL) {
		if (l != NULL)
			free(l->pub.items);
		free(l);
		json_decref(result);
		return WN_ENOMEM;
	}
	l->keep = result;
	l->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i), *x;
		wn_thirdparty_info *t = &l->pub.items[i];
		size_t k, len = 1;
		json_array_foreach(json_object_get(e, "categories"), k, x)
			len += json_string_length(x) + 1;
		if ((l->cats[i] = calloc(1, len)) != NULL) {
			json_array_foreach(json_object_get(e, "categories"), k, x) {
				if (!json_is_string(x)) /* the node's answer, but checked */
					continue;
				if (l->cats[i][0] != '\0')
					strcat(l->cats[i], ",");
				strcat(l->cats[i], json_string_value(x));
			}
		}
		t->id = client_str(e, "id", "");
		t->case_id = client_str(e, "case", "");
		t->party = client_str(e, "party", "");
		t->source = client_str(e, "source", "");
		t->purpose = client_str(e, "purpose", "");
		t->ground = client_str(e, "ground", "");
		t->status = client_str(e, "status", "");
		t->categories = l->cats[i] ? l->cats[i] : "";
		t->declared = json_is_true(json_object_get(e, "declared"));
	}
	*out = &l->pub;
	return 0;
}

void wn_thirdparty_list_free(wn_thirdparty_list *l)
{
	if (l == NULL)
		return;
	struct tp_list_impl *impl = (struct tp_list_impl *)l;
	for (size_t i = 0; i < l->count; i++)
		free(impl->cats[i]);
	free(impl->cats);
	free(l->items);
	json_decref(impl->keep);
	free(impl);
}
