/*
 * node.h — wijknet-node: one per partner organisation. It keeps the
 * partner's records, answers the broker's queries under its own disclosure
 * profile, and serves its own professionals' systems over a local socket.
 */
#ifndef WN_NODE_H
#define WN_NODE_H

#include <stddef.h>

typedef struct node node;

/* Loads config_file_path and everything it names. *out: node_close(). */
int node_open(const char *config_file_path, node **out, char *err, size_t errcap);

/* Checks the config (the profile included) and the certificate as
 * node_open would, without making or changing any file: 0 or the error. */
int node_check(const char *config_file_path, char *err, size_t errcap);

/* 1 when the node stopped itself for a reason its log gives (its ledger is
 * behind what the broker witnessed): the daemon then exits 1. */
int node_failed(node *n);

/* --accept-ledger-gap, before node_start: a database restored from a
 * backup older than the ledger checkpoint the broker witnessed is not
 * refused; the gap is recorded at the broker (audit log and breach
 * register) and the node runs on from the copy. Once: a node not behind
 * starts as always. */
void node_accept_ledger_gap(node *n);

/* Dials the broker, starts the inbound and local listeners and the
 * background refresher. */
int node_start(node *n, char *err, size_t errcap);

/* SIGHUP: reads the log level, the CA and the CRL files again (a newer CRL
 * from the broker stays) and swaps the listener's TLS configuration;
 * other keys need a restart. */
void node_hangup(node *n);

void node_close(node *n);

/* The keys a node's config may hold (wijknet.json(5) documents each). */
struct schema_field;
const struct schema_field *node_config_fields(void);

#endif
