/*
 * test_federation.c — the foundation under real conditions: a broker and
 * partner nodes as separate processes over mutual TLS on 127.0.0.1, with
 * certificates from certs/wijknet-ca. Every refusal must be a specific error,
 * a JSON log line and a row in the security_events table (breach register).
 */
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <setjmp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "wijknet.h"
#include "envelope.h"
#include "secevent.h"
#include "transport.h"
#include "fedcheck.h"
#include "harness.h"
#include "ids.h"

static const char *const three[] = { "alcander", "radar", "xonar" };

static void node_url(struct fed *f, size_t i, char *out, size_t cap)
{
	snprintf(out, cap, "tls+tcp://127.0.0.1:%d", fed_port(f, i));
}

/* ---- a running federation shared by the refusal tests --------------- */

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	if (f == NULL || fed_setup(f, three, 3) != 0 || fed_start_all(f, 15000) != 0)
		return -1;
	*state = f;
	return 0;
}

/* Connects to the broker as radar, a valid member. */
static void radar_to_broker(struct fed *f, struct raw_peer *p)
{
	char url[128];
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, p, "ca/radar.pem", NULL, url, "broker"), 0);
	assert_int_equal(p->first_error, 0);
}

static json_t *radar_directory_get(void)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "directory.get", "radar", "broker"), 0);
	return env;
}

static void expect_refusal(struct fed *f, const char *db, const char *log, json_t *reply,
			   const char *kind)
{
	char sql[256];
	assert_non_null(reply);
	assert_string_equal(reply_error(reply), kind);
	snprintf(sql, sizeof(sql), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind = '%s'", kind);
	assert_true(fed_db_count(f, db, sql) >= 1);
	assert_true(fed_log_contains(f, log, "\"event\":\"security_event\""));
	char needle[96];
	snprintf(needle, sizeof(needle), "\"kind\":\"%s\"", kind);
	assert_true(fed_log_contains(f, log, needle));
}

static void test_r02_known_federation_health_all_up(void **state)
{
	struct fed *f = *state;
	char url[512];
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	fed_socket(f, 1, url, sizeof(url));
	struct stat st;
	assert_int_equal(stat(url + strlen("ipc://"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* the local API is the partner's own */
	assert_int_equal(wn_client_open(&c, url), 0);
	assert_int_equal(wn_health(c, &l), 0);
	assert_true(l->broker_up);
	assert_int_equal(l->count, 3);
	for (size_t i = 0; i < l->count; i++) {
		assert_string_equal(l->items[i].state, "up");
		assert_string_equal(l->items[i].status, "active");
		assert_true(l->items[i].rtt_ms >= 0);
	}
	wn_partner_list_free(l);
	assert_int_equal(wn_directory(c, &l), 0);
	assert_int_equal(l->count, 3);
	assert_string_equal(l->self, "radar");
	wn_partner_list_free(l);
	wn_client_close(c);
	/* the CLI is built on the same API */
	char bin[512];
	fed_bin("wijknet", bin, sizeof(bin));
	assert_int_equal(fed_sh(f, "'%s' --config radar.json health > health.txt", bin), 0);
	assert_int_equal(fed_sh(f, "grep -q '3 of 3 partners up' health.txt"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config radar.json health --json | grep -q '\"broker_up\": true'", bin), 0);
}

/* A number option that is not a whole number in its range is invalid
 * input (exit 2, JSON under --json), never silently the default. */
static void test_r02_known_cli_number_options_refused(void **state)
{
	struct fed *f = *state;
	char bin[512];
	fed_bin("wijknet", bin, sizeof(bin));
	assert_int_equal(fed_sh(f, "'%s' --config radar.json lookup --bsn 111222333 --purpose intake "
			 "--ground consent --deadline 2s 2>num.err", bin), 2);
	assert_int_equal(fed_sh(f, "grep -q -- \"--deadline '2s'\" num.err"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config radar.json report access --bsn 111222333 "
			 "--deadline 99999999 2>/dev/null", bin), 2);
	assert_int_equal(fed_sh(f, "'%s' --config radar.json duty assert --case c --bsn 111222333 "
			 "--to alcander --categories naw --motivation m.json --hours 0 2>/dev/null",
			 bin), 2);
	assert_int_equal(fed_sh(f, "'%s' --config radar.json request --case c --to alcander --bsn "
			 "111222333 --categories naw --purpose intake --ground consent --deadline x "
			 "--json > num.json 2>/dev/null", bin), 2);
	assert_int_equal(fed_sh(f, "grep -q '\"exit\": 2' num.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' audit prove data/radar.db --entry first 2>/dev/null", bin),
			 2);
	/* a usage error is JSON under --json too: a missing option, a missing value */
	assert_int_equal(fed_sh(f, "'%s' --config radar.json lookup --purpose intake --json "
			 "> usage.json 2>/dev/null", bin), 2);
	assert_int_equal(fed_sh(f, "grep -q '\"exit\": 2' usage.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config radar.json lookup --json --bsn > value.json "
			 "2>/dev/null", bin), 2);
	assert_int_equal(fed_sh(f, "grep -q '\"exit\": 2' value.json"), 0);
}

/* A message that claims another sender is checked against that sender's
 * key only, and logged with the claim and, apart from it, the address of
 * the connection it came over. */
static void test_r21_breach_forged_sender(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = NULL, *reply = NULL;
	radar_to_broker(f, &p);
	/* radar claims to be alcander but can only sign as radar */
	assert_int_equal(envelope_new1(&env, "directory.get", "alcander", "broker"), 0);
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "signature");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			     "kind='signature' AND msg_id='%s' AND peer='alcander' AND addr ="
			     " '127.0.0.1' AND detail LIKE '%%claimed sender%%'",
			     envelope_str(env, "id")), 1);
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

/* A database the broker cannot write is the broker's failure, answered as
 * one: not a replay, and no security event against the sender. (Seen ids
 * are kept in memory; one stamped ahead of the broker's clock is written
 * before the message is accepted, so that is what the locked file stops.) */
static void test_r21_breach_database_error_is_not_a_breach(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	json_object_set_new(env, "ts", json_integer(time_now_ms() + 5000));
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, "data/broker.db", path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* the broker may be in a write of its own just then: wait for it */
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	radar_to_broker(f, &p);
	int rc = raw_send_env(&p, env, 20000, &reply);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(rc, 0);
	assert_string_equal(reply_error(reply), "database");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			     "msg_id='%s'", envelope_str(env, "id")), 0);
	assert_true(fed_log_contains(f, "broker", "cannot record the message id"));
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

/* Refusals from one connection are kept one by one up to a number a
 * minute, then counted; past refusals_per_minute the connection is closed,
 * and everyone else is still served. */
static void test_r21_breach_refusals_counted_then_disconnected(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = NULL, *reply = NULL;
	/* all in one minute: start early in one (a bounded wait on the clock) */
	while (time_now_ms() % 60000 > 40000)
		nng_msleep(200);
	radar_to_broker(f, &p);
	int answered = 0, rc = 0;
	char first[ID_HEX_LEN + 1] = "";
	for (int i = 0; i < 200 && rc == 0; i++) {
		assert_int_equal(envelope_new1(&env, "directory.get", "alcander", "broker"), 0);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", envelope_str(env, "id"));
		rc = raw_send_env(&p, env, 3000, &reply);
		if (rc == 0) {
			assert_string_equal(reply_error(reply), "signature");
			answered++;
		}
		json_decref(env);
		json_decref(reply);
		reply = NULL;
	}
	raw_close(&p);
	print_message("%d refusals answered, then the connection was closed\n", answered);
	assert_int_equal(answered, 120); /* refusals_per_minute: 120 by default */
	char addr[64] = "";
	assert_int_equal(dbq_text(f, "data/broker.db", addr, sizeof(addr), "SELECT addr FROM "
				  "security_events WHERE msg_id='%s'", first), 0);
	long rows = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE addr='%s'"
			" AND minute = (SELECT minute FROM security_events WHERE msg_id='%s')", addr,
			first);
	assert_true(rows >= SECEVENT_DETAILED_PER_MINUTE + 1 &&
		    rows <= SECEVENT_DETAILED_PER_MINUTE + 4);
	/* rows are per host: other connections from it this minute add up */
	assert_true(dbq(f, "data/broker.db", "SELECT SUM(count) FROM security_events WHERE "
			"addr='%s' AND minute = (SELECT minute FROM security_events WHERE msg_id='%s')",
			addr, first) >= 121);
	assert_true(fed_log_contains(f, "broker", "\"event\":\"peer_disconnected\""));
	/* a partner that behaves is served */
	radar_to_broker(f, &p);
	env = radar_directory_get();
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	assert_string_equal(envelope_str(reply, "type"), "directory");
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_replay_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	char *buf = NULL;
	size_t len = 0;
	radar_to_broker(f, &p);
	assert_int_equal(envelope_sign(env, p.ident->key), 0);
	assert_int_equal(envelope_encode(env, &buf, &len), 0);
	assert_int_equal(raw_call(&p, buf, len, 5000, &reply), 0);
	assert_string_equal(envelope_str(reply, "type"), "directory");
	json_decref(reply);
	assert_int_equal(raw_call(&p, buf, len, 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "replay");
	free(buf);
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_timestamp_outside_window(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	radar_to_broker(f, &p);
	json_object_set_new(env, "ts", json_integer(time_now_ms() - 10 * 60 * 1000));
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "clock_skew");
	json_decref(reply);
	json_object_set_new(env, "ts", json_integer(time_now_ms() + 10 * 60 * 1000));
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "clock_skew");
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_oversize_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	radar_to_broker(f, &p);
	char *pad = malloc(ENVELOPE_MAX_BYTES + 100);
	memset(pad, 'x', ENVELOPE_MAX_BYTES + 99);
	pad[ENVELOPE_MAX_BYTES + 99] = '\0';
	json_object_set_new(env, "body", json_pack("{s:s}", "pad", pad));
	free(pad);
	/* encode without the codec's own limit, as a hostile peer would */
	assert_int_equal(envelope_sign(env, p.ident->key), 0);
	char *buf = json_dumps(env, JSON_COMPACT);
	assert_int_equal(raw_call(&p, buf, strlen(buf), 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "too_big");
	free(buf);
	json_decref(reply);
	reply = NULL;
	/* over the transport's limit: no answer, the connection closed, a trace */
	size_t big = TRANSPORT_MSG_MAX + 4096;
	buf = malloc(big);
	assert_non_null(buf);
	memset(buf, '{', big);
	assert_int_not_equal(raw_call(&p, buf, big, 3000, &reply), 0);
	free(buf);
	assert_true(fed_log_contains(f, "broker", "\"event\":\"message_oversized\""));
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_malformed_json_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *reply = NULL;
	radar_to_broker(f, &p);
	const char *junk = "{\"v\":1,\"id\":";
	assert_int_equal(raw_call(&p, junk, strlen(junk), 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "malformed_json");
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_unknown_field_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	radar_to_broker(f, &p);
	json_object_set_new(env, "bsn_hint", json_string("x"));
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	expect_refusal(f, "data/broker.db", "broker", reply, "schema");
	const char *msg = json_string_value(json_object_get(envelope_body(reply), "message"));
	assert_non_null(strstr(msg, "unknown field 'bsn_hint'"));
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE detail LIKE "
				 "'%unknown field ''bsn_hint''%'") == 1);
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

static void test_r20_integrity_query_without_broker_receipt(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	json_t *env = NULL, *reply = NULL;
	char url[128];
	/* radar dials alcander's node directly, around the broker */
	node_url(f, 0, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, "ca/radar.pem", NULL, url, "alcander"), 0);
	assert_int_equal(envelope_new1(&env, "lookup", "radar", "alcander"), 0);
	envelope_set_str(env, "purpose", "signalering");
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	expect_refusal(f, "data/alcander.db", "alcander", reply, "no_receipt");
	json_decref(reply);
	/* a receipt radar made itself does not pass either */
	assert_int_equal(envelope_sign(env, p.ident->key), 0);
	assert_int_equal(envelope_countersign(env, p.ident->key, "broker", 1,
					      "0000000000000000000000000000000000000000000000000000000000000000",
					      NULL), 0);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(envelope_encode(env, &buf, &len), 0);
	assert_int_equal(raw_call(&p, buf, len, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "no_receipt");
	assert_true(fed_db_count(f, "data/alcander.db",
				 "SELECT SUM(count) FROM security_events WHERE kind='no_receipt'") >= 2);
	free(buf);
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

/* ---- certificate refusals, each with its own federation ------------- */

static int own_setup(void **state)
{
	*state = calloc(1, sizeof(struct fed));
	return *state ? 0 : -1;
}

static int own_teardown(void **state)
{
	struct fed *f = *state;
	if (f->dir[0])
		fed_teardown(f);
	free(f);
	return 0;
}

static void test_r20_integrity_foreign_ca_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	char url[128], ca[512];
	const char *const ids[] = { "alcander", "radar" };
	assert_int_equal(fed_setup(f, ids, 2), 0);
	fed_file(f, "certs/wijknet-ca", ca, sizeof(ca));
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* a second CA issues its own "alcander" */
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir rogue init >/dev/null && "
				    "'%s/certs/wijknet-ca' --dir rogue issue alcander >/dev/null",
				cwd, cwd), 0);
	assert_int_equal(fed_config_edit(f, "alcander.json", "certificate", "\"rogue/alcander.pem\""), 0);
	assert_int_equal(fed_config_edit(f, "alcander.json", "ca", "\"rogue/ca.crt\""), 0);
	assert_int_equal(fed_config_edit(f, "alcander.json", "crl", "\"rogue/crl.pem\""), 0);
	/* the impostor listens first, so the broker's first dial meets it */
	assert_int_equal(fed_start_node(f, 0), 0);
	char imp[512];
	fed_socket(f, 0, imp, sizeof(imp));
	for (int64_t end = time_mono_ms() + 10000;
	     access(imp + strlen("ipc://"), F_OK) != 0 && time_mono_ms() < end;)
		sleep_ms(20);
	assert_int_equal(access(imp + strlen("ipc://"), F_OK), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 1, 10000), 0);
	/* the broker refused the handshake and recorded it */
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='certificate'"
				 " AND peer='alcander'") >= 1);
	assert_true(fed_log_contains(f, "broker", "\"kind\":\"certificate\""));
	/* a client with the foreign certificate cannot reach the broker */
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, "rogue/alcander.pem", NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	json_t *env = NULL, *reply = NULL;
	assert_int_equal(envelope_new1(&env, "directory.get", "alcander", "broker"), 0);
	assert_int_not_equal(raw_send_env(&p, env, 1000, &reply), 0);
	json_decref(env);
	raw_close(&p);
	/* the broker's listener put the certificate it refused in the breach
	 * register, with the name it claims and where it came from */
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) > 0 FROM"
				  " security_events WHERE kind = 'certificate' AND peer = 'alcander'"
				  " AND addr = '127.0.0.1' AND detail LIKE 'TLS handshake refused%%'"), 1);
	/* the impostor node, restarted while the broker runs, records its refusal */
	fed_stop(&f->nodes[0], SIGTERM);
	assert_int_equal(fed_start_node(f, 0), 0);
	for (int64_t end = time_mono_ms() + 10000;
	     fed_db_count(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			  "kind='certificate'") < 1 && time_mono_ms() < end;)
		sleep_ms(50);
	assert_true(fed_db_count(f, "data/alcander.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='certificate'") >= 1);
	/* and radar sees alcander down */
	char sock[512];
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	fed_socket(f, 1, sock, sizeof(sock));
	assert_int_equal(wn_client_open(&c, sock), 0);
	assert_int_equal(wn_health(c, &l), 0);
	assert_string_equal(l->items[0].id, "alcander");
	assert_string_equal(l->items[0].state, "down");
	wn_partner_list_free(l);
	wn_client_close(c);
}

