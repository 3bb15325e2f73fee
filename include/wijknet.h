/*
 * wijknet.h — the public C API of libwijknet, the only header an integrator
 * (a partner's case-management system) includes. A client talks to its own
 * partner's wijknet-node over the node's local ipc:// socket; the node does
 * the signing, sealing and routing through the broker.
 *
 * Error idiom: every call returns 0 or a negative WN_E… code; results come
 * back through out-parameters. wn_strerror() turns a code into a sentence.
 * A call that fails leaves a pointer out-parameter (*out, *json_out,
 * *html_out) NULL, so it may always be passed to its _free() or free(), and
 * an id it was to write (consent_id, case_id, …) empty ("").
 *
 * Text a call hands back (*json_out, *html_out) is the caller's, from
 * malloc(): release it with free(), also in a program that gave jansson
 * allocators of its own (json_set_alloc_funcs), which the library's JSON
 * then uses (set them before the first call, as jansson asks).
 *
 * Each function's comment ends with an "Errors:" line: the codes it returns
 * beyond the common ones below (a note in parentheses says when).
 *
 * Every call that talks to the node may also return: WN_EINVAL (an argument
 * NULL or out of range, as the library or the node finds it), WN_ENOMEM,
 * WN_EUNAVAILABLE (no node listens at the socket, or it went away, before
 * the call or while it waited for the answer: at once, not after the
 * timeout; whether the node did what a call it went away under asked is
 * not known), WN_ETIMEOUT (no answer within the client's timeout), WN_EPROTO (a reply
 * the library cannot read), WN_ESCHEMA or WN_ETOOBIG (a field missing,
 * malformed or over its limit), and WN_EDB or WN_ECRYPTO (the node's own
 * database or keys failed). wn_client_errmsg() gives the node's reason.
 *
 * A call the node passes on to the broker lists WN_ETRANSPORT (the broker
 * cannot be reached) among its errors. It may also return WN_EUNAVAILABLE
 * or WN_ETIMEOUT when the broker does not answer, WN_ESTATE when the node
 * has no verified directory yet, WN_ESIG or WN_ESEAL when what comes back
 * cannot be verified or opened, and the broker's refusal of this node
 * itself: WN_EREVOKED or WN_EEXPIRED (its certificate or membership is no
 * longer accepted), WN_EPENDING (its join request awaits the members),
 * WN_ESKEW (its clock is off).
 *
 * Deadlines: a call that waits for other partners' answers (wn_lookup,
 * wn_request, wn_report_access) asks the broker to wait deadline_ms for
 * them, and the broker waits at most its own deadline_ms (the broker's
 * config key, wijknet.json(5); default 2000) and at least 250: a longer
 * deadline, the call's default included, is cut to the broker's. A partner
 * that has not answered by then is "unavailable" (a report lists it under
 * "missing"). The client's timeout (wn_client_set_timeout) is apart from
 * it and should be longer.
 */
#ifndef WIJKNET_H
#define WIJKNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* libwijknet exports what this header declares and nothing else: the rest
 * of the library is built with -fvisibility=hidden and a version script. */
#pragma GCC visibility push(default)

#define WN_VERSION_STRING "0.5.19"

/* Error codes. Values are stable: they appear in logs and on the wire. */
enum wn_error {
	WN_OK = 0,
	WN_EINVAL = -1,          /* invalid argument */
	WN_ENOMEM = -2,          /* out of memory */
	WN_EIO = -3,             /* file or system I/O failed */
	WN_EJSON = -4,           /* malformed JSON */
	WN_ESCHEMA = -5,         /* message violates its schema */
	WN_ETOOBIG = -6,         /* message or field over its size limit */
	WN_ESIG = -7,            /* signature missing or invalid */
	WN_ECERT = -8,           /* certificate not issued by the federation CA */
	WN_EREVOKED = -9,        /* certificate or partner revoked */
	WN_EEXPIRED = -10,       /* certificate expired or not yet valid */
	WN_EREPLAY = -11,        /* message id seen before */
	WN_ESKEW = -12,          /* timestamp outside the accepted window */
	WN_ESEAL = -13,          /* sealed body absent or cannot be opened */
	WN_ENORECEIPT = -14,     /* broker countersignature missing or invalid */
	WN_EUNKNOWN_PARTNER = -15, /* partner id not in the registry */
	WN_ECONFIG = -16,        /* configuration invalid */
	WN_EDB = -17,            /* database error */
	WN_ECRYPTO = -18,        /* cryptographic operation failed */
	WN_ETRANSPORT = -19,     /* network transport failed */
	WN_ETIMEOUT = -20,       /* no answer before the deadline */
	WN_EBSN = -21,           /* BSN fails the 11-proef */
	WN_ENOTFOUND = -22,      /* no such object */
	WN_EDENIED = -23,        /* refused by policy */
	WN_EPROTO = -24,         /* unexpected message for this protocol step */
	WN_EPURPOSE = -25,       /* unknown purpose code */
	WN_ECLUSTER = -26,       /* unknown cluster */
	WN_ECATEGORY = -27,      /* unknown data category */
	WN_ELIMIT = -28,         /* a count limit was exceeded */
	WN_EUNAVAILABLE = -29,   /* partner or service unavailable */
	WN_ESTATE = -30,         /* not ready for it yet, or decided or done already */
	WN_EFORGED = -31,        /* sender field does not match the signer */
	WN_ECONSENT = -32,       /* consent missing, not active, or not covering the request */
	WN_EMOTIVATION = -33,    /* lawful-ground motivation missing or incomplete */
	WN_ENOTMEMBER = -34,     /* partner does not take part in the case */
	WN_EGROUND = -35,        /* unknown lawful ground */
	WN_ETAMPERED = -36,      /* a tamper-evident log does not extend what was seen */
	WN_ENOTINCASE = -37,     /* the person is not a member of the case's household */
	WN_EEXISTS = -38,        /* the object exists already */
	WN_EPENDING = -39,       /* a join request awaits the members' decision */
	WN_ENOTICE = -40,        /* the partner gave notice: no new cases or lookups */
	WN_ECODE_MIN = -40
};

/* A sentence describing an error code; never NULL, static storage. */
const char *wn_strerror(int code);

/* Short stable name of an error code ("replay", "signature", …), for logs
 * and for machine-readable refusals; static storage. */
const char *wn_errname(int code);

/* ---- client handle -------------------------------------------------- */

typedef struct wn_client wn_client;

/* Opens a client to the local node at url (e.g. "ipc:///var/run/wijknet/
 * node.sock"). On success *out is owned by the caller: wn_client_close().
 * A client outlives its node's restarts: a call while the node is down fails
 * with WN_EUNAVAILABLE at once, and the first call once it is back reaches
 * it again; there is no need to open the client anew.
 * On failure there is no client to ask why: wn_client_errmsg(NULL) gives
 * the reason (the socket's path and the system's error, or the argument
 * refused).
 * Errors: WN_EINVAL (out or url is NULL, or url is not ipc://PATH with a
 * PATH of 1 to 107 bytes, as a socket's path may be), WN_EUNAVAILABLE (no
 * node listens at url), WN_ETRANSPORT (the socket cannot be opened or
 * dialled). */
int wn_client_open(wn_client **out, const char *url);

/* As wn_client_open(), but the node is reached at the first call on the
 * client, not now: a program that checks its own input first (wijknet does)
 * says what is wrong with it whether or not the node runs. A call that
 * cannot reach the node fails as wn_client_open() would, with
 * wn_client_errmsg() naming url; the next call tries again.
 * Errors: WN_EINVAL (out or url is NULL, or url is not ipc://PATH with a
 * PATH of 1 to 107 bytes), WN_ETRANSPORT (the socket cannot be opened). */
int wn_client_open_deferred(wn_client **out, const char *url);

/* Sets the deadline (ms) for each call on this client; default 10000. It
 * applies from the next call: a call in flight on another thread keeps the
 * deadline it began with, and this returns at once, without waiting for it.
 * Errors: WN_EINVAL (c is NULL or timeout_ms is not positive). */
int wn_client_set_timeout(wn_client *c, int timeout_ms);

/* The message of the calling thread's last failed call on this client:
 * the node's reason (e.g. why the broker refused) or the library's (an
 * argument that is missing or not UTF-8); "" when there is none. Valid
 * until that thread's next call on c or its end; calls on other clients or
 * by other threads do not change it.
 * With c NULL: why the calling thread's last wn_client_open() or
 * wn_client_open_deferred() failed, "" when it succeeded; the library's,
 * valid until that thread's next call of either or its end.
 *
 * Threads: a wn_client may be shared between threads. Its calls are made one
 * at a time (each waits for the one before it); a thread that needs calls in
 * parallel opens a client of its own. Close a client only when no thread
 * uses it any more. */
const char *wn_client_errmsg(const wn_client *c);

/* Closes c and frees it; NULL is ignored. No value is returned. */
void wn_client_close(wn_client *c);

/* ---- health and directory ------------------------------------------- */

typedef struct wn_partner {
	const char *id;       /* partner id, e.g. "alcander" */
	const char *name;     /* display name */
	const char *address;  /* directory only: node's inbound URL ("" in health) */
	const char *status;   /* registry status: active, notice, suspended, ended, revoked */
	const char *state;    /* health only: "up" or "down"; "suspended" when the partner is
			       * suspended and its node answers; "unknown" while the broker,
			       * which pings them, is out of reach */
	int has_seal_key;     /* a verified sealing key is published */
	double rtt_ms;        /* health only: round trip, or -1 */
} wn_partner;

