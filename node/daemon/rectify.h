/*
 * rectify.h — a correction, completion, deletion or shielding carried out is
 * passed on to those the data went to (AVG art. 19, Wbp art. 38, G-P 8.3).
 * The partner that carries it out finds, in its own disclosure log, the
 * partners it disclosed the person's data in the categories covered to, and
 * passes each a rights.notice, sealed to it and signed, through the broker;
 * a third party (no node to reach) is recorded as to be informed. The
 * recipient checks that the sender disclosed that person's data to it in
 * the requests named, keeps the notice and shows it to its professional.
 */
#ifndef WN_RECTIFY_H
#define WN_RECTIFY_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "directory.h"
#include "store.h"

struct node;

/* Schema 30: at the partner that carried a request out, whom it informed
 * or is to inform (informed: notice, passed on through the outbox; to_inform,
 * a third party, or a partner when no record was left to name the person
 * by); at a recipient, the notices it received; at the municipality, each
 * partner's recipients as its decision reported them. */
#define RECTIFY_SCHEMA                                                                  \
	"CREATE TABLE rights_recipients (id TEXT PRIMARY KEY, request_id TEXT NOT NULL," \
	" recipient TEXT NOT NULL, third_party INTEGER NOT NULL, categories TEXT NOT NULL," \
	" requests TEXT NOT NULL, informed TEXT NOT NULL CHECK (informed IN ('notice',"  \
	" 'to_inform')), created_at INTEGER NOT NULL, UNIQUE (request_id, recipient));"  \
	"CREATE TABLE rights_notices (id TEXT NOT NULL, sender TEXT NOT NULL,"          \
	" request_id TEXT NOT NULL, kind TEXT NOT NULL, categories TEXT NOT NULL,"      \
	" requests TEXT NOT NULL, text TEXT, subject_index BLOB NOT NULL, case_id TEXT," \
	" executed_at INTEGER NOT NULL, received_at INTEGER NOT NULL,"                  \
	" PRIMARY KEY (sender, id));"                                                    \
	"ALTER TABLE client_rights_partners ADD COLUMN recipients TEXT;"

/* Schema 32: a notice passed on follows its delivery (the outbox item of
 * the same id: queued, delivered, or failed when given up), so nobody is
 * said to be informed before it is; a recipient keeps whether the change
 * itself was withheld from it (ask_partner: it received less than the
 * request covers). An item gone from the outbox was delivered: only
 * delivered ones were purged before. */
#define RECTIFY_DELIVERY_SCHEMA                                                          \
	"ALTER TABLE rights_recipients ADD COLUMN delivery TEXT CHECK (delivery IN"      \
	" ('queued', 'delivered', 'failed'));"                                          \
	"ALTER TABLE rights_recipients ADD COLUMN delivery_at INTEGER;"                  \
	"UPDATE rights_recipients SET delivery = coalesce((SELECT CASE WHEN o.sent_at"   \
	" IS NOT NULL THEN 'delivered' WHEN o.failed_at IS NOT NULL THEN 'failed' ELSE"  \
	" 'queued' END FROM outbox o WHERE o.id = rights_recipients.id), 'delivered'),"  \
	" delivery_at = (SELECT coalesce(o.sent_at, o.failed_at) FROM outbox o WHERE"    \
	" o.id = rights_recipients.id) WHERE informed = 'notice';"                       \
	"ALTER TABLE rights_notices ADD COLUMN ask_partner INTEGER NOT NULL DEFAULT 0;"

/* Schema 33: a recipient records that it carried a notice out (who, when,
 * its own note) and tells the sender; the sender keeps when its recipient
 * said so (carried_out_at). */
#define RECTIFY_DONE_SCHEMA                                                              \
	"ALTER TABLE rights_notices ADD COLUMN done_at INTEGER;"                         \
	"ALTER TABLE rights_notices ADD COLUMN done_by TEXT;"                            \
	"ALTER TABLE rights_notices ADD COLUMN done_by_role TEXT;"                       \
	"ALTER TABLE rights_notices ADD COLUMN done_note TEXT;"                          \
	"ALTER TABLE rights_recipients ADD COLUMN carried_out_at INTEGER;"

/* Schema 36: at the municipality, each recipient a partner's notice reached
 * that carried it out, as the partner said so (AVG 19: the municipality
 * can tell the client it was done). */
#define RECTIFY_REPORT_SCHEMA                                                            \
	"CREATE TABLE client_rights_carried_out (request_id TEXT NOT NULL"               \
	" REFERENCES client_rights(id) ON DELETE CASCADE, partner TEXT NOT NULL,"        \
	" recipient TEXT NOT NULL, notice_id TEXT NOT NULL, carried_out_at INTEGER"      \
	" NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (request_id, partner,"     \
	" recipient));"

/* The requests named in one notice, at most: the newest, when there are more. */
#define RECTIFY_REQUESTS_MAX 64