/* A certificate refused in a handshake is recorded the first time it is
 * offered, also from a host whose other handshakes failed before it (the
 * doubling counts are per certificate and host, not per host alone). */
static void test_r21_breach_refused_certificate_recorded_among_other_failures(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	char url[128], cwd[256];
	const char *const ids[] = { "radar" };
	assert_int_equal(fed_setup(f, ids, 1), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir rogue init >/dev/null && "
				    "'%s/certs/wijknet-ca' --dir rogue issue alcander >/dev/null",
				cwd, cwd), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	broker_url(f, url, sizeof(url));
	/* two handshakes from this host fail first, offering no certificate */
	for (int i = 0; i < 2; i++)
		assert_int_equal(fed_sh(f, "timeout 10 openssl s_client -connect %s -servername "
					    "broker </dev/null >/dev/null 2>&1; true",
					url + strlen("tls+tcp://")), 0);
	int counted = 1;
	for (int64_t end = time_mono_ms() + 10000;
	     (counted = fed_sh(f, "grep -Eq '\"failed_this_hour\": ?2' logs/broker.log")) != 0 &&
	     time_mono_ms() < end;)
		sleep_ms(50);
	assert_int_equal(counted, 0);
	/* then a foreign certificate: the third failure of the host, the first of it */
	assert_int_equal(raw_open(f, &p, "rogue/alcander.pem", NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	raw_close(&p);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) > 0 FROM"
				  " security_events WHERE kind = 'certificate' AND peer = 'alcander'"
				  " AND detail LIKE 'TLS handshake refused%%'"), 1);
}

static void test_r20_integrity_revoked_certificate_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	char url[128], cwd[256];
	const char *const ids[] = { "alcander", "radar" };
	assert_int_equal(fed_setup(f, ids, 2), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca revoke alcander >/dev/null", cwd), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 1, 10000), 0);
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='revoked'"
				 " AND peer='alcander' AND detail NOT LIKE 'TLS handshake%'") == 1);
	/* the revoked node refuses to start, with a clear reason */
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(fed_wait_exit(&f->nodes[0], 10000), 1);
	assert_true(fed_log_contains(f, "alcander", "revoked"));
	assert_true(fed_db_count(f, "data/alcander.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='revoked'") == 1);
	/* its certificate no longer opens a TLS connection to the broker */
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, "ca/alcander.pem", NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	raw_close(&p);
	/* the directory marks it revoked */
	char sock[512];
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	fed_socket(f, 1, sock, sizeof(sock));
	assert_int_equal(wn_client_open(&c, sock), 0);
	assert_int_equal(wn_health(c, &l), 0);
	assert_string_equal(l->items[0].status, "revoked");
	assert_string_equal(l->items[0].state, "down");
	wn_partner_list_free(l);
	wn_client_close(c);
	/* the operator revokes it in the registry too: an incident once, when it
	 * was found, not again at every start after it */
	assert_int_equal(cli(f, "broker", "admin revoke alcander --reason 'certificaat ingetrokken'"),
			 0);
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, 1, 0, 10000), 0);
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='revoked'"
				 " AND peer='alcander' AND detail NOT LIKE 'TLS handshake%'") == 1);
}

/* A federation of alcander and radar in which alcander's certificate lapsed
 * (January 2020) before the broker first started; the broker and radar run. */
static void fed_with_lapsed_alcander(struct fed *f)
{
	char cwd[256];
	const char *const ids[] = { "alcander", "radar" };
	assert_int_equal(fed_setup(f, ids, 2), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca issue alcander --force "
				    "--not-before 20200101000000Z --not-after 20200201000000Z >/dev/null",
				cwd), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 1, 10000), 0);
}

static void test_r20_integrity_expired_certificate_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	char url[128];
	fed_with_lapsed_alcander(f);
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='expired'"
				 " AND peer='alcander'") == 1);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(fed_wait_exit(&f->nodes[0], 10000), 1);
	assert_true(fed_log_contains(f, "alcander", "expired"));
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, "ca/alcander.pem", NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	raw_close(&p);
}

/* cert.renew from `from` (signed with its key) offering the certificate in
 * the file rel; the broker's reply (json_decref). */
static json_t *offer_cert(struct fed *f, const char *from, const char *rel)
{
	size_t len = 0;
	char *pem = slurp(f, rel, &len);
	json_t *env = NULL;
	assert_non_null(pem);
	assert_int_equal(envelope_new1(&env, "cert.renew", from, "broker"), 0);
	json_object_set_new(env, "body", json_pack("{s:s}", "cert", pem));
	json_t *reply = raw_as(f, from, env);
	json_decref(env);
	free(pem);
	return reply;
}

/* A partner renews its certificate for the key it has (wijknet-ca renew),
 * here after it lapsed: its node, started with the renewed one, has the
 * broker register it, and the partner takes part again without a restart
 * of the broker or of another node. Another key is not taken (r20). */
