/*
 * refusal.h — a refusal the client gives one partner reaches the sources it
 * names (Heerlen 8.2, 10.3): the partner that registered it passes it on,
 * sealed, through the broker; each source keeps it and from then on refuses
 * what it withdraws from a consent another partner holds and presents. Its
 * revocation travels the same way, as the same refusal.notice with the
 * moment it was revoked: each source then stops refusing on it.
 */
#ifndef WN_REFUSAL_H
#define WN_REFUSAL_H

#include <jansson.h>

#include "db.h"
#include "directory.h"

struct node;

/* Queues the refusal (its signed object) and the person's BSN for every
 * source it names but this node, in the outbox, inside the caller's writer
 * transaction (the one that marks it refused or revoked, so that it stands
 * and is passed on together or not at all): delivered through the broker,
 * tried again until the source took it (outbox_kick after the commit).
 * revoked_at (ms; 0 for the refusal itself) passes on its revocation.
 * *queued says for how many. 0 or WN_EDB/WN_ENOMEM. */
int refusal_forward_locked(db *d, struct node *n, const json_t *object, const char *bsn,
			   int64_t revoked_at, int *queued);

/* Inbound refusal.notice from sender: opens it, checks that sender
 * registered and signed it, that it is about the person named and names
 * this node as a source, keeps it (consent_store_received) — revoked, when
 * it names the moment its holder revoked it and sender passed it on — and
 * answers a signed refusal.notice.ack sealed to the sender. 0 or an error
 * with err. */
int refusal_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		    json_t **reply, char *err, size_t errcap);

/* consent.revoke of a refusal this node registered (object, its signed
 * object; status, its row's): marked revoked here, from now on limiting
 * nothing, with its revocation queued for the broker and the sources it was
 * passed on to in the same transaction. The local API's reply. */
json_t *refusal_revoke(struct node *n, const char *id, const char *status, const json_t *object,
		       const json_t *actor);

#endif
