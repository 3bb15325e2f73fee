/*
 * client.h — internals of libwijknet shared by its source files.
 */
#ifndef WN_NODE_CLIENT_H
#define WN_NODE_CLIENT_H

#include <jansson.h>

#include "wijknet.h"

/* Sends req to the node; on {"ok": true} sets *result (json_decref). */
int client_call(wn_client *c, json_t *req, json_t **result);

#endif