static void test_r20_lapsed_certificate_renewed_in_place(void **state)
{
	struct fed *f = *state;
	char cwd[256], serial[64] = "", held[4096] = "";
	fed_with_lapsed_alcander(f);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca renew alcander >/dev/null", cwd),
			 0);
	assert_int_equal(fed_sh(f, "openssl x509 -in ca/alcander.crt -noout -serial | cut -d= -f2 "
				   "> serial.txt"), 0);
	size_t len = 0;
	char *text = slurp(f, "serial.txt", &len);
	assert_non_null(text);
	snprintf(serial, sizeof(serial), "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM audit_log"
				  " WHERE type = 'registry.cert' AND entry LIKE '%%\"partner\":"
				  "\"alcander\"%%' AND entry LIKE '%%%s%%'", serial), 1);
	assert_int_equal(fed_wait_up(f, 1, 1, 15000), 0);
	assert_int_equal(fed_wait_up(f, 0, 1, 15000), 0);
	/* radar's directory has it active again once the broker's push arrives */
	assert_int_equal(status_wait(f, 1, "alcander", "active", 15000), 0);
	/* the registry holds the renewed certificate itself */
	assert_int_equal(dbq_text(f, "data/broker.db", held, sizeof(held),
				  "SELECT cert FROM partners WHERE id = 'alcander'"), 0);
	text = slurp(f, "ca/alcander.crt", &len);
	assert_non_null(text);
	assert_string_equal(held, text);
	free(text);
	assert_true(fed_log_contains(f, "alcander", "cert_renewed"));
	/* the lapse is on record once, when found; the node's polls until it
	 * offered its renewal are not refusals */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM "
			     "security_events WHERE kind = 'expired' AND peer = 'alcander'"), 1);
	/* and alcander answers radar's lookup, its signature verified with it */
	char bsn[10];
	bsn_at(40000401, bsn);
	assert_int_equal(write_lookup_motivation(f), 0);
	static const wn_actor coach = { "wk-1", "wijkcoach" };
	/* a node just restarted on a loaded machine may miss the first
	 * deadline (unavailable); a signature refused would never verify */
	int answered = 0;
	for (int64_t end = time_mono_ms() + 20000; !answered && time_mono_ms() < end;) {
		wn_lookup_result *r = lookup_by(f, 1, bsn, &coach);
		for (size_t i = 0; i < r->count; i++) {
			if (strcmp(r->answers[i].partner, "alcander") != 0)
				continue;
			answered += strcmp(r->answers[i].outcome, "not_known") == 0;
			if (!answered)
				print_message("alcander answered %s\n", r->answers[i].outcome);
		}
		wn_lookup_result_free(r);
	}
	assert_int_equal(answered, 1);
	/* offered again, nothing changes; another partner's key is refused */
	json_t *reply = offer_cert(f, "alcander", "ca/alcander.crt");
	assert_string_equal(envelope_str(reply, "type"), "ok");
	assert_false(json_is_true(json_object_get(envelope_body(reply), "renewed")));
	json_decref(reply);
	reply = offer_cert(f, "radar", "ca/alcander.crt");
	assert_string_equal(reply_error(reply), "certificate");
	json_decref(reply);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.cert'"), 1);
	/* renewed again while the registered one still runs: the node, restarted
	 * with it, sees another certificate in the directory and offers its own */
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca renew alcander --days 900 "
				   ">/dev/null", cwd), 0);
	fed_stop(&f->nodes[0], SIGTERM);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 2, 15000, "SELECT COUNT(*) FROM audit_log"
				  " WHERE type = 'registry.cert'"), 2);
	assert_int_equal(fed_wait_up(f, 0, 1, 15000), 0);
	/* the broker's log, with the registry changes, still verifies */
	char bin[512];
	fed_bin("wijknet", bin, sizeof(bin));
	assert_int_equal(fed_sh(f, "'%s' audit verify data/broker.db >verify.txt 2>&1", bin), 0);
}

/* A member whose certificate lapsed cannot vote until it is renewed, yet it
 * is still a member: under the unanimous rule a change waits for it rather
 * than pass without it (r24, H 17.2). */
static void test_r24_lapsed_certificate_keeps_the_vote(void **state)
{
	struct fed *f = *state;
	static const wn_actor actor = { "co-1", "coordinator" };
	char url[512], id[WN_ID_LEN + 1] = "", status[16] = "";
	wn_client *c = NULL;
	char *out = NULL;
	fed_with_lapsed_alcander(f);
	fed_socket(f, 1, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	assert_int_equal(wn_policy_propose(c, &actor, "{\"approval_rule\": \"unanimous\","
					   " \"notice_months\": 3, \"max_consent_days\": 365,"
					   " \"max_partners\": 64}", &out), 0);
	free(out);
	out = NULL;
	assert_int_equal(dbq_text(f, "data/broker.db", id, sizeof(id), "SELECT id FROM proposals"
				  " WHERE kind = 'policy'"), 0);
	int rc = wn_member_vote(c, &actor, id, 1, NULL, &out); /* its proposer may have voted */
	free(out);
	wn_client_close(c);
	assert_true(rc == 0 || rc == WN_EEXISTS);
	assert_int_equal(dbq_text(f, "data/broker.db", status, sizeof(status), "SELECT status FROM"
				  " proposals WHERE id = '%s'", id), 0);
	assert_string_equal(status, "open");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
}

static void test_r20_integrity_no_certificate_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer p;
	char url[128];
	const char *const ids[] = { "alcander", "radar" };
	assert_int_equal(fed_setup(f, ids, 2), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 1, 10000), 0);
	/* a TLS client without a certificate is refused by the broker */
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, NULL, NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	json_t *reply = NULL;
	const char *hello = "{}";
	assert_int_not_equal(raw_call(&p, hello, 2, 1000, &reply), 0);
	raw_close(&p);
	/* the failed handshake leaves a trace, with the address it came from */
	int64_t end = time_mono_ms() + 15000;
	while (!fed_log_contains(f, "broker", "\"event\":\"tls_handshake_failed\"") &&
	       time_mono_ms() < end)
		sleep_ms(50);
	assert_true(fed_log_contains(f, "broker", "\"event\":\"tls_handshake_failed\""));
	assert_true(fed_log_contains(f, "broker", "\"addr\":\"127.0.0.1:"));
	/* and a node configured without one will not start */
	assert_int_equal(fed_config_edit(f, "alcander.json", "certificate", NULL), 0);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(fed_wait_exit(&f->nodes[0], 10000), 1);
	assert_true(fed_log_contains(f, "alcander", "missing field 'certificate'"));
	/* a mistyped broker_id: the broker's certificate does not name it, and
	 * the node's log says which key to look at */
	fed_stop(&f->nodes[1], SIGTERM);
	assert_int_equal(fed_config_edit(f, "radar.json", "broker_id", "\"brokr\""), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	int64_t until = time_mono_ms() + 15000;
	while (!fed_log_contains(f, "radar", "broker_id 'brokr'") && time_mono_ms() < until)
		sleep_ms(50);
	assert_true(fed_log_contains(f, "radar", "name the config's broker_id 'brokr'"));
}

/* ---- restarts ------------------------------------------------------- */

/* The bound on reconnecting: 2 s for the build a partner runs; a sanitizer
 * build (make check) does every step several times slower. */
static int restart_bound_ms(void)
{
	const char *b = getenv("WN_BUILD");
	return b != NULL && strstr(b, "asan") != NULL ? 6000 : 2000;
}

/* An integrator's client open on a node that goes away is told so at once
 * (WN_EUNAVAILABLE naming the socket), not after its timeout, and works
 * again once the node is back: it need not be opened anew. */
static void client_node_gone(wn_client *c)
{
	wn_partner_list *l = NULL;
	int64_t t0 = time_mono_ms();
	int rc = wn_health(c, &l);
	int64_t took = time_mono_ms() - t0;
	print_message("a call on the node gone: %s after %lld ms: %s\n", wn_errname(rc),
		      (long long)took, wn_client_errmsg(c));
	assert_int_equal(rc, WN_EUNAVAILABLE);
	assert_null(l);
	assert_true(took < 2000);
	assert_non_null(strstr(wn_client_errmsg(c), "/run/xonar.sock"));
}

struct gone_call {
	wn_client *c;
	int rc;
	char msg[512];
};

static void *gone_call_run(void *arg)
{
	struct gone_call *g = arg;
	wn_partner_list *l = NULL;
	g->rc = wn_health(g->c, &l);
	snprintf(g->msg, sizeof(g->msg), "%s", wn_client_errmsg(g->c));
	wn_partner_list_free(l);
	return NULL;
}

/* A call the node goes away under, its request read or not, ends when the
 * node does, not at the client's timeout (the REQ socket would hold the
 * request for the node to come back). */
static void client_node_gone_in_flight(struct fed *f, wn_client *c)
{
	struct gone_call g = { .c = c, .rc = 1 };
	pthread_t t;
	assert_int_equal(kill(f->nodes[2], SIGSTOP), 0);
	assert_int_equal(pthread_create(&t, NULL, gone_call_run, &g), 0);
	sleep_ms(300); /* most likely sent by now; either way it must end at once */
	int64_t t0 = time_mono_ms();
	fed_stop(&f->nodes[2], SIGKILL);
	assert_int_equal(pthread_join(t, NULL), 0);
	int64_t took = time_mono_ms() - t0;
	print_message("a call the node went away under: %s after %lld ms: %s\n",
		      wn_errname(g.rc), (long long)took, g.msg);
	assert_int_equal(g.rc, WN_EUNAVAILABLE);
	assert_true(took < 2000);
	assert_non_null(strstr(g.msg, "/run/xonar.sock"));
}

static void test_r20_integrity_node_restart_reconnects(void **state)
{
	struct fed *f = *state;
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	char url[512];
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	fed_socket(f, 2, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	assert_int_equal(wn_client_set_timeout(c, 10000), 0);
	assert_int_equal(wn_health(c, &l), 0);
	wn_partner_list_free(l);
	l = NULL;
	fed_stop(&f->nodes[2], SIGKILL);
	client_node_gone(c);
	client_node_gone(c); /* and each call after it, while the node is down */
	/* its files opened up while it was down (a copy under a lax umask) */
	char db[256];
	snprintf(db, sizeof(db), "data/%s.db", three[2]);
	assert_int_equal(fed_sh(f, "chmod 644 %s %s-wal %s-shm", db, db, db), 0);
	int64_t t0 = time_mono_ms();
	/* started with a log level of its environment, as an operator debugging it */
	assert_int_equal(setenv("WIJKNET_LOG_LEVEL", "debug", 1), 0);
	int started = fed_start_node(f, 2);
	unsetenv("WIJKNET_LOG_LEVEL");
	assert_int_equal(started, 0);
	assert_int_equal(fed_wait_up(f, 0, 3, restart_bound_ms()), 0);
	int64_t took = time_mono_ms() - t0;
	print_message("node restart: all up again after %lld ms\n", (long long)took);
	assert_true(took <= restart_bound_ms());
	/* a reload of its config, which names no log_level, keeps that level */
	assert_int_equal(kill(f->nodes[2], SIGHUP), 0);
	int64_t end = time_mono_ms() + 10000;
	while (!fed_log_contains(f, three[2], "\"event\":\"reloaded\"") && time_mono_ms() < end)
		sleep_ms(50);
	assert_true(fed_log_contains(f, three[2], "\"event\":\"reloaded\""));
	const char *debug_after_reload = "awk '/\"event\":\"reloaded\"/ { r = 1 } "
					 "r && /\"level\":\"debug\"/ { d = 1 } END { exit !d }' "
					 "logs/%s.log";
	end = time_mono_ms() + 10000;
	while (fed_sh(f, debug_after_reload, three[2]) != 0 && time_mono_ms() < end) {
		assert_int_equal(fed_wait_up(f, 0, 3, 5000), 0); /* its answers: debug lines */
		sleep_ms(100);
	}
	assert_int_equal(fed_sh(f, debug_after_reload, three[2]), 0);
	/* a reload of a config whose log_level is no level is refused whole,
	 * as its start would be: nothing of it applied, the one in use stays */
	char cfg[96];
	snprintf(cfg, sizeof(cfg), "%s.json", three[2]);
	assert_int_equal(fed_config_edit(f, cfg, "log_level", "\"verbose\""), 0);
	assert_int_equal(fed_config_edit(f, cfg, "timeout_ms", "4000"), 0);
	char applied[160];
	snprintf(applied, sizeof(applied), "grep -c '\"event\":\"reload_config\"' logs/%s.log",
		 three[2]);
	assert_int_equal(fed_sh(f, "%s > applied.before", applied), 0);
	assert_int_equal(kill(f->nodes[2], SIGHUP), 0);
	end = time_mono_ms() + 10000;
	while (!fed_log_contains(f, three[2], "is not a level (debug, info, warn or error)") &&
	       time_mono_ms() < end)
		sleep_ms(50);
	assert_true(fed_log_contains(f, three[2], "is not a level (debug, info, warn or error)"));
	assert_true(fed_log_contains(f, three[2], "\"event\":\"reload_failed\""));
	assert_int_equal(fed_sh(f, "test \"$(%s)\" = \"$(cat applied.before)\"", applied), 0);
	assert_int_equal(fed_config_edit(f, cfg, "log_level", "\"info\""), 0);
	assert_int_equal(fed_config_edit(f, cfg, "timeout_ms", "5000"), 0);
	assert_int_equal(wn_health(c, &l), 0);
	assert_int_equal(l->count, 3);
	wn_partner_list_free(l);
	client_node_gone_in_flight(f, c);
	wn_client_close(c);
	/* the database and the WAL and index SQLite keeps beside it: the owner's alone */
	static const char *const suffix[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s%s", f->dir, db, suffix[i]);
		assert_int_equal(stat(path, &st), 0);
		if ((st.st_mode & 077) != 0)
			print_error("%s is %o\n", path, (unsigned)(st.st_mode & 0777));
		assert_int_equal(st.st_mode & 077, 0);
	}
}

static void test_r20_integrity_broker_restart_reconnects(void **state)
{
	struct fed *f = *state;
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	fed_stop(&f->broker, SIGKILL);
	/* meanwhile the operator sees the partners of the directory the node
	 * holds, their state unknown, and why: not "0 of 0 partners up" */
	assert_int_equal(cli(f, "radar", "health"), 4);
	assert_true(cli_out_has(f, "DOWN (unreachable)"));
	assert_true(cli_out_has(f, "alcander ") && cli_out_has(f, "xonar "));
	assert_true(cli_out_has(f, "their state is unknown while the broker is unreachable"));
	assert_false(cli_out_has(f, "0 of 0 partners up"));
	assert_int_equal(cli(f, "radar", "health --json"), 4);
	assert_true(cli_out_has(f, "\"state\": \"unknown\"") &&
		    cli_out_has(f, "\"directory_fetched_at\""));
	int64_t t0 = time_mono_ms();
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, restart_bound_ms()), 0);
	int64_t took = time_mono_ms() - t0;
	print_message("broker restart: all up again after %lld ms\n", (long long)took);
	assert_true(took <= restart_bound_ms());
}

