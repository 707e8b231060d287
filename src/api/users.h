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

/* Every refused sign-in has this one message, whatever was wrong (the
 * name, the password or the code), so that an attacker cannot tell a
 * right password from a wrong one; the audit keeps the true reason. */
#define PX_SIGNIN_REFUSED                                                    \
	"wrong user name, password or one-time code (or the device's clock " \
	"is off by more than 30 seconds)"

/* Throttling: after PX_SIGNIN_FREE failed attempts in a row for a name
 * (known or not), the name is locked PX_SIGNIN_LOCK_MS from the last
 * failure, doubling with each further failure up to PX_SIGNIN_LOCK_MAX_MS;
 * a success ends the streak.  Attempts refused by the lock are audited
 * as PX_AUDIT_LOCKED and do not lengthen it; nothing secret is checked
 * for them. */
#define PX_SIGNIN_FREE        5
#define PX_SIGNIN_LOCK_MS     (30 * 1000LL)
#define PX_SIGNIN_LOCK_MAX_MS (15 * 60 * 1000LL)
#define PX_AUDIT_LOCKED       "refused unchecked: too many failed sign-ins"

/* How long `name` is locked at `now` into *wait_ms (0: not locked).
 * Returns 0, or the store's error. */
PX_MUST_CHECK int px_user_locked(
    struct px_node *n, const char *name, int64_t now, int64_t *wait_ms);

/* Signs `name` in with `password` and the six-digit `code`.  *token
 * (heap) gets a session token valid until *expires.  Refused: PX_EINVAL
 * with PX_SIGNIN_REFUSED whatever was wrong, or, while the name is
 * locked, PX_ECONFLICT with *wait_ms > 0.  An unknown name costs the same
 * Argon2id check as a known one.  Each attempt is recorded in the audit
 * with its true reason. */
PX_MUST_CHECK int px_user_signin(struct px_node *n, const char *name,
    const char *password, const char *code, int64_t now, char **token,
    int64_t *expires, int64_t *wait_ms);

/* Ends the session `token` (PX_ENOTFOUND if it is not a session). */
PX_MUST_CHECK int px_user_signout(struct px_node *n, const char *token);

/* The audit's detail for a password changed. */
#define PX_AUDIT_PASSWORD "password changed"

/* Changes `name`'s password to `password` (8 to 1024 bytes), given the
 * `old` one and a fresh one-time `code`; ends their sessions other than
 * `keep` (a session token, or NULL for all).  A refused attempt is in the
 * audit as "password change refused: why", refused as px_user_signin's
 * are (and counted in the same streak: *wait_ms); a change as
 * PX_AUDIT_PASSWORD. */
PX_MUST_CHECK int px_user_password(struct px_node *n, const char *name,
    const char *old, const char *code, const char *password, const char *keep,
    int64_t now, int64_t *wait_ms);

#endif
