/*
 * registry.h — the broker's registry of federation partners: id, name, node
 * address, certificate, membership status, clusters and the published
 * sealing key, plus the connection the broker keeps to each partner's node.
 *
 * The registry lives in the broker's database (seeded from the config at
 * first start) and changes while the federation runs: partners are admitted,
 * give notice, end, are suspended or revoked. Entries are never removed from
 * memory, so a pointer to one stays valid until registry_free; what changes
 * (status, certificate verdict, connection) is read atomically.
 */
#ifndef WN_BROKER_REGISTRY_H
#define WN_BROKER_REGISTRY_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "config.h"
#include "db.h"
#include "pki.h"
#include "store.h"
#include "transport.h"

#define REGISTRY_MAX 1000 /* partners a federation holds, ended ones included */

typedef struct registry registry;

/* Membership states (Heerlen 14, 15; Groningen 9, 10). */
enum partner_state {
	PARTNER_ACTIVE,    /* a member in good standing */
	PARTNER_NOTICE,    /* gave notice: running cases continue, no new ones */
	PARTNER_SUSPENDED, /* the operator stopped its traffic for now */
	PARTNER_ENDED,     /* membership over (end date, exit or expulsion) */
	PARTNER_REVOKED,   /* certificate revoked */
};

/* A partner's certificate as registered; a renewal or a new key puts a new
 * one in front and keeps this one (prev), because a reader may still hold
 * it. rekeyed: prev is of a key replaced (registry_rekey_cert). */
struct registry_cert {
	X509 *x509;
	char *pem;
	struct registry_cert *prev;
	int rekeyed;
};

#define REGISTRY_SERIAL_MAX 80 /* a certificate's serial in hex, and its NUL */

struct registry_partner {
	char id[PKI_ID_MAX];
	char *name;
	_Atomic(char *) address; /* registry_set_address() replaces it; read it once */
	int incidental;       /* role "incidental": a third party (Heerlen 7.2, Bijlage 6) */
	int municipality;     /* role "municipality": answers to the client (Heerlen 9.1) */
	atomic_int state;     /* enum partner_state */
	atomic_int cert_error; /* 0, or why the certificate is refused now */
	_Atomic int64_t end_at; /* ms: the end of a notice period, 0 without one */
	_Atomic int64_t revoke_next_ms; /* ended: when to ask the CA to revoke it (INT64_MAX: done) */
	atomic_int cases_released; /* ended: its part in every case ended (Heerlen 14.2) */
	_Atomic(struct registry_cert *) cert; /* registry_cert(): a renewal replaces it */
	atomic_uint clusters; /* vocab_cluster flags; the federation policy may change them */
	uint8_t seal_pk[32];
	char *seal_sig;       /* partner's signature over its sealing key (b64) */
	int has_seal;
	_Atomic(rpc_client *) client; /* broker → node connection, NULL when not usable */
	_Atomic int64_t probe_ms; /* suspended: when its node was last pinged by health */
	atomic_int probe_up;      /* and whether it answered */
	nng_tls_config *tls;
};

/* What a newly admitted partner is registered with. */
struct registry_entry {
	const char *id, *name, *address, *role, *cert_pem;
	const json_t *clusters;
};

/* Checks the "partners" array of the broker config as a first start seeds
 * the registry from it, writing nothing: 0, or WN_ECONFIG with err. */
int registry_check_config(config *cfg, const json_t *partners, char *err, size_t errcap);

/* Loads the registry from the database; at first start seeds it from the
 * "partners" array of the broker config (audited). Certificates are checked
 * against trust (refusals recorded as security events); sealing keys
 * restored. *out: registry_free(). */
int registry_load(config *cfg, const json_t *partners, pki_trust *trust, db *d,
		  struct audit *audit, registry **out, char *err, size_t errcap);
void registry_free(registry *r);

/* Dials every usable partner's node (TLS server name = partner id); later
 * admissions are dialed with the same identity and trust. */
int registry_connect(registry *r, const char *cert_key_path, pki_trust *trust);

size_t registry_count(registry *r);
struct registry_partner *registry_at(registry *r, size_t i);
/* NULL when unknown. */
struct registry_partner *registry_find(registry *r, const char *id);

/* Counts every change of the registry: the directory's version. */
int64_t registry_version(registry *r);

/* Marks the directory changed (the federation policy it carries changed). */
void registry_touch(registry *r);

/* The partner's certificate now, and its PEM; valid until registry_free. */
X509 *registry_cert(const struct registry_partner *p);
const char *registry_cert_pem(const struct registry_partner *p);

/* Registers pem as p's certificate when it renews the registered one
 * (pki_cert_renews: the same key, issued by the federation CA for p,
 * running later) and p is neither revoked nor ended; audited, the directory
 * changes. *renewed is 0 when pem is the registered certificate already.
 * Otherwise a WN_E code with err. */
int registry_renew_cert(registry *r, struct registry_partner *p, const char *pem,
			const char *by, int *renewed, char *err, size_t errcap);

