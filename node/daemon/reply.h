/*
 * reply.h — the requester's check of an answer the broker relays: it must
 * be a well-formed envelope from a partner in the directory, bound to the
 * query it answers, signed by that partner, fresh, and sealed to this node.
 * The broker cannot read or forge what it relays. And the acknowledgement
 * this node answers a relayed message with, made the same way.
 */
#ifndef WN_NODE_REPLY_H
#define WN_NODE_REPLY_H

#include <jansson.h>

#include "context.h"

/* Checks answer a to query qid (of type want, e.g. "lookup.answer").
 * Returns NULL when it is good: *body is the opened sealed part (json_decref)
 * and *from the sender. Otherwise the reason, a static string: "malformed",
 * "protocol", "signature", "replay", "clock_skew", "seal" (each also a
 * security event), or, for the sender's signed `error` answer, its error name
 * with *refused set. *from is set whenever the sender is known. */
const char *reply_open(struct node *n, struct directory *d, const json_t *a, const char *qid,
		       const char *want, const char **from, json_t **body, int *refused);

/* The signed acknowledgement of an inbound env from sender: a message of
 * type "<env's type>.ack", {"status": status} sealed to sender alone, so
 * that only the sender reads what became of it. *ack: json_decref.
 * 0 or WN_ENOMEM, WN_ESEAL, WN_ESIG. */
int reply_ack(struct node *n, const json_t *env, const struct dir_peer *sender,
	      const char *status, json_t **ack);

#endif
