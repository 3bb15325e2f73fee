/*
 * test_request.c — scoped data requests on a lawful ground, under real
 * conditions: a broker and partner nodes as separate processes over mutual
 * TLS on 127.0.0.1, real SQLite files, the CLI and the C API.
 *
 * The shared federation: gemeente-heerlen (the requester and case
 * director), radar (a source sharing the Bijlage 2 data set), sevagram (a
 * source whose own profile shares housing only, on consent or legal
 * obligation only), mondriaan (answers lookups only on consent), xonar
 * (cluster volwassenen only), alcander (in no case) and weller (an
 * incidental partner: a third party).
 */
#include <pthread.h>
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
#include "declaration.h"
#include "encoding.h"
#include "envelope.h"
#include "fedcheck.h"
#include "fileio.h"
#include "harness.h"
#include "hpke.h"
#include "ids.h"
#include "keys.h"
#include "pki.h"

enum { GEMEENTE, RADAR, SEVAGRAM, MONDRIAAN, XONAR, ALCANDER, WELLER, NNODES };
static const char *const ids[NNODES] = { "gemeente-heerlen", "radar", "sevagram", "mondriaan",
					 "xonar", "alcander", "weller" };

#define BSN_A "111222333"        /* radar, sevagram and mondriaan hold records */
#define BSN_B "123456782"        /* nobody holds records */
#define MARK "WNTEST-dossier-7741" /* record content: never outside a node but in an answer */

static char case_main[WN_ID_LEN + 1];    /* multiprobleem: gemeente, radar, sevagram */
static char consent_main[WN_ID_LEN + 1]; /* BSN_A, recipients gemeente, sources radar,
					  * mondriaan, sevagram */

static const char MOTIVATION[] =
	"{\"interest\":\"serious_harm\",\"subsidiarity\":\"Een gesprek met de client is "
	"niet mogelijk gebleken\",\"proportionality\":\"Alleen de huisvestingssituatie is nodig "
	"voor het plan\",\"exception\":\"client_protection\"}";

/* ---- helpers -------------------------------------------------------- */

static const wn_actor ACTOR = { "wk-0042", "wijkcoach" };

static wn_request_params params(const char *to, const char *bsn, const char *const *cats,
				size_t n, const char *ground)
{
	wn_request_params p;
	memset(&p, 0, sizeof(p));
	p.case_id = case_main;
	p.to = to;
	p.bsn = bsn;
	p.categories = cats;
	p.ncategories = n;
	p.purpose = "plan_van_aanpak";
	p.ground = ground;
	p.actor = ACTOR;
	if (strcmp(ground, "consent") == 0)
		p.consent_id = consent_main;
	else if (strcmp(ground, "conflict_of_duties") != 0)
		p.motivation_json = MOTIVATION;
	return p;
}

static wn_request_result *request_ok(struct fed *f, size_t node, const wn_request_params *p)
{
	wn_client *c = client_of(f, node);
	wn_request_result *r = NULL;
	int rc = wn_request(c, p, &r);
	if (rc != 0)
		print_error("wn_request: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	assert_int_equal(rc, 0);
	return r;
}

/* wn_request must fail with want and errmsg containing needle (if given). */
static void request_fails(struct fed *f, size_t node, const wn_request_params *p, int want,
			  const char *needle)
{
	wn_client *c = client_of(f, node);
	wn_request_result *r = NULL;
	int rc = wn_request(c, p, &r);
	if (rc != want || (needle && strstr(wn_client_errmsg(c), needle) == NULL))
		print_error("wn_request: got %s (%s), want %s with '%s'\n", wn_errname(rc),
			    wn_client_errmsg(c), wn_errname(want), needle ? needle : "");
	int has = needle == NULL || strstr(wn_client_errmsg(c), needle) != NULL;
	if (rc == 0)
		wn_request_result_free(r);
	wn_client_close(c);
	assert_int_equal(rc, want);
	assert_true(has);
}

static void expect_outcome(const wn_request_result *r, const char *outcome, const char *reason)
{
	if (strcmp(r->outcome, outcome) != 0 || (reason && (!r->reason || strcmp(r->reason, reason))))
		print_error("outcome %s (%s: %s), want %s (%s)\n", r->outcome,
			    r->reason ? r->reason : "-", r->detail ? r->detail : "-", outcome,
			    reason ? reason : "-");
	assert_string_equal(r->outcome, outcome);
	if (reason != NULL) {
		assert_non_null(r->reason);
		assert_string_equal(r->reason, reason);
	}
}

/* COUNT(*) of a node's disclosures WHERE the formatted condition. */
static long disclosures(struct fed *f, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static long disclosures(struct fed *f, const char *node, const char *fmt, ...)
{
	char where[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(where, sizeof(where), fmt, ap);
	va_end(ap);
	return dbq(f, node, "SELECT COUNT(*) FROM disclosures WHERE %s", where);
}

static const char *node_db(const char *id)
{
	static char buf[4][96];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "data/%s.db", id);
	return buf[k];
}

static int put(struct fed *f, size_t node, const char *bsn, const char *category, const char *tag)
{
	char content[128];
	wn_client *c = NULL;
	char url[512];
	fed_socket(f, node, url, sizeof(url));
	if (wn_client_open(&c, url) != 0)
		return -1;
	snprintf(content, sizeof(content), "{\"notitie\":\"%s-%s\"}", MARK, tag);
	wn_record r = { bsn, category, content, "prof-7", NULL };
	int rc = wn_record_put(c, &r);
	wn_client_close(c);
	return rc;
}

static int consent_file(struct fed *f, const char *rel, const char *bsn, const char *birth,
			const char *recipients, const char *sources, const char *categories,
			const char *special, const char *signers)
{
	char text[2048], signed_on[DATE_LEN + 1], until[DATE_LEN + 1];
	/* signed yesterday, valid for 300 days: within the federation's maximum;
	 * each file a declaration of its own (the same one given twice is one) */
	date_today_plus(-1, signed_on);
	date_today_plus(299, until);
	snprintf(text, sizeof(text),
		 "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": \"%s\", \"name\": \"Test\"},"
		 " \"purposes\": [\"plan_van_aanpak\", \"intake\"], \"recipients\": [%s],"
		 " \"sources\": [%s], \"categories\": [%s], \"special\": [%s],"
		 " \"signers\": [%s], \"signed_on\": \"%s\", \"valid_until\": \"%s\","
		 " \"note\": \"%s\"}",
		 bsn, birth, recipients, sources, categories, special, signers, signed_on, until, rel);
	return write_file(f, rel, text);
}

/* Registers a consent file through the C API at node; 0 or the error. */
static int register_consent(struct fed *f, size_t node, const char *rel, char id[WN_ID_LEN + 1])
{
	size_t len = 0;
	char *doc = slurp(f, rel, &len);
	wn_client *c = client_of(f, node);
	int rc = doc ? wn_consent_register(c, doc, &ACTOR, id) : WN_EIO;
	if (rc != 0)
		print_message("consent register: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	free(doc);
	return rc;
}

/* The household of the cases opened here: BSN_A and a housemate (not BSN_B). */
static char bsn_housemate[10];

/* A case opening's parameters: this household, on an urgent interest. */
static wn_case_params case_params(const char *cluster)
{
	static const char *people[2] = { BSN_A, bsn_housemate };
	wn_case_params p;
	memset(&p, 0, sizeof(p));
	p.cluster = cluster;
	p.people = people;
	p.npeople = 2;
	p.urgent_json = "{\"interest\":\"serious_harm\",\"explanation\":\"Dreigende "
			"huisuitzetting van het gezin\"}";
	p.actor = ACTOR;
	return p;
}

static int open_case(struct fed *f, const char *cluster, const char *const *members, size_t n,
		     char id[WN_ID_LEN + 1])
{
	wn_client *c = client_of(f, GEMEENTE);
	wn_case_params p = case_params(cluster);
	int rc = wn_case_open(c, &p, id);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = wn_case_join(c, id, members[i], &ACTOR);
	if (rc != 0)
		print_message("open case: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

/* ---- raw requests, for what a tampering requester could send --------- */

/* A request from gemeente-heerlen to radar in case_main, not yet sealed. */
static json_t *raw_request(const char *ground)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "request", "gemeente-heerlen", "radar"), 0);
	envelope_set_str(env, "case", case_main);
	envelope_set_str(env, "purpose", "plan_van_aanpak");
	envelope_set_str(env, "ground", ground);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "raw-1", "role", "tester"));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 3000));
	return env;
}

/* Sends env (sealing body to radar) as gemeente-heerlen; the opened answer. */
static json_t *raw_exchange(struct fed *f, json_t *env, json_t *body, json_t **reply_out)
{
	raw_seal_to(f, env, "radar", body);
	json_t *reply = raw_as(f, "gemeente-heerlen", env);
	if (strcmp(envelope_str(reply, "type"), "request.result") != 0)
		print_error("raw request: %s %s\n", envelope_str(reply, "type"), reply_error(reply));
	assert_string_equal(envelope_str(reply, "type"), "request.result");
	json_t *a = json_object_get(envelope_body(reply), "answer");
	assert_non_null(a);
	assert_string_equal(envelope_str(a, "type"), "request.answer");
	json_t *opened = raw_open_as(f, "gemeente-heerlen", a);
	if (reply_out != NULL)
		*reply_out = reply;
	else
		json_decref(reply);
	return opened;
}

/* ---- the shared federation -------------------------------------------- */

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	if (fed_setup(f, ids, NNODES) != 0 ||
	    fed_config_edit(f, "sevagram.json", "profile",
			    "{\"share\":[\"leefgebied.huisvesting\"],"
			    "\"grounds\":[\"consent\",\"legal_obligation\"]}") != 0 ||
	    broker_partner_set(f, "xonar", "clusters", "[\"volwassenen\"]") != 0 ||
	    broker_partner_set(f, "weller", "role", "\"incidental\"") != 0 ||
	    fed_start_all(f, 20000) != 0) {
		fprintf(stderr, "group setup: federation did not come up\n");
		return -1;
	}
	static const char *const members[] = { "radar", "sevagram" };
	bsn_at(31415926, bsn_housemate);
	if (put(f, RADAR, BSN_A, "leefgebied.huisvesting", "huis") != 0 ||
	    put(f, RADAR, BSN_A, "leefgebied.psychisch", "psych") != 0 ||
	    put(f, RADAR, BSN_A, "zrm.financien", "fin") != 0 ||
	    put(f, RADAR, BSN_A, "leefgebied.inkomen_schulden", "schuld") != 0 ||
	    put(f, SEVAGRAM, BSN_A, "leefgebied.huisvesting", "sev-huis") != 0 ||
	    put(f, SEVAGRAM, BSN_A, "zrm.financien", "sev-fin") != 0 ||
	    put(f, MONDRIAAN, BSN_A, "leefgebied.psychisch", "mon") != 0 ||
	    open_case(f, "multiprobleem", members, 2, case_main) != 0 ||
	    consent_file(f, "consent-main.json", BSN_A, "1980-04-01", "\"gemeente-heerlen\"",
			 "\"radar\", \"mondriaan\", \"sevagram\"",
			 "\"leefgebied.huisvesting\", \"leefgebied.psychisch\", \"zrm.financien\"",
			 "\"mental_health\"", "{\"name\": \"Test\", \"role\": \"subject\"}") != 0 ||
	    register_consent(f, GEMEENTE, "consent-main.json", consent_main) != 0)
		return -1;
	return 0;
}

/* ---- r04, r05: exactly the categories asked, from the vocabulary ------ */

static void test_r04_need_to_know_only_categories_asked(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->records[0].category, "leefgebied.huisvesting");
	assert_non_null(strstr(r->records[0].content_json, MARK "-huis"));
	assert_string_equal(r->records[0].professional, "prof-7");
	/* the source logged what it disclosed: that category and no other */
	assert_int_equal(disclosures(f, node_db("radar"),
				     "request_id='%s' AND outcome='disclosed' AND categories="
				     "'[\"leefgebied.huisvesting\"]'", r->request_id), 1);
	/* the requester's log: asked and received that one category */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log WHERE "
			     "request_id='%s' AND received='[\"leefgebied.huisvesting\"]'",
			     r->request_id), 1);
	wn_request_result_free(r);
}

static void test_r05_categories_unknown_refused(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting", "leefgebied.geheimen" };
	long sent = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log");
	long audit = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log");
	wn_request_params p = params("radar", BSN_A, cats, 2, "consent");
	request_fails(f, GEMEENTE, &p, WN_ECATEGORY, "leefgebied.geheimen");
	/* refused before anything was logged as sent or reached the broker */
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log"),
			 sent);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log"), audit);
	/* a requester that skips its node's checks meets the source's */
	json_t *env = raw_request("vital_interest");
	json_error_t jerr;
	json_t *body = json_pack("{s:s,s:[s],s:o}", "bsn", BSN_A, "categories", "leefgebied.geheimen",
				 "motivation", json_loads(MOTIVATION, 0, &jerr));
	json_t *opened = raw_exchange(f, env, body, NULL);
	assert_string_equal(json_string_value(json_object_get(opened, "outcome")), "refused");
	assert_string_equal(json_string_value(json_object_get(opened, "reason")), "unknown_category");
	assert_int_equal(json_array_size(json_object_get(opened, "records")), 0);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND outcome='refused' AND "
				     "reason='unknown_category'", envelope_str(env, "id")), 1);
	assert_true(dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
			"kind='unknown_category' AND msg_id='%s'", envelope_str(env, "id")) == 1);
	json_decref(opened);
	json_decref(body);
	json_decref(env);
	/* the CLI names the category too */
	char args[512];
	snprintf(args, sizeof(args), "request --case %s --to radar --bsn " BSN_A " --categories "
		 "leefgebied.onbekend --purpose plan_van_aanpak --ground consent --consent %s",
		 case_main, consent_main);
	assert_int_not_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_true(cli_err_has(f, "leefgebied.onbekend"));
}

/* ---- r06, r15: the source's own profile decides last ------------------- */

static void test_r06_partner_profile_not_shared(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "zrm.financien" };
	wn_request_params p = params("sevagram", BSN_A, cats, 1, "consent");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "not_shared");
	assert_int_equal(r->count, 0);
	assert_non_null(strstr(r->detail, "zrm.financien"));
	assert_int_equal(disclosures(f, node_db("sevagram"), "request_id='%s' AND outcome='refused'"
				     " AND reason='not_shared' AND categories='[]'", r->request_id), 1);
	wn_request_result_free(r);
	/* what the profile shares, it shares */
	const char *const housing[] = { "leefgebied.huisvesting" };
	p = params("sevagram", BSN_A, housing, 1, "consent");
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_non_null(strstr(r->records[0].content_json, MARK "-sev-huis"));
	wn_request_result_free(r);
}

static void test_r15_own_rules_refuse_what_broker_allowed(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("sevagram", BSN_A, cats, 1, "vital_interest");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "ground_not_accepted");
	/* the broker allowed and routed it; the source decided */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s'"
			     " AND type='request'", r->request_id), 1);
	assert_int_equal(disclosures(f, node_db("sevagram"), "request_id='%s' AND outcome='refused'"
				     " AND reason='ground_not_accepted'", r->request_id), 1);
	wn_request_result_free(r);
}

/* ---- r07, r26: cases and clusters -------------------------------------- */

static void test_r07_recipients_case_members_only(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	long before = disclosures(f, node_db("radar"), "1");
	/* no such case */
	wn_request_params p = params("radar", BSN_A, cats, 1, "vital_interest");
	p.case_id = "0123456789abcdef0123456789abcdef";
	request_fails(f, GEMEENTE, &p, WN_ENOTMEMBER, "no case");
	/* a requester outside the case */
	p = params("radar", BSN_A, cats, 1, "vital_interest");
	request_fails(f, ALCANDER, &p, WN_ENOTMEMBER, "alcander");
	/* a source outside the case */
	p = params("mondriaan", BSN_A, cats, 1, "vital_interest");
	request_fails(f, GEMEENTE, &p, WN_ENOTMEMBER, "mondriaan");
	/* recorded where it was refused: the broker, or the requester's node
	 * that knew the source is not in the case */
	assert_true(fed_db_count(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE "
				 "kind='not_case_member'") +
		    fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COALESCE(SUM(count), 0) FROM "
				 "security_events WHERE kind='not_case_member'") >= 3);
	/* a partner that left the case no longer receives */
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_leave(c, case_main, "radar", &ACTOR), 0);
	p = params("radar", BSN_A, cats, 1, "vital_interest");
	request_fails(f, GEMEENTE, &p, WN_ENOTMEMBER, "radar");
	assert_int_equal(wn_case_join(c, case_main, "radar", &ACTOR), 0);
	/* only the director adds partners */
	wn_client *r = client_of(f, RADAR);
	assert_int_equal(wn_case_join(r, case_main, "alcander", &ACTOR), WN_EDENIED);
	assert_non_null(strstr(wn_client_errmsg(r), "director"));
	wn_client_close(r);
	/* nothing reached the source */
	assert_int_equal(disclosures(f, node_db("radar"), "1"), before);
	/* a closed case takes no more requests */
	char closed[WN_ID_LEN + 1];
	static const char *const members[] = { "radar" };
	assert_int_equal(open_case(f, "multiprobleem", members, 1, closed), 0);
	assert_int_equal(wn_case_close(c, closed, &ACTOR), 0);
	p = params("radar", BSN_A, cats, 1, "vital_interest");
	p.case_id = closed;
	request_fails(f, GEMEENTE, &p, WN_EDENIED, "closed");
	/* the cases this partner takes part in */
	wn_case_list *l = NULL;
	assert_int_equal(wn_cases(c, &l), 0);
	int found = 0;
	for (size_t i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].id, case_main) != 0)
			continue;
		found = 1;
		assert_string_equal(l->items[i].director, "gemeente-heerlen");
		assert_string_equal(l->items[i].cluster, "multiprobleem");
		assert_int_equal(l->items[i].nmembers, 3);
	}
	assert_true(found);
	wn_case_list_free(l);
	wn_client_close(c);
}

