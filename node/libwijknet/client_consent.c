/*
 * client_consent.c — libwijknet: consents (wn_consent_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

static int consent_submit(wn_client *c, const char *op, const char *document_json,
			  const wn_actor *actor, char consent_id[WN_ID_LEN + 1])
{
	if (consent_id != NULL)
		consent_id[0] = '\0';
	if (c == NULL || CLIENT_MISSING(c, document_json, consent_id))
		return WN_EINVAL;
	json_t *doc = client_parse_object(c, "consent document", document_json);
	if (doc == NULL)
		return WN_EJSON;
	json_t *req = json_pack("{s:s,s:o}", "op", op, "document", doc), *result = NULL;
	int rc = client_op(c, client_with_actor(req, actor), &result);
	if (rc == 0) {
		const char *id = client_str(result, "consent", NULL);
		if (id == NULL || strlen(id) != WN_ID_LEN)
			rc = WN_EPROTO;
		else
			memcpy(consent_id, id, WN_ID_LEN + 1);
	}
	json_decref(result);
	return rc;
}

int wn_consent_register(wn_client *c, const char *document_json, const wn_actor *actor,
			char consent_id[WN_ID_LEN + 1])
{
	return consent_submit(c, "consent.register", document_json, actor, consent_id);
}

int wn_consent_refuse(wn_client *c, const char *document_json, const wn_actor *actor,
		      char consent_id[WN_ID_LEN + 1])
{
	return consent_submit(c, "consent.refuse", document_json, actor, consent_id);
}

/* A consent or refusal document sent as op; the node's answer as text. */
static int consent_submit_json(wn_client *c, const char *op, const char *document_json,
			       const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, document_json, json_out))
		return WN_EINVAL;
	json_t *doc = client_parse_object(c, "consent document", document_json);
	if (doc == NULL)
		return WN_EJSON;
	return client_op_text(c, json_pack("{s:s,s:o}", "op", op, "document", doc), actor,
			      json_out);
}

int wn_consent_register_json(wn_client *c, const char *document_json, const wn_actor *actor,
			     char **json_out)
{
	return consent_submit_json(c, "consent.register", document_json, actor, json_out);
}

int wn_consent_refuse_json(wn_client *c, const char *document_json, const wn_actor *actor,
			   char **json_out)
{
	return consent_submit_json(c, "consent.refuse", document_json, actor, json_out);
}

int wn_consent_revoke(wn_client *c, const char *consent_id, const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, consent_id))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s}", "op", "consent.revoke", "consent", consent_id);
	return client_op(c, client_with_actor(req, actor), NULL);
}

int wn_consent_revoke_json(wn_client *c, const char *consent_id, const wn_actor *actor,
			   char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, consent_id, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:s}", "op", "consent.revoke", "consent",
					   consent_id), actor, json_out);
}

struct consent_list_impl {
	wn_consent_list pub;
	json_t *keep;
};

int wn_consents(wn_client *c, const char *bsn, wn_consent_list **out)
{
	if (out != NULL)
		*out = NULL;
	if (c == NULL)
		return WN_EINVAL;
	if (out == NULL)
		return client_inval_arg(c, "argument out is missing (NULL): the list is written "
					"there");
	json_t *req = json_pack("{s:s}", "op", "consent.list"), *result = NULL;
	if (req != NULL && bsn != NULL)
		json_object_set_new(req, "bsn", client_json_str(bsn));
	int rc = client_op(c, req, &result);
	if (rc != 0)
		return rc;
	json_t *arr = json_object_get(result, "consents");
	size_t n = json_array_size(arr);
	struct consent_list_impl *l = calloc(1, sizeof(*l));
	if (l == NULL || (l->pub.items = calloc(n ? n : 1, sizeof(wn_consent_info))) == NULL) {
		free(l);
		json_decref(result);
		return WN_ENOMEM;
	}
	l->keep = result;
	l->pub.count = n;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		wn_consent_info *k = &l->pub.items[i];
		k->id = client_str(e, "id", "");
		k->kind = client_str(e, "kind", "");
		k->status = client_str(e, "status", "");
		k->valid_from = client_str(e, "valid_from", "");
		k->valid_until = client_str(e, "valid_until", NULL);
		k->registered_at = (int64_t)json_integer_value(json_object_get(e, "registered_at"));
		k->revoked_at = (int64_t)json_integer_value(json_object_get(e, "revoked_at"));
	}
	*out = &l->pub;
	return 0;
}

int wn_consents_json(wn_client *c, const char *bsn, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL)
		return WN_EINVAL;
	if (json_out == NULL)
		return client_inval_arg(c, "argument json_out is missing (NULL): the list is "
					"written there");
	json_t *req = json_pack("{s:s}", "op", "consent.list");
	if (req != NULL && bsn != NULL)
		json_object_set_new(req, "bsn", client_json_str(bsn));
	return client_op_text(c, req, NULL, json_out);
}

void wn_consent_list_free(wn_consent_list *l)
{
	if (l == NULL)
		return;
	struct consent_list_impl *impl = (struct consent_list_impl *)l;
	free(l->items);
	json_decref(impl->keep);
	free(impl);
}
