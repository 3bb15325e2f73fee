/*
 * observe.h — the node's loopback endpoint for its operator: /metrics and
 * /healthz (config key "metrics": "127.0.0.1:PORT").
 */
#ifndef WN_NODE_OBSERVE_H
#define WN_NODE_OBSERVE_H

#include <stddef.h>

struct node;

/* Starts the endpoint when the config names one; 0 when it names none. */
int node_observe_start(struct node *n, char *err, size_t errcap);
void node_observe_stop(struct node *n);

#endif