typedef struct wn_partner_list {
	size_t count;
	wn_partner *items;
	const char *self;     /* the local node's partner id */
	const char *broker;   /* the broker's id */
	int broker_up;        /* health only: the node reaches the broker */
	int policy_version;   /* directory only: the federation policy in force */
	long cert_seconds_left; /* health only: this node's certificate lapses in; 0 lapsed, -1 unknown */
	long crl_seconds_left;  /* health only: the CRL in use lapses in (nextUpdate); 0 lapsed, -1 none */
	const char *broker_error; /* health only, broker_up 0: why, else NULL */
	int broker_refused;     /* health only: the broker answered, refusing this node (a
				 * join pending, not in the registry, suspended, ended or
				 * revoked); or, ended or revoked, it answered so before and
				 * now refuses this node's TLS handshake */
	int64_t directory_fetched_at; /* health only, the broker out of reach: when the
				       * directory whose partners are listed was fetched
				       * (ms), else 0 */
	int broker_audit_behind; /* health only: partners whose nodes witnessed more of the
				  * broker's audit log than it holds now (the broker was
				  * restored from an older backup?); 0 none */
} wn_partner_list;

/* Asks the node for the federation's health: the broker pings every active
 * partner. *out is owned by the caller: wn_partner_list_free().
 * With the broker out of reach (broker_up 0, not refused) the partners are
 * those of the verified directory the node holds, in state "unknown", and
 * directory_fetched_at says when it was fetched; none without one.
 * The broker answers once every partner answered its ping or its
 * deadline_ms (wijknet.json(5), default 2000) passed: with a partner hung,
 * about 2 s. Calls on one client wait for each other: on a client another
 * thread runs a lookup or request on, wn_health waits for that call first;
 * a monitor that must answer at once opens a client of its own.
 * Errors: none beyond the common ones: a broker that does not answer is part of
 * the result (broker_up is 0), not an error. */
int wn_health(wn_client *c, wn_partner_list **out);

/* The signed directory as the node verified it. *out: wn_partner_list_free().
 * Errors: WN_ESTATE (the node has no verified directory yet). */
int wn_directory(wn_client *c, wn_partner_list **out);

/* Frees l and every string it holds; NULL is ignored. */
void wn_partner_list_free(wn_partner_list *l);

/* ---- the partner's own records --------------------------------------- */

typedef struct wn_record {
	const char *bsn;          /* nine digits, 11-proef */
	const char *category;     /* vocabulary code, e.g. "leefgebied.huisvesting" */
	const char *content_json; /* a JSON object */
	const char *professional; /* the source professional's id; not empty or blank */
	const char *retention;    /* "YYYY-MM-DD", or NULL for the default */
} wn_record;

/* Stores (or replaces) the record of (bsn, category) in the node, as
 * registered by this partner itself.
 * Errors: WN_EBSN, WN_ECATEGORY, WN_ESCHEMA (content_json is not a JSON object,
 * professional is empty or blank, or retention is not a date), WN_EINVAL
 * (retention lies before today: the next purge would delete the record),
 * WN_ETOOBIG (content over its limit). */
int wn_record_put(wn_client *c, const wn_record *r);

/* Stores a record this partner received from another in its data request
 * request_id (wn_request): the node checks that the request brought this
 * category about this person, and keeps where it came from — the partner,
 * the request and the date — for the client's access report (G-P 7.2).
 * WN_ENOTFOUND when the request did not bring it.
 * Errors: WN_ENOTFOUND (the request did not bring this category about this
 * person), WN_EBSN, WN_ECATEGORY, WN_EINVAL (request_id is not 32 hex digits),
 * WN_ESCHEMA, WN_ETOOBIG. */
int wn_record_received(wn_client *c, const wn_record *r, const char *request_id);

/* Deletes the record of (bsn, category); WN_ENOTFOUND if there is none.
 * Errors: WN_ENOTFOUND (no such record), WN_EBSN, WN_ECATEGORY. */
int wn_record_delete(wn_client *c, const char *bsn, const char *category);

/* Removes now the records whose retention date has passed (the node also
 * does this on a timer); each removal is logged without content.
 * *purged (may be NULL) is the count of records removed, also with WN_ESTATE;
 * 0 on other errors.
 * Errors: WN_ESTATE (the records are purged, but the federation's retention
 * policy is not known yet: consents, notices and rights requests wait). */
int wn_records_purge(wn_client *c, long *purged);

/* What one purge removed, by kind. */
typedef struct wn_purge_counts {
	long records;    /* records past their retention date */
	long consents;   /* consents and refusals no running case needs */
	long notices;    /* client notices, their notifications and outbox messages */
	long rights;     /* rights requests, the partners' and the client's own */
	long other;      /* duty assertions, third-party decisions, case-informed records */
	long pseudonyms; /* log rows and ledger entries that lost the person's pseudonym */
} wn_purge_counts;

/* As wn_records_purge, telling every kind removed: *out is filled on
 * success; with WN_ESTATE only out->records is set (the other kinds wait
 * for the federation's retention policy); zeroed on other errors.
 * Errors: WN_ESTATE (as wn_records_purge), WN_EINVAL (out is NULL). */
int wn_records_purge_counts(wn_client *c, wn_purge_counts *out);

/* Import of many records, all or nothing: records are validated and staged
 * in chunks; wn_import_commit makes them visible in one transaction. */
typedef struct wn_import wn_import;

/* Begins an import; no node is asked yet.
 * *out: ended by wn_import_commit or wn_import_abort (which free it).
 * Errors: WN_EIO (no random import id: /dev/urandom cannot be read). */
int wn_import_begin(wn_client *c, wn_import **out);

/* Adds one JSON line {"bsn","category","content","professional","retention"?};
 * line is its number in the source file, used in error messages. Each
 * 1000 lines, or fewer that near the node's limit on one request, go to
 * the node as a chunk, which it checks line by line. The first error ends
 * the import: later calls return it, and wn_import_commit imports nothing.
 * The library refuses a malformed line (not a JSON object, or too long) at
 * once, here; the node checks each line's content (BSN, category,
 * professional, retention, …) when its chunk is sent: here at each 1000th
 * line, the last lines at wn_import_commit. So an error found here is
 * reported before one the node would find on an earlier line not sent yet.
 * Errors: WN_EJSON (json_line is not a JSON object), WN_EBSN, WN_ECATEGORY
 * (a line of the chunk fails the node's check), WN_ESCHEMA (a line with an
 * unknown key, a field missing or of the wrong type, a blank professional,
 * or a retention that is not a date), WN_EINVAL (a retention before today;
 * or im or json_line is NULL), WN_ETOOBIG (a line longer than one request
 * to the node carries, about 768 KiB: refused as it is added; or a record
 * over the node's limit). */
int wn_import_add(wn_import *im, long line, const char *json_line);

/* Commits everything added; *imported = records written (0 on an error). Frees im. The
 * lines not yet sent go with it; after an error, here or in an earlier
 * wn_import_add, nothing is imported, and that error is returned.
 * Errors: WN_EBSN, WN_ECATEGORY, WN_ESCHEMA, WN_EINVAL (a line of the last
 * chunk fails the node's check, as for wn_import_add), WN_EJSON, WN_ETOOBIG. */
int wn_import_commit(wn_import *im, long *imported);

/* Drops everything staged. Frees im. */
void wn_import_abort(wn_import *im);

/* ---- known / not-known lookups --------------------------------------- */

typedef struct wn_actor {
	const char *id;   /* the acting professional's user id at this partner */
	const char *role; /* their role, e.g. "wijkcoach" */
} wn_actor;

/* A member of a household asked about; on the ground consent with the
 * consent this node holds of that person (G-P 4.3a: per household member). */
typedef struct wn_person {
	const char *bsn;
	const char *consent_id;
} wn_person;

typedef struct wn_lookup_params {
	const char *bsn;              /* one person; or NULL and people */
	const wn_person *people;      /* a household: up to 16 people, answered per person */
	size_t npeople;
	const char *purpose;          /* e.g. "intake", "signalering" */
	const char *ground;           /* the lawful ground (r14, Bijlage 8): "consent", or
				       * legal_obligation, vital_interest, public_task,
				       * legitimate_interest, contract with motivation_json */
	const char *motivation_json;  /* non-consent grounds: the Bijlage 3 motivation
				       * {interest, subsidiarity, proportionality, exception,
				       * legal_reference?, explanation?} */
	const char *cluster;          /* jeugd, volwassenen, multiprobleem; NULL: all */
	const char *const *partners;  /* NULL: every active partner in the cluster; each
				       * named once (WN_EINVAL) */
	size_t npartners;
	wn_actor actor;
	int deadline_ms;              /* for the partners' answers; 0: the default (2000); the
				       * broker waits at most its own deadline_ms (default
				       * 2000) and at least 250 */
	const char *consent_id;       /* with bsn on the ground consent: the person's consent,
				       * held by this node; it goes only to the partners it names */
} wn_lookup_params;

typedef struct wn_lookup_answer {
	const char *partner;
	const char *name;
	size_t person;        /* the person's place in people (0 for bsn) */
	const char *bsn;      /* the person */
	const char *outcome;  /* known, not_known, refused, not_asked, unavailable, invalid, error */
	const char *reason;   /* NULL for known and not_known; else why: refused, the
			       * partner's reason (consent_required, shielded, …);
			       * not_asked, consent_not_covering; unavailable, the
			       * delivery (unavailable: no answer in time; no_sealing_key,
			       * no_delivery); invalid, what was wrong with the answer
			       * (rejected, protocol, signature, seal, …); error, the
			       * partner's error name (e.g. database) */
} wn_lookup_answer;

typedef struct wn_lookup_result {
	const char *request_id;
	size_t count;         /* partners × people */
	wn_lookup_answer *answers;
} wn_lookup_result;

