/*
 * test_rekey.c — a partner whose key leaked gets a new key under the same id
 * while the federation runs (r20): the operator registers the certificate of
 * the new key at the broker, which then has the CA revoke the old key's; the
 * partner keeps its running case and answers, what it signed with the old
 * key still verifies, and a message signed with the old key is refused.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wijknet.h"
#include "date.h"
#include "envelope.h"
#include "fedcheck.h"
#include "harness.h"
#include "ids.h"

enum { GEMEENTE, RADAR, ALCANDER, NNODES };
static const char *const ids[] = { "gemeente-heerlen", "radar", "alcander", "xonar" };
static const wn_actor COACH = { "wk-1", "wijkcoach" };
#define WAIT_MS 20000

static char person[10], case_id[WN_ID_LEN + 1], consent_id[WN_ID_LEN + 1];

/* `wijknet-ca --dir ca ARGS` in the federation dir; its exit status. */
static int ca_run(struct fed *f, const char *args)
{
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	return fed_sh(f, "'%s/certs/wijknet-ca' --dir ca %s >ca.out 2>&1", cwd, args);
}

/* The serial of the certificate in rel, as the CA lists it. */
static void serial_of(struct fed *f, const char *rel, char out[80])
{
	size_t len = 0;
	assert_int_equal(fed_sh(f, "openssl x509 -in %s -noout -serial | cut -d= -f2 > serial.txt",
				rel), 0);
	char *text = slurp(f, "serial.txt", &len);
	assert_non_null(text);
	snprintf(out, 80, "%.*s", (int)strcspn(text, "\n"), text);
	free(text);
}

/* How radar's lookup of person was answered by alcander ("" none). */
static void alcander_answer(struct fed *f, char *out, size_t cap)
{
	wn_lookup_result *r = lookup_by(f, RADAR, person, &COACH);
	out[0] = '\0';
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->answers[i].partner, "alcander") == 0)
			snprintf(out, cap, "%s", r->answers[i].outcome);
	wn_lookup_result_free(r);
}

/* How radar answered alcander's lookup of person on the consent alcander
 * registered ("" none, or the error's name). */
static void radar_answer_on_consent(struct fed *f, char *out, size_t cap)
{
	static const char *const radar[] = { "radar" };
	wn_lookup_params p;
	wn_lookup_result *r = NULL;
	memset(&p, 0, sizeof(p));
	p.bsn = person;
	p.purpose = "intake";
	p.ground = "consent";
	p.consent_id = consent_id;
	p.partners = radar;
	p.npartners = 1;
	p.actor = COACH;
	wn_client *c = client_of(f, ALCANDER);
	int rc = wn_lookup(c, &p, &r);
	snprintf(out, cap, "%s", rc != 0 ? wn_errname(rc) : "");
	for (size_t i = 0; rc == 0 && i < r->count; i++)
		if (strcmp(r->answers[i].partner, "radar") == 0)
			snprintf(out, cap, "%s", r->answers[i].outcome);
	wn_lookup_result_free(r);
	wn_client_close(c);
}

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	char tool[600], cwd[512];
	if (f == NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	*state = f;
	snprintf(tool, sizeof(tool), "\"%s/certs/wijknet-ca\"", cwd);
	if (fed_setup(f, ids, 4) != 0 ||
	    fed_config_edit(f, "broker.json", "ca_dir", "\"ca\"") != 0 ||
	    fed_config_edit(f, "broker.json", "ca_tool", tool) != 0 ||
	    fed_config_edit(f, "broker.json", "checkpoint_seconds", "1") != 0 ||
	    write_lookup_motivation(f) != 0 ||
	    fed_sh(f, "cp ca/alcander.pem old-alcander.pem") != 0) /* its first key */
		return -1;
	for (size_t i = 0; i < NNODES; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "%s.json", ids[i]);
		if (fed_config_edit(f, rel, "refresh_seconds", "1") != 0 ||
		    fed_config_edit(f, rel, "checkpoint_seconds", "1") != 0)
			return -1;
	}
	if (fed_start_broker(f) != 0)
		return -1;
	for (size_t i = 0; i < NNODES; i++)
		if (fed_start_node(f, i) != 0)
			return -1;
	return fed_wait_up(f, GEMEENTE, NNODES - 1, WAIT_MS);
}

