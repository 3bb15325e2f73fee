/*
 * test_household.c — a case is about a household (Heerlen 1.14; r07, r08,
 * r10, r11, r13, r14), under real conditions: a broker and partner nodes as
 * separate processes over mutual TLS on 127.0.0.1, real SQLite files, the C
 * API, the CLI, and hand-made envelopes for a requester that lies to its own
 * node's checks.
 *
 * The shared federation: gemeente-heerlen (the municipality, opens and
 * directs the case), radar and alcander (partners of the case and sources),
 * weller (an incidental partner: a third party). The household: a mother and
 * a father, a child of 13, a child that turned 12 last month and one that
 * turned 16 last month; an outsider whom radar also knows.
 */
#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "consentdoc.h"
#include "date.h"
#include "envelope.h"
#include "fedcheck.h"
#include "harness.h"
#include "household.h"
#include "ids.h"
#include "keys.h"
#include "pki.h"

enum { GEMEENTE, RADAR, ALCANDER, WELLER, NNODES };
static const char *const ids[NNODES] = { "gemeente-heerlen", "radar", "alcander", "weller" };

static const wn_actor ACTOR = { "wk-0042", "wijkcoach" };
#define MARK "WNTEST-household-5531"

/* the household and others, valid BSNs made at set-up */
static char mother[10], father[10], child13[10], child12[10], teen16[10], outsider[10],
	nobody[10], baby[10];
static char case_main[WN_ID_LEN + 1];
static char consent_mother[WN_ID_LEN + 1], consent_father[WN_ID_LEN + 1],
	consent_child13[WN_ID_LEN + 1], consent_child12[WN_ID_LEN + 1],
	consent_teen16[WN_ID_LEN + 1];

static const char *node_db(const char *id)
{
	static char buf[4][96];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "data/%s.db", id);
	return buf[k];
}

/* A date `years` years before today plus `days` days ("YYYY-MM-DD"). */
static void date_back(int years, int days, char out[DATE_LEN + 1])
{
	int y = 0, m = 0, d = 0;
	char today[DATE_LEN + 1];
	date_today_plus(days, today);
	assert_int_equal(sscanf(today, "%4d-%2d-%2d", &y, &m, &d), 3);
	/* a 29 February falls in a leap year again 12 and 16 years earlier */
	char buf[32];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y - years, m, d);
	memcpy(out, buf, DATE_LEN);
	out[DATE_LEN] = '\0';
}

static int put(struct fed *f, size_t node, const char *bsn, const char *category)
{
	wn_client *c = NULL;
	char url[512];
	fed_socket(f, node, url, sizeof(url));
	if (wn_client_open(&c, url) != 0)
		return -1;
	wn_record r = { bsn, category, "{\"notitie\":\"" MARK "\"}", "prof-9", NULL };
	int rc = wn_record_put(c, &r);
	wn_client_close(c);
	return rc;
}

/* A consent document: subject, birth date, signers (JSON text), signed on a
 * day (NULL: yesterday), valid for days, recipients (JSON list text). */
static char *consent_doc(const char *bsn, const char *birth, const char *signers,
			 const char *signed_on, int days, const char *recipients)
{
	char on[DATE_LEN + 1], until[DATE_LEN + 1], *text = malloc(2048);
	long off = 0;
	assert_non_null(text);
	if (signed_on == NULL)
		date_today_plus(-1, on);
	else
		snprintf(on, sizeof(on), "%s", signed_on);
	date_today_plus(0, until);
	assert_int_equal(date_days_between(until, on, &off), 0);
	date_today_plus((int)off + days, until);
	snprintf(text, 2048,
		 "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": \"%s\", \"name\": \"Test\"},"
		 " \"purposes\": [\"plan_van_aanpak\", \"intake\"], \"recipients\": [%s],"
		 " \"sources\": [\"radar\", \"alcander\"],"
		 " \"categories\": [\"leefgebied.huisvesting\", \"leefgebied.inkomen_schulden\"],"
		 " \"signers\": [%s], \"signed_on\": \"%s\", \"valid_until\": \"%s\"}",
		 bsn, birth, recipients ? recipients : "\"gemeente-heerlen\"", signers, on, until);
	return text;
}

static int consent_register_at(struct fed *f, size_t node, const char *doc,
			       char id[WN_ID_LEN + 1])
{
	wn_client *c = client_of(f, node);
	int rc = wn_consent_register(c, doc, &ACTOR, id);
	if (rc != 0)
		print_message("consent register: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

static int consent_register(struct fed *f, const char *doc, char id[WN_ID_LEN + 1])
{
	return consent_register_at(f, GEMEENTE, doc, id);
}

static const char SELF[] = "{\"name\": \"Test\", \"role\": \"subject\"}";
static const char SELF_PARENT[] = "{\"name\": \"Kind\", \"role\": \"subject\"},"
				  " {\"name\": \"Ouder\", \"role\": \"parent\"}";
static const char PARENT[] = "{\"name\": \"Ouder\", \"role\": \"parent\"}";

/* cli() with the arguments formatted, at gemeente-heerlen. */
static int cli_fmt(struct fed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cli_fmt(struct fed *f, const char *fmt, ...)
{
	char args[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(args));
	return cli(f, "gemeente-heerlen", args);
}

static wn_request_params params(const char *to, const char *bsn, const char *category,
				const char *ground)
{
	static const char *cats[1];
	wn_request_params p;
	memset(&p, 0, sizeof(p));
	cats[0] = category;
	p.case_id = case_main;
	p.to = to;
	p.bsn = bsn;
	p.categories = cats;
	p.ncategories = 1;
	p.purpose = "plan_van_aanpak";
	p.ground = ground;
	p.actor = ACTOR;
	if (strcmp(ground, "consent") != 0)
		p.motivation_json = FED_MOTIVATION;
	return p;
}

static int request_rc(struct fed *f, size_t node, const wn_request_params *p,
		      wn_request_result **out, const char *needle)
{
	wn_client *c = client_of(f, node);
	int rc = wn_request(c, p, out);
	if (needle != NULL && strstr(wn_client_errmsg(c), needle) == NULL) {
		print_error("wn_request: %s: '%s' lacks '%s'\n", wn_errname(rc),
			    wn_client_errmsg(c), needle);
		rc = -9999;
	}
	wn_client_close(c);
	return rc;
}

static void expect_outcome(const wn_request_result *r, const char *outcome, const char *reason)
{
	if (strcmp(r->outcome, outcome) != 0 || (reason && (!r->reason || strcmp(r->reason, reason))))
		print_error("outcome %s (%s: %s), want %s (%s)\n", r->outcome,
			    r->reason ? r->reason : "-", r->detail ? r->detail : "-", outcome,
			    reason ? reason : "-");
	assert_string_equal(r->outcome, outcome);
	if (reason != NULL)
		assert_string_equal(r->reason, reason);
}

/* The case key gemeente-heerlen keeps, decrypted: what a lying partner of
 * the case holds to compute commitments. */
static void case_key_of(struct fed *f, const char *id, uint8_t key[HOUSEHOLD_KEY_LEN])
{
	struct node_keys k;
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	memset(&k, 0, sizeof(k));
	node_key(f, "gemeente-heerlen", "store_key", k.store_key);
	fed_file(f, node_db("gemeente-heerlen"), path, sizeof(path));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT key_enc FROM case_keys WHERE case_id = ?",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(keys_open(&k, "wijknet-case-key-at-rest-v1", sqlite3_column_blob(st, 0),
				   (size_t)sqlite3_column_bytes(st, 0), key), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* ---- the shared federation -------------------------------------------- */

static int open_main_case(struct fed *f)
{
	const char *people[] = { mother, father, child13, child12, teen16 };
	const char *consents[] = { consent_mother, consent_father, consent_child13,
				   consent_child12, consent_teen16 };
	wn_case_params p;
	memset(&p, 0, sizeof(p));
	p.cluster = "multiprobleem";
	p.people = people;
	p.npeople = 5;
	p.consents = consents;
	p.actor = ACTOR;
	/* every member consents for themselves, or through the parents (Bijlage 8) */
	p.nconsents = 4;
	wn_client *c = client_of(f, GEMEENTE);
	int rc = wn_case_open(c, &p, case_main);
	if (rc != WN_ECONSENT || strstr(wn_client_errmsg(c), "person 5 of the household") == NULL) {
		print_error("case open without a member's consent: %s: %s\n", wn_errname(rc),
			    wn_client_errmsg(c));
		wn_client_close(c);
		return -1;
	}
	p.nconsents = 5;
	rc = wn_case_open(c, &p, case_main);
	if (rc == 0)
		rc = wn_case_join(c, case_main, "radar", &ACTOR);
	if (rc == 0)
		rc = wn_case_join(c, case_main, "alcander", &ACTOR);
	if (rc != 0)
		print_message("open case: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

static int group_setup(void **state)
{
	char birth[DATE_LEN + 1];
	struct fed *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	bsn_at(10000001, mother);
	bsn_at(10000101, father);
	bsn_at(10000201, child13);
	bsn_at(10000301, child12);
	bsn_at(10000401, teen16);
	bsn_at(10000501, outsider);
	bsn_at(10000601, nobody);
	bsn_at(10000701, baby);
	if (fed_setup(f, ids, NNODES) != 0 ||
	    broker_partner_set(f, "weller", "role", "\"incidental\"") != 0 ||
	    fed_start_all(f, 20000) != 0 || write_lookup_motivation(f) != 0) {
		fprintf(stderr, "group setup: federation did not come up\n");
		return -1;
	}
	if (put(f, RADAR, mother, "leefgebied.huisvesting") != 0 ||
	    put(f, RADAR, child13, "leefgebied.huisvesting") != 0 ||
	    put(f, RADAR, outsider, "leefgebied.huisvesting") != 0 ||
	    put(f, ALCANDER, father, "leefgebied.inkomen_schulden") != 0)
		return -1;
	char *d1 = consent_doc(mother, "1985-02-03", SELF, NULL, 300, NULL);
	char *d2 = consent_doc(father, "1983-07-09", SELF, NULL, 300, NULL);
	date_back(13, -40, birth);
	char *d3 = consent_doc(child13, birth, SELF_PARENT, NULL, 300, NULL);
	date_back(12, -30, birth); /* as test_r11 has them born */
	char *d4 = consent_doc(child12, birth, SELF_PARENT, NULL, 300, NULL);
	date_back(16, -30, birth);
	char *d5 = consent_doc(teen16, birth, SELF, NULL, 300, NULL);
	int rc = consent_register(f, d1, consent_mother) || consent_register(f, d2, consent_father) ||
		 consent_register(f, d3, consent_child13) || consent_register(f, d4, consent_child12) ||
		 consent_register(f, d5, consent_teen16) || open_main_case(f);
	free(d1);
	free(d2);
	free(d3);
	free(d4);
	free(d5);
	return rc ? -1 : 0;
}

/* ---- r07: a case is about a household, on its preconditions ------------ */

static void test_r07_recipients_case_opened_for_household(void **state)
{
	struct fed *f = *state;
	/* the broker holds five commitments and no BSN */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM case_people WHERE "
			     "case_id='%s' AND removed_at IS NULL AND length(person)=64", case_main), 5);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id='%s' AND "
			     "basis='consent' AND regisseur_id='wk-0042' AND regisseur_role="
			     "'wijkcoach'", case_main), 1);
	/* the key sealed to the opener and each partner that joined */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM case_keys WHERE "
			     "case_id='%s'", case_main), 3);
	const char *const all[] = { mother, father, child13, child12, teen16 };
	size_t len;
	char *b = slurp(f, "data/broker.db", &len), *w;
	size_t wlen;
	w = slurp(f, "data/broker.db-wal", &wlen);
	for (size_t i = 0; i < 5; i++) {
		assert_false(bytes_contain(b, len, all[i], 9));
		assert_false(bytes_contain(w, wlen, all[i], 9));
	}
	free(b);
	free(w);
	/* every partner of the case sees the household's size, not who */
	wn_client *c = client_of(f, RADAR);
	wn_case_list *l = NULL;
	assert_int_equal(wn_cases(c, &l), 0);
	int seen = 0;
	for (size_t i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].id, case_main) != 0)
			continue;
		seen = 1;
		assert_int_equal(l->items[i].npeople, 5);
		assert_string_equal(l->items[i].basis, "consent");
		assert_string_equal(l->items[i].regisseur_role, "wijkcoach");
	}
	assert_true(seen);
	wn_case_list_free(l);
	/* ... and checks a person against it with its own key */
	assert_int_equal(wn_case_has_person(c, case_main, child13, &ACTOR), 0);
	assert_int_equal(wn_case_has_person(c, case_main, outsider, &ACTOR), WN_ENOTINCASE);
	assert_int_equal(wn_case_has_person(c, case_main, child13, NULL), WN_EINVAL);
	wn_client_close(c);
}

