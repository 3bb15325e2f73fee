/*
 * test_members.c — a federation that governs itself while it runs (r20's
 * revocation, r21, r22, r23, r24): a partner joins with its accession
 * declaration once the members approve under the federation's rule; a
 * member gives notice, takes no new cases and ends at its end date; an
 * immediate exit needs everyone; the municipality ends a membership; the
 * policy changes only by agreement and every receipt names its version; a
 * revocation reaches every node within seconds; SIGHUP reloads; the breach
 * register stays readable under a flood. No daemon is restarted.
 */
#include <setjmp.h>
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

#include "wijknet.h"
#include "declaration.h"
#include "envelope.h"
#include "fedcheck.h"
#include "harness.h"
#include "ids.h"
#include "secevent.h"

/* weller is the candidate: its node runs, the registry does not hold it */
static const char *const ids[] = { "weller", "gemeente-heerlen", "radar", "alcander", "xonar" };
#define NNODES 5
#define WELLER 0
#define GEMEENTE 1
#define RADAR 2
#define ALCANDER 3
#define XONAR 4
#define SETTLE_MS 5000 /* the issue's bound: in force everywhere within 5 s */

static const wn_actor coordinator = { "co-0007", "coordinator" };
static const char MOTIVATION[] =
	"{\"interest\":\"serious_harm\",\"subsidiarity\":\"Een gesprek met de client is "
	"niet mogelijk gebleken\",\"proportionality\":\"Alleen de huisvestingssituatie is nodig "
	"voor het plan\",\"exception\":\"client_protection\"}";
static size_t slen;
static int gone[NNODES]; /* partners whose membership ended: their nodes are cut off */

static const char JOIN_REQUEST[] =
	"{\"name\": \"Weller Wonen\", \"address\": \"tls+tcp://127.0.0.1:%d\","
	" \"clusters\": [\"volwassenen\", \"multiprobleem\"],"
	" \"organisation\": \"Weller Wonen\", \"representative\": \"mw. J. Jansen\","
	" \"function\": \"bestuurder\", \"place\": \"Heerlen\", \"date\": \"2026-12-01\"}";

/* ---- helpers ----------------------------------------------------------- */

/* The latest proposal about subject, from the broker's database. */
static void proposal_of(struct fed *f, const char *subject, char id[WN_ID_LEN + 1])
{
	assert_int_equal(dbq_text(f, "data/broker.db", id, WN_ID_LEN + 1,
				  "SELECT id FROM proposals WHERE subject = '%s' ORDER BY"
				  " proposed_at DESC LIMIT 1", subject), 0);
}

static void proposal_status(struct fed *f, const char *id, char *out, size_t cap)
{
	assert_int_equal(dbq_text(f, "data/broker.db", out, cap,
				  "SELECT status FROM proposals WHERE id = '%s'", id), 0);
}

/* Waits until every running node but skip shows id with status. */
static int wait_status_everywhere(struct fed *f, const char *id, const char *status, size_t skip)
{
	int64_t end = time_mono_ms() + SETTLE_MS;
	for (;;) {
		size_t ok = 0, want = 0;
		for (size_t i = 0; i < NNODES; i++) {
			char s[32];
			if (i == skip || f->nodes[i] <= 0 || gone[i])
				continue;
			want++;
			status_at(f, i, id, s, sizeof(s));
			ok += strcmp(s, status) == 0;
		}
		if (ok == want)
			return 0;
		if (time_mono_ms() > end) {
			print_error("%s is '%s' at %zu of %zu nodes after %d ms\n", id, status, ok, want,
				    SETTLE_MS);
			return -1;
		}
		sleep_ms(100);
	}
}

static int vote(struct fed *f, size_t i, const char *proposal, int approve)
{
	wn_client *c = client_of(f, i);
	char *out = NULL;
	int rc = wn_member_vote(c, &coordinator, proposal, approve,
				approve ? NULL : "geen wettelijke grondslag", &out);
	if (rc != 0)
		print_message("vote at %s: %s: %s\n", ids[i], wn_errname(rc), wn_client_errmsg(c));
	free(out);
	wn_client_close(c);
	return rc;
}

/* A join request of a partner without a running node, signed with its own
 * certificate (issued by the federation CA), as its node would send it. */
static json_t *raw_join_at(struct fed *f, const char *id, const char *address);

static json_t *raw_join(struct fed *f, const char *id)
{
	return raw_join_at(f, id, "tls+tcp://127.0.0.1:1");
}

static json_t *raw_join_role(struct fed *f, const char *id, const char *address,
			     const char *role);

/* The same, naming where the broker would reach its node. */
static json_t *raw_join_at(struct fed *f, const char *id, const char *address)
{
	return raw_join_role(f, id, address, NULL);
}

/* The same, with the role it joins with (NULL: none named). */
static json_t *raw_join_role(struct fed *f, const char *id, const char *address,
			     const char *role)
{
	char hash[65], rel[64];
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "[ -f ca/%s.pem ] || '%s/certs/wijknet-ca' --dir ca issue %s "
			 ">/dev/null", id, cwd, id), 0);
	snprintf(rel, sizeof(rel), "ca/%s.crt", id);
	char *pem = slurp(f, rel, &slen);
	assert_non_null(pem);
	assert_int_equal(declaration_hash(DECLARATION_JOIN_VERSION, hash), 0);
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "member.join", id, "broker"), 0);
	json_object_set_new(env, "body",
			    json_pack("{s:s,s:s,s:[s],s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s}}", "name",
				      id, "address", address, "clusters", "jeugd",
				      "cert", pem, "declaration", "version",
				      DECLARATION_JOIN_VERSION, "text_hash", hash, "organisation", id,
				      "representative", "dhr. P. de Vries", "function", "directeur",
				      "place", "Heerlen", "date", "2026-12-01"));
	free(pem);
	if (role != NULL)
		json_object_set_new(envelope_body(env), "role", json_string(role));
	json_t *reply = raw_as(f, id, env);
	json_decref(env);
	return reply;
}

/* A vote sent as a partner without a node, signed with its key. */
/* The security events the broker holds against partner. */
static long security_events_of(struct fed *f, const char *partner)
{
	return dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events"
		   " WHERE peer = '%s'", partner);
}

/* The node's operator asks for health while the broker will not serve it:
 * told why (exit 1, the broker's reason), and asking is no breach. */
static void health_refused(struct fed *f, const char *node, const char *why)
{
	long before = security_events_of(f, node);
	assert_int_equal(cli(f, node, "health"), 1);
	assert_true(cli_out_has(f, "REFUSED"));
	assert_true(cli_out_has(f, why));
	assert_int_equal(security_events_of(f, node), before);
}

static void raw_vote(struct fed *f, const char *from, const char *proposal)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "member.vote", from, "broker"), 0);
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "co-1", "role", "coordinator"));
	json_object_set_new(env, "body", json_pack("{s:s,s:s}", "proposal", proposal, "vote",
						   "approve"));
	json_t *reply = raw_as(f, from, env);
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	json_decref(env);
}

/* A lookup of bsn by node i's coordinator on FED_LOOKUP_GROUND, at the
 * partner named (NULL: the default scope): its result code; *out (may be
 * NULL) gets the result (wn_lookup_result_free). */
static int lookup_at(struct fed *f, size_t i, const char *bsn, const char *named,
		     wn_lookup_result **out)
{
	wn_lookup_params p;
	wn_lookup_result *r = NULL;
	memset(&p, 0, sizeof(p));
	p.bsn = bsn;
	p.purpose = "intake";
	p.ground = FED_LOOKUP_GROUND;
	p.motivation_json = FED_MOTIVATION;
	p.partners = named ? &named : NULL;
	p.npartners = named ? 1 : 0;
	p.actor = coordinator;
	wn_client *c = client_of(f, i);
	int rc = wn_lookup(c, &p, &r);
	wn_client_close(c);
	if (out != NULL)
		*out = r;
	else
		wn_lookup_result_free(r);
	return rc;
}

/* ---- setup ------------------------------------------------------------- */

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	char tool[600], cwd[512];
	if (f == NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	*state = f;
	snprintf(tool, sizeof(tool), "\"%s/certs/wijknet-ca\"", cwd);
	/* weller is listed first by mkfederation: dropping its two lines keeps
	 * the partners array valid JSON */
	if (fed_setup(f, ids, NNODES) != 0 ||
	    fed_sh(f, "sed -i '/\"id\": \"weller\"/,+1d' broker.json") != 0 ||
	    fed_config_edit(f, "broker.json", "ca_dir", "\"ca\"") != 0 ||
	    fed_config_edit(f, "broker.json", "ca_tool", tool) != 0 ||
	    /* the flood below stays on one connection */
	    fed_config_edit(f, "broker.json", "refusals_per_minute", "1000000") != 0 ||
	    write_lookup_motivation(f) != 0)
		return -1;
	for (size_t i = 0; i < NNODES; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "%s.json", ids[i]);
		if (fed_config_edit(f, rel, "refresh_seconds", "1") != 0)
			return -1;
	}
	if (fed_start_broker(f) != 0)
		return -1;
	for (size_t i = 0; i < NNODES; i++)
		if (fed_start_node(f, i) != 0)
			return -1;
	return fed_wait_up(f, GEMEENTE, NNODES - 1, 20000);
}

/* ---- r22: joining ------------------------------------------------------ */

static void test_r22_join_without_declaration_refused(void **state)
{
	struct fed *f = *state;
	assert_int_equal(write_file(f, "bad-join.json", "{\"name\": \"Weller\", \"address\":"
				    " \"tls+tcp://127.0.0.1:1\", \"clusters\": [\"jeugd\"]}"), 0);
	assert_int_not_equal(cli(f, "weller", "member join bad-join.json"), 0);
	assert_true(cli_err_has(f, "organisation"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals"), 0);
	/* a raw request without the accession declaration, or with another text */
	json_t *env = NULL;
	char *pem = slurp(f, "ca/weller.crt", &slen);
	assert_int_equal(envelope_new1(&env, "member.join", "weller", "broker"), 0);
	json_object_set_new(env, "body", json_pack("{s:s,s:s,s:[s],s:s,s:{}}", "name", "Weller",
						   "address", "tls+tcp://127.0.0.1:1", "clusters",
						   "jeugd", "cert", pem, "declaration"));
	free(pem);
	json_t *reply = raw_as(f, "weller", env);
	assert_string_equal(reply_error(reply), "schema");
	json_decref(reply);
	json_decref(env);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals"), 0);
	/* an address the broker cannot reach the node at: invalid input */
	char req[1024];
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, WELLER));
	char *at = strstr(req, "tls+tcp://");
	assert_non_null(at);
	memcpy(at, "http://x:", 9);
	assert_int_equal(write_file(f, "bad-address.json", req), 0);
	assert_int_equal(cli(f, "weller", "member join bad-address.json"), 2);
	assert_true(cli_err_has(f, "address"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals"), 0);
	/* another member's address: the broker would reach that member as this one */
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, RADAR));
	assert_int_equal(write_file(f, "taken-address.json", req), 0);
	assert_int_equal(cli(f, "weller", "member join taken-address.json"), 1);
	assert_true(cli_err_has(f, "reaches") && cli_err_has(f, "radar"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals"), 0);
	/* its operator looks before joining: the broker is reached and says why
	 * it answers nothing; looking is no breach */
	long before = security_events_of(f, "weller");
	health_refused(f, "weller", "member join");
	/* a request made with the wrong clusters is taken back before anyone
	 * decides it, once; a new one can be made after */
	assert_int_equal(cli(f, "weller", "member withdraw"), 1); /* nothing to withdraw */
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, WELLER));
	assert_int_equal(write_file(f, "first-join.json", req), 0);
	assert_int_equal(cli(f, "weller", "member join first-join.json"), 0);
	assert_int_equal(cli(f, "weller", "member withdraw"), 0);
	assert_true(cli_out_has(f, "withdrawn"));
	assert_int_equal(cli(f, "weller", "member withdraw"), 1);
	assert_true(cli_err_has(f, "withdrawn already"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE subject ="
			     " 'weller' AND status = 'withdrawn' AND outcome LIKE 'withdrawn%%'"), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%withdrawn by the candidate%%'"), 1);
	assert_int_equal(security_events_of(f, "weller"), before);
}

/* The broker again, under covenant (a JSON text; NULL: the key taken out,
 * Heerlen by default): the key is read at start, not by SIGHUP. */
static void broker_restart_under(struct fed *f, const char *covenant)
{
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_config_edit(f, "broker.json", "covenant", covenant), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES - 1, 20000), 0);
}

/* A join as the weller node's operator makes it: its exit status, once the
 * node reaches the broker again (exit 4 while it redials). */
static int weller_join(struct fed *f, const char *file)
{
	char args[96];
	snprintf(args, sizeof(args), "member join %s", file);
	int status = 4;
	for (int64_t end = time_mono_ms() + SETTLE_MS; (status = cli(f, "weller", args)) == 4 &&
	     time_mono_ms() < end;)
		sleep_ms(100);
	return status;
}

/* A federation under the Groningen covenant (art. 9.1, an open covenant)
 * takes a join only in its own accession text: a partner signing Heerlen's
 * Bijlage 4 would accede to a covenant the federation does not run under.
 * The refusal says what to put in join.json; the text signed is the one the
 * candidate named, and the members and the operator see it. */