/* Asks the partners in scope whether they know the person, or each member of
 * the household, on a lawful ground every partner checks and logs with its
 * answer. A lookup without a ground is refused (WN_EGROUND); a non-consent
 * ground without its full motivation too (WN_EMOTIVATION). A person whose
 * consent does not name a partner is not asked there ("not_asked"). A partner
 * that has not answered within the deadline (p->deadline_ms, 0: 2000 ms,
 * cut to the broker's deadline_ms, wijknet.json(5), default 2000) is
 * "unavailable". Each answer's reason says why for every outcome but known
 * and not_known (NULL for those). *out is owned by the caller:
 * wn_lookup_result_free().
 * Errors: WN_EJSON (motivation_json is not a JSON object), WN_EBSN,
 * WN_EPURPOSE, WN_ECLUSTER, WN_EGROUND, WN_EMOTIVATION, WN_ECONSENT,
 * WN_EUNKNOWN_PARTNER, WN_EREVOKED (a named partner is not active), WN_EDENIED
 * (a named partner is incidental), WN_ELIMIT (more partners than a lookup may
 * ask), WN_ETOOBIG (more than 16 people), WN_ETRANSPORT. */
int wn_lookup(wn_client *c, const wn_lookup_params *p, wn_lookup_result **out);
/* Frees r and every string it holds; NULL is ignored. */
void wn_lookup_result_free(wn_lookup_result *r);

#define WN_ID_LEN 32 /* ids of requests, cases, consents: 32 lowercase hex digits */

/* ---- cases (r07, r26) -------------------------------------------------- */

typedef struct wn_case {
	const char *id;
	const char *cluster;     /* jeugd, volwassenen, multiprobleem */
	const char *director;    /* partner id of the case director */
	const char *regisseur_id, *regisseur_role; /* its casusregisseur, or NULL */
	const char *basis;       /* consent, urgent: the precondition it was opened on */
	const char *status;      /* open, closed */
	const char *retention;   /* YYYY-MM-DD */
	int64_t opened_at;       /* ms since the epoch */
	size_t nmembers;
	const char **members;    /* partner ids that take part now */
	size_t npeople;          /* members of the household it is about now */
} wn_case;

typedef struct wn_case_list {
	size_t count;
	wn_case *items;
} wn_case_list;

/* A case is about a household (Heerlen 1.14): its members by BSN, which this
 * node turns into commitments under a fresh case key (the broker sees no
 * BSN, and nothing it could link to another case). It opens on a recorded
 * precondition (Heerlen Bijlage 2, Randvoorwaarden): consents of members of
 * the household this node holds, or an urgent interest. */
typedef struct wn_case_params {
	const char *cluster;          /* jeugd, volwassenen, multiprobleem */
	const char *const *people;    /* the BSNs of the household, 1 to 16 */
	size_t npeople;
	const char *const *consents;  /* one consent of each person, held here, or NULL */
	size_t nconsents;
	const char *urgent_json;      /* or {"interest": urgent_health | development_delay |
				       * serious_harm | serious_nuisance, "explanation"} */
	const char *director;         /* the directing partner; NULL: this one */
	const wn_actor *regisseur;    /* its casusregisseur; NULL: the actor when this
				       * partner directs, else named later (wn_case_director) */
	const char *retention;        /* "YYYY-MM-DD" after today; NULL: two years */
	wn_actor actor;
} wn_case_params;

/* Opens a case; this partner takes part (and directs it unless director
 * names another, to whom the case key is sealed too). Past its retention
 * date the broker removes the case and logs that it did. The new case id is
 * written to case_id.
 * Errors: WN_EINVAL (neither consents nor urgent_json, or both; a retention
 * not after today), WN_EJSON (urgent_json is not a JSON object), WN_ECLUSTER,
 * WN_EBSN, WN_ECONSENT (a consent not held here, not in force, not of the
 * household, or a person of the household without one: each consents; or,
 * at the broker, not in its registry in that version, or serving another
 * case already: a consent serves one case),
 * WN_EMOTIVATION (urgent_json incomplete), WN_EUNKNOWN_PARTNER, WN_EREVOKED,
 * WN_ENOTICE (this partner or the director gave notice), WN_EDENIED (the
 * director is an incidental partner), WN_ETRANSPORT. */
int wn_case_open(wn_client *c, const wn_case_params *p, char case_id[WN_ID_LEN + 1]);

/* The director changes the household: a member added (reason birth,
 * moved_in, other) or removed (moved_out, deceased, other). A case that
 * opened on the household's consents takes a person only with a consent of
 * their own: use wn_case_person_add_consent().
 * Errors: WN_EBSN, WN_EINVAL (reason unknown, or the person is in the household
 * already), WN_ECONSENT (the case opened on consents), WN_ENOTMEMBER (this
 * partner holds no key of the case; an unknown case id gives it too),
 * WN_ENOTFOUND (the broker knows no such case), WN_EDENIED (not the director,
 * or the case is closed), WN_ELIMIT (the household has 16 people),
 * WN_ETRANSPORT. */
int wn_case_person_add(wn_client *c, const char *case_id, const char *bsn, const char *reason,
		       const wn_actor *actor);
/* As wn_case_person_add(), with the consent (held here) of the person added
 * (Heerlen Bijlage 8: each member for themselves, a child with or through
 * its parents).
 * Errors: WN_ECONSENT (the consent is not held here, not in force, or of
 * someone else; or, at the broker, not in its registry in that version, or
 * serving another case already), WN_EBSN, WN_EINVAL, WN_ENOTMEMBER, WN_ENOTFOUND, WN_EDENIED,
 * WN_ELIMIT, WN_ETRANSPORT (as for wn_case_person_add()). */
int wn_case_person_add_consent(wn_client *c, const char *case_id, const char *bsn,
			       const char *reason, const char *consent_id, const wn_actor *actor);
/* The director removes bsn from the household of the case, with a reason
 * (moved_out, deceased, other); see wn_case_person_add().
 * Errors: WN_EBSN, WN_EINVAL (reason unknown), WN_ENOTFOUND (the broker knows
 * no such case), WN_ENOTMEMBER (this partner holds no key of the case; an
 * unknown case id gives it too), WN_ENOTINCASE (the
 * person is not in the household), WN_EDENIED (not the director, the case is
 * closed, or the person is its last), WN_ETRANSPORT. */
int wn_case_person_remove(wn_client *c, const char *case_id, const char *bsn,
			  const char *reason, const wn_actor *actor);

/* The director hands the direction to another partner of the case and/or
 * names its casusregisseur (either may be NULL, not both).
 * Errors: WN_ENOTFOUND (no such case), WN_ENOTMEMBER (the new director does not
 * take part in the case), WN_EDENIED (not the director, the case is closed, or
 * the new director is incidental), WN_EUNKNOWN_PARTNER, WN_EREVOKED,
 * WN_ENOTICE, WN_ECLUSTER, WN_ETRANSPORT. */
int wn_case_director(wn_client *c, const char *case_id, const char *director,
		     const wn_actor *regisseur, const wn_actor *actor);

/* Whether bsn is a member of the household of a case this partner takes
 * part in now: 0, or WN_ENOTINCASE. The node logs which professional
 * asked.
 * Errors: WN_ENOTINCASE, WN_EBSN, WN_ENOTMEMBER (this partner does not take
 * part in the case), WN_ETRANSPORT. */
int wn_case_has_person(wn_client *c, const char *case_id, const char *bsn,
		       const wn_actor *actor);

/* The case director adds partner to the case.
 * Errors: WN_ENOTFOUND (the broker knows no such case), WN_ENOTMEMBER (this
 * partner holds no key of the case; an unknown case id gives it too),
 * WN_EDENIED (not the director, the case is closed, or partner is
 * incidental), WN_EINVAL (partner takes part already), WN_EUNKNOWN_PARTNER,
 * WN_EREVOKED, WN_ENOTICE, WN_ECLUSTER, WN_ETRANSPORT. */
int wn_case_join(wn_client *c, const char *case_id, const char *partner, const wn_actor *actor);

/* Ends partner's part in the case (NULL: this partner's own); the director
 * may end another partner's part.
 * Errors: WN_ENOTFOUND (no such case), WN_ENOTMEMBER, WN_EDENIED (the director
 * cannot leave; only the director ends another's part; the case is closed),
 * WN_ETRANSPORT. */
int wn_case_leave(wn_client *c, const char *case_id, const char *partner, const wn_actor *actor);

/* The director closes the case: no more data requests within it.
 * Errors: WN_ENOTFOUND (no such case), WN_EDENIED (not the director, or the
 * case is closed already), WN_ETRANSPORT. */
int wn_case_close(wn_client *c, const char *case_id, const wn_actor *actor);

/* The cases this partner takes part in, newest first. *out is owned by the
 * caller: wn_case_list_free().
 * Errors: WN_ETRANSPORT. */
int wn_cases(wn_client *c, wn_case_list **out);
/* Frees l and every string it holds; NULL is ignored. */
void wn_case_list_free(wn_case_list *l);

/* ---- data requests (r04–r16) ------------------------------------------ */

typedef struct wn_request_params {
	const char *case_id;        /* the case both partners take part in */
	const char *to;             /* the source partner */
	const char *bsn;            /* a member of the case's household (else WN_ENOTINCASE) */
	const char *const *categories; /* vocabulary codes: exactly what is needed */
	size_t ncategories;
	const char *purpose;
	const char *ground;         /* consent, legal_obligation, vital_interest, … */
	const char *consent_id;     /* ground consent: a consent this node holds */
	const char *motivation_json;/* other grounds: the Bijlage 3 motivation, a JSON object
				     * {interest, subsidiarity, proportionality, exception?,
				     * legal_reference?, explanation?} */
	const char *note;           /* free text for the source professional, or NULL */
	const char *request_id;     /* NULL: a fresh id; else the caller's id, used once */
	const char *approval;       /* a third party's approved disclosure (r08), or NULL */
	wn_actor actor;
	int deadline_ms;            /* for the source's answer; 0: the default (5000); the
				     * broker waits at most its own deadline_ms (default
				     * 2000), so 5000 is cut to 2000 unless the operator
				     * raised it, and at least 250 */
} wn_request_params;