static void test_r07_recipients_case_preconditions(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	const char *people[] = { mother, father };
	wn_case_params p;
	memset(&p, 0, sizeof(p));
	p.cluster = "volwassenen";
	p.people = people;
	p.npeople = 2;
	p.actor = ACTOR;
	long cases = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM cases");
	wn_client *c = client_of(f, GEMEENTE);
	/* neither a consent nor an urgent interest */
	assert_int_equal(wn_case_open(c, &p, id), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "Bijlage 2"));
	/* a consent of someone outside the household */
	const char *consents[] = { consent_child13 };
	p.consents = consents;
	p.nconsents = 1;
	assert_int_equal(wn_case_open(c, &p, id), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(c), "outside the household"));
	/* one member's consent counted twice */
	const char *twice_consent[] = { consent_mother, consent_mother };
	p.consents = twice_consent;
	p.nconsents = 2;
	assert_int_equal(wn_case_open(c, &p, id), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "one consent per member"));
	/* consents that serve another case already: one serves one plan (Bijlage 5) */
	const char *serving[] = { consent_mother, consent_father };
	p.consents = serving;
	assert_int_equal(wn_case_open(c, &p, id), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(c), "given for another case"));
	/* a consent the client refused all of since rests nothing (Heerlen 8.2) */
	char alone[10], cid[WN_ID_LEN + 1], rid[WN_ID_LEN + 1], refusal[600];
	bsn_at(10000801, alone);
	char *doc = consent_doc(alone, "1980-01-01", SELF, NULL, 200, NULL);
	assert_int_equal(consent_register(f, doc, cid), 0);
	free(doc);
	snprintf(refusal, sizeof(refusal), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": "
		 "\"1980-01-01\"}, \"purposes\": [\"plan_van_aanpak\", \"intake\"], "
		 "\"recipients\": [\"gemeente-heerlen\"], \"sources\": [\"radar\", \"alcander\"],"
		 " \"signers\": [%s], \"signed_on\": \"2026-11-30\"}", alone, SELF);
	assert_int_equal(wn_consent_refuse(c, refusal, &ACTOR, rid), 0);
	const char *lone[] = { alone }, *emptied[] = { cid };
	wn_case_params q = p;
	q.people = lone;
	q.npeople = 1;
	q.consents = emptied;
	q.nconsents = 1;
	assert_int_equal(wn_case_open(c, &q, id), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(c), "nothing rests on it"));
	/* an urgent interest without its explanation */
	p.consents = NULL;
	p.nconsents = 0;
	p.urgent_json = "{\"interest\":\"serious_harm\",\"explanation\":\"zie\"}";
	assert_int_equal(wn_case_open(c, &p, id), WN_EMOTIVATION);
	p.urgent_json = "{\"interest\":\"serious_harm\",\"explanation\":\"zie          \"}";
	assert_int_equal(wn_case_open(c, &p, id), WN_EMOTIVATION);
	p.urgent_json = "{\"interest\":\"curiosity\",\"explanation\":\"Een lange uitleg waarom\"}";
	assert_int_equal(wn_case_open(c, &p, id), WN_EMOTIVATION);
	/* no household, or a person named twice */
	p.urgent_json = "{\"interest\":\"serious_harm\",\"explanation\":\"Dreigende huisuitzetting\"}";
	p.npeople = 0;
	assert_int_equal(wn_case_open(c, &p, id), WN_EINVAL);
	const char *twice[] = { mother, mother };
	p.people = twice;
	p.npeople = 2;
	assert_int_equal(wn_case_open(c, &p, id), WN_EINVAL);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM cases"), cases);
	/* the urgent interest is recorded: its text stays here, a keyed hash there */
	p.people = people;
	assert_int_equal(wn_case_open(c, &p, id), 0);
	wn_client_close(c);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id='%s' AND "
			     "basis='urgent' AND basis_detail LIKE '%%motivation%%' AND basis_detail "
			     "NOT LIKE '%%huisuitzetting%%'", id), 1);
	/* ... encrypted at rest: the motivation may say much about the household */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM case_keys WHERE "
			     "case_id='%s' AND length(basis_enc) > 40", id), 1);
	const char *files[] = { "", "-wal" };
	for (size_t i = 0; i < 2; i++) {
		char rel[128];
		size_t len = 0;
		snprintf(rel, sizeof(rel), "%s%s", node_db("gemeente-heerlen"), files[i]);
		char *bytes = slurp(f, rel, &len);
		if (bytes != NULL)
			assert_false(bytes_contain(bytes, len, "huisuitzetting", 14));
		free(bytes);
	}
	/* closing the case forgets its key here */
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_close(c, id, &ACTOR), 0);
	wn_client_close(c);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM case_keys WHERE "
			     "case_id='%s'", id), 0);
}

/* ---- r07: every use bound to a person of the case ---------------------- */

static void test_r07_recipients_request_outside_household_refused(void **state)
{
	struct fed *f = *state;
	wn_request_result *r = NULL;
	long sent = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log");
	long audit = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
				  "type='request'");
	/* through its own node: refused before anything leaves */
	wn_request_params p = params("radar", outsider, "leefgebied.huisvesting", "vital_interest");
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, "household"), WN_ENOTINCASE);
	/* the person first: with a member's consent it is the same refusal */
	wn_request_params pc = params("radar", outsider, "leefgebied.huisvesting", "consent");
	pc.consent_id = consent_mother;
	assert_int_equal(request_rc(f, GEMEENTE, &pc, &r, "household"), WN_ENOTINCASE);
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM "
				      "sent_log"), sent);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
				      "type='request'"), audit);
	assert_true(dbq(f, node_db("gemeente-heerlen"), "SELECT COALESCE(SUM(count), 0) FROM security_events "
			"WHERE kind='not_in_case'") >= 1);
	/* a requester that lies to its own node: the source refuses and logs it */
	json_t *env = NULL;
	json_error_t jerr;
	assert_int_equal(envelope_new1(&env, "request", "gemeente-heerlen", "radar"), 0);
	envelope_set_str(env, "case", case_main);
	envelope_set_str(env, "purpose", "plan_van_aanpak");
	envelope_set_str(env, "ground", "vital_interest");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 3000));
	json_t *body = json_pack("{s:s,s:[s],s:o}", "bsn", outsider, "categories",
				 "leefgebied.huisvesting", "motivation",
				 json_loads(FED_MOTIVATION, 0, &jerr));
	raw_seal_to(f, env, "radar", body);
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(envelope_str(reply, "type"), "request.result");
	json_t *opened = raw_open_as(f, "gemeente-heerlen",
				     json_object_get(envelope_body(reply), "answer"));
	assert_string_equal(json_string_value(json_object_get(opened, "outcome")), "refused");
	assert_string_equal(json_string_value(json_object_get(opened, "reason")), "not_in_case");
	assert_int_equal(json_array_size(json_object_get(opened, "records")), 0);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM disclosures WHERE "
			     "request_id='%s' AND outcome='refused' AND reason='not_in_case'",
			     envelope_str(env, "id")), 1);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			     "kind='not_in_case' AND peer='gemeente-heerlen' AND msg_id='%s'",
			     envelope_str(env, "id")), 1);
	json_decref(opened);
	json_decref(reply);
	json_decref(body);
	json_decref(env);
	/* a person of the household is served, on that person's own consent */
	p = params("radar", child13, "leefgebied.huisvesting", "consent");
	p.consent_id = consent_child13;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	assert_non_null(strstr(r->records[0].content_json, MARK));
	wn_request_result_free(r);
	/* ... and not on another member's consent */
	p.consent_id = consent_mother;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, "another person"), WN_ECONSENT);
}