/* A node whose key file is gone while its database holds what those keys
 * made refuses to start: new keys would make it answer "not known" for
 * people it holds records on. With the file restored it starts. */
static void test_r20_integrity_lost_key_file_refuses_start(void **state)
{
	struct fed *f = *state;
	char url[512];
	wn_client *c = NULL;
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	fed_socket(f, 1, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	wn_record r = { "999990019", "leefgebied.huisvesting", "{\"note\": \"x\"}", "wk-1", NULL };
	assert_int_equal(wn_record_put(c, &r), 0);
	wn_client_close(c);
	fed_stop(&f->nodes[1], SIGTERM);
	assert_int_equal(fed_sh(f, "mv data/radar.db.keys keys.bak"), 0);
	/* --check says so before a start is tried */
	char bin[512];
	fed_bin("wijknet-node", bin, sizeof(bin));
	assert_int_not_equal(fed_sh(f, "'%s' --config radar.json --check 2>check.err", bin), 0);
	assert_int_equal(fed_sh(f, "grep -q 'node key file' check.err"), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_not_equal(fed_wait_exit(&f->nodes[1], 10000), 0);
	assert_true(fed_log_contains(f, "radar", "key file is missing"));
	assert_true(fed_log_contains(f, "radar", "restore the key file"));
	assert_int_equal(fed_sh(f, "test ! -e data/radar.db.keys"), 0); /* none made */
	assert_int_equal(fed_sh(f, "mv keys.bak data/radar.db.keys"), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 10000), 0);
}

/* Files fail closed: what a daemon makes is its owner's alone; a key file
 * others can read is refused; a second daemon on a database is refused. */
static void test_r20_integrity_files_fail_closed(void **state)
{
	struct fed *f = *state;
	char node[512];
	fed_bin("wijknet-node", node, sizeof(node));
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	static const char *const made[] = { "data/radar.db", "data/radar.db.keys",
					    "data/radar.db.lock", "data/broker.db" };
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (fed_sh(f, "test \"$(stat -c %%a %s)\" = 600", made[i]) != 0)
			fail_msg("%s is not mode 600", made[i]);
	/* a second radar on the same database stops at once, saying why */
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config radar.json 2>second.err", node),
			     0);
	assert_int_equal(fed_sh(f, "grep -q 'another daemon runs on this database' second.err"),
			 0);
	/* with its log in a file (log_file), a start that fails still says why
	 * where it was started, not only in the file */
	assert_int_equal(fed_sh(f, "sed 's|\"database\"|\"log_file\": \"second.log\", "
			       "\"database\"|' radar.json > second.json && grep -q second.log"
			       " second.json"), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config second.json 2>second2.err",
				    node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'another daemon runs on this database' second.log"),
			 0);
	if (fed_sh(f, "grep -q 'another daemon runs on this database' second2.err") != 0)
		fed_sh(f, "cat second2.err >&2");
	assert_int_equal(fed_sh(f, "grep -q 'another daemon runs on this database' second2.err"),
			 0);
	assert_int_equal(fed_wait_up(f, 0, 3, 10000), 0); /* the first one runs on */
	/* a key file open to others is refused before anything is touched */
	fed_stop(&f->nodes[1], SIGTERM);
	assert_int_equal(fed_sh(f, "chmod 644 ca/radar.pem"), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config radar.json 2>mode.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'chmod 600' mode.err"), 0);
	assert_int_equal(fed_sh(f, "chmod 600 ca/radar.pem"), 0);
	/* --check validates without making a file; a typo in the profile is found
	 * before any database or key file exists */
	assert_int_equal(fed_sh(f, "sed 's|data/radar.db|data/fresh.db|' radar.json > fresh.json"),
			 0);
	assert_int_equal(fed_sh(f, "'%s' --config fresh.json --check >check.out 2>&1", node), 0);
	assert_int_equal(fed_sh(f, "grep -q OK check.out"), 0);
	assert_int_equal(fed_sh(f, "sed 's|\"profile\": {|\"profile\": {\"shar\": [],|' "
			       "fresh.json > typo.json && grep -q shar typo.json"), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config typo.json --check 2>typo.err", node), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config typo.json 2>>typo.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q shar typo.err"), 0);
	assert_int_equal(fed_sh(f, "ls data | grep -q fresh"), 1); /* nothing made */
	/* a certificate of another partner: found by --check, nothing made */
	assert_int_equal(fed_sh(f, "sed 's|\"id\": \"radar\"|\"id\": \"xonar\"|' fresh.json"
			       " > other.json && grep -q xonar other.json"), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config other.json --check 2>other.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'certificate is for' other.err"), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config other.json 2>>other.err", node), 0);
	assert_int_equal(fed_sh(f, "ls data | grep -q fresh"), 1);
	/* where it listens and dials, and the CA it trusts: found by --check,
	 * named by their key, and a start that refuses them has made nothing */
	static const char *const nbad[][2] = {
		{ "s|\"listen\": \"tls+tcp://|\"listen\": \"tcp://|", "key .listen.: .tcp://" },
		{ "s|\"broker\": \"\\(tls+tcp://[0-9.]*\\):[0-9]*\"|\"broker\": \"\\1\"|",
		  "key .broker.: .tls+tcp://127.0.0.1. is not tls+tcp://host:port" },
		{ "s|\"ca\": \"ca/ca.crt\"|\"ca\": \"ca/radar.crt\"|", "keys .ca. and .crl." },
		{ "s|\"crl\": \"ca/crl.pem\"|\"crl\": \"ca/none.pem\"|",
		  "keys .ca. and .crl.: .*none.pem: cannot read the CRL" },
	};
	for (size_t i = 0; i < sizeof(nbad) / sizeof(nbad[0]); i++) {
		assert_int_equal(fed_sh(f, "sed '%s' fresh.json > nbad.json && ! cmp -s fresh.json"
				       " nbad.json", nbad[i][0]), 0);
		assert_int_not_equal(fed_sh(f, "'%s' --config nbad.json --check 2>nbad.err", node),
				     0);
		assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config nbad.json 2>>nbad.err",
					   node), 0);
		if (fed_sh(f, "test \"$(grep -c '%s' nbad.err)\" = 2", nbad[i][1]) != 0)
			fed_sh(f, "cat nbad.json nbad.err >&2");
		assert_int_equal(fed_sh(f, "test \"$(grep -c '%s' nbad.err)\" = 2", nbad[i][1]), 0);
		assert_int_equal(fed_sh(f, "ls data | grep -q fresh"), 1);
	}
	/* a broker's first start: its partners and policy are checked whole by
	 * --check, and a start that refuses them has written nothing */
	char broker[512];
	fed_bin("wijknet-broker", broker, sizeof(broker));
	assert_int_equal(fed_sh(f, "sed 's|data/broker.db|data/fresh-broker.db|' broker.json"
			       " > fb.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config fb.json --check >fb.out 2>&1", broker), 0);
	static const char *const bad[][2] = {
		{ "s|\"database\"|\"approval_rule\": \"dictator\", \"database\"|", "approval_rule" },
		{ "s|\"database\"|\"covenant\": \"utrecht\", \"database\"|",
		  "covenant.: .utrecht. is not heerlen or groningen" },
		{ "s|\"id\": \"radar\"|\"id\": \"alcander\"|", "twice" },
		{ "s|\"id\": \"radar\"|\"id\": \"radar\", \"status\": \"sleeping\"|", "status" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(fed_sh(f, "sed '%s' fb.json > fbad.json && ! cmp -s fb.json"
				       " fbad.json", bad[i][0]), 0);
		assert_int_not_equal(fed_sh(f, "'%s' --config fbad.json --check 2>fbad.err", broker),
				     0);
		if (fed_sh(f, "grep -q '%s' fbad.err", bad[i][1]) != 0)
			fed_sh(f, "cat fbad.err >&2");
		assert_int_equal(fed_sh(f, "grep -q '%s' fbad.err", bad[i][1]), 0);
		assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config fbad.json 2>/dev/null",
					   broker), 0);
		assert_int_equal(fed_sh(f, "ls data | grep -q fresh-broker"), 1);
	}
	/* two partners at one address: one of them could never be reached, as a
	 * join or a move there is refused; a revoked one reaches nobody */
	char same[256];
	snprintf(same, sizeof(same), "s|\\(\"id\": \"radar\", \"name\": \"[^\"]*\", \"address\": "
		 "\"tls+tcp://127.0.0.1:\\)[0-9]*|\\1%d|", fed_port(f, 0));
	assert_int_equal(fed_sh(f, "sed '%s' fb.json > fbad.json && ! cmp -s fb.json fbad.json",
			       same), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config fbad.json --check 2>fbad.err", broker), 0);
	assert_int_equal(fed_sh(f, "grep -q \"address.: tls+tcp://127.0.0.1:%d is where the broker"
			       " reaches 'alcander' already\" fbad.err", fed_port(f, 0)), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config fbad.json 2>/dev/null", broker), 0);
	assert_int_equal(fed_sh(f, "ls data | grep -q fresh-broker"), 1);
	assert_int_equal(fed_sh(f, "sed 's|\"ca/radar.crt\", \"status\": \"active\"|\"ca/radar.crt\","
			       " \"status\": \"revoked\"|' fbad.json > frev.json && grep -q revoked"
			       " frev.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config frev.json --check >/dev/null 2>&1", broker), 0);
	/* the covenant seeds nothing: checked at every start, with a database too */
	static const char cov[] = "s|\"database\"|\"covenant\": \"%s\", \"database\"|";
	char edit[128];
	snprintf(edit, sizeof(edit), cov, "utrecht");
	assert_int_equal(fed_sh(f, "sed '%s' broker.json > bcov.json", edit), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config bcov.json --check 2>bcov.err", broker), 0);
	assert_int_equal(fed_sh(f, "grep -q 'covenant.: .utrecht. is not heerlen or groningen'"
			       " bcov.err"), 0);
	snprintf(edit, sizeof(edit), cov, "groningen");
	assert_int_equal(fed_sh(f, "sed '%s' fb.json > fcov.json && grep -q groningen fcov.json",
			       edit), 0);
	assert_int_equal(fed_sh(f, "'%s' --config fcov.json --check >/dev/null 2>&1", broker), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 10000), 0);
}

/* --check of edit.json fails saying NEEDLE (a grep pattern), and a start of
 * it fails saying the same, making nothing. */
static void check_and_start_refuse(struct fed *f, const char *bin, const char *needle)
{
	assert_int_not_equal(fed_sh(f, "'%s' --config edit.json --check 2>edit.err", bin), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config edit.json 2>>edit.err", bin), 0);
	if (fed_sh(f, "test \"$(grep -c \"%s\" edit.err)\" = 2", needle) != 0)
		fed_sh(f, "cat edit.err >&2");
	assert_int_equal(fed_sh(f, "test \"$(grep -c \"%s\" edit.err)\" = 2", needle), 0);
	assert_int_equal(fed_sh(f, "ls data | grep -q fresh"), 1);
}

/* --check of a copy of CONFIG with KEY set to VALUE (JSON) fails saying
 * NEEDLE (a grep pattern), and a start of it fails as well, making nothing. */
static void check_refuses(struct fed *f, const char *bin, const char *config, const char *key,
			  const char *value, const char *needle)
{
	assert_int_equal(fed_sh(f, "cp %s edit.json", config), 0);
	assert_int_equal(fed_config_edit(f, "edit.json", key, value), 0);
	check_and_start_refuse(f, bin, needle);
}

/* The same for a copy of CONFIG changed by the sed expression EDIT. */
static void check_refuses_sed(struct fed *f, const char *bin, const char *config,
			      const char *edit, const char *needle)
{
	assert_int_equal(fed_sh(f, "sed '%s' %s > edit.json && ! cmp -s %s edit.json", edit,
			       config, config), 0);
	check_and_start_refuse(f, bin, needle);
}

/* What an operator gets wrong before a start is said by --check and by the
 * start alike: a log level nobody knows, a file or directory the config
 * names that is not there; a registry without the municipality is said,
 * not refused, since the federation runs without it for a while. */
static void test_r20_integrity_check_names_what_is_missing(void **state)
{
	struct fed *f = *state;
	char node[512], broker[512];
	fed_bin("wijknet-node", node, sizeof(node));
	fed_bin("wijknet-broker", broker, sizeof(broker));
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	/* none of alcander, radar and xonar has the municipality's role */
	assert_true(fed_log_contains(f, "broker", "\"event\":\"no_municipality\""));
	assert_int_equal(fed_sh(f, "sed 's|data/broker.db|data/fresh-broker.db|' broker.json"
			       " > fb.json && sed 's|data/radar.db|data/fresh.db|' radar.json"
			       " > fresh.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config fb.json --check >fb.out 2>fb.err", broker), 0);
	assert_int_equal(fed_sh(f, "grep -q OK fb.out && grep -q \"warning: no partner has the "
			       "role 'municipality'\" fb.err"), 0);
	assert_int_equal(fed_sh(f, "sed 's|\"ca/radar.crt\", \"status\": \"active\"|\"ca/radar.crt\""
			       ", \"status\": \"active\", \"role\": \"municipality\"|' fb.json >"
			       " fm.json && grep -q municipality fm.json"), 0);
	assert_int_equal(fed_sh(f, "'%s' --config fm.json --check >fm.out 2>fm.err", broker), 0);
	assert_int_equal(fed_sh(f, "grep -q OK fm.out && test ! -s fm.err"), 0);
	/* a log level that is no level: refused by both daemons, named */
	const char *const bins[] = { broker, node }, *const configs[] = { "fm.json", "fresh.json" };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fed_sh(f, "WIJKNET_LOG_LEVEL=verbose '%s' --config %s --check "
				       "2>level.err; test $? = 1", bins[i], configs[i]), 0);
		assert_int_equal(fed_sh(f, "WIJKNET_LOG_LEVEL=verbose timeout 20 '%s' --config %s "
				       "2>>level.err; test $? = 1", bins[i], configs[i]), 0);
		if (fed_sh(f, "test \"$(grep -c \"WIJKNET_LOG_LEVEL: 'verbose' is not a log level:"
			   " expected debug, info, warn or error\" level.err)\" = 2") != 0)
			fed_sh(f, "cat level.err >&2");
		assert_int_equal(fed_sh(f, "test \"$(grep -c \"WIJKNET_LOG_LEVEL: 'verbose' is not a"
				       " log level: expected debug, info, warn or error\" level.err)\""
				       " = 2"), 0);
		assert_int_equal(fed_sh(f, "ls data | grep -q fresh"), 1);
		assert_int_equal(fed_sh(f, "WIJKNET_LOG_LEVEL=warn '%s' --config %s --check"
				       " >/dev/null 2>&1", bins[i], configs[i]), 0);
	}
	/* the CA's directory, the CA tool, where the database and the log go:
	 * each by its key, found before a start would trip on it */
	check_refuses(f, broker, "fm.json", "ca_dir", "\"nodir\"",
		      "key 'ca_dir': .*/nodir: No such file or directory");
	check_refuses(f, broker, "fm.json", "ca_dir", "\"data\"",
		      "key 'ca_dir': .*/data/ca.key: No such file or directory");
	check_refuses(f, broker, "fm.json", "ca", "\"ca/none.crt\"",
		      "keys 'ca' and 'crl': .*none.crt: cannot read the CA certificate");
	assert_int_equal(fed_sh(f, "cp fm.json tool.json"), 0);
	assert_int_equal(fed_config_edit(f, "tool.json", "ca_dir", "\"ca\""), 0);
	check_refuses(f, broker, "tool.json", "ca_tool", "\"no-such-wijknet-ca\"",
		      "key 'ca_tool': 'no-such-wijknet-ca' is not a program on the PATH");
	check_refuses(f, broker, "fm.json", "database", "\"ca/ca.crt/fresh-broker.db\"",
		      "key 'database': .*fresh-broker.db cannot be made: .*ca.crt is not a "
		      "directory");
	check_refuses(f, node, "fresh.json", "log_file", "\"ca/ca.crt/fresh.log\"",
		      "key 'log_file': .*fresh.log cannot be made: .*ca.crt is not a directory");
	check_refuses(f, node, "fresh.json", "keys", "\"ca\"",
		      "key 'keys': .*/ca: is not a file");
	/* a directory the system will not make, though access() says it may be
	 * written (a virtual file system; root): found as the start finds it */
	check_refuses(f, node, "fresh.json", "database", "\"/proc/wn-none/fresh.db\"",
		      "key 'database': /proc/wn-none/fresh.db cannot be made");
	check_refuses(f, node, "fresh.json", "local", "\"ipc:///proc/wn-none/radar.sock\"",
		      "key 'local': /proc/wn-none/radar.sock cannot be made");
	check_refuses(f, broker, "fm.json", "log_file", "\"/proc/wn-none/broker.log\"",
		      "key 'log_file': /proc/wn-none/broker.log cannot be made");
	/* a listen address that names no host here */
	check_refuses(f, node, "fresh.json", "listen", "\"tls+tcp://256.0.0.1:7701\"",
		      "key 'listen': cannot listen there: 256.0.0.1:7701");
	check_refuses(f, broker, "fm.json", "listen", "\"tls+tcp://256.0.0.1:7701\"",
		      "key 'listen': cannot listen there: 256.0.0.1:7701");
	/* a CRL that lapsed, with no newer one from the broker to stand in */
	assert_int_equal(fed_sh(f, "cd ca && WIJKNET_CA_ID=ca openssl ca -batch -config openssl.cnf"
			       " -gencrl -crl_lastupdate 20200101000000Z -crl_nextupdate "
			       "20200201000000Z -out lapsed.pem >/dev/null 2>&1"), 0);
	check_refuses(f, node, "fresh.json", "crl", "\"ca/lapsed.pem\"",
		      "keys 'ca' and 'crl': .*lapsed.pem: CRL is past its nextUpdate");
	check_refuses(f, broker, "fm.json", "crl", "\"ca/lapsed.pem\"",
		      "keys 'ca' and 'crl': .*lapsed.pem: CRL is past its nextUpdate");
	/* a first start's partner with another partner's certificate, or in no
	 * cluster: named, with why */
	check_refuses_sed(f, broker, "fm.json", "s|\"ca/radar.crt\"|\"ca/xonar.crt\"|",
			  "in 'partners\\[1\\]': key 'certificate': .*xonar.crt is the certificate "
			  "of 'xonar', not of partner 'radar'");
	check_refuses_sed(f, broker, "fm.json", "s|\"ca/radar.crt\", |\"ca/radar.crt\", "
			  "\"clusters\": [], |", "in 'partners\\[1\\]': key 'clusters': partner "
			  "'radar' would take part in no cluster");
	/* a start that fails after it made something takes it away again, and
	 * nothing that was there before: the directory of a key file, refused
	 * by the lock of the node that runs on the database */
	assert_int_equal(fed_sh(f, "cp radar.json edit.json"), 0);
	assert_int_equal(fed_config_edit(f, "edit.json", "keys", "\"newkeys/radar.keys\""), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config edit.json 2>edit.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'another daemon runs on this database' edit.err"), 0);
	assert_int_equal(fed_sh(f, "test ! -e newkeys && test -s data/radar.db"), 0);
	/* a new database in a new directory, and a key file open to others */
	assert_int_equal(fed_sh(f, "cp fresh.json edit.json"), 0);
	assert_int_equal(fed_config_edit(f, "edit.json", "database", "\"newdb/fresh.db\""), 0);
	assert_int_equal(fed_config_edit(f, "edit.json", "keys", "\"ca/ca.crt\""), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config edit.json 2>edit.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'chmod 600' edit.err"), 0);
	assert_int_equal(fed_sh(f, "test ! -e newdb && test -s ca/ca.crt"), 0);
	/* a database that is a link to a volume not mounted: the operator's link stays */
	assert_int_equal(fed_sh(f, "cp fresh.json edit.json && ln -s notmounted/fresh.db linked.db"),
			 0);
	assert_int_equal(fed_config_edit(f, "edit.json", "database", "\"linked.db\""), 0);
	assert_int_not_equal(fed_sh(f, "timeout 20 '%s' --config edit.json 2>edit.err", node), 0);
	assert_int_equal(fed_sh(f, "test -L linked.db"), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 10000), 0); /* radar runs on */
}

/* The breach register is the broker operator's: read with the broker's
 * config; a node's config is refused as such, not dialled as a broker. */
static void test_r21_breach_register_needs_the_brokers_config(void **state)
{
	struct fed *f = *state;
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	assert_int_equal(cli(f, "broker", "breaches list"), 0);
	assert_true(cli_out_has(f, "ID"));
	static const char *const cmds[] = { "breaches list", "breaches show 1", "admin status" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(cli(f, "radar", cmds[i]), 2);
		assert_true(cli_err_has(f, "radar.json is a node"));
		assert_true(cli_err_has(f, "--config BROKER.json"));
		assert_false(cli_err_has(f, "admin socket"));
	}
}

/* A clean stop has the broker witness the ledger's last entries; a node
 * whose newest copy is older than that starts only on its operator's word
 * (--accept-ledger-gap), and the lost entries are recorded at the broker:
 * its audit log and the breach register. */
static void r20_restore_gap_accepted(struct fed *f, long kept)
{
	static const wn_actor actor = { "u-9", "wijkcoach" };
	for (int i = 0; i < 2; i++)
		wn_lookup_result_free(lookup_by(f, 0, "999990019", &actor));
	fed_stop(&f->nodes[1], SIGTERM);
	long newest = dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger");
	assert_true(newest > kept);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT size FROM partner_checkpoints WHERE "
			     "partner='radar'"), newest);
	/* the newest copy lost with its disk: the older one is all there is;
	 * its record is past its retention date by now */
	assert_int_equal(fed_sh(f, "rm -f data/radar.db data/radar.db-wal data/radar.db-shm && "
			       "cp bk/radar.db bk/radar.db.keys data/"), 0);
	dbexec(f, "data/radar.db", "UPDATE records SET retention_until = '2000-01-01'");
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_not_equal(fed_wait_exit(&f->nodes[1], 20000), 0);
	assert_true(fed_log_contains(f, "radar", "start once with --accept-ledger-gap"));
	/* the record past its date went at start all the same (retention does
	 * not wait for the broker), with its ledger entry after the copy's */
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM records"), 0);
	assert_true(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger") > kept);
	assert_int_equal(fed_start_node_with(f, 1, "--accept-ledger-gap"), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 15000), 0);
	assert_true(fed_log_contains(f, "radar", "ledger_gap_accepted"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='ledger.gap' AND entry LIKE '%%\"lost_from\":%ld,\"lost_to\":%ld%%'",
			     kept + 1, newest), 1);
	/* witnessed from the copy on, its purge entries included */
	assert_true(dbq(f, "data/broker.db", "SELECT size FROM partner_checkpoints WHERE "
			"partner='radar'") > kept);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log a, "
			     "partner_checkpoints p WHERE a.type='ledger.gap' AND p.partner='radar' "
			     "AND json_extract(a.entry, '$.checkpoint_size') = p.size AND "
			     "json_extract(a.entry, '$.restored_size') = %ld", kept), 1);
	/* and the copy proved its first entries are the ones witnessed then */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='ledger.gap' AND json_extract(entry, '$.proven_to') BETWEEN 1 "
			     "AND %ld", kept), 1);
	assert_int_equal(cli(f, "broker", "breaches list"), 0);
	assert_true(cli_out_has(f, "tampered"));
	assert_int_equal(cli(f, "broker", "breaches show 1"), 0);
	assert_true(cli_out_has(f, "its operator accepted the gap"));
	assert_true(cli_out_has(f, "proven unchanged"));
	char named[64]; /* the breach names the audit entry that records the gap */
	snprintf(named, sizeof(named), "audit entry %ld, ledger.gap",
		 dbq(f, "data/broker.db", "SELECT idx FROM audit_log WHERE type='ledger.gap'"));
	assert_true(cli_out_has(f, named));
	/* the federation goes on with it, and the flag is not needed again */
	wn_lookup_result *res = lookup_by(f, 0, "999990019", &actor);
	assert_non_null(res);
	wn_lookup_result_free(res);
	fed_stop(&f->nodes[1], SIGTERM);
	long now = dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger");
	assert_true(now > kept);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT size FROM partner_checkpoints WHERE "
			     "partner='radar'"), now);
	/* given again where nothing is behind, the flag does nothing and says so */
	assert_int_equal(fed_start_node_with(f, 1, "--accept-ledger-gap"), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 10000), 0);
	assert_true(fed_log_contains(f, "radar", "accept_ledger_gap_unused"));
	/* a ledger not behind has no gap: the broker records one only where
	 * there is one, and a malformed claim is refused for its form */
	static const char *const bodies[][2] = {
		{ "{\"witnessed\": 1}", "invalid_argument" },
		{ "{\"witnessed\": 1, \"checkpoint\": {\"size\": \"x\"}}", "schema" },
		{ "{\"checkpoint\": null}", "schema" },
		{ "{\"witnessed\": -1}", "schema" },
		/* a checkpoint not signed by the node itself */
		{ "{\"witnessed\": 1, \"checkpoint\": {\"size\": 1, \"root\": \"00\", \"ts\": 1,"
		  " \"origin\": \"wijknet:radar:ledger\", \"sig\": \"AAAA\"}}", "signature" },
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		json_t *env = NULL;
		assert_int_equal(envelope_new1(&env, "checkpoint.restored", "radar", "broker"), 0);
		json_object_set_new(env, "body", json_loads(bodies[i][0], 0, NULL));
		json_t *reply = raw_as(f, "radar", env);
		assert_string_equal(reply_error(reply), bodies[i][1]);
		json_decref(reply);
		json_decref(env);
	}
	/* a copy that does not prove it extends what was witnessed within it is
	 * changed, not only lost: refused, and no gap recorded */
	char cpjson[1024];
	long w = dbq(f, "data/broker.db", "SELECT size FROM partner_checkpoints WHERE "
		     "partner='radar'");
	assert_int_equal(dbq_text(f, "data/radar.db", cpjson, sizeof(cpjson), "SELECT "
				  "json_object('size', size, 'root', root, 'ts', ts, 'origin', origin,"
				  " 'sig', sig) FROM ledger_checkpoints WHERE size = %ld", w), 0);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_checkpoint_history "
			"WHERE partner='radar' AND size < %ld", w) >= 1);
	long k = dbq(f, "data/broker.db", "SELECT MAX(size) FROM partner_checkpoint_history WHERE "
		     "partner='radar' AND size <= %ld", w - 1);
	char bogus[65];
	memset(bogus, 'a', 64);
	bogus[64] = '\0';
	for (int i = 0; i < 2; i++) { /* without a proof, and with a wrong one */
		json_t *env = NULL;
		assert_int_equal(envelope_new1(&env, "checkpoint.restored", "radar", "broker"), 0);
		json_t *body = json_pack("{s:I,s:I,s:o}", "witnessed", (json_int_t)w, "restored",
					 (json_int_t)(w - 1), "checkpoint",
					 json_loads(cpjson, 0, NULL));
		if (i == 1) {
			json_object_set_new(body, "anchor", json_integer(k));
			json_object_set_new(body, "proof", json_pack("[s]", bogus));
		}
		json_object_set_new(env, "body", body);
		json_t *reply = raw_as(f, "radar", env);
		assert_string_equal(reply_error(reply), "tampered");
		json_decref(reply);
		json_decref(env);
	}
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='ledger.gap'"), 1);
}