static void test_r22_join_groningen_accession_text(void **state)
{
	struct fed *f = *state;
	char req[1024], named[1100], id[WN_ID_LEN + 1];
	broker_restart_under(f, "\"groningen\"");
	/* join.json without "covenant": the node signs Heerlen's text, refused */
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, WELLER));
	assert_int_equal(write_file(f, "heerlen-join.json", req), 0);
	assert_int_equal(weller_join(f, "heerlen-join.json"), 2);
	if (!cli_err_has(f, "heerlen-bijlage4-v1") || !cli_err_has(f, "groningen-toetreding-v1") ||
	    !cli_err_has(f, "\"covenant\": \"groningen\" in join.json"))
		fed_sh(f, "cat cli.err >&2");
	assert_true(cli_err_has(f, "heerlen-bijlage4-v1"));
	assert_true(cli_err_has(f, "groningen-toetreding-v1"));
	assert_true(cli_err_has(f, "\"covenant\": \"groningen\" in join.json"));
	assert_false(cli_err_has(f, "(Heerlen Bijlage 4)"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE subject ="
			     " 'weller' AND status = 'open'"), 0);
	/* a covenant the node has no text for: refused before anything is signed */
	size_t len = strlen(req);
	snprintf(named, sizeof(named), "%.*s, \"covenant\": \"utrecht\"}", (int)(len - 1), req);
	assert_int_equal(write_file(f, "utrecht-join.json", named), 0);
	assert_int_equal(weller_join(f, "utrecht-join.json"), 2);
	assert_true(cli_err_has(f, "covenant") && cli_err_has(f, "heerlen or groningen"));
	/* named: signed in Groningen's text and taken */
	snprintf(named, sizeof(named), "%.*s, \"covenant\": \"groningen\"}", (int)(len - 1), req);
	assert_int_equal(write_file(f, "groningen-join.json", named), 0);
	assert_int_equal(weller_join(f, "groningen-join.json"), 0);
	proposal_of(f, "weller", id);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE id = '%s'"
			     " AND status = 'open' AND json_extract(document,"
			     " '$.body.declaration.version') = 'groningen-toetreding-v1'", id), 1);
	/* the members see the text their candidate signed, and nothing of Heerlen's */
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "accession declaration groningen-toetreding-v1: Weller Wonen"));
	assert_false(cli_out_has(f, "Bijlage 4"));
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, "covenant groningen"));
	assert_true(cli_out_has(f, "pending approval: "));
	assert_true(cli_out_has(f, "votes), accession declaration groningen-toetreding-v1"));
	assert_false(cli_out_has(f, "Bijlage 4"));
	/* no SIGHUP changes it, and one that would refuse the next start says so */
	assert_int_equal(fed_config_edit(f, "broker.json", "covenant", "\"utrecht\""), 0);
	assert_int_equal(kill(f->broker, SIGHUP), 0);
	for (int64_t end = time_mono_ms() + SETTLE_MS;
	     !fed_log_contains(f, "broker", "a restart would be refused") && time_mono_ms() < end;)
		sleep_ms(50);
	assert_true(fed_log_contains(f, "broker", "a restart would be refused"));
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, "covenant groningen"));
	/* back as it was for the tests after this one: Heerlen, the default */
	assert_int_equal(cli(f, "weller", "member withdraw"), 0);
	broker_restart_under(f, NULL);
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, "covenant heerlen"));
}

static void test_r22_join_approved_unanimously(void **state)
{
	struct fed *f = *state;
	char req[1024], id[WN_ID_LEN + 1], st[16];
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, WELLER));
	assert_int_equal(write_file(f, "join.json", req), 0);
	assert_int_equal(cli(f, "weller", "member join join.json --json"), 0);
	assert_true(cli_out_has(f, "\"status\": \"open\""));
	proposal_of(f, "weller", id);
	/* a second request while one is open */
	assert_int_not_equal(cli(f, "weller", "member join join.json"), 0);
	assert_true(cli_err_has(f, "exists"));
	/* every member's operator sees it, with the declaration */
	assert_int_equal(cli(f, "radar", "member list --json"), 0);
	assert_true(cli_out_has(f, "mw. J. Jansen"));
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "accession declaration"));
	assert_true(cli_out_has(f, "mw. J. Jansen"));
	assert_true(cli_out_has(f, ", at tls+tcp://127.0.0.1:")); /* where it will be reached */
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, "pending approval"));
	assert_int_equal(cli(f, "weller", "health"), 1); /* pending, not down */
	assert_true(cli_out_has(f, "is open"));
	assert_int_equal(vote(f, GEMEENTE, id, 1), 0);
	assert_int_equal(vote(f, RADAR, id, 1), 0);
	assert_int_equal(vote(f, ALCANDER, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* xonar has not agreed yet (Heerlen 15.3) */
	assert_int_equal(vote(f, RADAR, id, 1), WN_EEXISTS); /* one vote per member */
	char args[128];
	snprintf(args, sizeof(args), "member approve %s --actor co-9 --role coordinator", id);
	assert_int_equal(cli(f, "xonar", args), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	/* in the directory within seconds, no daemon restarted */
	assert_int_equal(wait_status_everywhere(f, "weller", "active", WELLER), 0);
	assert_int_equal(cli(f, "weller", "member status --json"), 0);
	assert_true(cli_out_has(f, "approved"));
	assert_int_equal(fed_wait_up(f, WELLER, NNODES - 1, 10000), 0);
	/* waiting is not a breach (it was 43 rows in 10 s): neither before its
	 * request, when the node asks for a directory it is not given, nor
	 * while the members decide */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			     " peer = 'weller' AND kind = 'unknown_partner'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			     " peer = 'weller' AND ts > (SELECT proposed_at FROM proposals WHERE"
			     " id = '%s')", id), 0);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE"
			" peer = 'weller'") <= SECEVENT_DETAILED_PER_MINUTE + 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.admit'"), 1);
	/* a member has no join request left to take back: refused with why,
	 * not a protocol failure */
	assert_int_equal(cli(f, "weller", "member withdraw"), 1);
	assert_true(cli_err_has(f, "partner already") && cli_err_has(f, "member notice"));
}

static void test_r22_join_rejected_by_one_under_unanimous(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	json_t *reply = raw_join(f, "mee-zuid-limburg");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	proposal_of(f, "mee-zuid-limburg", id);
	assert_int_equal(vote(f, GEMEENTE, id, 1), 0);
	assert_int_equal(vote(f, RADAR, id, 0), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "rejected");
	assert_int_equal(vote(f, ALCANDER, id, 1), WN_ESTATE); /* decided */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'mee-zuid-limburg'"), 0);
	/* the members see how it went */
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "outcome: rejected"));
}

/* Under Heerlen's rule the covenant changes only when every partner agrees
 * (17.2): the municipality cannot end a membership alone, it proposes it. */
static void test_r23_municipality_end_is_proposed_under_unanimous(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	assert_int_equal(cli(f, "gemeente-heerlen", "member end alcander --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 0);
	assert_true(cli_out_has(f, "proposal"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'active'"), 1);
	proposal_of(f, "alcander", id);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE id = '%s'"
			     " AND kind = 'exit' AND rule = 'unanimous' AND proposed_by ="
			     " 'gemeente-heerlen' AND status = 'open'", id), 1);
	assert_int_equal(cli(f, "gemeente-heerlen", "member end alcander --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 1);
	assert_true(cli_err_has(f, "proposed already"));
	/* the members see why, as they vote */
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "reason: afspraken niet nagekomen, na overleg"));
	/* the partner it is about does not vote; one other member's no decides */
	assert_int_equal(vote(f, ALCANDER, id, 1), WN_EDENIED);
	assert_int_equal(vote(f, RADAR, id, 0), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "rejected");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'active'"), 1);
}

/* ---- r24: the policy changes by agreement ------------------------------- */

#define POLICY_MAJORITY                                                                    \
	"{\"approval_rule\": \"municipality_and_majority\", \"notice_months\": 2,"          \
	" \"max_consent_days\": 365, \"max_partners\": 64, \"case_retention_days\": 400,"     \
	" \"clusters\": {\"xonar\": [\"volwassenen\", \"multiprobleem\"]},"               \
	" \"data_sets\": {\"jeugd\": [\"dataset.school\", \"leefgebied.huisvesting\"]}}"

static void test_r24_policy_change_lacking_approval_refused(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16], *out = NULL;
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"approval_rule\": \"majority\"}",
					   &out), WN_ESCHEMA);
	/* a partner's clusters are named, not dropped */
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": {\"radar\": null}}",
					   &out), WN_ESCHEMA);
	/* a change that names a partner the federation does not have could only
	 * be carried out in part: refused when proposed */
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"approval_rule\": \"municipality_and_majority\","
					   " \"notice_months\": 2, \"max_consent_days\": 365,"
					   " \"max_partners\": 64, \"case_retention_days\": 400,"
					   " \"clusters\": {\"radar\": [\"jeugd\"], \"humanitass\":"
					   " [\"jeugd\"]}}", &out),
			 WN_EUNKNOWN_PARTNER);
	assert_non_null(strstr(wn_client_errmsg(c), "humanitass"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE "
			     "kind = 'policy'"), 0);
	assert_int_equal(wn_policy_propose(c, &coordinator, POLICY_MAJORITY, &out), 0);
	free(out);
	out = NULL;
	/* one change at a time: a second would also be version 2 */
	assert_int_equal(wn_policy_propose(c, &coordinator, POLICY_MAJORITY, &out), WN_EEXISTS);
	free(out);
	wn_client_close(c);
	proposal_of(f, "policy-v2", id);
	assert_int_equal(vote(f, RADAR, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* not in force while members have not agreed */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
	assert_int_equal(vote(f, XONAR, id, 0), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "rejected");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
}

/* Suspending the member whose vote is missing does not decide for it. */
static void test_r22_suspension_does_not_bypass_a_vote(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	json_t *reply = raw_join(f, "kandidaat");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	proposal_of(f, "kandidaat", id);
	for (size_t i = 0; i < NNODES; i++)
		if (i != XONAR && i != WELLER)
			assert_int_equal(vote(f, i, id, 1), 0);
	if (!gone[WELLER])
		assert_int_equal(vote(f, WELLER, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open");
	assert_int_equal(cli(f, "broker", "admin suspend xonar --reason 'onderzoek incident'"), 0);
	/* the broker counts again before it tells the nodes: once they know, it has */
	assert_int_equal(wait_status_everywhere(f, "xonar", "suspended", XONAR), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* xonar is still a member: its vote is still needed */
	/* its operator is told why the broker answers nothing; asking is no breach */
	health_refused(f, "xonar", "suspended");
	/* the others see its node up and the partner suspended, not its node down */
	wn_client *c = client_of(f, GEMEENTE);
	wn_partner_list *l = NULL;
	assert_int_equal(wn_health(c, &l), 0);
	const char *seen = "";
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].id, "xonar") == 0)
			seen = l->items[i].state;
	assert_string_equal(seen, "suspended");
	wn_partner_list_free(l);
	wn_client_close(c);
	assert_int_equal(cli(f, "gemeente-heerlen", "health --json"), 0);
	assert_true(cli_out_has(f, "\"state\": \"suspended\""));
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_int_equal(fed_sh(f, "grep -qE '^xonar +suspended +suspended ' cli.out"), 0);
	/* a client's request to the whole federation cannot reach it now, yet it
	 * may hold the person's data: recorded unanswered, to be asked again */
	assert_int_equal(cli(f, "gemeente-heerlen", "rights request --bsn 999990019 --kind "
			     "shielding --json"), 3); /* not every partner answered */
	assert_true(cli_out_has(f, "\"xonar\""));
	assert_int_equal(dbq(f, "data/gemeente-heerlen.db", "SELECT COUNT(*) FROM"
			     " client_rights_partners WHERE partner = 'xonar' AND status ="
			     " 'unavailable'"), 1);
	/* its node restarted gets no directory while suspended, and says so when
	 * pinged: it is up all the same */
	const char *not_ready = "grep -c inbound_not_ready logs/xonar.log";
	fed_stop(&f->nodes[XONAR], SIGTERM);
	assert_int_equal(fed_sh(f, "(%s || true) > nr.before", not_ready), 0);
	assert_int_equal(fed_start_node(f, XONAR), 0);
	int64_t end = time_mono_ms() + 30000;
	while (fed_sh(f, "test \"$(%s)\" -gt \"$(cat nr.before)\"", not_ready) != 0 &&
	       time_mono_ms() < end) {
		assert_int_equal(cli(f, "broker", "admin status"), 0);
		sleep_ms(500);
	}
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_int_equal(fed_sh(f, "grep -qE '^xonar +suspended +suspended ' cli.out"), 0);
	assert_int_equal(cli(f, "broker", "admin resume xonar --reason 'onderzoek afgerond'"), 0);
	assert_int_equal(wait_status_everywhere(f, "xonar", "active", NNODES), 0);
	assert_int_equal(vote(f, XONAR, id, 0), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "rejected");
}

/* A policy is adopted whole or not at all: when one partner's clusters
 * cannot be written, no other partner's change and no new version stand.
 * The agreement stands all the same: once it can be, it is carried out,
 * whole (r24). */
static void test_r24_policy_change_adopted_whole_or_not_at_all(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	dbexec(f, "data/broker.db", "CREATE TRIGGER wn_test_fail BEFORE UPDATE OF clusters ON"
	       " partners WHEN NEW.id = 'xonar' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	long before = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log");
	char alcander[128];
	assert_int_equal(dbq_text(f, "data/broker.db", alcander, sizeof(alcander),
				  "SELECT clusters FROM partners WHERE id = 'alcander'"), 0);
	assert_string_not_equal(alcander, "[\"volwassenen\",\"multiprobleem\"]");
	assert_int_equal(write_file(f, "policy.json",
				    "{\"approval_rule\": \"municipality_and_majority\","
				    " \"notice_months\": 2, \"max_consent_days\": 365,"
				    " \"max_partners\": 64, \"clusters\": {\"alcander\": [\"volwassenen\","
				    " \"multiprobleem\"], \"xonar\": [\"jeugd\", \"volwassenen\"]}}"), 0);
	if (cli(f, "gemeente-heerlen", "policy propose policy.json") != 0)
		fed_sh(f, "cat cli.err >&2");
	proposal_of(f, "policy-v2", id);
	/* the deciding vote counts: the decision is stored, its carrying out follows */
	for (size_t i = 0; i < NNODES; i++)
		if (i != GEMEENTE)
			assert_int_equal(vote(f, i, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	/* nothing of it stands while it cannot be carried out: no version 2,
	 * alcander's clusters as they were */
	char now[128];
	assert_int_equal(dbq_text(f, "data/broker.db", now, sizeof(now),
				  "SELECT clusters FROM partners WHERE id = 'alcander'"), 0);
	assert_string_equal(now, alcander);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id = 'xonar'"
			     " AND clusters = '[\"volwassenen\"]'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE idx > %ld"
			     " AND type IN ('policy.adopt', 'registry.clusters')", before), 0);
	wn_client *c = client_of(f, RADAR);
	wn_partner_list *l = NULL;
	assert_int_equal(wn_directory(c, &l), 0);
	assert_int_equal(l->policy_version, 1);
	wn_partner_list_free(l);
	wn_client_close(c);
	/* then it can be: carried out, whole */
	dbexec(f, "data/broker.db", "DROP TRIGGER wn_test_fail");
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM policy"
				  " WHERE version = 2 AND proposal = '%s'", id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE"
			     " (id = 'alcander' AND clusters = '[\"volwassenen\",\"multiprobleem\"]')"
			     " OR (id = 'xonar' AND clusters = '[\"jeugd\",\"volwassenen\"]')"), 2);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE idx > %ld"
			     " AND type = 'policy.adopt'", before), 1);
}