static void test_r12_medical_duty_assertion_outside_household_refused(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.psychisch" };
	char id[WN_ID_LEN + 1];
	long before = fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions");
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_duty_assert(c, case_main, outsider, "gemeente-heerlen", cats, 1,
					FED_MOTIVATION, 0, &ACTOR, id), WN_ENOTINCASE);
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions"),
			 before);
	assert_true(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			"kind='not_in_case' AND peer='radar'") >= 1);
	/* about a member of the household it is recorded */
	assert_int_equal(wn_duty_assert(c, case_main, mother, "gemeente-heerlen", cats, 1,
					FED_MOTIVATION, 0, &ACTOR, id), 0);
	wn_client_close(c);
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions"),
			 before + 1);
}

/* A judgement is for another partner of the case (Heerlen 7.1): not for a
 * partner outside it, which could use it once it joined, nor for itself. */
static void test_r12_medical_duty_assertion_recipient_outside_case_refused(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.psychisch" };
	char id[WN_ID_LEN + 1];
	long before = fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions");
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_duty_assert(c, case_main, mother, "weller", cats, 1, FED_MOTIVATION,
					0, &ACTOR, id), WN_ENOTMEMBER);
	assert_non_null(strstr(wn_client_errmsg(c), "does not take part in case"));
	assert_int_equal(wn_duty_assert(c, case_main, mother, "radar", cats, 1, FED_MOTIVATION,
					0, &ACTOR, id), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "another partner of the case"));
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions"),
			 before);
	/* for a partner of the case it is recorded */
	assert_int_equal(wn_duty_assert(c, case_main, mother, "alcander", cats, 1, FED_MOTIVATION,
					0, &ACTOR, id), 0);
	wn_client_close(c);
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions"),
			 before + 1);
}

static void test_r18_rectify_rights_request_outside_household_refused(void **state)
{
	struct fed *f = *state;
	wn_rights_params p;
	wn_rights_result *r = NULL;
	memset(&p, 0, sizeof(p));
	p.case_id = case_main;
	p.bsn = outsider;
	p.kind = "correction";
	p.text = "De woonsituatie klopt niet";
	p.actor = ACTOR;
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_rights_request(c, &p, &r), WN_ENOTINCASE);
	/* a partner named outside the case: refused before anything is recorded */
	static const char *const weller[] = { "weller" };
	long recorded = dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM client_rights");
	p.bsn = child13;
	p.partners = weller;
	p.npartners = 1;
	assert_int_equal(wn_rights_request(c, &p, &r), WN_ENOTMEMBER);
	assert_non_null(strstr(wn_client_errmsg(c), "weller"));
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM client_rights"),
			 recorded);
	p.partners = NULL;
	p.npartners = 0;
	/* a member of the household: sent to the case's partners; the
	 * municipality's own answer comes with theirs */
	p.bsn = child13;
	assert_int_equal(wn_rights_request(c, &p, &r), 0);
	assert_int_equal(r->count, 3);
	for (size_t i = 0; i < r->count; i++)
		assert_string_equal(r->answers[i].status,
				    strcmp(r->answers[i].partner, "radar") == 0 ? "registered"
										: "not_known");
	wn_rights_result_free(r);
	/* a member suspended meanwhile cannot be asked: the others are, all the
	 * same, and it stays open for the client (done in part) */
	assert_int_equal(cli(f, "broker", "admin suspend alcander --reason 'onderzoek'"), 0);
	assert_int_equal(status_wait(f, GEMEENTE, "alcander", "suspended", 15000), 0);
	p.kind = "completion";
	assert_int_equal(wn_rights_request(c, &p, &r), 0);
	assert_int_equal(r->count, 3);
	for (size_t i = 0; i < r->count; i++)
		assert_string_equal(r->answers[i].status,
				    strcmp(r->answers[i].partner, "radar") == 0      ? "registered"
				    : strcmp(r->answers[i].partner, "alcander") == 0 ? "unavailable"
										     : "not_known");
	wn_rights_result_free(r);
	assert_int_equal(cli(f, "broker", "admin resume alcander --reason 'afgerond'"), 0);
	assert_int_equal(status_wait(f, GEMEENTE, "alcander", "active", 15000), 0);
	p.kind = "correction";
	wn_client_close(c);
	/* a municipality that lies to its node: each source refuses and logs it */
	json_t *env = NULL;
	const char *to[] = { "radar" };
	assert_int_equal(envelope_new(&env, "rights.request", "gemeente-heerlen", to, 1), 0);
	envelope_set_str(env, "case", case_main);
	envelope_set_str(env, "purpose", "inzage");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 3000));
	json_t *body = json_pack("{s:s,s:s}", "bsn", outsider, "kind", "deletion");
	raw_seal_to(f, env, "radar", body);
	long rights = fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM rights_requests");
	long refusals = dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM"
			    " security_events WHERE kind='not_in_case'");
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(envelope_str(reply, "type"), "rights.result");
	json_t *opened = raw_open_as(f, "gemeente-heerlen", json_array_get(
					     json_object_get(envelope_body(reply), "answers"), 0));
	assert_string_equal(json_string_value(json_object_get(opened, "status")), "refused");
	assert_string_equal(json_string_value(json_object_get(opened, "reason")), "not_in_case");
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM rights_requests"),
			 rights);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM"
			     " security_events WHERE kind='not_in_case'"), refusals + 1);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM disclosures WHERE "
			     "request_id='%s' AND outcome='refused' AND reason='not_in_case'",
			     envelope_str(env, "id")), 1);
	json_decref(opened);
	json_decref(reply);
	json_decref(body);
	json_decref(env);
	/* the municipality, outside a case, cannot ask about its household:
	 * its own node says so, and the broker refuses it when bypassed */
	char other_case[WN_ID_LEN + 1];
	const char *kids[] = { child13 }, *with[] = { "alcander", NULL };
	assert_int_equal(open_household_case(f, RADAR, "multiprobleem", kids, 1, with, other_case),
			 0);
	c = client_of(f, GEMEENTE);
	p.case_id = other_case;
	p.bsn = child13;
	assert_int_equal(wn_rights_request(c, &p, &r), WN_ENOTMEMBER);
	assert_non_null(strstr(wn_client_errmsg(c), "partner of the case"));
	wn_client_close(c);
	assert_int_equal(envelope_new(&env, "rights.request", "gemeente-heerlen", to, 1), 0);
	envelope_set_str(env, "case", other_case);
	envelope_set_str(env, "purpose", "inzage");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 3000));
	body = json_pack("{s:s,s:s}", "bsn", child13, "kind", "deletion");
	raw_seal_to(f, env, "radar", body);
	reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(envelope_str(reply, "type"), "error");
	assert_string_equal(json_string_value(json_object_get(envelope_body(reply), "error")),
			    "not_case_member");
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM rights_requests"),
			 rights);
	json_decref(reply);
	json_decref(body);
	json_decref(env);
}

/* ---- r08: a third party, for one person, on consent too ---------------- */

