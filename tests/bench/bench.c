/*
 * bench.c — `make bench`: lookup performance of a real federation on
 * loopback (broker + requester + N partner nodes, mutual TLS, durable logs)
 * for N = 1, 10, 50: unloaded latency, throughput under load and the CPU
 * per lookup, set against a floor (one lookup's crypto at this machine's
 * speed plus the same fan-out over bare nng) measured in rounds interleaved
 * with the load; where the CPU goes per role; the same run with durable
 * logging off and on an audit log of a million entries. A program that
 * prints figures, not a test.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "wijknet.h"
#include "db.h"
#include "envelope.h"
#include "harness.h"
#include "hpke.h"
#include "ids.h"
#include "pki.h"
#include "tlog.h"
#include "floor.h"
#ifdef BENCH_RELAY
#include "relay.h"
#endif

#define MAX_SAMPLES 200000
#define WN_BENCH_ROUNDS_MAX 16

static const char *const bench_bsns[] = { "999990019", "999990020", "999990032", "999990044",
					  "999990056", "999990068", "111222333", "123456782" };

struct load {
	char url[512];
	int64_t until_us;
	double *lat_ms;
	size_t n, cap;
	long errors, done;
	pthread_mutex_t *lock;
	double *all;
	size_t *nall;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

/* The lawful ground a lookup rests on, with its Bijlage 3 motivation. */
static const char BENCH_MOTIVATION[] =
	"{\"interest\":\"serious_harm\",\"subsidiarity\":\"Geen minder ingrijpende weg\","
	"\"proportionality\":\"Alleen bekend of niet bekend\",\"exception\":"
	"\"client_protection\"}";

static int one_lookup(wn_client *c, unsigned k)
{
	wn_lookup_params p = { 0 };
	wn_lookup_result *r = NULL;
	p.bsn = bench_bsns[k % 8];
	p.purpose = "intake";
	p.ground = "public_task";
	p.motivation_json = BENCH_MOTIVATION;
	p.actor.id = "bench";
	p.actor.role = "wijkcoach";
	int rc = wn_lookup(c, &p, &r);
	char why[256];
	snprintf(why, sizeof(why), "%s", wn_strerror(rc));
	for (size_t i = 0; rc == 0 && i < r->count; i++) {
		const wn_lookup_answer *a = &r->answers[i];
		if (strcmp(a->outcome, "known") != 0 && strcmp(a->outcome, "not_known") != 0) {
			snprintf(why, sizeof(why), "%s: %s (%s)", a->partner, a->outcome,
				 a->reason ? a->reason : "no reason given");
			rc = WN_EUNAVAILABLE;
		}
	}
	wn_lookup_result_free(r);
	/* the first few failures say why: a figure with failures in it is not
	 * the system's speed */
	static atomic_int told;
	if (rc != 0 && atomic_fetch_add(&told, 1) < 3)
		fprintf(stderr, "bench: a lookup failed: %s\n", why);
	return rc;
}

static void *load_main(void *arg)
{
	struct load *l = arg;
	wn_client *c = NULL;
	if (wn_client_open(&c, l->url) != 0)
		return NULL;
	unsigned k = (unsigned)(uintptr_t)l;
	while (time_mono_us() < l->until_us) {
		int64_t t0 = time_mono_us();
		int rc = one_lookup(c, k++);
		double ms = (double)(time_mono_us() - t0) / 1000.0;
		if (rc != 0) {
			l->errors++;
			continue;
		}
		l->done++;
		pthread_mutex_lock(l->lock);
		if (*l->nall < MAX_SAMPLES)
			l->all[(*l->nall)++] = ms;
		pthread_mutex_unlock(l->lock);
	}
	wn_client_close(c);
	return NULL;
}

/* ---- crypto ceiling ------------------------------------------------- */

struct crypto_rates {
	double sign, verify, seal, open; /* operations per second, one core */
};

/* This thread's CPU time in µs: a rate per CPU second holds on a machine
 * that other work shares, where a rate per wall second would not. */
static int64_t thread_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double rate_of(void (*fn)(void *), void *arg, int64_t budget_us)
{
	int64_t t0 = thread_cpu_us();
	long n = 0;
	while (thread_cpu_us() - t0 < budget_us) {
		for (int i = 0; i < 20; i++)
			fn(arg);
		n += 20;
	}
	return (double)n * 1e6 / (double)(thread_cpu_us() - t0);
}

struct cctx {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t msg[600], sig[128], sk[32], pk[32], pt[1024], ct[1024 + HPKE_OVERHEAD];
	size_t siglen, ctlen;
};

static void do_sign(void *a)
{
	struct cctx *c = a;
	uint8_t *s = NULL;
	size_t n = 0;
	pki_sign(c->key, c->msg, sizeof(c->msg), &s, &n);
	free(s);
}

static void do_verify(void *a)
{
	struct cctx *c = a;
	pki_verify(c->cert, c->msg, sizeof(c->msg), c->sig, c->siglen);
}

static void do_seal(void *a)
{
	struct cctx *c = a;
	size_t n;
	hpke_seal(c->pk, (const uint8_t *)"i", 1, c->msg, 200, c->pt, sizeof(c->pt), c->ct,
		  sizeof(c->ct), &n);
}

static void do_open(void *a)
{
	struct cctx *c = a;
	uint8_t out[1024];
	size_t n;
	hpke_open(c->sk, (const uint8_t *)"i", 1, c->msg, 200, c->ct, c->ctlen, out, sizeof(out), &n);
}

