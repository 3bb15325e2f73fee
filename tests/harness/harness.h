/*
 * harness.h — integration-test harness: lays out a real federation in a temp
 * dir (certificates from certs/wijknet-ca, configs from scripts/mkfederation),
 * starts real wijknet-broker and wijknet-node processes on 127.0.0.1, and
 * gives tests a raw mutual-TLS peer for sending hand-made envelopes.
 */
#ifndef WN_HARNESS_H
#define WN_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "pki.h"
#include "transport.h"

#define FED_MAX 64

struct fed {
	char dir[256];
	int base_port;
	size_t n;
	char ids[FED_MAX][64];
	pid_t broker;
	pid_t nodes[FED_MAX];
	int fd_limit; /* > 0: the daemons start with this many descriptors */
};

/* Creates the federation layout for ids (not started). 0 on success. */
int fed_setup(struct fed *f, const char *const *ids, size_t n);

/* Starts the broker / node i; the process's stderr goes to logs/ID.log. */
int fed_start_broker(struct fed *f);
int fed_start_node(struct fed *f, size_t i);
/* The same with one command-line flag of the daemon's (NULL: none). */
int fed_start_node_with(struct fed *f, size_t i, const char *flag);

/* Starts broker and all nodes and waits until node 0 sees all of them up
 * with published sealing keys. */
int fed_start_all(struct fed *f, int timeout_ms);

/* Sends sig to a process and reaps it. */
void fed_stop(pid_t *pid, int sig);

/* Waits until node i's health shows `up` partners up and its broker up. */
int fed_wait_up(struct fed *f, size_t i, size_t up, int timeout_ms);

/* Node i's ipc:// url, config path, and a file path inside the dir. */
void fed_socket(struct fed *f, size_t i, char *out, size_t cap);
void fed_file(struct fed *f, const char *rel, char *out, size_t cap);

/* Port of node i (1-based offset from the broker's). */
int fed_port(struct fed *f, size_t i);

/* Runs a shell command with the dir as working directory; exit status. */
int fed_sh(struct fed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* COUNT(*) of a query on a database file in the dir (rel path); -1 on error. */
long fed_db_count(struct fed *f, const char *db_rel, const char *sql);

/* 1 if logs/NAME.log contains needle. */
int fed_log_contains(struct fed *f, const char *name, const char *needle);

/* GET path from 127.0.0.1:port, as an operator's scraper would: the whole
 * response (status line, headers, body), malloc'd; NULL when not reached. */
char *fed_http_get(int port, const char *path);

/* The sum of the /metrics series (Prometheus text) whose lines start with
 * prefix: a name and a space for one series, or a name with the start of
 * its labels for several; 0 when there are none. */
double fed_metric_sum(const char *text, const char *prefix);

/* Count of sanitizer reports found in daemon logs at teardown; a test
 * program must fail when it is not zero. */
extern int fed_sanitizer_reports;

/* Sleeps ms milliseconds. */
void sleep_ms(int ms);

/* Kills everything and removes the dir (kept when WN_KEEP_TEST_DIR is set). */
void fed_teardown(struct fed *f);

/* Path of a built program (WN_BUILD, default build). */
void fed_bin(const char *name, char *out, size_t cap);

/* A raw peer speaking mutual TLS with a given certificate (cert_rel may be
 * NULL for "no certificate"). */
struct raw_peer {
	pki_identity *ident;
	nng_tls_config *tls;
	rpc_client *client;
	int first_error;
};

int raw_open(struct fed *f, struct raw_peer *p, const char *cert_rel, const char *ca_rel,
	     const char *url, const char *server_name);
void raw_close(struct raw_peer *p);

/* Sends bytes and parses the reply envelope (*reply may be NULL on error). */
int raw_call(struct raw_peer *p, const char *buf, size_t len, int timeout_ms, json_t **reply);

/* Signs env with the peer's key, sends it, returns the reply. */
int raw_send_env(struct raw_peer *p, json_t *env, int timeout_ms, json_t **reply);

/* Error name in an error reply ("" if not an error). */
const char *reply_error(const json_t *reply);



/* Sets (value non-NULL) or deletes a top-level key of a JSON config file in
 * the dir. value is a JSON text (e.g. "\"ca/x.pem\""). */
int fed_config_edit(struct fed *f, const char *file_rel, const char *key, const char *value);

/* A P-256 key and a self-signed certificate with CN = cn, for unit tests
 * that sign without a federation. 0 or -1. */
int harness_make_ident(const char *cn, EVP_PKEY **key, X509 **cert);

/* Waits for a process to exit by itself; its exit status, or -1 on timeout. */
int fed_wait_exit(pid_t *pid, int timeout_ms);
#endif