static int tp_propose_by(struct fed *f, size_t node, const char *bsn, const char *ground,
			 const char *consent, char id[WN_ID_LEN + 1])
{
	static const char *const cats[] = { "leefgebied.huisvesting" };
	wn_thirdparty_proposal p;
	memset(&p, 0, sizeof(p));
	p.case_id = case_main;
	p.bsn = bsn;
	p.party = "weller";
	p.source = "radar";
	p.categories = cats;
	p.ncategories = 1;
	p.purpose = "plan_van_aanpak";
	p.ground = ground;
	p.consent_id = consent;
	p.motivation_json = consent ? NULL : FED_MOTIVATION;
	p.actor = ACTOR;
	wn_client *c = client_of(f, node);
	int rc = wn_thirdparty_propose(c, &p, id);
	if (rc != 0)
		print_message("propose: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

static int tp_propose(struct fed *f, const char *bsn, const char *ground, const char *consent,
		      char id[WN_ID_LEN + 1])
{
	return tp_propose_by(f, GEMEENTE, bsn, ground, consent, id);
}

/* Declared by the third party, approved by radar and alcander. */
static void tp_approve_all(struct fed *f, const char *id)
{
	wn_client *c = client_of(f, WELLER);
	assert_int_equal(wn_thirdparty_declare(c, id, "A. de Vries", "Weller Wonen", "Heerlen",
					       "2026-11-20", &ACTOR), 0);
	wn_client_close(c);
	for (size_t node = RADAR; node <= ALCANDER; node++) {
		c = client_of(f, node);
		int rc = wn_thirdparty_decide(c, id, 1, &ACTOR);
		if (rc != 0)
			print_error("approve at %s: %s: %s\n", ids[node], wn_errname(rc),
				    wn_client_errmsg(c));
		assert_int_equal(rc, 0);
		wn_client_close(c);
	}
}

static wn_request_params tp_params(const char *id, const char *bsn, const char *ground)
{
	wn_request_params p = params("radar", bsn, "leefgebied.huisvesting", ground);
	p.approval = id;
	p.motivation_json = NULL;
	return p;
}

static void test_r08_third_party_bound_to_person(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	wn_request_result *r = NULL;
	/* a proposal about someone outside the case is refused by the proposer's node */
	assert_int_equal(tp_propose(f, outsider, "legitimate_interest", NULL, id), WN_ENOTINCASE);
	/* approved for the mother: used for the father (a member), refused at the source */
	assert_int_equal(tp_propose(f, mother, "legitimate_interest", NULL, id), 0);
	tp_approve_all(f, id);
	wn_request_params p = tp_params(id, father, "legitimate_interest");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "refused", "person_not_approved");
	assert_int_equal(r->count, 0);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			     "kind='not_in_case' AND peer='weller' AND msg_id='%s'", r->request_id), 1);
	wn_request_result_free(r);
	/* and for a person outside the case: not_in_case */
	assert_int_equal(tp_propose(f, mother, "legitimate_interest", NULL, id), 0);
	tp_approve_all(f, id);
	p = tp_params(id, outsider, "legitimate_interest");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "refused", "not_in_case");
	wn_request_result_free(r);
	/* used for the mother, it is disclosed, and the client is told */
	assert_int_equal(tp_propose(f, mother, "legitimate_interest", NULL, id), 0);
	tp_approve_all(f, id);
	p = tp_params(id, mother, "legitimate_interest");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM client_notifications WHERE "
			     "request_id='%s' AND kind='third_party'", r->request_id), 1);
	wn_request_result_free(r);
	/* the declaration's text version is kept with the approval, apart from the case */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_declarations "
			     "WHERE approval='%s' AND party='weller' AND text_version="
			     "'heerlen-bijlage6-v1' AND declaration LIKE '%%Weller Wonen%%'", id), 1);
}

/* The proposer approves by proposing: asked to approve again, its node says
 * so, rather than that the proposal seals no person to it. */
static void test_r08_third_party_proposer_approves_by_proposing(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	assert_int_equal(tp_propose(f, mother, "legitimate_interest", NULL, id), 0);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_thirdparty_decide(c, id, 1, &ACTOR), WN_EDENIED);
	assert_non_null(strstr(wn_client_errmsg(c), "proposing is its approval"));
	wn_client_close(c);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_votes WHERE "
			     "id='%s' AND partner='gemeente-heerlen' AND decision='approved'", id), 1);
	/* a category or purpose the vocabulary lacks is the professional's typo:
	 * refused at its own node, not recorded against the partner at the broker */
	static const char *const typo[] = { "leefgebied.huisvestnig" };
	wn_thirdparty_proposal p;
	memset(&p, 0, sizeof(p));
	p.case_id = case_main;
	p.bsn = mother;
	p.party = "weller";
	p.source = "radar";
	p.categories = typo;
	p.ncategories = 1;
	p.purpose = "plan_van_aanpak";
	p.ground = "legitimate_interest";
	p.motivation_json = FED_MOTIVATION;
	p.actor = ACTOR;
	long events = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events");
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_thirdparty_propose(c, &p, id), WN_ECATEGORY);
	assert_non_null(strstr(wn_client_errmsg(c), "leefgebied.huisvestnig"));
	p.categories = (const char *const[]){ "leefgebied.huisvesting" };
	p.purpose = "plan_van_aanpk";
	assert_int_equal(wn_thirdparty_propose(c, &p, id), WN_EPURPOSE);
	wn_client_close(c);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events"), events);
}

/* A partner of the case that lies about whom a proposal concerns: the person
 * sealed to the others is not the one it names. */
static void test_r08_third_party_approval_outside_household_refused(void **state)
{
	struct fed *f = *state;
	uint8_t key[HOUSEHOLD_KEY_LEN];
	char commit[HOUSEHOLD_COMMIT_HEX + 1];
	case_key_of(f, case_main, key);
	assert_int_equal(household_commit(key, mother, commit), 0);
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "thirdparty.propose", "gemeente-heerlen", "broker"), 0);
	envelope_set_str(env, "case", case_main);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body",
			    json_pack("{s:s,s:s,s:[s],s:s,s:s,s:s,s:s}", "party", "weller", "source",
				      "radar", "categories", "leefgebied.huisvesting", "purpose",
				      "plan_van_aanpak", "ground", "legitimate_interest", "person",
				      commit, "motivation_hash",
				      "00000000000000000000000000000000000000000000000000000000000000aa"));
	json_t *sealed = json_pack("{s:s}", "bsn", outsider);
	raw_seal_to(f, env, "radar", sealed);
	raw_seal_to(f, env, "alcander", sealed);
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(envelope_str(reply, "type"), "ok");
	const char *id = json_string_value(json_object_get(json_object_get(envelope_body(reply),
									   "approval"), "id"));
	assert_non_null(id);
	long events = dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			  "kind='not_in_case' AND peer='gemeente-heerlen'");
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_thirdparty_decide(c, id, 1, &ACTOR), WN_ENOTINCASE);
	wn_client_close(c);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			     "kind='not_in_case' AND peer='gemeente-heerlen'"), events + 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_votes WHERE "
			     "id='%s' AND partner='radar'", id), 0);
	json_decref(sealed);
	json_decref(reply);
	json_decref(env);
}

/* Heerlen 7.2: the client's consent, asked beforehand, can be the ground. */
static void test_r08_third_party_on_consent(void **state)
{
	struct fed *f = *state;
	char consent[WN_ID_LEN + 1], id[WN_ID_LEN + 1];
	wn_request_result *r = NULL;
	char *doc = consent_doc(mother, "1985-02-03", SELF, NULL, 200, "\"weller\"");
	assert_int_equal(consent_register(f, doc, consent), 0);
	free(doc);
	/* a consent that does not name the third party is not its ground */
	assert_int_equal(tp_propose(f, mother, "consent", consent_mother, id), WN_ECONSENT);
	assert_int_equal(tp_propose(f, mother, "consent", consent, id), 0);
	tp_approve_all(f, id);
	wn_request_params p = tp_params(id, mother, "consent");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM disclosures WHERE "
			     "request_id='%s' AND approval='%s' AND ground='consent' AND "
			     "length(ground_detail_hash)=64", r->request_id, id), 1);
	wn_request_result_free(r);
	/* once the consent is revoked, an approval resting on it serves nothing */
	assert_int_equal(tp_propose(f, mother, "consent", consent, id), 0);
	tp_approve_all(f, id);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_revoke(c, consent, &ACTOR), 0);
	wn_client_close(c);
	p = tp_params(id, mother, "consent");
	assert_int_equal(request_rc(f, WELLER, &p, &r, "revoked"), WN_ECONSENT);
}

/* The source itself proposes, on a consent it holds: it keeps the consent
 * it discloses on, as a source that approves another's proposal does. */
static void test_r08_third_party_on_consent_source_proposes(void **state)
{
	struct fed *f = *state;
	char consent[WN_ID_LEN + 1], id[WN_ID_LEN + 1];
	wn_request_result *r = NULL;
	char *doc = consent_doc(mother, "1985-02-03", SELF, NULL, 200, "\"weller\"");
	assert_int_equal(consent_register_at(f, RADAR, doc, consent), 0);
	free(doc);
	assert_int_equal(tp_propose_by(f, RADAR, mother, "consent", consent, id), 0);
	wn_client *c = client_of(f, WELLER);
	assert_int_equal(wn_thirdparty_declare(c, id, "A. de Vries", "Weller Wonen", "Heerlen",
					       "2026-11-20", &ACTOR), 0);
	wn_client_close(c);
	const size_t others[] = { GEMEENTE, ALCANDER };
	for (size_t i = 0; i < 2; i++) {
		c = client_of(f, others[i]);
		assert_int_equal(wn_thirdparty_decide(c, id, 1, &ACTOR), 0);
		wn_client_close(c);
	}
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM third_party_decisions "
			     "WHERE id='%s' AND consent_enc IS NOT NULL", id), 1);
	wn_request_params p = tp_params(id, mother, "consent");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* approved again; then the client refuses the third party at the source,
	 * which holds the consent: the approval no longer discloses (H 8.2) */
	assert_int_equal(tp_propose_by(f, RADAR, mother, "consent", consent, id), 0);
	c = client_of(f, WELLER);
	assert_int_equal(wn_thirdparty_declare(c, id, "A. de Vries", "Weller Wonen", "Heerlen",
					       "2026-11-20", &ACTOR), 0);
	wn_client_close(c);
	for (size_t i = 0; i < 2; i++) {
		c = client_of(f, others[i]);
		assert_int_equal(wn_thirdparty_decide(c, id, 1, &ACTOR), 0);
		wn_client_close(c);
	}
	char rid[WN_ID_LEN + 1], refusal[600];
	snprintf(refusal, sizeof(refusal), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": "
		 "\"1985-02-03\"}, \"purposes\": [\"plan_van_aanpak\"], \"recipients\": "
		 "[\"weller\"], \"sources\": [\"radar\"], \"signers\": [%s], \"signed_on\": "
		 "\"2026-11-30\"}", mother, SELF);
	c = client_of(f, RADAR);
	assert_int_equal(wn_consent_refuse(c, refusal, &ACTOR, rid), 0);
	wn_client_close(c);
	p = tp_params(id, mother, "consent");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "refused", "approval_invalid");
	wn_request_result_free(r);
}

