/*
 * observe.c — the broker's operator endpoint (/metrics, /healthz; httpd.h):
 * the message counters, and when scraped the partners by status and how
 * many answer a ping now, the audit log's size and checkpoint age,
 * certificate and CRL expiry, and the breach register's events.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "httpd.h"
#include "ids.h"
#include "metrics.h"
#include "observe.h"

static double observe_count(struct broker *b, const char *sql)
{
	sqlite3_stmt *st = NULL;
	double v = -1;
	db_lock(b->db);
	if (db_prepare(b->db, sql, &st) == 0 && sqlite3_step(st) == SQLITE_ROW)
		v = (double)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_unlock(b->db);
	return v;
}

static void observe_partners(struct broker *b, FILE *out)
{
	static const char *const states[] = { "active", "notice", "suspended", "ended",
					      "revoked", "invalid" };
	size_t n = registry_count(b->reg), count[6] = { 0 }, up = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = registry_status(registry_at(b->reg, i));
		for (size_t k = 0; k < 6; k++)
			count[k] += strcmp(s, states[k]) == 0;
	}
	for (size_t k = 0; k < 6; k++) {
		char label[40];
		snprintf(label, sizeof(label), "status=\"%s\"", states[k]);
		metrics_gauge(out, "wijknet_partners", k == 0 ? "Partners in the registry, by status."
							      : NULL,
			      label, (double)count[k]);
	}
	/* who answers a ping now: one round per scrape */
	json_t *list = NULL, *x;
	size_t i;
	if (broker_health_list(b, &list) == 0)
		json_array_foreach(list, i, x)
			up += strcmp(json_string_value(json_object_get(x, "state")), "up") == 0;
	json_decref(list);
	metrics_gauge(out, "wijknet_partners_up", "Partners' nodes that answered a ping now.", NULL,
		      (double)up);
}

static void observe_gauges(void *arg, FILE *out)
{
	struct broker *b = arg;
	metrics_gauge(out, "wijknet_up", "1 while the daemon serves.", "daemon=\"broker\"", 1);
	observe_partners(b, out);
	metrics_daemon_gauges(out, b->audit.log, "audit_log", b->ident->cert, b->trust);
	metrics_group_commit(out, b->writer);
	metrics_gauge(out, "wijknet_breach_events", "Events in the breach register.", NULL,
		      observe_count(b, "SELECT coalesce(sum(count), 0) FROM breaches"));
	/* as breaches list counts them: a recorded refusal waits for no assessment */
	metrics_gauge(out, "wijknet_breaches_unassessed", "Breach incidents not yet assessed.",
		      NULL, observe_count(b, "SELECT COUNT(*) FROM breaches WHERE assessed_at IS NULL"
					  " AND class = 'incident'"));
	metrics_gauge(out, "wijknet_audit_log_behind_witnesses", "Partners whose nodes witnessed "
		      "more of the audit log than it holds (restored from an older backup?).", NULL,
		      observe_count(b, "SELECT COUNT(*) FROM audit_disputes"));
}

static int observe_health(void *arg, char *why, size_t cap)
{
	struct broker *b = arg;
	long left = 0;
	if (pki_trust_crl_seconds_left(b->trust, &left) == 0 && left <= 0) {
		snprintf(why, cap, "the federation's CRL has lapsed: TLS refuses everyone");
		return 1;
	}
	if (pki_cert_seconds_left(b->ident->cert, &left) == 0 && left <= 0) {
		snprintf(why, cap, "the broker's certificate has lapsed");
		return 1;
	}
	return 0;
}

int broker_observe_start(struct broker *b, char *err, size_t errcap)
{
	const char *spec = config_str(config_root(b->cfg), "metrics", NULL);
	if (spec == NULL)
		return 0;
	struct httpd_hooks hooks = { b, observe_gauges, observe_health };
	return httpd_start(spec, &hooks, &b->http, err, errcap);
}

void broker_observe_stop(struct broker *b)
{
	httpd_stop(b->http);
	b->http = NULL;
}