/* The rates of the four operations, each timed for budget_us of CPU. */
static int crypto_measure(const char *pem, int64_t budget_us, struct crypto_rates *r)
{
	struct cctx c;
	char err[256];
	pki_identity *id = NULL;
	memset(&c, 7, sizeof(c));
	if (pki_identity_load(pem, &id, err, sizeof(err)) != 0)
		return -1;
	c.key = id->key;
	c.cert = id->cert;
	uint8_t *s = NULL;
	pki_sign(c.key, c.msg, sizeof(c.msg), &s, &c.siglen);
	memcpy(c.sig, s, c.siglen);
	free(s);
	hpke_keypair_generate(c.sk, c.pk);
	hpke_seal(c.pk, (const uint8_t *)"i", 1, c.msg, 200, c.pt, sizeof(c.pt), c.ct, sizeof(c.ct),
		  &c.ctlen);
	r->sign = rate_of(do_sign, &c, budget_us);
	r->verify = rate_of(do_verify, &c, budget_us);
	r->seal = rate_of(do_seal, &c, budget_us);
	r->open = rate_of(do_open, &c, budget_us);
	pki_identity_free(id);
	return 0;
}

enum role { ROLE_REQUESTER, ROLE_BROKER, ROLE_PARTNER, ROLE_COUNT };
static const char *const role_names[ROLE_COUNT] = { "requester", "broker", "each partner" };

/* CPU seconds of crypto per lookup with n partners in one role (a
 * partner's: one of them). */
static double crypto_role(const struct crypto_rates *r, int n, enum role role)
{
	switch (role) {
	case ROLE_REQUESTER: return 1 / r->sign + n / r->seal + (1 + n) / r->verify + n / r->open;
	case ROLE_BROKER: return 1 / r->verify + 2 / r->sign; /* answers: the requester verifies */
	default: return 2 / r->verify + 1 / r->open + 1 / r->seal + 1 / r->sign;
	}
}

/* CPU seconds of crypto per lookup with n partners, over all processes. */
static double crypto_cost(const struct crypto_rates *r, int n)
{
	return crypto_role(r, n, ROLE_REQUESTER) + crypto_role(r, n, ROLE_BROKER) +
	       n * crypto_role(r, n, ROLE_PARTNER);
}

/* ---- the tamper-evident log at scale ---------------------------------- */

/* Appends count lookup-sized entries to t (numbered from first), 1,000 per
 * transaction as group commit batches them. */
static int log_fill(db *d, tlog *t, long first, long count)
{
	char entry[320], id[ID_HEX_LEN + 1];
	for (long i = first; i < first + count;) {
		db_lock(d);
		if (db_begin(d) != 0) {
			db_unlock(d);
			return -1;
		}
		for (long k = 0; k < 1000 && i < first + count; k++, i++) {
			int64_t idx;
			uint8_t leaf[MERKLE_HASH_LEN];
			id_generate(id);
			int len = snprintf(entry, sizeof(entry),
					   "{\"actor\":{\"id\":\"bench\",\"role\":\"wijkcoach\"},"
					   "\"cluster\":\"multiprobleem\",\"from\":\"partner-01\","
					   "\"id\":\"%s\",\"purpose\":\"intake\",\"to\":[\"partner-02\","
					   "\"partner-03\"],\"ts\":%ld,\"type\":\"lookup\"}", id, i);
			if (tlog_append_locked(t, "lookup", id, entry, (size_t)len, &idx, leaf) != 0) {
				db_rollback(d);
				db_unlock(d);
				return -1;
			}
		}
		int crc = db_commit(d);
		db_unlock(d);
		if (crc != 0)
			return -1;
	}
	return 0;
}

/* Appends n entries of an audit-sized size to a Merkle log in a fresh SQLite
 * file (1,000 per transaction, as group commit batches them) and prints the
 * rate of each tenth: flat rates show the O(1) amortised append. Then the
 * cost of a checkpoint root and of inclusion and consistency proofs at n. */
