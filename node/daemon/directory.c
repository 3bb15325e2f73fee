/*
 * directory.c — verification of the broker's directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "dataset.h"
#include "directory.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "sealkey.h"
#include "schema.h"

static const struct schema_field dir_body_fields[] = {
	{ "broker", SCHEMA_OBJECT, 1, 0 },
	{ "partners", SCHEMA_ARRAY, 1, 1000 },
	{ "policy", SCHEMA_OBJECT, 0, 0 },
	{ "version", SCHEMA_INT, 0, INT64_MAX },
	{ "crl", SCHEMA_STRING, 0, 1 << 20 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field dir_policy_fields[] = {
	{ "max_consent_days", SCHEMA_INT, 0, 3650 },
	{ "approval_rule", SCHEMA_STRING, 0, 32 },
	{ "notice_months", SCHEMA_INT, 0, 24 },
	{ "max_partners", SCHEMA_INT, 0, 1000 },
	{ "version", SCHEMA_INT, 0, 1000000 },
	{ "case_retention_days", SCHEMA_INT, 0, 36500 },
	{ "notice_days", SCHEMA_INT, 0, 365 },
	{ "retention_days", SCHEMA_INT, 0, 36500 },
	{ "clusters", SCHEMA_OBJECT, 0, 0 },
	{ "data_sets", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field dir_broker_fields[] = {
	{ "id", SCHEMA_STRING, 1, 63 },
	{ "cert", SCHEMA_STRING, 1, 16384 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field dir_peer_fields[] = {
	{ "id", SCHEMA_STRING, 1, 63 },
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "address", SCHEMA_STRING, 1, 256 },
	{ "status", SCHEMA_STRING, 1, 16 },
	{ "clusters", SCHEMA_ARRAY, 1, 8 },
	{ "role", SCHEMA_STRING, 0, 16 },
	{ "cert", SCHEMA_STRING, 1, 16384 },
	{ "seal_key", SCHEMA_STRING, 0, 64 },
	{ "seal_sig", SCHEMA_STRING, 0, 256 },
	{ "end_at", SCHEMA_INT, 0, INT64_MAX },
	{ NULL, 0, 0, 0 },
};

static void directory_free(struct directory *d)
{
	for (size_t i = 0; i < d->count; i++) {
		struct dir_peer *p = &d->peers[i];
		free(p->name);
		free(p->address);
		free(p->status);
		X509_free(p->cert);
		json_decref(p->clusters);
	}
	free(d->peers);
	json_decref(d->data_sets);
	X509_free(d->broker_cert);
	free(d);
}

void directory_retain(struct directory *d)
{
	if (d)
		atomic_fetch_add(&d->refs, 1);
}

void directory_release(struct directory *d)
{
	if (d && atomic_fetch_sub(&d->refs, 1) == 1)
		directory_free(d);
}

struct dir_peer *directory_find(struct directory *d, const char *id)
{
	if (d == NULL || id == NULL)
		return NULL;
	for (size_t i = 0; i < d->count; i++)
		if (strcmp(d->peers[i].id, id) == 0)
			return &d->peers[i];
	return NULL;
}

struct dir_peer *directory_municipality(struct directory *d)
{
	struct dir_peer *leaving = NULL;
	for (size_t i = 0; d != NULL && i < d->count; i++) {
		struct dir_peer *p = &d->peers[i];
		if (!p->municipality || !p->usable || !p->has_seal)
			continue;
		/* one that stays answers the client after the other has gone */
		if (!p->notice)
			return p;
		if (leaving == NULL)
			leaving = p;
	}
	return leaving;
}

