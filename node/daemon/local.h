/*
 * local.h — helpers shared by the local API's operation handlers.
 */
#ifndef WN_NODE_LOCAL_H
#define WN_NODE_LOCAL_H

#include <stddef.h>

#include <jansson.h>

struct node;

/* {"ok": false, …} reply for code (message may be NULL). */
json_t *local_error(int code, const char *message);

/* Checks an actor object {id, role} (r16: access is personal). */
int local_check_actor(const json_t *actor, char *err, size_t errcap);

/* The categories a professional named: each the vocabulary's (r05) and
 * named once. 0, WN_ECATEGORY or WN_EINVAL, with err. */
int local_check_categories(const json_t *cats, char *err, size_t errcap);

/* case.open, case.join, case.leave, case.close, case.list (cases.c). */
json_t *local_case(struct node *n, const char *op, json_t *rq);

/* A data request to one partner within a case (request.c). */
json_t *local_request(struct node *n, json_t *rq);

/* A conflict-of-duties assertion by this partner's professional (duty.c). */
json_t *local_duty(struct node *n, json_t *rq);

/* Operations beyond health and directory (records, lookups, …); returns a
 * reply object. Unknown operations get an error reply. */
/* member.join|status|list|vote|notice|end|exit.withdraw and policy.propose|withdraw
 * (member.c). */
json_t *local_member(struct node *n, const char *op, json_t *rq);

json_t *local_dispatch(struct node *n, const char *op, json_t *rq);

/* outbox.list and outbox.retry: what waits to be delivered through the
 * broker and what was given up, and putting that back (outbox.c). */
json_t *local_outbox(struct node *n, const char *op, json_t *rq);

/* backup: a consistent copy of the database with its key file (backup.c). */
json_t *local_backup(struct node *n, json_t *rq);

#endif
