/*
 * directory.h — the node's verified copy of the broker's directory. The node
 * checks every certificate against the federation CA and CRL itself and
 * every sealing key against its partner's signature, so a compromised
 * broker cannot substitute keys. Readers hold a reference while they use it.
 */
#ifndef WN_NODE_DIRECTORY_H
#define WN_NODE_DIRECTORY_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "pki.h"

struct dir_peer {
	char id[PKI_ID_MAX];
	char *name;
	char *address;
	char *status;        /* as the broker reports it */
	int usable;          /* active or under notice, certificate verified here */
	int notice;          /* gave notice: running cases only, not asked by default */
	int64_t end_at;      /* ms: when its notice period ends, 0 without one */
	int incidental;      /* an incidental partner (Heerlen Bijlage 6): third party only */
	int municipality;    /* answers to the client for reports and rights (Heerlen 9.1) */
	X509 *cert;
	uint8_t seal_pk[32];
	int has_seal;        /* key present and its signature verified */
	json_t *clusters;
};

struct directory {
	atomic_int refs;
	struct dir_peer *peers;
	size_t count;
	X509 *broker_cert;
	char broker_id[PKI_ID_MAX];
	int64_t fetched_at;
	int max_consent_days;  /* federation policy; 0 when the broker names none */
	int policy_version;    /* the federation policy's version */
	int notice_days;       /* a notice to the client is overdue after (0: default) */
	int retention_days;    /* client-duty records kept after they end (0: default) */
	json_t *data_sets;     /* the policy's cluster data sets, or NULL (the vocabulary's) */
	int64_t version;       /* the registry's version when the broker signed it */
};

/* Builds a directory from the body of a `directory` envelope and verifies
 * the envelope's signature with the broker certificate it carries (which
 * must chain to trust and be named broker_id). *out: directory_release(). */
int directory_from_envelope(const json_t *env, const char *broker_id, pki_trust *trust,
			    struct directory **out, char *err, size_t errcap);

void directory_retain(struct directory *d);
void directory_release(struct directory *d);

/* NULL when unknown. */
struct dir_peer *directory_find(struct directory *d, const char *id);

/* The municipality a partner's notice to the client goes to: of those
 * usable with a verified sealing key, the first in the registry's order
 * (who joined first) that is not under notice, else the first under
 * notice; NULL when there is none. */
struct dir_peer *directory_municipality(struct directory *d);

#endif