static int directory_peer(struct dir_peer *p, const json_t *e, pki_trust *trust, char *err,
			  size_t errcap)
{
	int rc = schema_check(e, dir_peer_fields, err, errcap);
	if (rc != 0)
		return rc;
	const char *id = json_string_value(json_object_get(e, "id"));
	if (schema_valid_partner_id(id) != 0) {
		snprintf(err, errcap, "directory: invalid partner id");
		return WN_ESCHEMA;
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->name = strdup(json_string_value(json_object_get(e, "name")));
	p->address = strdup(json_string_value(json_object_get(e, "address")));
	p->status = strdup(json_string_value(json_object_get(e, "status")));
	p->clusters = json_incref(json_object_get(e, "clusters"));
	const char *role = json_string_value(json_object_get(e, "role"));
	p->incidental = role != NULL && strcmp(role, "incidental") == 0;
	p->municipality = role != NULL && strcmp(role, "municipality") == 0;
	if (p->name == NULL || p->address == NULL || p->status == NULL)
		return WN_ENOMEM;
	if (pki_cert_from_pem(json_string_value(json_object_get(e, "cert")), &p->cert) != 0) {
		snprintf(err, errcap, "directory: certificate of '%s' cannot be parsed", id);
		return WN_ECERT;
	}
	char why[256];
	int crc = pki_trust_verify(trust, p->cert, id, why, sizeof(why));
	/* only news is worth a warning: the broker calls it usable, this node's
	 * CA and CRL do not (once the broker agrees, it is a status like any) */
	const char *st = json_string_value(json_object_get(e, "status"));
	if (crc != 0 && (strcmp(st, "active") == 0 || strcmp(st, "notice") == 0))
		log_emit(WN_LOG_WARN, "directory_partner_refused",
			 json_pack("{s:s,s:s}", "partner", id, "reason", why));
	/* a partner under notice keeps its running cases (Heerlen 14.2) */
	p->notice = strcmp(p->status, "notice") == 0;
	p->usable = crc == 0 && (strcmp(p->status, "active") == 0 || p->notice);
	p->end_at = (int64_t)json_integer_value(json_object_get(e, "end_at"));
	const char *k = json_string_value(json_object_get(e, "seal_key"));
	const char *s = json_string_value(json_object_get(e, "seal_sig"));
	if (crc == 0 && k != NULL && s != NULL) {
		if (sealkey_verify(p->cert, id, k, s, p->seal_pk) == 0)
			p->has_seal = 1;
		else
			log_emit(WN_LOG_WARN, "directory_seal_key_refused",
				 json_pack("{s:s}", "partner", id));
	}
	return 0;
}

int directory_from_envelope(const json_t *env, const char *broker_id, pki_trust *trust,
			    struct directory **out, char *err, size_t errcap)
{
	json_t *body = envelope_body(env);
	int rc = schema_check(body, dir_body_fields, err, errcap);
	if (rc != 0)
		return rc;
	json_t *bro = json_object_get(body, "broker"), *policy = json_object_get(body, "policy");
	if ((rc = schema_check(bro, dir_broker_fields, err, errcap)) != 0)
		return rc;
	if (policy != NULL && (rc = schema_check(policy, dir_policy_fields, err, errcap)) != 0)
		return rc;
	struct directory *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return WN_ENOMEM;
	atomic_init(&d->refs, 1);
	snprintf(d->broker_id, sizeof(d->broker_id), "%s", broker_id);
	rc = WN_ECERT;
	if (pki_cert_from_pem(json_string_value(json_object_get(bro, "cert")), &d->broker_cert) != 0) {
		snprintf(err, errcap, "directory: broker certificate cannot be parsed");
		goto fail;
	}
	char why[256];
	if ((rc = pki_trust_verify(trust, d->broker_cert, broker_id, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "directory: broker certificate refused: %s", why);
		goto fail;
	}
	if (strcmp(envelope_str(env, "from"), broker_id) != 0 ||
	    envelope_verify(env, d->broker_cert) != 0) {
		snprintf(err, errcap, "directory: not signed by the broker '%s'", broker_id);
		rc = WN_ESIG;
		goto fail;
	}
	json_t *partners = json_object_get(body, "partners");
	d->peers = calloc(json_array_size(partners) + 1, sizeof(*d->peers));
	if (d->peers == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < json_array_size(partners); i++) {
		d->count = i + 1;
		if ((rc = directory_peer(&d->peers[i], json_array_get(partners, i), trust, err,
					 errcap)) != 0)
			goto fail;
	}
	d->fetched_at = time_now_ms();
	d->max_consent_days = (int)json_integer_value(json_object_get(policy, "max_consent_days"));
	d->policy_version = (int)json_integer_value(json_object_get(policy, "version"));
	d->notice_days = (int)json_integer_value(json_object_get(policy, "notice_days"));
	d->retention_days = (int)json_integer_value(json_object_get(policy, "retention_days"));
	json_t *sets = json_object_get(policy, "data_sets");
	if (sets != NULL && dataset_validate(sets, err, errcap) == 0)
		d->data_sets = json_incref(sets);
	d->version = (int64_t)json_integer_value(json_object_get(body, "version"));
	*out = d;
	return 0;
fail:
	directory_free(d);
	return rc;
}