static int merkle_bench(const char *dir, long n, const char *pem)
{
	static const struct db_migration m[] = {
		{ 1, "CREATE TABLE bench_log (idx INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
		     " type TEXT NOT NULL, msg_id TEXT, entry TEXT NOT NULL, leaf BLOB NOT NULL);"
		     TLOG_TREE_SCHEMA("bench_log") },
	};
	char path[512], err[256];
	db *d = NULL;
	tlog *t = NULL;
	pki_identity *ident = NULL;
	int rc = -1;
	snprintf(path, sizeof(path), "%s/merkle-bench.db", dir);
	if (db_open(path, m, 1, &d, err, sizeof(err)) != 0 ||
	    tlog_open(d, "bench_log", "wijknet:bench:bench_log", &t) != 0 ||
	    pki_identity_load(pem, &ident, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: merkle log: %s\n", err);
		goto out;
	}
	long block = n / 10 > 0 ? n / 10 : 1;
	double first = 0, last = 0;
	printf("\nMerkle log append (RFC 9162 tree in SQLite, 1000 entries per transaction), "
	       "%ld entries:\n", n);
	int64_t t0 = time_mono_us();
	for (long i = 0; i < n;) {
		long k = block - i % block < n - i ? block - i % block : n - i;
		if (log_fill(d, t, i, k) != 0)
			goto out;
		i += k;
		if (i % block == 0 || i == n) {
			int64_t now = time_mono_us();
			double rate = (double)block * 1e6 / (double)(now - t0);
			printf("  entries %8ld–%-8ld %10.0f appends/s\n", i - block + 1, i, rate);
			if (first == 0)
				first = rate;
			last = rate;
			t0 = now;
		}
	}
	printf("  last tenth / first tenth: %.2f (1.00 = flat)\n", last / first);
	struct tlog_checkpoint_job job = { t, ident->key, NULL };
	json_t *proof = NULL;
	char root[65];
	int64_t c0 = time_mono_us();
	db_lock(d);
	if (db_begin(d) != 0 || tlog_checkpoint_locked(d, &job) != 0 || db_commit(d) != 0) {
		db_unlock(d);
		goto out;
	}
	db_unlock(d);
	int64_t c1 = time_mono_us();
	if (tlog_consistency(t, (uint64_t)n / 3, (uint64_t)n, &proof) != 0)
		goto out;
	int64_t c2 = time_mono_us();
	if (tlog_root_hex(t, (uint64_t)n - 1, root) != 0)
		goto out;
	int64_t c3 = time_mono_us();
	printf("  at %ld entries: signed checkpoint %.2f ms, consistency proof %.2f ms (%zu hashes),"
	       " root of an earlier size %.2f ms\n", n, (double)(c1 - c0) / 1000.0,
	       (double)(c2 - c1) / 1000.0, json_array_size(proof), (double)(c3 - c2) / 1000.0);
	json_decref(proof);
	json_decref(job.made);
	rc = 0;
out:
	pki_identity_free(ident);
	tlog_close(t);
	db_close(d);
	static const char *const files[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char side[600];
		snprintf(side, sizeof(side), "%s%s", path, files[i]);
		remove(side);
	}
	return rc;
}

/* ---- one federation run --------------------------------------------- */

struct result {
	double p50, p95, p99, lps, p50_load, p99_load;
	long errors;
	double cpu_ms;               /* the daemons' CPU time per lookup under load */
	double role_cpu_ms[ROLE_COUNT]; /* the same per role (a partner: their mean) */
	double role_switches[ROLE_COUNT]; /* context switches per lookup, per role */
	double role_commits[ROLE_COUNT]; /* durable commits per lookup (-1: unknown) */
	struct floor_sizes sizes;    /* bytes of each hop, as the daemons counted them */
	struct floor_result floor;   /* the bare nng fan-out with those sizes, all rounds */
	double crypto_ms;            /* one lookup's crypto, the rounds' mean */
	double ratio, ratio_lo, ratio_hi; /* CPU / floor: the rounds' median and range */
	struct floor_result split;   /* the same fan-out, the relay and each partner a process */
	struct floor_result paced;   /* that at the federation's own pace */
	double split_ratio, paced_ratio; /* CPU / (crypto + either): the rounds' median */
	int rounds;
#ifdef BENCH_RELAY
	struct relay_result relay;   /* the same through Mosquitto */
#endif
};

/* What a process has used so far: CPU time and context switches (over its
 * threads alive now; the daemons' threads live as long as they do). */
struct usage {
	double cpu_s;
	double switches;
	double commits; /* durable transactions (one disk flush each) */
};

/* The metrics port of each role's daemon (a partner: the first). */
static int role_metrics_port(const struct fed *f, enum role r)
{
	return f->base_port + (r == ROLE_REQUESTER ? 97 : r == ROLE_BROKER ? 98 : 99);
}

/* The commits a daemon counted so far (-1 when /metrics does not answer). */
static double commits_of(int port)
{
	char *m = fed_http_get(port, "/metrics");
	double v = m ? fed_metric_sum(m, "wijknet_db_commits_total ") : -1;
	free(m);
	return v;
}

/* Usage per role now: the requester (node 0), the broker, all partners. */
static void fed_usage(const struct fed *f, struct usage u[ROLE_COUNT])
{
	u[ROLE_REQUESTER] = (struct usage){ bench_cpu_of(f->nodes[0]), bench_switches_of(f->nodes[0]),
					    0 };
	u[ROLE_BROKER] = (struct usage){ bench_cpu_of(f->broker), bench_switches_of(f->broker), 0 };
	u[ROLE_PARTNER] = (struct usage){ 0, 0, 0 };
	for (size_t i = 1; i < f->n; i++) {
		u[ROLE_PARTNER].cpu_s += bench_cpu_of(f->nodes[i]);
		u[ROLE_PARTNER].switches += bench_switches_of(f->nodes[i]);
	}
	for (int r = 0; r < ROLE_COUNT; r++)
		u[r].commits = commits_of(role_metrics_port(f, (enum role)r));
}

/* Per lookup and role between two readings; a partner's is their mean. */
static void usage_per_lookup(const struct usage a[ROLE_COUNT], const struct usage b[ROLE_COUNT],
			     size_t lookups, size_t partners, struct result *res)
{
	for (int r = 0; r < ROLE_COUNT; r++) {
		double div = (double)lookups * (r == ROLE_PARTNER && partners ? (double)partners : 1);
		res->role_cpu_ms[r] = lookups ? (b[r].cpu_s - a[r].cpu_s) * 1000.0 / div : 0;
		res->role_switches[r] = lookups ? (b[r].switches - a[r].switches) / div : 0;
		/* the first partner's alone: per lookup, not divided */
		res->role_commits[r] = lookups && a[r].commits >= 0 && b[r].commits >= 0
					       ? (b[r].commits - a[r].commits) / (double)lookups
					       : -1;
	}
}

/* Every daemon of the federation: broker and nodes. */
static double fed_cpu_seconds(const struct fed *f)
{
	double s = bench_cpu_of(f->broker);
	for (size_t i = 0; i < f->n; i++)
		s += bench_cpu_of(f->nodes[i]);
	return s;
}

/* The mean size of a (kind, type) message and of its answer, from /metrics. */
static int metric_sizes(int port, const char *kind, const char *type, size_t *in, size_t *out)
{
	char *m = fed_http_get(port, "/metrics"), pfx[160];
	if (m == NULL)
		return -1;
	snprintf(pfx, sizeof(pfx), "wijknet_messages_total{kind=\"%s\",type=\"%s\",outcome=\"ok\"}",
		 kind, type);
	double count = fed_metric_sum(m, pfx);
	snprintf(pfx, sizeof(pfx), "wijknet_message_bytes_total{kind=\"%s\",type=\"%s\","
		 "direction=\"in\"}", kind, type);
	double bin = fed_metric_sum(m, pfx);
	snprintf(pfx, sizeof(pfx), "wijknet_message_bytes_total{kind=\"%s\",type=\"%s\","
		 "direction=\"out\"}", kind, type);
	double bout = fed_metric_sum(m, pfx);
	free(m);
	if (count <= 0)
		return -1;
	*in = (size_t)(bin / count);
	*out = (size_t)(bout / count);
	return 0;
}

/* Lays out a federation with durable logging on or off and quiet logs. */
static int fed_setup_bench(struct fed *f, const char **ids, size_t n, int durable)
{
	if (fed_setup(f, ids, n) != 0)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char cfg[128];
		snprintf(cfg, sizeof(cfg), "%s.json", i < n ? f->ids[i] : "broker");
		if (fed_config_edit(f, cfg, "durable_log", durable ? "true" : "false") != 0 ||
		    fed_config_edit(f, cfg, "log_level", "\"warn\"") != 0)
			return -1;
	}
	/* the broker and the first partner count their messages' bytes; they
	 * and the requester their commits */
	char addr[64];
	snprintf(addr, sizeof(addr), "\"127.0.0.1:%d\"", f->base_port + 98);
	if (fed_config_edit(f, "broker.json", "metrics", addr) != 0)
		return -1;
	snprintf(addr, sizeof(addr), "\"127.0.0.1:%d\"", f->base_port + 97);
	char cfg0[128];
	snprintf(cfg0, sizeof(cfg0), "%s.json", f->ids[0]);
	if (fed_config_edit(f, cfg0, "metrics", addr) != 0)
		return -1;
	snprintf(addr, sizeof(addr), "\"127.0.0.1:%d\"", f->base_port + 99);
	char cfg1[128];
	snprintf(cfg1, sizeof(cfg1), "%s.json", f->ids[1]);
	return fed_config_edit(f, cfg1, "metrics", addr);
}

