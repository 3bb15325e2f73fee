/*
 * error.c — one table for every WN_E… code: a sentence for people
 * (wn_strerror) and a short stable name for logs and refusals (wn_errname).
 */
#include <string.h>

#include "wijknet.h"
#include "error.h"

struct error_entry {
	int code;
	const char *name;
	const char *text;
};

static const struct error_entry error_table[] = {
	{ WN_OK, "ok", "success" },
	{ WN_EINVAL, "invalid_argument", "invalid argument" },
	{ WN_ENOMEM, "no_memory", "out of memory" },
	{ WN_EIO, "io", "file or system input/output failed" },
	{ WN_EJSON, "malformed_json", "message is not well-formed JSON" },
	{ WN_ESCHEMA, "schema", "message does not match its schema" },
	{ WN_ETOOBIG, "too_big", "message or field exceeds its size limit" },
	{ WN_ESIG, "signature", "signature missing or invalid" },
	{ WN_ECERT, "certificate", "certificate not issued by the federation CA" },
	{ WN_EREVOKED, "revoked", "certificate or partner has been revoked" },
	{ WN_EEXPIRED, "expired", "certificate expired or not yet valid" },
	{ WN_EREPLAY, "replay", "message id was seen before (replay)" },
	{ WN_ESKEW, "clock_skew", "message timestamp outside the accepted window" },
	{ WN_ESEAL, "seal", "sealed body absent or cannot be opened by this partner" },
	{ WN_ENORECEIPT, "no_receipt", "broker countersignature missing or invalid" },
	{ WN_EUNKNOWN_PARTNER, "unknown_partner", "partner id is not in the registry" },
	{ WN_ECONFIG, "config", "configuration is invalid" },
	{ WN_EDB, "database", "database operation failed" },
	{ WN_ECRYPTO, "crypto", "cryptographic operation failed" },
	{ WN_ETRANSPORT, "transport", "network transport failed" },
	{ WN_ETIMEOUT, "timeout", "no answer before the deadline" },
	{ WN_EBSN, "invalid_bsn", "BSN is invalid (fails the 11-proef)" },
	{ WN_ENOTFOUND, "not_found", "no such object" },
	{ WN_EDENIED, "denied", "refused by policy" },
	{ WN_EPROTO, "protocol", "unexpected message for this protocol step" },
	{ WN_EPURPOSE, "unknown_purpose", "unknown purpose code" },
	{ WN_ECLUSTER, "unknown_cluster", "unknown cluster" },
	{ WN_ECATEGORY, "unknown_category", "unknown data category" },
	{ WN_ELIMIT, "limit", "a count limit was exceeded" },
	{ WN_EUNAVAILABLE, "unavailable", "partner or service unavailable" },
	{ WN_ESTATE, "not_ready", "not in a state that allows this operation (not ready yet, or "
				  "decided or done already)" },
	{ WN_EFORGED, "forged_sender", "sender field does not match the signer" },
	{ WN_ECONSENT, "consent", "consent missing, not active, or not covering this request" },
	{ WN_EMOTIVATION, "motivation", "the lawful ground's motivation is missing or incomplete" },
	{ WN_ENOTMEMBER, "not_case_member", "partner does not take part in the case" },
	{ WN_EGROUND, "unknown_ground", "unknown lawful ground" },
	{ WN_ETAMPERED, "tampered", "a tamper-evident log does not extend what was seen before "
				    "(history rewritten or truncated)" },
	{ WN_ENOTINCASE, "not_in_case", "the person is not a member of the household the case is "
					"about" },
	{ WN_EEXISTS, "exists", "the object exists already" },
	{ WN_EPENDING, "pending", "a join request awaits the members' decision" },
	{ WN_ENOTICE, "under_notice", "the partner gave notice: it takes no new cases or lookups" },
};

static const struct error_entry *error_find(int code)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == code)
			return &error_table[i];
	return NULL;
}

const char *wn_strerror(int code)
{
	const struct error_entry *e = error_find(code);
	return e ? e->text : "unknown error code";
}

const char *wn_errname(int code)
{
	const struct error_entry *e = error_find(code);
	return e ? e->name : "unknown";
}

/* Maps a name back to its code (for refusals received on the wire). */
int error_from_name(const char *name)
{
	if (name == NULL)
		return WN_EPROTO;
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (strcmp(error_table[i].name, name) == 0)
			return error_table[i].code;
	return WN_EPROTO;
}

int error_permanent(int code)
{
	static const int permanent[] = { WN_EINVAL,    WN_EJSON,   WN_ESCHEMA,  WN_ETOOBIG,
					 WN_EBSN,      WN_EDENIED, WN_EPROTO,   WN_EPURPOSE,
					 WN_ECATEGORY, WN_EFORGED, WN_EMOTIVATION, WN_EGROUND };
	for (size_t i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++)
		if (permanent[i] == code)
			return 1;
	return 0;
}
