/*
 * client_member.c — libwijknet: membership and policy changes, answered by
 * the broker through this partner's node.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "client.h"

/* Runs req (taken) and gives its result as JSON text. */
static int member_call(wn_client *c, json_t *req, char **json_out)
{
	json_t *result = NULL;
	*json_out = NULL;
	int rc = client_op(c, req, &result);
	if (rc != 0)
		return rc;
	rc = client_dumps(result, JSON_INDENT(2) | JSON_SORT_KEYS, json_out);
	json_decref(result);
	return rc;
}

/* req with the actor, which every membership decision names. */
static json_t *member_req(wn_client *c, const char *op, const wn_actor *actor)
{
	json_t *a = client_actor(actor);
	if (a == NULL) {
		client_set_error(c, "%s: the actor (id and role) who takes the decision", op);
		return NULL;
	}
	json_t *req = json_pack("{s:s,s:o}", "op", op, "actor", a);
	return req;
}

int wn_member_join(wn_client *c, const char *request_json, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, request_json, json_out))
		return WN_EINVAL;
	json_t *r = client_parse_object(c, "join request", request_json);
	if (r == NULL)
		return WN_EJSON;
	return member_call(c, json_pack("{s:s,s:o}", "op", "member.join", "request", r), json_out);
}

int wn_member_status(wn_client *c, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return member_call(c, json_pack("{s:s}", "op", "member.status"), json_out);
}

int wn_member_withdraw(wn_client *c, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return member_call(c, json_pack("{s:s}", "op", "member.withdraw"), json_out);
}

int wn_member_list(wn_client *c, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	return member_call(c, json_pack("{s:s}", "op", "member.list"), json_out);
}

int wn_member_vote(wn_client *c, const wn_actor *actor, const char *proposal, int approve,
		   const char *reason, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, proposal, json_out))
		return WN_EINVAL;
	json_t *req = member_req(c, "member.vote", actor);
	if (req == NULL)
		return WN_EINVAL; /* member_req said why */
	json_object_set_new(req, "proposal", client_json_str(proposal));
	json_object_set_new(req, "vote", client_json_str(approve ? "approve" : "reject"));
	if (reason != NULL)
		json_object_set_new(req, "reason", client_json_str(reason));
	return member_call(c, req, json_out);
}

int wn_member_notice(wn_client *c, const wn_actor *actor, int immediate, const char *reason,
		     char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, json_out))
		return WN_EINVAL;
	json_t *req = member_req(c, "member.notice", actor);
	if (req == NULL)
		return WN_EINVAL; /* member_req said why */
	json_object_set_new(req, "immediate", json_boolean(immediate));
	if (reason != NULL)
		json_object_set_new(req, "reason", client_json_str(reason));
	return member_call(c, req, json_out);
}

int wn_member_end(wn_client *c, const wn_actor *actor, const char *partner, const char *reason,
		  char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, partner, reason, json_out))
		return WN_EINVAL;
	json_t *req = member_req(c, "member.end", actor);
	if (req == NULL)
		return WN_EINVAL; /* member_req said why */
	json_object_set_new(req, "partner", client_json_str(partner));
	json_object_set_new(req, "reason", client_json_str(reason));
	return member_call(c, req, json_out);
}

int wn_member_address(wn_client *c, const wn_actor *actor, const char *address,
		      char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, address, json_out))
		return WN_EINVAL;
	json_t *req = member_req(c, "member.address", actor);
	if (req == NULL)
		return WN_EINVAL; /* member_req said why */
	json_object_set_new(req, "address", client_json_str(address));
	return member_call(c, req, json_out);
}

int wn_policy_propose(wn_client *c, const wn_actor *actor, const char *policy_json,
		      char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, policy_json, json_out))
		return WN_EINVAL;
	json_t *policy = client_parse_object(c, "policy", policy_json);
	if (policy == NULL)
		return WN_EJSON;
	json_t *req = member_req(c, "policy.propose", actor);
	if (req == NULL) {
		json_decref(policy);
		return WN_EINVAL; /* member_req said why */
	}
	json_object_set_new(req, "policy", policy);
	return member_call(c, req, json_out);
}

/* A withdraw of an open proposal of kind (the operation op) by its proposer. */
static int member_withdraw_proposal(wn_client *c, const char *op, const wn_actor *actor,
				    const char *proposal, const char *reason, char **json_out)
{
	if (json_out != NULL)
		*json_out = NULL;
	if (c == NULL || CLIENT_MISSING(c, proposal, json_out))
		return WN_EINVAL;
	json_t *req = member_req(c, op, actor);
	if (req == NULL)
		return WN_EINVAL; /* member_req said why */
	json_object_set_new(req, "proposal", client_json_str(proposal));
	if (reason != NULL)
		json_object_set_new(req, "reason", client_json_str(reason));
	return member_call(c, req, json_out);
}

int wn_policy_withdraw(wn_client *c, const wn_actor *actor, const char *proposal,
		       const char *reason, char **json_out)
{
	return member_withdraw_proposal(c, "policy.withdraw", actor, proposal, reason, json_out);
}

int wn_member_exit_withdraw(wn_client *c, const wn_actor *actor, const char *proposal,
			    const char *reason, char **json_out)
{
	return member_withdraw_proposal(c, "member.exit.withdraw", actor, proposal, reason,
					json_out);
}
