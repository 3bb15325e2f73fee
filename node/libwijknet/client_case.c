/*
 * client_case.c — libwijknet: cases (wn_case_*).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

/* {"op": op, "case": id?, "actor": …?} */
static json_t *case_req(const char *op, const char *case_id, const wn_actor *actor)
{
	json_t *req = json_pack("{s:s}", "op", op);
	if (req != NULL && case_id != NULL)
		json_object_set_new(req, "case", client_json_str(case_id));
	if (req != NULL && actor != NULL) {
		json_t *a = client_actor(actor);
		if (a != NULL)
			json_object_set_new(req, "actor", a);
	}
	return req;
}

/* The request of wn_case_open; NULL (with the client's message) on bad input. */
static json_t *case_open_req(wn_client *c, const wn_case_params *p)
{
	json_t *req = case_req("case.open", NULL, &p->actor);
	if (req == NULL)
		return NULL;
	json_object_set_new(req, "cluster", client_json_str(p->cluster));
	json_object_set_new(req, "people", client_strings(p->people, p->npeople));
	if (p->consents != NULL)
		json_object_set_new(req, "consents", client_strings(p->consents, p->nconsents));
	if (p->urgent_json != NULL) {
		json_t *u = client_parse_object(c, "urgent", p->urgent_json);
		if (u == NULL) {
			json_decref(req);
			return NULL;
		}
		json_object_set_new(req, "urgent", u);
	}
	if (p->director != NULL)
		json_object_set_new(req, "director", client_json_str(p->director));
	if (p->retention != NULL)
		json_object_set_new(req, "retention", client_json_str(p->retention));
	if (p->regisseur != NULL) {
		json_t *r = client_actor(p->regisseur);
		if (r != NULL)
			json_object_set_new(req, "regisseur", r);
	}
	return req;
}

int wn_case_open(wn_client *c, const wn_case_params *p, char case_id[WN_ID_LEN + 1])
{
	if (case_id != NULL)
		case_id[0] = '\0';
	if (c == NULL || CLIENT_MISSING(c, p, case_id) || CLIENT_MISSING(c, p->cluster))
		return WN_EINVAL;
	if ((p->npeople > 0 && p->people == NULL) || (p->nconsents > 0 && p->consents == NULL))
		return client_inval_arg(c, "argument p->%s is missing (NULL) with a count above 0",
					p->npeople > 0 && p->people == NULL ? "people" : "consents");
	json_t *req = case_open_req(c, p), *result = NULL;
	if (req == NULL)
		return WN_EJSON;
	int rc = client_op(c, req, &result);
	if (rc == 0) {
		const char *id = client_str(json_object_get(result, "case"), "id", NULL);
		if (id == NULL || strlen(id) != WN_ID_LEN)
			rc = WN_EPROTO;
		else
			memcpy(case_id, id, WN_ID_LEN + 1);
	}
	json_decref(result);
	return rc;
}

static int case_person_op(wn_client *c, const char *op, const char *case_id, const char *bsn,
			  const char *reason, const char *consent_id, const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, case_id, bsn, reason))
		return WN_EINVAL;
	json_t *req = case_req(op, case_id, actor);
	if (req != NULL) {
		json_object_set_new(req, "bsn", client_json_str(bsn));
		json_object_set_new(req, "reason", client_json_str(reason));
		if (consent_id != NULL)
			json_object_set_new(req, "consent", client_json_str(consent_id));
	}
	return client_op(c, req, NULL);
}

int wn_case_person_add(wn_client *c, const char *case_id, const char *bsn, const char *reason,
		       const wn_actor *actor)
{
	return case_person_op(c, "case.person.add", case_id, bsn, reason, NULL, actor);
}

int wn_case_person_add_consent(wn_client *c, const char *case_id, const char *bsn,
			       const char *reason, const char *consent_id, const wn_actor *actor)
{
	if (CLIENT_MISSING(c, consent_id))
		return WN_EINVAL;
	return case_person_op(c, "case.person.add", case_id, bsn, reason, consent_id, actor);
}

int wn_case_person_remove(wn_client *c, const char *case_id, const char *bsn,
			  const char *reason, const wn_actor *actor)
{
	return case_person_op(c, "case.person.remove", case_id, bsn, reason, NULL, actor);
}

