/*
 * metrics.h — what a daemon counts for its operator (Prometheus text on
 * /metrics): messages by kind, type and outcome with a latency histogram,
 * plus the gauges the daemon adds when scraped (partners up, log sizes,
 * checkpoint age, certificate and CRL expiry, breach events). Served with
 * libmicrohttpd on a loopback port (httpd.h).
 */
#ifndef WN_METRICS_H
#define WN_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Counts one handled message: kind says where ("broker", "inbound",
 * "local"), type what (bounded: past 128 series it counts as "other"), rc its
 * outcome (0 ok, else refused or error as the code says). Thread-safe. */
void metrics_observe(const char *kind, const char *type, int rc, int64_t duration_us);

/* Adds a handled message's size and its answer's (0 when none) to the
 * series of (kind, type). Thread-safe. */
void metrics_bytes(const char *kind, const char *type, size_t in, size_t out);

/* Writes every series in the Prometheus text format. */
void metrics_render(FILE *out);

/* Writes one gauge line: name{labels} value (labels may be NULL). */
void metrics_gauge(FILE *out, const char *name, const char *help, const char *labels,
		   double value);

/* The gauges both daemons give: their tamper-evident log's size and the
 * age of its last checkpoint (label log="name"), and the seconds until their
 * certificate and the federation's CRL lapse. */
struct tlog;
struct x509_st;
struct pki_trust;
void metrics_daemon_gauges(FILE *out, struct tlog *log, const char *name, struct x509_st *cert,
			   struct pki_trust *trust);

/* The counters of a database's group commit: transactions committed (one
 * disk flush each when durable) and the writes they held. */
struct db_writer;
void metrics_group_commit(FILE *out, struct db_writer *w);

#endif
