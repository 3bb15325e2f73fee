/*
 * gate.h — the door in front of a daemon's TLS listener. nng 1.5 neither
 * times out a TCP connection that never finishes its TLS handshake nor
 * limits how many one address holds, so a few thousand idle sockets could
 * take every descriptor. The gate accepts connections itself and passes
 * their bytes to nng's listener on a loopback port; until nng reports the
 * connection established (handshake and SP negotiation done) it counts as
 * pending: closed after handshake_ms. An address over its share of pending
 * connections (or all of them over theirs) loses its oldest one that never
 * sent a byte, or, when all are handshaking, the newcomer is refused. Failed
 * and timed-out handshakes are logged, at most a few lines a second.
 */
#ifndef WN_GATE_H
#define WN_GATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct gate_limits {
	int handshake_ms;     /* a connection not established by then is closed */
	int pending_per_addr; /* pending connections one address may hold */
	int pending_max;      /* pending connections in all */
	int conns_max;        /* connections in all, established ones included */
};

/* Failed handshakes repeated from one host (a revoked node that redials
 * for ever): per host and hour the 1st, 2nd, 4th, 8th... are logged, each
 * with the count so far, so that a host that keeps failing costs a dozen
 * lines an hour. A table of GATE_REPEAT_HOSTS, the least recent replaced. */
#define GATE_REPEAT_HOSTS 64
struct gate_repeat {
	char host[64];
	int64_t hour, last_ms;
	long count;
};

/* 1 when this failure from host at now_ms is one to log; *count gets the
 * failures from host this hour, this one included. */
int gate_repeat_note(struct gate_repeat *tab, size_t n, const char *host, int64_t now_ms,
		     long *count);

/* The defaults: 10 s, 32, 256, 2000. */
void gate_limits_default(struct gate_limits *lim);

/* The limits a daemon's config sets (handshake_timeout_ms,
 * pending_per_address, pending_max, connections_max), else the defaults. */
void gate_limits_read(const json_t *config, struct gate_limits *lim);

/* The config fields of gate_limits_read, for a daemon's schema. */
#define GATE_CONFIG_FIELDS                                     \
	{ "handshake_timeout_ms", SCHEMA_INT, 0, 600000 },     \
	{ "pending_per_address", SCHEMA_INT, 0, 100000 },      \
	{ "pending_max", SCHEMA_INT, 0, 100000 },              \
	{ "connections_max", SCHEMA_INT, 0, 1000000 },

typedef struct gate gate;

/* The addresses host:port is listened on (freeaddrinfo); a host that does
 * not resolve is WN_ETRANSPORT, err saying why. */
struct addrinfo;
int gate_resolve(const char *host, int port, struct addrinfo **ai, char *err, size_t errcap);

/* Listens on host:port (port 0: any) and will pass connections to
 * 127.0.0.1:backend_port once started. *out: gate_close(). */
int gate_open(gate **out, const char *host, int port, const struct gate_limits *lim,
	      char *err, size_t errcap);

/* Told of a certificate a client offered in a TLS handshake that was
 * refused (a foreign, revoked or expired one): the connection's address,
 * the certificate's DER and how many handshakes from that host with that
 * certificate failed this hour. Called on the gate's thread, at the
 * doubling counts of that certificate from that host (1, 2, 4, 8...), so a
 * host that keeps offering it costs little and another certificate from
 * the same host is still told of the first time. */
typedef void (*gate_cert_hook)(void *arg, const char *addr, const uint8_t *der, size_t derlen,
			       long count);

/* Sets (or with NULL clears) the hook for refused certificates. */
void gate_on_refused_cert(gate *g, gate_cert_hook hook, void *arg);

/* Starts passing connections to backend_port, in a thread of its own. */
int gate_start(gate *g, int backend_port, char *err, size_t errcap);

/* The port the gate listens on. */
int gate_port(const gate *g);

/* nng reports a connection established whose far end is the gate's
 * loopback port local_port: from now on no handshake deadline applies. */
void gate_established(gate *g, int local_port);

/* The real peer address ("ip:port") of the connection the gate passes (or
 * passed last) through its loopback port local_port; 0, or -1 when no
 * connection of the gate ever had that port. */
int gate_peer_addr(gate *g, int local_port, char *out, size_t cap);

/* Counters, for tests and health: connections now pending and established,
 * and those closed for a timeout, a failed handshake or over a cap. */
struct gate_stats {
	long pending, established, timed_out, failed, evicted, refused;
};
void gate_get_stats(gate *g, struct gate_stats *out);

void gate_close(gate *g);

#endif
