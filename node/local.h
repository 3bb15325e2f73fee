/*
 * local.h — helpers shared by the local API's operation handlers.
 */
#ifndef WN_NODE_LOCAL_H
#define WN_NODE_LOCAL_H

#include <jansson.h>

struct node;

/* {"ok": false, …} reply for code (message may be NULL). */
json_t *local_error(int code, const char *message);

/* Operations beyond health and directory (records, lookups, …); returns a
 * reply object. Unknown operations get an error reply. */
json_t *local_dispatch(struct node *n, const char *op, json_t *rq);

#endif
