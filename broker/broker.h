/*
 * broker.h — wijknet-broker: the municipality's router. It verifies every
 * envelope against the partner registry, keeps the metadata audit log,
 * serves the signed directory and health, and fans requests out to nodes.
 */
#ifndef WN_BROKER_H
#define WN_BROKER_H

#include <stddef.h>

typedef struct broker broker;

/* Loads config_path and everything it names. *out: broker_close(). */
int broker_open(const char *config_file_path, broker **out, char *err, size_t errcap);

/* Checks the config and the certificate as broker_open would, without making
 * or changing any file: 0 or the error. */
int broker_check(const char *config_file_path, char *err, size_t errcap);

/* Starts listening for nodes and dials every active partner. */
int broker_start(broker *b, char *err, size_t errcap);

struct rpc_peer;

/* Handles one message that came over conn, as the listener does: the
 * reply (*resp, malloc'd) or non-zero for none. For the listener and the
 * fuzz harness. */
int broker_handle_message(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
			  char **resp, size_t *resplen);

/* SIGHUP: reads the config's log level, the CA and the CRL again; the
 * listener's TLS configuration is swapped without dropping connections.
 * Other keys need a restart (said in the log). */
void broker_hangup(broker *b);

/* Stops listeners and connections and frees everything. */
void broker_close(broker *b);

/* The keys a broker's config may hold (wijknet.json(5) documents each). */
struct schema_field;
const struct schema_field *broker_config_fields(void);

#endif
