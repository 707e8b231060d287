/*
 * The connection gate: what the HTTPS server tolerates from clients that
 * are not (yet) known, so that anyone who can reach the port cannot take
 * capacity from pinned peers.  docs/transport.md section 6 says it for
 * operators.
 *
 * A connection is one of:
 *   - unauthenticated: no complete request yet, an idle keep-alive
 *     connection between requests, or a request that neither a pinned
 *     peer nor a valid token made.  These live in a bounded pool: at most
 *     `unauth_max` in all and `unauth_per_addr` from one address (an IPv4
 *     address, or an IPv6 /64), and each has an absolute deadline that no
 *     trickle of bytes extends: `header_ms` from accept to complete
 *     request headers (TLS handshake included), `idle_ms` from the end of
 *     a request to the next one's headers or to the end of an
 *     unauthenticated request.  When the pool is full a new connection is
 *     never refused: the unauthenticated connection of its own address
 *     that has made no progress for longest goes first, else that of the
 *     address holding most.  Progress is a complete TLS handshake
 *     message, complete request headers or an answer sent: a client on
 *     its way keeps its place ahead of clients that stall.
 *   - trusted for a request: a request whose bearer token was accepted;
 *     out of the pool until its answer is sent.
 *   - a pinned peer's: the client proved a pinned certificate (in the TLS
 *     handshake, or on a request).  Never evicted, no gate deadline after
 *     its first request; at most `peer_conns` per certificate (more are
 *     treated as unauthenticated).
 *
 * The gate knows sockets, addresses and a clock, not HTTP: the server
 * tells it what happens (open, peer, request, done, close) and it closes
 * connections by shutdown(2) of their socket.  It never close(2)s one: the
 * owner (libmicrohttpd) reports the close (px_gate_close) before it
 * closes the descriptor, and the gate forgets a connection under the same
 * lock it uses to shut sockets down, so a descriptor number is never
 * reused under it.
 *
 * It also keeps serve.log readable under a flood: what it closes is
 * summed up per source address, at most one line per source a minute and
 * a few lines a minute in all (px_gate_say_source), and repeated messages
 * of the HTTP library are rate-limited (px_gate_say_lib).
 *
 * Threads: every function may be called from any thread; one mutex.  A
 * watchdog thread enforces the deadlines every 100 ms and writes the
 * summaries.
 */
#ifndef PX_GATE_H
#define PX_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/err.h"

struct px_gate_config {
	unsigned unauth_max;      /* unauthenticated connections in all */
	unsigned unauth_per_addr; /* of them from one address */
	unsigned peer_conns;      /* kept per pinned certificate */
	unsigned header_ms;       /* accept to complete request headers */
	unsigned idle_ms;         /* keep-alive wait, unauthenticated request */
	/* One line for the operator (no newline); may be NULL. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
	/* For tests: the clock (ms, monotonic); NULL is CLOCK_MONOTONIC. */
	int64_t (*now_ms)(void *arg);
	void *now_arg;
	/* For tests: 0 starts the watchdog thread; 1 leaves deadlines and
	 * summaries to px_gate_tick. */
	int no_thread;
};

/* Counters since start and the current figures. */
struct px_gate_stats {
	unsigned long open;         /* connections now */
	unsigned long unauth;       /* of them in the pool */
	unsigned long peers;        /* of them a pinned peer's */
	unsigned long evicted;      /* closed to make room, since start */
	unsigned long timed_out;    /* closed at their deadline */
	unsigned long early_closed; /* ended by the client before a request */
	unsigned long lib_messages; /* library messages not logged */
	unsigned long log_lines;    /* lines written */
};

struct px_gate;
struct px_gate_conn;

/* Checks the configuration (every limit > 0, per-address <= total) and
 * starts the gate; PX_EINVAL naming the bad field. */
PX_MUST_CHECK int px_gate_new(
    struct px_gate **out, const struct px_gate_config *c);
/* Stops the watchdog and frees the gate; every connection must have been
 * closed.  NULL is a no-op. */
void px_gate_free(struct px_gate *g);

/*
 * A connection was accepted on socket `fd` from `sa`: it enters the pool,
 * evicting as described above when the pool or its address is full.
 * Returns its handle (never NULL), valid until px_gate_close.
 */
struct px_gate_conn *px_gate_open(
    struct px_gate *g, int fd, const struct sockaddr *sa, socklen_t salen);

/* The client proved certificate `fp`, which the application says is
 * pinned: the connection leaves the pool unless the certificate already
 * has peer_conns connections.  Returns true if it is now a peer's. */
bool px_gate_peer(struct px_gate *g, struct px_gate_conn *c, const char *fp);

/* The client made progress short of a request (a complete TLS
 * handshake message): it moves behind every stalled connection in the
 * pool.  Its deadline stays. */
void px_gate_progress(struct px_gate *g, struct px_gate_conn *c);

/* Request headers are complete.  `trusted`: a pinned peer or an accepted
 * token made it (out of the pool until px_gate_done). */
void px_gate_request(struct px_gate *g, struct px_gate_conn *c, bool trusted);

/* The request's answer was sent (or the request ended): an unauthenticated
 * or token connection waits in the pool for its next request. */
void px_gate_done(struct px_gate *g, struct px_gate_conn *c);

/* The owner is about to close the socket: forget the connection. */
void px_gate_close(struct px_gate *g, struct px_gate_conn *c);

/* The client's address as text ("203.0.113.7", "2001:db8::1"). */
const char *px_gate_addr(const struct px_gate_conn *c);

/*
 * A message of the HTTP library, keyed by its format (the same format is
 * the same kind of event): the first of a kind is logged, the rest of the
 * minute counted and summed up in one line.  TLS handshake failures are
 * never logged one by one: the per-source lines say what happened.
 */
void px_gate_say_lib(struct px_gate *g, const char *fmt, const char *msg);

/* A message of the server's own that a client can cause again and again
 * (a handler failure, a body dropped): `kind` (a static string, compared
 * by address) keys the same rate limit as px_gate_say_lib. */
void px_gate_say_kind(struct px_gate *g, const char *kind, const char *msg);

/* Enforces deadlines and writes due summaries now (the watchdog calls
 * this every 100 ms; tests with no_thread call it themselves). */
void px_gate_tick(struct px_gate *g);

void px_gate_stats(struct px_gate *g, struct px_gate_stats *out);

#endif