/* ---- r10, r11: a consent per member, fit for the age on every use ------ */

/* A consent object gemeente-heerlen's key signs and registers at the broker
 * itself, as a node that skips its own checks would; the source checks. */
static json_t *forged_consent(struct fed *f, const char *doc_text, char id[33])
{
	char pem[512], err[256], version[65];
	pki_identity *g = NULL;
	json_error_t jerr;
	json_t *doc = json_loads(doc_text, 0, &jerr), *object = NULL;
	assert_non_null(doc);
	fed_file(f, "ca/gemeente-heerlen.pem", pem, sizeof(pem));
	assert_int_equal(pki_identity_load(pem, &g, err, sizeof(err)), 0);
	assert_int_equal(consentdoc_make(doc, 0, "gemeente-heerlen", g->key, &object, id, version),
			 0);
	pki_identity_free(g);
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "consent.register", "gemeente-heerlen", "broker"), 0);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:s,s:s,s:s,s:O,s:O}", "consent", id,
						   "version", version, "status", "active",
						   "valid_from", json_object_get(doc, "signed_on"),
						   "valid_until", json_object_get(doc, "valid_until")));
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(envelope_str(reply, "type"), "ok");
	json_decref(reply);
	json_decref(env);
	json_decref(doc);
	return object;
}

/* Sends a request as from on a consent object to radar, bypassing the
 * requester's node; the broker's reply. */
static json_t *raw_request_as(struct fed *f, const char *from, const char *bsn, json_t *object)
{
	char version[65];
	json_t *env = NULL;
	assert_int_equal(consentdoc_version(object, version), 0);
	assert_int_equal(envelope_new1(&env, "request", from, "radar"), 0);
	envelope_set_str(env, "case", case_main);
	envelope_set_str(env, "purpose", "plan_van_aanpak");
	envelope_set_str(env, "ground", "consent");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "consent", json_pack("{s:O,s:s}", "id", json_object_get(object, "id"),
						      "version", version));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 3000));
	json_t *body = json_pack("{s:s,s:[s],s:O}", "bsn", bsn, "categories",
				 "leefgebied.huisvesting", "consent", object);
	raw_seal_to(f, env, "radar", body);
	json_t *reply = raw_as(f, from, env);
	json_decref(body);
	json_decref(env);
	return reply;
}

/* The same from the municipality, which holds the consent; the opened answer. */
static json_t *raw_request_on(struct fed *f, const char *bsn, json_t *object)
{
	json_t *reply = raw_request_as(f, "gemeente-heerlen", bsn, object);
	if (strcmp(envelope_str(reply, "type"), "request.result") != 0)
		print_error("raw request: %s\n", reply_error(reply));
	assert_string_equal(envelope_str(reply, "type"), "request.result");
	json_t *opened = raw_open_as(f, "gemeente-heerlen",
				     json_object_get(envelope_body(reply), "answer"));
	json_decref(reply);
	return opened;
}

/* Consent lives where it was collected: another partner of the case that
 * got hold of it asks nothing on it, even past its own node. */
static void test_r10_consent_asked_on_only_by_its_holder(void **state)
{
	struct fed *f = *state;
	char id[33];
	char *doc = consent_doc(mother, "1985-02-03", SELF, NULL, 300,
				"\"gemeente-heerlen\", \"alcander\"");
	json_t *object = forged_consent(f, doc, id);
	long audit = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
				  "type='request'");
	json_t *reply = raw_request_as(f, "alcander", mother, object);
	assert_string_equal(envelope_str(reply, "type"), "error");
	assert_string_equal(reply_error(reply), "consent");
	assert_non_null(strstr(json_string_value(json_object_get(envelope_body(reply), "message")),
			       "held by 'gemeente-heerlen'"));
	json_decref(reply);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
				      "type='request'"), audit);
	/* its holder is served on it */
	json_t *opened = raw_request_on(f, mother, object);
	assert_string_not_equal(json_string_value(json_object_get(opened, "outcome")), "refused");
	json_decref(opened);
	json_decref(object);
	free(doc);
}

/* Heerlen Bijlage 8: a consent signed by parents alone stops covering the
 * child on its 12th birthday; one co-signed, on its 16th. */
static void test_r11_consent_age_checked_at_every_use(void **state)
{
	struct fed *f = *state;
	char birth12[DATE_LEN + 1], birth16[DATE_LEN + 1], signed_on[DATE_LEN + 1], id[33];
	char cid[WN_ID_LEN + 1];
	/* born so that the birthday fell between signing (60 days ago) and today */
	date_back(12, -30, birth12);
	date_back(16, -30, birth16);
	date_today_plus(-60, signed_on);
	struct {
		const char *bsn, *birth, *signers, *rule;
	} cases[] = {
		{ child12, birth12, PARENT, "co-signs" },          /* 11 at signing, 12 now */
		{ teen16, birth16, SELF_PARENT, "signs for itself" }, /* 15 at signing, 16 now */
	};
	for (size_t i = 0; i < 2; i++) {
		char *doc = consent_doc(cases[i].bsn, cases[i].birth, cases[i].signers, signed_on,
					300, NULL);
		/* its own node registers no consent that no longer covers the child */
		wn_client *c = client_of(f, GEMEENTE);
		assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), WN_ECONSENT);
		assert_non_null(strstr(wn_client_errmsg(c), cases[i].rule));
		wn_client_close(c);
		/* a node that registers it anyway meets the source's check at use */
		json_t *object = forged_consent(f, doc, id);
		json_t *opened = raw_request_on(f, cases[i].bsn, object);
		assert_string_equal(json_string_value(json_object_get(opened, "outcome")), "refused");
		assert_string_equal(json_string_value(json_object_get(opened, "reason")),
				    "consent_invalid");
		assert_non_null(strstr(json_string_value(json_object_get(opened, "detail")),
				       "no longer covers"));
		json_decref(opened);
		json_decref(object);
		free(doc);
	}
	/* the child signs anew, and is served */
	char *doc = consent_doc(child12, birth12, SELF_PARENT, NULL, 300, NULL);
	assert_int_equal(consent_register(f, doc, cid), 0);
	free(doc);
	wn_request_result *r = NULL;
	wn_request_params p = params("radar", child12, "leefgebied.huisvesting", "consent");
	p.consent_id = cid;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, NULL), 0);
	expect_outcome(r, "not_known", NULL);
	wn_request_result_free(r);
}

/* A consent lasts at most the federation's maximum (default a year). */
static void test_r10_consent_validity_beyond_maximum_refused(void **state)
{
	struct fed *f = *state;
	char cid[WN_ID_LEN + 1];
	char *doc = consent_doc(mother, "1985-02-03", SELF, NULL, 2 * 365, NULL);
	long registered = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents");
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(c), "maximum of 365 days"));
	wn_client_close(c);
	/* the broker refuses one registered by a node that skips the check */
	char on[DATE_LEN + 1], until[DATE_LEN + 1];
	date_today_plus(-1, on);
	date_today_plus(3650, until);
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "consent.register", "gemeente-heerlen", "broker"), 0);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:s,s:s,s:s,s:s,s:s}", "consent",
						   "0123456789abcdef0123456789abcdef", "version",
						   "00000000000000000000000000000000000000000000000000000000000000aa",
						   "status", "active", "valid_from", on, "valid_until",
						   until));
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(reply_error(reply), "consent");
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents"),
			 registered);
	json_decref(reply);
	json_decref(env);
	free(doc);
}

/* G-P 4.3a: an adult's legal representative may consent for them. */
static void test_r11_consent_representative_of_adult(void **state)
{
	struct fed *f = *state;
	char cid[WN_ID_LEN + 1];
	char *doc = consent_doc(father, "1983-07-09",
				"{\"name\": \"Mr. C. Curator\", \"role\": \"representative\","
				" \"representation\": \"curatele\"}", NULL, 300, NULL);
	assert_int_equal(consent_register(f, doc, cid), 0);
	free(doc);
	wn_request_result *r = NULL;
	wn_request_params p = params("alcander", father, "leefgebied.inkomen_schulden", "consent");
	p.consent_id = cid;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* a representative without the kind of representation is no signer */
	doc = consent_doc(father, "1983-07-09", "{\"name\": \"mr. X. de Vries\", \"role\": "
			  "\"representative\"}", NULL, 300, NULL);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(c), "representation"));
	free(doc);
	/* nor is a signer without a name: nobody could be shown to have signed */
	doc = consent_doc(father, "1983-07-09", "{\"name\": \"  \", \"role\": \"subject\"}",
			  NULL, 300, NULL);
	assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(c), "name the person who signed"));
	free(doc);
	/* a bewindvoerder alone signs for money matters only (BW 1:431): not for
	 * the housing this consent also names */
	doc = consent_doc(father, "1983-07-09", "{\"name\": \"B. Bewind\", \"role\": "
			  "\"representative\", \"representation\": \"bewind\"}", NULL, 300, NULL);
	assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(c), "financial matters only"));
	assert_non_null(strstr(wn_client_errmsg(c), "leefgebied.huisvesting"));
	free(doc);
	/* with the subject's own signature beside it, it stands */
	doc = consent_doc(father, "1983-07-09", "{\"name\": \"B. Bewind\", \"role\": "
			  "\"representative\", \"representation\": \"bewind\"}, {\"name\": "
			  "\"F. Test\", \"role\": \"subject\"}", NULL, 300, NULL);
	assert_int_equal(wn_consent_register(c, doc, &ACTOR, cid), 0);
	wn_client_close(c);
	free(doc);
}