static void test_r24_policy_change_approved_in_force_everywhere(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16], youth[WN_ID_LEN + 1], bsn_y[10];
	/* a youth case xonar takes part in before the change */
	bsn_at(30000011, bsn_y);
	const char *const people[] = { bsn_y };
	const char *const with_xonar[] = { "xonar", NULL };
	assert_int_equal(open_household_case(f, GEMEENTE, "jeugd", people, 1, with_xonar, youth),
			 0);
	assert_int_equal(write_file(f, "policy.json", POLICY_MAJORITY), 0);
	assert_int_equal(cli(f, "gemeente-heerlen", "policy propose policy.json"), 0);
	proposal_of(f, "policy-v3", id);
	/* under version 2's rule (the municipality and a majority) the last
	 * votes may come after it is decided */
	for (size_t i = 0; i < NNODES; i++) {
		if (i == GEMEENTE || vote(f, i, id, 1) == 0)
			continue;
		proposal_status(f, id, st, sizeof(st));
		assert_string_equal(st, "approved");
	}
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	/* every node works by version 3 within seconds */
	int64_t end = time_mono_ms() + SETTLE_MS;
	size_t at = 0;
	while (at < NNODES && time_mono_ms() < end) {
		at = 0;
		for (size_t i = 0; i < NNODES; i++) {
			wn_client *c = client_of(f, i);
			wn_partner_list *l = NULL;
			if (wn_directory(c, &l) == 0 && l->policy_version == 3)
				at++;
			wn_partner_list_free(l);
			wn_client_close(c);
		}
		if (at < NNODES)
			sleep_ms(100);
	}
	assert_int_equal(at, NNODES);
	/* the clusters it assigns: xonar no longer takes part in youth cases */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id = 'xonar'"
			     " AND clusters = '[\"volwassenen\",\"multiprobleem\"]'"), 1);
	/* ... nor is the source of a third-party disclosure in one (r26) */
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_thirdparty_proposal tp = { youth, bsn_y, "weller", "xonar", cats, 1, "plan_van_aanpak",
				      "legitimate_interest", NULL, MOTIVATION, coordinator };
	wn_client *g = client_of(f, GEMEENTE);
	assert_int_equal(wn_thirdparty_propose(g, &tp, id), WN_ECLUSTER);
	assert_non_null(strstr(wn_client_errmsg(g), "jeugd"));
	wn_client_close(g);
	/* a receipt names the version it was decided under */
	char bsn[10];
	bsn_at(30000001, bsn);
	wn_lookup_result *r = lookup_by(f, RADAR, bsn, &coordinator);
	assert_non_null(r);
	wn_lookup_result_free(r);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type = 'lookup'"
			" AND entry LIKE '%%\"policy\":3%%'") >= 1);
}

/* 1 when partner answers the municipality's lookup of bsn (not known there)
 * within the settling time. */
static int answers_within(struct fed *f, const char *partner, const char *bsn)
{
	for (int64_t end = time_mono_ms() + SETTLE_MS; time_mono_ms() < end; sleep_ms(100)) {
		wn_lookup_result *r = NULL;
		int answered = lookup_at(f, GEMEENTE, bsn, partner, &r) == 0 && r->count == 1 &&
			       strcmp(r->answers[0].outcome, "not_known") == 0;
		wn_lookup_result_free(r);
		if (answered)
			return 1;
	}
	return 0;
}

/* A member moves its node (another host or port): it says where, the broker
 * reaches it there, and every node's directory has it; no vote, no restart
 * of anyone else. */
static void test_r22_member_moves_its_node(void **state)
{
	struct fed *f = *state;
	char listen[64], args[96], bsn[10];
	int port = fed_port(f, 0) + 89; /* within this federation's hundred ports */
	bsn_at(30000101, bsn);
	fed_stop(&f->nodes[RADAR], SIGTERM);
	snprintf(listen, sizeof(listen), "\"tls+tcp://127.0.0.1:%d\"", port);
	assert_int_equal(fed_config_edit(f, "radar.json", "listen", listen), 0);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	/* another member's address is not its own */
	snprintf(args, sizeof(args), "member address tls+tcp://127.0.0.1:%d", fed_port(f, ALCANDER));
	int status = 4;
	for (int64_t end = time_mono_ms() + SETTLE_MS; (status = cli(f, "radar", args)) == 4 &&
	     time_mono_ms() < end;)
		sleep_ms(100);
	assert_int_equal(status, 1);
	assert_true(cli_err_has(f, "alcander"));
	/* an address where the node does not answer is refused: the broker
	 * checks it reaches the node there, as itself, before it takes it */
	snprintf(args, sizeof(args), "member address tls+tcp://127.0.0.1:%d", port - 1);
	assert_int_equal(cli(f, "radar", args), 4);
	assert_true(cli_err_has(f, "cannot reach"));
	assert_true(cli_err_has(f, "start the node there first"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.address' AND json_extract(entry, '$.address') LIKE '%%:%d'",
			     port - 1), 0);
	/* nor is the port of another partner's node, which answers as itself */
	snprintf(args, sizeof(args), "member address tls+tcp://localhost:%d", fed_port(f, XONAR));
	assert_int_equal(cli(f, "radar", args), 4);
	assert_true(cli_err_has(f, "cannot reach"));
	snprintf(args, sizeof(args), "member address tls+tcp://127.0.0.1:%d", port);
	for (int64_t end = time_mono_ms() + SETTLE_MS; (status = cli(f, "radar", args)) == 4 &&
	     time_mono_ms() < end;)
		sleep_ms(100);
	assert_int_equal(status, 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.address' AND json_extract(entry, '$.partner') = 'radar' AND"
			     " json_extract(entry, '$.address') LIKE '%%:%d'", port), 1);
	/* the broker reaches it at its new address */
	assert_true(answers_within(f, "radar", bsn));
	/* and another node's directory says where it is */
	snprintf(args, sizeof(args), "127.0.0.1:%d", port);
	int seen = 0;
	for (int64_t end = time_mono_ms() + SETTLE_MS; !seen && time_mono_ms() < end;) {
		seen = cli(f, "gemeente-heerlen", "directory") == 0 && cli_out_has(f, args);
		if (!seen)
			sleep_ms(100);
	}
	assert_true(seen);
	/* and back where it was, for the tests after this one */
	fed_stop(&f->nodes[RADAR], SIGTERM);
	snprintf(listen, sizeof(listen), "\"tls+tcp://127.0.0.1:%d\"", fed_port(f, RADAR));
	assert_int_equal(fed_config_edit(f, "radar.json", "listen", listen), 0);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	snprintf(args, sizeof(args), "member address tls+tcp://127.0.0.1:%d", fed_port(f, RADAR));
	for (int64_t end = time_mono_ms() + SETTLE_MS; (status = cli(f, "radar", args)) == 4 &&
	     time_mono_ms() < end;)
		sleep_ms(100);
	assert_int_equal(status, 0);
	assert_true(answers_within(f, "radar", bsn));
}

static void test_r22_join_admitted_under_majority(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	json_t *reply = raw_join(f, "sevagram");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	proposal_of(f, "sevagram", id);
	assert_int_equal(vote(f, RADAR, id, 0), 0); /* one rejects: not enough under this rule */
	assert_int_equal(vote(f, ALCANDER, id, 1), 0);
	assert_int_equal(vote(f, XONAR, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* a majority, but not the municipality yet */
	assert_int_equal(vote(f, GEMEENTE, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(wait_status_everywhere(f, "sevagram", "active", NNODES), 0);
	/* a broker on the majority rule that does not name its covenant warns at
	 * start: its candidates would sign Heerlen's text (G 9.1) */
	assert_int_equal(fed_sh(f, "grep -c covenant_default logs/broker.log > warned0 || true"), 0);
	broker_restart_under(f, NULL);
	assert_int_equal(fed_sh(f, "test $(grep -c covenant_default logs/broker.log) -gt"
				" $(cat warned0)"), 0);
	/* named, it says nothing */
	assert_int_equal(fed_sh(f, "grep -c covenant_default logs/broker.log > warned1"), 0);
	broker_restart_under(f, "\"heerlen\"");
	assert_int_equal(fed_sh(f, "test $(grep -c covenant_default logs/broker.log) -eq"
				" $(cat warned1)"), 0);
}

/* ---- r23: notice and leaving -------------------------------------------- */

/* Cases alcander directs when its membership ends: one with the municipality
 * in it, one with nobody else left. */
static char directed[WN_ID_LEN + 1], directed_alone[WN_ID_LEN + 1];

static void test_r23_notice_no_new_case_running_case_continues(void **state)
{
	struct fed *f = *state;
	char bsn[10], running[WN_ID_LEN + 1], fresh[WN_ID_LEN + 1];
	bsn_at(30000101, bsn);
	const char *const people[] = { bsn };
	const char *const with_alcander[] = { "alcander", NULL };
	const char *const with_alcander_radar[] = { "alcander", "radar", NULL };
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 1,
					     with_alcander, running), 0);
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 1,
					     with_alcander_radar, directed), 0);
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 1,
					     with_alcander, directed_alone), 0);
	wn_client *g = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_director(g, directed, "alcander", NULL, &coordinator), 0);
	assert_int_equal(wn_case_director(g, directed_alone, "alcander", NULL, &coordinator), 0);
	assert_int_equal(wn_case_leave(g, directed_alone, NULL, &coordinator), 0);
	wn_client_close(g);
	/* a reason given says something: blanks are refused, and no notice is given */
	assert_int_equal(cli(f, "alcander", "member notice --reason '   '"), 2);
	assert_true(cli_err_has(f, "a reason, when given"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'active'"), 1);
	assert_int_equal(cli(f, "alcander", "member notice --reason 'reorganisatie' --json"), 0);
	assert_true(cli_out_has(f, "\"status\": \"notice\""));
	/* its end date: two months on */
	long days = dbq(f, "data/broker.db", "SELECT CAST(ROUND((end_at - notice_at) / 86400000.0)"
			" AS INT) FROM partners WHERE id = 'alcander'");
	assert_true(days >= 59 && days <= 62);
	assert_int_equal(wait_status_everywhere(f, "alcander", "notice", NNODES), 0);
	/* no new case with it */
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 1,
					     with_alcander, fresh), WN_ENOTICE);
	/* not asked in a new lookup by default, still when named */
	wn_lookup_result *r = lookup_by(f, RADAR, bsn, &coordinator);
	assert_non_null(r);
	for (size_t i = 0; i < r->count; i++)
		assert_string_not_equal(r->answers[i].partner, "alcander");
	wn_lookup_result_free(r);
	assert_int_equal(lookup_at(f, RADAR, bsn, "alcander", &r), 0);
	assert_int_equal(r->count, 1);
	assert_string_equal(r->answers[0].outcome, "not_known");
	wn_lookup_result_free(r);
	/* the running case goes on: its members still work in it */
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_has_person(c, running, bsn, &coordinator), 0);
	wn_client_close(c);
}