typedef struct wn_disclosed_record {
	const char *category;
	const char *content_json;   /* a JSON object */
	const char *professional;   /* the source professional */
	int64_t updated_at;         /* ms since the epoch */
} wn_disclosed_record;

typedef struct wn_request_result {
	const char *request_id;
	const char *partner;
	const char *outcome;  /* disclosed, not_known, refused, unavailable, invalid, error */
	const char *reason;   /* NULL for disclosed and not_known; else why: refused, the
			       * source's reason (e.g. not_shared, consent_invalid);
			       * unavailable, "unavailable" (no answer in time);
			       * invalid, what was wrong with the answer (rejected,
			       * protocol, signature, seal, …); error, the source's
			       * error name (e.g. database) */
	const char *detail;   /* the source's explanation of a refusal or of an error
			       * (e.g. its disclosure log cannot be written), or NULL */
	size_t count;
	wn_disclosed_record *records;
	int repeated;         /* 1: the answer the node kept for an earlier call with this
			       * request_id (asked once, read again), 0: asked now */
} wn_request_result;

/* Asks one partner for the categories of one person within a case, on a
 * lawful ground. A refusal by the source is a result (outcome "refused"), a
 * refusal by this node or the broker an error code. A source that has not
 * answered within the deadline (p->deadline_ms, 0: 5000 ms, cut to the
 * broker's deadline_ms, wijknet.json(5), default 2000) is "unavailable".
 * The result's reason says why for every outcome but disclosed and
 * not_known (NULL for those). *out is owned by the caller:
 * wn_request_result_free().
 * A request_id makes a retry safe: the same request again under it (the
 * same partner, person, case, categories, purpose, ground and its detail,
 * consent or approval, note and actor) is not sent again; it gets the
 * result the first call got (repeated 1; kept a day; reading it is a
 * ledger entry request.answer.read), or the error that call ended in.
 * The case is checked before the consent: a source or person outside it
 * is WN_ENOTMEMBER or WN_ENOTINCASE whatever the consent says.
 * Errors: WN_EJSON (motivation_json is not a JSON object), WN_EBSN,
 * WN_EPURPOSE, WN_ECATEGORY, WN_EGROUND, WN_EMOTIVATION, WN_ECONSENT,
 * WN_EUNKNOWN_PARTNER, WN_EREVOKED (the source is not active), WN_EDENIED (the
 * case is closed, or an incidental partner asks without an approval),
 * WN_ENOTMEMBER (this partner or the source does not take part in the
 * case), WN_ENOTINCASE, WN_ESTATE (the request under request_id is still
 * waiting for its answer: ask again shortly; or no verified directory yet),
 * WN_EREPLAY (request_id was used for another request, or its first call got
 * no answer in time, unavailable included, or its answer is no longer
 * kept: make a new request),
 * WN_ETRANSPORT (the broker or the source did not answer, as also with
 * WN_ETIMEOUT or WN_EUNAVAILABLE: the source may have disclosed, so that
 * id is not sent again). */
int wn_request(wn_client *c, const wn_request_params *p, wn_request_result **out);
/* Frees r and every record it holds; NULL is ignored. */
void wn_request_result_free(wn_request_result *r);

/* Records this partner's professional's judgement that a conflict of duties
 * justifies disclosing special-category data without consent (Heerlen 8.7,
 * r12): for one case, person, recipient and set of categories, valid for
 * hours (0: 7 days), used by at most one request on the ground
 * conflict_of_duties. motivation_json is the Bijlage 3 motivation.
 * assertion_id gets its id.
 * Errors: WN_EJSON (motivation_json is not a JSON object), WN_EBSN,
 * WN_ECATEGORY, WN_EMOTIVATION, WN_ENOTMEMBER (this partner, or the
 * recipient, does not take part in the case), WN_EINVAL (the recipient is
 * this partner), WN_ENOTINCASE, WN_ETRANSPORT. */
int wn_duty_assert(wn_client *c, const char *case_id, const char *bsn, const char *to,
		   const char *const *categories, size_t ncategories, const char *motivation_json,
		   int hours, const wn_actor *actor, char assertion_id[WN_ID_LEN + 1]);

/* ---- third-party disclosure (r08; Heerlen 7.2, Bijlage 6) -------------- */

typedef struct wn_thirdparty_proposal {
	const char *case_id;        /* the case whose progress needs it */
	const char *bsn;            /* the person of the case it concerns */
	const char *party;          /* the incidental partner that is to receive */
	const char *source;         /* the partner of the case that discloses (NULL: this one) */
	const char *const *categories;
	size_t ncategories;
	const char *purpose;
	const char *ground;         /* "consent" (the client's, asked beforehand: Heerlen 7.2)
				     * or a non-consent ground with motivation_json */
	const char *consent_id;     /* ground consent: the person's consent held by this node,
				     * naming the third party as recipient */
	const char *motivation_json;/* other grounds: the Bijlage 3 motivation, kept here */
	wn_actor actor;
} wn_thirdparty_proposal;

/* Proposes a third-party disclosure for one person of the case; proposing
 * is this partner's approval. The person is sealed to every partner of the
 * case, so each sees whom it decides about. approval_id gets its id.
 * Errors: WN_EJSON (motivation_json is not a JSON object), WN_EBSN,
 * WN_EPURPOSE, WN_ECATEGORY, WN_EGROUND, WN_EMOTIVATION, WN_ECONSENT,
 * WN_ENOTMEMBER, WN_ENOTINCASE, WN_EUNKNOWN_PARTNER, WN_EREVOKED (the third
 * party is not active), WN_EDENIED (the case is closed, or a category is
 * special), WN_ETRANSPORT. */
int wn_thirdparty_propose(wn_client *c, const wn_thirdparty_proposal *p,
			  char approval_id[WN_ID_LEN + 1]);

/* As the third party: signs the confidentiality declaration of Bijlage 6 in
 * its current published version (kept with the approval, and beyond the
 * case: the duty of confidentiality outlives it, Heerlen 14.3).
 * Errors: WN_ENOTFOUND (no such proposal), WN_EDENIED (not the third party, or
 * the proposal is decided), WN_EINVAL (signed already), WN_ETRANSPORT. */
int wn_thirdparty_declare(wn_client *c, const char *approval_id, const char *name,
			  const char *organisation, const char *place, const char *signed_on,
			  const wn_actor *actor);

/* As a partner of the case: approve (approve = 1) or reject (0). Before an
 * approval the node checks the proposal's person is the one sealed to it and
 * a member of the household (else WN_ENOTINCASE); the source also checks
 * the consent it rests on.
 * Errors: WN_ENOTFOUND (no such proposal), WN_ENOTMEMBER, WN_ENOTINCASE,
 * WN_ECONSENT, WN_ESIG (the proposal does not carry its proposer's signature),
 * WN_ESEAL (it seals no person to this partner), WN_EDENIED (the proposal is
 * decided already, or this partner proposed it: proposing is its approval),
 * WN_ETRANSPORT. */
int wn_thirdparty_decide(wn_client *c, const char *approval_id, int approve,
			 const wn_actor *actor);

typedef struct wn_thirdparty_info {
	const char *id, *case_id, *party, *source, *purpose, *ground;
	const char *categories;     /* comma-separated codes */
	const char *status;         /* proposed, approved, rejected, in_use, used */
	int declared;               /* the declaration is signed */
} wn_thirdparty_info;

typedef struct wn_thirdparty_list {
	size_t count;
	wn_thirdparty_info *items;
} wn_thirdparty_list;

/* The proposals of this partner's cases, or addressed to it as the third
 * party. *out: wn_thirdparty_list_free().
 * Errors: WN_ETRANSPORT. */
int wn_thirdparties(wn_client *c, wn_thirdparty_list **out);
/* Frees l and every string it holds; NULL is ignored. */
void wn_thirdparty_list_free(wn_thirdparty_list *l);

/* ---- the client's rights (r17, r18) ------------------------------------ */

typedef struct wn_rights_params {
	const char *case_id;          /* a request about a person of a case: its partners are
				       * asked, and each checks the person belongs to it; or NULL */
	const char *bsn;
	const char *kind;             /* correction, completion, deletion, shielding,
				       * objection (recht van verzet, G-P 5) */
	const char *const *categories;/* NULL: every category */
	size_t ncategories;
	const char *text;             /* what the client asks, for the partners; a
				       * correction or completion states the changes
				       * to make (G-P 8.1, 10 characters or more) */
	const char *const *partners;  /* NULL: every covenant partner */
	size_t npartners;
	wn_actor actor;
} wn_rights_params;

typedef struct wn_rights_answer {
	const char *partner;
	const char *status;   /* registered, not_known, refused (not_in_case), not_checked
			       * (it could not check the person: no case key), unavailable,
			       * invalid, error; all but not_known and refused leave the
			       * request open at the municipality */
	const char *deadline; /* YYYY-MM-DD when registered, else NULL */
} wn_rights_answer;

typedef struct wn_rights_result {
	const char *request_id;
	size_t count;
	wn_rights_answer *answers;
} wn_rights_result;