/* A backup is one moment of the database, with its key file; restoring a
 * copy older than the ledger checkpoint the broker witnessed is refused at
 * start (its disclosure entries since would be lost); the newest runs on. */
/* A copy that counts fewer entries as its own than it holds (a backup made
 * while the node had not yet been checked since its start): the entries up
 * to a checkpoint the broker witnessed with the copy's very root count as
 * the copy's, so the loss recorded is no larger than it is. */
static void r20_restore_stale_count(struct fed *f, long kept)
{
	fed_stop(&f->nodes[1], SIGTERM);
	long k = dbq(f, "data/broker.db", "SELECT MAX(size) FROM partner_checkpoint_history "
		     "WHERE partner='radar' AND size <= %ld", kept);
	assert_true(k >= 1);
	assert_int_equal(fed_sh(f, "rm -f data/radar.db data/radar.db-wal data/radar.db-shm && "
			       "cp bk/radar.db bk/radar.db.keys data/"), 0);
	dbexec(f, "data/radar.db", "INSERT OR REPLACE INTO ledger_unchecked(id, size) VALUES (1, 0)");
	assert_int_equal(fed_start_node_with(f, 1, "--accept-ledger-gap"), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 15000), 0);
	/* the newest gap entry: this restore's */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='ledger.gap' AND json_extract(entry, '$.restored_size') = %ld AND "
			     "json_extract(entry, '$.proven_to') = %ld AND json_extract(entry, "
			     "'$.lost_from') = %ld AND idx = (SELECT MAX(idx) FROM audit_log WHERE "
			     "type='ledger.gap')", k, k, k + 1), 1);
}