static void test_r23_end_date_ends_membership_without_restart(void **state)
{
	struct fed *f = *state;
	int reloads = log_count(f, "broker", "trust_reloaded", "crl_seconds_left");
	/* suspended meanwhile: the notice period runs on all the same */
	assert_int_equal(cli(f, "broker", "admin suspend alcander --reason 'onderzoek'"), 0);
	assert_int_equal(wait_status_everywhere(f, "alcander", "suspended", ALCANDER), 0);
	/* the end date arrives (the clock moved on two months) */
	char path[512];
	sqlite3 *db = NULL;
	fed_file(f, "data/broker.db", path, sizeof(path));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "UPDATE partners SET end_at = CAST(strftime('%s','now')"
				      " AS INTEGER) * 1000 - 1 WHERE id = 'alcander'", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(wait_status_everywhere(f, "alcander", "ended", ALCANDER), 0);
	gone[ALCANDER] = 1;
	/* and its certificate revoked by the CA, the CRL carried to every node */
	int64_t end = time_mono_ms() + SETTLE_MS;
	while (fed_sh(f, "openssl crl -in ca/crl.pem -noout -text | grep -q Serial") != 0 &&
	       time_mono_ms() < end)
		sleep_ms(100);
	assert_int_equal(fed_sh(f, "openssl crl -in ca/crl.pem -noout -text | grep -q Serial"), 0);
	end = time_mono_ms() + SETTLE_MS;
	while (dbq(f, "data/radar.db", "SELECT COUNT(*) FROM federation_crl") != 1 &&
	       time_mono_ms() < end)
		sleep_ms(100);
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM federation_crl"), 1);
	/* what the CA tool said is a field of the broker's JSON log, not a line */
	assert_true(fed_log_contains(f, "broker", "\"ca_output\":\"revoked alcander serial"));
	/* the broker read the CRL it had made: a certificate revoked because the
	 * membership ended is the end carried out, not an incident for the
	 * breach register */
	end = time_mono_ms() + SETTLE_MS;
	while (log_count(f, "broker", "trust_reloaded", "crl_seconds_left") <= reloads &&
	       time_mono_ms() < end)
		sleep_ms(100);
	assert_true(log_count(f, "broker", "trust_reloaded", "crl_seconds_left") > reloads);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM"
			     " security_events WHERE peer = 'alcander' AND kind = 'revoked'"), 0);
	/* and the operator's status says so, not only that it ended */
	end = time_mono_ms() + SETTLE_MS;
	while ((cli(f, "broker", "admin status") != 0 || !cli_out_has(f, "revoked")) &&
	       time_mono_ms() < end)
		sleep_ms(100);
	assert_true(cli_out_has(f, "revoked"));
	assert_int_equal(fed_sh(f, "grep -E '^alcander +ended +[a-z]+ +revoked' cli.out"), 0);
	assert_int_not_equal(fed_sh(f, "grep -q '^revoked' logs/broker.log"), 0);
	/* its own node is refused */
	char bsn[10];
	bsn_at(30000201, bsn);
	assert_int_not_equal(lookup_at(f, ALCANDER, bsn, NULL, NULL), 0);
	/* its logs stay (Heerlen 14.3) */
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE entry LIKE"
			" '%%alcander%%'") > 0);
	/* it left every case: the municipality directs the one it took part in,
	 * the one nobody else was left in is closed, each change in the log */
	assert_int_equal(dbq_wait(f, "data/broker.db", 0, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " case_members WHERE partner = 'alcander' AND left_at IS NULL"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM case_keys WHERE"
			     " partner = 'alcander'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id = '%s' AND"
			     " status = 'open' AND director = 'gemeente-heerlen'", directed), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM cases WHERE id = '%s' AND"
			     " status = 'closed'", directed_alone), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE"
			     " type = 'case.member_ended' AND entry LIKE '%%%s%%'", directed), 1);
	/* and the case goes on under its new director */
	wn_client *g = client_of(f, GEMEENTE);
	assert_int_equal(wn_case_director(g, directed, "radar", NULL, &coordinator), 0);
	wn_client_close(g);
	assert_int_equal(cli(f, "broker", "audit verify"), 0);
}

/* A partner whose membership ended does not come back under its old id,
 * not even with a new certificate for it: the id stays with the records and
 * log entries that name it. Its join request is answered with why, not
 * taken for a forged message. */
static void test_r22_former_partner_join_refused_with_reason(void **state)
{
	struct fed *f = *state;
	char cwd[256], req[1024];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca issue alcander --force "
				   ">/dev/null", cwd), 0);
	fed_stop(&f->nodes[ALCANDER], SIGTERM);
	char spec[64];
	int mport = f->base_port + 60;
	snprintf(spec, sizeof(spec), "\"127.0.0.1:%d\"", mport);
	assert_int_equal(fed_config_edit(f, "alcander.json", "metrics", spec), 0);
	assert_int_equal(fed_start_node(f, ALCANDER), 0);
	snprintf(req, sizeof(req), JOIN_REQUEST, fed_port(f, ALCANDER));
	assert_int_equal(write_file(f, "rejoin.json", req), 0);
	/* the node restarted: its local socket comes up first */
	int status = 4;
	int64_t end = time_mono_ms() + SETTLE_MS;
	while ((status = cli(f, "alcander", "member join rejoin.json")) == 4 &&
	       cli_err_has(f, "cannot reach the node") && time_mono_ms() < end)
		sleep_ms(100);
	assert_int_equal(status, 1);
	assert_true(cli_err_has(f, "former partner (ended)"));
	assert_true(cli_err_has(f, "new id"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'join' AND subject = 'alcander'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE"
			     " peer = 'alcander' AND detail LIKE '%%member.join%%'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'ended'"), 1);
	/* its node's polls and its operator's health check are told the same,
	 * and none of them is a forged message in the breach register */
	assert_int_equal(cli(f, "alcander", "health"), 1);
	assert_true(cli_out_has(f, "REFUSED"));
	assert_true(cli_out_has(f, "membership ended"));
	char *h = NULL;
	for (int64_t until = time_mono_ms() + SETTLE_MS; time_mono_ms() < until; sleep_ms(100)) {
		free(h);
		h = fed_http_get(mport, "/healthz");
		if (h != NULL && strstr(h, "membership ended") != NULL)
			break;
	}
	assert_non_null(h);
	if (strstr(h, "the broker refuses this node") == NULL || strstr(h, "membership ended") == NULL)
		fail_msg("/healthz of an ended partner's node: %s", h);
	assert_non_null(strstr(h, "HTTP/1.1 503"));
	free(h);
	/* each poll is counted as a refusal, not as an incident */
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE"
			" peer = 'alcander' AND kind = 'denied'") >= 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events WHERE"
			     " peer = 'alcander' AND kind = 'signature'"), 0);
}

static void test_r23_immediate_exit_when_all_agree(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16];
	/* under notice, a member may still ask to leave at once, once */
	assert_int_equal(cli(f, "xonar", "member notice --reason 'fusie'"), 0);
	assert_int_equal(wait_status_everywhere(f, "xonar", "notice", XONAR), 0);
	assert_int_equal(cli(f, "xonar", "member notice --reason 'fusie'"), 1); /* refused */
	assert_true(cli_err_has(f, "--immediate"));
	assert_int_equal(cli(f, "xonar", "member notice --immediate --reason 'fusie'"), 0);
	assert_int_equal(cli(f, "xonar", "member notice --immediate --reason 'fusie'"), 1);
	assert_true(cli_err_has(f, "proposed already"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'exit' AND subject = 'xonar'"), 1);
	proposal_of(f, "xonar", id);
	assert_int_equal(vote(f, GEMEENTE, id, 1), 0);
	assert_int_equal(vote(f, RADAR, id, 1), 0);
	assert_int_equal(vote(f, WELLER, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* unanimous, whatever the policy's rule */
	raw_vote(f, "sevagram", id);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(wait_status_everywhere(f, "xonar", "ended", XONAR), 0);
	gone[XONAR] = 1;
}

static void test_r23_municipality_ends_membership(void **state)
{
	struct fed *f = *state;
	assert_int_not_equal(cli(f, "radar", "member end sevagram --reason 'niet nagekomen'"), 0);
	assert_true(cli_err_has(f, "municipality"));
	assert_int_not_equal(cli(f, "gemeente-heerlen", "member end sevagram"), 0);
	/* the only municipality does not leave the federation without one */
	assert_int_equal(cli(f, "gemeente-heerlen", "member notice --reason 'herindeling'"), 1);
	assert_true(cli_err_has(f, "only municipality"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'gemeente-heerlen' AND status = 'active'"), 1);
	/* a reason of blanks is none: invalid input, nothing ended */
	assert_int_equal(cli(f, "gemeente-heerlen", "member end sevagram --reason '   '"), 2);
	assert_true(cli_err_has(f, "reason"));
	assert_int_equal(cli(f, "broker", "admin suspend sevagram --reason '  '"), 2);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'sevagram' AND status = 'active'"), 1);
	/* a policy change two of four members approved: open, until a voter leaves;
	 * it names only the key it changes */
	char id[WN_ID_LEN + 1], st[16], *out = NULL;
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 2}", &out),
			 WN_EINVAL); /* changes nothing */
	assert_non_null(strstr(wn_client_errmsg(c), "as it is"));
	free(out);
	out = NULL;
	/* a limit below the partners a default lookup asks would fail every one */
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"max_partners\": 1}", &out),
			 WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "default lookup"));
	free(out);
	out = NULL;
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 3}", &out), 0);
	free(out);
	wn_client_close(c);
	proposal_of(f, "policy-v4", id);
	assert_int_equal(vote(f, RADAR, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open");
	assert_int_equal(cli(f, "gemeente-heerlen", "member end sevagram --reason 'afspraken "
			 "niet nagekomen, na overleg'"), 0);
	assert_int_equal(wait_status_everywhere(f, "sevagram", "ended", NNODES), 0);
	/* a member that left is out, not down: health does not alarm for it */
	assert_int_equal(cli(f, "gemeente-heerlen", "health"), 0);
	assert_true(cli_out_has(f, "ended or revoked not counted"));
	assert_int_equal(cli(f, "gemeente-heerlen", "health --json"), 0);
	assert_true(cli_out_has(f, "\"counted\": false"));
	/* counted again without it: two of three is a majority, with the municipality */
	int64_t end = time_mono_ms() + SETTLE_MS;
	do {
		proposal_status(f, id, st, sizeof(st));
		if (strcmp(st, "approved") != 0)
			sleep_ms(100);
	} while (strcmp(st, "approved") != 0 && time_mono_ms() < end);
	assert_string_equal(st, "approved");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'sevagram' AND reason LIKE 'afspraken%%'"), 1);
	/* version 4 changed the notice period alone: what version 3 agreed stays
	 * (the rule, a case's retention, the clusters, the data sets) */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM policy WHERE version = 4"
			     " AND document LIKE '%%\"notice_months\":3%%'"
			     " AND document LIKE '%%\"case_retention_days\":400%%'"
			     " AND document LIKE '%%municipality_and_majority%%'"
			     " AND document LIKE '%%dataset.school%%'"
			     " AND document LIKE '%%\"xonar\":[\"volwassenen\"%%'"), 1);
}

/* A decision that cannot be stored when the deciding vote comes in is not
 * lost: the vote stands, and the broker counts the votes again until the
 * decision is stored and carried out. */
static void test_r24_decision_not_stored_is_counted_again(void **state)
{
	struct fed *f = *state;
	char id[WN_ID_LEN + 1], st[16], *out = NULL;
	dbexec(f, "data/broker.db", "CREATE TRIGGER wn_test_fail BEFORE UPDATE OF status ON"
	       " proposals WHEN NEW.status != 'open' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	/* a consent in force for 400 days would lapse under the shorter maximum:
	 * the proposer is told, before anyone votes */
	dbexec(f, "data/broker.db", "INSERT INTO consents (id, registered_by, version, status,"
	       " valid_from, valid_until, registered_at) VALUES (printf('%.32d', 7), 'radar',"
	       " printf('%.64d', 7), 'active', date('now', '-200 days'), date('now', '+200 days'),"
	       " 0)");
	wn_client *c = client_of(f, GEMEENTE);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"max_consent_days\": 300}", &out),
			 0);
	assert_non_null(strstr(out, "no longer in force"));
	json_t *said = json_loads(out, 0, NULL), *change;
	change = json_object_get(json_object_get(said, "changes"), "max_consent_days");
	assert_int_equal(json_integer_value(json_object_get(change, "from")), 365);
	assert_int_equal(json_integer_value(json_object_get(change, "to")), 300);
	assert_int_equal(json_object_size(json_object_get(said, "changes")), 1);
	json_decref(said);
	free(out);
	wn_client_close(c);
	/* the members see what it changes, not the whole policy */
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "changes max_consent_days: 365 -> 300"));
	proposal_of(f, "policy-v5", id);
	assert_int_equal(vote(f, RADAR, id, 1), 0); /* the deciding vote is taken */
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposal_votes WHERE proposal ="
			     " '%s' AND partner = 'radar'", id), 1);
	dbexec(f, "data/broker.db", "DROP TRIGGER wn_test_fail");
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM policy"
				  " WHERE version = 5 AND document LIKE"
				  " '%%\"max_consent_days\":300%%'"), 1);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	/* a key set back to its default changes nothing when it has that value */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM policy WHERE version = 5"
			     " AND json_extract(document, '$.notice_days') = 7"), 1);
	c = client_of(f, GEMEENTE);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_days\": null}", &out),
			 WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(c), "as it is"));
	free(out);
	out = NULL;
	/* ... or that names a partner's clusters as the registry has them */
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": {\"radar\": "
					   "[\"jeugd\", \"volwassenen\", \"multiprobleem\"]}}",
					   &out), WN_EINVAL);
	free(out);
	out = NULL;
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": null}", &out),
			 WN_ESCHEMA);
	free(out);
	out = NULL;
	/* ... or that leaves a partner in no cluster, where it would never be
	 * asked nor ask: each such partner is named */
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": {\"radar\": [], "
					   "\"alcander\": [\"jeugd\"], \"xonar\": []}}", &out),
			 WN_ECLUSTER);
	assert_non_null(strstr(wn_client_errmsg(c), "would take part in no cluster"));
	assert_non_null(strstr(wn_client_errmsg(c), "'radar'"));
	assert_non_null(strstr(wn_client_errmsg(c), "'xonar'"));
	assert_null(strstr(wn_client_errmsg(c), "'alcander'"));
	free(out);
	out = NULL;
	assert_int_equal(write_file(f, "none.json", "{\"clusters\": {\"radar\": []}}"), 0);
	assert_int_equal(cli(f, "gemeente-heerlen", "policy propose none.json"), 2);
	assert_true(cli_err_has(f, "radar"));
	assert_true(cli_err_has(f, "would take part in no cluster"));
	/* a partner's clusters are set against those it has now */
	assert_int_equal(wn_policy_propose(c, &coordinator,
					   "{\"clusters\": {\"radar\": [\"jeugd\"]}}", &out), 0);
	said = json_loads(out, 0, NULL);
	change = json_object_get(json_object_get(said, "changes"), "clusters.radar");
	assert_int_equal(json_array_size(json_object_get(change, "from")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(change, "to"), 0)),
			    "jeugd");
	assert_int_equal(json_object_size(json_object_get(said, "changes")), 1);
	json_decref(said);
	free(out);
	/* open, what it changes; decided, how the vote went, not the whole policy */
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "changes clusters.radar:"));
	assert_true(cli_out_has(f, "outcome: approved"));
	assert_false(cli_out_has(f, "policy: {"));
	wn_client_close(c);
}