/* The floor's parameters for this federation: the sizes its daemons
 * counted, one of its certificates, ports past its own. */
static int floor_params_of(struct fed *f, int n, int threads, int seconds, struct result *res,
			   char paths[3][512], struct floor_params *p)
{
	struct floor_sizes *z = &res->sizes;
	if (metric_sizes(f->base_port + 98, "broker", "lookup", &z->req, &z->back) != 0 ||
	    metric_sizes(f->base_port + 99, "inbound", "lookup", &z->part, &z->answer) != 0) {
		fprintf(stderr, "bench: message sizes not readable from /metrics\n");
		return -1;
	}
	fed_file(f, "ca/broker.pem", paths[0], 512);
	fed_file(f, "ca/ca.crt", paths[1], 512);
	fed_file(f, "ca/crl.pem", paths[2], 512);
	/* the floor at port..port+1+n, the one of processes at port+60..port+61+n */
	int port = f->base_port + 261 + n < 32700 ? f->base_port + 200 : f->base_port - 300;
	*p = (struct floor_params){ n, port, threads, seconds, paths[0], paths[1], paths[2],
				    "broker", *z, 0, 0 };
	return 0;
}

#ifdef BENCH_RELAY
/* The same fan-out through Mosquitto, once, after the rounds. */
static int measure_relay(struct fed *f, const struct floor_params *fp, struct result *res)
{
	struct relay_params rp = { fp->n, fp->port - 10, fp->threads, fp->seconds,
				   res->sizes.part, res->sizes.answer };
	if (relay_measure(f, &rp, bench_cpu_of, &res->relay) != 0) {
		fprintf(stderr, "bench: the Mosquitto relay did not run\n");
		return -1;
	}
	return 0;
}
#endif

/* Stops the broker, fills its audit log to entries, and starts it again: a
 * run on a log as long as years of use make it. */