/* A request carried out, as the partner passes it on. */
struct rectify_source {
	const char *request_id; /* the client's rights request */
	const char *kind;
	const json_t *categories; /* those it covers; NULL: every one */
	const char *text;         /* what is to be changed (correction, completion) */
	const uint8_t *index;     /* the person's pseudonym here */
	const char *bsn;          /* NULL when no record of the person is left here */
	int64_t executed_at;
};

/* 1 when a request of this kind carried out is passed on to the recipients
 * (AVG 16-18: correction, completion, deletion, shielding). */
int rectify_kind_passed_on(const char *kind);

/* Inside the caller's writer transaction (the one that records the request
 * carried out, so both stand or neither): records each recipient of the
 * person's data in the categories covered and queues a rights.notice for
 * each partner among them in the outbox (outbox_kick after the commit).
 * *recipients: [{partner, third_party, informed}] (json_decref), empty when
 * nothing was disclosed. 0 or WN_EDB/WN_ENOMEM. */
int rectify_forward_locked(db *d, struct node *n, const struct rectify_source *s,
			   json_t **recipients);

/* Whom this node informed or is to inform of request id carried out, for
 * its professional (rights.show): [{partner, third_party, informed,
 * categories, delivery, delivery_at, carried_out_at}]; delivery is
 * carried_out once the recipient said it carried the notice out. NULL when
 * there is nobody. */
json_t *rectify_recipients_of(db *d, const char *id);

/* Inside the outbox's writer transaction: the notice passed on under
 * outbox item id is now delivery ("queued", "delivered", "failed"); an item
 * of another kind changes nothing. 0 or WN_EDB. */
int rectify_delivery_locked(db *d, const char *id, const char *delivery);

/* Inbound rights.notice from sender: opens it, checks that sender signed it
 * for itself and that each request named is one this node sent sender about
 * the person named, keeps it for the requests sender disclosed in and the
 * categories they brought, and answers a signed rights.notice.ack. A
 * request this node's log no longer shows as disclosed (it timed out here,
 * or retention emptied the row) is left out, not refused. 0 or an error
 * with err (a security event at the caller): a request never sent to
 * sender, or about another person, or nothing of the notice verified. */
int rectify_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		    json_t **reply, char *err, size_t errcap);

/* Local API rights.notices: the notices this node received, newest first,
 * for the professional rq's actor names; the reading is a ledger entry
 * (rights.notices.read) committed before anything is shown. */
json_t *rectify_list(struct node *n, const json_t *rq);

/* Local API rights.notice.done (rectify_done.c): the professional rq's
 * actor names records that this node carried out notice rq.id (of partner
 * rq.from, when two sent one under that id) on its own copy: a ledger entry
 * rights.notice.done naming them and the notice, and, in the same
 * transaction, a rights.notice.done queued in the outbox for the sender.
 * WN_ENOTFOUND for a notice not held here, WN_ESTATE for one done before. */
json_t *rectify_done(struct node *n, const json_t *rq);

/* The body of an inbound rights.notice or rights.notice.done, sealed to
 * this node by a sender that publishes a sealing key to answer to. 0 with
 * *body (the caller's to free), or WN_ESTATE / WN_ESEAL with err. */
int rectify_open_sealed(struct node *n, const json_t *env, const struct dir_peer *sender,
			json_t **body, char *err, size_t errcap);

/* Inbound rights.notice.done from sender (rectify_done.c): opens it, checks
 * that sender signed it for itself and is the recipient this node passed
 * that notice on to, records when it carried it out (the notice's delivery
 * is then carried_out) and answers a signed rights.notice.done.ack. 0 or
 * an error with err (a security event at the caller; nothing is kept). */
int rectify_done_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			 json_t **reply, char *err, size_t errcap);

/* Inside the writer transaction that records that recipient carried out
 * notice (of rights request request, at time at): tells the municipality
 * that sent the request, through the outbox (a rights.carried_out, sealed
 * to it, signed), or records it here when this node is that municipality.
 * told: the outbox item's id, or "" when nothing was queued (recorded here,
 * or the request no longer held). 0 or WN_EDB/WN_ENOMEM. */
int rectify_report_locked(db *d, struct node *n, const char *request, const char *recipient,
			  const char *notice, int64_t at, char told[33]);

/* At the municipality: inbound rights.carried_out from sender (a partner it
 * sent the request to): checks that sender signed it for itself and that
 * its decision named the recipient as informed by a notice, records when
 * it was carried out and answers a signed rights.carried_out.ack. A word
 * about a request this node did not send sender, or a recipient its
 * decision did not name, is refused (WN_EDENIED, a security event at the
 * caller); one whose decision is still on its way is WN_ESTATE (tried
 * again). */
int rectify_report_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			   json_t **reply, char *err, size_t errcap);

/* For rights.status: sets carried_out_at on each of recipients (partner's
 * recipients of request, as its decision named them) that said it carried
 * the notice out. */
void rectify_report_attach(db *d, const char *request, const char *partner,
			   json_t *recipients);

#endif