static void test_r20_integrity_backup_restore_behind_witness_refused(void **state)
{
	struct fed *f = *state;
	static const wn_actor actor = { "u-9", "wijkcoach" };
	char url[512];
	wn_client *c = NULL;
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_config_edit(f, "radar.json", "checkpoint_seconds", "1"), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	fed_socket(f, 1, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	wn_record r = { "999990019", "leefgebied.huisvesting", "{\"note\": \"x\"}", "wk-1", NULL };
	assert_int_equal(wn_record_put(c, &r), 0);
	wn_client_close(c);
	for (int i = 0; i < 2; i++)
		wn_lookup_result_free(lookup_by(f, 0, "999990019", &actor));
	/* under load: lookups answered while the copy is taken */
	char wn[512];
	fed_bin("wijknet", wn, sizeof(wn));
	assert_int_equal(write_lookup_motivation(f), 0);
	long before = dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger");
	/* the broker has witnessed the ledger as it is before the load */
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM "
				  "partner_checkpoints WHERE partner='radar' AND size = %ld", before),
			 1);
	assert_int_equal(fed_sh(f, "(for i in 1 2 3 4 5 6 7 8 9 10; do '%s' --config alcander.json "
			       "lookup --bsn 999990019 --purpose intake " FED_LOOKUP_ARGS
			       " >>load.out 2>&1; done; touch load.done) &", wn), 0);
	assert_int_equal(cli(f, "radar", "backup --out bk"), 0);
	/* the count it reports is the copy's own, though entries came during it */
	char said[64];
	snprintf(said, sizeof(said), "(%ld ledger entries)",
		 dbq(f, "bk/radar.db", "SELECT COUNT(*) FROM ledger"));
	if (!cli_out_has(f, said))
		fed_sh(f, "cat cli.out >&2");
	assert_true(cli_out_has(f, said));
	int64_t end = time_mono_ms() + 30000;
	while (fed_sh(f, "test -e load.done") != 0 && time_mono_ms() < end)
		sleep_ms(50);
	/* the load was real: radar logged those lookups */
	assert_true(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger") >= before + 10);
	assert_int_equal(fed_sh(f, "test \"$(stat -c %%a bk/radar.db)\" = 600 && "
			       "test \"$(stat -c %%a bk/radar.db.keys)\" = 600 && "
			       "cmp -s bk/radar.db.keys data/radar.db.keys"), 0);
	assert_int_equal(cli(f, "radar", "audit verify --db bk/radar.db"), 0);
	/* the broker's operator copies its database the same way, not with cp */
	assert_int_equal(cli(f, "broker", "admin backup --out bbk"), 0);
	snprintf(said, sizeof(said), "%ld", dbq(f, "bbk/broker.db", "SELECT COUNT(*) FROM audit_log"));
	assert_true(cli_out_has(f, "audit_entries"));
	assert_true(cli_out_has(f, said));
	assert_int_equal(fed_sh(f, "test \"$(stat -c %%a bbk/broker.db)\" = 600"), 0);
	assert_int_equal(cli(f, "broker", "audit verify --db bbk/broker.db --cert ca/broker.crt"), 0);
	assert_int_equal(cli(f, "broker", "admin backup --out bbk"), 1); /* not over a backup */
	assert_true(cli_err_has(f, "already"));
	assert_int_equal(cli(f, "broker", "admin backup --out nosuch/bbk"), 2);
	assert_true(cli_err_has(f, "does the path above it exist"));
	/* a node's command with the broker's config says which config it needs */
	assert_int_not_equal(cli(f, "broker", "backup --out bbk2"), 0);
	assert_true(cli_err_has(f, "is a broker"));
	assert_true(cli_err_has(f, "admin --help"));
	assert_int_not_equal(cli(f, "radar", "backup --out bk"), 0); /* not over a backup */
	/* a mistyped path is said, not built: only the last directory is made */
	assert_int_equal(cli(f, "radar", "backup --out nosuch/bk"), 2);
	assert_true(cli_err_has(f, "does the path above it exist"));
	assert_int_not_equal(fed_sh(f, "test -e nosuch"), 0);
	long kept = dbq(f, "bk/radar.db", "SELECT COUNT(*) FROM ledger");
	assert_true(kept >= 2);
	/* the history kept for such a copy: before the last two days, the last
	 * checkpoint of each day (these, beyond the ledger, are never an anchor) */
	dbexec(f, "data/broker.db", "INSERT INTO partner_checkpoint_history SELECT partner, size +"
	       " 1000000000 + k, root, ts, sig, CAST(strftime('%s', 'now', '-5 days') AS INTEGER) *"
	       " 1000 + k FROM partner_checkpoints, (SELECT 1 AS k UNION SELECT 2 UNION SELECT 3)"
	       " WHERE partner = 'radar'");
	dbexec(f, "data/broker.db", "INSERT INTO partner_checkpoint_history SELECT partner, size +"
	       " 1000000004, root, ts, sig, CAST(strftime('%s', 'now', '-4 days') AS INTEGER) * 1000"
	       " FROM partner_checkpoints WHERE partner = 'radar'");
	long recent = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_checkpoint_history "
			  "WHERE partner='radar' AND size < 1000000000");
	/* life goes on; the broker witnesses the longer ledger */
	for (int i = 0; i < 3; i++)
		wn_lookup_result_free(lookup_by(f, 0, "999990019", &actor));
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM "
				  "partner_checkpoints WHERE partner='radar' AND size > %ld", kept), 1);
	/* the next checkpoint witnessed thins what came before it */
	assert_int_equal(dbq_wait(f, "data/broker.db", 2, 15000, "SELECT COUNT(*) FROM "
				  "partner_checkpoint_history WHERE partner='radar' AND size > "
				  "1000000000"), 2);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_checkpoint_history "
			"WHERE partner='radar' AND size < 1000000000") > recent);
	/* the old copy put back while the broker is away: it answers nothing
	 * before it can check, and is refused, saying why, once it can */
	fed_stop(&f->nodes[1], SIGTERM);
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_sh(f, "mv data/radar.db now.db && mv data/radar.db.keys now.keys && "
			       "rm -f data/radar.db-wal data/radar.db-shm && "
			       "cp bk/radar.db bk/radar.db.keys data/"), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	/* even the broker's own signed health check gets "not ready" */
	char nurl[128];
	snprintf(nurl, sizeof(nurl), "tls+tcp://127.0.0.1:%d", fed_port(f, 1));
	int answered = 0;
	for (int64_t end = time_mono_ms() + 10000; !answered && time_mono_ms() < end;) {
		struct raw_peer bp;
		json_t *ping = NULL, *reply = NULL;
		if (raw_open(f, &bp, "ca/broker.pem", NULL, nurl, "radar") == 0 &&
		    envelope_new1(&ping, "health", "broker", "radar") == 0 &&
		    raw_send_env(&bp, ping, 2000, &reply) == 0) {
			assert_string_equal(reply_error(reply), "not_ready");
			answered = 1;
		}
		json_decref(ping);
		json_decref(reply);
		raw_close(&bp);
		if (!answered)
			sleep_ms(100);
	}
	assert_true(answered);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_not_equal(fed_wait_exit(&f->nodes[1], 20000), 0);
	assert_true(fed_log_contains(f, "radar", "older than what was witnessed"));
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger"), kept);
	/* the newest runs on; its timer checkpoints once an hour from here */
	assert_int_equal(fed_sh(f, "rm -f data/radar.db data/radar.db-wal data/radar.db-shm && "
			       "mv now.db data/radar.db && mv now.keys data/radar.db.keys"), 0);
	assert_int_equal(fed_config_edit(f, "radar.json", "checkpoint_seconds", "3600"), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 1, 3, 10000), 0);
	r20_restore_gap_accepted(f, kept);
	r20_restore_stale_count(f, kept);
}