static int prefill_audit(struct fed *f, long entries)
{
	char path[512], err[256], origin[128] = "wijknet:broker:audit_log";
	db *d = NULL;
	tlog *t = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	fed_stop(&f->broker, SIGTERM);
	fed_file(f, "data/broker.db", path, sizeof(path));
	if (db_open(path, NULL, 0, &d, err, sizeof(err)) != 0)
		goto out;
	if (db_prepare(d, "SELECT origin FROM audit_log_checkpoints LIMIT 1", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(origin, sizeof(origin), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	long have = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log");
	if (have < 0 || tlog_open(d, "audit_log", origin, &t) != 0 ||
	    log_fill(d, t, have, entries - have) != 0)
		goto out;
	rc = 0;
out:
	tlog_close(t);
	db_close(d);
	if (rc != 0)
		fprintf(stderr, "bench: cannot fill the broker's audit log (%s)\n", path);
	if (rc == 0 && (fed_start_broker(f) != 0 || fed_wait_up(f, 0, f->n - 1, 60000) != 0)) {
		fprintf(stderr, "bench: the broker did not come back with its long log\n");
		rc = -1;
	}
	return rc;
}

/* Lookups under load for seconds; their latencies are added to all.
 * Returns how many succeeded. */
static long load_round(const char *url, int threads, double seconds, double *all, size_t *nall,
		       long *errors)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct load *loads = calloc((size_t)threads, sizeof(*loads));
	pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
	long done = 0;
	int64_t until = time_mono_us() + (int64_t)(seconds * 1e6);
	for (int t = 0; loads != NULL && tids != NULL && t < threads; t++) {
		snprintf(loads[t].url, sizeof(loads[t].url), "%s", url);
		loads[t].until_us = until;
		loads[t].lock = &lock;
		loads[t].all = all;
		loads[t].nall = nall;
		pthread_create(&tids[t], NULL, load_main, &loads[t]);
	}
	for (int t = 0; loads != NULL && tids != NULL && t < threads; t++) {
		pthread_join(tids[t], NULL);
		*errors += loads[t].errors;
		done += loads[t].done;
	}
	free(loads);
	free(tids);
	return done;
}

/* What one round measured: the federation's lookups and CPU, then the
 * floor's fan-outs and crypto right after, on the same machine state. */
struct round {
	long lookups;
	double cpu_s, secs;
	struct floor_result floor, split, paced;
	double crypto_ms;
};

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Which floor of a round: in this process, in processes, in processes at
 * the federation's pace. */
enum floor_kind { FLOOR_IN_PROCESS, FLOOR_PROCESSES, FLOOR_PACED };

static const struct floor_result *round_floor(const struct round *rd, enum floor_kind k)
{
	return k == FLOOR_IN_PROCESS ? &rd->floor : k == FLOOR_PROCESSES ? &rd->split : &rd->paced;
}

/* One floor over the rounds: fan-outs, CPU and time in all, the per-role
 * figures weighted by fan-outs; ratio[r], the round's wijknet CPU per
 * lookup over its crypto plus this floor. */
static void floor_rounds(const struct round *rd, int rounds, enum floor_kind k,
			 struct floor_result *out, double *ratio)
{
	double secs = 0;
	memset(out, 0, sizeof(*out));
	for (int r = 0; r < rounds; r++) {
		const struct floor_result *f = round_floor(&rd[r], k);
		double w = (double)f->fanouts;
		out->fanouts += f->fanouts;
		out->cpu_s += f->cpu_s;
		secs += w / f->fanouts_per_s;
		out->relay_cpu_ms += f->relay_cpu_ms * w;
		out->relay_switches += f->relay_switches * w;
		out->partner_cpu_ms += f->partner_cpu_ms * w;
		out->partner_switches += f->partner_switches * w;
		ratio[r] = rd[r].cpu_s * 1000.0 / (double)rd[r].lookups /
			   (rd[r].crypto_ms + f->cpu_ms_per_fanout);
	}
	double all = (double)out->fanouts;
	out->cpu_ms_per_fanout = out->cpu_s * 1000.0 / all;
	out->fanouts_per_s = all / secs;
	out->relay_cpu_ms /= all;
	out->relay_switches /= all;
	out->partner_cpu_ms /= all;
	out->partner_switches /= all;
}

/* Sums the rounds into res: CPU and throughput over all of them, the
 * floor's parts as their means, the ratio as the median of the rounds'. */
static void rounds_sum(const struct round *rd, int rounds, struct result *res)
{
	long lookups = 0;
	double cpu = 0, secs = 0, crypto = 0, ratio[WN_BENCH_ROUNDS_MAX];
	for (int r = 0; r < rounds; r++) {
		lookups += rd[r].lookups;
		cpu += rd[r].cpu_s;
		secs += rd[r].secs;
		crypto += rd[r].crypto_ms;
	}
	res->cpu_ms = cpu * 1000.0 / (double)lookups;
	res->lps = (double)lookups / secs;
	res->crypto_ms = crypto / rounds;
	floor_rounds(rd, rounds, FLOOR_PROCESSES, &res->split, ratio);
	res->split_ratio = median_of(ratio, rounds);
	floor_rounds(rd, rounds, FLOOR_PACED, &res->paced, ratio);
	res->paced_ratio = median_of(ratio, rounds);
	floor_rounds(rd, rounds, FLOOR_IN_PROCESS, &res->floor, ratio);
	res->ratio = median_of(ratio, rounds);
	res->ratio_lo = ratio[0];
	res->ratio_hi = ratio[rounds - 1];
	res->rounds = rounds;
}

/* The floor in processes at a given pace (the federation's own, measured). */
static int floor_load_paced(struct floor_run *fr, const struct floor_params *p, double pace,
			    double seconds, struct floor_result *out)
{
	struct floor_params q = *p;
	q.pace = pace;
	return floor_load(fr, &q, seconds, out);
}

/* The load in rounds, each followed by the floor: a shared machine that
 * speeds up or slows down moves a round's two sides alike, so each round
 * gives a ratio and the median of them is reported. */
static int measure_rounds(struct fed *f, const char *url, int n, int threads, int seconds,
			  struct result *res)
{
	int rounds = getenv("WN_BENCH_ROUNDS") ? atoi(getenv("WN_BENCH_ROUNDS")) : 4;
	rounds = rounds < 1 ? 1 : rounds > WN_BENCH_ROUNDS_MAX ? WN_BENCH_ROUNDS_MAX : rounds;
	double secs = (double)seconds / rounds < 0.5 ? 0.5 : (double)seconds / rounds;
	char paths[3][512];
	struct floor_params fp;
	struct round rd[WN_BENCH_ROUNDS_MAX];
	struct usage zero[ROLE_COUNT], acc[ROLE_COUNT];
	memset(zero, 0, sizeof(zero));
	memset(acc, 0, sizeof(acc));
	if (floor_params_of(f, n, threads, seconds, res, paths, &fp) != 0)
		return -1;
	struct floor_params sp = fp;
	sp.procs = 1;
	sp.port = fp.port + 60; /* past the in-process floor's relay and partners */
	struct floor_run *fr = floor_open(&fp), *sr = floor_open(&sp);
	double *all = calloc(MAX_SAMPLES, sizeof(double));
	size_t nall = 0, lookups = 0;
	int rc = -1;
	if (fr == NULL || sr == NULL || all == NULL) {
		fprintf(stderr, "bench: the bare nng fan-out did not start\n");
		goto out;
	}
	res->errors = 0;
	for (int r = 0; r < rounds; r++) {
		struct usage u0[ROLE_COUNT], u1[ROLE_COUNT];
		struct crypto_rates cr;
		fed_usage(f, u0);
		double cpu0 = fed_cpu_seconds(f);
		int64_t t0 = time_mono_us();
		rd[r].lookups = load_round(url, threads, secs, all, &nall, &res->errors);
		rd[r].secs = (double)(time_mono_us() - t0) / 1e6;
		rd[r].cpu_s = fed_cpu_seconds(f) - cpu0;
		fed_usage(f, u1);
		for (int k = 0; k < ROLE_COUNT; k++) {
			acc[k].cpu_s += u1[k].cpu_s - u0[k].cpu_s;
			acc[k].switches += u1[k].switches - u0[k].switches;
			acc[k].commits += u1[k].commits - u0[k].commits;
		}
		if (rd[r].lookups == 0 || floor_load(fr, &fp, secs, &rd[r].floor) != 0 ||
		    floor_load(sr, &sp, secs, &rd[r].split) != 0 ||
		    floor_load_paced(sr, &sp, (double)rd[r].lookups / rd[r].secs, secs,
				     &rd[r].paced) != 0 ||
		    crypto_measure(paths[0], 50000, &cr) != 0) {
			fprintf(stderr, "bench: round %d of N=%d did not run\n", r + 1, n);
			goto out;
		}
		rd[r].crypto_ms = crypto_cost(&cr, n) * 1000.0;
		lookups += (size_t)rd[r].lookups;
	}
	rounds_sum(rd, rounds, res);
	usage_per_lookup(zero, acc, lookups, f->n - 1, res);
	qsort(all, nall, sizeof(double), cmp_double);
	res->p50_load = pct(all, nall, 0.50);
	res->p99_load = pct(all, nall, 0.99);
	rc = 0;
out:
	floor_close(fr);
	floor_close(sr);
	free(all);
#ifdef BENCH_RELAY
	if (rc == 0)
		rc = measure_relay(f, &fp, res);
#endif
	return rc;
}

static int run(int n, int durable, long prefill, int threads, int seconds, struct result *res)
{
	struct fed f;
	const char **ids = calloc((size_t)n + 1, sizeof(char *));
	char (*names)[24] = calloc((size_t)n + 1, 24);
	ids[0] = "requester";
	for (int i = 1; i <= n; i++) {
		snprintf(names[i], 24, "partner-%02d", i);
		ids[i] = names[i];
	}
	int rc = -1;
	/* a federation that does not come up (a port taken meanwhile) is laid
	 * out once more on other ports */
	for (int attempt = 1;; attempt++) {
		if (fed_setup_bench(&f, ids, (size_t)n + 1, durable) != 0)
			goto out;
		if (fed_start_all(&f, 60000) == 0)
			break;
		fprintf(stderr, "bench: federation of %d did not come up (%s)%s\n", n, f.dir,
			attempt < 2 ? "; again on other ports" : "");
		fed_teardown(&f);
		if (attempt == 2)
			goto out;
	}

	/* every partner knows half of the people */
	for (size_t i = 1; i < f.n; i++) {
		char url[512];
		wn_client *c = NULL;
		fed_socket(&f, i, url, sizeof(url));
		if (wn_client_open(&c, url) != 0)
			goto out;
		for (int k = 0; k < 8; k += 2) {
			wn_record r = { bench_bsns[(k + i) % 8], "leefgebied.huisvesting",
					"{\"bench\":true}", "bench", NULL };
			wn_record_put(c, &r);
		}
		wn_client_close(c);
	}
	if (prefill > 0 && prefill_audit(&f, prefill) != 0)
		goto out;
	char url[512];
	fed_socket(&f, 0, url, sizeof(url));
	wn_client *c = NULL;
	if (wn_client_open(&c, url) != 0)
		goto out;
	for (int k = 0; k < 20; k++) /* warm-up */
		one_lookup(c, (unsigned)k);
	int samples = n >= 50 ? 100 : 300;
	double *lat = calloc((size_t)samples, sizeof(double));
	int got = 0;
	for (int k = 0; k < samples; k++) {
		int64_t t0 = time_mono_us();
		if (one_lookup(c, (unsigned)k) == 0)
			lat[got++] = (double)(time_mono_us() - t0) / 1000.0;
	}
	wn_client_close(c);
	qsort(lat, (size_t)got, sizeof(double), cmp_double);
	res->p50 = pct(lat, (size_t)got, 0.50);
	res->p95 = pct(lat, (size_t)got, 0.95);
	res->p99 = pct(lat, (size_t)got, 0.99);
	free(lat);

	if (measure_rounds(&f, url, n, threads, seconds, res) != 0)
		goto out;
	rc = 0;
out:
	fed_teardown(&f);
	free(ids);
	free(names);
	return rc;
}

/* The floor of one lookup, in CPU ms: the rounds' mean. */
static double floor_ms(const struct result *r)
{
	return r->crypto_ms + r->floor.cpu_ms_per_fanout;
}

static void print_row(int n, const char *logs, const struct result *r,
		      const struct crypto_rates *cr, long cores)
{
	/* the roles' shares of the crypto at the rates of the rounds */
	double scale = r->crypto_ms / (crypto_cost(cr, n) * 1000.0);
	printf("%-4d %-8s %8.2f %8.2f %9.1f %10.2f | %9.2f %9.2f %9.2f %9.2f | %6.2fx\n", n, logs,
	       r->p50, r->p99, r->lps, r->p50_load, r->cpu_ms, r->crypto_ms,
	       r->floor.cpu_ms_per_fanout, floor_ms(r), r->ratio);
	printf("     ratio in %d rounds of load, each followed by the floor: median %.2fx, "
	       "%.2f-%.2fx\n", r->rounds, r->ratio, r->ratio_lo, r->ratio_hi);
	printf("     bare nng fan-out alone: %.0f lookups/s on these %ld cores\n",
	       r->floor.fanouts_per_s, cores);
	printf("     the same with the relay and each partner in a process of its own, as a "
	       "federation runs: %.2f ms CPU, %.0f lookups/s; ratio against crypto + it: %.2fx\n",
	       r->split.cpu_ms_per_fanout, r->split.fanouts_per_s, r->split_ratio);
	printf("     of it, and context switches: relay %.2f, %.0f; each partner %.2f, %.0f\n",
	       r->split.relay_cpu_ms, r->split.relay_switches, r->split.partner_cpu_ms,
	       r->split.partner_switches);
	printf("     that at wijknet's pace (%.0f lookups/s): %.2f ms CPU; relay %.2f, %.0f; each "
	       "partner %.2f, %.0f; ratio against crypto + it: %.2fx\n", r->paced.fanouts_per_s,
	       r->paced.cpu_ms_per_fanout, r->paced.relay_cpu_ms, r->paced.relay_switches,
	       r->paced.partner_cpu_ms, r->paced.partner_switches, r->paced_ratio);
	printf("     CPU ms per lookup (of it crypto) and context switches:");
	for (int k = 0; k < ROLE_COUNT; k++)
		printf("%s %s %.2f (%.2f), %.0f", k ? ";" : "", role_names[k], r->role_cpu_ms[k],
		       crypto_role(cr, n, (enum role)k) * 1000.0 * scale, r->role_switches[k]);
	printf("\n     durable commits (disk flushes) per lookup:");
	for (int k = 0; k < ROLE_COUNT; k++)
		printf("%s %s %.2f", k ? "," : "", k == ROLE_PARTNER ? "a partner" : role_names[k],
		       r->role_commits[k]);
	printf("\n");
	if (r->errors)
		printf("     (%ld lookups failed or had unavailable partners)\n", r->errors);
#ifdef BENCH_RELAY
	printf("     Mosquitto 2.0 relay, mutual TLS, QoS 0: %.0f lookups/s, CPU %.2f ms per lookup;"
	       " wijknet / relay: %.2fx%s\n", r->relay.lookups_per_s, r->relay.cpu_ms_per_lookup,
	       r->cpu_ms / r->relay.cpu_ms_per_lookup, r->relay.failed ? " (some timed out)" : "");
#endif
}

/* The aged log against a new one. Only the broker's log is aged, so the
 * other daemons' CPU per lookup moving between the two runs is the machine
 * drifting; dividing it out leaves what the long log itself costs. */
static void print_aged(long entries, const struct result *fresh, const struct result *aged, int n)
{
	double others_new = fresh->role_cpu_ms[ROLE_REQUESTER] + n * fresh->role_cpu_ms[ROLE_PARTNER];
	double others_aged = aged->role_cpu_ms[ROLE_REQUESTER] + n * aged->role_cpu_ms[ROLE_PARTNER];
	double drift = others_new > 0 ? others_aged / others_new : 1;
	double broker = fresh->role_cpu_ms[ROLE_BROKER] > 0
				? aged->role_cpu_ms[ROLE_BROKER] / fresh->role_cpu_ms[ROLE_BROKER]
				: 0;
	printf("throughput with the broker's audit log at %ld entries / with a new one, N=%d: "
	       "%.2f (target >= 0.95)\n", entries, n, aged->lps / fresh->lps);
	printf("     the other daemons' CPU per lookup moved %.2fx between the runs (the machine);"
	       " corrected for it, throughput %.2f and the broker's CPU per lookup %.2fx\n",
	       drift, aged->lps / fresh->lps * drift, drift > 0 ? broker / drift : 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], FLOOR_SERVE_ARG) == 0)
		return floor_serve(argc - 2, argv + 2);
	signal(SIGPIPE, SIG_IGN);
	int threads = getenv("WN_BENCH_THREADS") ? atoi(getenv("WN_BENCH_THREADS")) : 8;
	int seconds = getenv("WN_BENCH_SECONDS") ? atoi(getenv("WN_BENCH_SECONDS")) : 4;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	printf("wijknet bench — lookups over mutual TLS on 127.0.0.1, %ld cores, %d client threads, "
	       "%d s under load\n", cores, threads, seconds);

	/* the crypto ceiling on this machine, with a real P-256 key of the CA tool */
	struct fed tmp;
	const char *one[] = { "ceiling" };
	struct crypto_rates cr = { 0 };
	char pem[512];
	if (fed_setup(&tmp, one, 1) != 0)
		return 1;
	fed_file(&tmp, "ca/ceiling.pem", pem, sizeof(pem));
	if (crypto_measure(pem, 400000, &cr) != 0)
		return 1;

	printf("\ncrypto on one core: sign %.0f/s  verify %.0f/s  seal %.0f/s  open %.0f/s "
	       "(ECDSA P-256, HPKE X25519/AES-128-GCM)\n", cr.sign, cr.verify, cr.seal, cr.open);
	long merkle_n = getenv("WN_BENCH_MERKLE") ? atol(getenv("WN_BENCH_MERKLE")) : 1000000;
	if (merkle_n > 0 && merkle_bench(tmp.dir, merkle_n, pem) != 0) {
		fprintf(stderr, "bench: the Merkle log benchmark failed\n");
		return 1;
	}
	fed_teardown(&tmp);

	/* BENCH_N="10 50" picks the partner counts (default 1, 10 and 50) */
	int sizes[8], nsizes = 0;
	const char *bn = getenv("BENCH_N") ? getenv("BENCH_N") : "1 10 50";
	for (char *end = NULL; nsizes < 8; bn = end) {
		long v = strtol(bn, &end, 10);
		if (end == bn)
			break;
		if (v >= 1 && v <= FED_MAX - 1)
			sizes[nsizes++] = (int)v;
	}
	struct result res[8];
	printf("\nfloor = the crypto of one lookup at this machine's OpenSSL speed + the same fan-out "
	       "with the same\nmessage sizes over bare nng 1.5 with mutual TLS and callback servers "
	       "(no policy, logs or signatures)\n");
	printf("\n%-4s %-8s %8s %8s %9s %10s | %9s %9s %9s %9s | %7s\n", "N", "logs", "p50 ms",
	       "p99 ms", "lookups/s", "p50 load", "CPU ms", "crypto ms", "nng ms", "floor ms",
	       "ratio");
	double per_answer[8] = { 0 };
	for (int i = 0; i < nsizes; i++) {
		int n = sizes[i];
		if (run(n, 1, 0, threads, seconds, &res[i]) != 0)
			return 1;
		print_row(n, "durable", &res[i], &cr, cores);
		per_answer[i] = res[i].cpu_ms / n;
	}
	for (int i = 0; i < nsizes; i++)
		printf("N=%-3d bytes per lookup: requester→broker %zu, broker→each partner %zu, each "
		       "answer %zu, broker→requester %zu\n", sizes[i], res[i].sizes.req,
		       res[i].sizes.part, res[i].sizes.answer, res[i].sizes.back);
	for (int i = 0, k10 = -1; i < nsizes; i++) {
		if (sizes[i] == 10)
			k10 = i;
		if (sizes[i] == 50 && k10 >= 0)
			printf("CPU per answer at N=50 / at N=10: %.2f (target <= 1.1)\n",
			       per_answer[i] / per_answer[k10]);
	}
	/* BENCH_N alone runs those sizes; with WN_BENCH_AGED, the aged run too */
	int only = getenv("WN_BENCH_ONLY") != NULL || getenv("BENCH_N") != NULL;
	struct result fast, aged;
	if (!only && run(10, 0, 0, threads, seconds, &fast) != 0)
		return 1;
	if (!only)
		print_row(10, "off", &fast, &cr, cores);
	long aged_n = getenv("WN_BENCH_AGED") ? atol(getenv("WN_BENCH_AGED")) : only ? 0 : 1000000;
	if (aged_n > 0) {
		if (run(10, 1, aged_n, threads, seconds, &aged) != 0)
			return 1;
		print_row(10, "aged", &aged, &cr, cores);
		for (int i = 0; i < nsizes; i++)
			if (sizes[i] == 10)
				print_aged(aged_n, &res[i], &aged, 10);
	}
	for (int i = 0; i < nsizes; i++)
		if (sizes[i] == 10) {
			if (!only)
				printf("\ndurable / non-durable throughput at N=10: %.2f\n",
				       res[i].lps / fast.lps);
			printf("targets at N=10 on 2 cores: CPU <= 1.8 x floor (%s), >= 130 lookups/s "
			       "under load (%s), p50 unloaded <= 10 ms (%s)\n",
			       res[i].ratio <= 1.8 ? "met" : "NOT met",
			       res[i].lps >= 130 ? "met" : "NOT met", res[i].p50 <= 10 ? "met" : "NOT met");
		}
	return 0;
}
