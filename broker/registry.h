/*
 * registry.h — the broker's registry of federation partners: id, name, node
 * address, certificate, status, clusters and the published sealing key, plus
 * the connection the broker keeps to each active partner's node.
 */
#ifndef WN_BROKER_REGISTRY_H
#define WN_BROKER_REGISTRY_H

#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "config.h"
#include "db.h"
#include "pki.h"
#include "transport.h"

typedef struct registry registry;

struct registry_partner {
	char id[PKI_ID_MAX];
	char *name;
	char *address;
	char status[16];      /* active, suspended, revoked (registry decision) */
	int incidental;       /* role "incidental": a third party (Heerlen 7.2, Bijlage 6) */
	int municipality;     /* role "municipality": answers to the client (Heerlen 9.1) */
	int cert_error;       /* 0, or why the certificate is refused */
	X509 *cert;
	char *cert_pem;
	json_t *clusters;     /* array of cluster codes */
	uint8_t seal_pk[32];
	char *seal_sig;       /* partner's signature over its sealing key (b64) */
	int has_seal;
	rpc_client *client;   /* broker → node connection, NULL when not usable */
	nng_tls_config *tls;
};

/* Loads the "partners" array from the broker config, verifies each
 * certificate against trust (revoked/expired/foreign ones are recorded as
 * security events and made unusable), restores sealing keys from the db.
 * *out: registry_free(). */
int registry_load(config *cfg, const json_t *partners, pki_trust *trust, db *d, registry **out,
		  char *err, size_t errcap);
void registry_free(registry *r);

/* Dials every usable partner's node (TLS server name = partner id). */
int registry_connect(registry *r, const char *cert_key_path, const char *ca_path,
		     const char *crl_path);

size_t registry_count(registry *r);
struct registry_partner *registry_at(registry *r, size_t i);
/* NULL when unknown. */
struct registry_partner *registry_find(registry *r, const char *id);

/* 1 when the partner may send and receive (status active, certificate ok). */
int registry_usable(const struct registry_partner *p);

/* 1 when the partner is a covenant member (not an incidental third party). */
int registry_member(const struct registry_partner *p);

/* 1 when the partner takes part in cluster (NULL cluster: any). */
int registry_in_cluster(const struct registry_partner *p, const char *cluster);

/* Verifies and stores a sealing key the partner published. */
int registry_set_seal_key(registry *r, struct registry_partner *p, const char *key_b64,
			  const char *sig_b64);

/* Copies the sealing key state under the registry lock. */
int registry_get_seal(registry *r, const struct registry_partner *p, uint8_t pk[32],
		      char **sig_b64);

#endif