/* The broker's database put back from an older backup: the nodes witnessed
 * more of its audit log than it now holds. They show it the checkpoint it
 * signed, and its operator and theirs are told so plainly, with an entry in
 * the breach register; a node's word alone is not taken. */
static void test_r20_integrity_broker_restore_behind_witnesses_said(void **state)
{
	struct fed *f = *state;
	static const wn_actor actor = { "u-9", "wijkcoach" };
	assert_int_equal(fed_setup(f, three, 3), 0);
	assert_int_equal(fed_config_edit(f, "broker.json", "checkpoint_seconds", "1"), 0);
	for (size_t i = 0; i < 3; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "%s.json", three[i]);
		assert_int_equal(fed_config_edit(f, rel, "checkpoint_seconds", "1"), 0);
	}
	assert_int_equal(fed_start_all(f, 15000), 0);
	assert_int_equal(cli(f, "broker", "admin backup --out bbk"), 0);
	long kept = dbq(f, "bbk/broker.db", "SELECT COUNT(*) FROM audit_log");
	for (int i = 0; i < 3; i++)
		wn_lookup_result_free(lookup_by(f, 0, "999990019", &actor));
	/* radar witnessed a checkpoint past the copy */
	assert_int_equal(dbq_wait(f, "data/radar.db", 1, 15000, "SELECT COUNT(*) > 0 FROM"
				  " broker_checkpoints WHERE size > %ld", kept), 1);
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_false(cli_out_has(f, "audit log behind"));
	/* a claim not signed by the broker is refused, and nothing is kept */
	json_t *env = NULL, *reply = NULL;
	assert_int_equal(envelope_new1(&env, "checkpoint.dispute", "radar", "broker"), 0);
	json_object_set_new(env, "body", json_pack("{s:I,s:s,s:I,s:s,s:s}", "size",
						   (json_int_t)1000000, "root",
						   "00000000000000000000000000000000"
						   "00000000000000000000000000000000", "ts",
						   (json_int_t)1, "origin", "wijknet:broker:audit_log",
						   "sig", "AAAA"));
	reply = raw_as(f, "radar", env);
	assert_string_equal(reply_error(reply), "signature");
	json_decref(reply);
	json_decref(env);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_disputes"), 0);
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_sh(f, "rm -f data/broker.db-wal data/broker.db-shm && "
			       "cp bbk/broker.db data/broker.db"), 0);
	assert_int_equal(fed_start_broker(f), 0);
	int said = 0;
	for (int64_t end = time_mono_ms() + 20000; !said && time_mono_ms() < end;) {
		said = cli(f, "broker", "admin status") == 0 &&
		       cli_out_has(f, "WARNING: audit log behind what") && cli_out_has(f, "radar");
		if (!said)
			sleep_ms(200);
	}
	if (!said)
		fed_sh(f, "cat cli.out >&2");
	assert_true(said);
	assert_true(cli_out_has(f, "restored from an older backup?"));
	assert_int_equal(cli(f, "broker", "admin status --json"), 0);
	assert_true(cli_out_has(f, "\"audit_behind\""));
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE"
			" peer = 'broker' AND kind = 'tampered' AND detail LIKE '%%witnessed%%'") >= 1);
	/* and every node's operator sees it in health (exit 3) */
	int status = 0;
	for (int64_t end = time_mono_ms() + 10000; time_mono_ms() < end; sleep_ms(200))
		if ((status = cli(f, "radar", "health")) == 3 &&
		    cli_out_has(f, "audit log is behind what"))
			break;
	assert_int_equal(status, 3);
	assert_true(cli_out_has(f, "audit log is behind what"));
	assert_int_equal(cli(f, "radar", "health --json"), 3);
	assert_false(cli_out_has(f, "\"broker_audit_behind\": 0"));
}

/* The most digits after the point in a /metrics body's sample values (a
 * histogram's _sum aside, in microseconds): ages have some, counts none. */
static int metrics_widest_fraction(const char *text)
{
	int widest = 0;
	for (const char *line = strstr(text, "\r\n\r\n"); line != NULL && *line;) {
		line += strspn(line, "\r\n");
		size_t len = strcspn(line, "\n");
		const char *v = NULL;
		for (size_t i = 0; i < len; i++)
			if (line[i] == ' ')
				v = line + i + 1;
		const char *dot = v ? memchr(v, '.', (size_t)(line + len - v)) : NULL;
		int sum = strncmp(line, "wijknet_message_duration_seconds_sum", 36) == 0;
		if (line[0] != '#' && !sum && dot != NULL && (int)(line + len - dot - 1) > widest)
			widest = (int)(line + len - dot - 1);
		line += len;
	}
	return widest;
}

static char *http_get_when_up(int port, const char *path)
{
	char *r = NULL;
	int64_t end = time_mono_ms() + 10000;
	while ((r = fed_http_get(port, path)) == NULL && time_mono_ms() < end)
		sleep_ms(50);
	return r;
}

/* 1 if a thread of process pid is named name (/proc/PID/task/TID/comm). */
static int has_thread(pid_t pid, const char *name)
{
	char path[96], comm[32];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/comm", (int)pid, e->d_name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		if (fgets(comm, sizeof(comm), fp) != NULL) {
			comm[strcspn(comm, "\n")] = '\0';
			found = strcmp(comm, name) == 0;
		}
		fclose(fp);
	}
	closedir(d);
	return found;
}

/* The operator's endpoint (libmicrohttpd, loopback only): /metrics counts
 * messages by type and outcome with latencies, and the state an operator
 * watches; /healthz says whether the daemon can serve. */