/* Routes a client's rights request to the partners; those that hold records
 * of the person register it with a four-week deadline. The answers include
 * this (the municipality's) node's own part, not_known when it holds
 * nothing of the person. The request is recorded before it leaves: with
 * the broker out of reach every partner is "unavailable"; a refusal on the
 * way is returned, the request recorded all the same (ask again). *out:
 * wn_rights_result_free().
 * Errors: WN_EBSN, WN_ECATEGORY, WN_EINVAL (an unknown kind, or a correction
 * or completion without the changes to make in text), WN_EDENIED (this is
 * not the municipality's node), WN_EUNKNOWN_PARTNER (a named partner is not an active covenant
 * partner), WN_ELIMIT, WN_ENOTMEMBER (also a named partner outside the case),
 * WN_ENOTINCASE, WN_ETRANSPORT. */
int wn_rights_request(wn_client *c, const wn_rights_params *p, wn_rights_result **out);

/* At the municipality's node: asks again the partners of rights request
 * request_id that have not answered it (unavailable, invalid, error,
 * not_checked), under the same request and its one deadline; a partner
 * that registered it before answers with its own deadline. The person's BSN
 * is given again (the municipality keeps only its index) and must be that
 * of the request. The answers are those of the partners asked; a partner
 * that left the federation stays unanswered. *out: wn_rights_result_free().
 * A refusal on the way (e.g. WN_ENOTMEMBER) is returned; the request stands.
 * Errors: WN_ENOTFOUND (no such request here), WN_EBSN, WN_EINVAL (another
 * person's BSN; a correction or completion recorded without the changes to
 * make, which the partners refuse: register it anew), WN_ESTATE (no partner
 * left to ask, or no verified directory yet), WN_ENOTINCASE, WN_ENOTMEMBER,
 * WN_EUNKNOWN_PARTNER, WN_EDENIED, WN_EDB. */
int wn_rights_ask_again(wn_client *c, const char *request_id, const char *bsn,
			const wn_actor *actor, wn_rights_result **out);
/* Frees r and every string it holds; NULL is ignored. */
void wn_rights_result_free(wn_rights_result *r);

/* The layout of an item is fixed: a program indexes items by its size, so a
 * field is never added here. The requester's role is in the list, at the
 * item's index (wn_rights_list.requester_roles). */
typedef struct wn_rights_item {
	/* status: open, granted, executed, done or refused */
	const char *id, *kind, *requester, *deadline, *status;
	const char *categories;  /* JSON array text, or NULL: every category */
	const char *motivation;  /* of a refusal, or NULL */
	int64_t received_at, decided_at;
	int overdue;
} wn_rights_item;

typedef struct wn_rights_list {
	size_t count;
	wn_rights_item *items;
	/* requester_roles[i]: the role of the professional at the requester who
	 * sent items[i] (count strings). The library allocates the list, so this
	 * last member is there for a program built against an older header too. */
	const char *const *requester_roles;
} wn_rights_list;

/* The rights requests this node registered: open and overdue ones first.
 * Each item's requester role is requester_roles at its index.
 * *out: wn_rights_list_free().
 * Errors: none beyond the common ones. */
int wn_rights_pending(wn_client *c, wn_rights_list **out);
/* Frees l and every string it holds; NULL is ignored. */
void wn_rights_list_free(wn_rights_list *l);

/* One rights request this node registered: what the client asks and whom
 * it concerns, for the professional who decides and carries it out.
 * *json_out: {id, kind, text? (the changes the client asks, G-P 8.1),
 * categories? (a list; absent: every category), requester, requester_role,
 * received_at, deadline, status, overdue, decided_at?, motivation?,
 * decided_by_role?, executed_at?, person_held, bsn?, recipients?}; free().
 * recipients: once a correction, completion, deletion or shielding is
 * carried out, those this node disclosed the person's data in the
 * categories it covers to, [{partner, third_party, informed: "notice"
 * (passed on, sealed, through the broker) | "to_inform" (a third party, or
 * no record left to name the person by: this node informs it itself),
 * categories, delivery?, delivery_at?, carried_out_at?}] (AVG art. 19);
 * delivery, for a notice: "queued", "delivered" (the recipient
 * acknowledged it), "carried_out" (the recipient said it corrected or
 * deleted its own copy, at carried_out_at) or "failed" (given up: refused,
 * or the recipient left; wn_outbox_retry queues it again), delivery_at when
 * it was delivered or given up. The BSN is
 * opened from the node's own records of the person: once none is left
 * (deleted on the request, or purged) person_held is false and bsn absent.
 * The list (wn_rights_pending) never names the person; reading one request
 * is logged with the actor.
 * Errors: WN_ENOTFOUND (no such rights request registered here), WN_EINVAL
 * (id is not 32 hex digits), WN_ESCHEMA (no actor named). */
int wn_rights_show(wn_client *c, const char *id, const wn_actor *actor, char **json_out);

/* Decides a rights request: "done" (granted and carried out at once: a
 * deletion removes the records, a shielding or an objection stops their
 * disclosure), "granted" (to be carried out, e.g. a correction in the
 * partner's own system), "executed" (a granted one, now carried out) or
 * "refused" with a motivation of at least 10 characters (WN_EMOTIVATION).
 * The decision goes back, sealed, to the municipality that sent the request.
 * A correction, completion, deletion or shielding carried out ("done" or
 * "executed") is passed on, in the same transaction, to each partner this
 * node disclosed the person's data in the categories covered to (AVG art.
 * 19); a third party is recorded as to be informed (wn_rights_show's
 * recipients), and the decision names them to the municipality.
 * WN_ENOTFOUND for an unknown id, WN_ESTATE for a decision its state does
 * not allow (decided before; "executed" of one not granted).
 * Errors: WN_ENOTFOUND (no such rights request), WN_ESTATE (a decision its
 * state does not allow), WN_EINVAL (a decision that is none of the four),
 * WN_EMOTIVATION. */
int wn_rights_decide(wn_client *c, const char *id, const char *decision, const char *motivation,
		     const wn_actor *actor);

/* The notices this node received that a partner carried out a correction,
 * completion, deletion or shielding of data it had disclosed to this node
 * (AVG art. 19), newest first: each names the partner, the client's rights
 * request, the kind, the categories, the requests of this node's own the
 * data came in (so that its professional finds and corrects or deletes its
 * copy), the case, and for a correction or completion what is to be
 * changed as the client's request says it, or ask_partner (true) when this
 * node received less than the request covers: the change is asked of the
 * partner. Names no person. Each reading is logged with the actor.
 * *json_out: {notices: [{id, from, request, kind, categories, requests,
 * text?, ask_partner?, case?, executed_at, received_at, done_at?, done_by?,
 * done_by_role?, done_note?}]} (at most 1000); free(). done_at and done_by
 * once this node's professional recorded it carried out
 * (wn_rights_notice_done).
 * Errors: WN_ESCHEMA (no actor named). */
int wn_rights_notices(wn_client *c, const wn_actor *actor, char **json_out);

/* Records that this node carried out rights notice id (wn_rights_notices'
 * id) on its own copy of the data: the actor named is recorded with it
 * (done_by, done_by_role, done_at), and note, when not NULL, is kept with
 * it here and sent nowhere. The recording is a ledger entry
 * rights.notice.done naming the actor and the notice, no person; in the
 * same transaction a rights.notice.done is queued for the partner that sent
 * the notice, sealed to it and signed, through the broker, so that its
 * wn_rights_show says the recipient carried it out (delivery "carried_out");
 * that partner tells the municipality that sent the request, whose
 * wn_rights_status then gives the recipient's carried_out_at.
 * from names the sending partner, needed only when two sent a notice under
 * the same id; NULL otherwise.
 * Errors: WN_ENOTFOUND (no such notice received here, or not from from),
 * WN_ESTATE (recorded as carried out before), WN_EINVAL (id is not 32 hex
 * digits, two partners' notices under id and no from, a blank from or
 * note), WN_ESCHEMA (no actor named), WN_ETOOBIG (a note over 1000 bytes). */
int wn_rights_notice_done(wn_client *c, const char *id, const char *from, const char *note,
			  const wn_actor *actor);

/* ---- the client's access report (r17) ----------------------------------- */

typedef struct wn_report_params {
	const char *bsn;
	const char *const *partners;  /* NULL: every covenant partner */
	size_t npartners;
	int own;                      /* 1: only this partner's own part (Heerlen 9.3) */
	int deadline_ms;              /* for the partners' answers; 0: the default (5000);
				       * the broker waits at most its own deadline_ms
				       * (default 2000) and at least 250 */
	wn_actor actor;
} wn_report_params;