/* ---- r13: without consent, one of Bijlage 3 step IV's exceptions ------- */

static void test_r13_no_consent_vital_interest_needs_exception(void **state)
{
	struct fed *f = *state;
	static const char no_exception[] =
		"{\"interest\":\"urgent_health\",\"subsidiarity\":\"De client is niet bereikbaar"
		"\",\"proportionality\":\"Alleen de woonsituatie wordt gevraagd\"}";
	wn_request_result *r = NULL;
	wn_request_params p = params("radar", mother, "leefgebied.huisvesting", "vital_interest");
	p.motivation_json = no_exception;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, "step IV"), WN_EMOTIVATION);
	/* the source checks it again */
	json_t *env = NULL;
	json_error_t jerr;
	assert_int_equal(envelope_new1(&env, "request", "gemeente-heerlen", "radar"), 0);
	envelope_set_str(env, "case", case_main);
	envelope_set_str(env, "purpose", "plan_van_aanpak");
	envelope_set_str(env, "ground", "vital_interest");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_t *body = json_pack("{s:s,s:[s],s:o}", "bsn", mother, "categories",
				 "leefgebied.huisvesting", "motivation",
				 json_loads(no_exception, 0, &jerr));
	raw_seal_to(f, env, "radar", body);
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	json_t *opened = raw_open_as(f, "gemeente-heerlen",
				     json_object_get(envelope_body(reply), "answer"));
	assert_string_equal(json_string_value(json_object_get(opened, "reason")),
			    "motivation_incomplete");
	assert_int_equal(json_array_size(json_object_get(opened, "records")), 0);
	json_decref(opened);
	json_decref(reply);
	json_decref(body);
	json_decref(env);
	/* with the exception it holds */
	p.motivation_json = FED_MOTIVATION;
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
}

/* ---- r02, r14: household lookups on a lawful ground --------------------- */

static wn_lookup_result *lookup_people(struct fed *f, const wn_person *people, size_t n,
				       const char *ground)
{
	static const char *const partners[] = { "radar", "alcander" };
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.people = people;
	p.npeople = n;
	p.purpose = "intake";
	p.ground = ground;
	p.motivation_json = strcmp(ground, "consent") ? FED_MOTIVATION : NULL;
	p.partners = partners;
	p.npartners = 2;
	p.actor = ACTOR;
	wn_client *c = client_of(f, GEMEENTE);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	if (rc != 0)
		print_error("lookup: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	assert_int_equal(rc, 0);
	return r;
}

static const char *outcome_of(const wn_lookup_result *r, const char *partner, size_t person)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->answers[i].partner, partner) == 0 && r->answers[i].person == person)
			return r->answers[i].outcome;
	return "missing";
}

/* The bytes of partner's answer as the broker relayed them. */
static long answer_bytes(struct fed *f, const char *request_id, const char *partner)
{
	/* the delivery entry is committed just after the answers leave */
	if (dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM audit_log WHERE "
		     "msg_id='%s' AND type='lookup.delivery'", request_id) != 1)
		return -1;
	return dbq(f, "data/broker.db", "SELECT json_extract(entry, '$.answer_bytes.%s') FROM "
		   "audit_log WHERE msg_id='%s' AND type='lookup.delivery'", partner, request_id);
}

static void test_r02_known_household_lookup_per_person(void **state)
{
	struct fed *f = *state;
	const wn_person people[] = { { mother, NULL }, { father, NULL }, { child13, NULL },
				     { nobody, NULL } };
	wn_lookup_result *r = lookup_people(f, people, 4, FED_LOOKUP_GROUND);
	assert_int_equal(r->count, 8);
	assert_string_equal(outcome_of(r, "radar", 0), "known");
	assert_string_equal(outcome_of(r, "radar", 1), "not_known");
	assert_string_equal(outcome_of(r, "radar", 2), "known");
	assert_string_equal(outcome_of(r, "radar", 3), "not_known");
	assert_string_equal(outcome_of(r, "alcander", 1), "known");
	assert_string_equal(outcome_of(r, "alcander", 0), "not_known");
	/* one entry per person at each source, each with the ground and its motivation */
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(DISTINCT person) FROM disclosures "
			     "WHERE request_id='%s' AND type='lookup' AND ground='public_task' AND "
			     "length(ground_detail_hash)=64 AND length(subject_index)=32",
			     r->request_id), 4);
	/* the broker logs the ground code, and no person */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s'"
			     " AND type='lookup' AND json_extract(entry, '$.ground')='public_task'",
			     r->request_id), 1);
	wn_lookup_result_free(r);
	/* on consent, per person: each consent goes to the partners it names */
	const wn_person consenting[] = { { mother, consent_mother }, { father, consent_father } };
	r = lookup_people(f, consenting, 2, "consent");
	assert_string_equal(outcome_of(r, "radar", 0), "known");
	assert_string_equal(outcome_of(r, "alcander", 1), "known");
	assert_int_equal(dbq(f, node_db("alcander"), "SELECT COUNT(*) FROM disclosures WHERE "
			     "request_id='%s' AND ground='consent' AND consent_id='%s' AND person=1",
			     r->request_id, consent_father), 1);
	/* the broker attested the consents as a set: nothing it logged after
	 * registering them names a consent a lookup relied on (G-P 4.3a: the
	 * lookups of one person stay unlinkable there) */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "(instr(entry, '%s') > 0 OR instr(entry, '%s') > 0) AND type NOT IN "
			     "('consent.register', 'case.open')", consent_mother, consent_father), 0);
	wn_lookup_result_free(r);
}

/* Sizes at the broker say nothing of the answers, whatever the household
 * size asked: each size class pads to one length. */
static void test_r02_known_sizes_equal_known_and_not_known(void **state)
{
	struct fed *f = *state;
	const wn_person known1[] = { { mother, NULL } }, unknown1[] = { { nobody, NULL } };
	char other[4][10];
	for (int i = 0; i < 4; i++)
		bsn_at(20000001 + i * 100, other[i]);
	const wn_person known4[] = { { mother, NULL }, { child13, NULL }, { outsider, NULL },
				     { father, NULL } };
	const wn_person unknown4[] = { { other[0], NULL }, { other[1], NULL }, { other[2], NULL },
				       { other[3], NULL } };
	const wn_person *sets[2][2] = { { known1, unknown1 }, { known4, unknown4 } };
	const size_t sizes[2] = { 1, 4 };
	long bytes[2][2][2];
	for (int s = 0; s < 2; s++) {
		for (int k = 0; k < 2; k++) {
			wn_lookup_result *r = lookup_people(f, sets[s][k], sizes[s], FED_LOOKUP_GROUND);
			bytes[s][k][0] = answer_bytes(f, r->request_id, "radar");
			bytes[s][k][1] = answer_bytes(f, r->request_id, "alcander");
			assert_string_equal(outcome_of(r, "radar", 0), k == 0 ? "known" : "not_known");
			wn_lookup_result_free(r);
		}
		print_message("household of %zu: radar answered %ld bytes (known) and %ld bytes "
			      "(not known)\n", sizes[s], bytes[s][0][0], bytes[s][1][0]);
		for (int p = 0; p < 2; p++) {
			assert_true(bytes[s][0][p] > 0);
			assert_int_equal(bytes[s][0][p], bytes[s][1][p]);
		}
	}
}

static void test_r14_lawful_ground_log_lookup_needs_ground(void **state)
{
	struct fed *f = *state;
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = mother;
	p.purpose = "intake";
	p.actor = ACTOR;
	long sent = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log");
	wn_client *c = client_of(f, GEMEENTE);
	wn_lookup_result *r = NULL;
	assert_int_equal(wn_lookup(c, &p, &r), WN_EGROUND);
	assert_non_null(strstr(wn_client_errmsg(c), "Bijlage 8"));
	p.ground = "conflict_of_duties"; /* asserted by a source, never for a lookup */
	assert_int_equal(wn_lookup(c, &p, &r), WN_EGROUND);
	p.ground = "vital_interest"; /* without its motivation */
	assert_int_equal(wn_lookup(c, &p, &r), WN_EMOTIVATION);
	p.ground = "consent"; /* without the person's consent */
	assert_int_equal(wn_lookup(c, &p, &r), WN_ECONSENT);
	wn_client_close(c);
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM "
				      "sent_log"), sent);
	/* the CLI needs it too */
	assert_int_equal(cli(f, "gemeente-heerlen", "lookup --bsn 111222333 --purpose intake"), 2);
	/* a hand-made lookup without a ground: the broker refuses and records it */
	long events = fed_db_count(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events "
				   "WHERE kind='unknown_ground'");
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "lookup", "gemeente-heerlen", "radar"), 0);
	envelope_set_str(env, "purpose", "intake");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_t *body = json_pack("{s:[{s:s}],s:i}", "people", "bsn", mother, "class", 1);
	raw_seal_to(f, env, "radar", body);
	long answered = fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM disclosures");
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	assert_string_equal(reply_error(reply), "unknown_ground");
	json_decref(reply);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events "
				      "WHERE kind='unknown_ground'"), events + 1);
	/* with a ground but no motivation sealed: the source refuses, and logs it */
	char fresh[WN_ID_LEN + 1];
	assert_int_equal(id_generate(fresh), 0);
	json_object_del(env, "sealed");
	envelope_set_str(env, "id", fresh);
	envelope_set_str(env, "ground", "vital_interest");
	raw_seal_to(f, env, "radar", body);
	reply = raw_as(f, "gemeente-heerlen", env);
	json_t *a = json_array_get(json_object_get(envelope_body(reply), "answers"), 0);
	json_t *opened = raw_open_as(f, "gemeente-heerlen", a);
	json_t *first = json_array_get(json_object_get(opened, "answers"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "outcome")), "refused");
	assert_string_equal(json_string_value(json_object_get(first, "reason")),
			    "motivation_incomplete");
	assert_int_equal(fed_db_count(f, node_db("radar"), "SELECT COUNT(*) FROM disclosures"),
			 answered + 1);
	json_decref(opened);
	json_decref(reply);
	json_decref(body);
	json_decref(env);
}

