/*
 * test_audit.c — the tamper-evident logs (r20) under real conditions: a
 * broker and three partner nodes as separate processes over mutual TLS on
 * 127.0.0.1, checkpoints every second, nodes that witness and co-sign the
 * broker's checkpoints, and `wijknet audit` run on copies of the real
 * database files as an auditor would. Every kind of tampering — one byte
 * flipped, an entry deleted, the log truncated, history rewritten under a
 * new valid-looking tree, a bad checkpoint signature, a co-signature over
 * another tree — is detected and named; a broker killed between an append
 * and its checkpoint loses nothing it acknowledged.
 */
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
#include "db.h"
#include "envelope.h"
#include "fedcheck.h"
#include "harness.h"
#include "ids.h"
#include "pki.h"
#include "tlog.h"

enum { GEMEENTE, ALCANDER, RADAR, NNODES };
static const char *const ids[NNODES] = { "gemeente-heerlen", "alcander", "radar" };

#define BSN_A "111222333" /* radar holds a record */
#define BSN_B "123456782" /* nobody does */

static const wn_actor ACTOR = { "wk-0042", "wijkcoach" };

/* ---- helpers -------------------------------------------------------- */

/* SQL for column col with its byte at pos (1-based) changed: one byte flipped. */
#define FLIP(col, pos)                                                                \
	"substr(" col ", 1, " #pos " - 1) || CASE substr(" col ", " #pos ", 1) WHEN 'A' " \
	"THEN 'B' ELSE 'A' END || substr(" col ", " #pos " + 1)"

/* One lookup by the municipality; its request id into rid (may be NULL). */
static void lookup(struct fed *f, const char *bsn, char rid[WN_ID_LEN + 1])
{
	wn_lookup_result *r = lookup_by(f, GEMEENTE, bsn, &ACTOR);
	if (rid != NULL)
		snprintf(rid, WN_ID_LEN + 1, "%s", r->request_id);
	wn_lookup_result_free(r);
}

static long broker_entries(struct fed *f)
{
	return dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log");
}

/* Checkpoints come every second; the bound is for a loaded machine (a
 * sanitizer build beside a compile), where one took over 8 s. */
#define WITNESS_WAIT_MS 20000

/* Waits until the broker's latest checkpoint covers its whole log and every
 * node co-signed it; the log size. */
static long wait_witnessed(struct fed *f, int timeout_ms)
{
	if (broker_entries(f) == 0) /* run alone: something to checkpoint */
		lookup(f, BSN_B, NULL);
	int64_t end = time_mono_ms() + timeout_ms;
	long n = -1;
	while (time_mono_ms() < end) {
		n = broker_entries(f);
		if (n > 0 &&
		    dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log_checkpoints WHERE size=%ld",
			n) == 1 &&
		    dbq(f, "data/broker.db", "SELECT COUNT(DISTINCT partner) FROM "
			"audit_log_cosignatures WHERE size=%ld", n) == NNODES)
			return n;
		sleep_ms(100);
	}
	print_error("the broker's log of %ld entries was not checkpointed and co-signed in %d ms\n",
		    n, timeout_ms);
	fail();
	return -1;
}