/* The case before the consent: a source outside the case, or a person
 * outside its household, is what the requester hears first, not that the
 * consent does not name the source (r07). */
static void test_r07_request_outside_case_names_membership_first(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	long before = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type='request'");
	/* alcander: in no case, and not named by the consent either */
	wn_request_params p = params("alcander", BSN_A, cats, 1, "consent");
	request_fails(f, GEMEENTE, &p, WN_ENOTMEMBER, "'alcander' does not take part in case");
	/* BSN_B: outside the household, and the consent is about BSN_A */
	p = params("radar", BSN_B, cats, 1, "consent");
	request_fails(f, GEMEENTE, &p, WN_ENOTINCASE, "household");
	/* refused by the node: nothing went to the broker */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='request'"), before);
}

static void test_r26_clusters_limit_partners_and_categories(void **state)
{
	struct fed *f = *state;
	char youth[WN_ID_LEN + 1], adults[WN_ID_LEN + 1];
	wn_client *c = client_of(f, GEMEENTE);
	wn_case_params cp = case_params("jeugd");
	/* xonar takes part in cluster volwassenen only */
	assert_int_equal(wn_case_open(c, &cp, youth), 0);
	assert_int_equal(wn_case_join(c, youth, "xonar", &ACTOR), WN_ECLUSTER);
	assert_non_null(strstr(wn_client_errmsg(c), "jeugd"));
	/* at the command line that is a refusal (exit 1), not invalid input */
	char args[128];
	snprintf(args, sizeof(args), "case join --case %s --partner xonar", youth);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 1);
	assert_true(cli_err_has(f, "does not take part in cluster") && cli_err_has(f, "jeugd"));
	/* an incidental partner is never a case member */
	assert_int_equal(wn_case_join(c, youth, "weller", &ACTOR), WN_EDENIED);
	cp.cluster = "onbekend";
	assert_int_equal(wn_case_open(c, &cp, youth), WN_ECLUSTER);
	/* the youth domains are in the data set of youth and multi-problem, not
	 * adults (the school itself, data set item d, is in all three: Bijlage 2b) */
	cp.cluster = "volwassenen";
	assert_int_equal(wn_case_open(c, &cp, adults), 0);
	assert_int_equal(wn_case_join(c, adults, "radar", &ACTOR), 0);
	wn_client_close(c);
	const char *const cats[] = { "zrm.scholing" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "vital_interest");
	p.case_id = adults;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "outside_cluster");
	assert_non_null(strstr(r->detail, "volwassenen"));
	wn_request_result_free(r);
	/* ... and school (item d) is asked in an adults' case (Bijlage 2b) */
	const char *const school[] = { "dataset.school" };
	p = params("radar", BSN_A, school, 1, "vital_interest");
	p.case_id = adults;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "not_known", NULL);
	wn_request_result_free(r);
}

/* ---- r10, r11, r12: consent ------------------------------------------- */

static void test_r10_consent_purpose_recipient_person(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.purpose = "signalering";
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "purpose");
	/* someone outside the case: that first, whatever consent comes with it */
	p = params("radar", BSN_B, cats, 1, "consent");
	request_fails(f, GEMEENTE, &p, WN_ENOTINCASE, "household");
	/* a consent naming another recipient */
	char other[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-alc.json", BSN_A, "1980-04-01", "\"alcander\"",
				      "\"radar\"", "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-alc.json", other), 0);
	p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = other;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "recipient");
	/* a consent another partner holds is not this node's to present */
	p = params("radar", BSN_A, cats, 1, "consent");
	request_fails(f, SEVAGRAM, &p, WN_ECONSENT, "not held");
	/* a category the consent does not cover */
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	p = params("radar", BSN_A, debt, 1, "consent");
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "leefgebied.inkomen_schulden");
}

/* A consent serves the case it was given for (Bijlage 5: a plan made with
 * the client): its first request binds it to that case at the broker, and
 * in another case of the same person it grounds nothing. */
static void test_r10_consent_serves_one_case(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], other[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-onecase.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-onecase.json", id), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE "
				      "id='%s' AND case_id IS NULL", id), 1);
	const char *const cats[] = { "zrm.financien" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE "
				      "id='%s' AND case_id='%s'", id, case_main), 1);
	/* the same person, the same partners, another case: refused at the broker */
	static const char *const members[] = { "radar" };
	assert_int_equal(open_case(f, "multiprobleem", members, 1, other), 0);
	long before = disclosures(f, node_db("radar"), "1");
	p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	p.case_id = other;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "another case");
	assert_int_equal(disclosures(f, node_db("radar"), "1"), before);
	/* in its own case it still serves */
	p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_close(c, other, &ACTOR), 0);
	wn_client_close(c);
}

static void test_r10_consent_revoked_stops_later_requests_only(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-rev.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-rev.json", id), 0);
	const char *const cats[] = { "zrm.financien" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	char before_id[WN_ID_LEN + 1];
	snprintf(before_id, sizeof(before_id), "%s", r->request_id);
	wn_request_result_free(r);
	/* revoked by the partner that registered it, through the CLI */
	char args[256];
	snprintf(args, sizeof(args), "consent revoke --consent %s", id);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE id='%s' AND "
			     "status='revoked' AND revoked_at IS NOT NULL", id), 1);
	/* the next request is refused at once, by the broker */
	long audit = fed_db_count(f, "data/broker.db",
				  "SELECT COUNT(*) FROM audit_log WHERE type='request'");
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "revoked");
	assert_int_equal(fed_db_count(f, "data/broker.db",
				      "SELECT COUNT(*) FROM audit_log WHERE type='request'"), audit);
	/* what was disclosed before stays logged as it was */
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND outcome='disclosed' "
				     "AND consent_id='%s'", before_id, id), 1);
	/* only its registrar revokes it, once */
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_consent_revoke(c, id, &ACTOR), WN_ENOTFOUND);
	wn_client_close(c);
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_revoke(c, id, &ACTOR), WN_ECONSENT);
	wn_client_close(c);
}

/* A revocation made while the broker is out of reach is not lost: the
 * consent is revoked at its holder at once (only the holder presents it)
 * and the broker is told as soon as it answers again (H 8.2, r10). */
static void test_r10_consent_revoked_while_broker_down(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-down.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-down.json", id), 0);
	/* another document: the same one again would be the same registration */
	assert_int_equal(consent_file(f, "consent-down2.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"leefgebied.huisvesting\"",
				      "", "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	char id2[WN_ID_LEN + 1], args[160];
	assert_int_equal(register_consent(f, GEMEENTE, "consent-down2.json", id2), 0);
	assert_string_not_equal(id2, id);
	fed_stop(&f->broker, SIGTERM);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_client_set_timeout(c, 60000), 0);
	assert_int_equal(wn_consent_revoke(c, id, &ACTOR), 0);
	wn_client_close(c);
	/* the operator is told it waits for the broker, not only the log */
	snprintf(args, sizeof(args), "consent revoke --consent %s", id2);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_true(cli_out_has(f, "the revocation waits in the outbox"));
	/* the log names the broker once, and why apart from it */
	assert_true(log_count(f, "gemeente-heerlen", "consent_revoke_queued", "\"why\":") >= 1);
	assert_int_equal(log_count(f, "gemeente-heerlen", "consent_revoke_queued",
				   "broker broker"), 0);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM consents WHERE"
			     " id='%s' AND status='revoked' AND revoked_at IS NOT NULL", id), 1);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM outbox WHERE"
			     " type='consent.revoke' AND sent_at IS NULL"), 2);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE id='%s' AND"
			     " status='active'", id), 1);
	/* the broker back: told without anyone asking again */
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 20000, "SELECT COUNT(*) FROM consents"
				  " WHERE id='%s' AND status='revoked'", id), 1);
	assert_int_equal(dbq_wait(f, node_db("gemeente-heerlen"), 2, 10000, "SELECT COUNT(*) FROM"
				  " outbox WHERE type='consent.revoke' AND sent_at IS NOT NULL"), 2);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE"
			" type='consent.revoke' AND entry LIKE '%%%s%%'", id) == 1);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) FROM consents"
				  " WHERE id='%s' AND status='revoked'", id2), 1);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 15000), 0);
	const char *const cats[] = { "zrm.financien" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "revoked");
	/* with the broker there, no word of a wait */
	char id3[WN_ID_LEN + 1];
	assert_int_equal(register_consent(f, GEMEENTE, "consent-down.json", id3), 0);
	snprintf(args, sizeof(args), "consent revoke --consent %s --json", id3);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_false(cli_out_has(f, "queued"));
}

static void test_r10_consent_expired_and_refusal(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-exp.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-exp.json", id), 0);
	/* the registry's validity ends: the broker refuses */
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, "data/broker.db", path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE consents SET valid_until='2026-01-06' WHERE id='%s'", id);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	const char *const cats[] = { "zrm.financien" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.consent_id = id;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "valid");
	/* a refusal is recorded, and is no consent (of a source no consent here
	 * names: a refusal after a consent limits it, see below) */
	assert_int_equal(consent_file(f, "refusal-exp.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"alcander\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	size_t len;
	char *doc = slurp(f, "refusal-exp.json", &len), rid[WN_ID_LEN + 1];
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_refuse(c, doc, &ACTOR, rid), 0);
	free(doc);
	wn_consent_list *l = NULL;
	assert_int_equal(wn_consents(c, BSN_A, &l), 0);
	int seen = 0;
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].id, rid) == 0) {
			seen = 1;
			assert_string_equal(l->items[i].kind, "refusal");
			assert_string_equal(l->items[i].status, "refused");
		}
	assert_true(seen);
	wn_consent_list_free(l);
	wn_client_close(c);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents WHERE id='%s' AND "
			     "status='refused'", rid), 1);
	p.consent_id = rid;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "refusal");
}

/* A refusal written for a person of the household: what it names, as a
 * consent document's form (Heerlen 10.3); categories "" names none. */
static int refusal_file(struct fed *f, const char *rel, const char *bsn, const char *birth,
			const char *purposes, const char *categories)
{
	char text[1024], signed_on[DATE_LEN + 1];
	date_today_plus(-1, signed_on);
	snprintf(text, sizeof(text),
		 "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": \"%s\"}, \"purposes\": [%s],"
		 " \"recipients\": [\"gemeente-heerlen\"], \"sources\": [\"radar\"],"
		 " \"categories\": [%s], \"signers\": [{\"name\": \"Test\", \"role\": \"subject\"}],"
		 " \"signed_on\": \"%s\", \"note\": \"%s\"}", bsn, birth, purposes, categories,
		 signed_on, rel);
	return write_file(f, rel, text);
}

/* A lookup on consent about bsn of radar alone; its outcome there, or the error. */
static int lookup_radar(struct fed *f, const char *bsn, const char *purpose, const char *consent,
			char *outcome, size_t cap)
{
	static const char *const named[] = { "radar" };
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = bsn;
	p.purpose = purpose;
	p.ground = "consent";
	p.consent_id = consent;
	p.partners = named;
	p.npartners = 1;
	p.actor = ACTOR;
	wn_client *c = client_of(f, GEMEENTE);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	outcome[0] = '\0';
	if (rc != 0)
		snprintf(outcome, cap, "%s", wn_client_errmsg(c));
	else if (r->count == 1)
		snprintf(outcome, cap, "%s", r->answers[0].outcome);
	wn_lookup_result_free(r);
	wn_client_close(c);
	return rc;
}

/* The client may withdraw consent at any time, not retroactively (Heerlen
 * 8.2): a refusal registered after a consent, naming part of what it
 * covered, stops sharing that part on it from then on, at the node that
 * holds it, for requests and lookups alike; the rest stays usable, and
 * what was disclosed before stays logged. */
static void test_r10_consent_refusal_after_consent_stops_sharing(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03";
	char cid[WN_ID_LEN + 1], rid[WN_ID_LEN + 1], rid2[WN_ID_LEN + 1], out[512], args[512];
	assert_int_equal(put(f, RADAR, bsn, "leefgebied.huisvesting", "f-huis"), 0);
	assert_int_equal(put(f, RADAR, bsn, "leefgebied.inkomen_schulden", "f-schuld"), 0);
	assert_int_equal(consent_file(f, "consent-f.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"",
				      "\"leefgebied.huisvesting\", \"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-f.json", cid), 0);
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	const char *const house[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	char before_id[WN_ID_LEN + 1];
	snprintf(before_id, sizeof(before_id), "%s", r->request_id);
	wn_request_result_free(r);
	/* the client refuses debts for the plan: registered through the CLI,
	 * which names the consent it limits */
	assert_int_equal(refusal_file(f, "refusal-f.json", bsn, birth, "\"plan_van_aanpak\"",
				      "\"leefgebied.inkomen_schulden\""), 0);
	assert_int_equal(cli(f, "gemeente-heerlen", "consent refuse refusal-f.json"), 0);
	assert_int_equal(dbq_text(f, node_db("gemeente-heerlen"), rid, sizeof(rid), "SELECT id FROM"
				  " consents WHERE kind='refusal' ORDER BY registered_at DESC LIMIT 1"),
			 0);
	snprintf(out, sizeof(out), "it limits consent %s from now on", cid);
	assert_true(cli_out_has(f, out));
	/* and `consent list` shows the two tied */
	snprintf(args, sizeof(args), "consent list --bsn %s", bsn);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	snprintf(out, sizeof(out), "limited by refusal %s", rid);
	assert_true(cli_out_has(f, out));
	snprintf(out, sizeof(out), "limits consent %s (in part)", cid);
	assert_true(cli_out_has(f, out));
	/* the same request is refused at this node, before anything leaves */
	long sent = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log");
	long audit = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log");
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, rid);
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, "leefgebied.inkomen_schulden");
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log"),
			 sent);
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log"), audit);
	/* through the CLI as well, naming the refusal */
	snprintf(args, sizeof(args), "request --case %s --to radar --bsn %s --categories "
		 "leefgebied.inkomen_schulden --purpose plan_van_aanpak --ground consent "
		 "--consent %s", case_main, bsn, cid);
	assert_int_not_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_true(cli_err_has(f, rid));
	/* with another category beside it too */
	const char *const both[] = { "leefgebied.huisvesting", "leefgebied.inkomen_schulden" };
	p = params("radar", bsn, both, 2, "consent");
	p.consent_id = cid;
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, rid);
	/* what it does not name stays usable: another category, another purpose */
	p = params("radar", bsn, house, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	p.purpose = "intake";
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* a lookup: radar still holds what the consent covers for the plan */
	assert_int_equal(lookup_radar(f, bsn, "plan_van_aanpak", cid, out, sizeof(out)), 0);
	assert_string_equal(out, "known");
	assert_int_equal(lookup_radar(f, bsn, "intake", cid, out, sizeof(out)), 0);
	assert_string_equal(out, "known");
	/* the client then refuses all of it for the intake (no categories named) */
	assert_int_equal(refusal_file(f, "refusal-f2.json", bsn, birth, "\"intake\"", ""), 0);
	size_t len;
	char *doc = slurp(f, "refusal-f2.json", &len), *text = NULL;
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_refuse_json(c, doc, &ACTOR, &text), 0);
	free(doc);
	json_t *res = json_loads(text, 0, NULL);
	free(text);
	snprintf(rid2, sizeof(rid2), "%s", json_string_value(json_object_get(res, "consent")));
	json_t *lim = json_array_get(json_object_get(res, "limits"), 0);
	assert_int_equal(json_array_size(json_object_get(res, "limits")), 1);
	assert_string_equal(json_string_value(json_object_get(lim, "consent")), cid);
	assert_false(json_is_true(json_object_get(lim, "whole")));
	json_decref(res);
	/* the list names both refusals on the consent */
	assert_int_equal(wn_consents_json(c, bsn, &text), 0);
	res = json_loads(text, 0, NULL);
	free(text);
	json_t *e;
	size_t i;
	int seen = 0;
	json_array_foreach(json_object_get(res, "consents"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), cid) == 0) {
			seen = 1;
			assert_int_equal(json_array_size(json_object_get(e, "limited_by")), 2);
		}
	assert_true(seen);
	json_decref(res);
	wn_client_close(c);
	/* a lookup for the intake now asks radar nothing: refused here, naming it */
	long radar_before = disclosures(f, node_db("radar"), "1");
	assert_int_equal(lookup_radar(f, bsn, "intake", cid, out, sizeof(out)), WN_ECONSENT);
	assert_non_null(strstr(out, rid2));
	assert_int_equal(disclosures(f, node_db("radar"), "1"), radar_before);
	p = params("radar", bsn, house, 1, "consent");
	p.consent_id = cid;
	p.purpose = "intake";
	request_fails(f, GEMEENTE, &p, WN_ECONSENT, rid2);
	/* for the plan the housing part is left: still asked, still given */
	assert_int_equal(lookup_radar(f, bsn, "plan_van_aanpak", cid, out, sizeof(out)), 0);
	assert_string_equal(out, "known");
	p = params("radar", bsn, house, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* not retroactive: the disclosure before the refusal stays as it was */
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND outcome='disclosed' "
				     "AND consent_id='%s'", before_id, cid), 1);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log WHERE "
			     "request_id='%s' AND received LIKE '%%leefgebied.inkomen_schulden%%'",
			     before_id), 1);
	/* a consent given after the refusals is not limited by them */
	char later[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-f3.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-f3.json", later), 0);
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = later;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
}

/* A refusal the client gives the source (Heerlen 8.2, 8.8: the source keeps
 * its own records and its own word with the client) limits a consent
 * another partner holds and presents: the source refuses what it names,
 * from then on, and discloses the rest. */
