/*
 * directory.c — the signed directory (partners, node addresses, certificates
 * and sealing keys), the publication of a node's sealing key and the
 * renewal of its certificate.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "encoding.h"
#include "envelope.h"
#include "log.h"
#include "policy.h"
#include "schema.h"

static const struct schema_field seal_publish_fields[] = {
	{ "key", SCHEMA_STRING, 1, 64 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field cert_renew_fields[] = {
	{ "cert", SCHEMA_STRING, 1, 16384 },
	{ NULL, 0, 0, 0 },
};

int broker_handle_directory(struct broker *b, const struct broker_request *rq, json_t **reply)
{
	json_t *partners = json_array();
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		const char *status = registry_status(p);
		json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:s}", "id", p->id, "name", p->name,
				      "address", p->address, "status", status, "clusters",
				      registry_clusters(p), "cert", registry_cert_pem(p), "role",
				      p->incidental     ? "incidental"
				      : p->municipality ? "municipality"
							: "member");
		uint8_t pk[32];
		char *sig = NULL, *kb64 = NULL;
		if (registry_get_seal(b->reg, p, pk, &sig) == 0 && b64_encode(pk, 32, &kb64) == 0) {
			json_object_set_new(e, "seal_key", json_string(kb64));
			json_object_set_new(e, "seal_sig", json_string(sig));
		}
		if (atomic_load(&p->end_at) > 0)
			json_object_set_new(e, "end_at", json_integer(atomic_load(&p->end_at)));
		free(sig);
		free(kb64);
		json_array_append_new(partners, e);
	}
	/* the CRL travels with the directory: nodes take a newer one without a
	 * hand copying it (each checks the CA's signature itself) */
	char *ca = NULL, *crl = NULL;
	int64_t version = registry_version(b->reg);
	json_t *body = json_pack("{s:{s:s,s:s},s:o,s:o,s:I}", "broker", "id", b->ident->id, "cert",
				 b->ident->cert_pem, "partners", partners, "policy",
				 policy_current(b), "version", (json_int_t)version);
	if (body != NULL && pki_trust_pem(b->trust, &ca, &crl) == 0 && crl != NULL)
		json_object_set_new(body, "crl", json_string(crl));
	free(ca);
	free(crl);
	return broker_reply(b, rq, "directory", body, reply);
}

int broker_handle_seal_publish(struct broker *b, const struct broker_request *rq, json_t **reply)
{
	char err[256];
	json_t *body = envelope_body(rq->env);
	int rc = schema_check(body, seal_publish_fields, err, sizeof(err));
	if (rc != 0)
		return WN_ESCHEMA;
	rc = registry_set_seal_key(b->reg, rq->from, json_string_value(json_object_get(body, "key")),
				   json_string_value(json_object_get(body, "sig")));
	if (rc != 0)
		return rc == WN_ESIG ? WN_ESIG : rc;
	log_emit(WN_LOG_INFO, "seal_key_published", json_pack("{s:s}", "partner", rq->from->id));
	return broker_reply(b, rq, "ok", NULL, reply);
}

int broker_handle_cert_renew(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	int renewed = 0, rc = schema_check(body, cert_renew_fields, err, errcap);
	if (rc != 0)
		return WN_ESCHEMA;
	rc = registry_renew_cert(b->reg, rq->from, json_string_value(json_object_get(body, "cert")),
				 rq->from->id, &renewed, err, errcap);
	if (rc != 0)
		return rc;
	if (renewed) {
		long left = 0;
		(void)pki_cert_seconds_left(registry_cert(rq->from), &left);
		log_emit(WN_LOG_INFO, "partner_cert_renewed",
			 json_pack("{s:s,s:I}", "partner", rq->from->id, "days_left",
				   (json_int_t)(left / 86400)));
		broker_federation_wake(b); /* every node takes the new directory */
	}
	/* the broker's certificate: a lapsed node has no directory to verify by */
	return broker_reply(b, rq, "ok",
			    json_pack("{s:b,s:s}", "renewed", renewed, "broker_cert",
				      b->ident->cert_pem),
			    reply);
}