/* A consistent copy of a live database (the WAL included). */
static void db_copy(struct fed *f, const char *src_rel, const char *dst_rel)
{
	char src[512], dst[512];
	sqlite3 *s = NULL, *d = NULL;
	fed_file(f, src_rel, src, sizeof(src));
	fed_file(f, dst_rel, dst, sizeof(dst));
	remove(dst);
	assert_int_equal(sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_open(dst, &d), SQLITE_OK);
	sqlite3_backup *b = sqlite3_backup_init(d, "main", s, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	sqlite3_backup_finish(b);
	sqlite3_close(s);
	sqlite3_close(d);
}

/* Rewrites the broker's audit log in dst_rel as an operator holding the
 * broker's key could: entry `victim` altered, every leaf, subtree and
 * checkpoint recomputed and re-signed, so the database is consistent in
 * itself. keep_cosignatures leaves the partners' co-signatures in place. */
static void rewrite_history(struct fed *f, const char *rel, long victim, int keep_cosignatures)
{
	char path[512], err[256], pem[512];
	fed_file(f, rel, path, sizeof(path));
	fed_file(f, "ca/broker.pem", pem, sizeof(pem));
	db *d = NULL;
	assert_int_equal(db_open(path, NULL, 0, &d, err, sizeof(err)), 0);
	sqlite3 *h = db_handle(d);
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 64;
	struct row { char *type, *msg_id, *entry; } *rows = calloc(cap, sizeof(*rows));
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT type, msg_id, entry FROM audit_log ORDER BY idx",
					    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap)
			rows = realloc(rows, (cap *= 2) * sizeof(*rows));
		const char *m = (const char *)sqlite3_column_text(st, 1);
		rows[n].type = strdup((const char *)sqlite3_column_text(st, 0));
		rows[n].msg_id = m ? strdup(m) : NULL;
		rows[n].entry = strdup((const char *)sqlite3_column_text(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	assert_true((long)n >= victim);
	/* the victim says another partner asked: valid JSON, another history */
	char *e = rows[victim - 1].entry, *at = strstr(e, "gemeente-heerlen");
	assert_non_null(at);
	memcpy(at, "alcander-heerlen", 16);
	assert_int_equal(sqlite3_exec(h, keep_cosignatures
				      ? "DELETE FROM audit_log; DELETE FROM audit_log_tree;"
					" DELETE FROM audit_log_checkpoints;"
				      : "DELETE FROM audit_log; DELETE FROM audit_log_tree;"
					" DELETE FROM audit_log_checkpoints;"
					" DELETE FROM audit_log_cosignatures;",
				      NULL, NULL, NULL), SQLITE_OK);
	tlog *t = NULL;
	assert_int_equal(tlog_open(d, "audit_log", "wijknet:broker:audit_log", &t), 0);
	db_lock(d);
	assert_int_equal(db_begin(d), 0);
	for (size_t i = 0; i < n; i++) {
		int64_t idx;
		uint8_t leaf[MERKLE_HASH_LEN];
		assert_int_equal(tlog_append_locked(t, rows[i].type, rows[i].msg_id, rows[i].entry,
						    strlen(rows[i].entry), &idx, leaf), 0);
		free(rows[i].type);
		free(rows[i].msg_id);
		free(rows[i].entry);
	}
	assert_int_equal(db_commit(d), 0);
	pki_identity *broker = NULL;
	assert_int_equal(pki_identity_load(pem, &broker, err, sizeof(err)), 0);
	struct tlog_checkpoint_job job = { t, broker->key, NULL };
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(tlog_checkpoint_locked(d, &job), 0);
	assert_int_equal(db_commit(d), 0);
	db_unlock(d);
	assert_non_null(job.made);
	json_decref(job.made);
	pki_identity_free(broker);
	tlog_close(t);
	db_close(d);
	free(rows);
}

/* Runs `wijknet audit ARGS`; the exit status. */
static int audit(struct fed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int audit(struct fed *f, const char *fmt, ...)
{
	char args[1024], full[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "audit %s", args);
	return cli(f, "radar", full);
}

/* audit verify must fail and name kind at entry index (0: any entry). */
static void expect_fault(struct fed *f, const char *db_rel, const char *extra, const char *kind,
			 long index)
{
	char want[96];
	int st = audit(f, "verify --db %s %s", db_rel, extra);
	snprintf(want, sizeof(want), "first fault (%s) at entry %ld", kind, index);
	int named = index ? cli_out_has(f, want) : cli_out_has(f, kind);
	if (st != 1 || !named) {
		print_error("audit verify --db %s %s: exit %d, want 1 naming '%s'\n", db_rel, extra, st,
			    want);
		fed_sh(f, "cat cli.out cli.err >&2");
	}
	assert_int_equal(st, 1);
	assert_true(named);
	assert_true(cli_out_has(f, "FAILED"));
}

static void expect_ok(struct fed *f, const char *db_rel, const char *extra)
{
	int st = audit(f, "verify --db %s %s", db_rel, extra);
	if (st != 0)
		fed_sh(f, "cat cli.out cli.err >&2");
	assert_int_equal(st, 0);
	assert_true(cli_out_has(f, ": OK"));
}

/* ---- setup ---------------------------------------------------------- */

static int group_setup(void **state)
{
	struct fed *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	*state = f;
	if (fed_setup(f, ids, NNODES) != 0 ||
	    fed_config_edit(f, "broker.json", "checkpoint_seconds", "1") != 0)
		return -1;
	for (size_t i = 0; i < NNODES; i++) {
		char cfg[96];
		snprintf(cfg, sizeof(cfg), "%s.json", ids[i]);
		if (fed_config_edit(f, cfg, "checkpoint_seconds", "1") != 0)
			return -1;
	}
	if (fed_start_all(f, 20000) != 0) {
		fprintf(stderr, "group setup: federation did not come up\n");
		return -1;
	}
	wn_client *c = NULL;
	char url[512];
	fed_socket(f, RADAR, url, sizeof(url));
	if (wn_client_open(&c, url) != 0)
		return -1;
	wn_record r = { BSN_A, "leefgebied.huisvesting", "{\"x\":1}", "prof-1", NULL };
	int rc = wn_record_put(c, &r);
	wn_client_close(c);
	return rc;
}

/* ---- checkpoints, co-signatures, verification ------------------------ */

/* Checkpoints are made while entries come in, signed by the log's owner;
 * every node checks the broker's against the one it saw before and co-signs
 * it; an auditor recomputes both kinds of log offline. */
static void test_r20_integrity_checkpoints_signed_and_cosigned(void **state)
{
	struct fed *f = *state;
	for (int i = 0; i < 4; i++)
		lookup(f, i % 2 ? BSN_A : BSN_B, NULL);
	long n = wait_witnessed(f, WITNESS_WAIT_MS);
	assert_true(n >= 8); /* each lookup: the query and its delivery */
	/* every node kept the broker's checkpoint it co-signed, and signs its own */
	for (size_t i = 0; i < NNODES; i++) {
		char rel[96];
		snprintf(rel, sizeof(rel), "data/%s.db", ids[i]);
		/* a node marks its co-signature sent once the broker took it: the
		 * broker may hold it a moment before the node's row says so */
		int64_t until = time_mono_ms() + WITNESS_WAIT_MS;
		while (dbq(f, rel, "SELECT COUNT(*) FROM broker_checkpoints WHERE size=%ld AND "
			   "cosigned=1", n) != 1 && time_mono_ms() < until)
			sleep_ms(50);
		assert_int_equal(dbq(f, rel, "SELECT COUNT(*) FROM broker_checkpoints WHERE size=%ld"
				     " AND cosigned=1", n), 1);
	}
	int64_t end = time_mono_ms() + WITNESS_WAIT_MS;
	while (dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger_checkpoints WHERE size ="
		   " (SELECT COUNT(*) FROM ledger)") != 1 && time_mono_ms() < end)
		sleep_ms(100);
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger_checkpoints WHERE"
			     " size = (SELECT COUNT(*) FROM ledger)"), 1);
	/* the auditor's offline checks, on the live files */
	expect_ok(f, "data/broker.db", "--cert ca/broker.crt --witness data/radar.db "
		  "--witness data/alcander.db");
	assert_true(cli_out_has(f, "(signatures checked)"));
	expect_ok(f, "data/radar.db", "--cert ca/radar.crt");
	assert_int_equal(audit(f, "verify --db data/broker.db --cert ca/broker.crt --json"), 0);
	assert_true(cli_out_has(f, "\"ok\": true"));
	/* the database given by position, or by the daemon's own config */
	assert_int_equal(audit(f, "verify data/alcander.db --cert ca/alcander.crt"), 0);
	assert_int_equal(cli(f, "broker", "audit verify"), 0);
	assert_true(cli_out_has(f, "data/broker.db: audit_log of"));
	assert_true(cli_out_has(f, "(signatures checked)"));
	assert_true(cli_out_has(f, " co-signatures checked)"));
	/* the config's certificate file seeded the registry once: issued anew
	 * for another key (after the partner left, or with --force), it does
	 * not make alcander's co-signatures forgeries; the registry's, from the
	 * federation CA, still checks them (on a copy of the CA: the live one
	 * revokes nobody) */
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fed_sh(f, "cp -r ca ca-again && '%s/certs/wijknet-ca' --dir ca-again issue"
			       " alcander --force >/dev/null 2>&1 && ! cmp -s ca/alcander.crt"
			       " ca-again/alcander.crt && sed 's|ca/alcander.crt|ca-again/alcander.crt|'"
			       " broker.json > reissued.json && grep -q ca-again reissued.json", cwd),
			 0);
	assert_int_equal(cli(f, "reissued", "audit verify"), 0);
	assert_true(cli_out_has(f, " co-signatures checked): OK"));
	/* ...while one that no certificate of alcander's verifies is still found */
	db_copy(f, "data/broker.db", "cosig-again.db");
	db_exec_on(f, "cosig-again.db", "UPDATE audit_log_cosignatures SET sig = " FLIP("sig", 30)
		   " WHERE partner = 'alcander'");
	assert_int_equal(cli(f, "reissued", "audit verify cosig-again.db"), 1);
	assert_true(cli_out_has(f, "first fault (bad_cosignature)"));
	assert_true(cli_out_has(f, "'alcander'"));
	assert_int_equal(cli(f, "radar", "audit prove --entry 1"), 0);
	assert_true(cli_out_has(f, "\"log\": \"ledger\""));
	/* an entry beyond the log: a negative answer (1), in JSON too */
	assert_int_equal(cli(f, "radar", "audit prove --entry 99999999 --json"), 1);
	assert_true(cli_out_has(f, "\"exit\": 1"));
	/* a checkpoint checked against the wrong owner's certificate: a fault, and
	 * a hint whose certificate it was */
	expect_fault(f, "data/broker.db", "--cert ca/radar.crt", "bad_signature", 0);
	assert_true(cli_err_has(f, "ca/radar.crt is the certificate of"));
	/* not a log at all, or no file: invalid input (exit 2), not a fault found */
	assert_int_equal(write_file(f, "not-a.db", "hello"), 0);
	assert_int_equal(audit(f, "verify --db not-a.db"), 2);
	assert_true(cli_err_has(f, "not-a.db"));
	assert_int_equal(audit(f, "verify --db missing.db"), 2);
	assert_true(cli_err_has(f, "cannot read the database"));
}

