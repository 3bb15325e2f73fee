/*
 * observe.h — the broker's loopback endpoint for its operator: /metrics and
 * /healthz (config key "metrics": "127.0.0.1:PORT").
 */
#ifndef WN_BROKER_OBSERVE_H
#define WN_BROKER_OBSERVE_H

#include <stddef.h>

struct broker;

int broker_observe_start(struct broker *b, char *err, size_t errcap);
void broker_observe_stop(struct broker *b);

#endif
