/*
 * client_notice.c — libwijknet: the municipality's duties to the client
 * (wn_notices_list, wn_notice_show, wn_notice_sent, wn_case_informed and
 * its per-person forms, wn_rights_status): JSON documents in, JSON text out.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client.h"

int wn_notices_list(wn_client *c, int all, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:b}", "op", "notices.list", "all", all != 0), actor,
			   json_out);
}

int wn_notice_show(wn_client *c, const char *id, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, id, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:s}", "op", "notices.show", "id", id), actor,
			   json_out);
}

int wn_notice_sent(wn_client *c, const char *id, const char *on, const char *channel,
		   const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, id, channel))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s,s:s}", "op", "notices.sent", "id", id, "channel",
				channel);
	if (req != NULL && on != NULL)
		json_object_set_new(req, "on", client_json_str(on));
	return client_op_text(c, req, actor, NULL);
}

static int case_informed_op(wn_client *c, const char *case_id, const char *bsn,
			    const char *moment, const char *on, const char *how,
			    const char *reason, const wn_actor *actor)
{
	if (c == NULL || CLIENT_MISSING(c, case_id, moment, how))
		return WN_EINVAL;
	/* the day is evidence of when they were told, given by who told them */
	if (on == NULL)
		return client_inval_arg(c, "argument on is missing (NULL): the day the household "
					"was told, YYYY-MM-DD; it is not taken to be today");
	json_t *req = json_pack("{s:s,s:s,s:s,s:s,s:s}", "op", "case.informed", "case", case_id,
				"moment", moment, "on", on, "how", how);
	if (req != NULL && reason != NULL)
		json_object_set_new(req, "reason", client_json_str(reason));
	if (req != NULL && bsn != NULL)
		json_object_set_new(req, "bsn", client_json_str(bsn));
	return client_op_text(c, req, actor, NULL);
}

int wn_case_informed(wn_client *c, const char *case_id, const char *moment, const char *on,
		     const char *how, const char *reason, const wn_actor *actor)
{
	return case_informed_op(c, case_id, NULL, moment, on, how, reason, actor);
}

int wn_case_person_informed(wn_client *c, const char *case_id, const char *bsn,
			    const char *moment, const char *on, const char *how,
			    const char *reason, const wn_actor *actor)
{
	if (CLIENT_MISSING(c, bsn))
		return WN_EINVAL;
	return case_informed_op(c, case_id, bsn, moment, on, how, reason, actor);
}

int wn_case_informed_show(wn_client *c, const char *case_id, const char *bsn,
			  const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, case_id, json_out))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s,s:s}", "op", "case.informed.show", "case", case_id);
	if (req != NULL && bsn != NULL)
		json_object_set_new(req, "bsn", client_json_str(bsn));
	return client_op_text(c, req, actor, json_out);
}

int wn_rights_status(wn_client *c, const char *id, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	json_t *req = json_pack("{s:s}", "op", "rights.status");
	if (req != NULL && id != NULL)
		json_object_set_new(req, "id", client_json_str(id));
	return client_op_text(c, req, actor, json_out);
}