/* ---- r03: no value at the broker links two cases of the same people ----- */

/* Whether any token of 16 or more characters in a joins b's text. */
static int shares_token(const char *a, const char *b)
{
	size_t n = strlen(a);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && (isalnum((unsigned char)a[j]) || a[j] == '+' || a[j] == '/'))
			j++;
		if (j - i >= 16) {
			char tok[4096];
			size_t len = j - i < sizeof(tok) - 1 ? j - i : sizeof(tok) - 1;
			memcpy(tok, a + i, len);
			tok[len] = '\0';
			if (strstr(b, tok) != NULL)
				return 1;
		}
		i = j + 1;
	}
	return 0;
}

/* Everything the broker keeps about a case, as text. */
static char *case_text(struct fed *f, const char *id)
{
	char path[512], sql[1024];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t cap = 1 << 20, off = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	fed_file(f, "data/broker.db", path, sizeof(path));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql),
		 "SELECT person FROM case_people WHERE case_id='%s' UNION ALL "
		 "SELECT envelope FROM case_keys WHERE case_id='%s' UNION ALL "
		 "SELECT coalesce(basis_detail, '') FROM cases WHERE id='%s' UNION ALL "
		 "SELECT entry FROM audit_log WHERE json_extract(entry, '$.case')='%s'",
		 id, id, id, id);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		off += (size_t)snprintf(out + off, cap - off, "%s\n", t ? t : "");
		assert_true(off < cap);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void test_r03_pseudonym_two_cases_no_value_repeats(void **state)
{
	struct fed *f = *state;
	char other[WN_ID_LEN + 1];
	const char *people[] = { mother, father, child13, child12, teen16 };
	const char *partners[] = { "radar", "alcander", NULL };
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 5, partners,
					     other), 0);
	char *a = case_text(f, case_main), *b = case_text(f, other);
	assert_true(strlen(a) > 1000 && strlen(b) > 1000);
	/* the case ids themselves aside, nothing of one case is in the other's */
	char *p;
	while ((p = strstr(a, case_main)) != NULL)
		memset(p, '-', WN_ID_LEN);
	while ((p = strstr(b, other)) != NULL)
		memset(p, '-', WN_ID_LEN);
	if (shares_token(a, b) || shares_token(b, a))
		print_error("a value of one case repeats in another\n");
	assert_false(shares_token(a, b));
	assert_false(shares_token(b, a));
	/* and no BSN */
	for (size_t i = 0; i < 5; i++) {
		assert_null(strstr(a, people[i]));
		assert_null(strstr(b, people[i]));
	}
	free(a);
	free(b);
}

/* ---- r07: the household changes; the direction changes hands ------------ */

static void test_r07_recipients_household_changes(void **state)
{
	struct fed *f = *state;
	static const wn_actor regisseur = { "rd-07", "casusregisseur" };
	wn_request_result *r = NULL;
	wn_client *g = client_of(f, GEMEENTE), *rd = client_of(f, RADAR);
	/* only the director changes who the case is about */
	assert_int_equal(wn_case_person_add(rd, case_main, baby, "birth", &ACTOR), WN_EDENIED);
	assert_int_equal(wn_case_person_add(g, case_main, baby, "adoption", &ACTOR), WN_EINVAL);
	/* the case opened on consents: the baby comes in with its own, which
	 * its parents sign (Bijlage 8), not without one nor with another's */
	char born[DATE_LEN + 1], consent_baby[WN_ID_LEN + 1], consent_father_rd[WN_ID_LEN + 1];
	date_back(0, -20, born);
	char *doc = consent_doc(baby, born, PARENT, NULL, 300, NULL);
	assert_int_equal(consent_register(f, doc, consent_baby), 0);
	free(doc);
	assert_int_equal(wn_case_person_add(g, case_main, baby, "birth", &ACTOR), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(g), "--consent"));
	assert_int_equal(wn_case_person_add_consent(g, case_main, baby, "birth", consent_mother,
						    &ACTOR), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(g), "outside the person added"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='case.person.add' AND json_extract(entry, '$.case')='%s'",
			     case_main), 0);
	/* the household was told before the case opened, each of the five */
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	assert_int_equal(wn_case_informed(g, case_main, "before", today, "in_person", NULL, &ACTOR),
			 0);
	assert_int_equal(cli_fmt(f, "case informed --case %s --show", case_main), 0);
	assert_true(cli_out_has(f, "5 of the 5 people"));
	/* a birth: the baby is a member from now on */
	assert_int_equal(wn_case_person_add_consent(g, case_main, baby, "birth", consent_baby,
						    &ACTOR), 0);
	assert_int_equal(wn_case_person_add_consent(g, case_main, baby, "birth", consent_baby,
						    &ACTOR), WN_EINVAL);
	/* its consent serves this case now, and no other (Bijlage 5) */
	char other[WN_ID_LEN + 1];
	const char *just_mother[] = { mother };
	assert_int_equal(open_household_case(f, GEMEENTE, "jeugd", just_mother, 1, NULL, other), 0);
	assert_int_equal(wn_case_person_add_consent(g, other, baby, "birth", consent_baby, &ACTOR),
			 WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(g), "given for another case"));
	assert_non_null(strstr(wn_client_errmsg(g), case_main)); /* the case it serves */
	/* the broker checks a consent named on the wire before anything */
	static const char *const bad_refs[] = {
		"{\"id\": \"x\", \"version\": \"y\"}", "[1]",
		"{\"id\": \"%s\", \"version\": \"%064d\", \"note\": 1}",
	};
	for (size_t k = 0; k < sizeof(bad_refs) / sizeof(bad_refs[0]); k++) {
		char ref[256];
		json_t *env = NULL;
		snprintf(ref, sizeof(ref), bad_refs[k], consent_baby, 7);
		assert_int_equal(envelope_new1(&env, "case.person.add", "gemeente-heerlen",
					       "broker"), 0);
		envelope_set_str(env, "case", other);
		json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role",
							   "tester"));
		json_object_set_new(env, "body", json_pack("{s:s,s:s,s:o}", "person",
			"abababababababababababababababababababababababababababababababab",
			"reason", "birth", "consent", json_loads(ref, 0, NULL)));
		json_t *reply = raw_as(f, "gemeente-heerlen", env);
		assert_string_equal(envelope_str(reply, "type"), "error");
		assert_string_equal(json_string_value(json_object_get(envelope_body(reply),
								      "error")), "schema");
		json_decref(reply);
		json_decref(env);
	}
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM case_people WHERE "
			     "case_id='%s'", other), 1);
	assert_int_equal(wn_case_close(g, other, &ACTOR), 0);
	/* and not yet told of the case: the household's record is not the baby's */
	assert_int_equal(cli_fmt(f, "case informed --case %s --show", case_main), 1);
	assert_true(cli_out_has(f, "5 of the 6 people"));
	assert_int_equal(cli_fmt(f, "case informed --case %s --show --bsn %s", case_main,
			     baby), 1);
	assert_true(cli_out_has(f, "not recorded as told"));
	assert_true(cli_out_has(f, "5 of the 6 people"));
	/* the subcommand's own help */
	assert_int_equal(cli_fmt(f, "case informed --help"), 0);
	assert_true(cli_out_has(f, "--moment before|after"));
	assert_false(cli_out_has(f, "--cluster"));
	assert_int_equal(cli_fmt(f, "case informed --case %s --bsn %s --moment after --on %s"
			     " --how post --reason 'Geboren na de start van het plan'", case_main,
			     baby, today), 0);
	assert_int_equal(cli_fmt(f, "case informed --case %s --show", case_main), 0);
	assert_true(cli_out_has(f, "6 of the 6 people"));
	wn_request_params p = params("radar", baby, "leefgebied.huisvesting", "vital_interest");
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, NULL), 0);
	expect_outcome(r, "not_known", NULL);
	wn_request_result_free(r);
	/* the father moves out: no longer asked about within the case */
	assert_int_equal(wn_case_person_remove(g, case_main, father, "moved_out", &ACTOR), 0);
	p = params("alcander", father, "leefgebied.inkomen_schulden", "vital_interest");
	assert_int_equal(request_rc(f, GEMEENTE, &p, &r, "household"), WN_ENOTINCASE);
	assert_int_equal(wn_case_person_remove(g, case_main, outsider, "moved_out", &ACTOR),
			 WN_ENOTINCASE);
	/* he comes back: told anew, the record from before he left was for then */
	assert_int_equal(cli_fmt(f, "case informed --case %s --show", case_main), 0);
	assert_true(cli_out_has(f, "5 of the 5 people"));
	assert_int_equal(wn_case_person_add_consent(g, case_main, father, "moved_in",
						    consent_father, &ACTOR), 0);
	assert_int_equal(cli_fmt(f, "case informed --case %s --show --bsn %s", case_main, father),
			 1);
	assert_true(cli_out_has(f, "5 of the 6 people"));
	assert_true(cli_out_has(f, "not recorded as told"));
	assert_int_equal(wn_case_person_remove(g, case_main, father, "moved_out", &ACTOR), 0);
	/* each change is in the broker's audit log, with its reason and no BSN */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='case.person.add' AND json_extract(entry, '$.reason')='birth' AND "
			     "json_extract(entry, '$.case')='%s'", case_main), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='case.person.remove' AND json_extract(entry, '$.reason')="
			     "'moved_out' AND entry NOT LIKE '%%%s%%'", father), 2);
	/* the direction passes to radar, with its casusregisseur */
	assert_int_equal(wn_case_director(rd, case_main, "radar", &regisseur, &ACTOR), WN_EDENIED);
	assert_int_equal(wn_case_director(g, case_main, "weller", NULL, &ACTOR), WN_EDENIED);
	assert_int_equal(wn_case_director(g, case_main, "radar", &regisseur, &ACTOR), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id='%s' AND "
			     "director='radar' AND regisseur_id='rd-07' AND regisseur_role="
			     "'casusregisseur'", case_main), 1);
	/* the father moves back in: radar, directing now, holds his consent */
	doc = consent_doc(father, "1983-07-09", SELF, NULL, 300, NULL);
	assert_int_equal(consent_register_at(f, RADAR, doc, consent_father_rd), 0);
	free(doc);
	assert_int_equal(wn_case_person_add_consent(g, case_main, father, "moved_in",
						    consent_father, &ACTOR), WN_EDENIED);
	char args[512];
	snprintf(args, sizeof(args), "case person add --case %s --bsn %s --reason moved_in "
		 "--consent %s", case_main, father, consent_father_rd);
	assert_int_equal(cli(f, "radar", args), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE id='%s' AND "
			     "case_id='%s'", consent_father_rd, case_main), 1);
	wn_client_close(g);
	wn_client_close(rd);
}