int wn_case_director(wn_client *c, const char *case_id, const char *director,
		     const wn_actor *regisseur, const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, case_id))
		return WN_EINVAL;
	if (director == NULL && regisseur == NULL)
		return client_inval_arg(c, "arguments director and regisseur are both missing "
					"(NULL): name one, or both");
	json_t *req = case_req("case.director", case_id, actor);
	if (req != NULL && director != NULL)
		json_object_set_new(req, "director", client_json_str(director));
	if (req != NULL && regisseur != NULL) {
		json_t *r = client_actor(regisseur);
		if (r == NULL) {
			json_decref(req);
			return client_inval(c);
		}
		json_object_set_new(req, "regisseur", r);
	}
	return client_op(c, req, NULL);
}

int wn_case_has_person(wn_client *c, const char *case_id, const char *bsn,
		       const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, case_id, bsn, actor))
		return WN_EINVAL;
	json_t *req = case_req("case.check", case_id, actor);
	if (req != NULL)
		json_object_set_new(req, "bsn", client_json_str(bsn));
	return client_op(c, req, NULL);
}

static int case_partner_op(wn_client *c, const char *op, const char *case_id,
			   const char *partner, const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, case_id))
		return WN_EINVAL;
	json_t *req = case_req(op, case_id, actor);
	if (req != NULL && partner != NULL)
		json_object_set_new(req, "partner", client_json_str(partner));
	return client_op(c, req, NULL);
}

int wn_case_join(wn_client *c, const char *case_id, const char *partner, const wn_actor *actor)
{
	if (CLIENT_MISSING(c, partner))
		return WN_EINVAL;
	return case_partner_op(c, "case.join", case_id, partner, actor);
}

int wn_case_leave(wn_client *c, const char *case_id, const char *partner, const wn_actor *actor)
{
	return case_partner_op(c, "case.leave", case_id, partner, actor);
}

int wn_case_close(wn_client *c, const char *case_id, const wn_actor *actor)
{
	return case_partner_op(c, "case.close", case_id, NULL, actor);
}

struct case_list_impl {
	wn_case_list pub;
	json_t *keep; /* owns the strings */
};

int wn_cases(wn_client *c, wn_case_list **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL || CLIENT_MISSING(c, out))
		return WN_EINVAL;
	json_t *result = NULL;
	int rc = client_op(c, json_pack("{s:s}", "op", "case.list"), &result);
	if (rc != 0)
		return rc;
	json_t *arr = json_object_get(result, "cases");
	size_t n = json_array_size(arr);
	struct case_list_impl *l = calloc(1, sizeof(*l));
	if (l == NULL || (l->pub.items = calloc(n ? n : 1, sizeof(wn_case))) == NULL) {
		free(l);
		json_decref(result);
		return WN_ENOMEM;
	}
	l->keep = result;
	l->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i), *members = json_object_get(e, "members");
		wn_case *k = &l->pub.items[i];
		k->id = client_str(e, "id", "");
		k->cluster = client_str(e, "cluster", "");
		k->director = client_str(e, "director", "");
		k->regisseur_id = client_str(json_object_get(e, "regisseur"), "id", NULL);
		k->regisseur_role = client_str(json_object_get(e, "regisseur"), "role", NULL);
		k->basis = client_str(e, "basis", NULL);
		k->npeople = json_array_size(json_object_get(e, "people"));
		k->status = client_str(e, "status", "");
		k->retention = client_str(e, "retention", "");
		k->opened_at = (int64_t)json_integer_value(json_object_get(e, "opened_at"));
		k->nmembers = json_array_size(members);
		k->members = calloc(k->nmembers ? k->nmembers : 1, sizeof(char *));
		if (k->members == NULL) {
			wn_case_list_free(&l->pub);
			return WN_ENOMEM;
		}
		for (size_t m = 0; m < k->nmembers; m++)
			k->members[m] = client_str(json_array_get(members, m), "partner", "");
	}
	*out = &l->pub;
	return 0;
}

void wn_case_list_free(wn_case_list *l)
{
	if (l == NULL)
		return;
	struct case_list_impl *impl = (struct case_list_impl *)l;
	for (size_t i = 0; i < l->count; i++)
		free((void *)l->items[i].members);
	free(l->items);
	json_decref(impl->keep);
	free(impl);
}