/* An inclusion proof that an auditor checks with the owner's certificate;
 * a proof whose entry was changed does not check. */
static void test_r20_integrity_inclusion_proof(void **state)
{
	struct fed *f = *state;
	wait_witnessed(f, WITNESS_WAIT_MS);
	assert_int_equal(audit(f, "prove --db data/broker.db --entry 1"), 0);
	assert_int_equal(fed_sh(f, "cp cli.out proof.json"), 0);
	assert_int_equal(audit(f, "check proof.json --cert ca/broker.crt"), 0);
	assert_true(cli_out_has(f, "OK: entry 1 is in the audit_log"));
	assert_true(cli_out_has(f, "signed by the log"));
	/* the entry altered in the proof */
	assert_int_equal(fed_sh(f, "sed 's/gemeente-heerlen/alcander-heerlen/' proof.json > "
			 "bad-proof.json && ! cmp -s proof.json bad-proof.json"), 0);
	assert_int_equal(audit(f, "check bad-proof.json --cert ca/broker.crt"), 1);
	assert_true(cli_out_has(f, "FAILED"));
	/* the checkpoint's signature checked against another certificate */
	assert_int_equal(audit(f, "check proof.json --cert ca/radar.crt"), 1);
	assert_true(cli_out_has(f, "signature"));
	/* an entry the log does not hold */
	assert_int_equal(audit(f, "prove --db data/broker.db --entry 999999"), 1);
	assert_true(cli_err_has(f, "not in the log"));
	/* a node's ledger proves its disclosures the same way */
	assert_int_equal(audit(f, "prove --db data/radar.db --entry 1"), 0);
	assert_int_equal(fed_sh(f, "cp cli.out ledger-proof.json"), 0);
	assert_int_equal(audit(f, "check ledger-proof.json --cert ca/radar.crt"), 0);
}

