/*
 * test_lookup.c — known / not-known lookups under real conditions: a broker
 * and partner nodes as separate processes over mutual TLS on 127.0.0.1.
 *
 * The shared federation: alcander (the requester), radar and mondriaan
 * (which hold records of BSN_KNOWN), xonar (holds nothing), mondriaan with
 * the profile {"lookups": "consent_required"} and sevagram, which the
 * broker's registry places in the cluster "volwassenen" only. Tests that
 * need other broker settings run their own federation.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "encoding.h"
#include "envelope.h"
#include "fileio.h"
#include "fedcheck.h"
#include "harness.h"
#include "hpke.h"
#include "ids.h"
#include "pki.h"

/* node indices of the shared federation */
enum { ALCANDER, RADAR, XONAR, MONDRIAAN, SEVAGRAM, NNODES };
static const char *const ids[NNODES] = { "alcander", "radar", "xonar", "mondriaan", "sevagram" };

#define BSN_KNOWN "111222333"    /* radar and mondriaan hold records */
#define BSN_KNOWN2 "123456782"   /* radar holds a record (imported) */
#define BSN_UNKNOWN "999999990"  /* nobody holds it */
#define BSN_BAD "111222334"      /* fails the 11-proef */
#define MARKER "WNTEST-dossier-geheim-7731" /* record content, never outside the node */

/* ---- small helpers -------------------------------------------------- */

static void node_db(const char *id, char *out, size_t cap)
{
	snprintf(out, cap, "data/%s.db", id);
}

static long records_count(struct fed *f, const char *id)
{
	char db[128];
	node_db(id, db, sizeof(db));
	return fed_db_count(f, db, "SELECT COUNT(*) FROM records");
}

static long disclosures_count(struct fed *f, const char *id)
{
	char db[128];
	node_db(id, db, sizeof(db));
	return fed_db_count(f, db, "SELECT COUNT(*) FROM disclosures");
}

static wn_lookup_params params_for(const char *bsn)
{
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = bsn;
	p.purpose = "intake";
	p.ground = FED_LOOKUP_GROUND;
	p.motivation_json = FED_MOTIVATION;
	p.actor.id = "u-1001";
	p.actor.role = "wijkcoach";
	return p;
}

static wn_lookup_result *lookup_ok(struct fed *f, size_t node, const wn_lookup_params *p)
{
	wn_client *c = client_of(f, node);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, p, &r);
	if (rc != 0)
		print_error("wn_lookup(%s): %s: %s\n", p->bsn, wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	assert_int_equal(rc, 0);
	assert_non_null(r);
	assert_non_null(r->request_id);
	assert_true(r->request_id[0] != '\0');
	return r;
}

/* wn_lookup must fail with want; errmsg must contain needle (if given). */
static void lookup_fails(struct fed *f, size_t node, const wn_lookup_params *p, int want,
			 const char *needle)
{
	wn_client *c = client_of(f, node);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, p, &r);
	if (rc != want)
		print_error("wn_lookup: got %s (%s), want %s\n", wn_errname(rc),
			    wn_client_errmsg(c), wn_errname(want));
	if (rc == 0)
		wn_lookup_result_free(r);
	if (rc == want && needle != NULL && strstr(wn_client_errmsg(c), needle) == NULL)
		print_error("errmsg '%s' does not contain '%s'\n", wn_client_errmsg(c), needle);
	int has = needle == NULL || strstr(wn_client_errmsg(c), needle) != NULL;
	wn_client_close(c);
	assert_int_equal(rc, want);
	assert_true(has);
}

/* The answer of partner id; fails when it is listed more than once. */
static const wn_lookup_answer *answer_of(const wn_lookup_result *r, const char *id)
{
	const wn_lookup_answer *found = NULL;
	for (size_t i = 0; i < r->count; i++) {
		if (strcmp(r->answers[i].partner, id) != 0)
			continue;
		if (found != NULL)
			print_error("partner %s is listed twice\n", id);
		assert_null(found);
		found = &r->answers[i];
	}
	return found;
}

static void expect_answer(const wn_lookup_result *r, const char *id, const char *outcome,
			  const char *reason)
{
	const wn_lookup_answer *a = answer_of(r, id);
	if (a == NULL)
		print_error("no answer listed for %s\n", id);
	assert_non_null(a);
	if (strcmp(a->outcome, outcome) != 0)
		print_error("%s answered %s (%s), want %s\n", id, a->outcome,
			    a->reason ? a->reason : "-", outcome);
	assert_string_equal(a->outcome, outcome);
	if (reason != NULL) {
		assert_non_null(a->reason);
		assert_string_equal(a->reason, reason);
	}
}

static void record_line(char *out, size_t cap, const char *bsn, const char *category,
			const char *note)
{
	snprintf(out, cap,
		 "{\"bsn\":\"%s\",\"category\":\"%s\",\"content\":{\"notitie\":\"%s\"},"
		 "\"professional\":\"prof-17\"}",
		 bsn, category, note);
}

/* Connects to the broker as radar, a valid member. */
static void radar_to_broker(struct fed *f, struct raw_peer *p)
{
	char url[128];
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, p, "ca/radar.pem", NULL, url, "broker"), 0);
	assert_int_equal(p->first_error, 0);
}

/* A lookup from -> to, header complete, not yet sealed or signed. */
static json_t *raw_lookup(const char *from, const char *to, const char *cluster)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "lookup", from, to), 0);
	envelope_set_str(env, "purpose", "intake");
	envelope_set_str(env, "ground", FED_LOOKUP_GROUND);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-actor", "role", "tester"));
	if (cluster != NULL)
		json_object_set_new(env, "body", json_pack("{s:s}", "cluster", cluster));
	return env;
}

/* The part sealed to a source: one person, with the lookup's motivation. */
static json_t *raw_lookup_body(const char *bsn)
{
	json_error_t jerr;
	json_t *m = json_loads(FED_MOTIVATION, 0, &jerr);
	assert_non_null(m);
	return json_pack("{s:[{s:s}],s:i,s:o}", "people", "bsn", bsn, "class", 1, "motivation", m);
}

/* ---- the shared federation ------------------------------------------ */