static void test_r10_consent_refusal_at_the_source_limits_a_consent_held_elsewhere(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03";
	char cid[WN_ID_LEN + 1], rid[WN_ID_LEN + 1], out[512];
	assert_int_equal(consent_file(f, "consent-g.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"",
				      "\"leefgebied.huisvesting\", \"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-g.json", cid), 0);
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	const char *const house[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* the client tells radar: no debts to the municipality for the plan */
	assert_int_equal(refusal_file(f, "refusal-g.json", bsn, birth, "\"plan_van_aanpak\"",
				      "\"leefgebied.inkomen_schulden\""), 0);
	assert_int_equal(cli(f, "radar", "consent refuse refusal-g.json"), 0);
	assert_int_equal(dbq_text(f, node_db("radar"), rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind='refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	/* the municipality's node does not know it; radar refuses, naming it */
	long refused = disclosures(f, node_db("radar"), "outcome='refused'");
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "consent_invalid");
	assert_non_null(r->detail);
	assert_non_null(strstr(r->detail, rid));
	wn_request_result_free(r);
	assert_int_equal(disclosures(f, node_db("radar"), "outcome='refused'"), refused + 1);
	/* what it does not name is still given: housing, and debts for the intake */
	p = params("radar", bsn, house, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	p.purpose = "intake";
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	assert_int_equal(lookup_radar(f, bsn, "intake", cid, out, sizeof(out)), 0);
	assert_string_equal(out, "known");
	/* all of it refused for the intake: radar no longer says it knows them */
	assert_int_equal(refusal_file(f, "refusal-g2.json", bsn, birth, "\"intake\"", ""), 0);
	assert_int_equal(cli(f, "radar", "consent refuse refusal-g2.json"), 0);
	assert_int_equal(lookup_radar(f, bsn, "intake", cid, out, sizeof(out)), 0);
	assert_string_equal(out, "refused");
	/* a consent the client gives after it stands */
	char later[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-g3.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-g3.json", later), 0);
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = later;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	assert_int_equal(lookup_radar(f, bsn, "intake", later, out, sizeof(out)), 0);
	assert_string_equal(out, "known");
}

/* A refusal the client gives a third partner, neither the consent's holder
 * nor the source (Heerlen 8.2, 10.3), is passed on to the sources it names:
 * each keeps it and refuses, from then on, what it withdraws from a consent
 * another partner holds. */
static void test_r10_consent_refusal_elsewhere_reaches_the_source(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03";
	char cid[WN_ID_LEN + 1], rid[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-h.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"",
				      "\"leefgebied.huisvesting\", \"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-h.json", cid), 0);
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	const char *const house[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* the client tells sevagram: radar gives the municipality no debts */
	assert_int_equal(refusal_file(f, "refusal-h.json", bsn, birth, "\"plan_van_aanpak\"",
				      "\"leefgebied.inkomen_schulden\""), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-h.json"), 0);
	assert_true(cli_out_has(f, "passed on to the 1 other source(s)"));
	assert_int_equal(dbq_text(f, node_db("sevagram"), rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind='refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	/* radar keeps it, from sevagram, dated as sevagram registered it */
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND kind = 'refusal' AND received_from ="
				  " 'sevagram'", rid), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'refusal.notice' AND json_extract(entry, '$.from') = 'sevagram'"), 1);
	assert_int_equal(dbq_wait(f, node_db("sevagram"), 1, 60000, "SELECT COUNT(*) FROM outbox"
				  " WHERE type = 'refusal.notice' AND sent_at IS NOT NULL AND"
				  " recipient = 'radar'"), 1);
	/* the municipality, which holds the consent, still asks; radar refuses */
	p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "consent_invalid");
	assert_non_null(r->detail);
	assert_non_null(strstr(r->detail, rid));
	wn_request_result_free(r);
	p = params("radar", bsn, house, 1, "consent");
	p.consent_id = cid;
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* dated as sevagram registered it (its signed object, made just before
	 * sevagram's row), not as radar took it */
	long at_radar = dbq(f, node_db("radar"), "SELECT registered_at FROM consents WHERE"
			    " id = '%s'", rid);
	long at_sevagram = dbq(f, node_db("sevagram"), "SELECT registered_at FROM consents WHERE"
			       " id = '%s'", rid);
	assert_true(at_radar <= at_sevagram && at_radar > at_sevagram - 10000);
	/* the broker relays only a body sealed to the one source named */
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "refusal.notice", "alcander", "radar"), 0);
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 5000));
	json_t *reply = raw_as(f, "alcander", env);
	assert_string_equal(envelope_str(reply, "type"), "error");
	json_decref(reply);
	json_decref(env);
}

/* A refusal.notice alcander sends radar with object and bsn sealed in it
 * (and revoked_at, when not 0: a revocation): radar keeps nothing and
 * records the refusal as a security event of kind want against alcander. */
static void refusal_notice_refused(struct fed *f, const json_t *object, const char *bsn,
				   json_int_t revoked_at, const char *want)
{
	json_t *env = NULL;
	long kept = dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents");
	long events = dbq(f, node_db("radar"), "SELECT COALESCE(SUM(count), 0) FROM security_events"
			  " WHERE kind = '%s' AND peer = 'alcander'", want);
	assert_int_equal(envelope_new1(&env, "refusal.notice", "alcander", "radar"), 0);
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 5000));
	json_t *sealed = json_pack("{s:O,s:s}", "refusal", object, "bsn", bsn);
	if (revoked_at != 0)
		json_object_set_new(sealed, "revoked_at", json_integer(revoked_at));
	raw_seal_to(f, env, "radar", sealed);
	json_t *reply = raw_as(f, "alcander", env);
	assert_int_equal(dbq_wait(f, node_db("radar"), events + 1, 10000, "SELECT COALESCE(SUM(count),"
				  " 0) FROM security_events WHERE kind = '%s' AND peer = 'alcander'",
				  want), events + 1);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents"), kept);
	json_decref(reply);
	json_decref(sealed);
	json_decref(env);
}

/* A source takes a refusal passed on only from the partner that registered
 * and signed it, about the person named, naming this source (r10, r20). */
static void test_r10_consent_refusal_passed_on_forged_refused(void **state)
{
	struct fed *f = *state;
	char path[512], id[33], version[CONSENT_VERSION_LEN + 1], other[10];
	pki_identity *alcander = NULL;
	fed_file(f, "ca/alcander.pem", path, sizeof(path));
	char err[256];
	assert_int_equal(pki_identity_load(path, &alcander, err, sizeof(err)), 0);
	bsn_at(27182818, other);
	const char *docfmt = "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": \"1985-02-03\"},"
			     " \"purposes\": [\"plan_van_aanpak\"], \"recipients\":"
			     " [\"gemeente-heerlen\"], \"sources\": [\"%s\"], \"categories\": [],"
			     " \"signers\": [], \"signed_on\": \"2026-11-30\"}";
	char text[512];
	/* signed by alcander but naming another source: not radar's to keep */
	snprintf(text, sizeof(text), docfmt, bsn_housemate, "xonar");
	json_t *doc = json_loads(text, 0, NULL), *object = NULL;
	assert_int_equal(consentdoc_make(doc, 1, "alcander", alcander->key, &object, id, version), 0);
	refusal_notice_refused(f, object, bsn_housemate, 0, "denied");
	json_decref(object);
	json_decref(doc);
	/* naming radar, but about someone other than the person sealed with it */
	snprintf(text, sizeof(text), docfmt, bsn_housemate, "radar");
	doc = json_loads(text, 0, NULL);
	assert_int_equal(consentdoc_make(doc, 1, "alcander", alcander->key, &object, id, version), 0);
	refusal_notice_refused(f, object, other, 0, "consent");
	/* altered after it was signed */
	json_object_set_new(json_object_get(object, "document"), "purposes",
			    json_pack("[s]", "intake"));
	refusal_notice_refused(f, object, bsn_housemate, 0, "signature");
	/* another partner's: alcander cannot pass on what sevagram registered */
	json_object_set_new(object, "registered_by", json_string("sevagram"));
	refusal_notice_refused(f, object, bsn_housemate, 0, "consent");
	json_decref(object);
	json_decref(doc);
	pki_identity_free(alcander);
}

/* The client revokes at sevagram the refusal given there (Heerlen 8.2:
 * they consent after all): the revocation reaches radar, which it was
 * passed on to, and a consent the municipality holds discloses again there
 * for what it withdrew; what radar refused on it before stays refused and
 * logged, and another refusal still stands. */
static void test_r10_consent_refusal_revoked_elsewhere_reaches_the_source(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03";
	char cid[WN_ID_LEN + 1], rid[WN_ID_LEN + 1], old[WN_ID_LEN + 1], refused_id[WN_ID_LEN + 1];
	char args[256];
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	/* the refusal of the test before still stands at radar */
	assert_int_equal(dbq_text(f, node_db("radar"), old, sizeof(old), "SELECT id FROM consents"
				  " WHERE kind = 'refusal' AND received_from = 'sevagram' AND status ="
				  " 'refused' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(consent_file(f, "consent-i.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.inkomen_schulden\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-i.json", cid), 0);
	wn_request_params p = params("radar", bsn, debt, 1, "consent");
	p.consent_id = cid;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* the client refuses at sevagram; radar takes it and refuses */
	assert_int_equal(refusal_file(f, "refusal-i.json", bsn, birth, "\"plan_van_aanpak\"",
				      "\"leefgebied.inkomen_schulden\""), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-i.json"), 0);
	assert_int_equal(dbq_text(f, node_db("sevagram"), rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind='refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND status = 'refused' AND received_from ="
				  " 'sevagram'", rid), 1);
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "consent_invalid");
	assert_non_null(r->detail);
	assert_non_null(strstr(r->detail, rid));
	snprintf(refused_id, sizeof(refused_id), "%s", r->request_id);
	wn_request_result_free(r);
	/* revoked where it was given: passed on to radar as it was */
	snprintf(args, sizeof(args), "consent revoke --consent %s", rid);
	assert_int_equal(cli(f, "sevagram", args), 0);
	assert_true(cli_out_has(f, "passed on to the 1 other source(s)"));
	assert_int_equal(dbq(f, node_db("sevagram"), "SELECT COUNT(*) FROM consents WHERE id = '%s'"
			     " AND status = 'revoked' AND revoked_at IS NOT NULL", rid), 1);
	long at = dbq(f, node_db("sevagram"), "SELECT revoked_at FROM consents WHERE id = '%s'", rid);
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND status = 'revoked' AND received_from ="
				  " 'sevagram' AND revoked_at = %ld", rid, at), 1);
	/* the broker's registry marks it revoked too, in its audit log */
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND status = 'revoked'", rid), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'consent.revoke' AND json_extract(entry, '$.consent') = '%s'", rid), 1);
	/* the consent the municipality holds discloses again */
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
	/* not retroactive: what radar refused on it before stays refused, logged */
	assert_int_equal(disclosures(f, node_db("radar"), "request_id = '%s' AND outcome ="
				     " 'refused'", refused_id), 1);
	/* the refusal before it still stands, at radar as at sevagram */
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents WHERE id = '%s' AND"
			     " status = 'refused'", old), 1);
	/* revoked once; radar's copy is sevagram's to revoke */
	assert_int_not_equal(cli(f, "sevagram", args), 0);
	assert_true(cli_err_has(f, "revoked already"));
	assert_int_not_equal(cli(f, "radar", args), 0);
	assert_true(cli_err_has(f, "the client revokes it there"));
	/* kept the retention period from its revocation, then gone, where it was
	 * given (no consent after it needed) and where it was passed on; the
	 * refusal in force stays */
	static const char *const holders[] = { "sevagram", "radar" };
	for (size_t i = 0; i < 2; i++) {
		const char *db = node_db(holders[i]);
		assert_int_equal(cli(f, holders[i], "records purge"), 0);
		assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id = '%s'", rid), 1);
		db_exec_on(f, db, "UPDATE consents SET registered_at = 1577836800000, revoked_at ="
			   " 1577836800000 WHERE id = '%s'", rid);
		assert_int_equal(cli(f, holders[i], "records purge"), 0);
		assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id = '%s'", rid), 0);
		assert_int_equal(dbq(f, db, "SELECT COUNT(*) FROM consents WHERE id = '%s' AND status ="
				     " 'refused'", old), 1);
	}
}

/* A source takes a revocation of a refusal only from the partner that
 * passed the refusal on, signed by it, about the same person (r10, r20):
 * another partner's is a security event and the refusal stands. One that
 * overtakes its refusal on the way is kept, revoked. */
static void test_r10_consent_refusal_revocation_forged_refused(void **state)
{
	struct fed *f = *state;
	char path[512], id[33], version[CONSENT_VERSION_LEN + 1], rid[WN_ID_LEN + 1], err[256];
	char cid[WN_ID_LEN + 1];
	pki_identity *alcander = NULL;
	fed_file(f, "ca/alcander.pem", path, sizeof(path));
	assert_int_equal(pki_identity_load(path, &alcander, err, sizeof(err)), 0);
	/* the refusal sevagram passed on to radar, which stands there */
	assert_int_equal(dbq_text(f, node_db("radar"), rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind = 'refusal' AND received_from = 'sevagram' AND status ="
				  " 'refused' ORDER BY registered_at DESC LIMIT 1"), 0);
	char text[512], signed_on[DATE_LEN + 1];
	date_today_plus(-1, signed_on);
	snprintf(text, sizeof(text), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": \"1985-02-03\"},"
		 " \"purposes\": [\"plan_van_aanpak\"], \"recipients\": [\"gemeente-heerlen\"],"
		 " \"sources\": [\"radar\"], \"categories\": [\"leefgebied.inkomen_schulden\"],"
		 " \"signers\": [], \"signed_on\": \"%s\"}", bsn_housemate, signed_on);
	json_t *doc = json_loads(text, 0, NULL), *object = NULL;
	assert_int_equal(consentdoc_make(doc, 1, "alcander", alcander->key, &object, id, version), 0);
	json_int_t now = (json_int_t)time_now_ms();
	/* sevagram's refusal, revoked in sevagram's name by alcander */
	json_t *theirs = json_deep_copy(object);
	json_object_set_new(theirs, "id", json_string(rid));
	json_object_set_new(theirs, "registered_by", json_string("sevagram"));
	refusal_notice_refused(f, theirs, bsn_housemate, now, "consent");
	json_decref(theirs);
	/* alcander's own refusal under its id, signed by alcander: radar holds it
	 * from sevagram, not from alcander */
	static const char *const drop[] = { "sig", NULL };
	char *sig = NULL;
	json_object_set_new(object, "id", json_string(rid));
	assert_int_equal(envelope_sign_object(object, "wijknet-consent-v1\n", drop, alcander->key,
					      &sig), 0);
	json_object_set_new(object, "sig", json_string(sig));
	free(sig);
	refusal_notice_refused(f, object, bsn_housemate, now, "consent");
	/* revoked before it was registered */
	refusal_notice_refused(f, object, bsn_housemate, 1, "schema");
	json_decref(object);
	/* alcander's own, revoked before its refusal reached radar: kept revoked,
	 * and the refusal arriving after it does not stand again */
	assert_int_equal(consentdoc_make(doc, 1, "alcander", alcander->key, &object, id, version), 0);
	now = json_integer_value(json_object_get(object, "registered_at"));
	for (int revoked = 1; revoked >= 0; revoked--) {
		json_t *env = NULL;
		assert_int_equal(envelope_new1(&env, "refusal.notice", "alcander", "radar"), 0);
		json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 5000));
		json_t *sealed = json_pack("{s:O,s:s}", "refusal", object, "bsn", bsn_housemate);
		if (revoked)
			json_object_set_new(sealed, "revoked_at", json_integer(now + 1000));
		raw_seal_to(f, env, "radar", sealed);
		json_t *reply = raw_as(f, "alcander", env);
		assert_string_equal(envelope_str(reply, "type"), "refusal.notice.result");
		assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents WHERE id ="
				     " '%s' AND status = 'revoked' AND received_from = 'alcander' AND"
				     " revoked_at = %lld", id, (long long)now + 1000), 1);
		json_decref(reply);
		json_decref(sealed);
		json_decref(env);
	}
	json_decref(object);
	json_decref(doc);
	pki_identity_free(alcander);
	/* nothing changed: the refusal stands, and radar refuses on the consent
	 * the municipality holds from before it what it withdrew */
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents WHERE id = '%s' AND"
			     " status = 'refused' AND revoked_at IS NULL", rid), 1);
	long at = dbq(f, node_db("radar"), "SELECT registered_at FROM consents WHERE id = '%s'", rid);
	assert_int_equal(dbq_text(f, node_db("gemeente-heerlen"), cid, sizeof(cid), "SELECT id FROM"
				  " consents WHERE kind = 'consent' AND status = 'active' AND"
				  " registered_at < %ld ORDER BY registered_at DESC LIMIT 1", at), 0);
	const char *const debt[] = { "leefgebied.inkomen_schulden" };
	wn_request_params p = params("radar", bsn_housemate, debt, 1, "consent");
	p.consent_id = cid;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "consent_invalid");
	assert_non_null(r->detail);
	assert_non_null(strstr(r->detail, rid));
	wn_request_result_free(r);
}

/* radar's stand-in as a source of the version before refusal.notice: it
 * refuses one, as an unknown message type, signed with radar's key (arg);
 * nothing else is answered. */
static json_t *rogue_old_source(struct rogue *r, const json_t *q, void *arg)
{
	pki_identity *radar = arg;
	json_t *a = NULL;
	(void)r;
	if (strcmp(envelope_str(q, "type"), "refusal.notice") != 0)
		return NULL;
	if (envelope_error(&a, q, "radar", radar->key, WN_EPROTO,
			   "field 'type': unknown message type 'refusal.notice'") != 0)
		return NULL;
	return a;
}

