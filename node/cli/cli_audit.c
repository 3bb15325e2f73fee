/*
 * cli_audit.c — `wijknet audit`: offline checks of a tamper-evident log in a
 * database file (the broker's audit log or a node's ledger), for an auditor
 * who holds a copy. verify recomputes the whole Merkle tree and every
 * checkpoint and names the first fault; prove prints an inclusion proof of
 * one entry; check verifies such a proof. The database is opened read-only.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include <openssl/err.h>

#include "cli.h"
#include "encoding.h"
#include "fileio.h"
#include "pki.h"
#include "tlog.h"

int cli_audit_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet audit verify [--db] FILE [--cert OWNER.crt] [--witness DB]... [--json]\n"
		"       wijknet audit prove [--db] FILE --entry N [--size S] [> proof.json]\n"
		"       wijknet audit check PROOF.json [--cert OWNER.crt]\n"
		"FILE is the broker's database (its audit log) or a node's (its ledger); the\n"
		"certificate of the log's owner checks the checkpoint signatures; a node's\n"
		"database witnesses the broker's checkpoints it co-signed, and the broker's\n"
		"the last checkpoint each node sent it. With --config\n"
		"BROKER.json or NODE.json, its database and certificate are the defaults; a\n"
		"broker's config also gives the partners' certificates, which check the\n"
		"co-signatures the broker keeps.\n");
	return cli_usage("audit");
}

/* The log in the database at path; NULL with *status the exit status (2 for
 * a file that is not there or holds no log, 4 for one that is damaged). */
static sqlite3 *audit_open(const char *path, const char **table, int *status)
{
	sqlite3 *conn = NULL;
	sqlite3_stmt *st = NULL;
	*status = CLI_USAGE;
	if (access(path, R_OK) != 0) {
		cli_invalid("audit", "%s: cannot read the database", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		cli_invalid("audit", "%s: %s", path, conn ? sqlite3_errmsg(conn) : "cannot open");
		sqlite3_close(conn);
		return NULL;
	}
	*table = NULL;
	int s = sqlite3_prepare_v2(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND"
					 " name IN ('audit_log_tree', 'ledger_tree')", -1, &st, NULL);
	if (s == SQLITE_OK)
		s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*table = strcmp((const char *)sqlite3_column_text(st, 0), "audit_log_tree") == 0
				 ? "audit_log"
				 : "ledger";
	sqlite3_finalize(st);
	if (s == SQLITE_CORRUPT) { /* a file not a database at all stays invalid input */
		/* the evidence is damaged, not of another kind */
		*status = cli_error("audit", WN_EDB, "%s: cannot be read to the end: %s", path,
				    sqlite3_errstr(s));
		sqlite3_close(conn);
		return NULL;
	}
	if (*table == NULL) {
		cli_invalid("audit", "%s: holds neither a broker's audit log nor a node's ledger",
			    path);
		sqlite3_close(conn);
		return NULL;
	}
	return conn;
}

/* The certificate in the PEM file at path, or NULL (the caller says so). */
static X509 *audit_cert(const char *path)
{
	char *pem = NULL;
	X509 *cert = NULL;
	if (file_read_all(path, 64 * 1024, &pem, NULL) == 0)
		pki_cert_from_pem(pem, &cert);
	free(pem);
	return cert;
}

/* Roots others saw: the broker's co-signatures, a node's kept copies of
 * the broker's checkpoints, or the broker's copies of a node's (sql's ?1,
 * when given, is param). */
static void audit_witnesses(sqlite3 *conn, const char *sql, const char *param, const char *by,
			    json_t *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	if (param != NULL)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char who[128];
		snprintf(who, sizeof(who), "%s", by ? by : (const char *)sqlite3_column_text(st, 2));
		json_array_append_new(out, json_pack("{s:I,s:s,s:s}", "size",
						     (json_int_t)sqlite3_column_int64(st, 0), "root",
						     (const char *)sqlite3_column_text(st, 1), "by",
						     who));
	}
	sqlite3_finalize(st);
}