static int put_record(struct fed *f, size_t node, const char *bsn, const char *category)
{
	char url[512];
	wn_client *c = NULL;
	fed_socket(f, node, url, sizeof(url));
	if (wn_client_open(&c, url) != 0)
		return -1;
	wn_record r = { bsn, category, "{\"notitie\":\"" MARKER "\"}", "prof-42", NULL };
	int rc = wn_record_put(c, &r);
	if (rc != 0)
		fprintf(stderr, "wn_record_put: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

static int import_radar_seed(struct fed *f)
{
	char url[512], line[512];
	wn_client *c = NULL;
	wn_import *im = NULL;
	long n = 0;
	fed_socket(f, RADAR, url, sizeof(url));
	if (wn_client_open(&c, url) != 0 || wn_import_begin(c, &im) != 0)
		return -1;
	record_line(line, sizeof(line), BSN_KNOWN, "zrm.financien", MARKER "-import");
	int rc = wn_import_add(im, 1, line);
	record_line(line, sizeof(line), BSN_KNOWN2, "leefgebied.inkomen_schulden", MARKER "-import");
	if (rc == 0)
		rc = wn_import_add(im, 2, line);
	if (rc == 0)
		rc = wn_import_commit(im, &n);
	else
		wn_import_abort(im);
	if (rc != 0 || n != 2)
		fprintf(stderr, "seed import: %s (%ld): %s\n", wn_errname(rc), n, wn_client_errmsg(c));
	wn_client_close(c);
	return rc == 0 && n == 2 ? 0 : -1;
}

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	if (fed_setup(f, ids, NNODES) != 0 ||
	    fed_config_edit(f, "mondriaan.json", "profile", "{\"lookups\":\"consent_required\"}") != 0 ||
	    broker_partner_set(f, "sevagram", "clusters", "[\"volwassenen\"]") != 0) {
		fprintf(stderr, "group setup: federation layout failed\n");
		return -1;
	}
	if (fed_start_all(f, 20000) != 0) {
		fprintf(stderr, "group setup: federation did not come up\n");
		return -1;
	}
	if (write_lookup_motivation(f) != 0 ||
	    put_record(f, RADAR, BSN_KNOWN, "leefgebied.huisvesting") != 0 ||
	    put_record(f, MONDRIAAN, BSN_KNOWN, "leefgebied.psychisch") != 0 ||
	    import_radar_seed(f) != 0)
		return -1;
	return 0;
}

/* After a test that stops or kills nodes: everything runs and is up again. */
static int revive_teardown(void **state)
{
	struct fed *f = *state;
	for (size_t i = 0; i < f->n; i++) {
		if (f->nodes[i] > 0)
			kill(f->nodes[i], SIGCONT);
		else
			fed_start_node(f, i);
	}
	if (fed_wait_up(f, ALCANDER, f->n, 15000) != 0) {
		fprintf(stderr, "revive: federation not back up\n");
		return -1;
	}
	return 0;
}

/* ---- r02 / r06: who is asked, what each answers ----------------------- */

static void test_r02_known_r06_partner_profile_default_scope(void **state)
{
	struct fed *f = *state;
	long mondriaan_before = disclosures_count(f, "mondriaan");
	wn_lookup_params p = params_for(BSN_KNOWN);
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	/* every active partner except the requester itself, each listed once */
	assert_int_equal(r->count, NNODES - 1);
	assert_null(answer_of(r, "alcander"));
	expect_answer(r, "radar", "known", NULL);
	expect_answer(r, "xonar", "not_known", NULL);
	expect_answer(r, "sevagram", "not_known", NULL);
	/* mondriaan holds a record, but its own profile needs a consent (r06) */
	expect_answer(r, "mondriaan", "refused", "consent_required");
	assert_string_equal(answer_of(r, "radar")->name, "Radar");
	assert_string_equal(answer_of(r, "mondriaan")->name, "Mondriaan");
	/* the node enforced and logged its own refusal */
	assert_int_equal(dbq(f, "data/mondriaan.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s' AND "
			     "outcome='refused' AND reason='consent_required'", r->request_id), 1);
	assert_int_equal(disclosures_count(f, "mondriaan"), mondriaan_before + 1);
	wn_lookup_result_free(r);

	/* a person nobody knows: not_known everywhere, and mondriaan's refusal
	 * looks exactly the same as for a person it does know */
	p = params_for(BSN_UNKNOWN);
	r = lookup_ok(f, ALCANDER, &p);
	assert_int_equal(r->count, NNODES - 1);
	expect_answer(r, "radar", "not_known", NULL);
	expect_answer(r, "xonar", "not_known", NULL);
	expect_answer(r, "sevagram", "not_known", NULL);
	expect_answer(r, "mondriaan", "refused", "consent_required");
	wn_lookup_result_free(r);
}

static void test_r02_known_named_partners_only(void **state)
{
	struct fed *f = *state;
	long before[NNODES];
	for (size_t i = 0; i < NNODES; i++)
		before[i] = disclosures_count(f, ids[i]);
	const char *const named[] = { "radar", "xonar" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = named;
	p.npartners = 2;
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	assert_int_equal(r->count, 2);
	expect_answer(r, "radar", "known", NULL);
	expect_answer(r, "xonar", "not_known", NULL);
	assert_null(answer_of(r, "mondriaan"));
	assert_null(answer_of(r, "sevagram"));
	/* only the named partners were asked */
	assert_int_equal(disclosures_count(f, "radar"), before[RADAR] + 1);
	assert_int_equal(disclosures_count(f, "xonar"), before[XONAR] + 1);
	assert_int_equal(disclosures_count(f, "mondriaan"), before[MONDRIAAN]);
	assert_int_equal(disclosures_count(f, "sevagram"), before[SEVAGRAM]);
	wn_lookup_result_free(r);

	/* the CLI passes --partners through */
	assert_int_equal(cli(f, "alcander", "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS " "
				 "--partners xonar --actor u-1001 --role wijkcoach --json"), 0);
	assert_int_equal(fed_sh(f, "grep -q '\"partner\": \"xonar\"' cli.out"), 0);
	assert_int_not_equal(fed_sh(f, "grep -q radar cli.out"), 0);
	assert_int_equal(disclosures_count(f, "radar"), before[RADAR] + 1);
	assert_int_equal(disclosures_count(f, "xonar"), before[XONAR] + 2);
	/* a ground without what it rests on is invalid input (2), and nobody is asked */
	assert_int_equal(cli(f, "alcander", "lookup --bsn " BSN_KNOWN " --purpose intake"
			     " --ground public_task"), 2);
	assert_true(cli_err_has(f, "motivation"));
	assert_int_equal(cli(f, "alcander", "lookup --bsn " BSN_KNOWN " --purpose intake"
			     " --ground consent"), 2);
	assert_true(cli_err_has(f, "--consent ID"));
	/* a household item that is not BSN or BSN:CONSENT is named */
	assert_int_equal(cli(f, "alcander", "lookup --household " BSN_KNOWN ",123456782: --purpose"
			     " intake " FED_LOOKUP_ARGS), 2);
	assert_true(cli_err_has(f, "item 2 is not BSN or BSN:CONSENT"));
	assert_int_equal(disclosures_count(f, "xonar"), before[XONAR] + 2);
}

static void test_r02_known_r26_clusters_scope(void **state)
{
	struct fed *f = *state;
	long sevagram_before = disclosures_count(f, "sevagram");
	/* sevagram takes part in "volwassenen" only: not asked for youth */
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.cluster = "jeugd";
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	assert_int_equal(r->count, 3);
	assert_null(answer_of(r, "sevagram"));
	expect_answer(r, "radar", "known", NULL);
	expect_answer(r, "xonar", "not_known", NULL);
	expect_answer(r, "mondriaan", "refused", "consent_required");
	assert_int_equal(disclosures_count(f, "sevagram"), sevagram_before);
	/* the source logs the cluster of the lookup */
	assert_int_equal(dbq(f, "data/radar.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s' AND cluster='jeugd'",
			     r->request_id), 1);
	wn_lookup_result_free(r);
	/* ... but it is asked for adults */
	p.cluster = "volwassenen";
	r = lookup_ok(f, ALCANDER, &p);
	assert_int_equal(r->count, 4);
	expect_answer(r, "sevagram", "not_known", NULL);
	assert_int_equal(disclosures_count(f, "sevagram"), sevagram_before + 1);
	wn_lookup_result_free(r);
	/* naming it explicitly for a youth lookup is refused */
	const char *const named[] = { "radar", "sevagram" };
	p.cluster = "jeugd";
	p.partners = named;
	p.npartners = 2;
	lookup_fails(f, ALCANDER, &p, WN_ECLUSTER, "sevagram");
	assert_int_equal(disclosures_count(f, "sevagram"), sevagram_before + 1);
}

/* The broker enforces the cluster scope too, whatever a node sends. */
static void test_r02_known_r26_clusters_broker_enforces_scope(void **state)
{
	struct fed *f = *state;
	struct raw_peer peer;
	uint8_t sk[32], pk[32];
	json_t *reply = NULL, *body = raw_lookup_body(BSN_KNOWN);
	long before = dbq(f, "data/broker.db",
			  "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='unknown_cluster'");
	long sevagram_before = disclosures_count(f, "sevagram");
	assert_int_equal(hpke_keypair_generate(sk, pk), 0);
	radar_to_broker(f, &peer);
	json_t *env = raw_lookup("radar", "sevagram", "jeugd");
	assert_int_equal(envelope_seal(env, "sevagram", pk, body), 0);
	assert_int_equal(raw_send_env(&peer, env, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "unknown_cluster");
	assert_int_equal(dbq(f, "data/broker.db",
			     "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='unknown_cluster'"),
			 before + 1);
	assert_int_equal(disclosures_count(f, "sevagram"), sevagram_before);
	json_decref(reply);
	json_decref(env);
	json_decref(body);
	raw_close(&peer);
}

/* ---- r02: unavailable is never not_known ------------------------------ */

static void test_r02_known_unavailable_killed_node(void **state)
{
	struct fed *f = *state;
	fed_stop(&f->nodes[XONAR], SIGKILL);
	wn_lookup_params p = params_for(BSN_KNOWN);
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	assert_int_equal(r->count, NNODES - 1);
	expect_answer(r, "xonar", "unavailable", NULL);
	expect_answer(r, "radar", "known", NULL);
	expect_answer(r, "mondriaan", "refused", "consent_required");
	expect_answer(r, "sevagram", "not_known", NULL);
	/* the requester's own log records xonar as unavailable */
	/* (the completion is committed just after the answers leave) */
	assert_int_equal(dbq_wait(f, "data/alcander.db", 1, 15000,
				  "SELECT COUNT(*) FROM sent_log WHERE request_id='%s' AND "
				  "outcomes LIKE '%%\"xonar\":\"unavailable\"%%'", r->request_id), 1);
	wn_lookup_result_free(r);
	/* restarted, it answers again */
	assert_int_equal(fed_start_node(f, XONAR), 0);
	assert_int_equal(fed_wait_up(f, ALCANDER, NNODES, 10000), 0);
	r = lookup_ok(f, ALCANDER, &p);
	expect_answer(r, "xonar", "not_known", NULL);
	wn_lookup_result_free(r);
}

static void test_r02_known_unavailable_stopped_node_late(void **state)
{
	struct fed *f = *state;
	int late_before = log_count(f, "broker", "partner_late", "xonar");
	assert_int_equal(kill(f->nodes[XONAR], SIGSTOP), 0);
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.deadline_ms = 800;
	int64_t t0 = time_mono_ms();
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	int64_t took = time_mono_ms() - t0;
	print_message("lookup with a stopped partner took %lld ms (deadline 800)\n",
		      (long long)took);
	assert_int_equal(r->count, NNODES - 1);
	expect_answer(r, "xonar", "unavailable", NULL);
	expect_answer(r, "radar", "known", NULL);
	expect_answer(r, "mondriaan", "refused", "consent_required");
	expect_answer(r, "sevagram", "not_known", NULL);
	/* the lookup's own deadline, not the default of 2000 ms */
	assert_true(took >= 700);
	assert_true(took < 1900);
	wn_lookup_result_free(r);
	for (int64_t end = time_mono_ms() + 15000;
	     log_count(f, "broker", "partner_late", "xonar") <= late_before && time_mono_ms() < end;)
		sleep_ms(20);
	assert_true(log_count(f, "broker", "partner_late", "xonar") > late_before);
	/* continued, it answers the old query late: ignored, the next one works */
	assert_int_equal(kill(f->nodes[XONAR], SIGCONT), 0);
	assert_int_equal(fed_wait_up(f, ALCANDER, NNODES, 10000), 0);
	p.deadline_ms = 0;
	for (int round = 0; round < 2; round++) {
		r = lookup_ok(f, ALCANDER, &p);
		assert_int_equal(r->count, NNODES - 1);
		expect_answer(r, "xonar", "not_known", NULL);
		expect_answer(r, "radar", "known", NULL);
		expect_answer(r, "mondriaan", "refused", "consent_required");
		expect_answer(r, "sevagram", "not_known", NULL);
		wn_lookup_result_free(r);
	}
}

/* ---- r16 / r14: who asked is logged at every hop ---------------------- */

static void test_r16_actor_r14_lawful_ground_log_entries(void **state)
{
	struct fed *f = *state;
	const char *const named[] = { "radar" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.purpose = "signalering";
	p.cluster = "multiprobleem";
	p.partners = named;
	p.npartners = 1;
	p.actor.id = "u-4711-jansen";
	p.actor.role = "wijkcoach-jeugd";
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	expect_answer(r, "radar", "known", NULL);
	const char *rid = r->request_id;
	/* the source: one disclosure entry with who, why and what it said */
	assert_int_equal(dbq(f, "data/radar.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s'", rid), 1);
	assert_int_equal(dbq(f, "data/radar.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s' AND type='lookup'"
			     " AND requester='alcander' AND actor_id='u-4711-jansen' AND "
			     "actor_role='wijkcoach-jeugd' AND purpose='signalering' AND "
			     "cluster='multiprobleem' AND outcome='known' AND "
			     "length(subject_index)=32", rid), 1);
	/* bound to the broker's audit entry of the same query */
	long bindex = dbq(f, "data/radar.db",
			  "SELECT broker_index FROM disclosures WHERE request_id='%s'", rid);
	long aindex = dbq(f, "data/broker.db",
			  "SELECT idx FROM audit_log WHERE msg_id='%s' AND type='lookup'", rid);
	assert_true(aindex > 0);
	assert_int_equal(bindex, aindex);
	/* the requester: what it asked, by whom, and what came back */
	assert_int_equal(dbq_wait(f, "data/alcander.db", 1, 15000,
				  "SELECT COUNT(*) FROM sent_log WHERE request_id='%s' AND type='lookup'"
				  " AND actor_id='u-4711-jansen' AND actor_role='wijkcoach-jeugd' AND "
				  "purpose='signalering' AND partners LIKE '%%radar%%' AND "
				  "completed_at IS NOT NULL AND outcomes LIKE '%%known%%'", rid), 1);
	/* the broker: the actor in its audit entry */
	assert_int_equal(dbq(f, "data/broker.db",
			     "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s' AND type='lookup' AND "
			     "entry LIKE '%%u-4711-jansen%%' AND entry LIKE '%%wijkcoach-jeugd%%'", rid),
			 1);
	wn_lookup_result_free(r);
	/* a lookup without an actor is refused */
	p.actor.id = NULL;
	p.actor.role = NULL;
	long sent = fed_db_count(f, "data/alcander.db", "SELECT COUNT(*) FROM sent_log");
	wn_client *c = client_of(f, ALCANDER);
	int rc = wn_lookup(c, &p, &r);
	wn_client_close(c);
	assert_int_not_equal(rc, 0);
	assert_int_equal(fed_db_count(f, "data/alcander.db", "SELECT COUNT(*) FROM sent_log"), sent);
}

/* No entry, no answer: when the source cannot write its disclosure entry,
 * the requester learns nothing about the person. */
static void test_r14_lawful_ground_log_no_entry_no_answer(void **state)
{
	struct fed *f = *state;
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, "data/radar.db", path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER wn_test_block BEFORE INSERT ON disclosures "
					  "BEGIN SELECT RAISE(ABORT, 'blocked by test'); END;",
				      NULL, NULL, NULL), SQLITE_OK);
	const char *const named[] = { "radar" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = named;
	p.npartners = 1;
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	const wn_lookup_answer *a = answer_of(r, "radar");
	assert_non_null(a);
	print_message("radar without a disclosure log: %s (%s)\n", a->outcome,
		      a->reason ? a->reason : "-");
	assert_true(strcmp(a->outcome, "error") == 0 || strcmp(a->outcome, "unavailable") == 0);
	assert_int_equal(dbq(f, "data/radar.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s'", r->request_id),
			 0);
	wn_lookup_result_free(r);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER wn_test_block", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* with its log writable again, radar answers and logs */
	r = lookup_ok(f, ALCANDER, &p);
	expect_answer(r, "radar", "known", NULL);
	assert_int_equal(dbq(f, "data/radar.db",
			     "SELECT COUNT(*) FROM disclosures WHERE request_id='%s'", r->request_id),
			 1);
	wn_lookup_result_free(r);
}

/* ---- r02: bad input, each with its own refusal ------------------------ */

struct refusal_counts {
	long sent, audit;
};

static struct refusal_counts counts_now(struct fed *f)
{
	struct refusal_counts c = {
		fed_db_count(f, "data/alcander.db", "SELECT COUNT(*) FROM sent_log"),
		/* (a delivery entry is committed just after its answers leave:
		 * one of an earlier lookup may still land) */
		fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type NOT LIKE"
			     " '%.delivery'"),
	};
	return c;
}

/* A locally refused lookup sends nothing and logs nothing as sent. */
static void expect_nothing_sent(struct fed *f, struct refusal_counts before)
{
	struct refusal_counts now = counts_now(f);
	assert_int_equal(now.sent, before.sent);
	assert_int_equal(now.audit, before.audit);
}

static void expect_cli_refusal(struct fed *f, const char *args, const char *errname)
{
	int st = cli(f, "alcander", args);
	if (st == 0 || !cli_err_has(f, errname))
		fed_sh(f, "cat cli.err >&2");
	assert_int_not_equal(st, 0);
	assert_true(cli_err_has(f, errname));
}

static void test_r02_known_bad_input_invalid_bsn(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	static const char *const bad[] = { BSN_BAD, "12345678", "1234567890", "11122233a", "000000000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wn_lookup_params p = params_for(bad[i]);
		lookup_fails(f, ALCANDER, &p, WN_EBSN, NULL);
	}
	expect_cli_refusal(f, "lookup --bsn " BSN_BAD " --purpose intake " FED_LOOKUP_ARGS "", "invalid_bsn");
	expect_nothing_sent(f, before);
	assert_true(fed_log_contains(f, "alcander", "invalid_bsn"));
	/* the refusal is logged without the number */
	assert_false(fed_log_contains(f, "alcander", BSN_BAD));
}

static void test_r02_known_bad_input_unknown_purpose(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.purpose = "onderzoek";
	lookup_fails(f, ALCANDER, &p, WN_EPURPOSE, "onderzoek");
	p.purpose = "Intake";
	lookup_fails(f, ALCANDER, &p, WN_EPURPOSE, NULL);
	expect_cli_refusal(f, "lookup --bsn " BSN_KNOWN " --purpose onderzoek " FED_LOOKUP_ARGS "", "unknown_purpose");
	expect_nothing_sent(f, before);
}

static void test_r02_known_bad_input_unknown_cluster(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.cluster = "ouderen";
	lookup_fails(f, ALCANDER, &p, WN_ECLUSTER, "ouderen");
	expect_cli_refusal(f, "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS " --cluster ouderen",
			   "unknown_cluster");
	expect_nothing_sent(f, before);
}

static void test_r02_known_bad_input_unknown_partner(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	const char *const named[] = { "radar", "nobody-zorg" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = named;
	p.npartners = 2;
	lookup_fails(f, ALCANDER, &p, WN_EUNKNOWN_PARTNER, "nobody-zorg");
	expect_cli_refusal(f, "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS " --partners radar,nobody-zorg",
			   "unknown_partner");
	expect_nothing_sent(f, before);
}

/* A partner named twice is refused at the requester's node, before the
 * lookup is logged as sent or reaches the broker, where it would stand as a
 * malformed message in the breach register. */
static void test_r02_known_bad_input_partner_named_twice(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	long breaches = fed_db_count(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM"
				     " security_events");
	const char *const named[] = { "radar", "sevagram", "radar" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = named;
	p.npartners = 3;
	lookup_fails(f, ALCANDER, &p, WN_EINVAL, "'radar' is named twice");
	expect_cli_refusal(f, "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS
			   " --partners radar,radar", "invalid_argument");
	assert_true(cli_err_has(f, "named twice"));
	expect_nothing_sent(f, before);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM"
				      " security_events"), breaches);
}

static void test_r02_known_bad_input_zero_partners(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	const char *const none[] = { NULL };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = none; /* an explicit, empty list: not "everyone" */
	p.npartners = 0;
	lookup_fails(f, ALCANDER, &p, WN_EINVAL, NULL);
	expect_cli_refusal(f, "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS " --partners ''",
			   "invalid_argument");
	expect_nothing_sent(f, before);
}

/* A second thread's failed call on a shared client: its message is its own. */
struct errmsg_thread {
	wn_client *c;
	int rc;
	int has_cluster, had_purpose;
};

static void *errmsg_thread_main(void *arg)
{
	struct errmsg_thread *t = arg;
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.cluster = "ouderen";
	wn_lookup_result *r = NULL;
	t->had_purpose = strstr(wn_client_errmsg(t->c), "onderzoek") != NULL;
	t->rc = wn_lookup(t->c, &p, &r);
	if (t->rc == 0)
		wn_lookup_result_free(r);
	t->has_cluster = strstr(wn_client_errmsg(t->c), "ouderen") != NULL;
	return NULL;
}

/* wn_client_errmsg is per client and per thread, and a refused argument
 * replaces an earlier call's message rather than leaving it standing. */
static void test_r02_known_bad_input_errmsg_per_client_and_thread(void **state)
{
	struct fed *f = *state;
	wn_client *c1 = client_of(f, ALCANDER), *c2 = client_of(f, ALCANDER);
	wn_lookup_params p = params_for(BSN_KNOWN);
	wn_lookup_result *r = NULL;
	wn_partner_list *l = NULL;
	p.purpose = "onderzoek";
	assert_int_equal(wn_lookup(c1, &p, &r), WN_EPURPOSE);
	assert_non_null(strstr(wn_client_errmsg(c1), "onderzoek"));
	/* another client's calls, good or bad, leave c1's message alone */
	assert_int_equal(wn_directory(c2, &l), 0);
	wn_partner_list_free(l);
	assert_string_equal(wn_client_errmsg(c2), "");
	assert_non_null(strstr(wn_client_errmsg(c1), "onderzoek"));
	p.purpose = NULL;
	assert_int_equal(wn_lookup(c2, &p, &r), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c2), "argument"));
	assert_non_null(strstr(wn_client_errmsg(c1), "onderzoek"));
	/* another thread on c1 has a message of its own */
	struct errmsg_thread t = { c1, 0, 0, 1 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, errmsg_thread_main, &t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.rc, WN_ECLUSTER);
	assert_true(t.has_cluster);
	assert_false(t.had_purpose);
	assert_non_null(strstr(wn_client_errmsg(c1), "onderzoek"));
	/* a call refused in the library says so, not what the node said before */
	assert_int_equal(wn_lookup(c1, &p, &r), WN_EINVAL);
	assert_null(strstr(wn_client_errmsg(c1), "onderzoek"));
	assert_non_null(strstr(wn_client_errmsg(c1), "argument"));
	wn_client_close(c1);
	wn_client_close(c2);
}