/* ---- r20: revocation everywhere; SIGHUP ---------------------------------- */

static void test_r20_revocation_takes_effect_everywhere(void **state)
{
	struct fed *f = *state;
	/* the operator revokes; the broker, keeping the CA, has it revoke the
	 * certificate (wijknet-ca revoke), and the new CRL goes everywhere */
	int64_t t0 = time_mono_ms();
	assert_int_equal(cli(f, "broker", "admin revoke weller --reason 'sleutel mogelijk gelekt'"),
			 0);
	assert_int_equal(wait_status_everywhere(f, "weller", "revoked", WELLER), 0);
	int64_t until = time_mono_ms() + SETTLE_MS;
	while (fed_sh(f, "grep -q '^R.*CN=weller$' ca/index.txt") != 0 && time_mono_ms() < until)
		sleep_ms(100);
	assert_int_equal(fed_sh(f, "grep -q '^R.*CN=weller$' ca/index.txt"), 0);
	print_message("revocation in force at every node after %lld ms\n",
		      (long long)(time_mono_ms() - t0));
	char bsn[10];
	bsn_at(30000301, bsn);
	assert_int_not_equal(lookup_at(f, WELLER, bsn, NULL, NULL), 0);
	/* and every listener, the broker's and each node's, refuses its handshake */
	for (size_t i = 0; i <= NNODES; i++) {
		if (i < NNODES && (i == WELLER || gone[i] || f->nodes[i] <= 0))
			continue;
		char url[128];
		if (i == NNODES)
			broker_url(f, url, sizeof(url));
		else
			snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", fed_port(f, i));
		int refused = 0;
		for (int64_t end = t0 + SETTLE_MS, tried = 0; !refused && (!tried ||
		     time_mono_ms() <= end); tried = 1) {
			/* under TLS 1.3 the client's side completes before the server
			 * checks its certificate: whether anything is answered tells */
			struct raw_peer p;
			json_t *reply = NULL;
			if (raw_open(f, &p, "ca/weller.pem", NULL, url,
				     i == NNODES ? "broker" : ids[i]) != 0 || p.first_error != 0 ||
			    raw_call(&p, "{}", 2, 2000, &reply) != 0)
				refused = 1;
			json_decref(reply);
			raw_close(&p);
			if (!refused)
				sleep_ms(100);
		}
		if (!refused)
			print_error("%s still accepts the revoked certificate\n",
				    i == NNODES ? "broker" : ids[i]);
		assert_true(refused);
	}
	/* its node was told, over the connection it had; once the broker's TLS
	 * refuses its certificate (a new connection), its operator is still told
	 * it was revoked (exit 1), not that the broker is unreachable (exit 4) */
	until = time_mono_ms() + SETTLE_MS;
	while (!fed_log_contains(f, "weller", "may not send: it is revoked") &&
	       time_mono_ms() < until)
		sleep_ms(100);
	assert_true(fed_log_contains(f, "weller", "may not send: it is revoked"));
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, 1, 20000), 0);
	int status = cli(f, "weller", "health");
	if (status != 1)
		fed_sh(f, "cat cli.out >&2");
	assert_int_equal(status, 1);
	assert_true(cli_out_has(f, "REFUSED") && cli_out_has(f, "revoked"));
	assert_int_equal(cli(f, "weller", "health --json"), 1);
	assert_true(cli_out_has(f, "\"broker_refused\": true"));
	/* the same probe with a good partner's certificate is answered */
	char gurl[128];
	struct raw_peer good;
	json_t *answer = NULL;
	snprintf(gurl, sizeof(gurl), "tls+tcp://127.0.0.1:%d", fed_port(f, GEMEENTE));
	assert_int_equal(raw_open(f, &good, "ca/radar.pem", NULL, gurl, ids[GEMEENTE]), 0);
	assert_int_equal(raw_call(&good, "{}", 2, 5000, &answer), 0);
	json_decref(answer);
	raw_close(&good);
}

/* Waits (bounded) until the file rel of the federation holds needle. */
static int wait_file_has(struct fed *f, const char *rel, const char *needle)
{
	int64_t end = time_mono_ms() + SETTLE_MS;
	for (;;) {
		size_t len = 0;
		char *text = slurp(f, rel, &len);
		int found = text != NULL && strstr(text, needle) != NULL;
		free(text);
		if (found)
			return 0;
		if (time_mono_ms() > end)
			return -1;
		sleep_ms(50);
	}
}

static void test_r20_sighup_reloads_never_kills(void **state)
{
	struct fed *f = *state;
	assert_int_equal(kill(f->broker, SIGHUP), 0);
	assert_int_equal(kill(f->nodes[RADAR], SIGHUP), 0);
	int64_t end = time_mono_ms() + SETTLE_MS;
	while ((!fed_log_contains(f, "broker", "\"event\":\"reloaded\"") ||
		!fed_log_contains(f, "radar", "\"event\":\"reloaded\"")) && time_mono_ms() < end)
		sleep_ms(50);
	assert_true(fed_log_contains(f, "broker", "\"event\":\"reloaded\""));
	assert_true(fed_log_contains(f, "radar", "\"event\":\"reloaded\""));
	assert_true(fed_log_contains(f, "broker", "\"event\":\"reload_config\""));
	assert_true(fed_log_contains(f, "radar", "\"event\":\"reload_config\""));
	assert_int_equal(kill(f->broker, 0), 0);
	assert_int_equal(kill(f->nodes[RADAR], 0), 0);
	/* a new log file and level take effect; after logrotate moves the file,
	 * SIGHUP opens it again */
	const char *gm = "gemeente-heerlen.json";
	assert_int_equal(fed_config_edit(f, gm, "log_file", "\"logs/gemeente-file.log\""), 0);
	assert_int_equal(fed_config_edit(f, gm, "log_level", "\"debug\""), 0);
	assert_int_equal(kill(f->nodes[GEMEENTE], SIGHUP), 0);
	assert_int_equal(wait_file_has(f, "logs/gemeente-file.log", "\"event\":\"reloaded\""), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, 1, 10000), 0); /* the broker's pings: debug lines */
	assert_int_equal(wait_file_has(f, "logs/gemeente-file.log", "\"level\":\"debug\""), 0);
	assert_int_equal(fed_sh(f, "mv logs/gemeente-file.log logs/gemeente-file.log.1"), 0);
	assert_int_equal(kill(f->nodes[GEMEENTE], SIGHUP), 0);
	assert_int_equal(wait_file_has(f, "logs/gemeente-file.log", "\"event\":\"reloaded\""), 0);
	assert_int_equal(fed_sh(f, "test \"$(stat -c %%a logs/gemeente-file.log)\" = 600"), 0);
	/* back to the file the harness reads (and scans for sanitizer reports) */
	assert_int_equal(fed_config_edit(f, gm, "log_file", "\"logs/gemeente-heerlen.log\""), 0);
	assert_int_equal(kill(f->nodes[GEMEENTE], SIGHUP), 0);
	assert_int_equal(wait_file_has(f, "logs/gemeente-heerlen.log", "\"applied log_file"), 0);
	/* a config that no longer loads keeps the one in use, and the daemon runs */
	assert_int_equal(fed_sh(f, "cp broker.json broker.json.good && echo '{' > broker.json"), 0);
	assert_int_equal(kill(f->broker, SIGHUP), 0);
	int64_t until = time_mono_ms() + SETTLE_MS;
	while (!fed_log_contains(f, "broker", "the configuration in use stays") &&
	       time_mono_ms() < until)
		sleep_ms(50);
	assert_true(fed_log_contains(f, "broker", "the configuration in use stays"));
	assert_int_equal(fed_sh(f, "mv broker.json.good broker.json"), 0);
	assert_int_equal(kill(f->broker, 0), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, 1, 10000), 0);
}

/* A CRL reissued by the CA reaches every node by itself; health warns a
 * week before it lapses (a lapsed CRL makes TLS refuse everyone). */
static void test_r20_crl_distributed_and_expiry_warned(void **state)
{
	struct fed *f = *state;
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* a CRL's lastUpdate has whole seconds: the new one must be newer */
	char path[512];
	struct stat st;
	fed_file(f, "ca/crl.pem", path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	int64_t bound = time_mono_ms() + 2000;
	while (time(NULL) <= st.st_mtim.tv_sec && time_mono_ms() < bound)
		sleep_ms(20);
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir ca crl --days 3 >/dev/null", cwd), 0);
	int64_t end = time_mono_ms() + SETTLE_MS;
	int warned = 0;
	while (!warned && time_mono_ms() < end) {
		/* a CRL lapsing within a week: done, with a warning (exit status 3) */
		warned = cli(f, "gemeente-heerlen", "health") == 3 &&
			 cli_out_has(f, "WARNING: the CRL lapses");
		if (!warned)
			sleep_ms(200);
	}
	assert_true(warned);
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, "WARNING: crl lapses"));
}

/* ---- r21: a breach register an operator can answer ------------------------ */

static void test_r21_breach_flood_bounded_incident_on_top(void **state)
{
	struct fed *f = *state;
	char url[128];
	broker_url(f, url, sizeof(url));
	/* the partners that left shut their nodes down; what remains is news */
	for (size_t i = 0; i < NNODES; i++)
		if (gone[i] || i == WELLER)
			fed_stop(&f->nodes[i], SIGTERM);
	/* 5,000 refused messages: bad signatures, each claiming another sender */
	static const char *const claims[] = { "gemeente-heerlen", "alcander", "radar", "weller",
					      "mondriaan", "nobody-1", "nobody-2" };
	struct raw_peer peer;
	int open = 0;
	for (int i = 0; i < 5000; i++) {
		if (!open) {
			assert_int_equal(raw_open(f, &peer, "ca/radar.pem", NULL, url, "broker"), 0);
			open = 1;
		}
		json_t *env = NULL, *reply = NULL;
		assert_int_equal(envelope_new1(&env, "health", claims[i % 7], "broker"), 0);
		char *buf = NULL;
		size_t len = 0;
		assert_int_equal(envelope_sign(env, peer.ident->key), 0);
		assert_int_equal(envelope_encode(env, &buf, &len), 0);
		if (raw_call(&peer, buf, len, 2000, &reply) != 0) {
			raw_close(&peer); /* disconnected past its refusals: a new connection */
			open = 0;
		}
		free(buf);
		json_decref(env);
		json_decref(reply);
	}
	if (open)
		raw_close(&peer);
	long rows = dbq(f, "data/broker.db", "SELECT COUNT(*) FROM security_events");
	print_message("5000 refusals: %ld rows in the broker's security events\n", rows);
	assert_true(rows < 200);
	/* in the register, one entry per kind and host, whatever senders were claimed */
	assert_true(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) > 0 FROM breaches"
			     " WHERE source = 'broker' AND kind = 'signature'") == 1);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM breaches WHERE source ="
			" 'broker' AND kind = 'signature'") <= 2); /* a day may turn */
	/* an incident after the flood: a node refuses a message that skipped the broker */
	struct raw_peer direct;
	char nurl[128];
	snprintf(nurl, sizeof(nurl), "tls+tcp://127.0.0.1:%d", fed_port(f, RADAR));
	assert_int_equal(raw_open(f, &direct, "ca/gemeente-heerlen.pem", NULL, nurl, "radar"), 0);
	json_t *env = NULL, *reply = NULL;
	assert_int_equal(envelope_new1(&env, "lookup", "gemeente-heerlen", "radar"), 0);
	(void)raw_send_env(&direct, env, 3000, &reply);
	json_decref(env);
	json_decref(reply);
	raw_close(&direct);
	/* raised by radar's node to the municipality's register */
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) > 0 FROM breaches"
				  " WHERE source = 'radar' AND kind = 'no_receipt'"), 1);
	/* newer refusals of bad input do not push the incident down */
	assert_int_equal(raw_open(f, &peer, "ca/radar.pem", NULL, url, "broker"), 0);
	for (int i = 0; i < 50; i++) {
		json_t *reply = NULL;
		(void)raw_call(&peer, "{not json", 9, 2000, &reply);
		json_decref(reply);
	}
	raw_close(&peer);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, 10000, "SELECT COUNT(*) > 0 FROM breaches"
				  " WHERE source = 'broker' AND class = 'refusal'"), 1);
	assert_true(cli(f, "broker", "breaches list --json") == 0);
	json_t *list = NULL;
	char *text = slurp(f, "cli.out", &slen);
	assert_non_null(text);
	list = json_loads(text, 0, NULL);
	free(text);
	json_t *top = json_array_get(json_object_get(list, "breaches"), 0);
	assert_non_null(top);
	assert_string_equal(json_string_value(json_object_get(top, "source")), "radar");
	assert_true(json_array_size(json_object_get(list, "breaches")) < 20);
	assert_true(json_is_integer(json_object_get(top, "due"))); /* 72 hours to assess it */
	/* bad input is recorded, not an incident on the 72-hour clock */
	size_t k;
	json_t *row;
	int recorded = 0;
	json_array_foreach(json_object_get(list, "breaches"), k, row)
		if (strcmp(json_string_value(json_object_get(row, "class")), "refusal") == 0) {
			assert_string_equal(json_string_value(json_object_get(row, "state")),
					    "recorded");
			assert_null(json_object_get(row, "due")); /* on no clock */
			recorded++;
		}
	assert_true(recorded >= 1);
	json_int_t id = json_integer_value(json_object_get(top, "id"));
	json_decref(list);
	/* assessed, then the authority and the subjects told */
	char args[256];
	snprintf(args, sizeof(args), "breaches assess %lld --risk risk --text 'verkeerde route'",
		 (long long)id);
	assert_int_equal(cli(f, "broker", args), 0);
	snprintf(args, sizeof(args), "breaches assess %lld --risk maybe --text x", (long long)id);
	assert_int_equal(cli(f, "broker", args), 2);
	/* closing an incident takes a text on record, not blanks */
	snprintf(args, sizeof(args), "breaches assess %lld --risk none --text '   '", (long long)id);
	assert_int_equal(cli(f, "broker", args), 2);
	snprintf(args, sizeof(args), "breaches notify %lld --to authority --text AP-2026-17",
		 (long long)id);
	assert_int_equal(cli(f, "broker", args), 0);
	/* reported: the assessment can no longer be lowered to close it */
	snprintf(args, sizeof(args), "breaches assess %lld --risk none --text 'toch niets'",
		 (long long)id);
	assert_int_not_equal(cli(f, "broker", args), 0);
	assert_true(cli_err_has(f, "assessment stands"));
	/* but found worse later, it is raised, and the subjects are to be told */
	snprintf(args, sizeof(args), "breaches assess %lld --risk high --text 'ook adressen'",
		 (long long)id);
	assert_int_equal(cli(f, "broker", args), 0);
	snprintf(args, sizeof(args), "breaches show %lld", (long long)id);
	assert_int_equal(cli(f, "broker", args), 0);
	assert_true(cli_out_has(f, "to_notify")); /* high risk: the subjects are still to be told */
	/* moments as a person reads them, not epoch milliseconds, with their
	 * offset from UTC: the 72 hours are read by the authority too */
	assert_int_equal(fed_sh(f, "grep -Eq '^ *first_seen +[0-9]{4}-[0-9]{2}-[0-9]{2} "
			       "[0-9]{2}:[0-9]{2} \\+0[12]00$' cli.out"), 0);
	assert_int_equal(fed_sh(f, "grep -Eq '^ *assessed_at +[0-9]{4}-[0-9]{2}-[0-9]{2} "
			       "[0-9]{2}:[0-9]{2} \\+0[12]00$' cli.out"), 0);
	assert_int_equal(cli(f, "broker", "breaches list"), 0);
	assert_int_equal(fed_sh(f, "grep -Eq '^%lld +to_notify .* [0-9]{4}-[0-9]{2}-[0-9]{2} "
			       "[0-9]{2}:[0-9]{2} \\+0[12]00$' cli.out", (long long)id), 0);
	assert_false(cli_out_has(f, "done:")); /* a record shown, not an action done */
	snprintf(args, sizeof(args), "breaches notify %lld --to subjects --text 'brief 2 dec'",
		 (long long)id);
	assert_int_equal(cli(f, "broker", args), 0);
	assert_true(cli_out_has(f, "closed"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type LIKE"
			     " 'breaches.%%'"), 4);
	/* each names the account on the admin socket, as the kernel gives it */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type LIKE"
			     " 'breaches.%%' AND entry LIKE '%%(uid %u %%'", (unsigned)getuid()), 4);
}