/* The same document registered twice is one registration (r10, H 10.3): a
 * refusal given again answers with the refusal registered before and is
 * passed on to no source again; a consent the same. Once revoked, the same
 * document registers anew: the client gave it again (H 8.2). */
struct async_register {
	struct fed *f;
	const char *rel;
	char id[WN_ID_LEN + 1];
	int rc;
};

static void *register_thread(void *arg)
{
	struct async_register *a = arg;
	a->rc = register_consent(a->f, GEMEENTE, a->rel, a->id);
	return NULL;
}

static void test_r10_consent_same_document_registered_once(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03", *s = node_db("sevagram");
	const char *g = node_db("gemeente-heerlen");
	char rid[WN_ID_LEN + 1], cid[WN_ID_LEN + 1], cid2[WN_ID_LEN + 1], out[160], *text = NULL;
	size_t len;
	assert_int_equal(refusal_file(f, "refusal-twice.json", bsn, birth, "\"intake\"",
				      "\"leefgebied.huisvesting\""), 0);
	long refusals = dbq(f, s, "SELECT COUNT(*) FROM consents WHERE kind = 'refusal'");
	long notices = dbq(f, s, "SELECT COUNT(*) FROM outbox WHERE type = 'refusal.notice'");
	long registry = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents");
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-twice.json"), 0);
	assert_int_equal(dbq_text(f, s, rid, sizeof(rid), "SELECT id FROM consents WHERE kind ="
				  " 'refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(dbq(f, s, "SELECT COUNT(*) FROM outbox WHERE type = 'refusal.notice'"),
			 notices + 1);
	/* the same file again: that refusal, told to no source again */
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-twice.json"), 0);
	snprintf(out, sizeof(out), "refusal %s was registered from this document before", rid);
	assert_true(cli_out_has(f, out));
	char *doc = slurp(f, "refusal-twice.json", &len);
	wn_client *c = client_of(f, SEVAGRAM);
	assert_int_equal(wn_consent_refuse_json(c, doc, &ACTOR, &text), 0);
	wn_client_close(c);
	free(doc);
	json_t *res = json_loads(text, 0, NULL);
	free(text);
	assert_string_equal(json_string_value(json_object_get(res, "consent")), rid);
	assert_string_equal(json_string_value(json_object_get(res, "status")), "refused");
	assert_true(json_is_true(json_object_get(res, "registered_before")));
	json_decref(res);
	assert_int_equal(dbq(f, s, "SELECT COUNT(*) FROM consents WHERE kind = 'refusal'"),
			 refusals + 1);
	assert_int_equal(dbq(f, s, "SELECT COUNT(*) FROM outbox WHERE type = 'refusal.notice'"),
			 notices + 1);
	/* a consent given twice: one consent, at this node and in the registry */
	assert_int_equal(consent_file(f, "consent-twice.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	long consents = dbq(f, g, "SELECT COUNT(*) FROM consents WHERE kind = 'consent'");
	assert_int_equal(register_consent(f, GEMEENTE, "consent-twice.json", cid), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-twice.json", cid2), 0);
	assert_string_equal(cid2, cid);
	/* and says so, as a refusal given again does */
	assert_int_equal(cli(f, "gemeente-heerlen", "consent register consent-twice.json"), 0);
	snprintf(out, sizeof(out), "consent %s was registered from this document before", cid);
	assert_true(cli_out_has(f, out));
	assert_int_equal(cli(f, "gemeente-heerlen", "consent register consent-twice.json --json"),
			 0);
	assert_true(cli_out_has(f, "\"registered_before\": true"));
	doc = slurp(f, "consent-twice.json", &len);
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_register_json(c, doc, &ACTOR, &text), 0);
	wn_client_close(c);
	free(doc);
	res = json_loads(text, 0, NULL);
	free(text);
	assert_string_equal(json_string_value(json_object_get(res, "consent")), cid);
	assert_true(json_is_true(json_object_get(res, "registered_before")));
	json_decref(res);
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM consents WHERE kind = 'consent'"),
			 consents + 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM consents"), registry + 2);
	/* revoked, the same file is the client's consent given again */
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_revoke(c, cid, &ACTOR), 0);
	wn_client_close(c);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-twice.json", cid2), 0);
	assert_string_not_equal(cid2, cid);
	/* given again while it waits for the broker: busy, not registered twice */
	assert_int_equal(consent_file(f, "consent-busy.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	long pending = dbq(f, g, "SELECT COUNT(*) FROM consents WHERE status = 'pending'");
	struct async_register a = { f, "consent-busy.json", "", -1 };
	pthread_t t;
	kill(f->broker, SIGSTOP);
	assert_int_equal(pthread_create(&t, NULL, register_thread, &a), 0);
	long seen = dbq_wait(f, g, pending + 1, 10000, "SELECT COUNT(*) FROM consents WHERE"
			     " status = 'pending'");
	char busy[WN_ID_LEN + 1] = "";
	int rc = seen == pending + 1 ? register_consent(f, GEMEENTE, "consent-busy.json", busy)
				      : -1;
	kill(f->broker, SIGCONT);
	pthread_join(t, NULL);
	assert_int_equal(seen, pending + 1);
	assert_int_equal(rc, WN_ESTATE);
	assert_string_equal(busy, "");
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM consents WHERE kind = 'consent' AND"
			     " registered_at > (SELECT registered_at FROM consents WHERE id = '%s')",
			     cid2), 1);
}

/* A refusal another partner registered and passed on to this source was
 * not given here: the consent this source holds, presented again, is the
 * registration it was, still limited by that refusal, not a consent given
 * anew after it (H 8.2, r10). */
static void test_r10_consent_presented_again_after_a_refusal_passed_on(void **state)
{
	struct fed *f = *state;
	const char *r = node_db("radar"), *birth = "1979-06-07";
	char bsn[10], cid[WN_ID_LEN + 1], cid2[WN_ID_LEN + 1], rid[WN_ID_LEN + 1];
	bsn_at(16180339, bsn);
	assert_int_equal(consent_file(f, "consent-kept.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, RADAR, "consent-kept.json", cid), 0);
	/* the client refuses at sevagram; radar, the source it names, keeps it */
	assert_int_equal(refusal_file(f, "refusal-kept.json", bsn, birth, "\"plan_van_aanpak\"",
				      "\"leefgebied.huisvesting\""), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-kept.json"), 0);
	assert_int_equal(dbq_text(f, node_db("sevagram"), rid, sizeof(rid), "SELECT id FROM"
				  " consents WHERE kind = 'refusal' ORDER BY registered_at DESC"
				  " LIMIT 1"), 0);
	assert_int_equal(dbq_wait(f, r, 1, 60000, "SELECT COUNT(*) FROM consents WHERE id = '%s'"
				  " AND kind = 'refusal' AND received_from = 'sevagram'", rid), 1);
	long consents = dbq(f, r, "SELECT COUNT(*) FROM consents WHERE kind = 'consent'");
	/* the consent's file again at radar: the registration made before */
	assert_int_equal(register_consent(f, RADAR, "consent-kept.json", cid2), 0);
	assert_string_equal(cid2, cid);
	assert_int_equal(cli(f, "radar", "consent register consent-kept.json --json"), 0);
	assert_true(cli_out_has(f, "\"registered_before\": true"));
	assert_int_equal(dbq(f, r, "SELECT COUNT(*) FROM consents WHERE kind = 'consent'"),
			 consents);
	assert_int_equal(dbq(f, r, "SELECT COUNT(*) FROM consents WHERE kind = 'consent' AND"
			     " registered_at > (SELECT registered_at FROM consents WHERE id = '%s')",
			     rid), 0);
}

/* A document registered before and presented again is answered with that
 * registration, and the ledger names the professional who presented it, by
 * the person's pseudonym: access is personal (r16, G-P 3.6). The answer
 * waits for that entry: one that cannot be written is refused (r10). */
static void test_r10_consent_presented_again_is_recorded(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03", *g = node_db("gemeente-heerlen");
	const char *s = node_db("sevagram");
	char cid[WN_ID_LEN + 1], again[WN_ID_LEN + 1], rid[WN_ID_LEN + 1];
	static const char entry[] = "SELECT COUNT(*) FROM ledger WHERE type ="
				    " 'consent.presented_again' AND msg_id = '%s' AND"
				    " json_extract(entry, '$.consent') = '%s' AND"
				    " json_extract(entry, '$.kind') = '%s' AND"
				    " json_extract(entry, '$.by') = '%s' AND"
				    " json_extract(entry, '$.by_role') = '%s' AND"
				    " json_extract(entry, '$.subject_index') ="
				    " (SELECT lower(hex(subject_index)) FROM consents"
				    " WHERE id = '%s')";
	assert_int_equal(consent_file(f, "consent-again.json", bsn, birth, "\"gemeente-heerlen\"",
				      "\"radar\"", "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-again.json", cid), 0);
	/* the first registration is no presenting again */
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger WHERE type ="
			     " 'consent.presented_again' AND msg_id = '%s'", cid), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-again.json", again), 0);
	assert_string_equal(again, cid);
	assert_int_equal(dbq(f, g, entry, cid, cid, "consent", ACTOR.id, ACTOR.role, cid), 1);
	/* through the CLI, the professional named */
	assert_int_equal(cli(f, "gemeente-heerlen", "consent register consent-again.json --actor"
			     " pv-0008-bakker --role privacyfunctionaris"), 0);
	assert_true(cli_out_has(f, "was registered from this document before"));
	assert_int_equal(dbq(f, g, entry, cid, cid, "consent", "pv-0008-bakker",
			     "privacyfunctionaris", cid), 1);
	/* the entries name a pseudonym, never the BSN */
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger WHERE type ="
			     " 'consent.presented_again' AND entry LIKE '%%%s%%'", bsn), 0);
	/* an entry that cannot be written: refused, not answered unlogged */
	long entries = dbq(f, g, "SELECT COUNT(*) FROM ledger");
	dbexec(f, g, "CREATE TRIGGER wn_test_fail BEFORE INSERT ON ledger WHEN NEW.type ="
	       " 'consent.presented_again' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	size_t len = 0;
	char *doc = slurp(f, "consent-again.json", &len), *text = NULL;
	wn_client *c = client_of(f, GEMEENTE);
	int rc = wn_consent_register_json(c, doc, &ACTOR, &text);
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", wn_client_errmsg(c));
	wn_client_close(c);
	free(doc);
	free(text);
	dbexec(f, g, "DROP TRIGGER wn_test_fail;");
	assert_int_equal(rc, WN_EDB);
	assert_non_null(strstr(msg, "cannot be logged"));
	assert_non_null(strstr(msg, cid));
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger"), entries);
	assert_true(fed_log_contains(f, "gemeente-heerlen", "consent_presented_again_unlogged"));
	/* and once it can, presented again is answered and recorded */
	assert_int_equal(register_consent(f, GEMEENTE, "consent-again.json", again), 0);
	assert_string_equal(again, cid);
	assert_int_equal(dbq(f, g, entry, cid, cid, "consent", ACTOR.id, ACTOR.role, cid), 2);
	/* a refusal presented again the same (last: a refusal passed on to the
	 * municipality would make its consent one given anew) */
	assert_int_equal(refusal_file(f, "refusal-again.json", bsn, birth, "\"intake\"",
				      "\"leefgebied.huisvesting\""), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-again.json"), 0);
	assert_int_equal(dbq_text(f, s, rid, sizeof(rid), "SELECT id FROM consents WHERE kind ="
				  " 'refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-again.json --actor"
			     " pv-0008-bakker --role privacyfunctionaris"), 0);
	assert_true(cli_out_has(f, rid));
	assert_int_equal(dbq(f, s, entry, rid, rid, "refusal", "pv-0008-bakker",
			     "privacyfunctionaris", rid), 1);
	assert_int_equal(dbq(f, s, "SELECT COUNT(*) FROM ledger WHERE type ="
			     " 'consent.presented_again' AND entry LIKE '%%%s%%'", bsn), 0);
}

/* A source that refused a refusal passed on to it for what it is (an older
 * version, during a rolling upgrade) is given up on, not asked again by
 * itself; once it takes them, the operator puts what was given up back in
 * the queue (outbox retry --failed, in the ledger by name) and the source
 * keeps the refusal (r10: a refusal is recorded, and reaches the sources it
 * names). */
static void test_r10_consent_refusal_refused_by_source_outbox_retry(void **state)
{
	struct fed *f = *state;
	const char *bsn = bsn_housemate, *birth = "1985-02-03";
	char rid[WN_ID_LEN + 1], item[WN_ID_LEN + 1], path[512], err[256], args[160];
	pki_identity *radar = NULL;
	fed_file(f, "ca/radar.pem", path, sizeof(path));
	assert_int_equal(pki_identity_load(path, &radar, err, sizeof(err)), 0);
	struct rogue *rg = rogue_start(f, RADAR, "radar", rogue_old_source, radar);
	assert_int_equal(refusal_file(f, "refusal-o.json", bsn, birth, "\"intake\"",
				      "\"leefgebied.huisvesting\""), 0);
	assert_int_equal(cli(f, "sevagram", "consent refuse refusal-o.json"), 0);
	assert_int_equal(dbq_text(f, node_db("sevagram"), rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind='refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(dbq_text(f, node_db("sevagram"), item, sizeof(item), "SELECT id FROM outbox"
				  " WHERE type = 'refusal.notice' AND recipient = 'radar' ORDER BY"
				  " created_at DESC LIMIT 1"), 0);
	/* refused for what it is: given up, and logged */
	assert_int_equal(dbq_wait(f, node_db("sevagram"), 1, 120000, "SELECT COUNT(*) FROM outbox"
				  " WHERE id = '%s' AND failed_at IS NOT NULL AND sent_at IS NULL AND"
				  " last_error = 'protocol'", item), 1);
	assert_true(fed_log_contains(f, "sevagram", "outbox_refused"));
	rogue_stop(rg);
	pki_identity_free(radar);
	/* the source runs the version that takes it now; nothing sends it by itself */
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_wait_up(f, RADAR, NNODES, 15000), 0);
	assert_int_equal(cli(f, "sevagram", "outbox list --failed"), 0);
	assert_true(cli_out_has(f, item) && cli_out_has(f, "refusal.notice") &&
		    cli_out_has(f, "radar") && cli_out_has(f, "GIVEN-UP") &&
		    cli_out_has(f, "protocol") && cli_out_has(f, "0 waiting, 1 given up"));
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM consents WHERE id = '%s'",
			     rid), 0);
	/* what names no item, or an item wrongly, is refused before the node */
	assert_int_equal(cli(f, "sevagram", "outbox retry"), 2);
	assert_true(cli_err_has(f, "missing --item"));
	assert_int_equal(cli(f, "sevagram", "outbox retry --item 42"), 2);
	snprintf(args, sizeof(args), "outbox retry --item %s --failed", item);
	assert_int_equal(cli(f, "sevagram", args), 2);
	assert_int_equal(cli(f, "sevagram", "outbox retry --item 0123456789abcdef0123456789abcdef"),
			 1);
	assert_true(cli_err_has(f, "no outbox item"));
	/* put back by name: the source keeps it, from sevagram */
	assert_int_equal(cli(f, "sevagram", "outbox retry --failed --actor wk-0042 --role "
			     "wijkcoach"), 0);
	assert_true(cli_out_has(f, "1 given-up item(s) back in the queue"));
	assert_int_equal(dbq(f, node_db("sevagram"), "SELECT COUNT(*) FROM ledger WHERE type ="
			     " 'outbox.retry' AND msg_id = '%s' AND entry LIKE '%%\"by\":\"wk-0042\"%%'"
			     " AND entry LIKE '%%\"by_role\":\"wijkcoach\"%%'", item), 1);
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND kind = 'refusal' AND received_from ="
				  " 'sevagram'", rid), 1);
	assert_int_equal(dbq_wait(f, node_db("sevagram"), 1, 60000, "SELECT COUNT(*) FROM outbox"
				  " WHERE id = '%s' AND sent_at IS NOT NULL AND failed_at IS NULL",
				  item), 1);
	/* delivered: nothing to put back */
	snprintf(args, sizeof(args), "outbox retry --item %s", item);
	assert_int_equal(cli(f, "sevagram", args), 1);
	assert_true(cli_err_has(f, "was delivered"));
	assert_int_equal(cli(f, "sevagram", "outbox retry --failed"), 0);
	assert_true(cli_out_has(f, "0 given-up item(s)"));
}

static void test_r11_consent_age_signers(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1];
	/* 14 on the day of signing, alone: refused with the rule named */
	assert_int_equal(consent_file(f, "consent-14.json", BSN_B, "2011-06-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Kind\", \"role\": \"subject\"}"), 0);
	long before = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents");
	assert_int_not_equal(cli(f, "gemeente-heerlen", "consent register consent-14.json"), 0);
	assert_true(cli_err_has(f, "Bijlage 8"));
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents"), before);
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"),
				      "SELECT COUNT(*) FROM consents WHERE status='pending'"), 0);
	/* co-signed with a parent it holds */
	assert_int_equal(consent_file(f, "consent-14p.json", BSN_B, "2011-06-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Kind\", \"role\": \"subject\"}, "
				      "{\"name\": \"Ouder\", \"role\": \"parent\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-14p.json", id), 0);
	/* the same child made an adult on paper, signing alone: refused, for the
	 * node holds the child's birth date */
	assert_int_equal(consent_file(f, "consent-14a.json", BSN_B, "2000-01-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Kind\", \"role\": \"subject\"}"), 0);
	before = fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents");
	assert_int_equal(cli(f, "gemeente-heerlen", "consent register consent-14a.json"), 1);
	assert_true(cli_err_has(f, "birth date"));
	assert_true(cli_err_has(f, id));
	assert_int_equal(fed_db_count(f, "data/broker.db", "SELECT COUNT(*) FROM consents"), before);
	/* once the earlier document is revoked (a wrong date), another date is taken */
	char rev[128];
	snprintf(rev, sizeof(rev), "consent revoke --consent %s", id);
	assert_int_equal(cli(f, "gemeente-heerlen", rev), 0);
	/* under 12: a parent signs */
	assert_int_equal(consent_file(f, "consent-9.json", BSN_B, "2017-02-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Ouder\", \"role\": \"guardian\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-9.json", id), 0);
}