/* Arguments the library cannot send as given are refused there, with a
 * message, never sent narrowed or widened: a household member whose BSN is
 * not UTF-8 is not dropped, a count without its list is not "everyone". */
static void test_r02_known_bad_input_api_arguments_refused(void **state)
{
	struct fed *f = *state;
	struct refusal_counts before = counts_now(f);
	wn_client *c = client_of(f, ALCANDER);
	wn_lookup_result *r = NULL;
	wn_person hh[] = { { BSN_KNOWN, NULL }, { "11122\xff", NULL } };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.bsn = NULL;
	p.people = hh;
	p.npeople = 2;
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "UTF-8"));
	hh[1].bsn = NULL;
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	p = params_for(BSN_KNOWN);
	p.partners = NULL;
	p.npartners = 1;
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	p = params_for(BSN_KNOWN);
	p.deadline_ms = -1;
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	p = params_for(BSN_KNOWN);
	p.actor.role = NULL; /* half an actor */
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	p.actor.role = "wijkcoach";
	p.actor.id = "wk\xff";
	assert_int_equal(wn_lookup(c, &p, &r), WN_EINVAL);
	expect_nothing_sent(f, before);
	/* a record whose professional is not UTF-8: said so, nothing stored */
	wn_record rec = { BSN_UNKNOWN, "leefgebied.huisvesting", "{}", "m\xc3\x28", NULL };
	assert_int_equal(wn_record_put(c, &rec), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "UTF-8"));
	rec.professional = "p1";
	rec.retention = "2030\xff";
	assert_int_equal(wn_record_put(c, &rec), WN_EINVAL);
	/* an import ends at its first error, a later NULL line included */
	wn_import *im = NULL;
	long n = -1;
	assert_int_equal(wn_import_begin(c, &im), 0);
	assert_int_equal(wn_import_add(im, 1, "not json"), WN_EJSON);
	assert_int_equal(wn_import_add(im, 2, NULL), WN_EJSON);
	assert_int_equal(wn_import_commit(im, &n), WN_EJSON);
	assert_int_equal(n, 0);
	wn_client_close(c);
}