/* Each kind of tampering with a copy of the broker's database is found and
 * named with the first bad entry. */
static void test_r20_integrity_tampering_detected_and_named(void **state)
{
	struct fed *f = *state;
	for (int i = 0; i < 4; i++)
		lookup(f, i % 2 ? BSN_A : BSN_B, NULL);
	long n = wait_witnessed(f, WITNESS_WAIT_MS);
	assert_true(n >= 8);
	const char *const copies[] = { "flip.db", "hole.db", "short.db", "sig.db" };
	for (size_t i = 0; i < 4; i++)
		db_copy(f, "data/broker.db", copies[i]);
	expect_ok(f, "flip.db", "--cert ca/broker.crt");
	/* one byte of entry 3 flipped */
	db_exec_on(f, "flip.db", "UPDATE audit_log SET entry = " FLIP("entry", 11) " WHERE idx = 3");
	expect_fault(f, "flip.db", "--cert ca/broker.crt", "entry_altered", 3);
	/* entry 4 deleted */
	db_exec_on(f, "hole.db", "DELETE FROM audit_log WHERE idx = 4");
	expect_fault(f, "hole.db", "--cert ca/broker.crt", "entry_missing", 4);
	/* the last three entries cut off, under a signed checkpoint of the whole */
	db_exec_on(f, "short.db", "DELETE FROM audit_log WHERE idx > %ld", n - 3);
	expect_fault(f, "short.db", "--cert ca/broker.crt", "log_truncated", n - 2);
	/* a checkpoint whose signature was altered */
	db_exec_on(f, "sig.db", "UPDATE audit_log_checkpoints SET sig = " FLIP("sig", 30)
		   " WHERE size = (SELECT MAX(size) FROM audit_log_checkpoints)");
	expect_fault(f, "sig.db", "--cert ca/broker.crt", "bad_signature", 0);

	/* history rewritten with a new tree, re-signed with the broker's own key:
	 * consistent in itself, so only what the partners saw can tell */
	db_copy(f, "data/broker.db", "rewritten.db");
	rewrite_history(f, "rewritten.db", 1, 1);
	expect_fault(f, "rewritten.db", "--cert ca/broker.crt", "history_rewritten", 0);
	assert_true(cli_out_has(f, "partner "));
	/* ...unless the co-signatures' roots are rewritten too: only the partners'
	 * signatures over them tell then */
	db_exec_on(f, "rewritten.db", "DELETE FROM audit_log_cosignatures WHERE size NOT IN"
		   " (SELECT size FROM audit_log_checkpoints); UPDATE audit_log_cosignatures SET"
		   " root = (SELECT root FROM audit_log_checkpoints WHERE size ="
		   " audit_log_cosignatures.size)");
	expect_ok(f, "rewritten.db", "--cert ca/broker.crt");
	assert_int_equal(cli(f, "broker", "audit verify rewritten.db"), 1);
	assert_true(cli_out_has(f, "first fault (bad_cosignature)"));
	assert_true(cli_out_has(f, "did not sign this checkpoint"));
	/* a co-signature altered in place */
	db_copy(f, "data/broker.db", "cosig.db");
	db_exec_on(f, "cosig.db", "UPDATE audit_log_cosignatures SET sig = " FLIP("sig", 30)
		   " WHERE partner = 'radar'");
	assert_int_equal(cli(f, "broker", "audit verify cosig.db"), 1);
	assert_true(cli_out_has(f, "first fault (bad_cosignature)"));
	assert_true(cli_out_has(f, "'radar'"));
	/* the checkpoints and co-signatures taken away: consistent, but nothing
	 * vouches for it, and the auditor is told so */
	db_copy(f, "data/broker.db", "bare.db");
	db_exec_on(f, "bare.db", "DELETE FROM audit_log_cosignatures; DELETE FROM"
		   " audit_log_checkpoints");
	assert_int_equal(cli(f, "broker", "audit verify bare.db --cert ca/broker.crt"), 0);
	assert_true(cli_out_has(f, "no signature to check"));
	assert_true(cli_out_has(f, "WARNING: no signed checkpoint"));
	assert_int_equal(cli(f, "broker", "audit verify bare.db --json"), 0);
	assert_true(cli_out_has(f, "\"proven\": false"));
	/* a copy cut short on disk is damaged evidence (4), not a file of another kind */
	db_copy(f, "data/broker.db", "cut.db");
	assert_int_equal(fed_sh(f, "truncate -s %d cut.db", 3 * 4096), 0);
	int st = cli(f, "broker", "audit verify cut.db --cert ca/broker.crt");
	if (st != 4)
		fed_sh(f, "cat cli.out cli.err >&2");
	assert_int_equal(st, 4);
	assert_true(cli_err_has(f, "cannot be read to the end"));
	db_copy(f, "data/broker.db", "rewritten2.db");
	rewrite_history(f, "rewritten2.db", 1, 0); /* co-signatures dropped too */
	expect_ok(f, "rewritten2.db", "--cert ca/broker.crt"); /* valid-looking */
	expect_fault(f, "rewritten2.db", "--cert ca/broker.crt --witness data/radar.db",
		     "history_rewritten", 0);
	assert_true(cli_out_has(f, "data/radar.db saw root"));
	/* a truncated copy is named by the witness as well, with no checkpoint:
	 * as cut short when the witness saw only larger logs, as rewritten when
	 * it saw one of the first two entries (checkpoints follow the traffic) */
	db_exec_on(f, "rewritten2.db", "DELETE FROM audit_log_checkpoints");
	db_exec_on(f, "rewritten2.db", "DELETE FROM audit_log WHERE idx > 2");
	if (dbq(f, "data/alcander.db", "SELECT COUNT(*) FROM broker_checkpoints WHERE size <= 2") == 0)
		expect_fault(f, "rewritten2.db", "--witness data/alcander.db", "log_truncated", 3);
	else
		expect_fault(f, "rewritten2.db", "--witness data/alcander.db", "history_rewritten", 0);
}