/* alcander in a running case, with a record it disclosed on a lookup, its
 * ledger checkpointed and the broker's log co-signed with its first key. */
static void alcander_in_case_with_evidence(struct fed *f)
{
	static const char *const partners[] = { "radar", "alcander", NULL };
	const char *people[] = { person };
	char outcome[32];
	bsn_at(40000801, person);
	wn_client *c = client_of(f, ALCANDER);
	wn_record rec = { person, "leefgebied.inkomen_schulden", "{\"notitie\":\"schuld\"}",
			  "prof-1", NULL };
	assert_int_equal(wn_record_put(c, &rec), 0);
	wn_client_close(c);
	assert_int_equal(open_household_case(f, GEMEENTE, "multiprobleem", people, 1, partners,
					     case_id), 0);
	/* a consent alcander registered, signed with its first key, and a
	 * record radar holds that it covers */
	char on[DATE_LEN + 1], until[DATE_LEN + 1], doc[1024];
	date_today_plus(-1, on);
	date_today_plus(300, until);
	snprintf(doc, sizeof(doc), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": "
		 "\"1980-04-05\", \"name\": \"Test\"}, \"purposes\": [\"intake\"],"
		 " \"recipients\": [\"alcander\"], \"sources\": [\"radar\"], \"categories\":"
		 " [\"leefgebied.huisvesting\"], \"signers\": [{\"name\": \"Test\", \"role\":"
		 " \"subject\"}], \"signed_on\": \"%s\", \"valid_until\": \"%s\"}", person, on,
		 until);
	c = client_of(f, ALCANDER);
	assert_int_equal(wn_consent_register(c, doc, &COACH, consent_id), 0);
	wn_client_close(c);
	c = client_of(f, RADAR);
	wn_record home = { person, "leefgebied.huisvesting", "{\"notitie\":\"huur\"}", "prof-2",
			   NULL };
	assert_int_equal(wn_record_put(c, &home), 0);
	wn_client_close(c);
	radar_answer_on_consent(f, outcome, sizeof(outcome));
	assert_string_equal(outcome, "known");
	alcander_answer(f, outcome, sizeof(outcome));
	assert_string_equal(outcome, "known");
	assert_int_equal(dbq_wait(f, "data/alcander.db", 1, WAIT_MS, "SELECT COUNT(*) > 0 FROM"
				  " ledger_checkpoints WHERE size = (SELECT COUNT(*) FROM ledger)"), 1);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, WAIT_MS, "SELECT COUNT(*) > 0 FROM"
				  " audit_log_cosignatures WHERE partner = 'alcander'"), 1);
}

/* The operator's `admin rekey` of alcander with the certificate in rel. */
static int rekey(struct fed *f, const char *who, const char *rel)
{
	char args[256];
	snprintf(args, sizeof(args), "admin rekey %s --cert %s --reason 'sleutel gelekt bij "
		 "inbraak'", who, rel);
	return cli(f, "broker", args);
}

/* A certificate that is not the new key's own is refused, and so is one
 * for a partner whose membership ended; nothing changes. */