/* ---- r20 / r21: hand-made lookups through a raw peer ------------------ */

static void test_r20_integrity_r21_breach_body_sealed_to_wrong_key(void **state)
{
	struct fed *f = *state;
	struct raw_peer peer;
	uint8_t sk[32], pk[32];
	json_t *reply = NULL, *body = raw_lookup_body(BSN_KNOWN);
	char xonar_pem[512], err[256];
	pki_identity *xonar = NULL;
	long seal_before = fed_db_count(f, "data/xonar.db",
					"SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='seal'");
	long disc_before = disclosures_count(f, "xonar");
	assert_int_equal(hpke_keypair_generate(sk, pk), 0);
	radar_to_broker(f, &peer);
	/* addressed to xonar, but sealed to a key that is not xonar's */
	json_t *env = raw_lookup("radar", "xonar", NULL);
	assert_int_equal(envelope_seal(env, "xonar", pk, body), 0);
	assert_int_equal(raw_send_env(&peer, env, 5000, &reply), 0);
	assert_non_null(reply);
	assert_string_equal(envelope_str(reply, "type"), "lookup.result");
	json_t *rbody = envelope_body(reply);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rbody, "delivery"),
							      "xonar")),
			    "answered");
	json_t *answers = json_object_get(rbody, "answers");
	assert_int_equal(json_array_size(answers), 1);
	json_t *a = json_array_get(answers, 0);
	/* xonar's own refusal, signed by xonar, relayed unchanged */
	assert_string_equal(envelope_str(a, "type"), "error");
	assert_string_equal(envelope_str(a, "from"), "xonar");
	assert_string_equal(envelope_str(a, "re"), envelope_str(env, "id"));
	assert_string_equal(json_string_value(json_object_get(envelope_body(a), "error")), "seal");
	fed_file(f, "ca/xonar.pem", xonar_pem, sizeof(xonar_pem));
	assert_int_equal(pki_identity_load(xonar_pem, &xonar, err, sizeof(err)), 0);
	assert_int_equal(envelope_verify(a, xonar->cert), 0);
	/* in xonar's breach register; no disclosure was made */
	assert_int_equal(fed_db_count(f, "data/xonar.db",
				      "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='seal'"),
			 seal_before + 1);
	assert_int_equal(dbq(f, "data/xonar.db",
			     "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='seal' AND peer='radar'"
			     " AND msg_id='%s'", envelope_str(env, "id")), 1);
	assert_int_equal(disclosures_count(f, "xonar"), disc_before);
	pki_identity_free(xonar);
	json_decref(reply);
	json_decref(env);
	json_decref(body);
	raw_close(&peer);
}