/* A node's ledger: its rows and its tree must agree. */
static void test_r20_integrity_node_ledger_tampering(void **state)
{
	struct fed *f = *state;
	lookup(f, BSN_A, NULL);
	db_copy(f, "data/radar.db", "radar-flip.db");
	db_copy(f, "data/radar.db", "radar-index.db");
	expect_ok(f, "radar-flip.db", "--cert ca/radar.crt");
	db_exec_on(f, "radar-flip.db", "UPDATE ledger SET entry = " FLIP("entry", 11) " WHERE idx = 1");
	expect_fault(f, "radar-flip.db", "--cert ca/radar.crt", "entry_altered", 1);
	/* the disclosure table says 'not_known' where the ledger says 'known':
	 * named by its ledger entry, its row and the field changed */
	long seq = dbq(f, "data/radar.db", "SELECT MIN(seq) FROM disclosures WHERE outcome ="
		       " 'known'");
	long entry = dbq(f, "data/radar.db", "SELECT ledger_idx FROM disclosures WHERE seq = %ld",
			 seq);
	assert_true(seq > 0 && entry > 0);
	db_exec_on(f, "radar-index.db", "UPDATE disclosures SET outcome = 'not_known' WHERE"
		   " outcome = 'known'");
	expect_fault(f, "radar-index.db", "--cert ca/radar.crt", "index_altered", entry);
	char row[64];
	snprintf(row, sizeof(row), "disclosures row %ld ", seq);
	assert_true(cli_out_has(f, row));
	assert_int_equal(audit(f, "verify --db radar-index.db --json"), 1);
	assert_true(cli_out_has(f, "\"field\": \"outcome\""));
	snprintf(row, sizeof(row), "\"index\": %ld,", entry);
	assert_true(cli_out_has(f, row));
	snprintf(row, sizeof(row), "disclosures row %ld ", seq);
	/* a row cut loose from the ledger names no entry, but its row */
	db_copy(f, "data/radar.db", "radar-loose.db");
	db_exec_on(f, "radar-loose.db", "UPDATE disclosures SET ledger_idx = NULL WHERE seq = %ld",
		   seq);
	expect_fault(f, "radar-loose.db", "--cert ca/radar.crt", "index_altered", 0);
	assert_true(cli_out_has(f, row));
	assert_false(cli_out_has(f, "at entry 0"));
	/* a disclosure moved to another person, or deleted, hides it from the
	 * person's access report: the ledger still says it */
	db_copy(f, "data/radar.db", "radar-moved.db");
	db_exec_on(f, "radar-moved.db", "UPDATE disclosures SET subject_index = randomblob(32)"
		   " WHERE subject_index IS NOT NULL");
	expect_fault(f, "radar-moved.db", "--cert ca/radar.crt", "index_altered", 0);
	db_copy(f, "data/radar.db", "radar-deleted.db");
	db_exec_on(f, "radar-deleted.db", "DELETE FROM disclosures WHERE seq = (SELECT MAX(seq)"
		   " FROM disclosures)");
	expect_fault(f, "radar-deleted.db", "--cert ca/radar.crt", "index_altered", 0);
}