/* Builds the client's access report: what every partner holds of the person
 * (categories, dates, origin), who asked or received what, when, for which
 * purpose and on which ground (roles only), rights requests and removals,
 * merged with the broker's metadata by request id. Only the municipality's
 * node asks the partners (Heerlen 9.1); a partner that does not answer
 * within the deadline (p->deadline_ms, 0: 5000 ms, cut to the broker's
 * deadline_ms, wijknet.json(5), default 2000) is listed under "missing"
 * and "complete" is false. Each organisation gives at most 500 rows of
 * each list: a part cut there is marked "truncated", and "next_page" names
 * the page with the rest (wn_report_access_page). "complete" is true when
 * every part the report is to hold is there and whole: every covenant
 * partner's, or with own this partner's; a report of named partners
 * (partners) is never complete. The report is logged at every partner that
 * answers. *json_out: the report as JSON text, release with free():
 * {subject: {bsn, birth_date? (when the consents and refusals this node
 * holds give one, and agree)}, generated_at, request_id (under which each
 * partner logged it), scope ("federation", "partners" or "own"), page,
 * next_page?, complete, missing: [{partner, name, reason (unavailable,
 * invalid, error, or its registry status: suspended, revoked, …)}], names
 * ({partner id: name} of the directory), organisations: [{partner, name,
 * known (it holds or logged something of the person, on any page),
 * truncated?, records: [{category, origin (own, received), received_from?,
 * received_in?, received_at?, created_at, updated_at, retention_until,
 * shielded (0 or 1)}], consents: [{id, kind, status, valid_from,
 * valid_until?, registered_at, revoked_at?, purposes?, recipients?,
 * sources?, categories?, special?}], notices: [{kind, source, recipient,
 * disclosed_at, due, status, sent_on?, channel?}], rights: [{request_id,
 * kind, requester, received_at, deadline, status, decided_at?, motivation?,
 * executed_at?}], removals: [{at, kind (purge, deletion), category?,
 * reason?}], rights_received: [{from, request_id, kind, categories,
 * executed_at, received_at, done_at?, done_by_role?}]}], disclosures:
 * [{source, source_name, request_id, at, kind (lookup, request, …),
 * requester, role, purpose, ground?, categories?, outcome, reason?, case?,
 * broker: {from, to?, purpose, ground?, cluster?, case?, role, ts?, index?,
 * leaf?}}]} — disclosures merges the organisations' logs of who asked or
 * received what, each with the broker's metadata of the same request as
 * the partner kept it; roles only, no employee's id. Times are ms since
 * the epoch, dates YYYY-MM-DD; a key marked ? is absent when it has no
 * value.
 * Errors: WN_EBSN, WN_EINVAL (own together with partners), WN_EDENIED (this is
 * not the municipality's node and own is 0), WN_EUNKNOWN_PARTNER, WN_ELIMIT,
 * WN_ETRANSPORT. */
int wn_report_access(wn_client *c, const wn_report_params *p, char **json_out);

/* The same report's page-th page (from 1; wn_report_access() is page 1):
 * rows 500 * (page - 1) + 1 to 500 * page of each organisation's lists,
 * oldest first. "complete" is true when no part goes on past this page and
 * no partner is missing (a report of named partners never is; an own report
 * is when this partner's part is whole). A partner of 0.5.7 or older answers only page 1;
 * on a later page it is listed under "missing". Fails as wn_report_access()
 * does, and with WN_EINVAL for a page outside 1..10000. *json_out: release
 * with free().
 * Errors: WN_EBSN, WN_EINVAL, WN_EDENIED, WN_EUNKNOWN_PARTNER, WN_ELIMIT,
 * WN_ETRANSPORT. */
int wn_report_access_page(wn_client *c, const wn_report_params *p, int page, char **json_out);

/* Renders a report from wn_report_access() as a page in Dutch for the
 * client: about a child under 16 on the day it was made (by the subject's
 * birth_date; Heerlen Bijlage 8) for the parents or legal representative,
 * with a part for a child of 12 to 16 in its own words; without a birth
 * date for the person. WN_EJSON when report_json is not a report.
 * *html_out: free().
 * Errors: WN_EINVAL, WN_EJSON, WN_ENOMEM. */
int wn_report_html(const char *report_json, char **html_out);

/* At the municipality's node: the rights requests it sent, each with one
 * four-week deadline (G-P 8.2) and every partner's state — registered,
 * not_known, granted, executed, refused (with its motivation), or not
 * answered yet (not_checked, unavailable, invalid, error: ask again with
 * wn_rights_ask_again()) — as the partners' decisions came back. id NULL:
 * all (the newest 500), newest first. *json_out for one request: {id, kind,
 * created_at (ms), deadline, categories? (a list; absent: every category),
 * text? (the changes the client asks), case?, state: open | being_executed
 * | answered, overdue, refusals (how many partners refused),
 * municipality_name? (this node's name in the directory), birth_date?,
 * partners: [{partner, name?, status, deadline?, decided_at?, motivation?,
 * executed_at?, deleted? (how many records a deletion removed),
 * recipients?}]}; for all {requests: [...]}, each without birth_date;
 * free(). name is the partner's name in the directory. birth_date is the
 * person's as the consents and refusals this node holds give it (and
 * agree), for the letter. A partner that carried out a correction,
 * completion, deletion or shielding names in its recipients those it
 * informed of it ([{partner, name?, third_party, informed: notice |
 * to_inform, carried_out_at?}], AVG art. 19), which the client is told on
 * request; carried_out_at (ms) once the partner said the recipient carried
 * its notice out on its own copy (wn_rights_notice_done there).
 * One request is read for the professional actor names, a ledger entry
 * (rights.status.read: the request, the actor, whether a birth date was
 * given, not the date) committed before it is shown; the list needs no
 * actor and is not logged.
 * Errors: WN_ENOTFOUND (this node sent no such request), WN_EINVAL (id is
 * not 32 hex digits), WN_ESCHEMA (an id without actor). */
int wn_rights_status(wn_client *c, const char *id, const wn_actor *actor, char **json_out);

/* The written answer to the client (Dutch HTML) from wn_rights_status() of
 * one request: each organisation's decision, refusals with their
 * motivation, the recipients of the data each informed of what it carried
 * out (AVG art. 19), and how to object; about a child under 16 (by
 * birth_date) addressed to its parents, as wn_notice_html(). WN_EJSON when
 * status_json is not one request. *html_out: free().
 * Errors: WN_EINVAL, WN_EJSON, WN_ENOMEM. */
int wn_rights_letter_html(const char *status_json, char **html_out);

/* ---- notices to the client (r08, r09; Heerlen 7.2, 7.3, 10.3, 11.4) ------- */

/* A partner that discloses to a third party, or on any ground but consent,
 * sends a notice, sealed, to the municipality's node, which tells the client.
 * These calls work at the municipality's node (elsewhere WN_EDENIED). */

/* The queue: overdue notices first (past the policy's notice_days), then by
 * due date; all != 0 includes those sent. *json_out: {notices: [{id, kind,
 * source, recipient, disclosed_at, due, status: queued | sent, overdue,
 * after_refusal, sent_on?, channel?}]}; free().
 * Errors: WN_EDENIED (this is not the municipality's node). */
int wn_notices_list(wn_client *c, int all, const wn_actor *actor, char **json_out);

/* One notice with its letter: {…, letter: {bsn, source, recipient,
 * recipient_role, categories, purpose, ground, legal_reference?, interest?,
 * request, case?, disclosed_at, refusal?, birth_date?}}; free(). refusal
 * ({id, on?}) is the refusal of consent the disclosure followed, the
 * source's or else this node's own (after_refusal in the list). birth_date
 * is the person's as the consents and refusals this node holds give it (and
 * agree), for the letter. Reading it is logged.
 * Errors: WN_ENOTFOUND (no such notice), WN_EDENIED (this is not the
 * municipality's node). */
int wn_notice_show(wn_client *c, const char *id, const wn_actor *actor, char **json_out);

/* The letter for the client (Dutch HTML) from wn_notice_show(): what was
 * shared, by whom, with whom, why and on which ground, and the client's
 * rights. About a child under 16 on the letter's day (by birth_date; Heerlen
 * Bijlage 8) it is addressed to the parents or legal representative and
 * names the child by birth date and the end of its BSN; a child of 12 to 16
 * is told too, in a part in its own words. Without a birth date (or from
 * 16) it speaks to the person. WN_EJSON when notice_json is not a notice.
 * *html_out: free().
 * Errors: WN_EINVAL, WN_EJSON, WN_ENOMEM. */
int wn_notice_html(const char *notice_json, char **html_out);

/* Records that the letter went out: on (YYYY-MM-DD, NULL: today) by channel
 * (post, email, portal, in_person, phone). WN_ENOTFOUND when it is not
 * queued.
 * Errors: WN_ENOTFOUND (no such notice queued), WN_EDENIED (this is not the
 * municipality's node), WN_EINVAL (on is in the future, or channel unknown). */
int wn_notice_sent(wn_client *c, const char *id, const char *on, const char *channel,
		   const wn_actor *actor);

/* Records how and when the household was told of its case (G-P 5, 6):
 * moment "before" the case opened, or "after" with the reason (at least 10
 * characters, WN_EMOTIVATION); on, the day they were told (YYYY-MM-DD),
 * always given: it is evidence of when, so NULL is refused (WN_EINVAL)
 * rather than taken to be today, unlike the on of wn_notice_sent; how, the
 * channel, as for wn_notice_sent.
 * It is recorded for each person of the household now; a person added
 * later is told too (wn_case_person_informed).
 * Errors: WN_EMOTIVATION, WN_EINVAL (moment, on or how NULL or not valid, or on in
 * the future), WN_ENOTMEMBER (this partner does not take part in the case),
 * WN_ETRANSPORT. */
int wn_case_informed(wn_client *c, const char *case_id, const char *moment, const char *on,
		     const char *how, const char *reason, const wn_actor *actor);

/* As wn_case_informed(), for one person of the household (bsn): a person
 * added later, or a record put right. "before" means before the person
 * came into the case.
 * Errors: WN_EBSN, WN_ENOTINCASE (the person is not a member of the household
 * now), WN_EMOTIVATION, WN_EINVAL, WN_ENOTMEMBER, WN_ETRANSPORT (as for
 * wn_case_informed()). */
int wn_case_person_informed(wn_client *c, const char *case_id, const char *bsn,
			    const char *moment, const char *on, const char *how,
			    const char *reason, const wn_actor *actor);

/* Who of the household this node recorded as told of the case:
 * {case, people, told, not_told} counted over the members now; with bsn
 * also person: {told, moment?, on?, how?, reason?}. *json_out: free().
 * Reading it is a ledger entry (case.informed.read: the case, the actor,
 * whether one person was asked about, not who) committed before it is
 * shown.
 * Errors: WN_EBSN, WN_ENOTINCASE (bsn is not a member now), WN_ENOTMEMBER,
 * WN_ETRANSPORT. */
