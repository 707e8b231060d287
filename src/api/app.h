/*
 * The serving node's application state, shared by every route handler and
 * background worker of `parley serve`.
 *
 * Threads: the HTTP server runs handlers on its own worker threads; each
 * thread opens its own node handle (px_app_node), because a SQLite
 * connection is used by one thread at a time.  Writes that must be fast
 * and durable go through one writer thread (px_app_send) that commits the
 * messages of many concurrent requests in one transaction: group commit.
 *
 * How to add an API resource: write src/api/<resource>.c with its
 * handlers and a `const struct px_route px_routes_<resource>[]` table, and
 * list it in routes.c.
 */
#ifndef PX_APP_H
#define PX_APP_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "net/http.h"
#include "node/metrics.h"
#include "node/node.h"

enum px_role {
	PX_ROLE_VIEWER,
	PX_ROLE_ANALYST,
	PX_ROLE_DUTY,
	PX_ROLE_ADMIN,
	PX_ROLE__N
};
extern const char *const px_role_names[PX_ROLE__N];

struct px_outbox;
struct px_xfer;

struct px_sendq;
struct px_rowcache;
struct px_feedrun;

struct px_app {
	char *dir;
	char *name;
	atomic_uint gen;     /* bumped by SIGHUP: threads reopen their node */
	atomic_uint revoked; /* bumped when a session ends: threads forget
	                        the token they remember */
	struct px_sendq *sendq;
	struct px_outbox *outbox;
	struct px_xfer *xfer;       /* evidence transfers (node/transfer.h) */
	struct px_metrics *metrics; /* node/metrics.h; owned */
	/* The HTTPS server serving this app, for its connection figures in
	 * /metrics; set once it has started (NULL before). */
	struct px_http_server *_Atomic http;
	int64_t started_ms;
	struct px_rowcache *rows; /* case-list rows, shared by all threads */
	struct px_feedrun *feeds; /* the feeds thread (serve), or NULL */
};

/* Opens the app for the node in `dir` (checks it opens) and starts the
 * writer thread. */
PX_MUST_CHECK int px_app_new(struct px_app **out, const char *dir);
void px_app_free(struct px_app *a);
/* This thread's node handle (opened on first use, reopened after a
 * reload); NULL with the error set if the node cannot be opened. */
struct px_node *px_app_node(struct px_app *a);
/* Asks every thread to reopen its node (config reload). */
void px_app_reload(struct px_app *a);
/* The hex SHA-256 of a bearer token: how the store keys tokens and
 * sessions. */
void px_app_token_hash(char hex[65], const char *token);
/* Tells every thread that a token or session has ended, so none accepts
 * it from what it remembers (px_app_token_role). */
void px_app_revoked(struct px_app *a);

/* Sends one message through the group-commit writer and waits for it:
 * like px_node_send, but durable together with the messages of other
 * requests committed in the same batch.  *out gets the message. */
PX_MUST_CHECK int px_app_send(struct px_app *a, const char *peer,
    const char *case_ref, enum px_msg_type type, json_t *body,
    struct px_msg **out);
/* px_app_send, and *state (may be NULL) gets the case's state with the
 * message applied (px_node_send_state). */
PX_MUST_CHECK int px_app_send_state(struct px_app *a, const char *peer,
    const char *case_ref, enum px_msg_type type, json_t *body,
    struct px_msg **out, enum px_state *state);

/* The role a bearer token grants, or -1 (with why) if none. */
int px_app_token_role(
    struct px_app *a, const char *token, char *why, size_t whylen);
/* The name (heap, caller frees) and role of a bearer token, looked up
 * afresh (no cache); PX_ENOTFOUND for an unknown or revoked token. */
PX_MUST_CHECK int px_app_token(
    struct px_app *a, const char *token, char **name, int *role);
/* The pinned peer whose TLS certificate has fingerprint `fp`, or NULL
 * (heap string). */
char *px_app_peer_by_fp(struct px_app *a, const char *fp);

/* This thread's cache of rendered case views: a view is valid while the
 * case's stamp (store case_stamp) is unchanged and until `valid_until`
 * (the next clock deadline, when a clock's state changes by itself).
 * px_app_view_get returns a heap copy of the text and its ETag, or NULL. */
char *px_app_view_get(struct px_app *a, const char *id, int64_t stamp,
    int64_t now, char etag[80]);
void px_app_view_put(struct px_app *a, const char *id, int64_t stamp,
    int64_t valid_until, const char *text, const char *etag);

/* The cache of case-list rows (GET /api/v1/cases), shared by every
 * thread: a console polls the list every few seconds, and replaying ten
 * thousand cases for each poll would take a second.  A row is valid while
 * its case's stamp (cases.updated_ms, raised by every message and
 * receipt), its peer's stamp (peers.updated_ms, raised by a card or
 * agreement change) and the configuration generation are unchanged, and
 * until `valid_until` (the next clock deadline).  px_app_row_get appends
 * the row's text to `out` and sets *overdue on a hit (returns 1), else
 * returns 0; the cache keeps a bounded number of rows. */
int px_app_row_get(struct px_app *a, const char *id, int64_t stamp,
    int64_t peer_stamp, int64_t now, struct px_buf *out, bool *overdue);
void px_app_row_put(struct px_app *a, const char *id, int64_t stamp,
    int64_t peer_stamp, int64_t valid_until, bool overdue, const char *text);

#endif
