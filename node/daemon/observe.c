/*
 * observe.c — the node's operator endpoint (/metrics, /healthz; httpd.h):
 * the message counters, and the node's own state when scraped — its
 * directory, partners usable, ledger size and checkpoint age, certificate
 * and CRL expiry, security events, notices waiting to go out.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "httpd.h"
#include "ids.h"
#include "metrics.h"
#include "observe.h"

/* COUNT(*)-style query on the node's database; -1 when it cannot be read. */
static double observe_count(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	double v = -1;
	db_lock(n->db);
	if (db_prepare(n->db, sql, &st) == 0 && sqlite3_step(st) == SQLITE_ROW)
		v = (double)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_unlock(n->db);
	return v;
}

static void observe_directory(struct node *n, FILE *out)
{
	struct directory *d = node_directory(n);
	size_t usable = 0;
	for (size_t i = 0; d != NULL && i < d->count; i++)
		usable += d->peers[i].usable && strcmp(d->peers[i].id, n->ident->id) != 0;
	metrics_gauge(out, "wijknet_directory_age_seconds",
		      "Seconds since the verified directory was fetched (-1: none yet).", NULL,
		      d ? (double)(time_now_ms() - d->fetched_at) / 1000.0 : -1);
	metrics_gauge(out, "wijknet_partners_usable", "Other partners the node may ask now.",
		      NULL, (double)usable);
	metrics_gauge(out, "wijknet_policy_version", "The federation policy in force.", NULL,
		      d ? d->policy_version : 0);
	directory_release(d);
}

static void observe_gauges(void *arg, FILE *out)
{
	struct node *n = arg;
	metrics_gauge(out, "wijknet_up", "1 while the daemon serves.", "daemon=\"node\"", 1);
	observe_directory(n, out);
	metrics_daemon_gauges(out, n->ledger, "ledger", n->ident->cert, n->trust);
	metrics_group_commit(out, n->writer);
	metrics_gauge(out, "wijknet_security_events", "Security events recorded (breach register).",
		      NULL, observe_count(n, "SELECT COUNT(*) FROM security_events"));
	metrics_gauge(out, "wijknet_outbox", "Notices and rights decisions for the municipality, "
		      "consent revocations for the broker.",
		      "state=\"pending\"", observe_count(n, "SELECT COUNT(*) FROM outbox WHERE"
						  " sent_at IS NULL AND failed_at IS NULL"));
	metrics_gauge(out, "wijknet_outbox", NULL, "state=\"refused\"",
		      observe_count(n, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL"));
	metrics_gauge(out, "wijknet_notices_queued", "Notices to the client not yet sent (the "
		      "municipality's node).", NULL,
		      observe_count(n, "SELECT COUNT(*) FROM notices WHERE status = 'queued'"));
}

/* Healthy: a verified directory, a certificate and a CRL in force. */
static int observe_health(void *arg, char *why, size_t cap)
{
	struct node *n = arg;
	long left = 0;
	struct directory *d = node_directory(n);
	int have = d != NULL;
	directory_release(d);
	pthread_mutex_lock(&n->lock);
	int brc = n->broker_rc;
	char said[sizeof(n->broker_why)];
	snprintf(said, sizeof(said), "%s", n->broker_why);
	if (brc != 0 && n->member_word_at > 0) { /* its TLS refuses us since it said so */
		brc = WN_EREVOKED;
		snprintf(said, sizeof(said), "%s", n->member_word);
	}
	pthread_mutex_unlock(&n->lock);
	int refused = brc == WN_EREVOKED || brc == WN_EPENDING || brc == WN_EUNKNOWN_PARTNER ||
		      brc == WN_EDENIED;
	if (refused) { /* reached, and it says this node may not take part (yet) */
		snprintf(why, cap, "%s: %s", brc == WN_EPENDING ? "awaiting admission"
					   : "the broker refuses this node", said);
		return 1;
	}
	if (!have) {
		snprintf(why, cap, "no verified directory: %s",
			 said[0] ? said : "the broker has not been reached yet");
		return 1;
	}
	if (pki_cert_seconds_left(n->ident->cert, &left) == 0 && left <= 0) {
		snprintf(why, cap, "this node's certificate has lapsed");
		return 1;
	}
	if (pki_trust_crl_seconds_left(n->trust, &left) == 0 && left <= 0) {
		snprintf(why, cap, "the federation's CRL has lapsed: TLS refuses everyone");
		return 1;
	}
	return 0;
}

int node_observe_start(struct node *n, char *err, size_t errcap)
{
	const char *spec = config_str(config_root(n->cfg), "metrics", NULL);
	if (spec == NULL)
		return 0;
	struct httpd_hooks hooks = { n, observe_gauges, observe_health };
	return httpd_start(spec, &hooks, &n->http, err, errcap);
}

void node_observe_stop(struct node *n)
{
	httpd_stop(n->http);
	n->http = NULL;
}