static void test_r12_medical_needs_consent_naming_it(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.psychisch" };
	/* without consent: refused by the source, nothing of it leaves */
	wn_request_params p = params("radar", BSN_A, cats, 1, "vital_interest");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "special_category");
	assert_int_equal(r->count, 0);
	wn_request_result_free(r);
	/* on the consent that names mental health */
	p = params("radar", BSN_A, cats, 1, "consent");
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_non_null(strstr(r->records[0].content_json, MARK "-psych"));
	wn_request_result_free(r);
	/* a consent that lists the category but does not name the class is refused */
	assert_int_equal(consent_file(f, "consent-unnamed.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"leefgebied.psychisch\"",
				      "", "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	char id[WN_ID_LEN + 1];
	assert_int_equal(register_consent(f, GEMEENTE, "consent-unnamed.json", id), WN_ECONSENT);
}

static void test_r12_medical_conflict_of_duties_asserted_by_source(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.psychisch" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "conflict_of_duties");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "conflict_of_duties_not_asserted");
	wn_request_result_free(r);
	/* radar's own professional judges it, through radar's node */
	assert_int_equal(write_file(f, "duty.json",
				    "{\"interest\":\"urgent_health\",\"subsidiarity\":\"De client "
				    "is niet bereikbaar en er is acuut gevaar\",\"proportionality\":"
				    "\"Alleen het psychisch functioneren wordt gedeeld\","
				    "\"exception\":\"client_protection\"}"), 0);
	char args[512];
	snprintf(args, sizeof(args), "duty assert --case %s --bsn " BSN_A " --to gemeente-heerlen "
		 "--categories leefgebied.psychisch --motivation duty.json --actor arts-3 --role "
		 "psychiater --json", case_main);
	if (cli(f, "radar", args) != 0)
		fed_sh(f, "cat cli.err >&2");
	assert_true(cli_out_has(f, "\"assertion\"")); /* --json: what was asserted */
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND ground="
				     "'conflict_of_duties' AND outcome='disclosed'", r->request_id), 1);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM duty_assertions WHERE "
			     "used_by='%s' AND actor_role='psychiater'", r->request_id), 1);
	wn_request_result_free(r);
	/* one judgement, one disclosure */
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "refused", "conflict_of_duties_not_asserted");
	wn_request_result_free(r);
}

/* ---- r09, r13: grounds without consent --------------------------------- */

static void test_r13_no_consent_needs_motivation(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	long sent = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log");
	wn_request_params p = params("radar", BSN_A, cats, 1, "vital_interest");
	p.motivation_json = NULL;
	request_fails(f, GEMEENTE, &p, WN_EMOTIVATION, "Bijlage 3");
	p.motivation_json = "{\"interest\":\"serious_harm\",\"subsidiarity\":\"Geen andere weg "
			    "beschikbaar gebleken\"}";
	request_fails(f, GEMEENTE, &p, WN_EMOTIVATION, "proportionality");
	assert_int_equal(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log"),
			 sent);
	/* the source checks it again */
	json_t *env = raw_request("public_task");
	json_t *body = json_pack("{s:s,s:[s],s:{s:s}}", "bsn", BSN_A, "categories",
				 "leefgebied.huisvesting", "motivation", "interest", "serious_harm");
	json_t *opened = raw_exchange(f, env, body, NULL);
	assert_string_equal(json_string_value(json_object_get(opened, "reason")),
			    "motivation_incomplete");
	assert_int_equal(json_array_size(json_object_get(opened, "records")), 0);
	json_decref(opened);
	json_decref(body);
	json_decref(env);
	/* with the full motivation the ground holds; its hash is logged */
	p = params("radar", BSN_A, cats, 1, "vital_interest");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND "
				     "length(ground_detail_hash)=64", r->request_id), 1);
	wn_request_result_free(r);
}

/* The notice radar made for request rid reached the municipality's queue,
 * sealed past the broker; its id is written to nid. */
static void notice_reached_municipality(struct fed *f, const char *rid, const char *kind,
					const char *recipient, char nid[WN_ID_LEN + 1])
{
	assert_int_equal(dbq_text(f, node_db("radar"), nid, WN_ID_LEN + 1, "SELECT notice_id FROM "
				  "client_notifications WHERE request_id='%s' AND kind='%s' AND "
				  "recipient='%s'", rid, kind, recipient), 0);
	assert_int_equal(dbq_wait(f, node_db("gemeente-heerlen"), 1, 10000, "SELECT COUNT(*) FROM "
				  "notices WHERE id='%s' AND source='radar' AND recipient='%s' AND "
				  "kind='%s' AND status='queued'", nid, recipient, kind), 1);
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 10000, "SELECT COUNT(*) FROM "
				  "client_notifications WHERE notice_id='%s' AND status='forwarded'",
				  nid), 1);
	/* what it says is kept at rest only sealed, at both ends */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM notices WHERE "
			     "id='%s' AND CAST(body_enc AS TEXT) LIKE '%%" BSN_A "%%'", nid), 0);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM outbox WHERE id='%s' AND "
			     "length(body_enc)=0 AND sent_at IS NOT NULL", nid), 1);
	/* the broker relayed it and knows who sent a notice to whom, nothing more */
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type='notice' "
			"AND json_extract(entry, '$.from')='radar'") >= 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
			     "type='notice' AND (entry LIKE '%%" BSN_A "%%' OR entry LIKE '%%%s%%' OR "
			     "entry LIKE '%%categor%%')", nid), 0);
}

static void test_r09_legal_obligation_notifies_client(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "legal_obligation");
	p.motivation_json = "{\"interest\":\"serious_harm\"}";
	request_fails(f, GEMEENTE, &p, WN_EMOTIVATION, "legal_reference");
	p.motivation_json = "{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1\"}";
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM client_notifications WHERE "
			     "request_id='%s' AND kind='legal_obligation' AND recipient="
			     "'gemeente-heerlen' AND legal_reference='Jeugdwet art. 7.4.0 lid 1'",
			     r->request_id), 1);
	char nid[WN_ID_LEN + 1];
	notice_reached_municipality(f, r->request_id, "legal_obligation", "gemeente-heerlen", nid);
	wn_request_result_free(r);
	/* the letter: what, by whom, to whom, on which ground and the client's rights */
	wn_client *g = client_of(f, GEMEENTE), *rd = client_of(f, RADAR);
	char *text = NULL, *html = NULL;
	assert_int_equal(wn_notice_show(g, nid, &ACTOR, &text), 0);
	assert_non_null(strstr(text, "Jeugdwet art. 7.4.0 lid 1"));
	assert_non_null(strstr(text, BSN_A));
	assert_int_equal(wn_notice_html(text, &html), 0);
	static const char *const facts[] = { "wettelijke plicht", "Jeugdwet art. 7.4.0 lid 1",
					     "Radar", "Gemeente Heerlen", "huisvesting",
					     "Autoriteit Persoonsgegevens", "eindigend op 333" };
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (strstr(html, facts[i]) == NULL)
			fail_msg("the letter lacks '%s'", facts[i]);
	free(text);
	free(html);
	/* a notice not sent in time is listed first, as overdue */
	char path[512], sql[160];
	sqlite3 *d = NULL;
	fed_file(f, node_db("gemeente-heerlen"), path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	snprintf(sql, sizeof(sql), "UPDATE notices SET due='2020-01-08' WHERE id='%s'", nid);
	assert_int_equal(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(d);
	assert_int_equal(wn_notices_list(g, 0, &ACTOR, &text), 0);
	json_t *list = json_loads(text, 0, NULL), *first = json_array_get(json_object_get(list,
											   "notices"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "id")), nid);
	assert_true(json_is_true(json_object_get(first, "overdue")));
	json_decref(list);
	free(text);
	assert_int_equal(cli(f, "gemeente-heerlen", "notices list"), 0);
	assert_true(cli_out_has(f, "OVERDUE"));
	/* the letter's facts as a person reads them, JSON only when asked */
	char show[96];
	snprintf(show, sizeof(show), "notices show --notice %s", nid);
	assert_int_equal(cli(f, "gemeente-heerlen", show), 0);
	assert_true(cli_out_has(f, "(OVERDUE)"));
	assert_true(cli_out_has(f, "lawful ground    legal_obligation"));
	assert_true(cli_out_has(f, "Jeugdwet art. 7.4.0 lid 1"));
	assert_true(cli_out_has(f, "disclosed by     Radar (radar)"));
	assert_true(cli_out_has(f, BSN_A));
	assert_false(cli_out_has(f, "\"letter\""));
	snprintf(show, sizeof(show), "notices show --notice %s --json", nid);
	assert_int_equal(cli(f, "gemeente-heerlen", show), 0);
	assert_true(cli_out_has(f, "\"letter\""));
	/* only the municipality keeps the queue; a delivery is recorded once */
	assert_int_equal(wn_notices_list(rd, 0, &ACTOR, &text), WN_EDENIED);
	assert_int_equal(wn_notice_sent(g, nid, NULL, "pigeon", &ACTOR), WN_EINVAL);
	assert_int_equal(wn_notice_sent(g, nid, "2999-01-01", "post", &ACTOR), WN_EINVAL);
	/* nor before it came in: its retention counts from the day it went out */
	assert_int_equal(wn_notice_sent(g, nid, "2020-01-01", "post", &ACTOR), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(g), "before the notice was received"));
	assert_int_equal(wn_notice_sent(g, nid, NULL, "post", &ACTOR), 0);
	assert_int_equal(wn_notice_sent(g, nid, NULL, "post", &ACTOR), WN_ENOTFOUND);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			     "type='notice.sent' AND msg_id='%s'", nid), 1);
	/* by whom, as a person and not only a role (G-P 3.6, r16) */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			     "type='notice.sent' AND msg_id='%s' AND entry LIKE '%%\"by\":\"%s\"%%'",
			     nid, ACTOR.id), 1);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM notices WHERE "
			     "id='%s' AND sent_by_id='%s' AND sent_by_role='%s'", nid, ACTOR.id,
			     ACTOR.role), 1);
	assert_true(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			"type='notice.read' AND msg_id='%s' AND entry LIKE '%%\"by\":\"%s\"%%'", nid,
			ACTOR.id) >= 1);
	wn_client_close(g);
	wn_client_close(rd);
}

/* How and when the household heard of its case (G-P 5, 6): before it
 * opened, or afterwards with the reason; by a partner of the case. */
/* A legal-obligation disclosure about a person who refused consent is told
 * with that refusal (H 10.3) — but not once the client consented after it. */
static void test_r09_notice_refusal_ended_by_later_consent(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	char rid[WN_ID_LEN + 1], later[WN_ID_LEN + 1], nid[WN_ID_LEN + 1];
	size_t len;
	/* a source no consent here names: a refusal after a consent limits it */
	assert_int_equal(consent_file(f, "refusal-notice.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"alcander\"",
				      "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	char *doc = slurp(f, "refusal-notice.json", &len);
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_consent_refuse(c, doc, &ACTOR, rid), 0);
	wn_client_close(c);
	free(doc);
	wn_request_params p = params("radar", BSN_A, cats, 1, "legal_obligation");
	p.motivation_json = "{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1\"}";
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	notice_reached_municipality(f, r->request_id, "legal_obligation", "gemeente-heerlen", nid);
	wn_request_result_free(r);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM notices WHERE "
			     "id='%s' AND refusal_id='%s'", nid, rid), 1);
	/* the source held no refusal: the letter's facts name the municipality's */
	char show[120];
	snprintf(show, sizeof(show), "notices show --notice %s", nid);
	assert_int_equal(cli(f, "gemeente-heerlen", show), 0);
	assert_true(cli_out_has(f, "consent refused"));
	assert_true(cli_out_has(f, rid));
	/* the client consents after all: the refusal no longer stands */
	assert_int_equal(consent_file(f, "consent-after-refusal.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"",
				      "\"leefgebied.huisvesting\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-after-refusal.json", later), 0);
	p = params("radar", BSN_A, cats, 1, "legal_obligation");
	p.motivation_json = "{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1\"}";
	r = request_ok(f, GEMEENTE, &p);
	notice_reached_municipality(f, r->request_id, "legal_obligation", "gemeente-heerlen", nid);
	wn_request_result_free(r);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM notices WHERE "
			     "id='%s' AND refusal_id IS NULL", nid), 1);
}

/* A notice the municipality could not store for a passing fault is sent
 * again, not given up: only a refusal of what it says ends it. */
static void test_r09_notice_not_stored_is_sent_again(void **state)
{
	struct fed *f = *state;
	dbexec(f, node_db("gemeente-heerlen"), "CREATE TRIGGER wn_test_fail BEFORE INSERT ON"
	       " notices BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "legal_obligation");
	p.motivation_json = "{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1\"}";
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	char nid[WN_ID_LEN + 1];
	assert_int_equal(dbq_text(f, node_db("radar"), nid, sizeof(nid), "SELECT notice_id FROM "
				  "client_notifications WHERE request_id='%s'", r->request_id), 0);
	/* the broker keeps no size of a data request's answer (r03) */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id="
			     "'%s' AND type='request.delivery' AND json_extract(entry, "
			     "'$.answer_bytes') IS NULL", r->request_id), 1);
	/* refused for a database fault: kept to be tried again */
	assert_int_equal(dbq_wait(f, node_db("radar"), 1, 10000, "SELECT COUNT(*) FROM outbox "
				  "WHERE id='%s' AND attempts >= 1", nid), 1);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM outbox WHERE id='%s' AND "
			     "failed_at IS NULL AND sent_at IS NULL AND last_error='database'", nid),
			 1);
	dbexec(f, node_db("gemeente-heerlen"), "DROP TRIGGER wn_test_fail");
	notice_reached_municipality(f, r->request_id, "legal_obligation", "gemeente-heerlen", nid);
	wn_request_result_free(r);
}

/* A notice the municipality refused for what it is is given up at the
 * source; the operator sees it in the outbox — its kind, whom it goes to,
 * when and why it was given up, never what it says nor whom it is about —
 * and puts it back in the queue, after which it reaches the municipality
 * (r09: the client is told). */
static void test_r09_notice_given_up_outbox_list_and_retry(void **state)
{
	struct fed *f = *state;
	char nid[WN_ID_LEN + 1], args[160], *text = NULL;
	/* the municipality's refusal, as the outbox records one */
	dbexec(f, node_db("radar"), "CREATE TRIGGER wn_test_refused AFTER INSERT ON outbox WHEN"
	       " NEW.type = 'notice' BEGIN UPDATE outbox SET attempts = 1, failed_at ="
	       " NEW.created_at, last_error = 'denied' WHERE id = NEW.id; END;");
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "legal_obligation");
	p.motivation_json = "{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1\"}";
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(dbq_text(f, node_db("radar"), nid, sizeof(nid), "SELECT notice_id FROM "
				  "client_notifications WHERE request_id='%s'", r->request_id), 0);
	dbexec(f, node_db("radar"), "DROP TRIGGER wn_test_refused");
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM outbox WHERE id = '%s' AND"
			     " failed_at IS NOT NULL", nid), 1);
	/* listed with what an operator needs, and nothing of the person */
	static const char *const never[] = { BSN_A, "Jeugdwet", "huisvesting", MARK, "bsn" };
	for (int json = 0; json < 2; json++) {
		assert_int_equal(cli(f, "radar", json ? "outbox list --json" : "outbox list"), 0);
		assert_true(cli_out_has(f, nid) && cli_out_has(f, "notice") &&
			    cli_out_has(f, "gemeente-heerlen") && cli_out_has(f, "denied"));
		assert_true(cli_out_has(f, json ? "\"given_up\"" : "GIVEN-UP"));
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
			if (cli_out_has(f, never[i]))
				fail_msg("outbox list shows '%s'", never[i]);
	}
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_outbox_list(c, 1, &ACTOR, &text), 0);
	json_t *list = json_loads(text, 0, NULL), *first = json_array_get(json_object_get(list,
											   "items"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "id")), nid);
	assert_string_equal(json_string_value(json_object_get(first, "state")), "given_up");
	assert_string_equal(json_string_value(json_object_get(first, "recipient")),
			    "gemeente-heerlen");
	assert_true(json_integer_value(json_object_get(first, "failed_at")) > 0);
	assert_null(json_object_get(first, "next_at"));
	json_decref(list);
	free(text);
	text = NULL;
	/* not at the municipality, and not sent again by itself */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM notices WHERE"
			     " id = '%s'", nid), 0);
	snprintf(args, sizeof(args), "outbox retry --item %s --actor %s --role %s", nid, ACTOR.id,
		 ACTOR.role);
	assert_int_equal(cli(f, "radar", args), 0);
	assert_true(cli_out_has(f, "back in the queue"));
	notice_reached_municipality(f, r->request_id, "legal_obligation", "gemeente-heerlen", nid);
	wn_request_result_free(r);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM ledger WHERE type ="
			     " 'outbox.retry' AND msg_id = '%s' AND entry LIKE '%%\"by\":\"%s\"%%'",
			     nid, ACTOR.id), 1);
	/* delivered, or unknown: nothing to put back */
	assert_int_equal(wn_outbox_retry(c, nid, &ACTOR, NULL), WN_ESTATE);
	assert_non_null(strstr(wn_client_errmsg(c), "was delivered"));
	assert_int_equal(wn_outbox_retry(c, "0123456789abcdef0123456789abcdef", &ACTOR, NULL),
			 WN_ENOTFOUND);
	assert_int_equal(wn_outbox_retry(c, "not-an-id", &ACTOR, NULL), WN_EINVAL);
	wn_client_close(c);
}

