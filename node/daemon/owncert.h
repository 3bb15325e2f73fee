/*
 * owncert.h — the certificates this node has signed with: each one it was
 * started with, and when a later one for another key (its key leaked and was
 * replaced under the same id) took over, so that what it signed with the
 * replaced key — its ledger's checkpoints — still verifies with the
 * certificate that was in use then.
 */
#ifndef WN_NODE_OWNCERT_H
#define WN_NODE_OWNCERT_H

#include <openssl/x509.h>

#include "db.h"

#define OWNCERT_SCHEMA                                                                   \
	"CREATE TABLE own_certs (serial TEXT PRIMARY KEY, cert TEXT NOT NULL,"             \
	" first_used INTEGER NOT NULL, replaced_at INTEGER);"

/* Records cert (pem) as the one the node runs with now; one of another key
 * not yet replaced is marked replaced now. *replaced gets how many were. */
int owncert_note(db *d, X509 *cert, const char *pem, int *replaced);

#endif
