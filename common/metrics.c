/*
 * metrics.c — message counters and latency histograms, kept in memory per
 * (kind, type) under one lock; outcomes in three classes so that the number
 * of series stays small and bounded.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "db.h"
#include "ids.h"
#include "metrics.h"
#include "pki.h"
#include "tlog.h"

#define METRICS_SERIES 128
#define METRICS_NAME 40

/* Upper bounds of the latency buckets, in ms (+Inf implied). */
static const double buckets_ms[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 };
#define NBUCKETS (sizeof(buckets_ms) / sizeof(buckets_ms[0]))

enum outcome { OUT_OK, OUT_REFUSED, OUT_ERROR, NOUTCOMES };
static const char *const outcome_names[] = { "ok", "refused", "error" };

struct series {
	char kind[16], type[METRICS_NAME];
	uint64_t count[NOUTCOMES];
	uint64_t bucket[NBUCKETS + 1];
	uint64_t bytes_in, bytes_out;
	double sum_s;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series table[METRICS_SERIES];
static size_t used;

/* The node's or the broker's own failure, not the sender's. */
static enum outcome outcome_of(int rc)
{
	if (rc == 0)
		return OUT_OK;
	switch (rc) {
	case WN_ENOMEM: case WN_EIO: case WN_EDB: case WN_ECRYPTO: case WN_ETRANSPORT:
	case WN_ETIMEOUT: case WN_EUNAVAILABLE: case WN_ESTATE:
		return OUT_ERROR;
	default:
		return OUT_REFUSED;
	}
}

/* A label value as Prometheus reads it: [a-z0-9._-] only, else '_'. */
static void clean_copy(char *out, size_t cap, const char *in)
{
	size_t i = 0;
	for (; in != NULL && in[i] != '\0' && i + 1 < cap; i++) {
		char c = in[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			 c == '-';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
}

static struct series *series_of(const char *kind, const char *type)
{
	char k[16], t[METRICS_NAME];
	clean_copy(k, sizeof(k), kind);
	clean_copy(t, sizeof(t), type ? type : "invalid");
	for (size_t i = 0; i < used; i++)
		if (strcmp(table[i].kind, k) == 0 && strcmp(table[i].type, t) == 0)
			return &table[i];
	if (used == METRICS_SERIES - 1)
		snprintf(t, sizeof(t), "other"); /* the last slot takes the rest */
	if (used == METRICS_SERIES)
		return &table[METRICS_SERIES - 1];
	struct series *s = &table[used++];
	snprintf(s->kind, sizeof(s->kind), "%s", k);
	snprintf(s->type, sizeof(s->type), "%s", t);
	return s;
}

void metrics_observe(const char *kind, const char *type, int rc, int64_t duration_us)
{
	double ms = (double)duration_us / 1000.0;
	pthread_mutex_lock(&lock);
	struct series *s = series_of(kind, type);
	s->count[outcome_of(rc)]++;
	size_t b = 0;
	while (b < NBUCKETS && ms > buckets_ms[b])
		b++;
	s->bucket[b]++;
	s->sum_s += ms / 1000.0;
	pthread_mutex_unlock(&lock);
}

void metrics_bytes(const char *kind, const char *type, size_t in, size_t out)
{
	pthread_mutex_lock(&lock);
	struct series *s = series_of(kind, type);
	s->bytes_in += in;
	s->bytes_out += out;
	pthread_mutex_unlock(&lock);
}

/* A sample's value as the text format takes it: a count whole, a time to
 * the millisecond (5.419, not 5.4189999999999996), and +Inf, -Inf, NaN. */
static void metrics_value(double v, char *out, size_t cap)
{
	if (isnan(v))
		snprintf(out, cap, "NaN");
	else if (isinf(v))
		snprintf(out, cap, "%sInf", v > 0 ? "+" : "-");
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 && /* 2^53: exact */
		 v == (double)(long long)v)
		snprintf(out, cap, "%.0f", v);
	else if ((v < 0 ? -v : v) >= 0.001 && (v < 0 ? -v : v) < 1e15)
		snprintf(out, cap, "%.3f", v);
	else /* too small for milliseconds, or too large to print as a fraction */
		snprintf(out, cap, "%.17g", v);
}

void metrics_gauge(FILE *out, const char *name, const char *help, const char *labels,
		   double value)
{
	char v[64];
	metrics_value(value, v, sizeof(v));
	if (help != NULL)
		fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	fprintf(out, "%s%s%s%s %s\n", name, labels ? "{" : "", labels ? labels : "",
		labels ? "}" : "", v);
}

static void metrics_counter(FILE *out, const char *name, const char *help, double value)
{
	char v[64];
	metrics_value(value, v, sizeof(v));
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n%s %s\n", name, help, name, name, v);
}

void metrics_group_commit(FILE *out, struct db_writer *w)
{
	uint64_t batches = 0, writes = 0;
	db_writer_counts(w, &batches, &writes);
	metrics_counter(out, "wijknet_db_commits_total",
			"Transactions the group commit made (each a disk flush when durable_log is on).",
			(double)batches);
	metrics_counter(out, "wijknet_db_committed_writes_total",
			"Writes those transactions held (per commit: how well they batch).",
			(double)writes);
}

void metrics_render(FILE *out)
{
	pthread_mutex_lock(&lock);
	fputs("# HELP wijknet_messages_total Messages handled, by where, type and outcome.\n"
	      "# TYPE wijknet_messages_total counter\n", out);
	for (size_t i = 0; i < used; i++)
		for (int o = 0; o < NOUTCOMES; o++)
			fprintf(out, "wijknet_messages_total{kind=\"%s\",type=\"%s\",outcome=\"%s\"} "
				"%llu\n", table[i].kind, table[i].type, outcome_names[o],
				(unsigned long long)table[i].count[o]);
	fputs("# HELP wijknet_message_bytes_total Bytes of the messages handled and of their "
	      "answers, by where and type.\n# TYPE wijknet_message_bytes_total counter\n", out);
	for (size_t i = 0; i < used; i++)
		fprintf(out, "wijknet_message_bytes_total{kind=\"%s\",type=\"%s\",direction=\"in\"} "
			"%llu\nwijknet_message_bytes_total{kind=\"%s\",type=\"%s\",direction=\"out\"} "
			"%llu\n", table[i].kind, table[i].type, (unsigned long long)table[i].bytes_in,
			table[i].kind, table[i].type, (unsigned long long)table[i].bytes_out);
	fputs("# HELP wijknet_message_duration_seconds Time to handle a message.\n"
	      "# TYPE wijknet_message_duration_seconds histogram\n", out);
	for (size_t i = 0; i < used; i++) {
		const struct series *s = &table[i];
		uint64_t cum = 0, total = 0;
		for (size_t b = 0; b <= NBUCKETS; b++)
			total += s->bucket[b];
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += s->bucket[b];
			fprintf(out, "wijknet_message_duration_seconds_bucket{kind=\"%s\",type=\"%s\","
				"le=\"%g\"} %llu\n", s->kind, s->type, buckets_ms[b] / 1000.0,
				(unsigned long long)cum);
		}
		fprintf(out, "wijknet_message_duration_seconds_bucket{kind=\"%s\",type=\"%s\","
			"le=\"+Inf\"} %llu\n", s->kind, s->type, (unsigned long long)total);
		fprintf(out, "wijknet_message_duration_seconds_sum{kind=\"%s\",type=\"%s\"} %.6f\n",
			s->kind, s->type, s->sum_s);
		fprintf(out, "wijknet_message_duration_seconds_count{kind=\"%s\",type=\"%s\"} %llu\n",
			s->kind, s->type, (unsigned long long)total);
	}
	pthread_mutex_unlock(&lock);
}

void metrics_daemon_gauges(FILE *out, struct tlog *log, const char *name, struct x509_st *cert,
			   struct pki_trust *trust)
{
	uint64_t size = 0;
	long left = 0;
	json_t *cp = NULL;
	char label[48];
	snprintf(label, sizeof(label), "log=\"%s\"", name);
	if (tlog_size(log, &size) == 0)
		metrics_gauge(out, "wijknet_log_entries", "Entries in the tamper-evident log.", label,
			      (double)size);
	if (tlog_latest(log, &cp) == 0 && cp != NULL)
		metrics_gauge(out, "wijknet_checkpoint_age_seconds",
			      "Seconds since the log's last signed checkpoint.", label,
			      (double)(time_now_ms() - json_integer_value(json_object_get(cp, "ts"))) /
				      1000.0);
	json_decref(cp);
	if (pki_cert_seconds_left(cert, &left) == 0)
		metrics_gauge(out, "wijknet_certificate_seconds_left",
			      "Seconds until this daemon's certificate lapses.", NULL, (double)left);
	if (pki_trust_crl_seconds_left(trust, &left) == 0)
		metrics_gauge(out, "wijknet_crl_seconds_left",
			      "Seconds until the federation's CRL lapses.", NULL, (double)left);
}