static void test_r09_legal_obligation_household_informed_of_case(void **state)
{
	struct fed *f = *state;
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	wn_client *g = client_of(f, GEMEENTE), *x = client_of(f, XONAR);
	assert_int_equal(wn_case_informed(g, case_main, "after", today, "post", NULL, &ACTOR),
			 WN_EMOTIVATION);
	assert_int_equal(wn_case_informed(g, case_main, "later", today, "post", NULL, &ACTOR),
			 WN_EINVAL);
	assert_int_equal(wn_case_informed(g, case_main, "before", "2999-01-01", "post", NULL,
					  &ACTOR), WN_EINVAL);
	assert_int_equal(wn_case_informed(g, case_main, "before", today, "carrier-pigeon", NULL,
					  &ACTOR), WN_EINVAL);
	/* told afterwards, on a day before the case opened: not afterwards at all */
	assert_int_equal(wn_case_informed(g, case_main, "after", "2020-01-01", "post",
					  "Vooraf melden bracht het kind in gevaar", &ACTOR), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(g), "before case"));
	/* only a partner of the case records it */
	assert_int_not_equal(wn_case_informed(x, case_main, "before", today, "post", NULL, &ACTOR),
			     0);
	assert_int_equal(wn_case_informed(g, case_main, "after", today, "in_person",
					  "Vooraf melden bracht het kind in gevaar", &ACTOR), 0);
	/* recorded for each of the two people of the household, by commitment */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM case_informed "
			     "WHERE case_id='%s' AND moment='after' AND how='in_person' AND reason "
			     "LIKE 'Vooraf%%' AND length(person)=64", case_main), 2);
	char *text = NULL;
	assert_int_equal(wn_case_informed_show(g, case_main, NULL, &ACTOR, &text), 0);
	json_t *shown = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(shown, "told")), 2);
	assert_int_equal(json_integer_value(json_object_get(shown, "not_told")), 0);
	json_decref(shown);
	free(text);
	/* one person's record put right, and the ledger says it replaced one;
	 * someone outside the household has none */
	assert_int_equal(wn_case_person_informed(g, case_main, BSN_A, "before", today, "phone",
						 NULL, &ACTOR), 0);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			     "type='case.informed' AND json_extract(entry, '$.replaces') = 1 AND "
			     "json_extract(entry, '$.people') = 1"), 1);
	assert_int_equal(wn_case_person_informed(g, case_main, BSN_B, "before", today,
						 "phone", NULL, &ACTOR), WN_ENOTINCASE);
	assert_int_equal(wn_case_informed_show(g, case_main, BSN_A, &ACTOR, &text), 0);
	shown = json_loads(text, 0, NULL);
	assert_true(json_is_true(json_object_get(json_object_get(shown, "person"), "told")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(shown, "person"),
							      "how")), "phone");
	json_decref(shown);
	free(text);
	/* each record is a ledger entry: the household's, then the one person's */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			     "type='case.informed' AND msg_id='%s'", case_main), 2);
	wn_client_close(g);
	wn_client_close(x);
}

/* Who of the household was told, and how, is about people of the case: each
 * reading is a ledger entry naming the professional and the case, not the
 * person asked about (r09, G-P 3.6). */
static void test_r09_legal_obligation_informed_read_in_the_ledger(void **state)
{
	struct fed *f = *state;
	const char *g = node_db("gemeente-heerlen");
	char *text = NULL, args[256];
	long top = dbq(f, g, "SELECT COALESCE(MAX(idx), 0) FROM ledger");
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_informed_show(c, case_main, NULL, &ACTOR, &text), 0);
	free(text);
	assert_int_equal(wn_case_informed_show(c, case_main, BSN_A, &ACTOR, &text), 0);
	free(text);
	wn_client_close(c);
	static const char one[] = "SELECT COUNT(*) FROM ledger WHERE idx > %ld AND type ="
				  " 'case.informed.read' AND msg_id = '%s' AND json_extract(entry,"
				  " '$.by') = '%s' AND json_extract(entry, '$.by_role') = '%s' AND"
				  " json_extract(entry, '$.one_person') = %d";
	assert_int_equal(dbq(f, g, one, top, case_main, ACTOR.id, ACTOR.role, 0), 1);
	assert_int_equal(dbq(f, g, one, top, case_main, ACTOR.id, ACTOR.role, 1), 1);
	/* through the CLI, the professional named */
	snprintf(args, sizeof(args), "case informed --case %s --show --actor pv-0008-bakker --role"
		 " privacyfunctionaris", case_main);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_int_equal(dbq(f, g, one, top, case_main, "pv-0008-bakker", "privacyfunctionaris", 0),
			 1);
	/* the ledger names who read, not whom it was about */
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger WHERE type = 'case.informed.read'"
			     " AND entry LIKE '%%%s%%'", BSN_A), 0);
}

/* Who recorded that the household was told is named in the ledger, as who
 * read it is: access is personal (r16, G-P 3.6). */
static void test_r16_case_informed_names_who(void **state)
{
	struct fed *f = *state;
	const char *g = node_db("gemeente-heerlen");
	char today[DATE_LEN + 1], args[256], *text = NULL;
	date_today_plus(0, today);
	long top = dbq(f, g, "SELECT COALESCE(MAX(idx), 0) FROM ledger");
	static const char named[] = "SELECT COUNT(*) FROM ledger WHERE idx > %ld AND type = '%s'"
				    " AND msg_id = '%s' AND json_extract(entry, '$.by') = '%s' AND"
				    " json_extract(entry, '$.by_role') = '%s'";
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_person_informed(c, case_main, BSN_A, "before", today, "phone",
						 NULL, &ACTOR), 0);
	assert_int_equal(dbq(f, g, named, top, "case.informed", case_main, ACTOR.id, ACTOR.role),
			 1);
	assert_int_equal(wn_case_informed_show(c, case_main, BSN_A, &ACTOR, &text), 0);
	free(text);
	wn_client_close(c);
	assert_int_equal(dbq(f, g, named, top, "case.informed.read", case_main, ACTOR.id,
			     ACTOR.role), 1);
	/* through the CLI, the professional named: recorder and reader alike */
	snprintf(args, sizeof(args), "case informed --case %s --bsn %s --moment before --on %s"
		 " --how post --actor pv-0008-bakker --role privacyfunctionaris", case_main, BSN_A,
		 today);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_int_equal(dbq(f, g, named, top, "case.informed", case_main, "pv-0008-bakker",
			     "privacyfunctionaris"), 1);
	snprintf(args, sizeof(args), "case informed --case %s --show --actor pv-0008-bakker --role"
		 " privacyfunctionaris", case_main);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_int_equal(dbq(f, g, named, top, "case.informed.read", case_main, "pv-0008-bakker",
			     "privacyfunctionaris"), 1);
	/* every entry names its professional, and none the person */
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger WHERE idx > %ld AND type IN"
			     " ('case.informed', 'case.informed.read') AND json_extract(entry,"
			     " '$.by') IS NULL", top), 0);
	assert_int_equal(dbq(f, g, "SELECT COUNT(*) FROM ledger WHERE idx > %ld AND type IN"
			     " ('case.informed', 'case.informed.read') AND entry LIKE '%%%s%%'",
			     top, BSN_A), 0);
}

/* ---- r14, r16: logged before anything leaves -------------------------- */

static void test_r14_lawful_ground_log_r16_actor_request(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting", "zrm.financien" };
	wn_request_params p = params("radar", BSN_A, cats, 2, "consent");
	p.actor.id = "u-5150-bakker";
	p.actor.role = "regisseur";
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->count, 2);
	const char *rid = r->request_id;
	char version[65];
	long bindex = dbq(f, "data/broker.db", "SELECT idx FROM audit_log WHERE msg_id='%s' AND "
			  "type='request'", rid);
	assert_true(bindex > 0);
	assert_int_equal(dbq_text(f, "data/broker.db", version, sizeof(version),
				  "SELECT version FROM consents WHERE id='%s'", consent_main), 0);
	/* the source: who, as whom, on which ground, what, bound to the broker's entry */
	assert_int_equal(disclosures(f, node_db("radar"),
				     "request_id='%s' AND type='request' AND requester="
				     "'gemeente-heerlen' AND actor_id='u-5150-bakker' AND actor_role="
				     "'regisseur' AND purpose='plan_van_aanpak' AND case_id='%s' AND "
				     "ground='consent' AND consent_id='%s' AND consent_version='%s' AND "
				     "ground_detail_hash='%s' AND cluster='multiprobleem' AND "
				     "categories='[\"leefgebied.huisvesting\",\"zrm.financien\"]' AND "
				     "length(subject_index)=32 AND broker_index=%ld",
				     rid, case_main, consent_main, version, version, bindex), 1);
	/* the requester: what it asked and what came back */
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"),
			     "SELECT COUNT(*) FROM sent_log WHERE request_id='%s' AND type='request'"
			     " AND actor_id='u-5150-bakker' AND case_id='%s' AND ground='consent' AND"
			     " consent_id='%s' AND categories LIKE '%%zrm.financien%%' AND received"
			     " LIKE '%%leefgebied.huisvesting%%' AND completed_at IS NOT NULL",
			     rid, case_main, consent_main), 1);
	/* the broker: metadata with the actor, never the person or the answer */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s'"
			     " AND entry LIKE '%%u-5150-bakker%%' AND entry LIKE '%%regisseur%%' AND"
			     " entry NOT LIKE '%%" BSN_A "%%' AND entry NOT LIKE '%%" MARK "%%'", rid),
			 1);
	wn_request_result_free(r);
}

static void test_r14_no_entry_no_answer_request(void **state)
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
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	print_message("radar without its disclosure log: %s (%s)\n", r->outcome,
		      r->reason ? r->reason : "-");
	assert_true(strcmp(r->outcome, "error") == 0 || strcmp(r->outcome, "unavailable") == 0);
	assert_int_equal(r->count, 0);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", r->request_id), 0);
	wn_request_result_free(r);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER wn_test_block", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
}

/* A source that cannot write its disclosure log discloses nothing and says
 * why: the requester reads the source's own signed reason, not a bare
 * "database" that could be its own. */
static void test_r14_source_that_cannot_log_says_why(void **state)
{
	struct fed *f = *state;
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, node_db("radar"), path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER wn_test_block BEFORE INSERT ON disclosures "
					  "BEGIN SELECT RAISE(ABORT, 'blocked by test'); END;",
				      NULL, NULL, NULL), SQLITE_OK);
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	print_message("radar without its disclosure log: %s (%s: %s)\n", r->outcome,
		      r->reason ? r->reason : "-", r->detail ? r->detail : "-");
	assert_string_equal(r->outcome, "error");
	assert_int_equal(r->count, 0);
	assert_non_null(r->detail);
	assert_non_null(strstr(r->detail, "disclosure log"));
	wn_request_result_free(r);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER wn_test_block", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Runs sql on a node's database beside the running node. */
static void node_exec(struct fed *f, const char *node, const char *sql)
{
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, node_db(node), path, sizeof(path));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

/* radar's answer to a lookup about bsn on a public task. */
static void expect_radar_lookup(struct fed *f, const char *bsn, const char *outcome)
{
	static const char *const named[] = { "radar" };
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = bsn;
	p.purpose = "signalering";
	p.ground = "public_task";
	p.motivation_json = FED_MOTIVATION;
	p.partners = named;
	p.npartners = 1;
	p.actor = ACTOR;
	wn_client *c = client_of(f, GEMEENTE);
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	if (rc != 0)
		print_error("wn_lookup: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	assert_int_equal(rc, 0);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->answers[0].outcome, outcome);
	wn_lookup_result_free(r);
}

/* A record past its retention date is kept no longer than needed (Heerlen
 * 11.3): from the day after that date it is neither disclosed nor makes its
 * person "known", also while the next purge has not yet removed it. */
static void test_r02_known_r04_record_past_retention_not_disclosed(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	expect_radar_lookup(f, BSN_A, "known");
	/* every record radar holds lapses yesterday; its purge runs hourly */
	char yesterday[DATE_LEN + 1], sql[512];
	date_today_plus(-1, yesterday);
	node_exec(f, "radar", "CREATE TABLE wn_test_kept AS SELECT id, retention_until FROM records");
	snprintf(sql, sizeof(sql), "UPDATE records SET retention_until = '%s'", yesterday);
	node_exec(f, "radar", sql);
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "not_known", NULL);
	assert_int_equal(r->count, 0);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND outcome='not_known'"
				     " AND categories='[]'", r->request_id), 1);
	wn_request_result_free(r);
	expect_radar_lookup(f, BSN_A, "not_known");
	/* in force again: disclosed again */
	node_exec(f, "radar", "UPDATE records SET retention_until = (SELECT k.retention_until FROM"
		  " wn_test_kept k WHERE k.id = records.id); DROP TABLE wn_test_kept");
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->count, 1);
	wn_request_result_free(r);
	expect_radar_lookup(f, BSN_A, "known");
}

/* ---- r04, r18: what a misbehaving source answers ---------------------- */

/* What the stand-in for radar answers, by turn. */
enum rogue_turn { ROGUE_REFUSED_WITH_RECORDS, ROGUE_UNASKED_CATEGORY, ROGUE_RIGHTS_FAR_DEADLINE,
		  ROGUE_RIGHTS_BARE_REFUSAL };

static json_t *rogue_record(const char *category)
{
	return json_pack("{s:s,s:{s:s},s:s,s:i}", "category", category, "content", "text",
			 MARK "-rogue", "professional", "rogue-1", "updated_at", 1);
}

static json_t *rogue_body(enum rogue_turn turn)
{
	switch (turn) {
	case ROGUE_REFUSED_WITH_RECORDS:
		return json_pack("{s:s,s:s,s:s,s:[o]}", "outcome", "refused", "reason",
				 "consent_required", "detail", "geen toestemming", "records",
				 rogue_record("leefgebied.huisvesting"));
	case ROGUE_UNASKED_CATEGORY:
		return json_pack("{s:s,s:[o,o]}", "outcome", "disclosed", "records",
				 rogue_record("leefgebied.huisvesting"),
				 rogue_record("leefgebied.psychisch"));
	case ROGUE_RIGHTS_FAR_DEADLINE:
		return json_pack("{s:s,s:s}", "status", "registered", "deadline", "2099-01-01");
	case ROGUE_RIGHTS_BARE_REFUSAL:
		return json_pack("{s:s}", "status", "refused");
	}
	return NULL;
}

/* A request or a rights request answered by turn; nothing else. */
static json_t *rogue_answer(struct rogue *r, const json_t *q, void *arg)
{
	const char *type = envelope_str(q, "type");
	if (strcmp(type, "request") != 0 && strcmp(type, "rights.request") != 0)
		return NULL;
	json_t *body = rogue_body(*(enum rogue_turn *)arg);
	json_t *a = rogue_sign(r, q, strcmp(type, "request") == 0 ? "request.answer"
								  : "rights.answer", body, NULL);
	json_decref(body);
	return a;
}

/* A request to radar's stand-in, asked again while the broker has not yet
 * reconnected to it (unavailable), up to 15 s. */
static wn_request_result *rogue_request(struct fed *f, const wn_request_params *p)
{
	int64_t end = time_mono_ms() + 15000;
	for (;;) {
		wn_request_result *r = request_ok(f, GEMEENTE, p);
		if (strcmp(r->outcome, "unavailable") != 0 || time_mono_ms() > end)
			return r;
		wn_request_result_free(r);
		sleep_ms(200);
	}
}

/* The requester keeps only what the source logged as disclosed, and the
 * municipality records of a partner's rights answer only one it can give:
 * whatever a source's node is made to send. */
static void test_r04_requester_keeps_only_what_was_disclosed(void **state)
{
	struct fed *f = *state;
	static enum rogue_turn turn; /* read by the stand-in's thread */
	turn = ROGUE_REFUSED_WITH_RECORDS;
	struct rogue *rg = rogue_start(f, RADAR, "radar", rogue_answer, &turn);
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_params p = params("radar", BSN_A, cats, 1, "vital_interest");
	long events = fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COALESCE(SUM(count), 0)"
				   " FROM security_events WHERE peer='radar'");
	/* records with a refusal: dropped, and a security event */
	wn_request_result *r = rogue_request(f, &p);
	expect_outcome(r, "refused", "consent_required");
	assert_int_equal(r->count, 0);
	wn_request_result_free(r);
	assert_true(dbq(f, node_db("gemeente-heerlen"), "SELECT COALESCE(SUM(count), 0) FROM"
			" security_events WHERE peer='radar' AND detail LIKE '%%no disclosure%%'") >= 1);
	/* a category that was not asked for: dropped, the one asked kept (r04) */
	turn = ROGUE_UNASKED_CATEGORY;
	r = rogue_request(f, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->records[0].category, "leefgebied.huisvesting");
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM sent_log WHERE "
			     "request_id='%s' AND received='[\"leefgebied.huisvesting\"]'",
			     r->request_id), 1);
	wn_request_result_free(r);
	assert_true(fed_db_count(f, node_db("gemeente-heerlen"), "SELECT COALESCE(SUM(count), 0)"
				 " FROM security_events WHERE peer='radar'") >= events + 2);
	/* rights answers the municipality cannot pass on: not recorded as given */
	static const enum rogue_turn rights_turns[] = { ROGUE_RIGHTS_FAR_DEADLINE,
							ROGUE_RIGHTS_BARE_REFUSAL };
	static const char *const recorded[] = { "invalid", "not_checked" };
	const char *const only_radar[] = { "radar" };
	for (size_t k = 0; k < 2; k++) {
		turn = rights_turns[k];
		wn_rights_params rp;
		memset(&rp, 0, sizeof(rp));
		rp.bsn = BSN_A;
		rp.kind = "correction";
		rp.text = "De woonsituatie klopt niet";
		rp.partners = only_radar;
		rp.npartners = 1;
		rp.actor = ACTOR;
		wn_client *c = client_of(f, GEMEENTE);
		wn_rights_result *rr = NULL;
		assert_int_equal(wn_rights_request(c, &rp, &rr), 0);
		wn_client_close(c);
		const char *radar = "missing";
		for (size_t i = 0; i < rr->count; i++)
			if (strcmp(rr->answers[i].partner, "radar") == 0)
				radar = rr->answers[i].status;
		assert_string_equal(radar, recorded[k]);
		assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM"
				     " client_rights_partners WHERE request_id='%s' AND partner='radar'"
				     " AND status='%s' AND deadline IS NULL", rr->request_id,
				     recorded[k]), 1);
		wn_rights_result_free(rr);
	}
	rogue_stop(rg);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_wait_up(f, RADAR, NNODES, 15000), 0);
}