static void test_r20_integrity_rekey_refusals(void **state)
{
	struct fed *f = *state;
	char cwd[512];
	/* xonar's membership ends once a certificate for a new key was made */
	assert_int_equal(ca_run(f, "rekey xonar"), 0);
	assert_int_equal(fed_sh(f, "cp ca/xonar.crt xonar-new.crt"), 0);
	fed_stop(&f->broker, SIGTERM);
	db_exec_on(f, "data/broker.db", "UPDATE partners SET status = 'ended' WHERE id = 'xonar'");
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES - 1, WAIT_MS), 0);
	alcander_in_case_with_evidence(f);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(rekey(f, "alcander", "ca/radar.crt"), 2);
	assert_true(cli_err_has(f, "certificate is for"));
	assert_int_equal(rekey(f, "alcander", "ca/alcander.crt"), 1);
	assert_true(cli_err_has(f, "the one registered"));
	assert_int_equal(ca_run(f, "renew alcander --days 900"), 0); /* the same key */
	assert_int_equal(rekey(f, "alcander", "ca/alcander.crt"), 1);
	assert_true(cli_err_has(f, "renewal"));
	assert_int_equal(fed_sh(f, "'%s/certs/wijknet-ca' --dir rogue init >/dev/null && "
				   "'%s/certs/wijknet-ca' --dir rogue issue alcander >/dev/null",
				cwd, cwd), 0);
	assert_int_equal(rekey(f, "alcander", "rogue/alcander.crt"), 2);
	assert_true(cli_err_has(f, "the new certificate is refused"));
	assert_int_equal(rekey(f, "alcander", "rogue/alcander.pem"), 2); /* a key: not sent */
	assert_true(cli_err_has(f, "not a PEM certificate alone"));
	char bad[80];
	assert_int_equal(ca_run(f, "rekey alcander --days 950"), 0);
	serial_of(f, "ca/alcander.crt", bad);
	char args[160];
	snprintf(args, sizeof(args), "revoke alcander --serial %s", bad);
	assert_int_equal(ca_run(f, args), 0);
	assert_int_equal(cli(f, "broker", "admin reload"), 0); /* not waiting for a tick */
	assert_int_equal(rekey(f, "alcander", "ca/alcander.crt"), 1);
	assert_true(cli_err_has(f, "revoked"));
	/* alcander's own certificate is not touched by any of it */
	assert_int_equal(status_wait(f, RADAR, "alcander", "active", WAIT_MS), 0);
	/* an ended partner is given no new key: its membership is over */
	assert_int_equal(rekey(f, "xonar", "xonar-new.crt"), 1);
	assert_true(cli_err_has(f, "is ended: a new key does not bring"));
	assert_int_equal(rekey(f, "niemand", "ca/xonar.crt"), 1);
	assert_true(cli_err_has(f, "niemand"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.rekey'"), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_certs"), 0);
}

/* The swap itself: registered at the broker before the CRL revokes the old
 * key, which the broker then has the CA do; alcander stays in its case,
 * answers with its new key, and its evidence signed with the old one still
 * verifies. */
static void test_r20_integrity_leaked_key_replaced_under_same_id(void **state)
{
	struct fed *f = *state;
	char old_serial[80], new_serial[80], held[4096] = "";
	dbq_text(f, "data/broker.db", held, sizeof(held), "SELECT cert FROM partners WHERE id ="
		 " 'alcander'");
	assert_int_equal(write_file(f, "registered.crt", held), 0);
	serial_of(f, "registered.crt", old_serial);
	assert_int_equal(ca_run(f, "rekey alcander --days 1000"), 0);
	serial_of(f, "ca/alcander.crt", new_serial);
	/* the node is stopped first: what it signs with the old key from now on
	 * is refused */
	fed_stop(&f->nodes[ALCANDER], SIGTERM);
	assert_int_equal(rekey(f, "alcander", "ca/alcander.crt"), 0);
	assert_true(cli_out_has(f, "revoked"));
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE type ="
			     " 'registry.rekey' AND entry LIKE '%%\"serial\":\"%s\"%%' AND entry LIKE"
			     " '%%\"new_serial\":\"%s\"%%' AND entry LIKE '%%sleutel gelekt%%'",
			     old_serial, new_serial), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_certs WHERE"
			     " partner = 'alcander' AND serial = '%s' AND replaced_by = '%s'",
			     old_serial, new_serial), 1);
	/* the sealing key signed with the old key is gone until the node
	 * publishes it again */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM partner_keys WHERE"
			     " partner = 'alcander'"), 0);
	/* the broker had the CA revoke every certificate of the old key */
	assert_int_not_equal(fed_sh(f, "openssl verify -crl_check -CAfile ca/ca.crt -CRLfile "
				       "ca/crl.pem old-alcander.pem >/dev/null 2>&1"), 0);
	assert_int_equal(fed_sh(f, "openssl verify -crl_check -CAfile ca/ca.crt -CRLfile "
				   "ca/crl.pem ca/alcander.crt >/dev/null 2>&1"), 0);
	/* ... and that revocation is the rekey's own: alcander is not revoked */
	assert_int_equal(cli(f, "broker", "admin reload"), 0);
	char status[16] = "";
	assert_int_equal(dbq_text(f, "data/broker.db", status, sizeof(status), "SELECT status FROM"
				  " partners WHERE id = 'alcander'"), 0);
	assert_string_equal(status, "active");
	/* the node, started with its new key, needs no more steps */
	assert_int_equal(fed_start_node(f, ALCANDER), 0);
	assert_int_equal(fed_wait_up(f, ALCANDER, NNODES - 1, WAIT_MS), 0);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, WAIT_MS, "SELECT COUNT(*) FROM"
				  " partner_keys WHERE partner = 'alcander'"), 1);
	assert_int_equal(status_wait(f, RADAR, "alcander", "active", WAIT_MS), 0);
	assert_int_equal(dbq(f, "data/alcander.db", "SELECT COUNT(*) FROM own_certs WHERE"
			     " serial = '%s' AND replaced_at IS NOT NULL", old_serial), 1);
	/* still in its case, asked and answering */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM case_members WHERE"
			     " case_id = '%s' AND partner = 'alcander' AND left_at IS NULL",
			     case_id), 1);
	char outcome[32];
	alcander_answer(f, outcome, sizeof(outcome));
	assert_string_equal(outcome, "known");
	/* and asking: the consent it registered with its old key still serves */
	radar_answer_on_consent(f, outcome, sizeof(outcome));
	assert_string_equal(outcome, "known");
	assert_true(fed_log_contains(f, "alcander", "consent_signed_again"));
	/* the evidence signed with the old key still verifies: alcander's
	 * ledger checkpoints, the co-signatures the broker keeps */
	assert_int_equal(dbq_wait(f, "data/alcander.db", 1, WAIT_MS, "SELECT COUNT(*) > 0 FROM"
				  " ledger_checkpoints WHERE size = (SELECT COUNT(*) FROM ledger)"), 1);
	assert_int_equal(cli(f, "alcander", "audit verify"), 0);
	assert_true(cli_out_has(f, "(signatures checked)"));
	assert_int_equal(cli(f, "broker", "audit verify"), 0);
	assert_true(cli_out_has(f, " co-signatures checked)"));
	/* with the new certificate alone, the old checkpoints do not verify */
	char bin[512];
	fed_bin("wijknet", bin, sizeof(bin));
	assert_int_equal(fed_sh(f, "'%s' audit verify data/alcander.db --cert ca/alcander.crt "
				   ">cli.out 2>&1", bin), 1);
	assert_true(cli_out_has(f, "bad_signature"));
	/* a message signed with the old key is refused and recorded */
	struct raw_peer p;
	char url[128], oldpem[512], err[256];
	pki_identity *old = NULL;
	json_t *env = NULL, *reply = NULL;
	broker_url(f, url, sizeof(url));
	fed_file(f, "old-alcander.pem", oldpem, sizeof(oldpem));
	assert_int_equal(pki_identity_load(oldpem, &old, err, sizeof(err)), 0);
	assert_int_equal(raw_open(f, &p, "ca/alcander.pem", NULL, url, "broker"), 0);
	assert_int_equal(envelope_new1(&env, "directory.get", "alcander", "broker"), 0);
	EVP_PKEY *mine = p.ident->key;
	p.ident->key = old->key;
	assert_int_equal(raw_send_env(&p, env, 10000, &reply), 0);
	p.ident->key = mine;
	assert_string_equal(reply_error(reply), "signature");
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
	pki_identity_free(old);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, WAIT_MS, "SELECT COUNT(*) > 0 FROM"
				  " security_events WHERE kind = 'signature' AND peer = 'alcander'"),
			 1);
	/* and the old certificate no longer opens a connection */
	assert_int_equal(raw_open(f, &p, "old-alcander.pem", NULL, url, "broker"), 0);
	assert_int_not_equal(p.first_error, 0);
	raw_close(&p);
	/* a rekey after the swap is one more, not a way back to the old key */
	assert_int_equal(rekey(f, "alcander", "registered.crt"), 1);
	assert_true(cli_err_has(f, "revoked"));
}