/* ---- r22 in a federation of its own: room under max_partners ----------- */

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

/* A default lookup asks every partner but the one asking, and the broker
 * refuses a message to more than max_partners: a partner admitted past it
 * would make every default lookup fail. A join that would is refused with
 * why; one approved while there was room waits, approved, until the members
 * raise the limit, and is then carried out. */
static void test_r22_join_within_max_partners(void **state)
{
	struct fed *f = *state;
	static const char *const two[] = { "gemeente-heerlen", "radar" };
	char first[WN_ID_LEN + 1], second[WN_ID_LEN + 1], st[16], *out = NULL;
	assert_int_equal(fed_setup(f, two, 2), 0);
	assert_int_equal(fed_config_edit(f, "broker.json", "max_partners", "2"), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 0, 1, 20000), 0);
	/* two candidates ask while there is room for one more */
	json_t *reply = raw_join_at(f, "meander-groep", "tls+tcp://127.0.0.1:1");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	reply = raw_join_at(f, "sevagram", "tls+tcp://127.0.0.1:2");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	proposal_of(f, "meander-groep", first);
	proposal_of(f, "sevagram", second);
	assert_int_equal(vote(f, 0, first, 1), 0);
	assert_int_equal(vote(f, 1, first, 1), 0);
	proposal_status(f, first, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'meander-groep' AND status = 'active'"), 1);
	/* a third partner's join now: refused at once, saying what to do */
	reply = raw_join_at(f, "xonar", "tls+tcp://127.0.0.1:3");
	assert_string_equal(reply_error(reply), "limit");
	assert_non_null(strstr(json_string_value(json_object_get(envelope_body(reply), "message")),
			       "raise max_partners"));
	json_decref(reply);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE subject ="
			     " 'xonar'"), 0);
	/* the one asked before: approved, and not admitted past the limit */
	assert_int_equal(vote(f, 0, second, 1), 0);
	assert_int_equal(vote(f, 1, second, 1), 0);
	raw_vote(f, "meander-groep", second);
	proposal_status(f, second, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'sevagram'"), 0);
	assert_true(log_count(f, "broker", "proposal_not_carried_out", "max_partners") >= 1);
	/* the members raise the limit: it is carried out */
	wn_client *c = client_of(f, 0);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"max_partners\": 3}", &out), 0);
	free(out);
	wn_client_close(c);
	char policy[WN_ID_LEN + 1];
	proposal_of(f, "policy-v2", policy);
	assert_int_equal(vote(f, 1, policy, 1), 0);
	raw_vote(f, "meander-groep", policy);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " partners WHERE id = 'sevagram' AND status = 'active'"), 1);
}

/* A federation started under the Groningen covenant decides as that
 * covenant says (11.4: the municipality and a majority), not by Heerlen's
 * unanimity, unless its config names another rule. */
static void test_r24_groningen_federation_seeds_its_own_rule(void **state)
{
	struct fed *f = *state;
	static const char *const two[] = { "gemeente-heerlen", "radar" };
	assert_int_equal(fed_setup(f, two, 2), 0);
	assert_int_equal(fed_config_edit(f, "broker.json", "covenant", "\"groningen\""), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM policy"
				  " WHERE version = 1 AND json_extract(document, '$.approval_rule') ="
				  " 'municipality_and_majority'"), 1);
	assert_false(fed_log_contains(f, "broker", "covenant_default"));
}

/* The address a candidate asked to be reached at is its own while its
 * request is open: another candidate naming it is refused, as an address a
 * member has is; once that request is decided or withdrawn it is free. */
static void test_r22_join_address_claimed_by_open_request(void **state)
{
	struct fed *f = *state;
	static const char *const two[] = { "gemeente-heerlen", "radar" };
	char id[WN_ID_LEN + 1];
	assert_int_equal(fed_setup(f, two, 2), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, 0), 0);
	assert_int_equal(fed_start_node(f, 1), 0);
	assert_int_equal(fed_wait_up(f, 0, 1, 20000), 0);
	json_t *reply = raw_join_at(f, "meander-groep", "tls+tcp://127.0.0.1:2");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	reply = raw_join_at(f, "sevagram", "tls+tcp://127.0.0.1:2");
	assert_string_equal(reply_error(reply), "exists");
	assert_non_null(strstr(json_string_value(json_object_get(envelope_body(reply), "message")),
			       "meander-groep"));
	json_decref(reply);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE subject ="
			     " 'sevagram'"), 0);
	/* decided, the address is free again */
	proposal_of(f, "meander-groep", id);
	assert_int_equal(vote(f, 1, id, 0), 0);
	reply = raw_join_at(f, "sevagram", "tls+tcp://127.0.0.1:2");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
}

/* Starts a federation of its own of the partners named, every node up. */
static void own_start(struct fed *f, const char *const *partners, size_t n)
{
	assert_int_equal(fed_setup(f, partners, n), 0);
	assert_int_equal(fed_start_broker(f), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fed_start_node(f, i), 0);
	assert_int_equal(fed_wait_up(f, 0, n - 1, 20000), 0);
}

/* One policy change is open at a time: a mistaken one would hold every
 * other until a member rejects it. Its proposer takes it back, and only
 * it, while it is open; the members see it withdrawn, and a new change can
 * be proposed (r24). */
static void test_r24_proposer_withdraws_its_policy_proposal(void **state)
{
	struct fed *f = *state;
	static const char *const three[] = { "gemeente-heerlen", "radar", "alcander" };
	char id[WN_ID_LEN + 1], join[WN_ID_LEN + 1], next[WN_ID_LEN + 1], st[16], args[160];
	char *out = NULL;
	own_start(f, three, 3);
	assert_int_equal(write_file(f, "policy.json", "{\"notice_months\": 12}"), 0);
	assert_int_equal(cli(f, "radar", "policy propose policy.json"), 0);
	proposal_of(f, "policy-v2", id);
	wn_client *c = client_of(f, 0);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 3}", &out),
			 WN_EEXISTS);
	free(out);
	out = NULL;
	/* the open one is named, and how it is closed */
	assert_non_null(strstr(wn_client_errmsg(c), id));
	assert_non_null(strstr(wn_client_errmsg(c), "policy withdraw"));
	assert_int_not_equal(cli(f, "alcander", "policy propose policy.json"), 0);
	assert_true(cli_err_has(f, id) && cli_err_has(f, "member approve|reject"));
	/* the broker's operator sees what it changes, its proposer's vote counted */
	snprintf(args, sizeof(args), "pending approval: %s policy policy-v2 (1 vote)", id);
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, args));
	assert_true(cli_out_has(f, "changes notice_months: "));
	/* a vote on it names the policy version it makes, not a partner */
	snprintf(args, sizeof(args), "member approve %s", id);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 0);
	assert_true(cli_out_has(f, "policy     policy-v2"));
	assert_false(cli_out_has(f, "partner"));
	snprintf(args, sizeof(args), "pending approval: %s policy policy-v2 (2 votes)", id);
	assert_int_equal(cli(f, "broker", "admin status"), 0);
	assert_true(cli_out_has(f, args));
	/* the broker's refusal is said as every command's error is */
	assert_int_not_equal(cli(f, "broker", "admin suspend nobody --reason 'onbekend'"), 0);
	assert_true(cli_err_has(f, "wijknet: admin suspend: "));
	assert_false(cli_err_has(f, "wijknet admin:"));
	/* another member does not take it back: it votes on it */
	assert_int_equal(wn_policy_withdraw(c, &coordinator, id, NULL, &out), WN_EDENIED);
	assert_non_null(strstr(wn_client_errmsg(c), "only its proposer 'radar'"));
	wn_client_close(c);
	snprintf(args, sizeof(args), "policy withdraw %s", id);
	assert_int_equal(cli(f, "alcander", args), 1);
	assert_true(cli_err_has(f, "only its proposer") && cli_err_has(f, "radar"));
	/* a join request is its candidate's to withdraw, not a policy change */
	json_t *reply = raw_join_at(f, "meander-groep", "tls+tcp://127.0.0.1:2");
	assert_string_equal(reply_error(reply), "");
	json_decref(reply);
	proposal_of(f, "meander-groep", join);
	snprintf(args, sizeof(args), "policy withdraw %s", join);
	assert_int_equal(cli(f, "radar", args), 2);
	assert_true(cli_err_has(f, "not a policy change"));
	assert_int_equal(cli(f, "radar", "policy withdraw 00000000000000000000000000000000"), 1);
	assert_true(cli_err_has(f, "no proposal"));
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open");
	/* its proposer does, saying why: blanks are no reason */
	snprintf(args, sizeof(args), "policy withdraw %s --reason ' '", id);
	assert_int_equal(cli(f, "radar", args), 2);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open");
	snprintf(args, sizeof(args), "policy withdraw %s --reason 'verkeerde termijn'", id);
	assert_int_equal(cli(f, "radar", args), 0);
	assert_true(cli_out_has(f, "withdrawn"));
	assert_true(cli_out_has(f, "policy-v2"));
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "withdrawn");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%%s%%' AND entry LIKE"
			     " '%%withdrawn by its proposer%%verkeerde termijn%%'", id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
	/* the members see it */
	assert_int_equal(cli(f, "gemeente-heerlen", "member list"), 0);
	assert_true(cli_out_has(f, "withdrawn"));
	assert_true(cli_out_has(f, "outcome: withdrawn by its proposer"));
	assert_true(cli_out_has(f, "radar"));
	assert_true(cli_out_has(f, ": verkeerde termijn"));
	/* closed: no vote on it, no second withdrawal */
	assert_int_equal(vote(f, 0, id, 1), WN_ESTATE);
	snprintf(args, sizeof(args), "policy withdraw %s", id);
	assert_int_equal(cli(f, "radar", args), 1);
	assert_true(cli_err_has(f, "withdrawn already"));
	/* and another change can be proposed */
	c = client_of(f, 0);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 3}", &out), 0);
	free(out);
	wn_client_close(c);
	assert_int_equal(dbq_text(f, "data/broker.db", next, sizeof(next), "SELECT id FROM"
				  " proposals WHERE kind = 'policy' AND status = 'open'"), 0);
	assert_string_not_equal(next, id);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "withdrawn");
}