static void test_r20_integrity_replayed_lookup_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer peer;
	uint8_t xonar_sk[32], xonar_pk[32], radar_sk[32];
	json_t *reply = NULL, *body = raw_lookup_body(BSN_UNKNOWN), *opened = NULL;
	char *buf = NULL;
	size_t len = 0;
	long disc_before = disclosures_count(f, "xonar");
	node_key(f, "xonar", "seal_sk", xonar_sk);
	node_key(f, "radar", "seal_sk", radar_sk);
	assert_int_equal(hpke_public_from_private(xonar_sk, xonar_pk), 0);
	radar_to_broker(f, &peer);
	json_t *env = raw_lookup("radar", "xonar", NULL);
	assert_int_equal(envelope_seal(env, "xonar", xonar_pk, body), 0);
	assert_int_equal(envelope_sign(env, peer.ident->key), 0);
	assert_int_equal(envelope_encode(env, &buf, &len), 0);
	/* the first time: a real answer, sealed to radar */
	assert_int_equal(raw_call(&peer, buf, len, 5000, &reply), 0);
	assert_string_equal(envelope_str(reply, "type"), "lookup.result");
	json_t *a = json_array_get(json_object_get(envelope_body(reply), "answers"), 0);
	assert_non_null(a);
	assert_string_equal(envelope_str(a, "type"), "lookup.answer");
	assert_int_equal(envelope_open(a, "radar", radar_sk, &opened), 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(opened, "answers"), 0), "outcome")),
			    "not_known");
	json_decref(opened);
	json_decref(reply);
	assert_int_equal(disclosures_count(f, "xonar"), disc_before + 1);
	/* the same bytes again */
	assert_int_equal(raw_call(&peer, buf, len, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "replay");
	assert_int_equal(dbq(f, "data/broker.db",
			     "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='replay' AND "
			     "peer='radar' AND msg_id='%s'", envelope_str(env, "id")), 1);
	/* not forwarded a second time */
	assert_int_equal(disclosures_count(f, "xonar"), disc_before + 1);
	json_decref(reply);
	free(buf);
	json_decref(env);
	json_decref(body);
	raw_close(&peer);
}

/* ---- r20: answers a source cannot be trusted with ---------------------- */

/* A rogue stands in for xonar's node, with xonar's certificate and key: it
 * answers lookups signed as xonar, but tampered with after signing, or
 * sealed to a key that is not the requester's. */
enum rogue_mode { ROGUE_TAMPER, ROGUE_WRONG_SEAL };

static json_t *rogue_lookup_answer(struct rogue *r, const json_t *q, void *arg)
{
	enum rogue_mode mode = *(enum rogue_mode *)arg;
	uint8_t sk[32], pk[32];
	if (strcmp(envelope_str(q, "type"), "lookup") != 0)
		return NULL;
	json_t *body = json_pack("{s:[{s:s}]}", "answers", "outcome", "known");
	if (mode == ROGUE_WRONG_SEAL)
		assert_int_equal(hpke_keypair_generate(sk, pk), 0);
	json_t *a = rogue_sign(r, q, "lookup.answer", body, mode == ROGUE_WRONG_SEAL ? pk : NULL);
	if (mode == ROGUE_TAMPER) /* changed after signing */
		json_object_set_new(a, "ts", json_integer(envelope_ts(a) + 1));
	json_decref(body);
	return a;
}

/* Lookups at xonar until the broker has re-dialled its port (the rogue). */
static wn_lookup_result *lookup_rogue(struct fed *f)
{
	const char *const named[] = { "xonar" };
	wn_lookup_params p = params_for(BSN_UNKNOWN);
	p.partners = named;
	p.npartners = 1;
	p.deadline_ms = 1000;
	for (int i = 0; i < 40; i++) {
		wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
		if (strcmp(r->answers[0].outcome, "unavailable") != 0)
			return r;
		wn_lookup_result_free(r);
		sleep_ms(100);
	}
	fail_msg("the broker did not reach the rogue on xonar's port");
	return NULL;
}

/* An answer changed after it was signed: the broker relays what came over
 * xonar's own connection (logged as answered); the requester, who checks
 * every answer's signature before it opens one, refuses it, records it
 * against xonar and reports it to the broker's breach register. */
static void test_r20_integrity_tampered_answer_refused(void **state)
{
	struct fed *f = *state;
	static enum rogue_mode mode = ROGUE_TAMPER;
	long bad = fed_db_count(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM "
				"security_events WHERE kind='signature' AND peer='xonar'");
	struct rogue *r = rogue_start(f, XONAR, "xonar", rogue_lookup_answer, &mode);
	wn_lookup_result *res = lookup_rogue(f);
	expect_answer(res, "xonar", "invalid", "signature");
	assert_true(fed_db_count(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM "
				 "security_events WHERE kind='signature' AND peer='xonar'") > bad);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM audit_log"
				  " WHERE msg_id='%s' AND type='lookup.delivery' AND entry LIKE"
				  " '%%\"xonar\":\"answered\"%%'", res->request_id), 1);
	/* the municipality's register learns it from the requester's report */
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) > 0 FROM breaches"
				  " WHERE source='alcander' AND kind='signature' AND peer='xonar'"), 1);
	wn_lookup_result_free(res);
	rogue_stop(r);
}

static void test_r20_integrity_answer_sealed_to_another_refused(void **state)
{
	struct fed *f = *state;
	static enum rogue_mode mode = ROGUE_WRONG_SEAL;
	long seal = fed_db_count(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
				 "kind='seal' AND peer='xonar'");
	struct rogue *r = rogue_start(f, XONAR, "xonar", rogue_lookup_answer, &mode);
	wn_lookup_result *res = lookup_rogue(f);
	/* signed by xonar, relayed, but the requester cannot open it: never "known" */
	expect_answer(res, "xonar", "invalid", "seal");
	assert_int_equal(fed_db_count(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM security_events "
				      "WHERE kind='seal' AND peer='xonar'"), seal + 1);
	wn_lookup_result_free(res);
	rogue_stop(r);
}

/* ---- r05: records import ---------------------------------------------- */

/* The CLI refuses the file: exit 2 (invalid input), stderr names the line and what is wrong
 * (what: a word of the message, e.g. "bsn"), and nothing reaches the store. */
static void expect_import_refused(struct fed *f, const char *file, const char *line_no,
				  const char *what)
{
	long before = records_count(f, "radar");
	char args[256], needle[32];
	snprintf(args, sizeof(args), "records import %s", file);
	int st = cli(f, "radar", args);
	snprintf(needle, sizeof(needle), "line %s", line_no);
	if (st != 2 || !cli_err_has(f, needle))
		fed_sh(f, "cat cli.err >&2");
	assert_int_equal(st, 2);
	assert_true(cli_err_has(f, needle));
	if (what != NULL)
		assert_true(cli_err_has(f, what));
	/* nothing half-written */
	assert_int_equal(records_count(f, "radar"), before);
	assert_int_equal(fed_db_count(f, "data/radar.db", "SELECT COUNT(*) FROM import_staging"), 0);
}

