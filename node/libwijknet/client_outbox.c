/*
 * client_outbox.c — libwijknet: the node's outbox (wn_outbox_list,
 * wn_outbox_retry): what waits to be delivered through the broker, what was
 * given up, and putting that back in the queue.
 */
#include <jansson.h>

#include "wijknet.h"
#include "client.h"

int wn_outbox_list(wn_client *c, int failed, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return client_op_text(c, json_pack("{s:s,s:b}", "op", "outbox.list", "failed", failed != 0),
			      actor, json_out);
}

int wn_outbox_retry(wn_client *c, const char *id, const wn_actor *actor, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL)
		return client_inval(c);
	json_t *req = json_pack("{s:s}", "op", "outbox.retry");
	if (req != NULL)
		json_object_set_new(req, id != NULL ? "id" : "failed",
				    id != NULL ? client_json_str(id) : json_true());
	return client_op_text(c, req, actor, json_out);
}