/* A proposal about a partner that has left makes no sense any more: its
 * exit, proposed by itself or by the municipality, and a policy change
 * moving it between clusters are closed as void when its membership ends
 * (by its notice, or revoked), never decided later; a vote on one is told
 * why (r23). */
static void test_r23_exit_proposals_void_when_partner_left(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-heerlen", "radar", "alcander", "xonar" };
	char exit_a[WN_ID_LEN + 1], exit_x[WN_ID_LEN + 1], move[WN_ID_LEN + 1], st[16];
	char args[160], *out = NULL;
	own_start(f, four, 4);
	/* alcander asks to leave at once; one member agreed when its notice ends */
	assert_int_equal(cli(f, "alcander", "member notice --immediate --reason 'fusie'"), 0);
	proposal_of(f, "alcander", exit_a);
	assert_int_equal(vote(f, 0, exit_a, 1), 0);
	dbexec(f, "data/broker.db", "UPDATE partners SET end_at = CAST(strftime('%s','now') AS"
	       " INTEGER) * 1000 - 1 WHERE id = 'alcander'");
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " partners WHERE id = 'alcander' AND status = 'ended'"), 1);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " proposals WHERE id = '%s' AND status = 'void' AND outcome LIKE"
				  " '%%''alcander'' left the federation (ended)%%'", exit_a), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%%s%%' AND entry LIKE"
			     " '%%\"status\":\"void\"%%'", exit_a), 1);
	/* a vote on it is refused, saying why; the members see it closed */
	snprintf(args, sizeof(args), "member approve %s", exit_a);
	assert_int_equal(cli(f, "radar", args), 1);
	assert_true(cli_err_has(f, "left the federation"));
	assert_int_equal(vote(f, 3, exit_a, 1), WN_ESTATE);
	proposal_status(f, exit_a, st, sizeof(st));
	assert_string_equal(st, "void");
	assert_int_equal(cli(f, "gemeente-heerlen", "member list"), 0);
	assert_true(cli_out_has(f, "void"));
	assert_true(cli_out_has(f, "outcome: void:"));
	assert_true(cli_out_has(f, "alcander"));
	assert_true(cli_out_has(f, "left the federation (ended)"));
	/* the municipality proposes xonar's end (Heerlen: every member decides)
	 * and radar a change moving xonar to youth cases; xonar is revoked */
	assert_int_equal(cli(f, "gemeente-heerlen", "member end xonar --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 0);
	proposal_of(f, "xonar", exit_x);
	wn_client *c = client_of(f, 1);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": {\"xonar\":"
					   " [\"jeugd\"]}, \"notice_months\": 3}", &out), 0);
	free(out);
	out = NULL;
	wn_client_close(c);
	proposal_of(f, "policy-v2", move);
	assert_int_equal(cli(f, "broker", "admin revoke xonar --reason 'sleutel gelekt'"), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 2, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " proposals WHERE id IN ('%s', '%s') AND status = 'void'", exit_x,
				  move), 2);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE id = '%s'"
			     " AND outcome LIKE '%%moves ''xonar'' between clusters%%'", move), 1);
	assert_int_equal(vote(f, 0, move, 1), WN_ESTATE);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
	/* a new change moving the partner that left is refused; the rest can be
	 * proposed again */
	c = client_of(f, 1);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"clusters\": {\"xonar\":"
					   " [\"jeugd\"]}}", &out), WN_ESTATE);
	assert_non_null(strstr(wn_client_errmsg(c), "has left the federation"));
	free(out);
	out = NULL;
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 3}", &out), 0);
	free(out);
	wn_client_close(c);
	/* and nothing about a partner that left was decided after it left */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'exit' AND status = 'approved'"), 0);
}

/* An exit waits for every member: a mistaken one, or one its proposer no
 * longer wants, would stand until a member rejects it. Its proposer takes
 * it back while it is open, and only it: a member its own immediate exit
 * (its notice stands), the municipality its proposal to end another's
 * membership (r23). */
static void test_r23_proposer_withdraws_its_exit_proposal(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-heerlen", "radar", "alcander", "xonar" };
	char exit_a[WN_ID_LEN + 1], exit_x[WN_ID_LEN + 1], policy[WN_ID_LEN + 1], st[16];
	char args[160], *out = NULL;
	own_start(f, four, 4);
	assert_int_equal(cli(f, "alcander", "member notice --immediate --reason 'fusie'"), 0);
	proposal_of(f, "alcander", exit_a);
	assert_int_equal(vote(f, 1, exit_a, 1), 0);
	/* another member votes on it; it does not take it back */
	snprintf(args, sizeof(args), "member withdraw %s", exit_a);
	assert_int_equal(cli(f, "radar", args), 1);
	assert_true(cli_err_has(f, "only its proposer") && cli_err_has(f, "alcander"));
	wn_client *c = client_of(f, 0);
	assert_int_equal(wn_member_exit_withdraw(c, &coordinator, exit_a, NULL, &out),
			 WN_EDENIED);
	wn_client_close(c);
	/* an exit is no policy change, nor the other way round */
	snprintf(args, sizeof(args), "policy withdraw %s", exit_a);
	assert_int_equal(cli(f, "alcander", args), 2);
	assert_true(cli_err_has(f, "member withdraw"));
	assert_int_equal(write_file(f, "policy.json", "{\"notice_months\": 12}"), 0);
	assert_int_equal(cli(f, "radar", "policy propose policy.json"), 0);
	proposal_of(f, "policy-v2", policy);
	snprintf(args, sizeof(args), "member withdraw %s", policy);
	assert_int_equal(cli(f, "radar", args), 2);
	assert_true(cli_err_has(f, "not an exit"));
	proposal_status(f, exit_a, st, sizeof(st));
	assert_string_equal(st, "open");
	/* its proposer does, saying why; it stays under notice */
	snprintf(args, sizeof(args), "member withdraw %s --reason 'fusie gaat niet door'", exit_a);
	assert_int_equal(cli(f, "alcander", args), 0);
	assert_true(cli_out_has(f, "withdrawn"));
	proposal_status(f, exit_a, st, sizeof(st));
	assert_string_equal(st, "withdrawn");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%%s%%' AND entry LIKE"
			     " '%%withdrawn by its proposer%%fusie gaat niet door%%'", exit_a), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'notice'"), 1);
	assert_int_equal(cli(f, "gemeente-heerlen", "member list"), 0);
	assert_true(cli_out_has(f, "outcome: withdrawn by its proposer"));
	/* closed: the votes that would have decided it count for nothing */
	assert_int_equal(vote(f, 0, exit_a, 1), WN_ESTATE);
	assert_int_equal(vote(f, 3, exit_a, 1), WN_ESTATE);
	assert_int_equal(cli(f, "alcander", args), 1);
	assert_true(cli_err_has(f, "withdrawn already"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'alcander' AND status = 'notice'"), 1);
	/* it may ask again */
	assert_int_equal(cli(f, "alcander", "member notice --immediate"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'exit' AND subject = 'alcander' AND status = 'open'"), 1);
	/* the municipality's proposal to end xonar is the municipality's to take
	 * back, not xonar's */
	assert_int_equal(cli(f, "gemeente-heerlen", "member end xonar --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 0);
	proposal_of(f, "xonar", exit_x);
	c = client_of(f, 3);
	assert_int_equal(wn_member_exit_withdraw(c, &coordinator, exit_x, NULL, &out),
			 WN_EDENIED);
	assert_non_null(strstr(wn_client_errmsg(c), "does not vote on it"));
	wn_client_close(c);
	c = client_of(f, 0);
	assert_int_equal(wn_member_exit_withdraw(c, &coordinator, exit_x, "opgelost", &out), 0);
	assert_non_null(strstr(out, "withdrawn"));
	assert_non_null(strstr(out, "xonar"));
	free(out);
	wn_client_close(c);
	proposal_status(f, exit_x, st, sizeof(st));
	assert_string_equal(st, "withdrawn");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'xonar' AND status = 'active'"), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'exit' AND status = 'approved'"), 0);
}

/* A policy change stands for its proposer's wish: once the proposer has
 * left the federation nobody stands behind it, nor can anyone withdraw it.
 * It is closed as void, as proposals about a partner that left are, never
 * adopted by the votes of the rest (r24). */
static void test_r24_policy_proposal_void_when_proposer_left(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-heerlen", "radar", "alcander", "xonar" };
	char id[WN_ID_LEN + 1], next[WN_ID_LEN + 1], st[16], args[160], *out = NULL;
	own_start(f, four, 4);
	assert_int_equal(write_file(f, "policy.json", "{\"notice_months\": 6}"), 0);
	assert_int_equal(cli(f, "xonar", "policy propose policy.json"), 0);
	proposal_of(f, "policy-v2", id);
	assert_int_equal(vote(f, 1, id, 1), 0);
	assert_int_equal(cli(f, "broker", "admin revoke xonar --reason 'sleutel gelekt'"), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " proposals WHERE id = '%s' AND status = 'void' AND outcome LIKE"
				  " '%%proposer ''xonar'' left the federation (revoked)%%'", id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%%s%%' AND entry LIKE"
			     " '%%\"status\":\"void\"%%'", id), 1);
	/* the rest approving it adopts nothing: a vote is told why */
	snprintf(args, sizeof(args), "member approve %s", id);
	assert_int_equal(cli(f, "gemeente-heerlen", args), 1);
	assert_true(cli_err_has(f, "its proposer") && cli_err_has(f, "xonar") &&
		    cli_err_has(f, "left the federation"));
	assert_int_equal(vote(f, 2, id, 1), WN_ESTATE);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "void");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(version) FROM policy"), 1);
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "outcome: void: its proposer"));
	/* a member that is still in proposes it again, and it is decided */
	wn_client *c = client_of(f, 1);
	assert_int_equal(wn_policy_propose(c, &coordinator, "{\"notice_months\": 6}", &out), 0);
	free(out);
	wn_client_close(c);
	assert_int_equal(dbq_text(f, "data/broker.db", next, sizeof(next), "SELECT id FROM"
				  " proposals WHERE kind = 'policy' AND status = 'open'"), 0);
	assert_int_equal(vote(f, 0, next, 1), 0);
	assert_int_equal(vote(f, 2, next, 1), 0);
	proposal_status(f, next, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq_wait(f, "data/broker.db", 2, SETTLE_MS, "SELECT MAX(version) FROM"
				  " policy"), 2);
}

/* A municipality's proposal to end another's membership stands for that
 * municipality's judgement after consultation (Groningen 10.2): once it has
 * left the federation nobody stands behind it, nor can anyone withdraw it.
 * It is closed as void, as a policy change whose proposer left is, never
 * decided by the votes of the rest; a municipality still in proposes it
 * again (r23). */
static void test_r23_end_proposal_void_when_its_municipality_left(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-heerlen", "gemeente-kerkrade", "radar",
					    "xonar" };
	char id[WN_ID_LEN + 1], again[WN_ID_LEN + 1], st[16], args[160];
	own_start(f, four, 4);
	assert_int_equal(cli(f, "gemeente-kerkrade", "member end xonar --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 0);
	proposal_of(f, "xonar", id);
	assert_int_equal(vote(f, 0, id, 1), 0);
	/* kerkrade gives notice, and its notice ends before radar voted */
	assert_int_equal(cli(f, "gemeente-kerkrade", "member notice --reason 'herindeling'"), 0);
	dbexec(f, "data/broker.db", "UPDATE partners SET end_at = CAST(strftime('%s','now') AS"
	       " INTEGER) * 1000 - 1 WHERE id = 'gemeente-kerkrade'");
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " partners WHERE id = 'gemeente-kerkrade' AND status = 'ended'"), 1);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " proposals WHERE id = '%s' AND status = 'void' AND outcome LIKE"
				  " '%%proposer ''gemeente-kerkrade'' left the federation (ended)%%'",
				  id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'member.decision' AND entry LIKE '%%%s%%' AND entry LIKE"
			     " '%%\"status\":\"void\"%%'", id), 1);
	/* radar approving it ends nothing: a vote is told why */
	snprintf(args, sizeof(args), "member approve %s", id);
	assert_int_equal(cli(f, "radar", args), 1);
	assert_true(cli_err_has(f, "its proposer") && cli_err_has(f, "gemeente-kerkrade") &&
		    cli_err_has(f, "left the federation"));
	assert_int_equal(vote(f, 2, id, 1), WN_ESTATE);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "void");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'xonar' AND status = 'active'"), 1);
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "outcome: void: its proposer"));
	/* the municipality that stays proposes it again, its own proposal */
	assert_int_equal(cli(f, "gemeente-heerlen", "member end xonar --reason 'afspraken niet "
			     "nagekomen, na overleg'"), 0);
	proposal_of(f, "xonar", again);
	assert_string_not_equal(again, id);
	proposal_status(f, again, st, sizeof(st));
	assert_string_equal(st, "open");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE kind ="
			     " 'exit' AND status = 'approved'"), 0);
}

/* A node of a partner the broker's config leaves out (listed first: its
 * two lines go and the list stays JSON), started with the rest. */
static void own_start_with_candidate(struct fed *f, const char *const *partners, size_t n,
				     const char *covenant)
{
	assert_int_equal(fed_setup(f, partners, n), 0);
	assert_int_equal(fed_sh(f, "sed -i '/\"id\": \"%s\"/,+1d' broker.json", partners[0]), 0);
	if (covenant != NULL)
		assert_int_equal(fed_config_edit(f, "broker.json", "covenant", covenant), 0);
	for (size_t i = 0; i < n; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "%s.json", partners[i]);
		assert_int_equal(fed_config_edit(f, rel, "refresh_seconds", "1"), 0);
	}
	assert_int_equal(fed_start_broker(f), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fed_start_node(f, i), 0);
	assert_int_equal(fed_wait_up(f, 1, n - 2, 20000), 0);
}

