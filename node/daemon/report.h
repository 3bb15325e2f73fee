/*
 * report.h — the client's access report (r17): gathered from every partner
 * and the broker by the node the client turned to.
 */
#ifndef WN_NODE_REPORT_H
#define WN_NODE_REPORT_H

#include <jansson.h>

struct node;
struct dir_peer;

/* Local API: report.access. */
json_t *local_report(struct node *n, json_t *rq);

/* A partner's part of an access report that reached this node through the
 * broker; the answer is logged as a disclosure before it leaves. */
int report_answer(struct node *n, const json_t *query, const struct dir_peer *requester,
		  json_t **reply, char *err, size_t errcap);

#endif
