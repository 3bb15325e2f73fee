/*
 * owncert.c — the certificates this node has signed with, and when a new key
 * replaced an earlier one.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "wijknet.h"
#include "ids.h"
#include "owncert.h"
#include "pki.h"

/* The certificate's serial in upper-case hex, as the CA lists it. */
static int owncert_serial(X509 *cert, char *out, size_t cap)
{
	char *hex = NULL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	if (bn != NULL)
		hex = BN_bn2hex(bn);
	BN_free(bn);
	if (hex == NULL || strlen(hex) >= cap) {
		OPENSSL_free(hex);
		return WN_ECERT;
	}
	strcpy(out, hex);
	OPENSSL_free(hex);
	return 0;
}

/* Marks replaced, at now, every recorded certificate still in use that is
 * for another key than cert (a renewal keeps the key: not replaced). */
static int owncert_mark_replaced(db *d, X509 *cert, const char *serial, int64_t now,
				 int *replaced)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	int rc = db_prepare(d, "SELECT serial, cert FROM own_certs WHERE replaced_at IS NULL AND"
			       " serial != ?", &st);
	if (rc == 0)
		rc = db_prepare(d, "UPDATE own_certs SET replaced_at = ? WHERE serial = ?", &up);
	if (rc == 0)
		sqlite3_bind_text(st, 1, serial, -1, SQLITE_TRANSIENT);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		X509 *was = NULL;
		if (pki_cert_from_pem((const char *)sqlite3_column_text(st, 1), &was) == 0 &&
		    EVP_PKEY_eq(X509_get0_pubkey(was), X509_get0_pubkey(cert)) == 1) {
			X509_free(was);
			continue;
		}
		X509_free(was);
		sqlite3_reset(up);
		sqlite3_bind_int64(up, 1, now);
		sqlite3_bind_text(up, 2, (const char *)sqlite3_column_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		rc = sqlite3_step(up) == SQLITE_DONE ? 0 : WN_EDB;
		*replaced += rc == 0;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return rc;
}

int owncert_note(db *d, X509 *cert, const char *pem, int *replaced)
{
	char serial[80];
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	*replaced = 0;
	int rc = owncert_serial(cert, serial, sizeof(serial));
	if (rc != 0)
		return rc;
	db_lock(d);
	if ((rc = db_begin(d)) != 0)
		goto out;
	rc = db_prepare(d, "INSERT OR IGNORE INTO own_certs(serial, cert, first_used) VALUES"
			   " (?, ?, ?)", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, serial, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, pem, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, now);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = owncert_mark_replaced(d, cert, serial, now, replaced);
	if (rc == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
out:
	db_unlock(d);
	return rc;
}