/* The partners' certificates of a broker config: {id: X509 *} as an
 * array of {id, cert} pairs (NULL when config is NULL or has no partners).
 * until: 0 for a certificate in use; for one of a key replaced since, the
 * moment (ms) it was, after which it vouches for nothing. */
struct partner_cert {
	char id[128];
	X509 *cert;
	int64_t until;
};

/* Adds the certificate in pem for id when the federation CA (capub) signed
 * it for that id; skipped otherwise. */
static void audit_add_cert(struct partner_cert **out, size_t *n, EVP_PKEY *capub, const char *id,
			   const char *pem, int64_t until)
{
	X509 *cert = NULL;
	char cn[PKI_ID_MAX];
	if (id == NULL || pem == NULL || pki_cert_from_pem(pem, &cert) != 0)
		return;
	struct partner_cert *grown = realloc(*out, (*n + 1) * sizeof(**out));
	if (grown != NULL)
		*out = grown;
	if (X509_verify(cert, capub) != 1 || pki_cert_cn(cert, cn, sizeof(cn)) != 0 ||
	    strcmp(cn, id) != 0 || grown == NULL) {
		X509_free(cert);
		return;
	}
	snprintf(grown[*n].id, sizeof(grown->id), "%s", id);
	grown[*n].until = until;
	grown[(*n)++].cert = cert;
}

/* The broker's registry table holds every partner's certificate as the
 * federation runs (admitted later, renewed, a new key), and partner_certs
 * those of keys replaced, each with the moment it was; they count only when
 * the federation CA (the config's "ca") signed them for that id. */