/* A node's ledger cut short together with its checkpoints is consistent in
 * itself; the broker's copy of the node's last checkpoint tells. */
static void test_r20_integrity_ledger_witnessed_by_broker(void **state)
{
	struct fed *f = *state;
	lookup(f, BSN_A, NULL);
	long n = dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger");
	assert_true(n > 3);
	assert_int_equal(dbq_wait(f, "data/broker.db", 1, WITNESS_WAIT_MS, "SELECT COUNT(*) FROM"
				  " partner_checkpoints WHERE partner = 'radar' AND size >= %ld", n), 1);
	db_copy(f, "data/broker.db", "broker-witness.db");
	db_copy(f, "data/radar.db", "radar-cut.db");
	expect_ok(f, "radar-cut.db", "--cert ca/radar.crt --witness broker-witness.db");
	assert_true(cli_out_has(f, "1 witnessed roots"));
	db_exec_on(f, "radar-cut.db", "DELETE FROM ledger_checkpoints; DELETE FROM ledger WHERE"
		   " idx > 2");
	expect_fault(f, "radar-cut.db", "--cert ca/radar.crt --witness broker-witness.db",
		     "log_truncated", 3);
	assert_true(cli_out_has(f, "broker-witness.db"));
}

/* A partner that co-signs another root than the broker's checkpoint of that
 * size saw another history: refused, named, and in the breach register. */
static void test_r20_integrity_cosignature_over_inconsistent_tree(void **state)
{
	struct fed *f = *state;
	long n = wait_witnessed(f, WITNESS_WAIT_MS);
	struct raw_peer p;
	char url[128];
	json_t *env = NULL, *reply = NULL;
	broker_url(f, url, sizeof(url));
	assert_int_equal(raw_open(f, &p, "ca/alcander.pem", NULL, url, "broker"), 0);
	assert_int_equal(envelope_new1(&env, "checkpoint.cosign", "alcander", "broker"), 0);
	json_object_set_new(env, "body", json_pack("{s:I,s:s,s:s}", "size", (json_int_t)n, "root",
						   "00112233445566778899aabbccddeeff"
						   "00112233445566778899aabbccddeeff",
						   "sig", "MEUCIQ"));
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "tampered");
	json_decref(env);
	json_decref(reply);
	assert_true(dbq(f, "data/broker.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			" kind='tampered' AND peer='alcander' AND detail LIKE '%%not consistent%%'") >= 1);
	assert_true(log_count(f, "broker", "security_event", "tampered") >= 1);
	/* the real co-signature of that size stays */
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log_cosignatures"
			     " WHERE size=%ld AND partner='alcander' AND root != '0011223344556677"
			     "8899aabbccddeeff00112233445566778899aabbccddeeff'", n), 1);
	/* a partner claiming to have seen a longer log than there is */
	env = NULL;
	assert_int_equal(envelope_new1(&env, "checkpoint.get", "alcander", "broker"), 0);
	json_object_set_new(env, "body", json_pack("{s:I}", "from", (json_int_t)n + 1000));
	assert_int_equal(raw_send_env(&p, env, 5000, &reply), 0);
	assert_string_equal(reply_error(reply), "tampered");
	json_decref(env);
	json_decref(reply);
	raw_close(&p);
}