/* ---- r20, r21: forged, replayed, cut off ------------------------------- */

/* The signed consent object gemeente-heerlen keeps for consent_main. */
static json_t *stored_consent(struct fed *f)
{
	struct node_keys k;
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	memset(&k, 0, sizeof(k));
	node_key(f, "gemeente-heerlen", "store_key", k.store_key);
	fed_file(f, "data/gemeente-heerlen.db", path, sizeof(path));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT object_enc FROM consents WHERE id = ?", -1,
					    &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, consent_main, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	size_t len = (size_t)sqlite3_column_bytes(st, 0);
	uint8_t *plain = calloc(1, len);
	assert_non_null(plain);
	assert_int_equal(keys_open(&k, "wijknet-consent-at-rest-v1", sqlite3_column_blob(st, 0), len,
				   plain), 0);
	o = json_loadb((const char *)plain, len - KEYS_SEAL_OVERHEAD, 0, NULL);
	assert_non_null(o);
	free(plain);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return o;
}

static void test_r20_integrity_r21_breach_forged_consent(void **state)
{
	struct fed *f = *state;
	json_t *object = stored_consent(f);
	char version[65], err[256], *sig = NULL;
	pki_identity *radar = NULL;
	char pem[512];
	assert_int_equal(consentdoc_version(object, version), 0);
	/* the same document, signed with another partner's key */
	fed_file(f, "ca/radar.pem", pem, sizeof(pem));
	assert_int_equal(pki_identity_load(pem, &radar, err, sizeof(err)), 0);
	static const char *const drop[] = { "sig", NULL };
	assert_int_equal(envelope_sign_object(object, "wijknet-consent-v1\n", drop, radar->key, &sig),
			 0);
	json_object_set_new(object, "sig", json_string(sig));
	free(sig);
	pki_identity_free(radar);
	json_t *env = raw_request("consent");
	json_object_set_new(env, "consent", json_pack("{s:s,s:s}", "id", consent_main, "version",
						      version));
	json_t *body = json_pack("{s:s,s:[s],s:o}", "bsn", BSN_A, "categories",
				 "leefgebied.huisvesting", "consent", object);
	long events = fed_db_count(f, node_db("radar"),
				   "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='signature'");
	json_t *opened = raw_exchange(f, env, body, NULL);
	assert_string_equal(json_string_value(json_object_get(opened, "outcome")), "refused");
	assert_string_equal(json_string_value(json_object_get(opened, "reason")), "consent_invalid");
	assert_int_equal(json_array_size(json_object_get(opened, "records")), 0);
	assert_int_equal(fed_db_count(f, node_db("radar"),
				      "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE kind='signature'"),
			 events + 1);
	json_decref(opened);
	json_decref(body);
	json_decref(env);
}

static void test_r20_integrity_replayed_request_refused(void **state)
{
	struct fed *f = *state;
	struct raw_peer peer;
	char url[128], *buf = NULL;
	size_t len = 0;
	json_t *reply = NULL;
	json_t *env = raw_request("vital_interest");
	json_error_t jerr;
	json_t *body = json_pack("{s:s,s:[s],s:o}", "bsn", BSN_A, "categories",
				 "leefgebied.huisvesting", "motivation",
				 json_loads(MOTIVATION, 0, &jerr));
	raw_seal_to(f, env, "radar", body);
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &peer, "ca/gemeente-heerlen.pem", NULL, url, "broker"), 0);
	assert_int_equal(envelope_sign(env, peer.ident->key), 0);
	assert_int_equal(envelope_encode(env, &buf, &len), 0);
	assert_int_equal(raw_call(&peer, buf, len, 8000, &reply), 0);
	assert_string_equal(envelope_str(reply, "type"), "request.result");
	json_decref(reply);
	assert_int_equal(raw_call(&peer, buf, len, 8000, &reply), 0);
	assert_string_equal(reply_error(reply), "replay");
	json_decref(reply);
	/* one disclosure for one request */
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", envelope_str(env, "id")),
			 1);
	raw_close(&peer);
	free(buf);
	json_decref(body);
	json_decref(env);
}

struct async_request {
	struct fed *f;
	wn_request_params p;
	int rc;
	char errmsg[512];
};

static void *request_thread(void *arg)
{
	struct async_request *a = arg;
	char url[512];
	wn_client *c = NULL;
	wn_request_result *r = NULL;
	fed_socket(a->f, GEMEENTE, url, sizeof(url));
	a->rc = wn_client_open(&c, url);
	if (a->rc == 0) {
		wn_client_set_timeout(c, 30000);
		a->rc = wn_request(c, &a->p, &r);
		snprintf(a->errmsg, sizeof(a->errmsg), "%s", wn_client_errmsg(c));
		wn_request_result_free(r);
		wn_client_close(c);
	}
	return NULL;
}

/* A caller that gave up (its own short deadline) while the node waited on:
 * a retry under the same id gets that answer, marked repeated, and the
 * source disclosed once; the reading is a ledger entry; the id used for
 * another request is refused (r14). */
static void test_r14_request_retried_with_its_id_returns_its_result(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	const char *rid = "5eed0000000000000000000000000043";
	wn_request_params p = params("radar", BSN_A, cats, 1, "consent");
	p.request_id = rid;
	p.deadline_ms = 20000;
	/* the source stopped: the caller's deadline passes, the node's does not */
	kill(f->nodes[RADAR], SIGSTOP);
	wn_client *c = client_of(f, GEMEENTE);
	wn_request_result *r = NULL;
	assert_int_equal(wn_client_set_timeout(c, 300), 0);
	int rc = wn_request(c, &p, &r);
	wn_client_close(c);
	if (rc != WN_ETIMEOUT)
		kill(f->nodes[RADAR], SIGCONT);
	assert_int_equal(rc, WN_ETIMEOUT);
	/* asked again while the first still waits: said so, nothing sent */
	request_fails(f, GEMEENTE, &p, WN_ESTATE, "still waiting");
	kill(f->nodes[RADAR], SIGCONT);
	assert_int_equal(dbq_wait(f, node_db("gemeente-heerlen"), 1, 30000, "SELECT COUNT(*) FROM "
				  "sent_log WHERE request_id='%s' AND completed_at IS NOT NULL", rid), 1);
	/* the retry gets what came: the same records, the source asked once */
	r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->repeated, 1);
	assert_string_equal(r->request_id, rid);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->records[0].category, "leefgebied.huisvesting");
	assert_non_null(strstr(r->records[0].content_json, MARK "-huis"));
	wn_request_result_free(r);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", rid), 1);
	assert_int_equal(dbq(f, node_db("gemeente-heerlen"), "SELECT COUNT(*) FROM ledger WHERE "
			     "type='request.answer.read' AND msg_id='%s' AND json_extract(entry, "
			     "'$.by')='wk-0042' AND json_extract(entry, '$.categories[0]')="
			     "'leefgebied.huisvesting' AND length(json_extract(entry, "
			     "'$.subject_index'))=64", rid), 1);
	/* the CLI says it is the answer given before */
	char args[512];
	snprintf(args, sizeof(args), "request --case %s --to radar --bsn %s --categories "
		 "leefgebied.huisvesting --purpose plan_van_aanpak --ground consent --consent %s "
		 "--request-id %s --actor wk-0042 --role wijkcoach", case_main, BSN_A, consent_main,
		 rid);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_true(cli_out_has(f, "as answered before"));
	assert_true(cli_out_has(f, MARK "-huis"));
	/* the id used for another request: other categories, another professional */
	const char *const other[] = { "zrm.financien" };
	wn_request_params q = p;
	q.categories = other;
	request_fails(f, GEMEENTE, &q, WN_EREPLAY, "used for another request");
	q = p;
	q.actor.id = "wk-0099";
	request_fails(f, GEMEENTE, &q, WN_EREPLAY, "used for another request");
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", rid), 1);
	/* a request made now is not marked repeated */
	p.request_id = NULL;
	r = request_ok(f, GEMEENTE, &p);
	assert_int_equal(r->repeated, 0);
	wn_request_result_free(r);
	/* the categories are a set: a retry naming them in another order is the
	 * same request, answered as before */
	const char *const two[] = { "leefgebied.huisvesting", "zrm.financien" };
	const char *const owt[] = { "zrm.financien", "leefgebied.huisvesting" };
	const char *both = "5eed0000000000000000000000000045";
	q = p;
	q.request_id = both;
	q.categories = two;
	q.ncategories = 2;
	r = request_ok(f, GEMEENTE, &q);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->repeated, 0);
	wn_request_result_free(r);
	q.categories = owt;
	r = request_ok(f, GEMEENTE, &q);
	expect_outcome(r, "disclosed", NULL);
	assert_int_equal(r->repeated, 1);
	assert_int_equal(r->count, 2);
	wn_request_result_free(r);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", both), 1);
	/* the source did not answer within the deadline: it may still answer
	 * late, so a retry under that id is not the answer "unavailable" again */
	const char *late = "5eed0000000000000000000000000044";
	p.request_id = late;
	p.deadline_ms = 500;
	kill(f->nodes[RADAR], SIGSTOP);
	c = client_of(f, GEMEENTE);
	rc = wn_request(c, &p, &r);
	wn_client_close(c);
	kill(f->nodes[RADAR], SIGCONT);
	assert_int_equal(rc, 0);
	expect_outcome(r, "unavailable", "unavailable");
	wn_request_result_free(r);
	request_fails(f, GEMEENTE, &p, WN_EREPLAY, "got no answer");
	assert_true(disclosures(f, node_db("radar"), "request_id='%s'", late) <= 1);
}

/* The broker dies after it forwarded: the requester gets a clear error, and
 * the request id is never sent twice, so the source discloses at most once. */
static void test_r14_broker_killed_after_forward_no_duplicate(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	const char *rid = "5eed0000000000000000000000000042";
	struct async_request a;
	memset(&a, 0, sizeof(a));
	a.f = f;
	a.p = params("radar", BSN_A, cats, 1, "consent");
	a.p.request_id = rid;
	a.p.deadline_ms = 1500;
	kill(f->nodes[RADAR], SIGSTOP);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, request_thread, &a), 0);
	/* wait until the broker logged and forwarded it */
	for (int i = 0; i < 200 && dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE "
					"msg_id='%s' AND type='request'", rid) != 1; i++)
		sleep_ms(25);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s'"
			     " AND type='request'", rid), 1);
	fed_stop(&f->broker, SIGKILL);
	kill(f->nodes[RADAR], SIGCONT);
	pthread_join(t, NULL);
	print_message("requester after the broker died: %s: %s\n", wn_errname(a.rc), a.errmsg);
	assert_int_not_equal(a.rc, 0);
	assert_true(a.rc == WN_ETIMEOUT || a.rc == WN_EUNAVAILABLE || a.rc == WN_ETRANSPORT);
	assert_non_null(strstr(a.errmsg, "broker"));
	/* radar answered into the void once it ran again: one entry at most */
	for (int64_t end = time_mono_ms() + 3000;
	     disclosures(f, node_db("radar"), "request_id='%s'", rid) < 1 && time_mono_ms() < end;)
		sleep_ms(25);
	long once = disclosures(f, node_db("radar"), "request_id='%s'", rid);
	assert_true(once <= 1);
	/* the broker comes back; a retry with the same id is refused, not resent */
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 15000), 0);
	wn_request_params p = a.p;
	p.deadline_ms = 0;
	request_fails(f, GEMEENTE, &p, WN_EREPLAY, rid);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s'", rid), once);
	/* a new request is a new id, and works */
	p.request_id = NULL;
	wn_request_result *r = request_ok(f, GEMEENTE, &p);
	expect_outcome(r, "disclosed", NULL);
	wn_request_result_free(r);
}

/* ---- r06: a partner that answers lookups only on consent --------------- */

static void test_r06_partner_profile_known_on_consent(void **state)
{
	struct fed *f = *state;
	const char *const named[] = { "mondriaan", "radar" };
	wn_lookup_params p;
	memset(&p, 0, sizeof(p));
	p.bsn = BSN_A;
	p.purpose = "intake";
	p.ground = FED_LOOKUP_GROUND;
	p.motivation_json = FED_MOTIVATION;
	p.partners = named;
	p.npartners = 2;
	p.actor = ACTOR;
	wn_client *c = client_of(f, GEMEENTE);
	wn_lookup_result *r = NULL;
	assert_int_equal(wn_lookup(c, &p, &r), 0);
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->answers[i].partner, "mondriaan") == 0) {
			assert_string_equal(r->answers[i].outcome, "refused");
			assert_string_equal(r->answers[i].reason, "consent_required");
		}
	wn_lookup_result_free(r);
	/* with the consent that names mondriaan */
	p.ground = "consent";
	p.motivation_json = NULL;
	p.consent_id = consent_main;
	assert_int_equal(wn_lookup(c, &p, &r), 0);
	for (size_t i = 0; i < r->count; i++)
		assert_string_equal(r->answers[i].outcome, "known");
	assert_int_equal(disclosures(f, node_db("mondriaan"), "request_id='%s' AND outcome='known'"
				     " AND consent_id='%s'", r->request_id, consent_main), 1);
	/* the lookup itself names no consent: lookups of one person stay unlinkable */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE msg_id='%s'"
			     " AND type='lookup' AND entry NOT LIKE '%%%s%%'", r->request_id,
			     consent_main), 1);
	wn_lookup_result_free(r);
	/* a consent that does not name mondriaan does not open it */
	char other[WN_ID_LEN + 1];
	assert_int_equal(consent_file(f, "consent-radar.json", BSN_A, "1980-04-01",
				      "\"gemeente-heerlen\"", "\"radar\"", "\"zrm.financien\"", "",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-radar.json", other), 0);
	p.consent_id = other;
	long mondriaan_before = disclosures(f, node_db("mondriaan"), "1");
	assert_int_equal(wn_lookup(c, &p, &r), 0);
	for (size_t i = 0; i < r->count; i++) {
		if (strcmp(r->answers[i].partner, "mondriaan") != 0)
			continue;
		/* not even asked: the person's consent does not name it */
		assert_string_equal(r->answers[i].outcome, "not_asked");
		assert_string_equal(r->answers[i].reason, "consent_not_covering");
	}
	assert_int_equal(disclosures(f, node_db("mondriaan"), "1"), mondriaan_before);
	wn_lookup_result_free(r);
	wn_client_close(c);
}

/* ---- r08: a third party ----------------------------------------------- */

/* A proposal to give weller radar's cats of BSN_A in case_main, on an interest. */
static wn_thirdparty_proposal tp_proposal(const char *const *cats, size_t n)
{
	wn_thirdparty_proposal p;
	memset(&p, 0, sizeof(p));
	p.case_id = case_main;
	p.bsn = BSN_A;
	p.party = "weller";
	p.source = "radar";
	p.categories = cats;
	p.ncategories = n;
	p.purpose = "plan_van_aanpak";
	p.ground = "legitimate_interest";
	p.motivation_json = MOTIVATION;
	p.actor = ACTOR;
	return p;
}

static int tp_propose(struct fed *f, const char *const *cats, size_t n, char id[WN_ID_LEN + 1])
{
	wn_thirdparty_proposal p = tp_proposal(cats, n);
	wn_client *c = client_of(f, GEMEENTE);
	int rc = wn_thirdparty_propose(c, &p, id);
	if (rc != 0)
		print_message("propose: %s: %s\n", wn_errname(rc), wn_client_errmsg(c));
	wn_client_close(c);
	return rc;
}

static int tp_decide(struct fed *f, size_t node, const char *id, int approve)
{
	wn_client *c = client_of(f, node);
	int rc = wn_thirdparty_decide(c, id, approve, &ACTOR);
	wn_client_close(c);
	return rc;
}

static int tp_declare(struct fed *f, const char *id)
{
	wn_client *c = client_of(f, WELLER);
	int rc = wn_thirdparty_declare(c, id, "A. de Vries", "Weller Wonen", "Heerlen",
				       "2026-11-20", &ACTOR);
	wn_client_close(c);
	return rc;
}

static wn_request_params tp_params(const char *id, const char *const *cats, size_t n)
{
	wn_request_params p = params("radar", BSN_A, cats, n, "legitimate_interest");
	p.approval = id;
	p.motivation_json = NULL;
	return p;
}

/* The letter about a third-party disclosure on an interest names the
 * interest at stake, which only the proposer's motivation holds: sealed by
 * it to the source with the proposal, never readable at the broker. */
static void tp_letter_names_interest(struct fed *f, const char *id, const char *nid)
{
	wn_client *g = client_of(f, GEMEENTE);
	char *text = NULL, *html = NULL;
	assert_int_equal(wn_notice_show(g, nid, &ACTOR, &text), 0);
	assert_non_null(strstr(text, "serious_harm"));
	assert_int_equal(wn_notice_html(text, &html), 0);
	if (strstr(html, "Welk belang") == NULL || strstr(html, "de vrees voor ernstig nadeel") == NULL)
		fail_msg("the letter lacks the interest at stake: %s", html);
	/* signed by the municipality that sends it, on a date */
	assert_non_null(strstr(html, "wethouders<br>Gemeente Heerlen"));
	assert_non_null(strstr(html, "<p>Datum: "));
	free(text);
	free(html);
	wn_client_close(g);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM third_party_decisions "
			     "WHERE id='%s' AND json_extract(notice_facts, '$.interest') = "
			     "'serious_harm' AND motivation IS NULL", id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s' "
			     "AND json_extract(proposal, '$.body.notice') IS NOT NULL AND (proposal "
			     "LIKE '%%serious_harm%%' OR proposal LIKE '%%subsidiarity%%')", id), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s' "
			     "AND json_extract(proposal, '$.body.notice') IS NOT NULL", id), 1);
}