/* Registers pem as p's certificate for a new key (a key that leaked): the
 * operator's decision. p is active, under notice or suspended and its
 * registered certificate not revoked; pem is issued by the federation CA
 * for p, valid now, not revoked, for another key and running later
 * (pki_cert_rekeys). The replaced certificate is kept (partner_certs, with
 * the moment) for what it signed before, the sealing key it signed is
 * dropped until the node publishes it again, and the directory changes;
 * audited as registry.rekey with reason and by. new_serial and old_serial
 * get the two serials. Otherwise a WN_E code with err. */
int registry_rekey_cert(registry *r, struct registry_partner *p, const char *pem,
			const char *reason, const char *by, char new_serial[REGISTRY_SERIAL_MAX],
			char old_serial[REGISTRY_SERIAL_MAX], char *err, size_t errcap);

/* The status as partners and operators read it: active, notice, suspended,
 * ended, revoked, or invalid (a certificate refused for another reason). */
const char *registry_status(const struct registry_partner *p);
const char *registry_state_name(int state);

/* 1 when the partner may send and receive: active or under notice (its
 * running cases continue), certificate ok. */
int registry_usable(const struct registry_partner *p);

/* 1 when the partner may be added to a new case or asked in a new lookup by
 * default: active, certificate ok (not under notice). */
int registry_open_to_new(const struct registry_partner *p);

/* 1 when the partner is a covenant member (not an incidental third party). */
int registry_member(const struct registry_partner *p);

/* 1 when a partner with the municipality's role is in the federation (not
 * ended or revoked): without one no rights request, access report or
 * notice is answered until one joins. The second says it of
 * the config's "partners", as a first start would seed them. */
int registry_has_municipality(registry *r);
int registry_config_has_municipality(const json_t *partners);

/* 1 when the partner takes part in cluster (NULL cluster: any). */
int registry_in_cluster(const struct registry_partner *p, const char *cluster);

/* The partner's clusters (or those of flags) as an array of codes;
 * json_decref(). */
json_t *registry_clusters(const struct registry_partner *p);
json_t *registry_clusters_of(unsigned flags);

/* A policy change's clusters for partner id, written in its row inside the
 * writer transaction that adopts the policy; once that is committed,
 * registry_take_clusters makes them so in memory. */
int registry_write_clusters_locked(db *d, const char *id, unsigned flags);
void registry_take_clusters(registry *r, struct registry_partner *p, unsigned flags);

/* Sends req to partner p's node at address (not necessarily its own yet)
 * over TLS that checks the node's certificate names p, and waits up to
 * timeout_ms for the answer (*resp: free()). For a probe: the connection
 * is closed after it. */
int registry_probe(registry *r, const struct registry_partner *p, const char *address,
		   const void *req, size_t len, int timeout_ms, char **resp, size_t *resplen,
		   char *err, size_t errcap);

/* The connection of such a probe, for a caller that sends over it itself
 * (a fan-out): dialed in the background, closed by registry_probe_close
 * (which leaves a closed one as it is). */
struct registry_probe {
	rpc_client *client;
	nng_tls_config *tls;
};
int registry_probe_open(registry *r, const struct registry_partner *p, const char *address,
			struct registry_probe *out, char *err, size_t errcap);
void registry_probe_close(struct registry_probe *pr);

/* The partner moved its node: its address (tls+tcp://host:port) replaced,
 * durably with an audit entry naming who asked, and the node dialled there.
 * The previous text stays readable until registry_free(). */
int registry_set_address(registry *r, struct registry_partner *p, const char *address,
			 const char *by);

/* Changes a partner's state, durably and in the audit log, naming who did
 * it and why, when it is in one of the states of from (REGISTRY_FROM bits;
 * 0: any), else WN_ESTATE; one change at a time. end_at (ms) is the end of a
 * notice period: 0 none, -1 keep it. A partner leaving the federation or
 * suspended is hung up on; one resumed is dialed again. */
#define REGISTRY_FROM(state) (1u << (state))
int registry_set_state(registry *r, struct registry_partner *p, unsigned from, int state,
		       int64_t end_at, const char *reason, const char *by);

/* Registers an admitted partner (audited), verifies its certificate and
 * dials its node. *out points into the registry. */
int registry_admit(registry *r, const struct registry_entry *e, const char *by,
		   struct registry_partner **out, char *err, size_t errcap);

/* Checks every certificate again (the CRL changed); a partner whose
 * certificate is now revoked is marked revoked for good. *revoked gets how
 * many were. */
int registry_recheck(registry *r, int *revoked);

/* Verifies and stores a sealing key the partner published. */
int registry_set_seal_key(registry *r, struct registry_partner *p, const char *key_b64,
			  const char *sig_b64);

/* Copies the sealing key state under the registry lock. */
int registry_get_seal(registry *r, const struct registry_partner *p, uint8_t pk[32],
		      char **sig_b64);

/* The keys of one entry of the config's "partners". */
struct schema_field;
const struct schema_field *registry_partner_fields(void);

#endif