/* A checkpoint that does not carry the broker's signature is not co-signed:
 * each node records it in its breach register. */
static void test_r20_integrity_bad_checkpoint_signature_refused_by_nodes(void **state)
{
	struct fed *f = *state;
	long n = wait_witnessed(f, WITNESS_WAIT_MS);
	char sig[256];
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(dbq_text(f, "data/broker.db", sig, sizeof(sig), "SELECT sig FROM "
				  "audit_log_checkpoints WHERE size=%ld", n), 0);
	/* the checkpoint every node has seen now carries a broken signature */
	db_exec_on(f, "data/broker.db", "UPDATE audit_log_checkpoints SET sig = " FLIP("sig", 30)
		   " WHERE size=%ld", n);
	long before = dbq(f, "data/radar.db", "SELECT COALESCE(SUM(count), 0) FROM security_events");
	assert_int_equal(fed_start_broker(f), 0);
	int64_t end = time_mono_ms() + WITNESS_WAIT_MS;
	long seen = 0;
	while (time_mono_ms() < end &&
	       (seen = dbq(f, "data/radar.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			   " kind='signature' AND peer='broker' AND detail LIKE '%%checkpoint%%'")) < 1)
		sleep_ms(100);
	assert_true(seen >= 1);
	assert_true(dbq(f, "data/radar.db", "SELECT COALESCE(SUM(count), 0) FROM security_events") > before);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log_checkpoints"
			     " WHERE size > %ld", n), 0);
	/* repaired from a copy: the federation goes on */
	fed_stop(&f->broker, SIGTERM);
	db_exec_on(f, "data/broker.db", "UPDATE audit_log_checkpoints SET sig = '%s' WHERE size=%ld",
		   sig, n);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
}

/* A co-signature lost on its way (the broker stopped before it took it)
 * goes again: the node does not count a checkpoint it kept as co-signed. */
static void test_r20_integrity_lost_cosignature_sent_again(void **state)
{
	struct fed *f = *state;
	wait_witnessed(f, WITNESS_WAIT_MS);
	fed_stop(&f->broker, SIGTERM);
	fed_stop(&f->nodes[RADAR], SIGTERM);
	long n = broker_entries(f);
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM broker_checkpoints"
			     " WHERE size=%ld AND cosigned=1", n), 1);
	/* radar kept the latest checkpoint, but its co-signature never arrived */
	db_exec_on(f, "data/broker.db", "DELETE FROM audit_log_cosignatures WHERE size=%ld AND"
		   " partner='radar'", n);
	db_exec_on(f, "data/radar.db", "UPDATE broker_checkpoints SET cosigned=0 WHERE size=%ld", n);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
	assert_int_equal(broker_entries(f), n); /* no new checkpoint to co-sign instead */
	assert_int_equal(wait_witnessed(f, WITNESS_WAIT_MS), n);
	/* radar marks it once the broker's reply is back: just after the broker has it */
	assert_int_equal(dbq_wait(f, "data/radar.db", 1, 15000, "SELECT cosigned FROM"
				  " broker_checkpoints WHERE size=%ld", n), 1);
}

/* The broker killed after it acknowledged lookups but before it made their
 * checkpoint: every acknowledged entry is in the log, and the next start
 * checkpoints it; the nodes co-sign the recovered log. */
static void test_r20_integrity_broker_killed_between_append_and_checkpoint(void **state)
{
	struct fed *f = *state;
	wait_witnessed(f, WITNESS_WAIT_MS);
	fed_stop(&f->broker, SIGTERM);
	assert_int_equal(fed_config_edit(f, "broker.json", "checkpoint_seconds", "3600"), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
	long before = dbq(f, "data/broker.db", "SELECT MAX(size) FROM audit_log_checkpoints");
	char rids[5][WN_ID_LEN + 1];
	for (int i = 0; i < 5; i++)
		lookup(f, BSN_A, rids[i]);
	fed_stop(&f->broker, SIGKILL);
	long n = broker_entries(f);
	assert_true(n > before);
	/* nothing acknowledged is lost */
	for (int i = 0; i < 5; i++)
		assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log WHERE"
				     " msg_id='%s' AND type='lookup'", rids[i]), 1);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(size) FROM audit_log_checkpoints"), before);
	/* the next start recovers and checkpoints what came after */
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
	assert_true(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log_checkpoints WHERE"
			" size >= %ld", n) >= 1);
	wait_witnessed(f, WITNESS_WAIT_MS);
	expect_ok(f, "data/broker.db", "--cert ca/broker.crt --witness data/radar.db");
	/* and at shutdown: entries after the last checkpoint get one */
	lookup(f, BSN_B, NULL);
	fed_stop(&f->broker, SIGTERM);
	n = broker_entries(f);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT MAX(size) FROM audit_log_checkpoints"), n);
	assert_int_equal(fed_config_edit(f, "broker.json", "checkpoint_seconds", "1"), 0);
	assert_int_equal(fed_start_broker(f), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
}