/* n valid record lines, BSNs from prefix upwards; appends to a growing buffer */
static char *valid_lines(long prefix, int n, int bad_line, const char *bad_text)
{
	size_t cap = (size_t)n * 200 + 1024, off = 0;
	char *text = malloc(cap), bsn[10], line[512];
	assert_non_null(text);
	text[0] = '\0';
	for (int i = 1; i <= n; i++) {
		if (i == bad_line) {
			off += (size_t)snprintf(text + off, cap - off, "%s\n", bad_text);
			continue;
		}
		while (!bsn_from_prefix(prefix, bsn))
			prefix++;
		prefix++;
		record_line(line, sizeof(line), bsn, "leefgebied.huisvesting", MARKER "-bulk");
		off += (size_t)snprintf(text + off, cap - off, "%s\n", line);
	}
	return text;
}

static void test_r05_categories_import_malformed_line_cli(void **state)
{
	struct fed *f = *state;
	char *text = valid_lines(51000000, 5, 3, "{\"bsn\":\"123456782\",\"category\":");
	assert_int_equal(write_file(f, "malformed.jsonl", text), 0);
	free(text);
	expect_import_refused(f, "malformed.jsonl", "3", NULL);
}

static void test_r05_categories_import_invalid_bsn_cli(void **state)
{
	struct fed *f = *state;
	char bad[512];
	record_line(bad, sizeof(bad), BSN_BAD, "leefgebied.huisvesting", "x");
	char *text = valid_lines(52000000, 6, 5, bad);
	assert_int_equal(write_file(f, "badbsn.jsonl", text), 0);
	free(text);
	expect_import_refused(f, "badbsn.jsonl", "5", "bsn");
}

static void test_r05_categories_import_unknown_category(void **state)
{
	struct fed *f = *state;
	char bad[512], bsn[10];
	bsn_at(53999990, bsn);
	record_line(bad, sizeof(bad), bsn, "leefgebied.onbekend", "x");
	char *text = valid_lines(53000000, 5, 4, bad);
	assert_int_equal(write_file(f, "badcat.jsonl", text), 0);
	free(text);
	expect_import_refused(f, "badcat.jsonl", "4", "category");
}

/* A record answers for its source professional (G-P 3.6): a blank id is
 * refused naming the field, put one at a time or on an import line
 * (exit 2), and nothing is stored. */
static void test_r16_record_needs_professional(void **state)
{
	struct fed *f = *state;
	char bsn[10], bad[512];
	bsn_at(54999990, bsn);
	long before = records_count(f, "radar");
	wn_client *c = client_of(f, RADAR);
	wn_record rec = { bsn, "leefgebied.huisvesting", "{\"notitie\":\"x\"}", "", NULL };
	assert_int_equal(wn_record_put(c, &rec), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(c), "'professional'"));
	rec.professional = " \t ";
	assert_int_equal(wn_record_put(c, &rec), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(c), "'professional'"));
	wn_client_close(c);
	assert_int_equal(records_count(f, "radar"), before);
	snprintf(bad, sizeof(bad), "{\"bsn\":\"%s\",\"category\":\"leefgebied.huisvesting\","
		 "\"content\":{\"notitie\":\"x\"},\"professional\":\"   \"}", bsn);
	char *text = valid_lines(54000000, 5, 2, bad);
	assert_int_equal(write_file(f, "blankprof.jsonl", text), 0);
	free(text);
	expect_import_refused(f, "blankprof.jsonl", "2", "professional");
}

static void test_r05_categories_import_2500_lines(void **state)
{
	struct fed *f = *state;
	long before = records_count(f, "radar");
	char *text = valid_lines(60000000, 2500, 0, NULL);
	assert_int_equal(write_file(f, "bulk.jsonl", text), 0);
	free(text);
	int64_t t0 = time_mono_ms();
	int st = cli(f, "radar", "records import bulk.jsonl");
	print_message("import of 2500 records: %lld ms\n", (long long)(time_mono_ms() - t0));
	if (st != 0)
		fed_sh(f, "cat cli.err >&2");
	assert_int_equal(st, 0);
	assert_int_equal(fed_sh(f, "grep -q 'imported 2500 record(s)' cli.out"), 0);
	assert_int_equal(records_count(f, "radar"), before + 2500);
	assert_int_equal(fed_db_count(f, "data/radar.db", "SELECT COUNT(*) FROM import_staging"), 0);
}

/* The first chunk (1000 lines) is staged before line 1500 fails: still
 * nothing may reach the records. */
static void test_r05_categories_import_all_or_nothing_across_chunks(void **state)
{
	struct fed *f = *state;
	char bad[512];
	record_line(bad, sizeof(bad), BSN_BAD, "leefgebied.huisvesting", "x");
	char *text = valid_lines(70000000, 2000, 1500, bad);
	assert_int_equal(write_file(f, "chunks.jsonl", text), 0);
	free(text);
	expect_import_refused(f, "chunks.jsonl", "1500", "bsn");
}

/* wn_import_* must fail with want at line; returns after abort / commit. */
static void import_api_expect(struct fed *f, const char *const *lines, long n, int want,
			      const char *line_needle)
{
	wn_client *c = client_of(f, RADAR);
	wn_import *im = NULL;
	long before = records_count(f, "radar"), imported = -1;
	int rc = 0;
	assert_int_equal(wn_import_begin(c, &im), 0);
	for (long i = 0; i < n && rc == 0; i++)
		rc = wn_import_add(im, i + 1, lines[i]);
	if (rc != 0)
		wn_import_abort(im);
	else
		rc = wn_import_commit(im, &imported);
	if (rc != want || strstr(wn_client_errmsg(c), line_needle) == NULL)
		print_error("import: got %s '%s', want %s naming '%s'\n", wn_errname(rc),
			    wn_client_errmsg(c), wn_errname(want), line_needle);
	assert_int_equal(rc, want);
	assert_non_null(strstr(wn_client_errmsg(c), line_needle));
	wn_client_close(c);
	assert_int_equal(records_count(f, "radar"), before);
	assert_int_equal(fed_db_count(f, "data/radar.db", "SELECT COUNT(*) FROM import_staging"), 0);
}

/* The first error ends an import through the C API: lines added after a
 * refused chunk, and the commit, return it, and nothing is imported. Large
 * records go in chunks the node takes, however few lines that is. */
