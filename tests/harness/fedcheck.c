/*
 * fedcheck.c — helpers for the integration tests built on cmocka: queries on
 * a federation's databases, its logs, the CLI as a professional runs it, and
 * clients of the C API. See fedcheck.h.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "encoding.h"
#include "envelope.h"
#include "fedcheck.h"
#include "hpke.h"
#include "fileio.h"
#include "ids.h"
#include "pki.h"
#include "transport.h"

/* fed_db_count with a formatted query. */
long dbq(struct fed *f, const char *db_rel, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return fed_db_count(f, db_rel, sql);
}

long dbq_wait(struct fed *f, const char *db_rel, long want, int timeout_ms, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	int64_t end = time_mono_ms() + timeout_ms;
	long got = fed_db_count(f, db_rel, sql);
	while (got != want && time_mono_ms() < end) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
		got = fed_db_count(f, db_rel, sql);
	}
	return got;
}

/* A valid BSN from an eight-digit prefix, or 0 when no check digit fits. */
int bsn_from_prefix(long prefix, char out[10])
{
	snprintf(out, 10, "%08ld", prefix);
	int sum = 0;
	for (int i = 0; i < 8; i++)
		sum += (out[i] - '0') * (9 - i);
	int d9 = sum % 11;
	if (d9 > 9 || prefix <= 0 || prefix > 99999999)
		return 0;
	out[8] = (char)('0' + d9);
	out[9] = '\0';
	return 1;
}

/* The first valid BSN at or after prefix (eight digits). */
void bsn_at(long prefix, char out[10])
{
	while (!bsn_from_prefix(prefix, out))
		prefix++;
}

/* Reads a whole file; *len = 0 and buf = NULL when it does not exist. */
char *slurp(struct fed *f, const char *rel, size_t *len)
{
	char path[512], *buf = NULL;
	fed_file(f, rel, path, sizeof(path));
	*len = 0;
	if (file_read_all(path, 512 << 20, &buf, len) != 0)
		return NULL;
	return buf;
}