/* A refusal alcander registered with its old key and could not pass on yet
 * (radar down) reaches radar after the swap, signed with the new key, and
 * so does its revocation: radar records no forgery. A certificate for a key
 * replaced before is not taken back. */
static void test_r20_integrity_refusal_passed_on_across_rekey(void **state)
{
	struct fed *f = *state;
	char doc[1024], on[DATE_LEN + 1], rid[WN_ID_LEN + 1] = "", args[160];
	long forged = dbq(f, "data/radar.db", "SELECT COALESCE(SUM(count), 0) FROM security_events"
			  " WHERE peer = 'alcander'");
	date_today_plus(-1, on);
	snprintf(doc, sizeof(doc), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": "
		 "\"1980-04-05\"}, \"purposes\": [\"intake\"], \"recipients\": [\"alcander\"],"
		 " \"sources\": [\"radar\"], \"categories\": [\"leefgebied.huisvesting\"],"
		 " \"signers\": [{\"name\": \"Test\", \"role\": \"subject\"}], \"signed_on\":"
		 " \"%s\"}", person, on);
	assert_int_equal(write_file(f, "refusal-r.json", doc), 0);
	fed_stop(&f->nodes[RADAR], SIGTERM);
	assert_int_equal(cli(f, "alcander", "consent refuse refusal-r.json"), 0);
	assert_int_equal(dbq_text(f, "data/alcander.db", rid, sizeof(rid), "SELECT id FROM consents"
				  " WHERE kind = 'refusal' ORDER BY registered_at DESC LIMIT 1"), 0);
	assert_int_equal(dbq(f, "data/alcander.db", "SELECT COUNT(*) FROM outbox WHERE type ="
			     " 'refusal.notice' AND sent_at IS NULL"), 1);
	/* the key replaced while it waits */
	assert_int_equal(ca_run(f, "rekey alcander --days 1100"), 0);
	fed_stop(&f->nodes[ALCANDER], SIGTERM);
	assert_int_equal(rekey(f, "alcander", "ca/alcander.crt"), 0);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_start_node(f, ALCANDER), 0);
	assert_int_equal(dbq_wait(f, "data/radar.db", 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND status = 'refused' AND received_from ="
				  " 'alcander'", rid), 1);
	/* revoked after the swap: radar takes the revocation */
	snprintf(args, sizeof(args), "consent revoke --consent %s", rid);
	assert_int_equal(cli(f, "alcander", args), 0);
	assert_int_equal(dbq_wait(f, "data/radar.db", 1, 60000, "SELECT COUNT(*) FROM consents"
				  " WHERE id = '%s' AND status = 'revoked'", rid), 1);
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COALESCE(SUM(count), 0) FROM"
			     " security_events WHERE peer = 'alcander'"), forged);
	/* and the rest of its outbox (the broker's copy of the revocation) goes too */
	assert_int_equal(dbq_wait(f, "data/alcander.db", 0, 60000, "SELECT COUNT(*) FROM outbox"
				  " WHERE sent_at IS NULL"), 0);
	/* the first key, certified again by the CA, is not taken back */
	assert_int_equal(fed_sh(f, "openssl req -new -key old-alcander.pem -subj /CN=alcander "
				   "-out old.csr 2>/dev/null && cd ca && WIJKNET_CA_ID=alcander "
				   "openssl ca -batch -config openssl.cnf -notext -extensions "
				   "partner_ext -in ../old.csr -out ../old-again.crt -days 1300 "
				   ">/dev/null 2>&1"), 0);
	assert_int_equal(rekey(f, "alcander", "old-again.crt"), 2);
	assert_true(cli_err_has(f, "held before and replaced"));
}