static void test_r08_third_party_approved_by_all_once(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	char id[WN_ID_LEN + 1];
	assert_int_equal(tp_propose(f, cats, 1, id), 0);
	wn_request_params p = tp_params(id, cats, 1);
	/* not before the declaration is signed */
	request_fails(f, WELLER, &p, WN_EDENIED, "declaration");
	/* a declaration names who signs, and the day it was signed: not a future one */
	wn_client *w = client_of(f, WELLER);
	assert_int_equal(wn_thirdparty_declare(w, id, "  ", "Weller Wonen", "Heerlen", "2026-11-20",
					       &ACTOR), WN_EINVAL);
	assert_int_equal(wn_thirdparty_declare(w, id, "A. de Vries", "Weller Wonen", "Heerlen",
					       "2099-01-01", &ACTOR), WN_EINVAL);
	wn_client_close(w);
	/* the broker checks it too, and the accession text (Bijlage 4) is not this one */
	char hash6[65], hash4[65];
	assert_int_equal(declaration_hash(DECLARATION_VERSION, hash6), 0);
	assert_int_equal(declaration_hash(DECLARATION_JOIN_VERSION, hash4), 0);
	const char *const raw[][4] = { { "", "2026-11-20", DECLARATION_VERSION, hash6 },
				       { "A. de Vries", "2026-11-20", DECLARATION_JOIN_VERSION, hash4 } };
	for (size_t k = 0; k < 2; k++) {
		json_t *env = NULL;
		assert_int_equal(envelope_new1(&env, "thirdparty.declare", "weller", "broker"), 0);
		json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", ACTOR.id, "role",
							    ACTOR.role));
		json_object_set_new(env, "body", json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s}}",
							   "approval", id, "declaration", "name",
							   raw[k][0], "organisation", "Weller Wonen",
							   "place", "Heerlen", "signed_on", raw[k][1],
							   "text_version", raw[k][2], "text_hash",
							   raw[k][3]));
		json_t *reply = raw_as(f, "weller", env);
		const char *msg = json_string_value(json_object_get(envelope_body(reply), "message"));
		assert_string_equal(reply_error(reply), "invalid_argument");
		assert_non_null(msg);
		assert_non_null(strstr(msg, k == 0 ? "names nobody" : "published text"));
		json_decref(reply);
		json_decref(env);
	}
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s' "
			     "AND declaration IS NOT NULL", id), 0);
	assert_int_equal(tp_declare(f, id), 0);
	/* nor before every partner of the case approved (radar and sevagram have not) */
	request_fails(f, WELLER, &p, WN_EDENIED, "approved");
	assert_int_equal(tp_decide(f, RADAR, id, 1), 0);
	request_fails(f, WELLER, &p, WN_EDENIED, "approved");
	/* only the third party signs its declaration; only case partners decide */
	wn_client *c = client_of(f, ALCANDER);
	assert_int_equal(wn_thirdparty_decide(c, id, 1, &ACTOR), WN_ENOTMEMBER);
	assert_int_equal(wn_thirdparty_declare(c, id, "A. Alcander", "Alcander", "Heerlen",
					       "2026-11-20", &ACTOR),
			 WN_EDENIED);
	wn_client_close(c);
	assert_int_equal(tp_decide(f, SEVAGRAM, id, 1), 0);
	/* a third party asks only for what was approved */
	const char *const more[] = { "leefgebied.huisvesting", "zrm.financien" };
	wn_request_params wide = tp_params(id, more, 2);
	wn_request_result *r = request_ok(f, WELLER, &wide);
	expect_outcome(r, "refused", "approval_invalid");
	wn_request_result_free(r);
	/* refused for its form, before any record was read: the source says,
	 * signed, that the approval was not used, and the broker gives it back */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'request.delivery' AND json_extract(entry, '$.approval') = 'unused'"),
			 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s' "
			     "AND status='approved'", id), 1);
	/* the third party's request rests on the approval: a motivation of its
	 * own, which could put other words in the client's letter, is refused */
	wn_request_params own = tp_params(id, cats, 1);
	own.motivation_json = "{\"interest\":\"serious_nuisance\",\"legal_reference\":\"Wet X\"}";
	request_fails(f, WELLER, &own, WN_EINVAL, "carries no motivation");
	/* used properly */
	r = request_ok(f, WELLER, &p);
	expect_outcome(r, "disclosed", NULL);
	assert_non_null(strstr(r->records[0].content_json, MARK "-huis"));
	/* the client is told; the disclosure names the approval */
	char nid[WN_ID_LEN + 1];
	notice_reached_municipality(f, r->request_id, "third_party", "weller", nid);
	assert_int_equal(disclosures(f, node_db("radar"), "request_id='%s' AND approval='%s' AND "
				     "requester='weller'", r->request_id, id), 1);
	wn_request_result_free(r);
	tp_letter_names_interest(f, id, nid);
	/* once */
	request_fails(f, WELLER, &p, WN_EDENIED, "used");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s' "
			     "AND status='used' AND declaration LIKE '%%Weller Wonen%%'", id), 1);
}

/* A source that answers even lookups only on consent (mental-health care)
 * approves a third party only on the client's consent naming health data,
 * a legal obligation or its own conflict of duties: not on an interest. */
static void test_r08_third_party_consent_required_source(void **state)
{
	struct fed *f = *state;
	static const char *const members[] = { "mondriaan" };
	/* special categories never go to a third party; this one does, with approval */
	const char *const cats[] = { "leefgebied.huisvesting" };
	char case_mh[WN_ID_LEN + 1], id[WN_ID_LEN + 1], cid[WN_ID_LEN + 1];
	assert_int_equal(open_case(f, "multiprobleem", members, 1, case_mh), 0);
	wn_thirdparty_proposal p = tp_proposal(cats, 1);
	p.case_id = case_mh;
	p.source = "mondriaan";
	wn_client *g = client_of(f, GEMEENTE), *m = client_of(f, MONDRIAAN);
	assert_int_equal(wn_thirdparty_propose(g, &p, id), 0);
	assert_int_equal(tp_declare(f, id), 0);
	assert_int_equal(wn_thirdparty_decide(m, id, 1, &ACTOR), WN_ECONSENT);
	assert_non_null(strstr(wn_client_errmsg(m), "consent_required"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party_votes WHERE"
			     " id='%s' AND partner='mondriaan'", id), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM third_party WHERE id='%s'"
			     " AND status='proposed'", id), 1);
	/* it may still say no */
	assert_int_equal(wn_thirdparty_decide(m, id, 0, &ACTOR), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM third_party"
				  " WHERE id='%s' AND status='rejected'", id), 1);
	/* the client's consent naming mental-health data and the third party opens it */
	assert_int_equal(consent_file(f, "consent-weller.json", BSN_A, "1980-04-01", "\"weller\"",
				      "\"mondriaan\"", "\"leefgebied.huisvesting\"",
				      "\"mental_health\"",
				      "{\"name\": \"Test\", \"role\": \"subject\"}"), 0);
	assert_int_equal(register_consent(f, GEMEENTE, "consent-weller.json", cid), 0);
	p.ground = "consent";
	p.consent_id = cid;
	p.motivation_json = NULL;
	assert_int_equal(wn_thirdparty_propose(g, &p, id), 0);
	assert_int_equal(tp_declare(f, id), 0);
	assert_int_equal(wn_thirdparty_decide(m, id, 1, &ACTOR), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 15000, "SELECT COUNT(*) FROM third_party"
				  " WHERE id='%s' AND status='approved'", id), 1);
	wn_client_close(m);
	wn_client_close(g);
}

/* A source that answers too late may still have disclosed: the approval is
 * used once it was sent, and the source itself allows one disclosure. */
static void test_r08_third_party_late_answer_not_reused(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	char id[WN_ID_LEN + 1];
	assert_int_equal(tp_propose(f, cats, 1, id), 0);
	assert_int_equal(tp_declare(f, id), 0);
	assert_int_equal(tp_decide(f, RADAR, id, 1), 0);
	assert_int_equal(tp_decide(f, SEVAGRAM, id, 1), 0);
	wn_request_params p = tp_params(id, cats, 1);
	p.deadline_ms = 1; /* the broker gives at least a few hundred ms */
	kill(f->nodes[RADAR], SIGSTOP);
	wn_request_result *r = request_ok(f, WELLER, &p);
	kill(f->nodes[RADAR], SIGCONT);
	expect_outcome(r, "unavailable", NULL);
	wn_request_result_free(r);
	/* radar, running again, answers the query it got late */
	for (int64_t end = time_mono_ms() + 3000;
	     disclosures(f, node_db("radar"), "approval='%s'", id) < 1 && time_mono_ms() < end;)
		sleep_ms(25);
	p.deadline_ms = 0;
	request_fails(f, WELLER, &p, WN_EDENIED, "used");
	assert_true(disclosures(f, node_db("radar"), "approval='%s' AND outcome='disclosed'", id) <=
		    1);
	assert_true(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM client_notifications n JOIN "
			"disclosures d ON d.request_id = n.request_id WHERE d.approval='%s'", id) <= 1);
}

/* A source that proposes itself keeps what the letter names of its own
 * motivation: a legal obligation's reference reaches the client's letter. */
static void test_r09_third_party_source_proposes_letter_names_reference(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	char id[WN_ID_LEN + 1], nid[WN_ID_LEN + 1];
	wn_thirdparty_proposal tp = tp_proposal(cats, 1);
	tp.ground = "legal_obligation";
	tp.motivation_json = "{\"legal_reference\":\"Wmo 2015 art. 5.2.6\"}";
	wn_client *c = client_of(f, RADAR);
	assert_int_equal(wn_thirdparty_propose(c, &tp, id), 0);
	wn_client_close(c);
	assert_int_equal(tp_declare(f, id), 0);
	assert_int_equal(tp_decide(f, GEMEENTE, id, 1), 0);
	assert_int_equal(tp_decide(f, SEVAGRAM, id, 1), 0);
	wn_request_params p = tp_params(id, cats, 1);
	p.ground = "legal_obligation";
	wn_request_result *r = request_ok(f, WELLER, &p);
	expect_outcome(r, "disclosed", NULL);
	notice_reached_municipality(f, r->request_id, "third_party", "weller", nid);
	assert_int_equal(dbq(f, node_db("radar"), "SELECT COUNT(*) FROM client_notifications WHERE "
			     "request_id='%s' AND legal_reference='Wmo 2015 art. 5.2.6'",
			     r->request_id), 1);
	wn_request_result_free(r);
	wn_client *g = client_of(f, GEMEENTE);
	char *text = NULL, *html = NULL;
	assert_int_equal(wn_notice_show(g, nid, &ACTOR, &text), 0);
	assert_int_equal(wn_notice_html(text, &html), 0);
	if (strstr(html, "een wettelijke plicht (Wmo 2015 art. 5.2.6)") == NULL)
		fail_msg("the letter lacks the legal reference: %s", html);
	assert_null(strstr(html, "Welk belang"));
	free(text);
	free(html);
	wn_client_close(g);
}

static void test_r08_third_party_rejected_by_one(void **state)
{
	struct fed *f = *state;
	const char *const cats[] = { "leefgebied.huisvesting" };
	char id[WN_ID_LEN + 1];
	assert_int_equal(tp_propose(f, cats, 1, id), 0);
	assert_int_equal(tp_declare(f, id), 0);
	assert_int_equal(tp_decide(f, RADAR, id, 1), 0);
	assert_int_equal(tp_decide(f, SEVAGRAM, id, 0), 0);
	wn_request_params p = tp_params(id, cats, 1);
	request_fails(f, WELLER, &p, WN_EDENIED, "rejected");
	assert_int_equal(tp_decide(f, RADAR, id, 0), WN_EDENIED);
	/* special-category data is never proposed to a third party */
	const char *const psych[] = { "leefgebied.psychisch" };
	assert_int_equal(tp_propose(f, psych, 1, id), WN_EDENIED);
	/* the third party is asked nothing and asks nothing else */
	wn_lookup_params lp;
	memset(&lp, 0, sizeof(lp));
	lp.bsn = BSN_A;
	lp.purpose = "intake";
	lp.ground = FED_LOOKUP_GROUND;
	lp.motivation_json = FED_MOTIVATION;
	lp.actor = ACTOR;
	wn_client *c = client_of(f, WELLER);
	wn_lookup_result *lr = NULL;
	assert_int_equal(wn_lookup(c, &lp, &lr), WN_EDENIED);
	wn_client_close(c);
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_lookup(c, &lp, &lr), 0);
	for (size_t i = 0; i < lr->count; i++)
		assert_string_not_equal(lr->answers[i].partner, "weller");
	wn_lookup_result_free(lr);
	wn_client_close(c);
	wn_request_params q = params("radar", BSN_A, cats, 1, "vital_interest");
	request_fails(f, WELLER, &q, WN_EDENIED, "incidental");
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r04_need_to_know_only_categories_asked),
		cmocka_unit_test(test_r05_categories_unknown_refused),
		cmocka_unit_test(test_r06_partner_profile_not_shared),
		cmocka_unit_test(test_r15_own_rules_refuse_what_broker_allowed),
		cmocka_unit_test(test_r07_recipients_case_members_only),
		cmocka_unit_test(test_r07_request_outside_case_names_membership_first),
		cmocka_unit_test(test_r26_clusters_limit_partners_and_categories),
		cmocka_unit_test(test_r10_consent_purpose_recipient_person),
		cmocka_unit_test(test_r10_consent_serves_one_case),
		cmocka_unit_test(test_r10_consent_revoked_stops_later_requests_only),
		cmocka_unit_test(test_r10_consent_revoked_while_broker_down),
		cmocka_unit_test(test_r10_consent_expired_and_refusal),
		cmocka_unit_test(test_r10_consent_refusal_after_consent_stops_sharing),
		cmocka_unit_test(test_r10_consent_refusal_at_the_source_limits_a_consent_held_elsewhere),
		cmocka_unit_test(test_r10_consent_refusal_elsewhere_reaches_the_source),
		cmocka_unit_test(test_r10_consent_refusal_passed_on_forged_refused),
		cmocka_unit_test(test_r10_consent_refusal_revoked_elsewhere_reaches_the_source),
		cmocka_unit_test(test_r10_consent_refusal_revocation_forged_refused),
		cmocka_unit_test(test_r10_consent_refusal_refused_by_source_outbox_retry),
		cmocka_unit_test(test_r10_consent_same_document_registered_once),
		cmocka_unit_test(test_r10_consent_presented_again_is_recorded),
		cmocka_unit_test(test_r10_consent_presented_again_after_a_refusal_passed_on),
		cmocka_unit_test(test_r11_consent_age_signers),
		cmocka_unit_test(test_r12_medical_needs_consent_naming_it),
		cmocka_unit_test(test_r12_medical_conflict_of_duties_asserted_by_source),
		cmocka_unit_test(test_r13_no_consent_needs_motivation),
		cmocka_unit_test(test_r09_legal_obligation_notifies_client),
		cmocka_unit_test(test_r09_notice_not_stored_is_sent_again),
		cmocka_unit_test(test_r09_notice_given_up_outbox_list_and_retry),
		cmocka_unit_test(test_r09_legal_obligation_household_informed_of_case),
		cmocka_unit_test(test_r09_legal_obligation_informed_read_in_the_ledger),
		cmocka_unit_test(test_r16_case_informed_names_who),
		cmocka_unit_test(test_r09_notice_refusal_ended_by_later_consent),
		cmocka_unit_test(test_r14_lawful_ground_log_r16_actor_request),
		cmocka_unit_test(test_r14_no_entry_no_answer_request),
		cmocka_unit_test(test_r14_source_that_cannot_log_says_why),
		cmocka_unit_test(test_r02_known_r04_record_past_retention_not_disclosed),
		cmocka_unit_test(test_r04_requester_keeps_only_what_was_disclosed),
		cmocka_unit_test(test_r20_integrity_r21_breach_forged_consent),
		cmocka_unit_test(test_r20_integrity_replayed_request_refused),
		cmocka_unit_test(test_r06_partner_profile_known_on_consent),
		cmocka_unit_test(test_r08_third_party_approved_by_all_once),
		cmocka_unit_test(test_r08_third_party_consent_required_source),
		cmocka_unit_test(test_r08_third_party_late_answer_not_reused),
		cmocka_unit_test(test_r09_third_party_source_proposes_letter_names_reference),
		cmocka_unit_test(test_r08_third_party_rejected_by_one),
		cmocka_unit_test(test_r14_request_retried_with_its_id_returns_its_result),
		cmocka_unit_test(test_r14_broker_killed_after_forward_no_duplicate),
	};
	int failed = cmocka_run_group_tests_name("requests", tests, group_setup, fed_group_teardown);
	return fed_test_end("test_request", failed, t0);
}
