/*
 * fanout.h — one sealed query to several partners through the broker, for
 * rights requests and access reports.
 */
#ifndef WN_NODE_FANOUT_H
#define WN_NODE_FANOUT_H

#include <stdint.h>

#include <jansson.h>

#include "ids.h"

struct node;
struct directory;

struct fanout_query {
	const char *type;          /* e.g. "report.access" */
	const char *answer_type;   /* e.g. "report.answer" */
	const json_t *scope;       /* partner ids */
	const json_t *sealed;      /* the body sealed to each */
	const json_t *actor;
	const char *purpose;       /* or NULL */
	int deadline_ms;
	const char *log_type;      /* sent-log type: "report", "rights" */
	const uint8_t *subject_index; /* the person, for the sent log */
	const char *case_id;       /* a rights request about a person of a case, or NULL */
	const char *id;            /* the query's id, recorded before it is sent; NULL: a new one */
};

/* The partners named (each another active covenant partner), or all of
 * them when named is NULL. in_case: named are a case's members, kept also
 * while one cannot be asked (suspended): fanout_query answers for it
 * "unavailable", so the rest is asked all the same. When one lacks a sealing
 * key the directory is fetched again (*dp may change). *out: json_decref(). */
int fanout_scope(struct node *n, struct directory **dp, const json_t *named, int in_case,
		 json_t **out,
		 char *err, size_t errcap);

/* Logs q as sent (fail closed: nothing leaves unlogged), sends it and
 * checks every answer; the outcomes complete the sent-log entry. *answers: partner → {outcome: answered
 * (with body: the opened answer) | unavailable | invalid | error, reason?}.
 * qid gets the query's id. */
int fanout_query(struct node *n, struct directory *d, const struct fanout_query *q,
		 char qid[ID_HEX_LEN + 1], json_t **answers, char *err, size_t errcap);

#endif