/* A daemon does not sign over a log that lost entries under its last
 * checkpoint: it refuses to start and says why. */
static void test_r20_integrity_node_refuses_log_cut_short(void **state)
{
	struct fed *f = *state;
	lookup(f, BSN_A, NULL);
	fed_stop(&f->nodes[RADAR], SIGTERM); /* its last checkpoint, at shutdown */
	db_copy(f, "data/radar.db", "radar-backup.db");
	long n = dbq(f, "data/radar.db", "SELECT COUNT(*) FROM ledger");
	assert_int_equal(dbq(f, "data/radar.db", "SELECT MAX(size) FROM ledger_checkpoints"), n);
	db_exec_on(f, "data/radar.db", "DELETE FROM ledger WHERE idx > %ld", n - 2);
	assert_int_equal(fed_start_node(f, RADAR), 0);
	int status = fed_wait_exit(&f->nodes[RADAR], 10000);
	assert_true(status > 0);
	assert_true(log_count(f, "radar", "cut short", NULL) >= 1);
	/* the backup is whole: the node comes back */
	db_copy(f, "radar-backup.db", "data/radar.db");
	assert_int_equal(fed_start_node(f, RADAR), 0);
	assert_int_equal(fed_wait_up(f, GEMEENTE, NNODES, 10000), 0);
	lookup(f, BSN_A, NULL);
}

/* The broker's history rewritten in place while it was down: the nodes
 * refuse to co-sign the new tree and record it; verification names it. */
static void test_r20_integrity_rewritten_history_refused_by_nodes(void **state)
{
	struct fed *f = *state;
	wait_witnessed(f, WITNESS_WAIT_MS);
	fed_stop(&f->broker, SIGTERM);
	long n = broker_entries(f);
	db_copy(f, "data/broker.db", "broker-before.db");
	rewrite_history(f, "data/broker.db", 1, 0);
	assert_int_equal(broker_entries(f), n);
	assert_int_equal(fed_start_broker(f), 0);
	int64_t end = time_mono_ms() + WITNESS_WAIT_MS;
	long refused = 0;
	while (time_mono_ms() < end &&
	       (refused = dbq(f, "data/alcander.db", "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			      " kind='tampered' AND peer='broker'")) < 1)
		sleep_ms(100);
	assert_true(refused >= 1);
	assert_true(log_count(f, "alcander", "security_event", "rewritten") >= 1);
	/* no node co-signed the rewritten tree */
	char root[80];
	assert_int_equal(dbq_text(f, "data/broker.db", root, sizeof(root), "SELECT root FROM "
				  "audit_log_checkpoints WHERE size=%ld", n), 0);
	assert_int_equal(dbq(f, "data/broker.db", "SELECT COUNT(*) FROM audit_log_cosignatures"
			     " WHERE root='%s'", root), 0);
	assert_int_equal(dbq(f, "data/radar.db", "SELECT COUNT(*) FROM broker_checkpoints WHERE"
			     " root='%s'", root), 0);
	expect_fault(f, "data/broker.db", "--cert ca/broker.crt --witness data/radar.db",
		     "history_rewritten", 0);
	expect_ok(f, "broker-before.db", "--cert ca/broker.crt --witness data/radar.db");
}

int main(void)
{
	int64_t t0 = fed_test_begin();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_checkpoints_signed_and_cosigned),
		cmocka_unit_test(test_r20_integrity_inclusion_proof),
		cmocka_unit_test(test_r20_integrity_tampering_detected_and_named),
		cmocka_unit_test(test_r20_integrity_node_ledger_tampering),
		cmocka_unit_test(test_r20_integrity_ledger_witnessed_by_broker),
		cmocka_unit_test(test_r20_integrity_cosignature_over_inconsistent_tree),
		cmocka_unit_test(test_r20_integrity_bad_checkpoint_signature_refused_by_nodes),
		cmocka_unit_test(test_r20_integrity_lost_cosignature_sent_again),
		cmocka_unit_test(test_r20_integrity_broker_killed_between_append_and_checkpoint),
		cmocka_unit_test(test_r20_integrity_node_refuses_log_cut_short),
		cmocka_unit_test(test_r20_integrity_rewritten_history_refused_by_nodes),
	};
	int failed = cmocka_run_group_tests_name("audit", tests, group_setup, fed_group_teardown);
	return fed_test_end("test_audit", failed, t0);
}