int wn_case_informed_show(wn_client *c, const char *case_id, const char *bsn,
			  const wn_actor *actor, char **json_out);

/* ---- the outbox ------------------------------------------------------------ */

/* What this node must deliver through the broker waits in its outbox until
 * taken: notices and rights decisions to the municipality, consent
 * revocations to the broker, refusals passed on to the sources they name.
 * One that fails on the way is tried again, with backoff; one its receiver
 * refuses for what it is is given up (as an older version refuses a message
 * type it does not know) and waits for wn_outbox_retry(). */

/* What is not delivered yet, oldest first (at most 1000); failed != 0: the
 * given-up items only. *json_out: {items: [{id, kind, recipient? (absent
 * when it goes to the municipality and the directory names none now),
 * queued_at, attempts, state: waiting | given_up, next_at (waiting),
 * failed_at (given_up), last_error?}], waiting (0 with failed), given_up}:
 * waiting and given_up count the whole outbox, also past the 1000 listed;
 * free(). Times in ms since the epoch. Never what an item says, nor whom it
 * is about. The node answers it itself: the broker is not asked.
 * Errors: WN_EDB (the outbox cannot be read), WN_ESCHEMA (no actor named). */
int wn_outbox_list(wn_client *c, int failed, const wn_actor *actor, char **json_out);

/* Puts the given-up item id (NULL: every given-up item) back in the queue,
 * due now with its backoff from the start, and wakes the sender; each item
 * put back is a ledger entry (outbox.retry) naming the actor. json_out may
 * be NULL; else {retried: [id, ...], count}; free().
 * Errors: WN_ENOTFOUND (no such item), WN_ESTATE (the item was delivered, or
 * is not given up: it is tried again by itself), WN_EINVAL (id is not 32 hex
 * digits), WN_ESCHEMA (no actor named). */
int wn_outbox_retry(wn_client *c, const char *id, const wn_actor *actor, char **json_out);

/* ---- backup ---------------------------------------------------------------- */

/* A consistent copy of the node's database (SQLite's online backup, taken
 * while the node's writes wait) and its key file, both 0600, into dir (an
 * absolute path as the node sees it; made 0700 when missing). To restore,
 * stop the node and put both files back; at start the node compares its
 * ledger with the checkpoint the broker witnessed and refuses to run on a
 * copy older than that (its disclosure entries since would be lost).
 * *json_out: {database, keys, ledger_entries}; free(). WN_EEXISTS when dir
 * holds a backup already.
 * Errors: WN_EEXISTS (dir holds a backup already), WN_EINVAL (dir is not
 * absolute, or the directory above it does not exist: only dir itself is
 * made), WN_EIO (dir or the copy cannot be written). */
int wn_backup(wn_client *c, const char *dir, const wn_actor *actor, char **json_out);

/* ---- management information (r25) --------------------------------------- */

/* The federation's anonymous counts for a month ("YYYY-MM", a Dutch
 * calendar month, as every day in wijknet is) per kind,
 * cluster, partner, ground and outcome, gathered by the broker: counts
 * under 5 are suppressed, totals add up shown counts only, partners that
 * did not answer are listed under "missing". *json_out: JSON text
 * {month, threshold, rows: [{kind, cluster, partner, ground, outcome,
 * count | suppressed}], totals, missing, complete}; release with free().
 * Errors: WN_EINVAL (month is not YYYY-MM), WN_EDENIED (an incidental partner
 * asks), WN_ETRANSPORT. */
int wn_stats(wn_client *c, const char *month, const wn_actor *actor, char **json_out);

/* ---- consent (r10, r11, r12) ------------------------------------------ */

/* Registers the client's signed consent declaration (Heerlen Bijlage 5),
 * given as a JSON document:
 *   {"subject": {"bsn", "birth_date", "name"?}, "purposes": [...],
 *    "recipients": [partner ids], "sources": [partner ids],
 *    "categories": [...], "special": ["health", "mental_health",
 *    "addiction", "criminal"]?, "signers": [{"name", "role": subject|parent|
 *    guardian|representative, "representation"?: curatele|mentorschap|
 *    bewind|volmacht}], "signed_on": "YYYY-MM-DD", "valid_until": "YYYY-MM-DD"}
 * A representative (of an adult only) names the kind of representation; a
 * bewindvoerder alone signs for financial categories only.
 * The node checks it (signers valid for the subject's age, special
 * categories named), signs and keeps it encrypted, and registers its status
 * at the broker. Its id is written to consent_id. The same document
 * registered here before, as a consent that still stands with no refusal of
 * the person registered here since, is that consent: its id is written and
 * nothing is registered again.
 * Errors: WN_EJSON (document_json is not a JSON object), WN_EBSN, WN_EPURPOSE,
 * WN_ECATEGORY, WN_ECONSENT (the declaration does not hold: signers, dates,
 * special categories), WN_EUNKNOWN_PARTNER (a recipient or source is not in the
 * directory), WN_ETOOBIG, WN_ETRANSPORT, WN_ESTATE (the same document is being
 * registered now, waiting for the broker). */
int wn_consent_register(wn_client *c, const char *document_json, const wn_actor *actor,
			char consent_id[WN_ID_LEN + 1]);

/* Registers a consent as wn_consent_register() does and says whether it is
 * new. *json_out: {consent, version, status} for a new registration (status
 * active); for a document registered here before {consent, version,
 * status, registered_before: true}, that registration's (see
 * wn_consent_register); release with free().
 * Errors: WN_EJSON (document_json is not a JSON object), WN_EBSN, WN_EPURPOSE,
 * WN_ECATEGORY, WN_ECONSENT, WN_EUNKNOWN_PARTNER, WN_ETOOBIG, WN_ETRANSPORT,
 * WN_ESTATE (the same document is being registered now). */
int wn_consent_register_json(wn_client *c, const char *document_json, const wn_actor *actor,
			     char **json_out);

/* Records that the client refused consent (Heerlen 10.3); the same document
 * shape, without categories, signers or end date needed. The same document
 * registered here before, as a refusal that still stands with no consent of
 * the person registered here since, is that refusal: its id is written, and
 * nothing is registered or passed on to a source again.
 * Errors: WN_EJSON (document_json is not a JSON object), WN_EBSN, WN_EPURPOSE,
 * WN_ECATEGORY, WN_ECONSENT, WN_EUNKNOWN_PARTNER, WN_ETRANSPORT, WN_ESTATE (the
 * same document is being registered now). */
int wn_consent_refuse(wn_client *c, const char *document_json, const wn_actor *actor,
		      char consent_id[WN_ID_LEN + 1]);

/* Records a refusal as wn_consent_refuse() does and says which active
 * consents, given before it, it limits (Heerlen 8.2): from now on a request
 * or lookup on such a consent for what the refusal names is refused at this
 * node; what the refusal does not name stays usable. A refusal names the
 * purposes, recipients and sources it refuses and its categories (a special
 * class it names refuses that class; naming neither, every category).
 * *json_out: {consent, version, status, passed_on (to how many sources it
 * names the refusal is passed on, through the outbox), limits: [{consent,
 * whole}]} (whole: nothing of that consent is left usable, so revoke it;
 * limits is absent when the node could not list them); for a document
 * registered before {consent, version, status, registered_before: true}
 * (see wn_consent_refuse); release with free().
 * Errors: WN_EJSON (document_json is not a JSON object), WN_EBSN, WN_EPURPOSE,
 * WN_ECATEGORY, WN_ECONSENT, WN_EUNKNOWN_PARTNER, WN_ETRANSPORT, WN_ESTATE (the
 * same document is being registered now). */
int wn_consent_refuse_json(wn_client *c, const char *document_json, const wn_actor *actor,
			   char **json_out);

/* Revokes a consent this node registered. Every later request on it is
 * refused at once; disclosures logged before stay as they were. Only this
 * node presents the consent: with the broker out of reach the revocation
 * takes effect here all the same (0) and the broker is told once it answers.
 * A refusal this node registered is revoked the same way (the client
 * consents after all, Heerlen 8.2): from then on it limits nothing here,
 * and the broker and every source it was passed on to are told through the
 * outbox, where the source stops refusing on it too; what was refused on it
 * before stays refused.
 * Errors: WN_ENOTFOUND (this node does not hold it: the partner that
 * registered it revokes it), WN_EDENIED (a refusal another partner passed on
 * to this node: revoked there), WN_ECONSENT (it is not active, or the refusal
 * is revoked already), WN_ETRANSPORT. */
int wn_consent_revoke(wn_client *c, const char *consent_id, const wn_actor *actor);

/* Revokes as wn_consent_revoke() does and says what: *json_out {consent,
 * status, revoked_at, broker?, kind?, passed_on?} — for a refusal kind
 * "refusal" and passed_on, to how many sources its revocation is passed on;
 * broker "queued" when the broker is told later. Release with free().
 * Errors: WN_ENOTFOUND, WN_EDENIED, WN_ECONSENT, WN_ETRANSPORT (as
 * wn_consent_revoke()). */
int wn_consent_revoke_json(wn_client *c, const char *consent_id, const wn_actor *actor,
			   char **json_out);

typedef struct wn_consent_info {
	const char *id;
	const char *kind;        /* consent, refusal */
	const char *status;      /* active, revoked, refused, pending */
	const char *valid_from;  /* YYYY-MM-DD */
	const char *valid_until; /* YYYY-MM-DD, or NULL for a refusal */
	int64_t registered_at, revoked_at; /* ms; revoked_at 0 when not revoked */
} wn_consent_info;