static void audit_registry_certs(sqlite3 *conn, const char *config, struct partner_cert **out,
				 size_t *n)
{
	char *ca_path = config ? cli_config_path(config, "ca") : NULL;
	X509 *ca = ca_path ? audit_cert(ca_path) : NULL;
	EVP_PKEY *capub = ca ? X509_get0_pubkey(ca) : NULL;
	if (ca_path != NULL && ca == NULL)
		fprintf(stderr, "wijknet: %s: cannot read a PEM certificate; partners admitted "
			"later are not checked\n", ca_path);
	sqlite3_stmt *st = NULL;
	free(ca_path);
	if (capub == NULL || sqlite3_prepare_v2(conn, "SELECT id, cert, 0 FROM partners UNION ALL"
						" SELECT partner, cert, replaced_at FROM"
						" partner_certs", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st); /* a log from before 0.5.17 keeps no replaced key */
		st = NULL;
		if (capub == NULL || sqlite3_prepare_v2(conn, "SELECT id, cert, 0 FROM partners",
							-1, &st, NULL) != SQLITE_OK)
			goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		audit_add_cert(out, n, capub, (const char *)sqlite3_column_text(st, 0),
			       (const char *)sqlite3_column_text(st, 1),
			       (int64_t)sqlite3_column_int64(st, 2));
out:
	ERR_clear_error();
	sqlite3_finalize(st);
	X509_free(ca);
}

/* 1 when pc[0..npc) holds a certificate for id. */
static int audit_cert_known(const struct partner_cert *pc, size_t npc, const char *id)
{
	for (size_t i = 0; i < npc; i++)
		if (strcmp(pc[i].id, id) == 0)
			return 1;
	return 0;
}

static struct partner_cert *audit_partner_certs(sqlite3 *conn, const char *config, size_t *n)
{
	json_error_t jerr;
	json_t *root = config ? json_load_file(config, 0, &jerr) : NULL, *p;
	json_t *list = json_object_get(root, "partners");
	struct partner_cert *out = NULL;
	size_t i;
	*n = 0;
	/* a broker's config (a node's has a "local" socket): its registry first,
	 * which has a partner's certificate as the federation runs */
	if (root != NULL && json_object_get(root, "local") == NULL)
		audit_registry_certs(conn, config, &out, n);
	if (json_array_size(list) > 0) {
		const char *slash = strrchr(config, '/');
		int dirlen = slash == NULL ? 0 : (int)(slash - config + 1);
		json_array_foreach(list, i, p) {
			const char *id = json_string_value(json_object_get(p, "id"));
			const char *crt = json_string_value(json_object_get(p, "certificate"));
			char path[1024];
			struct partner_cert *grown = NULL;
			if (id == NULL || crt == NULL || audit_cert_known(out, *n, id) ||
			    (grown = realloc(out, (*n + 1) * sizeof(*out))) == NULL)
				continue;
			out = grown;
			snprintf(path, sizeof(path), "%.*s%s", crt[0] == '/' ? 0 : dirlen, config, crt);
			out[*n].until = 0;
			if ((out[*n].cert = audit_cert(path)) != NULL)
				snprintf(out[(*n)++].id, sizeof(out->id), "%s", id);
			else
				fprintf(stderr, "wijknet: %s: cannot read a PEM certificate; partner "
					"'%s' not checked\n", path, id);
		}
	}
	json_decref(root);
	return out;
}

/* Whether sig over cp is partner's: with a certificate of it that was in use
 * when the checkpoint was signed (ts). *known: one of it was found at all. */
static int audit_cosigned_by(const struct partner_cert *pc, size_t npc, const char *partner,
			     const json_t *cp, const char *sig, int *known)
{
	int64_t ts = (int64_t)json_integer_value(json_object_get(cp, "ts"));
	*known = 0;
	for (size_t i = 0; partner != NULL && i < npc; i++) {
		if (strcmp(pc[i].id, partner) != 0)
			continue;
		*known = 1;
		if ((pc[i].until == 0 || ts <= pc[i].until) &&
		    tlog_cosign_verify(cp, sig, pc[i].cert) == 0)
			return 1;
	}
	return 0;
}

/* Checks every co-signature the broker keeps with the partner's own
 * certificate: a co-signature that does not verify was not made by that
 * partner over that checkpoint. NULL, or the first fault. */
static json_t *audit_cosignatures(sqlite3 *conn, const struct partner_cert *pc, size_t npc,
				  size_t *checked)
{
	sqlite3_stmt *st = NULL;
	json_t *fault = NULL;
	*checked = 0;
	if (sqlite3_prepare_v2(conn, "SELECT c.size, c.root, c.partner, c.sig, k.origin, k.ts"
				     " FROM audit_log_cosignatures c LEFT JOIN audit_log_checkpoints k"
				     " ON k.size = c.size ORDER BY c.size", -1, &st, NULL) != SQLITE_OK)
		return json_pack("{s:s,s:s}", "kind", "bad_cosignature", "message",
				 "the co-signatures cannot be read");
	while (fault == NULL && sqlite3_step(st) == SQLITE_ROW) {
		const char *partner = (const char *)sqlite3_column_text(st, 2);
		const char *origin = (const char *)sqlite3_column_text(st, 4);
		json_int_t size = (json_int_t)sqlite3_column_int64(st, 0);
		json_t *cp = origin ? json_pack("{s:s,s:I,s:s,s:I}", "origin", origin, "size", size,
						"root", (const char *)sqlite3_column_text(st, 1), "ts",
						(json_int_t)sqlite3_column_int64(st, 5))
				    : NULL;
		const char *sig = (const char *)sqlite3_column_text(st, 3);
		int known = 0;
		int signed_by = cp != NULL && sig != NULL &&
				audit_cosigned_by(pc, npc, partner, cp, sig, &known);
		ERR_clear_error(); /* a certificate tried before the one that verifies */
		if (!signed_by) {
			char msg[300];
			snprintf(msg, sizeof(msg), "the co-signature of '%s' at size %lld %s",
				 partner ? partner : "?", (long long)size,
				 cp == NULL   ? "belongs to no checkpoint"
				 : !known     ? "names no partner of the registry"
					      : "does not verify: that partner did not sign this checkpoint");
			fault = json_pack("{s:s,s:I,s:s}", "kind", "bad_cosignature", "index", size,
					  "message", msg);
		}
		*checked += fault == NULL;
		json_decref(cp);
	}
	sqlite3_finalize(st);
	return fault;
}

/* A row's pseudonym against its entry's hex (the entry still holds one: its
 * row must too; retention takes it from the row only once the entry's went,
 * so a row emptied while its entry holds one was emptied to hide it). */
static int audit_same_index(sqlite3_stmt *st, int col, const json_t *v)
{
	const char *hex = json_string_value(v);
	int len = sqlite3_column_bytes(st, col);
	const unsigned char *blob = sqlite3_column_blob(st, col);
	if (hex == NULL || blob == NULL || strlen(hex) != 2 * (size_t)len || len > 64)
		return 0;
	char mine[129];
	hex_encode(blob, (size_t)len, mine);
	return strcmp(mine, hex) == 0;
}

/* A disclosure the ledger holds whose row is gone: deleted to hide it. */
static json_t *audit_rows_missing(sqlite3 *conn)
{
	sqlite3_stmt *st = NULL;
	json_t *fault = NULL;
	if (sqlite3_prepare_v2(conn, "SELECT l.idx, l.msg_id FROM ledger l LEFT JOIN disclosures d"
				     " ON d.ledger_idx = l.idx WHERE l.type = 'disclosure' AND"
				     " d.seq IS NULL ORDER BY l.idx LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *rid = (const char *)sqlite3_column_text(st, 1);
		fault = json_pack("{s:s,s:I,s:s,s:s}", "kind", "index_altered", "index",
				  (json_int_t)sqlite3_column_int64(st, 0), "message",
				  "a disclosure in the ledger has no row in the disclosures table: "
				  "deleted from the index", "request_id", rid ? rid : "");
	}
	sqlite3_finalize(st);
	return fault;
}

/* A node's disclosures must say what its ledger says (the table is an index).
 * A fault names the row (seq), the field and, when the row points at one,
 * the ledger entry ("index"): where the auditor looks. */
static json_t *audit_cross_check(sqlite3 *conn)
{
	sqlite3_stmt *st = NULL;
	json_t *fault = NULL;
	if (sqlite3_prepare_v2(conn, "SELECT d.*, l.entry, l.idx FROM disclosures d LEFT JOIN"
				     " ledger l ON l.idx = d.ledger_idx ORDER BY d.seq", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	int cols = sqlite3_column_count(st) - 1; /* d.* and l.entry; l.idx last */
	while (fault == NULL && sqlite3_step(st) == SQLITE_ROW) {
		json_error_t jerr;
		char msg[256];
		const char *text = (const char *)sqlite3_column_text(st, cols - 1);
		json_t *entry = text ? json_loads(text, 0, &jerr) : NULL;
		const char *rid = (const char *)sqlite3_column_text(st, 2);
		long long seq = (long long)sqlite3_column_int64(st, 0);
		for (int i = 0; entry != NULL && i < cols - 1 && fault == NULL; i++) {
			const char *col = sqlite3_column_name(st, i);
			const char *key = strcmp(col, "type") == 0 ? "kind" : col;
			json_t *v = json_object_get(entry, key);
			if (v == NULL || strcmp(col, "seq") == 0 || strcmp(col, "ledger_idx") == 0)
				continue;
			int same = json_is_integer(v) ? sqlite3_column_int64(st, i) == json_integer_value(v)
				   : json_is_string(v) && sqlite3_column_type(st, i) == SQLITE_TEXT &&
					     strcmp((const char *)sqlite3_column_text(st, i),
						    json_string_value(v)) == 0;
			if (strcmp(col, "subject_index") == 0) /* a blob; its hex is in the entry */
				same = audit_same_index(st, i, v);
			if (!same) {
				snprintf(msg, sizeof(msg), "the disclosures row %lld no longer says "
					 "what its ledger entry says: field '%s' was changed", seq,
					 col);
				fault = json_pack("{s:s,s:I,s:s,s:s,s:I}", "kind", "index_altered",
						  "index", (json_int_t)sqlite3_column_int64(st, cols),
						  "message", msg, "field", col, "row",
						  (json_int_t)seq);
			}
		}
		if (entry == NULL && fault == NULL) {
			snprintf(msg, sizeof(msg), "the disclosures row %lld has no ledger entry",
				 seq);
			fault = json_pack("{s:s,s:s,s:I}", "kind", "index_altered", "message", msg,
					  "row", (json_int_t)seq);
		}
		if (fault != NULL && rid != NULL)
			json_object_set_new(fault, "request_id", json_string(rid));
		json_decref(entry);
	}
	sqlite3_finalize(st);
	return fault != NULL ? fault : audit_rows_missing(conn);
}

static void audit_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	if (total >= 100000 || isatty(STDERR_FILENO))
		fprintf(stderr, "\rwijknet: %llu of %llu entries checked", (unsigned long long)done,
			(unsigned long long)total);
	if (done == total && (total >= 100000 || isatty(STDERR_FILENO)))
		fprintf(stderr, "\n");
}

/* A certificate that is not of the owner that signed the log's checkpoints
 * ("wijknet:ID:table") makes every signature fail. The failure stands — the
 * checkpoints' own word for their signer could be forged too — but a hint
 * says whose certificate was given. */
static void audit_cert_owner_hint(sqlite3 *conn, const char *table, X509 *cert,
				  const char *certpath)
{
	char cn[PKI_ID_MAX], sql[128], want[PKI_ID_MAX + 32];
	sqlite3_stmt *st = NULL;
	if (pki_cert_cn(cert, cn, sizeof(cn)) != 0)
		return;
	snprintf(want, sizeof(want), "wijknet:%s:%s", cn, table);
	snprintf(sql, sizeof(sql), "SELECT origin FROM %s_checkpoints ORDER BY size DESC LIMIT 1",
		 table);
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 0), want) != 0)
		fprintf(stderr, "wijknet: note: %s is the certificate of '%s', but this log's "
			"checkpoints say they are signed as '%s': is it the owner's certificate?\n",
			certpath, cn, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Whose ledger it is: the given certificate's id, else the signer its
 * newest checkpoint names ("wijknet:ID:ledger"); "" when neither says. */
static void audit_ledger_owner(sqlite3 *conn, X509 *cert, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	if (cert != NULL && pki_cert_cn(cert, out, cap) == 0)
		return;
	if (sqlite3_prepare_v2(conn, "SELECT origin FROM ledger_checkpoints ORDER BY size DESC"
				     " LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		const char *end = strrchr(o, ':');
		if (strncmp(o, "wijknet:", 8) == 0 && end != NULL && end > o + 8 &&
		    (size_t)(end - o - 8) < cap)
			snprintf(out, cap, "%.*s", (int)(end - o - 8), o + 8);
	}
	sqlite3_finalize(st);
}

/* Who signed a node's ledger: its certificate now (cert, given or from the
 * config), and those of keys it replaced under the same id (own_certs), each
 * until the moment it was replaced — counted only when the federation CA of
 * the config signed them for the ledger's owner. *n: how many; free(). */
static struct tlog_signer *audit_ledger_signers(sqlite3 *conn, const char *config, X509 *cert,
						const char *owner, size_t *n)
{
	struct tlog_signer *out = calloc(1, sizeof(*out));
	char *ca_path = config && cert ? cli_config_path(config, "ca") : NULL;
	X509 *ca = ca_path ? audit_cert(ca_path) : NULL;
	sqlite3_stmt *st = NULL;
	*n = 0;
	free(ca_path);
	if (out == NULL || cert == NULL)
		goto out;
	out[(*n)++] = (struct tlog_signer){ cert, 0 };
	if (ca == NULL || sqlite3_prepare_v2(conn, "SELECT cert, replaced_at FROM own_certs WHERE"
						 " replaced_at IS NOT NULL", -1, &st,
					     NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		X509 *was = NULL;
		char cn[PKI_ID_MAX];
		struct tlog_signer *grown = realloc(out, (*n + 1) * sizeof(*out));
		if (grown != NULL)
			out = grown;
		if (grown == NULL ||
		    pki_cert_from_pem((const char *)sqlite3_column_text(st, 0), &was) != 0 ||
		    X509_verify(was, X509_get0_pubkey(ca)) != 1 ||
		    pki_cert_cn(was, cn, sizeof(cn)) != 0 || strcmp(cn, owner) != 0) {
			X509_free(was);
			continue;
		}
		out[(*n)++] = (struct tlog_signer){ was, (int64_t)sqlite3_column_int64(st, 1) };
	}
out:
	ERR_clear_error();
	sqlite3_finalize(st);
	X509_free(ca);
	return out;
}

static int audit_verify(const char *dbpath, const char *certpath, const char *const *wit,
			size_t nwit, const char *config, int json)
{
	size_t npc = 0, cosigned = 0, nsigners = 0;
	struct partner_cert *pc = NULL;
	struct tlog_signer *signers = NULL;
	const char *table = NULL;
	X509 *cert = NULL;
	json_t *report = NULL, *witnesses = json_array();
	int status = CLI_USAGE; /* a file that is not there, or not a log */
	sqlite3 *conn = audit_open(dbpath, &table, &status);
	if (conn == NULL)
		goto out;
	if (certpath != NULL && (cert = audit_cert(certpath)) == NULL) {
		cli_invalid("audit", "%s: cannot read a PEM certificate", certpath);
		goto out;
	}
	if (cert != NULL)
		audit_cert_owner_hint(conn, table, cert, certpath);
	if (strcmp(table, "audit_log") == 0)
		audit_witnesses(conn, "SELECT size, root, 'partner ' || partner FROM"
				      " audit_log_cosignatures", NULL, NULL, witnesses);
	char owner[PKI_ID_MAX] = "";
	if (strcmp(table, "ledger") == 0)
		audit_ledger_owner(conn, cert, owner, sizeof(owner));
	for (size_t i = 0; i < nwit; i++) {
		const char *t = NULL;
		sqlite3 *w = audit_open(wit[i], &t, &status);
		if (w == NULL)
			goto out;
		if (strcmp(t, "audit_log") != 0) /* a node: the broker's log it co-signed */
			audit_witnesses(w, "SELECT size, root FROM broker_checkpoints", NULL, wit[i],
					witnesses);
		else if (owner[0] != '\0') /* the broker: the node's last checkpoint it got */
			audit_witnesses(w, "SELECT size, root FROM partner_checkpoints WHERE"
					   " partner = ?1", owner, wit[i], witnesses);
		sqlite3_close(w);
	}
	status = 1;
	if (strcmp(table, "ledger") == 0)
		signers = audit_ledger_signers(conn, config, cert, owner, &nsigners);
	else if (cert != NULL && (signers = calloc(1, sizeof(*signers))) != NULL)
		signers[nsigners++] = (struct tlog_signer){ cert, 0 };
	if (cert != NULL && signers == NULL) {
		status = cli_error("audit verify", WN_ENOMEM, "%s", wn_strerror(WN_ENOMEM));
		goto out;
	}
	if (tlog_verify_signers(conn, table, signers, nsigners, witnesses, audit_progress, NULL,
				&report) != 0) {
		status = cli_error("audit verify", WN_EDB, "%s: cannot read the log", dbpath);
		goto out;
	}
	if (json_is_true(json_object_get(report, "ok")) && strcmp(table, "ledger") == 0) {
		json_t *fault = audit_cross_check(conn);
		if (fault != NULL) {
			json_object_set_new(report, "ok", json_false());
			json_object_set_new(report, "error", fault);
		}
	}
	/* the co-signatures themselves, when the partners' certificates are known */
	pc = strcmp(table, "audit_log") == 0 ? audit_partner_certs(conn, config, &npc) : NULL;
	if (json_is_true(json_object_get(report, "ok")) && npc > 0) {
		json_t *fault = audit_cosignatures(conn, pc, npc, &cosigned);
		if (fault != NULL) {
			json_object_set_new(report, "ok", json_false());
			json_object_set_new(report, "error", fault);
		}
		json_object_set_new(report, "cosignatures_checked", json_integer((json_int_t)cosigned));
	}
	json_object_set_new(report, "log", json_string(table));
	json_object_set_new(report, "signatures_checked", json_boolean(cert != NULL));
	json_object_set_new(report, "witnessed", json_integer((json_int_t)json_array_size(witnesses)));
	/* whether a signature or a witness vouches for the log at all */
	json_object_set_new(report, "proven",
			    json_boolean(json_integer_value(json_object_get(report, "entries")) == 0 ||
					 json_integer_value(json_object_get(report, "checkpoints")) > 0 ||
					 json_array_size(witnesses) > 0));
	int ok = json_is_true(json_object_get(report, "ok"));
	if (json) {
		cli_print_json(json_incref(report));
	} else {
		json_t *e = json_object_get(report, "error");
		char cosig[96] = "";
		if (strcmp(table, "audit_log") == 0)
			snprintf(cosig, sizeof(cosig), npc > 0 ? " (%zu co-signatures checked)"
				 : " (co-signatures not checked: give --config BROKER.json)", cosigned);
		json_int_t entries = json_integer_value(json_object_get(report, "entries"));
		json_int_t checkpoints = json_integer_value(json_object_get(report, "checkpoints"));
		printf("%s: %s of %lld entries, %lld checkpoints%s, %zu witnessed roots%s: %s\n",
		       dbpath, table, (long long)entries, (long long)checkpoints,
		       !cert ? " (signatures not checked: give --cert)"
		       : checkpoints > 0 ? " (signatures checked)" : " (no signature to check)",
		       json_array_size(witnesses), cosig, ok ? "OK" : "FAILED");
		/* consistent is not proven: one who can write the file can rebuild a
		 * log without its checkpoints */
		if (ok && entries > 0 && checkpoints == 0 && json_array_size(witnesses) == 0)
			printf("WARNING: no signed checkpoint and no witness covers these entries: "
			       "the log is consistent, but nothing proves it is the one its owner "
			       "signed; check it against a witness (--witness) or a later "
			       "checkpoint\n");
		json_int_t purged = json_integer_value(json_object_get(report, "purged"));
		if (purged > 0)
			printf("%lld entries purged at their retention date (their leaves kept, each "
			       "purge logged)\n", (long long)purged);
		/* a fault outside the tree (a row with no entry) names no entry */
		if (e != NULL && json_integer_value(json_object_get(e, "index")) > 0)
			printf("first fault (%s) at entry %lld: %s\n",
			       json_string_value(json_object_get(e, "kind")),
			       (long long)json_integer_value(json_object_get(e, "index")),
			       json_string_value(json_object_get(e, "message")));
		else if (e != NULL)
			printf("first fault (%s): %s\n", json_string_value(json_object_get(e, "kind")),
			       json_string_value(json_object_get(e, "message")));
		if (e != NULL && json_string_value(json_object_get(e, "request_id")) != NULL)
			printf("request %s\n", json_string_value(json_object_get(e, "request_id")));
	}
	status = ok ? 0 : 1;
out:
	for (size_t i = 0; i < npc; i++)
		X509_free(pc[i].cert);
	free(pc);
	for (size_t i = 1; i < nsigners; i++) /* the first is cert */
		X509_free(signers[i].cert);
	free(signers);
	json_decref(report);
	json_decref(witnesses);
	X509_free(cert);
	sqlite3_close(conn);
	return status;
}

static int audit_prove(const char *dbpath, long long entry, long long size)
{
	const char *table = NULL;
	json_t *proof = NULL;
	int status = CLI_USAGE;
	sqlite3 *conn = audit_open(dbpath, &table, &status);
	if (conn == NULL)
		return status;
	int rc = entry > 0 && size >= 0 ? tlog_prove(conn, table, (uint64_t)entry, (uint64_t)size,
						   &proof)
					 : WN_EINVAL;
	sqlite3_close(conn);
	if (rc == WN_EINVAL) /* a negative answer: no such entry to prove */
		return cli_error("audit prove", WN_ENOTFOUND, "entry %lld is not in the log (or not "
				 "yet under a checkpoint)", entry);
	if (rc != 0)
		return cli_error("audit prove", rc, "entry %lld: %s", entry, wn_strerror(rc));
	cli_print_json(proof);
	return 0;
}

static int audit_check(const char *path, const char *certpath)
{
	json_error_t jerr;
	char err[256];
	X509 *cert = NULL;
	json_t *proof = json_load_file(path, 0, &jerr);
	int status = 1;
	if (proof == NULL)
		return cli_invalid("audit check", "%s:%d: %s", path, jerr.line, jerr.text);
	if (certpath != NULL && (cert = audit_cert(certpath)) == NULL) {
		status = cli_invalid("audit check", "%s: cannot read a PEM certificate", certpath);
		goto out;
	}
	if (tlog_check_proof(proof, cert, err, sizeof(err)) != 0) {
		printf("%s: FAILED: %s\n", path, err);
		goto out;
	}
	printf("%s: OK: entry %lld is in the %s of %lld entries with root %s%s\n", path,
	       (long long)json_integer_value(json_object_get(proof, "index")),
	       json_string_value(json_object_get(proof, "log")),
	       (long long)json_integer_value(json_object_get(proof, "size")),
	       json_string_value(json_object_get(proof, "root")),
	       json_object_get(proof, "checkpoint") == NULL ? " (no checkpoint in the proof)"
	       : cert ? ", signed by the log's owner"
		      : " (checkpoint signature not checked: give --cert)");
	status = 0;
out:
	X509_free(cert);
	json_decref(proof);
	return status;
}

/* The value of a path key of a config file, relative to the config's
 * directory as the daemons read it; NULL when absent. Caller frees. */
char *cli_config_path(const char *config, const char *key)
{
	json_error_t jerr;
	json_t *root = json_load_file(config, 0, &jerr);
	const char *v = json_string_value(json_object_get(root, key));
	char *out = NULL;
	if (root == NULL)
		fprintf(stderr, "wijknet: %s:%d: %s\n", config, jerr.line, jerr.text);
	if (v != NULL) {
		const char *slash = strrchr(config, '/');
		int dirlen = v[0] == '/' || slash == NULL ? 0 : (int)(slash - config + 1);
		size_t cap = (size_t)dirlen + strlen(v) + 1;
		if ((out = malloc(cap)) != NULL)
			snprintf(out, cap, "%.*s%s", dirlen, config, v);
	}
	json_decref(root);
	return out;
}

int cli_audit(const char *config, int argc, char **argv)
{
	if (argc < 1)
		return cli_audit_usage();
	const char *sub = argv[0], *dbpath = NULL, *cert = NULL, *file = NULL, *v;
	const char *wit[16];
	size_t nwit = 0;
	long long entry = 0, size = 0;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--db")))
			dbpath = v;
		else if ((v = cli_opt(argc, argv, &i, "--cert")))
			cert = v;
		else if ((v = cli_opt(argc, argv, &i, "--entry"))) {
			if (cli_int("audit", "--entry", v, 1, LLONG_MAX, &entry) != 0)
				return CLI_USAGE;
		} else if ((v = cli_opt(argc, argv, &i, "--size"))) {
			if (cli_int("audit", "--size", v, 0, LLONG_MAX, &size) != 0)
				return CLI_USAGE;
		} else if ((v = cli_opt(argc, argv, &i, "--witness"))) {
			if (nwit == sizeof(wit) / sizeof(wit[0])) {
				return cli_invalid("audit", "at most %zu witnesses", nwit);
			}
			wit[nwit++] = v;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return cli_unknown_option("audit", argv[i]);
	}
	int is_check = strcmp(sub, "check") == 0;
	if (!is_check && dbpath == NULL && file != NULL) { /* audit verify FILE */
		dbpath = file;
		file = NULL;
	}
	char *cfg_db = NULL, *cfg_cert = NULL;
	if (!is_check && dbpath == NULL && config != NULL &&
	    (dbpath = cfg_db = cli_config_path(config, "database")) == NULL) {
		return cli_invalid("audit", "%s: key 'database': expected the path of the database",
				   config);
	}
	if (cert == NULL && cfg_db != NULL)
		cert = cfg_cert = cli_config_path(config, "certificate");
	int status;
	if (strcmp(sub, "verify") == 0 && dbpath != NULL && file == NULL)
		status = audit_verify(dbpath, cert, wit, nwit, config, json);
	else if (strcmp(sub, "prove") == 0 && dbpath != NULL && file == NULL && entry > 0)
		status = audit_prove(dbpath, entry, size);
	else if (is_check && file != NULL)
		status = audit_check(file, cert);
	else
		status = cli_audit_usage();
	free(cfg_db);
	free(cfg_cert);
	return status;
}