/* ---- r19, r08: a case purged at its date; the declaration stays --------- */

/* A consent a case was opened on is the ground of what was shared on it: it
 * stays with the dossier while the case runs, revoked or expired long ago,
 * and goes once the case has ended for the node as long ago (H 8.2, G-P 9). */
static void test_r19_retention_consent_kept_while_its_case_runs(void **state)
{
	struct fed *f = *state;
	const char *db = node_db("gemeente-heerlen");
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM case_consents WHERE case_id='%s' AND "
			     "consent_id='%s'", case_main, consent_mother), 1);
	char sql[300];
	snprintf(sql, sizeof(sql), "UPDATE consents SET status='revoked', revoked_at=1577836800000"
		 " WHERE id='%s'", consent_mother);
	dbexec(f, db, sql);
	assert_int_equal(cli(f, "gemeente-heerlen", "records purge"), 0);
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id='%s'", consent_mother),
			 1);
	/* the cases it served ended for the node long ago: now it goes, with
	 * its binding */
	snprintf(sql, sizeof(sql), "DELETE FROM case_keys WHERE case_id='%s'; INSERT OR REPLACE INTO"
		 " case_closed(case_id, closed_at) VALUES ('%s', 0); UPDATE case_closed SET"
		 " closed_at = 1577836800000", case_main, case_main);
	dbexec(f, db, sql);
	assert_int_equal(cli(f, "gemeente-heerlen", "records purge"), 0);
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id='%s'", consent_mother),
			 0);
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM ledger WHERE type='purge' AND "
			     "json_extract(entry, '$.id')='%s'", consent_mother), 1);
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM case_consents WHERE consent_id='%s'",
			     consent_mother), 0);
	/* the others, in force, stay */
	assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id='%s'", consent_father),
			 1);
}

static void test_r19_retention_case_purged_declaration_outlives_it(void **state)
{
	struct fed *f = *state;
	long declared = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_declarations "
			    "WHERE case_id='%s'", case_main);
	assert_true(declared >= 1);
	char path[512], sql[256];
	sqlite3 *d = NULL;
	fed_file(f, "data/broker.db", path, sizeof(path));
	/* past its date but running: kept; closed and past it: purged (G-P 9) */
	static const char *const change[] = { "retention_until='2020-01-01'",
					       "status='closed', closed_at=1577836800000" };
	for (int step = 0; step < 2; step++) {
		fed_stop(&f->broker, SIGTERM);
		assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
		snprintf(sql, sizeof(sql), "UPDATE cases SET %s WHERE id='%s'", change[step],
			 case_main);
		assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(d);
		assert_int_equal(fed_start_broker(f), 0);
		assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 15000), 0);
		if (step == 0)
			assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE "
					     "id='%s' AND status='open'", case_main), 1);
	}
	/* the case, its household, keys and proposals are gone */
	static const char *const tables[] = { "case_people", "case_keys", "case_members",
					      "third_party" };
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM %s WHERE "
				     "case_id='%s'", tables[i], case_main), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id='%s'",
			     case_main), 0);
	/* its household's commitments left the audit log, which still verifies */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "json_extract(entry, '$.case')='%s' AND purged_at IS NULL AND "
			     "(json_extract(entry, '$.person') IS NOT NULL OR json_extract(entry, "
			     "'$.people') IS NOT NULL)", case_main), 0);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			"json_extract(entry, '$.case')='%s' AND purged_at IS NOT NULL",
			case_main) >= 1);
	assert_int_equal(cli(f, "radar", "audit verify --db data/broker.db --cert ca/broker.crt"), 0);
	/* the signed confidentiality declarations stay (Heerlen 14.3) */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_declarations "
			     "WHERE case_id='%s'", case_main), declared);
}

/* A consent a source keeps for a third-party approval still serves once
 * its registrar's key is replaced: the copy, signed with the old key,
 * verifies under the registrar's certificate kept with it (r20). */
static void test_r08_third_party_consent_kept_across_rekey(void **state)
{
	struct fed *f = *state;
	char consent[WN_ID_LEN + 1], id[WN_ID_LEN + 1], cwd[512], args[256];
	wn_request_result *r = NULL;
	char *doc = consent_doc(mother, "1985-02-03", SELF, NULL, 200, "\"weller\"");
	assert_int_equal(consent_register(f, doc, consent), 0);
	free(doc);
	assert_int_equal(tp_propose(f, mother, "consent", consent, id), 0);
	tp_approve_all(f, id);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM third_party_decisions "
			     "WHERE id='%s' AND consent_enc IS NOT NULL AND consent_cert LIKE "
			     "'-----BEGIN CERTIFICATE-----%%'", id), 1);
	/* gemeente-heerlen's key replaced: a certificate for a new key, registered */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca rekey gemeente-heerlen "
				   ">ca.out 2>&1", cwd), 0);
	fed_stop(&f->nodes[GEMEENTE], SIGTERM);
	snprintf(args, sizeof(args), "admin rekey gemeente-heerlen --cert "
		 "ca/gemeente-heerlen.crt --reason 'sleutel gelekt'");
	assert_int_equal(cli(f, "broker", args), 0);
	assert_int_equal(fed_start_node(f, GEMEENTE), 0);
	/* radar started again reads the directory with the new certificate only */
	fed_stop(&f->nodes[RADAR], SIGTERM);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES - 1, 20000), 0);
	assert_int_equal(fed_wait_up(f, RADAR, NNODES - 1, 20000), 0);
	wn_request_params p = tp_params(id, mother, "consent");
	assert_int_equal(request_rc(f, WELLER, &p, &r, NULL), 0);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	assert_true(fed_log_contains(f, "radar", "thirdparty_consent_replaced_key"));
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r07_recipients_case_opened_for_household),
		cmocka_unit_test(test_r07_recipients_case_preconditions),
		cmocka_unit_test(test_r07_recipients_request_outside_household_refused),
		cmocka_unit_test(test_r12_medical_duty_assertion_outside_household_refused),
		cmocka_unit_test(test_r12_medical_duty_assertion_recipient_outside_case_refused),
		cmocka_unit_test(test_r18_rectify_rights_request_outside_household_refused),
		cmocka_unit_test(test_r08_third_party_bound_to_person),
		cmocka_unit_test(test_r08_third_party_proposer_approves_by_proposing),
		cmocka_unit_test(test_r08_third_party_approval_outside_household_refused),
		cmocka_unit_test(test_r08_third_party_on_consent),
		cmocka_unit_test(test_r08_third_party_on_consent_source_proposes),
		cmocka_unit_test(test_r11_consent_age_checked_at_every_use),
		cmocka_unit_test(test_r10_consent_asked_on_only_by_its_holder),
		cmocka_unit_test(test_r10_consent_validity_beyond_maximum_refused),
		cmocka_unit_test(test_r11_consent_representative_of_adult),
		cmocka_unit_test(test_r13_no_consent_vital_interest_needs_exception),
		cmocka_unit_test(test_r02_known_household_lookup_per_person),
		cmocka_unit_test(test_r02_known_sizes_equal_known_and_not_known),
		cmocka_unit_test(test_r14_lawful_ground_log_lookup_needs_ground),
		cmocka_unit_test(test_r03_pseudonym_two_cases_no_value_repeats),
		cmocka_unit_test(test_r07_recipients_household_changes),
		cmocka_unit_test(test_r08_third_party_consent_kept_across_rekey),
		cmocka_unit_test(test_r19_retention_consent_kept_while_its_case_runs),
		cmocka_unit_test(test_r19_retention_case_purged_declaration_outlives_it),
	};
	int failed = cmocka_run_group_tests_name("households", tests, group_setup,
						 fed_group_teardown);
	return fed_test_end("test_household", failed, t0);
}
