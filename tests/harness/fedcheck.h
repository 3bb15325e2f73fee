/*
 * fedcheck.h — cmocka-based helpers shared by the integration tests: they
 * read a running federation's databases and logs, run the `wijknet` CLI as a
 * partner's professional would, and open C API clients to nodes. Failures
 * are cmocka assertion failures.
 */
#ifndef WN_FEDCHECK_H
#define WN_FEDCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "wijknet.h"
#include "harness.h"

/* fed_db_count with a formatted query. */
long dbq(struct fed *f, const char *db_rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* dbq, asked again until it gives want or timeout_ms passed (a poll, not a
 * fixed sleep); the last count. */
long dbq_wait(struct fed *f, const char *db_rel, long want, int timeout_ms, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Runs sql on a database of the dir while its daemon runs (a trigger that
 * injects a fault, and its removal); a cmocka failure when it cannot. */
void dbexec(struct fed *f, const char *db_rel, const char *sql);

/* The text of the first column of the first row of a formatted query on a
 * database of the dir into out; 0, or -1 when there is no row. */
int dbq_text(struct fed *f, const char *db_rel, char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A valid BSN from an eight-digit prefix, or 0 when no check digit fits. */
int bsn_from_prefix(long prefix, char out[10]);

/* The first valid BSN at or after prefix (eight digits). */
void bsn_at(long prefix, char out[10]);

/* Reads a file of the federation dir (rel path); NULL when it does not
 * exist. The buffer is malloc'd (caller frees). */
char *slurp(struct fed *f, const char *rel, size_t *len);

/* 1 when needle occurs in the first hlen bytes of hay. */
int bytes_contain(const char *hay, size_t hlen, const void *needle, size_t nlen);

/* Number of lines of logs/NAME.log containing n1 and (if not NULL) n2. */
int log_count(struct fed *f, const char *name, const char *n1, const char *n2);

/* One base64 key of a node's key file (data/ID.db.keys), e.g. "seal_sk". */
void node_key(struct fed *f, const char *id, const char *name, uint8_t out[32]);

/* The node's pseudonym of a BSN, as the design defines it. */
void pseudonym(const uint8_t key[32], const char *bsn, uint8_t out[32]);

/* Sets key of the broker registry entry of partner id (value: JSON text). */
int broker_partner_set(struct fed *f, const char *id, const char *key, const char *value);

/* A client of node i's local API with a 20 s deadline; wn_client_close(). */
wn_client *client_of(struct fed *f, size_t i);

/* Partner id's status in node i's verified directory ("" when absent). */
void status_at(struct fed *f, size_t i, const char *id, char *out, size_t cap);

/* Waits (polling, up to timeout_ms) until node i's directory shows partner
 * id with status: 0, or -1 with what it showed reported. */
int status_wait(struct fed *f, size_t i, const char *id, const char *status, int timeout_ms);

/* A complete Bijlage 3 motivation (interest, subsidiarity, proportionality
 * and a step IV exception) for lookups and requests on a non-consent ground. */
extern const char FED_MOTIVATION[];
#define FED_LOOKUP_GROUND "public_task"
/* The CLI's options for that ground; write_lookup_motivation() writes the
 * file they name into the federation dir. */
#define FED_LOOKUP_ARGS "--ground public_task --motivation lookup-m.json"
int write_lookup_motivation(struct fed *f);

/* A lookup of bsn for purpose intake by node i's actor, in its default
 * scope, on FED_LOOKUP_GROUND; fails the test when the call fails.
 * wn_lookup_result_free(). */
wn_lookup_result *lookup_by(struct fed *f, size_t i, const char *bsn, const wn_actor *actor);

/* Runs `wijknet --config NODE.json ARGS`; stdout lands in cli.out and
 * stderr in cli.err (in the dir). Returns the exit status. */
int cli(struct fed *f, const char *node, const char *args);

/* 1 when cli.err / cli.out contains needle. */
int cli_err_has(struct fed *f, const char *needle);
int cli_out_has(struct fed *f, const char *needle);

/* Writes text to a file of the dir; 0 or -1. */
int write_file(struct fed *f, const char *rel, const char *text);

/* Opens a case at node i about a household (bsns, n of them) on an urgent
 * interest, in cluster, with the partners named (NULL-terminated) joined;
 * 0 or the error (printed). */
int open_household_case(struct fed *f, size_t i, const char *cluster, const char *const *bsns,
			size_t n, const char *const *partners, char id[WN_ID_LEN + 1]);

/* Hand-made messages, as a partner that skips its own node's checks would
 * send them. raw_seal_to seals body to partner `to` (its key from its key
 * file) in env, whose header must be complete; raw_as signs env with
 * partner from's certificate key, sends it to the broker over mutual TLS and
 * returns the reply (never NULL); raw_open_as opens an answer sealed to
 * partner self (json_decref). */
void raw_seal_to(struct fed *f, json_t *env, const char *to, const json_t *body);
json_t *raw_as(struct fed *f, const char *from, json_t *env);
json_t *raw_open_as(struct fed *f, const char *self, const json_t *answer);

/* A misbehaving partner: it stands in for node i (partner id, stopped
 * first) on its address, with its own certificate, and answers each message
 * the broker relays with the envelope answer() returns (NULL: no answer). */
struct rogue;
typedef json_t *(*rogue_answer_fn)(struct rogue *r, const json_t *query, void *arg);
struct rogue *rogue_start(struct fed *f, size_t i, const char *id, rogue_answer_fn answer,
			  void *arg);
/* The answer of type to query as the partner's node would make it: body
 * sealed to seal_pk (NULL: the requester's key), signed by the partner. */
json_t *rogue_sign(struct rogue *r, const json_t *query, const char *type, const json_t *body,
		   const uint8_t *seal_pk);
/* Stops it; the node itself can then be started again. */
void rogue_stop(struct rogue *r);

/* cmocka group teardown for a struct fed * state made by a group setup:
 * stops every process and removes the dir. */
int fed_group_teardown(void **state);

/* The start and the end of a test program's main(): SIGPIPE ignored and
 * WN_TEST_FILTER applied; then its time, and the exit status, which fails
 * on failed tests or on a sanitizer report from a daemon or the CLI. */
int64_t fed_test_begin(void);
int fed_test_end(const char *name, int failed, int64_t t0);

/* The broker's listen URL. */
void broker_url(struct fed *f, char *out, size_t cap);

/* Runs SQL (printf-style) on the database rel of the federation, as an
 * operator (or an intruder) with the file could, while the daemons run. */
void db_exec_on(struct fed *f, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