/* A refusal to pass on to a source that is revoked while it waits is given
 * up, saying why, instead of being tried for ever; the operator sees it. */
static void test_r23_leave_refusal_to_a_revoked_source_given_up(void **state)
{
	struct fed *f = *state;
	char doc[1024], on[DATE_LEN + 1], item[WN_ID_LEN + 1] = "";
	const char *a = "data/alcander.db";
	date_today_plus(-2, on);
	snprintf(doc, sizeof(doc), "{\"subject\": {\"bsn\": \"%s\", \"birth_date\": "
		 "\"1980-04-05\"}, \"purposes\": [\"intake\"], \"recipients\": [\"alcander\"],"
		 " \"sources\": [\"radar\"], \"categories\": [\"leefgebied.inkomen_schulden\"],"
		 " \"signers\": [{\"name\": \"Test\", \"role\": \"subject\"}], \"signed_on\":"
		 " \"%s\"}", person, on);
	assert_int_equal(write_file(f, "refusal-gone.json", doc), 0);
	fed_stop(&f->nodes[RADAR], SIGTERM);
	assert_int_equal(cli(f, "alcander", "consent refuse refusal-gone.json"), 0);
	assert_int_equal(dbq_text(f, a, item, sizeof(item), "SELECT id FROM outbox WHERE type ="
				  " 'refusal.notice' AND sent_at IS NULL AND failed_at IS NULL"), 0);
	/* radar away: tried again, not given up */
	assert_int_equal(dbq_wait(f, a, 1, WAIT_MS, "SELECT attempts > 0 FROM outbox WHERE id ="
				  " '%s'", item), 1);
	assert_int_equal(dbq(f, a, "SELECT COUNT(*) FROM outbox WHERE id = '%s' AND failed_at IS"
			     " NULL", item), 1);
	assert_int_equal(cli(f, "broker", "admin revoke radar --reason 'sleutel mogelijk gelekt'"),
			 0);
	assert_int_equal(dbq_wait(f, a, 1, 4 * WAIT_MS, "SELECT COUNT(*) FROM outbox WHERE id ="
				  " '%s' AND failed_at IS NOT NULL AND sent_at IS NULL AND last_error ="
				  " 'recipient_revoked'", item), 1);
	assert_true(fed_log_contains(f, "alcander", "recipient_revoked"));
	assert_int_equal(cli(f, "alcander", "outbox list --failed"), 0);
	assert_true(cli_out_has(f, item));
	assert_true(cli_out_has(f, "recipient_revoked"));
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_rekey_refusals),
		cmocka_unit_test(test_r20_integrity_leaked_key_replaced_under_same_id),
		cmocka_unit_test(test_r20_integrity_refusal_passed_on_across_rekey),
		cmocka_unit_test(test_r23_leave_refusal_to_a_revoked_source_given_up),
	};
	int failed = cmocka_run_group_tests_name("rekey", tests, group_setup, fed_group_teardown);
	return fed_test_end("test_rekey", failed, t0);
}
