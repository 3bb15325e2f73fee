/*
 * mgmtinfo.h — this partner's part of the monthly management information
 * (r25), and the local operation that asks the broker for the whole.
 */
#ifndef WN_NODE_MGMTINFO_H
#define WN_NODE_MGMTINFO_H

#include <jansson.h>

struct node;

/* Answers the broker's `stats.month`: counts from this partner's disclosure
 * log, small ones suppressed before they leave. */
int stats_answer(struct node *n, const json_t *query, json_t **reply, char *err, size_t errcap);

/* Local API: stats {month}. */
json_t *local_stats(struct node *n, json_t *rq);

#endif