static void test_r21_breach_metrics_and_health_endpoints(void **state)
{
	struct fed *f = *state;
	char spec[64], node[512];
	fed_bin("wijknet-node", node, sizeof(node));
	assert_int_equal(fed_setup(f, three, 3), 0);
	int bport = f->base_port + 50, nport = f->base_port + 51;
	snprintf(spec, sizeof(spec), "\"127.0.0.1:%d\"", bport);
	assert_int_equal(fed_config_edit(f, "broker.json", "metrics", spec), 0);
	snprintf(spec, sizeof(spec), "\"127.0.0.1:%d\"", nport);
	assert_int_equal(fed_config_edit(f, "radar.json", "metrics", spec), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	static const wn_actor actor = { "u-7", "wijkcoach" };
	for (int i = 0; i < 3; i++) {
		wn_lookup_result *r = lookup_by(f, 0, "999990019", &actor);
		assert_non_null(r);
		wn_lookup_result_free(r);
	}
	/* one call on radar's own socket, whose bytes are counted too */
	char url[512];
	wn_client *c = NULL;
	wn_partner_list *l = NULL;
	fed_socket(f, 1, url, sizeof(url));
	assert_int_equal(wn_client_open(&c, url), 0);
	assert_int_equal(wn_health(c, &l), 0);
	wn_partner_list_free(l);
	wn_client_close(c);
	char *m = http_get_when_up(nport, "/metrics");
	assert_non_null(m);
	assert_non_null(strstr(m, "HTTP/1.1 200"));
	assert_non_null(strstr(m, "text/plain; version=0.0.4"));
	assert_true(fed_metric_sum(m, "wijknet_message_bytes_total{kind=\"local\",type=\"health\","
				      "direction=\"in\"}") > 0);
	assert_true(fed_metric_sum(m, "wijknet_message_bytes_total{kind=\"local\",type=\"health\","
				      "direction=\"out\"}") > 0);
	static const char *const node_facts[] = {
		"wijknet_messages_total{kind=\"inbound\",type=\"lookup\",outcome=\"ok\"} 3",
		"wijknet_message_duration_seconds_bucket{kind=\"inbound\",type=\"lookup\",le=\"+Inf\"} 3",
		"wijknet_partners_usable 2", "wijknet_log_entries{log=\"ledger\"}",
		"wijknet_certificate_seconds_left", "wijknet_crl_seconds_left",
		"wijknet_security_events", "wijknet_outbox{state=\"pending\"}",
	};
	for (size_t i = 0; i < sizeof(node_facts) / sizeof(node_facts[0]); i++)
		if (strstr(m, node_facts[i]) == NULL)
			fail_msg("node /metrics lacks '%s'", node_facts[i]);
	/* values as a person reads them: no float noise past the millisecond */
	assert_true(strstr(m, "wijknet_directory_age_seconds ") != NULL);
	assert_in_range(metrics_widest_fraction(m), 0, 3);
	/* three disclosures, each durable before its answer: at least three
	 * writes in at least one commit, never more commits than writes */
	double commits = fed_metric_sum(m, "wijknet_db_commits_total ");
	double writes = fed_metric_sum(m, "wijknet_db_committed_writes_total ");
	assert_true(commits >= 1 && writes >= 3 && commits <= writes);
	free(m);
	/* a refusal recorded, which nobody assesses, beside an incident that waits */
	db_exec_on(f, "data/broker.db", "INSERT INTO breaches(source, kind, peer, addr, day, count,"
		   " first_seen, last_seen, subject, class) VALUES ('broker', 'denied', 'x',"
		   " '127.0.0.1:1', '2026-12-06', 1, 0, 0, '', 'refusal'), ('broker', 'tampered',"
		   " 'y', '127.0.0.1:2', '2026-12-06', 1, 0, 0, '', 'incident')");
	m = http_get_when_up(bport, "/metrics");
	assert_non_null(m);
	assert_true(fed_metric_sum(m, "wijknet_breaches_unassessed ") ==
		    (double)dbq(f, "data/broker.db", "SELECT COUNT(*) FROM breaches WHERE"
				" assessed_at IS NULL AND class = 'incident'"));
	static const char *const broker_facts[] = {
		"wijknet_messages_total{kind=\"broker\",type=\"lookup\",outcome=\"ok\"} 3",
		"wijknet_partners{status=\"active\"} 3", "wijknet_partners_up 3",
		"wijknet_log_entries{log=\"audit_log\"}", "wijknet_checkpoint_age_seconds",
		"wijknet_breach_events",
	};
	for (size_t i = 0; i < sizeof(broker_facts) / sizeof(broker_facts[0]); i++)
		if (strstr(m, broker_facts[i]) == NULL)
			fail_msg("broker /metrics lacks '%s'", broker_facts[i]);
	commits = fed_metric_sum(m, "wijknet_db_commits_total ");
	writes = fed_metric_sum(m, "wijknet_db_committed_writes_total ");
	assert_true(commits >= 1 && writes >= 3 && commits <= writes);
	free(m);
	m = fed_http_get(nport, "/healthz");
	assert_non_null(m);
	assert_non_null(strstr(m, "HTTP/1.1 200"));
	free(m);
	m = fed_http_get(nport, "/nothing");
	assert_non_null(m);
	assert_non_null(strstr(m, "HTTP/1.1 404"));
	free(m);
	/* an operator's top -H tells the daemons' threads apart */
	static const char *const broker_threads[] = { "wn:peer", "wn:gate", "wn:flush",
						      "wn:checkpoint", "wn:federation" };
	for (size_t i = 0; i < sizeof(broker_threads) / sizeof(broker_threads[0]); i++)
		if (!has_thread(f->broker, broker_threads[i]))
			fail_msg("the broker has no thread named %s", broker_threads[i]);
	static const char *const node_threads[] = { "wn:peer", "wn:local", "wn:gate", "wn:flush",
						    "wn:refresh" };
	for (size_t i = 0; i < sizeof(node_threads) / sizeof(node_threads[0]); i++)
		if (!has_thread(f->nodes[0], node_threads[i]))
			fail_msg("a node has no thread named %s", node_threads[i]);
	/* the endpoint is the local operator's: a network address is refused */
	assert_int_equal(fed_config_edit(f, "xonar.json", "metrics", "\"0.0.0.0:9464\""), 0);
	assert_int_not_equal(fed_sh(f, "'%s' --config xonar.json --check 2>check.err", node), 0);
	assert_int_equal(fed_sh(f, "grep -q 'not a loopback address' check.err"), 0);
}

/* Opens n TCP connections to port on loopback that send nothing; the
 * descriptors go to fds. Returns how many connected. */
static int idle_sockets(int port, int *fds, int n)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int k = 0;
	for (; k < n; k++) {
		fds[k] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[k] < 0 || connect(fds[k], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			if (fds[k] >= 0)
				close(fds[k]);
			break;
		}
	}
	return k;
}

/* How many of the sockets the far end has closed. */
static int closed_by_peer(const int *fds, int n)
{
	int closed = 0;
	for (int i = 0; i < n; i++) {
		char c;
		ssize_t r = recv(fds[i], &c, 1, MSG_DONTWAIT);
		closed += r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
	}
	return closed;
}

/* Thousands of connections that never start a TLS handshake, against a
 * broker with 1,024 descriptors: the gate closes them (the oldest first,
 * and all of them after handshake_timeout_ms), and a partner connecting
 * among them is served. */
static void test_r20_integrity_idle_sockets_deny_no_service(void **state)
{
	struct fed *f = *state;
	/* 3000, or as many as this process may hold on a machine that allows fewer */
	int idle = 3000;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)idle + 256)
		idle = (int)rl.rlim_max - 256;
	if (rl.rlim_cur < (rlim_t)idle + 256) {
		rl.rlim_cur = (rlim_t)idle + 256;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	assert_int_equal(fed_setup(f, three, 3), 0);
	f->fd_limit = 1024; /* after fed_setup, which clears f */
	assert_int_equal(fed_config_edit(f, "broker.json", "handshake_timeout_ms", "3000"), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	int *fds = calloc((size_t)idle, sizeof(int));
	assert_non_null(fds);
	int n = idle_sockets(f->base_port, fds, idle);
	print_message("%d idle connections to the broker\n", n);
	assert_true(n >= idle - 16 && n >= 500);
	/* a partner connects among them and gets its answer */
	struct raw_peer p;
	json_t *env = radar_directory_get(), *reply = NULL;
	radar_to_broker(f, &p);
	assert_int_equal(raw_send_env(&p, env, 10000, &reply), 0);
	assert_string_equal(envelope_str(reply, "type"), "directory");
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
	/* every idle one is closed by the handshake deadline */
	int64_t end = time_mono_ms() + 15000;
	int closed = 0;
	while ((closed = closed_by_peer(fds, n)) < n && time_mono_ms() < end)
		sleep_ms(100);
	print_message("%d of them closed by the broker\n", closed);
	assert_int_equal(closed, n);
	assert_true(fed_log_contains(f, "broker", "\"event\":\"connection_evicted\""));
	assert_true(fed_log_contains(f, "broker", "\"event\":\"tls_handshake_timeout\""));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	/* the nodes are served by the broker still */
	assert_int_equal(fed_wait_up(f, 0, 3, 10000), 0);
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest running[] = {
		cmocka_unit_test(test_r02_known_federation_health_all_up),
		cmocka_unit_test(test_r02_known_cli_number_options_refused),
		cmocka_unit_test(test_r21_breach_forged_sender),
		cmocka_unit_test(test_r21_breach_database_error_is_not_a_breach),
		cmocka_unit_test(test_r21_breach_refusals_counted_then_disconnected),
		cmocka_unit_test(test_r20_integrity_replay_refused),
		cmocka_unit_test(test_r20_integrity_timestamp_outside_window),
		cmocka_unit_test(test_r20_integrity_oversize_refused),
		cmocka_unit_test(test_r20_integrity_malformed_json_refused),
		cmocka_unit_test(test_r20_integrity_unknown_field_refused),
		cmocka_unit_test(test_r20_integrity_query_without_broker_receipt),
	};
	const struct CMUnitTest own[] = {
		cmocka_unit_test_setup_teardown(test_r20_integrity_foreign_ca_refused, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_refused_certificate_recorded_among_other_failures,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_revoked_certificate_refused, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_expired_certificate_refused, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_lapsed_certificate_renewed_in_place, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r24_lapsed_certificate_keeps_the_vote, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_no_certificate_refused, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_files_fail_closed, own_setup,
						own_teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_metrics_and_health_endpoints,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_register_needs_the_brokers_config,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(
			test_r20_integrity_backup_restore_behind_witness_refused, own_setup,
			own_teardown),
		cmocka_unit_test_setup_teardown(
			test_r20_integrity_broker_restore_behind_witnesses_said, own_setup,
			own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_check_names_what_is_missing,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_lost_key_file_refuses_start, own_setup,
						own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_idle_sockets_deny_no_service,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_node_restart_reconnects, own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_broker_restart_reconnects, own_setup, own_teardown),
	};
	int failed = cmocka_run_group_tests_name("federation_running", running, group_setup,
						 fed_group_teardown);
	failed += cmocka_run_group_tests_name("federation_certificates_and_restarts", own, NULL, NULL);
	return fed_test_end("test_federation", failed, t0);
}
