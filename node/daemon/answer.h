/*
 * answer.h — answering queries that reached this node through the broker.
 */
#ifndef WN_NODE_ANSWER_H
#define WN_NODE_ANSWER_H

#include <jansson.h>

#include "context.h"

/* Answers a verified lookup from requester; *reply is the signed answer.
 * On failure err says why and no answer is built. */
int answer_lookup(struct node *n, const json_t *query, const struct dir_peer *requester,
		  json_t **reply, char *err, size_t errcap);

/* Answers a verified data request from requester (disclose.c): decides,
 * logs the disclosure or refusal durably, then builds the sealed answer. On
 * failure err says why and no answer is built. */
int answer_request(struct node *n, const json_t *query, const struct dir_peer *requester,
		   json_t **reply, char *err, size_t errcap);

#endif
