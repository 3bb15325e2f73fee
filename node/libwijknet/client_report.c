/*
 * client_report.c — libwijknet: the client's access report (wn_report_access,
 * wn_report_access_page) and the federation's management information
 * (wn_stats): JSON documents.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

int wn_report_access(wn_client *c, const wn_report_params *p, char **json_out)
{
	return wn_report_access_page(c, p, 1, json_out);
}

int wn_report_access_page(wn_client *c, const wn_report_params *p, int page, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, p, json_out) || CLIENT_MISSING(c, p->bsn))
		return WN_EINVAL;
	if (p->partners == NULL && p->npartners > 0)
		return client_inval_arg(c, "argument p->partners is missing (NULL) with "
					"p->npartners %zu", p->npartners);
	if (page < 1 || page > 10000)
		return client_inval_arg(c, "argument page: %d is outside 1..10000", page);
	if (p->deadline_ms < 0)
		return client_inval_arg(c, "argument deadline_ms: %d is negative (0: the default)",
					p->deadline_ms);
	json_t *req = json_pack("{s:s,s:s}", "op", "report.access", "bsn", p->bsn), *result = NULL;
	if ((req = client_with_actor(req, &p->actor)) != NULL) {
		if (p->partners != NULL) {
			json_t *arr = json_array();
			for (size_t i = 0; i < p->npartners; i++)
				json_array_append_new(arr, client_json_str(p->partners[i]));
			json_object_set_new(req, "partners", arr);
		}
		if (p->own)
			json_object_set_new(req, "own", json_true());
		if (p->deadline_ms > 0)
			json_object_set_new(req, "deadline_ms", json_integer(p->deadline_ms));
		if (page > 1)
			json_object_set_new(req, "page", json_integer(page));
	}
	int rc = client_op(c, req, &result);
	if (rc != 0)
		return rc;
	rc = client_dumps(result, JSON_INDENT(2) | JSON_SORT_KEYS, json_out);
	json_decref(result);
	return rc;
}

int wn_stats(wn_client *c, const char *month, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, month, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:s}", "op", "stats", "month", month), actor,
			      json_out);
}

int wn_backup(wn_client *c, const char *dir, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, dir, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:s}", "op", "backup", "dir", dir), actor,
			      json_out);
}
