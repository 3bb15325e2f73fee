/*
 * ops.c — the local API operations on records and lookups.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "local.h"

json_t *local_dispatch(struct node *n, const char *op, json_t *rq)
{
	(void)n;
	(void)rq;
	char msg[128];
	snprintf(msg, sizeof(msg), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, msg);
}