static void test_r05_categories_import_error_ends_it_large_records(void **state)
{
	struct fed *f = *state;
	char bsn[10], bad[512];
	long prefix = 82000000, before = records_count(f, "radar"), imported = -1;
	size_t cap = 8192;
	char *line = malloc(cap), *note = malloc(5001);
	assert_non_null(line);
	assert_non_null(note);
	memset(note, 'x', 5000);
	note[5000] = '\0';
	record_line(bad, sizeof(bad), BSN_BAD, "leefgebied.huisvesting", "x");
	wn_client *c = client_of(f, RADAR);
	wn_import *im = NULL;
	assert_int_equal(wn_import_begin(c, &im), 0);
	int rc = 0;
	for (long i = 1; i <= 1005 && rc == 0; i++) {
		while (!bsn_from_prefix(prefix, bsn))
			prefix++;
		prefix++;
		record_line(line, cap, bsn, "leefgebied.huisvesting", "ok");
		rc = wn_import_add(im, i, i == 7 ? bad : line);
	}
	assert_int_equal(rc, WN_EBSN); /* the chunk holding line 7 */
	record_line(line, cap, "999990019", "leefgebied.huisvesting", "later");
	assert_int_equal(wn_import_add(im, 1006, line), WN_EBSN);
	assert_non_null(strstr(wn_client_errmsg(c), "earlier line"));
	assert_int_equal(wn_import_commit(im, &imported), WN_EBSN);
	assert_int_equal(records_count(f, "radar"), before);
	assert_int_equal(fed_db_count(f, "data/radar.db", "SELECT COUNT(*) FROM import_staging"), 0);
	/* 1000 records of 5 KB: more than one request holds, imported whole */
	assert_int_equal(wn_import_begin(c, &im), 0);
	for (long i = 1; i <= 1000; i++) {
		while (!bsn_from_prefix(prefix, bsn))
			prefix++;
		prefix++;
		record_line(line, cap, bsn, "zrm.financien", note);
		rc = wn_import_add(im, i, line);
		if (rc != 0) {
			print_error("line %ld: %s: %s\n", i, wn_errname(rc), wn_client_errmsg(c));
			break;
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(wn_import_commit(im, &imported), 0);
	assert_int_equal(imported, 1000);
	assert_int_equal(records_count(f, "radar"), before + 1000);
	/* a request over the node's limit is said as such, not as a lost connection */
	char *huge = malloc(2 * 1024 * 1024 + 64);
	assert_non_null(huge);
	memset(huge, 'y', 2 * 1024 * 1024);
	memcpy(huge, "{\"n\":\"", 6);
	memcpy(huge + 2 * 1024 * 1024, "\"}", 3);
	wn_record r = { "999990019", "zrm.financien", huge, "prof-17", NULL };
	assert_int_equal(wn_record_put(c, &r), WN_ETOOBIG);
	free(huge);
	/* an argument missing or not UTF-8 is refused, never left out in silence */
	wn_request_params q;
	memset(&q, 0, sizeof(q));
	q.case_id = "00000000000000000000000000000000";
	q.to = "radar";
	q.bsn = "999990019";
	q.ncategories = 2; /* and no array */
	q.purpose = "intake";
	q.ground = "vital_interest";
	wn_request_result *res = NULL;
	assert_int_equal(wn_request(c, &q, &res), WN_EINVAL);
	assert_int_equal(wn_case_leave(c, "00000000000000000000000000000000", "radar\xe9", NULL),
			 WN_EINVAL);
	wn_consent_list *cl = NULL;
	assert_int_equal(wn_consents(c, "99999001\xe9", &cl), WN_EINVAL);
	wn_client_close(c);
	free(line);
	free(note);
}

static void test_r05_categories_import_c_api(void **state)
{
	struct fed *f = *state;
	char l1[512], l2[512], l4[512], bad_bsn[512], bad_cat[512], b1[10], b2[10], b4[10];
	bsn_at(81000100, b1);
	bsn_at(81000200, b2);
	bsn_at(81000400, b4);
	record_line(l1, sizeof(l1), b1, "zrm.financien", MARKER "-api");
	record_line(l2, sizeof(l2), b2, "zrm.scholing", MARKER "-api");
	record_line(l4, sizeof(l4), b4, "dataset.voorzieningen", MARKER "-api");
	record_line(bad_bsn, sizeof(bad_bsn), BSN_BAD, "zrm.financien", "x");
	record_line(bad_cat, sizeof(bad_cat), b4, "zrm.onbekend", "x");
	const char *const malformed[] = { l1, l2, "{\"bsn\": \"1112", l4 };
	import_api_expect(f, malformed, 4, WN_EJSON, "line 3");
	const char *const badbsn[] = { l1, l2, l4, l1, bad_bsn };
	import_api_expect(f, badbsn, 5, WN_EBSN, "line 5");
	const char *const badcat[] = { l1, bad_cat, l4 };
	import_api_expect(f, badcat, 3, WN_ECATEGORY, "line 2");
	/* and a good one goes through, all of it */
	wn_client *c = client_of(f, RADAR);
	wn_import *im = NULL;
	long before = records_count(f, "radar"), imported = 0;
	assert_int_equal(wn_import_begin(c, &im), 0);
	assert_int_equal(wn_import_add(im, 1, l1), 0);
	assert_int_equal(wn_import_add(im, 2, l2), 0);
	assert_int_equal(wn_import_add(im, 3, l4), 0);
	assert_int_equal(wn_import_commit(im, &imported), 0);
	assert_int_equal(imported, 3);
	assert_int_equal(records_count(f, "radar"), before + 3);
	/* and the imported people are known to radar */
	wn_client_close(c);
	const char *const named[] = { "radar" };
	wn_lookup_params p = params_for(b2);
	p.partners = named;
	p.npartners = 1;
	wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
	expect_answer(r, "radar", "known", NULL);
	wn_lookup_result_free(r);
}

/* ---- r01 / r03: what the broker and the nodes keep -------------------- */

static void test_r01_federated_records_stay_at_node(void **state)
{
	struct fed *f = *state;
	/* the marker really is in radar's records (control) */
	assert_true(fed_db_count(f, "data/radar.db",
				 "SELECT COUNT(*) FROM records WHERE content LIKE '%" MARKER "%'") >= 1);
	assert_true(fed_db_count(f, "data/mondriaan.db",
				 "SELECT COUNT(*) FROM records WHERE content LIKE '%" MARKER "%'") >= 1);
	/* the broker has no table of records */
	assert_int_equal(fed_db_count(f, "data/broker.db",
				      "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%record%'"),
			 0);
	static const char *const files[] = { "data/broker.db", "data/broker.db-wal",
					     "logs/broker.log" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *b = slurp(f, files[i], &len);
		if (bytes_contain(b, len, MARKER, strlen(MARKER)) ||
		    bytes_contain(b, len, "prof-42", 7) || bytes_contain(b, len, "prof-17", 7))
			print_error("record content found in %s\n", files[i]);
		assert_false(bytes_contain(b, len, MARKER, strlen(MARKER)));
		assert_false(bytes_contain(b, len, "prof-42", 7));
		assert_false(bytes_contain(b, len, "prof-17", 7));
		free(b);
	}
	/* a node does not put another node's records in its own store */
	assert_int_equal(records_count(f, "xonar"), 0);
	assert_int_equal(records_count(f, "alcander"), 0);
}

static void test_r03_pseudonym_broker_never_sees_bsn(void **state)
{
	struct fed *f = *state;
	char extra[10];
	bsn_at(27182818, extra);
	const char *const bsns[] = { BSN_KNOWN, BSN_KNOWN2, BSN_UNKNOWN, extra };
	const size_t nb = sizeof(bsns) / sizeof(bsns[0]);
	for (size_t i = 0; i < nb; i++) {
		wn_lookup_params p = params_for(bsns[i]);
		p.purpose = i % 2 ? "casusoverleg" : "signalering";
		wn_lookup_result *r = lookup_ok(f, ALCANDER, &p);
		expect_answer(r, "radar", i < 2 ? "known" : "not_known", NULL);
		wn_lookup_result_free(r);
	}
	/* every node's pseudonym of every BSN, in every likely encoding */
	uint8_t keys[NNODES][32];
	for (size_t k = 0; k < NNODES; k++)
		node_key(f, ids[k], "index_key", keys[k]);
	/* control: our pseudonym is the one radar stores */
	uint8_t idx[32];
	char hex[65], uhex[65], sql[256];
	pseudonym(keys[RADAR], BSN_KNOWN, idx);
	hex_encode(idx, 32, hex);
	for (int i = 0; i < 64; i++)
		uhex[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	uhex[64] = '\0';
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM records WHERE hex(subject_index)='%s'", uhex);
	assert_true(fed_db_count(f, "data/radar.db", sql) >= 1);
	/* control: the byte scan finds that pseudonym in radar's files */
	{
		size_t l1, l2;
		char *db = slurp(f, "data/radar.db", &l1), *wal = slurp(f, "data/radar.db-wal", &l2);
		assert_true(bytes_contain(db, l1, idx, 32) || bytes_contain(wal, l2, idx, 32));
		free(db);
		free(wal);
	}

	static const char *const broker_files[] = { "data/broker.db", "data/broker.db-wal",
						    "data/broker.db-journal", "logs/broker.log" };
	size_t found = 0;
	for (size_t fi = 0; fi < sizeof(broker_files) / sizeof(broker_files[0]); fi++) {
		size_t len;
		char *b = slurp(f, broker_files[fi], &len);
		if (fi == 0)
			assert_true(len > 0);
		for (size_t i = 0; i < nb; i++) {
			if (bytes_contain(b, len, bsns[i], 9)) {
				print_error("BSN %s found in %s\n", bsns[i], broker_files[fi]);
				found++;
			}
			for (size_t k = 0; k < NNODES; k++) {
				char *b64 = NULL;
				pseudonym(keys[k], bsns[i], idx);
				hex_encode(idx, 32, hex);
				for (int j = 0; j < 64; j++)
					uhex[j] = (char)(hex[j] >= 'a' ? hex[j] - 32 : hex[j]);
				assert_int_equal(b64_encode(idx, 32, &b64), 0);
				if (bytes_contain(b, len, idx, 32) || bytes_contain(b, len, hex, 64) ||
				    bytes_contain(b, len, uhex, 64) ||
				    bytes_contain(b, len, b64, strlen(b64))) {
					print_error("%s's pseudonym of a BSN found in %s\n", ids[k],
						    broker_files[fi]);
					found++;
				}
				free(b64);
			}
		}
		/* nor the answers themselves */
		if (bytes_contain(b, len, "not_known", 9) || bytes_contain(b, len, "\"known\"", 7)) {
			print_error("an answer outcome found in %s\n", broker_files[fi]);
			found++;
		}
		free(b);
	}
	assert_int_equal(found, 0);
	/* the nodes keep no plaintext BSN in their databases either */
	static const char *const node_files[] = { "data/radar.db", "data/radar.db-wal",
						  "data/alcander.db", "data/alcander.db-wal" };
	for (size_t fi = 0; fi < sizeof(node_files) / sizeof(node_files[0]); fi++) {
		size_t len;
		char *b = slurp(f, node_files[fi], &len);
		for (size_t i = 0; i < nb; i++) {
			if (bytes_contain(b, len, bsns[i], 9)) {
				print_error("BSN %s in plaintext in %s\n", bsns[i], node_files[fi]);
				found++;
			}
		}
		free(b);
	}
	assert_int_equal(found, 0);
}

/* ---- limits: a federation of its own ---------------------------------- */

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

static void test_r02_known_bad_input_over_partner_limit(void **state)
{
	struct fed *f = *state;
	const char *const four[] = { "alcander", "radar", "xonar", "mondriaan" };
	assert_int_equal(fed_setup(f, four, 4), 0);
	assert_int_equal(fed_config_edit(f, "broker.json", "max_partners", "2"), 0);
	assert_int_equal(fed_start_all(f, 15000), 0);
	assert_int_equal(write_lookup_motivation(f), 0);
	const char *const three[] = { "radar", "xonar", "mondriaan" };
	wn_lookup_params p = params_for(BSN_KNOWN);
	p.partners = three;
	p.npartners = 3;
	lookup_fails(f, 0, &p, WN_ELIMIT, NULL);
	assert_true(fed_db_count(f, "data/broker.db",
				 "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='limit' AND "
				 "peer='alcander'") >= 1);
	/* refused by the broker: no partner was asked */
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(disclosures_count(f, four[i]), 0);
	long events = fed_db_count(f, "data/broker.db",
				   "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='limit'");
	int st = cli(f, "alcander", "lookup --bsn " BSN_KNOWN " --purpose intake " FED_LOOKUP_ARGS " "
				    "--partners radar,xonar,mondriaan");
	if (st == 0 || !cli_err_has(f, "limit"))
		fed_sh(f, "cat cli.err >&2");
	assert_int_not_equal(st, 0);
	assert_true(cli_err_has(f, "limit"));
	assert_int_equal(fed_db_count(f, "data/broker.db",
				      "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='limit'"),
			 events + 1);
	/* within the limit it works */
	p.npartners = 2;
	wn_lookup_result *r = lookup_ok(f, 0, &p);
	assert_int_equal(r->count, 2);
	expect_answer(r, "radar", "not_known", NULL);
	expect_answer(r, "xonar", "not_known", NULL);
	wn_lookup_result_free(r);
}

/* A node that has not yet reached its broker still purges the records past
 * their date; the rest waits for the federation's retention policy, and the
 * integrator and the CLI are told how many went (exit 3: partly done). */
static void test_r05_categories_records_purge_before_directory(void **state)
{
	struct fed *f = *state;
	const char *const one[] = { "alcander" };
	char url[512];
	wn_client *c = NULL;
	assert_int_equal(fed_setup(f, one, 1), 0);
	assert_int_equal(fed_start_node(f, 0), 0); /* no broker: no verified directory */
	fed_socket(f, 0, url, sizeof(url));
	for (int64_t end = time_mono_ms() + 15000; time_mono_ms() < end; sleep_ms(50))
		if (wn_client_open(&c, url) == 0)
			break;
	assert_non_null(c);
	wn_record old = { BSN_KNOWN, "leefgebied.huisvesting", "{\"note\":\"old\"}", "p1",
			  "2098-01-01" };
	wn_record kept = { BSN_KNOWN, "leefgebied.inkomen_schulden", "{\"note\":\"kept\"}", "p1", NULL };
	assert_int_equal(wn_record_put(c, &old), 0);
	assert_int_equal(wn_record_put(c, &kept), 0);
	/* its date has passed since (a date gone by is refused at put) */
	db_exec_on(f, "data/alcander.db", "UPDATE records SET retention_until = '2020-01-01'"
		   " WHERE retention_until = '2098-01-01'");
	long purged = -1;
	assert_int_equal(wn_records_purge(c, &purged), WN_ESTATE);
	assert_int_equal(purged, 1);
	assert_non_null(strstr(wn_client_errmsg(c), "retention policy is not known"));
	assert_int_equal(fed_db_count(f, "data/alcander.db", "SELECT COUNT(*) FROM records"), 1);
	assert_int_equal(wn_record_put(c, &old), 0);
	db_exec_on(f, "data/alcander.db", "UPDATE records SET retention_until = '2020-01-01'"
		   " WHERE retention_until = '2098-01-01'");
	int st = cli(f, "alcander", "records purge");
	if (st != 3 || !cli_out_has(f, "purged 1 record"))
		fed_sh(f, "cat cli.out cli.err >&2");
	assert_int_equal(st, 3);
	assert_true(cli_out_has(f, "purged 1 record"));
	wn_client_close(c);
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest running[] = {
		cmocka_unit_test(test_r02_known_r06_partner_profile_default_scope),
		cmocka_unit_test(test_r02_known_named_partners_only),
		cmocka_unit_test(test_r02_known_r26_clusters_scope),
		cmocka_unit_test(test_r02_known_r26_clusters_broker_enforces_scope),
		cmocka_unit_test(test_r16_actor_r14_lawful_ground_log_entries),
		cmocka_unit_test(test_r14_lawful_ground_log_no_entry_no_answer),
		cmocka_unit_test(test_r02_known_bad_input_invalid_bsn),
		cmocka_unit_test(test_r02_known_bad_input_unknown_purpose),
		cmocka_unit_test(test_r02_known_bad_input_unknown_cluster),
		cmocka_unit_test(test_r02_known_bad_input_unknown_partner),
		cmocka_unit_test(test_r02_known_bad_input_zero_partners),
		cmocka_unit_test(test_r02_known_bad_input_partner_named_twice),
		cmocka_unit_test(test_r02_known_bad_input_errmsg_per_client_and_thread),
		cmocka_unit_test(test_r02_known_bad_input_api_arguments_refused),
		cmocka_unit_test(test_r20_integrity_r21_breach_body_sealed_to_wrong_key),
		cmocka_unit_test(test_r20_integrity_replayed_lookup_refused),
		cmocka_unit_test(test_r05_categories_import_malformed_line_cli),
		cmocka_unit_test(test_r05_categories_import_invalid_bsn_cli),
		cmocka_unit_test(test_r05_categories_import_unknown_category),
		cmocka_unit_test(test_r16_record_needs_professional),
		cmocka_unit_test(test_r05_categories_import_2500_lines),
		cmocka_unit_test(test_r05_categories_import_all_or_nothing_across_chunks),
		cmocka_unit_test(test_r05_categories_import_c_api),
		cmocka_unit_test(test_r05_categories_import_error_ends_it_large_records),
		cmocka_unit_test_teardown(test_r02_known_unavailable_killed_node, revive_teardown),
		cmocka_unit_test_teardown(test_r02_known_unavailable_stopped_node_late, revive_teardown),
		cmocka_unit_test_teardown(test_r20_integrity_tampered_answer_refused, revive_teardown),
		cmocka_unit_test_teardown(test_r20_integrity_answer_sealed_to_another_refused,
					  revive_teardown),
		cmocka_unit_test(test_r01_federated_records_stay_at_node),
		cmocka_unit_test(test_r03_pseudonym_broker_never_sees_bsn),
	};
	const struct CMUnitTest own[] = {
		cmocka_unit_test_setup_teardown(test_r05_categories_records_purge_before_directory,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r02_known_bad_input_over_partner_limit, own_setup,
						own_teardown),
	};
	int failed = cmocka_run_group_tests_name("lookup_running", running, group_setup,
						 fed_group_teardown);
	failed += cmocka_run_group_tests_name("lookup_limits", own, NULL, NULL);
	return fed_test_end("test_lookup", failed, t0);
}
