/*
 * secret.h — wiping what must not outlive its use: keys and BSNs held in
 * JSON values once they are sealed, hashed or stored.
 */
#ifndef WN_SECRET_H
#define WN_SECRET_H

#include <jansson.h>

/* Overwrites the string obj[key] in place (jansson keeps it until the
 * value's last reference goes); nothing when absent or not a string. */
void secret_wipe_member(const json_t *obj, const char *key);

/* Overwrites every string inside v, at any depth (a parsed document that
 * held a motivation or other dossier text). */
void secret_wipe_all(const json_t *v);

/* Overwrites the subject's BSN inside a consent object {document: {subject:
 * {bsn}}}: called when the last user of the object lets go. */
void secret_wipe_consent(const json_t *object);

#endif