int bytes_contain(const char *hay, size_t hlen, const void *needle, size_t nlen)
{
	if (hay == NULL || nlen == 0 || nlen > hlen)
		return 0;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (hay[i] == *(const char *)needle && memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* Number of lines of logs/NAME.log containing both needles. */
int log_count(struct fed *f, const char *name, const char *n1, const char *n2)
{
	char rel[128];
	size_t len;
	snprintf(rel, sizeof(rel), "logs/%s.log", name);
	char *text = slurp(f, rel, &len), *line, *save = NULL;
	int count = 0;
	if (text == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		count += strstr(line, n1) != NULL && (n2 == NULL || strstr(line, n2) != NULL);
	free(text);
	return count;
}

/* One base64 key of a node's key file (data/ID.db.keys). */
void node_key(struct fed *f, const char *id, const char *name, uint8_t out[32])
{
	char path[512];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/data/%s.db.keys", f->dir, id);
	json_t *root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		print_error("cannot read %s: %s\n", path, jerr.text);
	assert_non_null(root);
	const char *b64 = json_string_value(json_object_get(root, name));
	assert_non_null(b64);
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	assert_int_equal(b64_decode(b64, 64, &raw, &rawlen), 0);
	assert_int_equal(rawlen, 32);
	memcpy(out, raw, 32);
	free(raw);
	json_decref(root);
}

/* The node's pseudonym of a BSN, as the design defines it. */
void pseudonym(const uint8_t key[32], const char *bsn, uint8_t out[32])
{
	unsigned int len = 0;
	assert_non_null(HMAC(EVP_sha256(), key, 32, (const unsigned char *)bsn, strlen(bsn), out,
			     &len));
	assert_int_equal(len, 32);
}

/* Sets key of the broker registry entry of partner id (value: JSON text). */
int broker_partner_set(struct fed *f, const char *id, const char *key, const char *value)
{
	char path[512];
	json_error_t jerr;
	size_t i;
	json_t *p, *root;
	int found = 0;
	fed_file(f, "broker.json", path, sizeof(path));
	if ((root = json_load_file(path, 0, &jerr)) == NULL)
		return -1;
	json_array_foreach(json_object_get(root, "partners"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0) {
			json_t *v = json_loads(value, JSON_DECODE_ANY, &jerr);
			if (v == NULL)
				break;
			json_object_set_new(p, key, v);
			found = 1;
		}
	}
	int rc = found ? json_dump_file(root, path, JSON_INDENT(2)) : -1;
	json_decref(root);
	return rc;
}

wn_client *client_of(struct fed *f, size_t i)
{
	char url[512];
	wn_client *c = NULL;
	fed_socket(f, i, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	assert_int_equal(wn_client_set_timeout(c, 20000), 0);
	return c;
}

void dbexec(struct fed *f, const char *db_rel, const char *sql)
{
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, db_rel, path, sizeof(path));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", db_rel, sqlite3_errmsg(db));
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

void status_at(struct fed *f, size_t i, const char *id, char *out, size_t cap)
{
	wn_client *c = client_of(f, i);
	wn_partner_list *l = NULL;
	out[0] = '\0';
	if (wn_directory(c, &l) == 0) {
		for (size_t k = 0; k < l->count; k++)
			if (strcmp(l->items[k].id, id) == 0)
				snprintf(out, cap, "%s", l->items[k].status);
		wn_partner_list_free(l);
	}
	wn_client_close(c);
}

int status_wait(struct fed *f, size_t i, const char *id, const char *status, int timeout_ms)
{
	int64_t end = time_mono_ms() + timeout_ms;
	char s[32];
	for (;;) {
		status_at(f, i, id, s, sizeof(s));
		if (strcmp(s, status) == 0)
			return 0;
		if (time_mono_ms() > end) {
			print_error("%s is '%s', not '%s', at node %zu after %d ms\n", id, s, status,
				    i, timeout_ms);
			return -1;
		}
		sleep_ms(100);
	}
}

const char FED_MOTIVATION[] =
	"{\"interest\":\"serious_harm\",\"subsidiarity\":\"Een gesprek met de client is niet "
	"mogelijk gebleken\",\"proportionality\":\"Alleen wat voor het plan nodig is wordt "
	"gevraagd\",\"exception\":\"client_protection\"}";

int write_lookup_motivation(struct fed *f)
{
	return write_file(f, "lookup-m.json", FED_MOTIVATION);
}

void raw_seal_to(struct fed *f, json_t *env, const char *to, const json_t *body)
{
	uint8_t sk[32], pk[32];
	node_key(f, to, "seal_sk", sk);
	assert_int_equal(hpke_public_from_private(sk, pk), 0);
	assert_int_equal(envelope_seal(env, to, pk, body), 0);
}

json_t *raw_as(struct fed *f, const char *from, json_t *env)
{
	struct raw_peer peer;
	char url[128], pem[128];
	json_t *reply = NULL;
	broker_url(f, url, sizeof(url));
	snprintf(pem, sizeof(pem), "ca/%s.pem", from);
	assert_int_equal(raw_open(f, &peer, pem, NULL, url, "broker"), 0);
	assert_int_equal(raw_send_env(&peer, env, 10000, &reply), 0);
	raw_close(&peer);
	assert_non_null(reply);
	return reply;
}

json_t *raw_open_as(struct fed *f, const char *self, const json_t *answer)
{
	uint8_t sk[32];
	json_t *opened = NULL;
	node_key(f, self, "seal_sk", sk);
	assert_int_equal(envelope_open(answer, self, sk, &opened), 0);
	return opened;
}

struct rogue {
	struct fed *f;
	pki_identity *ident;
	nng_tls_config *tls;
	rpc_server *srv;
	rogue_answer_fn answer;
	void *arg;
};

json_t *rogue_sign(struct rogue *r, const json_t *query, const char *type, const json_t *body,
		   const uint8_t *seal_pk)
{
	const char *from = envelope_str(query, "from");
	uint8_t sk[32], pk[32];
	json_t *a = NULL;
	if (seal_pk == NULL) {
		node_key(r->f, from, "seal_sk", sk);
		assert_int_equal(hpke_public_from_private(sk, pk), 0);
		seal_pk = pk;
	}
	assert_int_equal(envelope_new1(&a, type, r->ident->id, from), 0);
	envelope_set_str(a, "re", envelope_str(query, "id"));
	assert_int_equal(envelope_seal(a, from, seal_pk, body), 0);
	assert_int_equal(envelope_sign(a, r->ident->key), 0);
	return a;
}

static int rogue_handle(void *arg, const struct rpc_peer *peer, const void *req, size_t len,
			char **resp, size_t *resplen)
{
	struct rogue *r = arg;
	json_t *q = NULL, *a = NULL;
	char err[256];
	int rc = -1;
	(void)peer;
	if (envelope_parse(req, len, &q, err, sizeof(err)) == 0 &&
	    (a = r->answer(r, q, r->arg)) != NULL && envelope_encode(a, resp, resplen) == 0)
		rc = 0;
	json_decref(q);
	json_decref(a);
	return rc;
}

struct rogue *rogue_start(struct fed *f, size_t i, const char *id, rogue_answer_fn answer,
			  void *arg)
{
	char pem[512], ca[512], crl[512], rel[128], url[128], err[512];
	struct rogue *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->f = f;
	r->answer = answer;
	r->arg = arg;
	fed_stop(&f->nodes[i], SIGTERM);
	snprintf(rel, sizeof(rel), "ca/%s.pem", id);
	fed_file(f, rel, pem, sizeof(pem));
	fed_file(f, "ca/ca.crt", ca, sizeof(ca));
	fed_file(f, "ca/crl.pem", crl, sizeof(crl));
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", fed_port(f, i));
	assert_int_equal(pki_identity_load(pem, &r->ident, err, sizeof(err)), 0);
	if (transport_tls_config(&r->tls, 1, pem, ca, crl, NULL, err, sizeof(err)) != 0 ||
	    rpc_server_start(&r->srv, url, r->tls, NULL, 2, rogue_handle, r, err,
			     sizeof(err)) != 0)
		fail_msg("rogue %s at %s: %s", id, url, err);
	return r;
}

void rogue_stop(struct rogue *r)
{
	if (r == NULL)
		return;
	rpc_server_stop(r->srv);
	nng_tls_config_free(r->tls);
	pki_identity_free(r->ident);
	free(r);
}

int open_household_case(struct fed *f, size_t i, const char *cluster, const char *const *bsns,
			size_t n, const char *const *partners, char id[WN_ID_LEN + 1])
{
	static const wn_actor actor = { "wk-0042", "wijkcoach" };
	wn_case_params p;
	memset(&p, 0, sizeof(p));
	p.cluster = cluster;
	p.people = bsns;
	p.npeople = n;
	p.urgent_json = "{\"interest\":\"serious_harm\",\"explanation\":\"Dreigende "
			"huisuitzetting van het gezin\"}";
	p.actor = actor;
	wn_client *c = client_of(f, i);
	int rc = wn_case_open(c, &p, id);
	for (size_t k = 0; rc == 0 && partners != NULL && partners[k] != NULL; k++)
		rc = wn_case_join(c, id, partners[k], &actor);
	if (rc != 0)
		print_message("open household case: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

wn_lookup_result *lookup_by(struct fed *f, size_t i, const char *bsn, const wn_actor *actor)
{
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = bsn;
	p.purpose = "intake";
	p.ground = FED_LOOKUP_GROUND;
	p.motivation_json = FED_MOTIVATION;
	p.actor = *actor;
	wn_client *c = client_of(f, i);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	if (rc != 0)
		print_error("wn_lookup: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	assert_int_equal(rc, 0);
	return r;
}

/* Runs the CLI as node's professional; stdout in cli.out, stderr in cli.err. */
int cli(struct fed *f, const char *node, const char *args)
{
	char bin[512];
	fed_bin("wijknet", bin, sizeof(bin));
	int st = fed_sh(f, "'%s' --config %s.json %s >cli.out 2>cli.err", bin, node, args);
	/* under `make check` the CLI's own sanitizer reports land in cli.err */
	if (fed_sh(f, "grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' cli.err") == 0) {
		fprintf(stderr, "sanitizer report from: wijknet %s\n", args);
		fed_sh(f, "cat cli.err >&2");
		fed_sanitizer_reports++;
	}
	return st;
}

/* Whether the file rel holds needle; read here, not through a shell, so a
 * needle may hold any character (an apostrophe in a message). */
static int file_has(struct fed *f, const char *rel, const char *needle)
{
	size_t len = 0;
	char *text = slurp(f, rel, &len);
	int found = bytes_contain(text, len, needle, strlen(needle));
	free(text);
	return found;
}

int cli_err_has(struct fed *f, const char *needle)
{
	return file_has(f, "cli.err", needle);
}

int write_file(struct fed *f, const char *rel, const char *text)
{
	char path[512];
	fed_file(f, rel, path, sizeof(path));
	FILE *fp = fopen(path, "w");
	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

void broker_url(struct fed *f, char *out, size_t cap)
{
	snprintf(out, cap, "tls+tcp://127.0.0.1:%d", f->base_port);
}

int cli_out_has(struct fed *f, const char *needle)
{
	return file_has(f, "cli.out", needle);
}

int dbq_text(struct fed *f, const char *db_rel, char *out, size_t cap, const char *fmt, ...)
{
	char sql[2048], path[512];
	va_list ap;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	fed_file(f, db_rel, path, sizeof(path));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL) {
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

int fed_group_teardown(void **state)
{
	struct fed *f = *state;
	if (f != NULL && f->dir[0])
		fed_teardown(f);
	free(f);
	return 0;
}

int64_t fed_test_begin(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (getenv("WN_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WN_TEST_FILTER"));
	return time_mono_ms();
}

int fed_test_end(const char *name, int failed, int64_t t0)
{
	/* connections nng is still tearing down are reaped, not reported as leaks */
	nng_fini();
	fprintf(stderr, "%s: %lld ms\n", name, (long long)(time_mono_ms() - t0));
	if (fed_sanitizer_reports)
		fprintf(stderr, "%d sanitizer report(s) from the daemons or the CLI\n",
			fed_sanitizer_reports);
	return failed || fed_sanitizer_reports ? 1 : 0;
}

void db_exec_on(struct fed *f, const char *rel, const char *fmt, ...)
{
	char path[512], sql[2048], *err = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	sqlite3 *d = NULL;
	fed_file(f, rel, path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	if (sqlite3_exec(d, sql, NULL, NULL, &err) != SQLITE_OK)
		print_error("%s: %s: %s\n", rel, sql, err);
	assert_null(err);
	assert_true(sqlite3_changes(d) > 0 || strncmp(sql, "DELETE", 6) != 0);
	sqlite3_close(d);
}
