/*
 * People who sign in (docs/desk.md, "People"): a user account per person,
 * named after one of our contacts ([contact "ID"] in parley.conf), with a
 * role as tokens have, a password (libsodium crypto_pwhash_str, Argon2id)
 * and a TOTP second factor (crypto/totp.h).  A sign-in with both gives a
 * session: a bearer token bound to that person (its name is theirs, so
 * the desk knows who acts: node/desk.h) that expires.  Every attempt is
 * in the sign-in audit.
 */
#ifndef PX_API_USERS_H
#define PX_API_USERS_H

#include <stdint.h>

#include "node/node.h"

/* How long a session lasts: one duty shift. */
#define PX_SESSION_MS (8 * 3600 * 1000LL)

/* Adds the user `name` with `role` and `password` (8 to 1024 bytes).
 * *totp (heap, base32) gets the new TOTP secret to enrol in an
 * authenticator app.  PX_ENOTFOUND when `name` is not one of our
 * contacts, PX_ECONFLICT when the user exists. */
PX_MUST_CHECK int px_user_add(struct px_node *n, const char *name,
    const char *role, const char *password, int64_t now, char **totp);

/* Signs `name` in with `password` and the six-digit `code`.  *token
 * (heap) gets a session token valid until *expires.  A wrong name or
 * password is one message (PX_EINVAL, saying neither); a wrong or
 * replayed code says so.  Each attempt is recorded in the audit. */
PX_MUST_CHECK int px_user_signin(struct px_node *n, const char *name,
    const char *password, const char *code, int64_t now, char **token,
    int64_t *expires);

/* Ends the session `token` (PX_ENOTFOUND if it is not a session). */
PX_MUST_CHECK int px_user_signout(struct px_node *n, const char *token);

/* The audit's detail for a password changed. */
#define PX_AUDIT_PASSWORD "password changed"

/* Changes `name`'s password to `password` (8 to 1024 bytes), given the
 * `old` one and a fresh one-time `code`; ends their sessions other than
 * `keep` (a session token, or NULL for all).  A refused attempt is in the
 * audit as "password change refused: why"; a change as PX_AUDIT_PASSWORD. */
PX_MUST_CHECK int px_user_password(struct px_node *n, const char *name,
    const char *old, const char *code, const char *password, const char *keep,
    int64_t now);

#endif
