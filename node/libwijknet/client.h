/*
 * client.h — internals of libwijknet shared by its source files.
 */
#ifndef WN_NODE_CLIENT_H
#define WN_NODE_CLIENT_H

#include <jansson.h>

#include "wijknet.h"

#define CLIENT_ERRMSG_LEN 512

/* The messages of a client's calls, one per thread (client_errmsg.c). */
struct client_msgs;

/* A client's message slots, none yet. *out: client_msgs_free(). */
int client_msgs_new(struct client_msgs **out);

/* Frees ms and every slot in it; NULL is ignored. */
void client_msgs_free(struct client_msgs *ms);

/* The calling thread's message text on ms (CLIENT_ERRMSG_LEN bytes), made
 * empty on first use when make is set; NULL when there is none. It stays
 * valid until the thread ends or ms is freed. */
char *client_msgs_slot(struct client_msgs *ms, int make);

/* Sends req to the node; on {"ok": true} sets *result (json_decref). */
int client_call(wn_client *c, json_t *req, json_t **result);

/* client_call that takes ownership of req (NULL req: WN_ENOMEM); result may
 * be NULL when only success matters. */
int client_op(wn_client *c, json_t *req, json_t **result);

/* client_op with the actor added to req; the result as indented JSON text
 * into *json_out (free()), or only success when json_out is NULL. */
int client_op_text(wn_client *c, json_t *req, const wn_actor *actor, char **json_out);

/* v as JSON text into *out, in memory from malloc(): the caller frees it
 * with free() even when the host program gave jansson allocators of its
 * own (json_set_alloc_funcs). *out: free(); NULL on failure (WN_ENOMEM). */
int client_dumps(const json_t *v, size_t flags, char **out);

/* Sets the calling thread's message on c to say an argument was refused,
 * so wn_client_errmsg() never shows an earlier call's; returns WN_EINVAL.
 * c may be NULL. */
int client_inval(wn_client *c);

/* 1, with c's message naming it, when one of the n arguments in args is
 * NULL; names holds their names as written, comma-separated. */
int client_missing(wn_client *c, const char *names, const void *const *args, size_t n);

/* Whether one of the pointer arguments listed is NULL, c's message naming
 * the first such: CLIENT_MISSING(c, id, json_out). */
#define CLIENT_MISSING(c, ...)                                                          \
	client_missing((c), #__VA_ARGS__, (const void *const[]){ __VA_ARGS__ },        \
		       sizeof((const void *const[]){ __VA_ARGS__ }) / sizeof(const void *))

/* Sets the calling thread's message on c (may be NULL) to fmt, which names
 * the argument refused and why; returns WN_EINVAL. */
int client_inval_arg(wn_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What kind of JSON value v is, for a message: "an array", "a string", … */
const char *client_json_kind(const json_t *v);

/* Sets the message wn_client_errmsg() returns. */
void client_set_error(wn_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* String member k of o, or def. Borrowed. */
const char *client_str(const json_t *o, const char *k, const char *def);

/* The JSON object text names, parsed (duplicate keys refused); on bad
 * text NULL, with the error set for what. *out: json_decref(). */
json_t *client_parse_object(wn_client *c, const char *what, const char *text);

/* {id, role} of an actor; NULL when a is NULL or incomplete. */
json_t *client_actor(const wn_actor *a);

/* req with the actor added when one is given; returns req. A req that is
 * NULL (a value json_pack refused) stays NULL, and the actor is not made. */
json_t *client_with_actor(json_t *req, const wn_actor *actor);

/* A string argument as JSON: null when it is NULL or not UTF-8, which
 * client_call refuses (WN_EINVAL) rather than send a request without it. */
json_t *client_json_str(const char *s);

/* An array of n strings (client_json_str each); null, which client_call
 * refuses, when v is NULL though n is not 0. Caller decrefs. */
json_t *client_strings(const char *const *v, size_t n);

#endif