/* node's join as its operator makes it: its exit status, once the node
 * reaches the broker (exit 4 while it redials). */
static int join_as(struct fed *f, const char *node, const char *args)
{
	int status = 4;
	for (int64_t end = time_mono_ms() + SETTLE_MS; (status = cli(f, node, args)) == 4 &&
	     time_mono_ms() < end;)
		sleep_ms(100);
	return status;
}

/* Gemeente Kerkrade's join request (node 0, without a role) into req. */
static void kerkrade_join_request(struct fed *f, char *req, size_t cap)
{
	snprintf(req, cap, "{\"name\": \"Gemeente Kerkrade\", \"address\":"
		 " \"tls+tcp://127.0.0.1:%d\", \"clusters\": [\"jeugd\", \"volwassenen\"],"
		 " \"organisation\": \"Gemeente Kerkrade\", \"representative\": \"dhr. K. Smeets\","
		 " \"function\": \"burgemeester\", \"place\": \"Kerkrade\", \"date\":"
		 " \"2026-12-01\"}", fed_port(f, 0));
}

/* A municipality joins while the federation runs, as any partner does: by
 * the members' approval (Heerlen 15.3). Once it is in, the municipality
 * that was the only one gives notice and leaves (a merger, a regional
 * federation whose municipalities change), and the one that joined is
 * treated as one the first start seeded. A role nobody knows is refused. */
static void test_r22_municipality_joins_and_the_only_one_leaves(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-kerkrade", "gemeente-heerlen", "radar",
					    "alcander" };
	char req[1024], id[WN_ID_LEN + 1], exit_id[WN_ID_LEN + 1], st[16];
	own_start_with_candidate(f, four, 4, NULL);
	/* the only municipality: nobody would answer the client after it */
	assert_int_equal(cli(f, "gemeente-heerlen", "member notice --reason 'gemeentelijke "
			     "herindeling'"), 1);
	assert_true(cli_err_has(f, "only municipality") && cli_err_has(f, "joins"));
	/* a role nobody knows: the command line, the node and the broker refuse it */
	kerkrade_join_request(f, req, sizeof(req));
	assert_int_equal(write_file(f, "join.json", req), 0);
	assert_int_equal(cli(f, "gemeente-kerkrade", "member join join.json --role wethouder"), 2);
	assert_true(cli_err_has(f, "--role") && cli_err_has(f, "wethouder"));
	size_t len = strlen(req);
	char named[1100];
	snprintf(named, sizeof(named), "%.*s, \"role\": \"wethouder\"}", (int)(len - 1), req);
	assert_int_equal(write_file(f, "bad-role.json", named), 0);
	assert_int_equal(join_as(f, "gemeente-kerkrade", "member join bad-role.json"), 2);
	assert_true(cli_err_has(f, "role") && cli_err_has(f, "wethouder"));
	snprintf(named, sizeof(named), "%.*s, \"role\": \"member\"}", (int)(len - 1), req);
	assert_int_equal(write_file(f, "member-role.json", named), 0);
	assert_int_equal(cli(f, "gemeente-kerkrade", "member join member-role.json --role "
			     "municipality"), 2);
	assert_true(cli_err_has(f, "REQUEST.json says"));
	json_t *reply = raw_join_role(f, "gemeente-landgraaf", "tls+tcp://127.0.0.1:1",
				      "wethouder");
	assert_string_equal(reply_error(reply), "schema");
	assert_non_null(strstr(json_string_value(json_object_get(envelope_body(reply), "message")),
			       "municipality"));
	json_decref(reply);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals"), 0);
	/* the municipality's join: the members see what it is, and decide */
	assert_int_equal(join_as(f, "gemeente-kerkrade", "member join join.json --role "
				 "municipality"), 0);
	proposal_of(f, "gemeente-kerkrade", id);
	assert_int_equal(cli(f, "radar", "member list"), 0);
	assert_true(cli_out_has(f, "Gemeente Kerkrade, municipality, clusters"));
	assert_int_equal(vote(f, 1, id, 1), 0);
	assert_int_equal(vote(f, 2, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* alcander has not agreed yet (Heerlen 15.3) */
	assert_int_equal(vote(f, 3, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'gemeente-kerkrade' AND role = 'municipality' AND status = 'active'"),
			 1);
	assert_int_equal(status_wait(f, 2, "gemeente-kerkrade", "active", SETTLE_MS), 0);
	/* its node keeps the municipality's queue of notices to the client, as
	 * a seeded one does; a partner's node does not */
	int status = 1;
	for (int64_t end = time_mono_ms() + SETTLE_MS;
	     (status = cli(f, "gemeente-kerkrade", "notices list")) != 0 && time_mono_ms() < end;)
		sleep_ms(100);
	assert_int_equal(status, 0);
	assert_int_equal(cli(f, "radar", "notices list"), 1);
	assert_true(cli_err_has(f, "municipality"));
	/* now the first can leave: notice, and an exit every other member agrees */
	assert_int_equal(cli(f, "gemeente-heerlen", "member notice --immediate --reason "
			     "'gemeentelijke herindeling'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'gemeente-heerlen' AND status = 'notice'"), 1);
	proposal_of(f, "gemeente-heerlen", exit_id);
	assert_int_equal(vote(f, 0, exit_id, 1), 0);
	assert_int_equal(vote(f, 2, exit_id, 1), 0);
	assert_int_equal(vote(f, 3, exit_id, 1), 0);
	proposal_status(f, exit_id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, SETTLE_MS, "SELECT COUNT(*) FROM"
				  " partners WHERE id = 'gemeente-heerlen' AND status = 'ended'"), 1);
	/* the one that joined is the only one now, and stays until another joins */
	assert_int_equal(cli(f, "gemeente-kerkrade", "member notice"), 1);
	assert_true(cli_err_has(f, "only municipality"));
}

/* Two municipalities, one under notice: it ends no membership of the other,
 * and its exit agreed after the other was revoked is not carried out —
 * either would leave nobody to answer the client (Heerlen 9.1). */
static void test_r22_the_last_municipality_stays(void **state)
{
	struct fed *f = *state;
	static const char *const four[] = { "gemeente-kerkrade", "gemeente-heerlen", "radar",
					    "alcander" };
	char req[1024], id[WN_ID_LEN + 1], exit_id[WN_ID_LEN + 1], st[16];
	own_start_with_candidate(f, four, 4, NULL);
	kerkrade_join_request(f, req, sizeof(req));
	assert_int_equal(write_file(f, "join.json", req), 0);
	assert_int_equal(join_as(f, "gemeente-kerkrade", "member join join.json --role "
				 "municipality"), 0);
	proposal_of(f, "gemeente-kerkrade", id);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(vote(f, i, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(status_wait(f, 1, "gemeente-kerkrade", "active", SETTLE_MS), 0);
	assert_int_equal(cli(f, "gemeente-heerlen", "member notice --immediate --reason "
			     "'gemeentelijke herindeling'"), 0);
	proposal_of(f, "gemeente-heerlen", exit_id);
	/* under notice, it does not end the one that would stay */
	assert_int_equal(cli(f, "gemeente-heerlen", "member end gemeente-kerkrade --reason "
			     "'samenvoeging van gemeenten'"), 1);
	assert_true(cli_err_has(f, "without a municipality"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE subject ="
			     " 'gemeente-kerkrade' AND kind = 'exit'"), 0);
	/* the other revoked meanwhile: the exit agreed is rejected, not carried out */
	assert_int_equal(cli(f, "broker", "admin revoke gemeente-kerkrade --reason 'sleutel "
			     "gelekt'"), 0);
	assert_int_equal(vote(f, 2, exit_id, 1), 0);
	assert_int_equal(vote(f, 3, exit_id, 1), 0);
	proposal_status(f, exit_id, st, sizeof(st));
	assert_string_equal(st, "rejected");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE id = '%s'"
			     " AND outcome LIKE '%%no other municipality would stay%%'", exit_id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'gemeente-heerlen' AND status = 'notice'"), 1);
}

/* A federation whose registry holds no municipality (the broker warns of it
 * at every start) gains one by a join. Under municipality_and_majority,
 * which needs a municipality's approval, there is none to give it: every
 * member decides that join (Heerlen 15.3; Groningen 12), while any other
 * proposal still waits for a municipality. */
static void test_r22_municipality_joins_a_federation_without_one(void **state)
{
	struct fed *f = *state;
	static const char *const three[] = { "gemeente-groningen", "radar", "alcander" };
	char req[1024], id[WN_ID_LEN + 1], st[16];
	own_start_with_candidate(f, three, 3, "\"groningen\"");
	assert_true(fed_log_contains(f, "broker", "\"event\":\"no_municipality\""));
	snprintf(req, sizeof(req), "{\"name\": \"Gemeente Groningen\", \"address\":"
		 " \"tls+tcp://127.0.0.1:%d\", \"clusters\": [\"jeugd\"], \"role\":"
		 " \"municipality\", \"organisation\": \"Gemeente Groningen\","
		 " \"representative\": \"mw. A. de Boer\", \"function\": \"wethouder\","
		 " \"place\": \"Groningen\", \"date\": \"2026-12-01\", \"covenant\":"
		 " \"groningen\"}", fed_port(f, 0));
	assert_int_equal(write_file(f, "join.json", req), 0);
	assert_int_equal(join_as(f, "gemeente-groningen", "member join join.json"), 0);
	proposal_of(f, "gemeente-groningen", id);
	assert_int_equal(vote(f, 1, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "open"); /* a majority, not yet every member */
	assert_int_equal(vote(f, 2, id, 1), 0);
	proposal_status(f, id, st, sizeof(st));
	assert_string_equal(st, "approved");
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM proposals WHERE id = '%s'"
			     " AND outcome LIKE '%%unanimous: no municipality to agree%%'", id), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partners WHERE id ="
			     " 'gemeente-groningen' AND role = 'municipality' AND status = 'active'"),
			 1);
	/* from now on it decides with the members, as 11.4 says */
	assert_int_equal(status_wait(f, 1, "gemeente-groningen", "active", SETTLE_MS), 0);
	assert_int_equal(write_file(f, "policy.json", "{\"notice_months\": 3}"), 0);
	assert_int_equal(cli(f, "radar", "policy propose policy.json"), 0);
	char policy[WN_ID_LEN + 1];
	proposal_of(f, "policy-v2", policy);
	assert_int_equal(vote(f, 2, policy, 1), 0);
	proposal_status(f, policy, st, sizeof(st));
	assert_string_equal(st, "open"); /* a majority without the municipality */
	assert_int_equal(vote(f, 0, policy, 1), 0);
	proposal_status(f, policy, st, sizeof(st));
	assert_string_equal(st, "approved");
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r22_join_without_declaration_refused),
		cmocka_unit_test(test_r22_join_groningen_accession_text),
		cmocka_unit_test(test_r22_join_approved_unanimously),
		cmocka_unit_test(test_r22_join_rejected_by_one_under_unanimous),
		cmocka_unit_test(test_r23_municipality_end_is_proposed_under_unanimous),
		cmocka_unit_test(test_r24_policy_change_lacking_approval_refused),
		cmocka_unit_test(test_r22_suspension_does_not_bypass_a_vote),
		cmocka_unit_test(test_r24_policy_change_adopted_whole_or_not_at_all),
		cmocka_unit_test(test_r24_policy_change_approved_in_force_everywhere),
		cmocka_unit_test(test_r22_member_moves_its_node),
		cmocka_unit_test(test_r22_join_admitted_under_majority),
		cmocka_unit_test(test_r23_notice_no_new_case_running_case_continues),
		cmocka_unit_test(test_r23_end_date_ends_membership_without_restart),
		cmocka_unit_test(test_r22_former_partner_join_refused_with_reason),
		cmocka_unit_test(test_r23_immediate_exit_when_all_agree),
		cmocka_unit_test(test_r23_municipality_ends_membership),
		cmocka_unit_test(test_r24_decision_not_stored_is_counted_again),
		cmocka_unit_test(test_r20_revocation_takes_effect_everywhere),
		cmocka_unit_test(test_r20_sighup_reloads_never_kills),
		cmocka_unit_test(test_r20_crl_distributed_and_expiry_warned),
		cmocka_unit_test(test_r21_breach_flood_bounded_incident_on_top),
	};
	const struct CMUnitTest own[] = {
		cmocka_unit_test_setup_teardown(test_r22_join_within_max_partners, own_setup,
						own_teardown),
		cmocka_unit_test_setup_teardown(test_r22_join_address_claimed_by_open_request,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r24_groningen_federation_seeds_its_own_rule,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r24_proposer_withdraws_its_policy_proposal,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r23_exit_proposals_void_when_partner_left,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r23_proposer_withdraws_its_exit_proposal,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r24_policy_proposal_void_when_proposer_left,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r23_end_proposal_void_when_its_municipality_left,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r22_municipality_joins_and_the_only_one_leaves,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r22_the_last_municipality_stays,
						own_setup, own_teardown),
		cmocka_unit_test_setup_teardown(test_r22_municipality_joins_a_federation_without_one,
						own_setup, own_teardown),
	};
	int failed = cmocka_run_group_tests_name("members", tests, group_setup,
						 fed_group_teardown);
	failed += cmocka_run_group_tests_name("members_own", own, NULL, NULL);
	return fed_test_end("test_members", failed, t0);
}