typedef struct wn_consent_list {
	size_t count;
	wn_consent_info *items;
} wn_consent_list;

/* The consents this node holds, newest first; bsn (may be NULL) limits them
 * to one person. *out: wn_consent_list_free().
 * Errors: WN_EBSN. */
int wn_consents(wn_client *c, const char *bsn, wn_consent_list **out);

/* The consents and refusals this node holds as wn_consents() lists them,
 * with what each covers and what ties them: a refusal's "limits"
 * ([{consent, whole}]) names the consents given before it that it limits,
 * a consent's "limited_by" ([{refusal, on, whole}]) the refusals that
 * limit it since the date "on". *json_out: {consents: [{id, kind, status,
 * valid_from, valid_until?, registered_at, revoked_at?, taken_by_role,
 * purposes, recipients, sources, categories?, special?, limits?,
 * limited_by?}]}; release with free().
 * Errors: WN_EBSN. */
int wn_consents_json(wn_client *c, const char *bsn, char **json_out);
/* Frees l and every string it holds; NULL is ignored. */
void wn_consent_list_free(wn_consent_list *l);

/* ---- membership (r22, r23, r24) ----------------------------------------- */

/* A candidate partner's join request (Heerlen 15, Bijlage 4; Groningen 9.1),
 * sent by its own node, which adds its certificate and signs it.
 * request_json: {name, address (tls+tcp:// where the broker reaches the
 * node), clusters, role ("member", the default, "municipality" or
 * "incidental", optional: a municipality joins as any partner does), and the
 * accession declaration's organisation, representative, function, place,
 * date (YYYY-MM-DD), and covenant ("heerlen", the default, or "groningen":
 * the accession text signed, which must be the one of the federation's
 * covenant)}. The members decide under the federation's approval rule.
 * *json_out: {proposal, status, partner}; release with free().
 * WN_EEXISTS when a request is open already, or when the address is where
 * the broker reaches a partner or another candidate's open request names it;
 * WN_ELIMIT when admitting this node would make a default lookup ask more
 * partners than the policy's max_partners (the members raise it first).
 * Errors: WN_EJSON (request_json is not a JSON object), WN_ESCHEMA,
 * WN_ECLUSTER, WN_EEXISTS, WN_ELIMIT, WN_ECERT (this node's certificate is
 * not the federation CA's), WN_ETRANSPORT. */
int wn_member_join(wn_client *c, const char *request_json, char **json_out);

/* This node's own standing. A candidate: its join request {proposal, status
 * (open, approved, rejected, withdrawn), partner}. A partner: {partner,
 * membership (active, notice, suspended, ended, revoked), end_at? (ms: when
 * a notice ends it), proposal? and status? (the join request that admitted
 * it; absent for a founding partner)}. *json_out: release with free().
 * WN_EUNKNOWN_PARTNER when it is no partner and never asked.
 * Errors: WN_EUNKNOWN_PARTNER, WN_ETRANSPORT. */
int wn_member_status(wn_client *c, char **json_out);

/* Takes this node's open join request back (a wrong address or clusters):
 * closed as withdrawn, and a new one may be made. *json_out: {proposal,
 * status: withdrawn, partner}.
 * Errors: WN_ESTATE (the request is decided already), WN_EUNKNOWN_PARTNER
 * (this node never asked), WN_EEXISTS (this node is a partner already: a
 * member leaves by notice), WN_ETRANSPORT. */
int wn_member_withdraw(wn_client *c, char **json_out);

/* The federation's proposals (open first, with the votes cast; status open,
 * approved, rejected, withdrawn, or void when the partner it was about, or
 * the member that proposed a policy change, left before it was decided,
 * with the reason in its outcome), partners
 * with their status (active, notice with end_at, suspended, ended, revoked)
 * and the policy in force: {proposals, partners, policy}.
 * Errors: WN_EPENDING (this node's join request awaits the members),
 * WN_EUNKNOWN_PARTNER (it is no partner and never asked), WN_ETRANSPORT. */
int wn_member_list(wn_client *c, char **json_out);

/* This partner's vote on a proposal (a join, an immediate exit or a policy
 * change). WN_EEXISTS when it voted already, WN_ESTATE when the proposal
 * is decided, withdrawn or void (the partner it is about left the
 * federation; the message says why), WN_EDENIED when this partner does not
 * vote on it.
 * *json_out: {proposal, status, partner}.
 * Errors: WN_EEXISTS, WN_ESTATE, WN_EDENIED, WN_ENOTFOUND (no such proposal),
 * WN_ETRANSPORT. */
int wn_member_vote(wn_client *c, const wn_actor *actor, const char *proposal, int approve,
		   const char *reason, char **json_out);

/* This partner gives notice (Heerlen 14.2): its membership ends two months
 * (the policy's notice_months) later; from now on it is added to no new
 * case and asked in no new lookup by default, while its running cases
 * continue. immediate: also asks every other member to agree to an exit
 * now, also when under notice already; it may take that proposal back while
 * it is open (wn_member_exit_withdraw()), and the notice stands. *json_out:
 * {partner, status, end_at, proposal?, exit? ("not proposed" with exit_error
 * when the notice was given but the exit could not be proposed)}.
 * Errors: WN_ESTATE (not an active member; under notice, without immediate),
 * WN_EEXISTS (an exit is proposed already), WN_ETRANSPORT. */
int wn_member_notice(wn_client *c, const wn_actor *actor, int immediate, const char *reason,
		     char **json_out);

/* The municipality ends another partner's membership after consultation
 * (Groningen 10.2), with its reason. WN_EDENIED from any other partner.
 * Under the unanimous rule (Heerlen 17.2) it proposes the end instead:
 * *json_out {partner, status, proposal, exit: open}; every other member
 * votes (wn_member_vote), one rejection keeps the partner in; the
 * municipality may take its proposal back while it is open
 * (wn_member_exit_withdraw()).
 * Errors: WN_EDENIED, WN_EUNKNOWN_PARTNER, WN_ESTATE (partner ended or revoked
 * already), WN_EEXISTS (its end or exit is proposed already), WN_ETRANSPORT. */
int wn_member_end(wn_client *c, const wn_actor *actor, const char *partner, const char *reason,
		  char **json_out);

/* This member moved its node: the broker reaches it at address
 * (tls+tcp://host:port) from now on, and every node's directory says so;
 * start the node there first: the broker takes it only once the node
 * answers there as itself. No vote: the node is the member's own.
 * *json_out: {partner, address}.
 * Errors: WN_ESCHEMA (not tls+tcp://host:port), WN_EINVAL (the address in
 * force), WN_EEXISTS (another partner's address), WN_EUNAVAILABLE (the node
 * does not answer there), WN_ETRANSPORT. */
int wn_member_address(wn_client *c, const wn_actor *actor, const char *address,
		      char **json_out);

/* Proposes a change of the federation policy (Heerlen 17.2; Groningen 11.4):
 * policy_json names the keys it changes (approval_rule: unanimous or
 * municipality_and_majority, notice_months, max_consent_days, max_partners,
 * case_retention_days, notice_days, retention_days, clusters, data_sets; null
 * takes one back to its default); keys it leaves out keep their value. The
 * whole result is adopted as the next version once the members approve it
 * under the rule in force. *json_out: {proposal, status, partner, changes:
 * {key: {from?, to?}}, warning? (a shorter max_consent_days: how many
 * consents in force would lapse)}. Its proposer may take an open one back
 * (wn_policy_withdraw()).
 * Errors: WN_EJSON (policy_json is not a JSON object), WN_ESCHEMA, WN_ECLUSTER,
 * WN_EINVAL (it changes nothing), WN_EDENIED (an incidental partner proposes),
 * WN_EEXISTS (another policy change is open: one at a time), WN_ESTATE (it
 * moves a partner that left the federation between clusters), WN_ETRANSPORT. */
int wn_policy_propose(wn_client *c, const wn_actor *actor, const char *policy_json,
		      char **json_out);

/* Takes back a policy change this partner proposed, while it is open. It is
 * closed as withdrawn (a mistake, say), with reason (may be NULL) in its
 * outcome and the audit log; the members see it, and a new change can be
 * proposed. Only the proposer withdraws; the others reject it
 * (wn_member_vote()).
 * *json_out: {proposal, status: withdrawn, partner (the version it was to
 * make, policy-vN)}.
 * Errors: WN_ENOTFOUND (no such proposal), WN_EINVAL (a join or exit, not a
 * policy change), WN_EDENIED (another partner proposed it), WN_ESTATE (it is
 * decided, withdrawn or void already), WN_ETRANSPORT. */
int wn_policy_withdraw(wn_client *c, const wn_actor *actor, const char *proposal,
		       const char *reason, char **json_out);

/* Takes back an exit this partner proposed, while it is open: its own
 * immediate exit (wn_member_notice() with immediate; its notice stands, and
 * it may propose the exit again), or, as the municipality, its proposal to
 * end another's membership (wn_member_end()). It is closed as withdrawn,
 * with reason (may be NULL) in its outcome and the audit log; the members
 * see it. Only the proposer withdraws; the others reject it
 * (wn_member_vote()).
 * *json_out: {proposal, status: withdrawn, partner (whose exit it was)}.
 * Errors: WN_ENOTFOUND (no such proposal), WN_EINVAL (a join or policy
 * change, not an exit), WN_EDENIED (another partner proposed it), WN_ESTATE
 * (it is decided, withdrawn or void already), WN_ETRANSPORT. */
int wn_member_exit_withdraw(wn_client *c, const wn_actor *actor, const char *proposal,
			    const char *reason, char **json_out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif /* WIJKNET_H */
