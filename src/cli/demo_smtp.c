/*
 * The demo's SMTP receiver (cli/demo_smtp.h).  The session is a pure state
 * machine over lines, so that the fuzz target drives exactly what a
 * network client would; the thread around it only moves bytes and files
 * finished messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/demo_smtp.h"
#include "util/util.h"

void
px_smtp_session_init(struct px_smtp_session *s)
{
	memset(s, 0, sizeof(*s));
	px_buf_init(&s->data, PX_SMTP_DATA_MAX);
}

void
px_smtp_session_dispose(struct px_smtp_session *s)
{
	px_buf_dispose(&s->data);
}

static void
envelope_reset(struct px_smtp_session *s)
{
	s->from[0] = '\0';
	s->nrcpt = 0;
	s->too_big = false;
	s->message = false;
	px_buf_reset(&s->data);
	if (s->state != PX_SMTP_START)
		s->state = PX_SMTP_GREETED;
}

void
px_smtp_session_filed(struct px_smtp_session *s)
{
	envelope_reset(s);
}

/* Appends one reply line.  The buffer holds 1 MiB, more than the replies
 * to one read of input: a reply past it is dropped, and the client, left
 * waiting, gives up; nothing else is affected. */
static void
reply(struct px_buf *r, const char *text)
{
	if (px_buf_adds(r, text) == 0 && px_buf_adds(r, "\r\n") < 0)
		r->data[r->len -= strlen(text)] = '\0';
}

/* Does `line` start with the command `cmd` (case-insensitive), followed
 * by the end or a space?  (For "MAIL FROM:" the colon is part of cmd.) */
static bool
is_cmd(const char *line, size_t len, const char *cmd)
{
	size_t n = strlen(cmd);

	if (len < n || strncasecmp(line, cmd, n) != 0)
		return false;
	return len == n || line[n] == ' ' || cmd[n - 1] == ':';
}

/* The path of "MAIL FROM:<a@b> PARAMS" or "RCPT TO:<a@b>" after the
 * command: printable ASCII between angle brackets, no brackets or
 * spaces inside; parameters after it are ignored.  0, or -1 if bad. */
static int
take_path(char *out, const char *p, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && p[i] == ' ')
		i++;
	if (i >= len || p[i] != '<')
		return -1;
	for (i++; i < len && p[i] != '>'; i++, n++) {
		unsigned char c = (unsigned char)p[i];

		if (n >= PX_SMTP_ADDR_MAX || c <= ' ' || c >= 0x7f || c == '<')
			return -1;
		out[n] = (char)c;
	}
	if (i >= len)
		return -1;
	out[n] = '\0';
	return 0;
}

static void
data_line(
    struct px_smtp_session *s, const char *line, size_t len, struct px_buf *r)
{
	if (len == 1 && line[0] == '.') {
		if (s->too_big) {
			reply(r, "552 message too big for the demo relay");
			envelope_reset(s);
			return;
		}
		s->message = true;
		s->state = PX_SMTP_GREETED;
		reply(r, "250 filed");
		return;
	}
	/* Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled. */
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	if (!s->too_big &&
	    (px_buf_add(&s->data, line, len) < 0 ||
	        px_buf_add(&s->data, "\r\n", 2) < 0))
		s->too_big = true;
}

void
px_smtp_session_line(
    struct px_smtp_session *s, const char *line, size_t len, struct px_buf *r)
{
	if (s->state == PX_SMTP_DATA) {
		data_line(s, line, len, r);
		return;
	}
	if (is_cmd(line, len, "HELO") || is_cmd(line, len, "EHLO")) {
		envelope_reset(s);
		s->state = PX_SMTP_GREETED;
		reply(r, "250 parley demo relay");
	} else if (is_cmd(line, len, "QUIT")) {
		s->done = true;
		reply(r, "221 bye");
	} else if (is_cmd(line, len, "NOOP")) {
		reply(r, "250 ok");
	} else if (is_cmd(line, len, "RSET")) {
		envelope_reset(s);
		reply(r, "250 ok");
	} else if (is_cmd(line, len, "MAIL FROM:")) {
		if (s->state != PX_SMTP_GREETED)
			reply(r, "503 say HELO first, one message at a time");
		else if (take_path(s->from, line + 10, len - 10) < 0)
			reply(r, "501 give the sender as MAIL FROM:<address>");
		else {
			s->state = PX_SMTP_MAIL;
			reply(r, "250 ok");
		}
	} else if (is_cmd(line, len, "RCPT TO:")) {
		if (s->state != PX_SMTP_MAIL && s->state != PX_SMTP_RCPT)
			reply(r, "503 MAIL FROM first");
		else if (s->nrcpt >= PX_SMTP_RCPT_MAX)
			reply(r, "452 too many recipients");
		else if (take_path(s->rcpt[s->nrcpt], line + 8, len - 8) < 0 ||
		    s->rcpt[s->nrcpt][0] == '\0')
			reply(r, "501 give the recipient as RCPT TO:<address>");
		else {
			s->nrcpt++;
			s->state = PX_SMTP_RCPT;
			reply(r, "250 ok");
		}
	} else if (is_cmd(line, len, "DATA")) {
		if (s->state != PX_SMTP_RCPT)
			reply(r, "503 RCPT TO first");
		else {
			s->state = PX_SMTP_DATA;
			reply(r, "354 end with a line holding only .");
		}
	} else {
		reply(r, "502 not implemented by the demo relay");
	}
}

/* At most this many clients at once, each in a thread of its own, so a
 * client that stalls does not hold up the nodes' mail. */
#define CLIENTS_MAX 8

struct px_demo_smtp {
	int fd;
	char *dir;
	pthread_t thread;
	pthread_mutex_t file_mu; /* one message numbered and filed at a time */
	unsigned next; /* the lowest number not yet known to be taken */
	atomic_bool stop;
	atomic_uint filed;
	atomic_int clients;
};

struct client {
	struct px_demo_smtp *r;
	int fd;
};

/* Writes the message as dir/NNNN.eml (the first number free), with the
 * envelope in Return-Path and X-Envelope-To before its own headers. */
static void
file_message(struct px_demo_smtp *r, struct px_smtp_session *s)
{
	struct px_buf m;

	pthread_mutex_lock(&r->file_mu);
	px_buf_init(&m, PX_BUF_NOCAP);
	px_buf_putf(&m, "Return-Path: <%s>\r\n", s->from);
	for (int i = 0; i < s->nrcpt; i++)
		px_buf_putf(&m, "X-Envelope-To: <%s>\r\n", s->rcpt[i]);
	px_buf_put(&m, s->data.data, s->data.len);
	/* Numbers below `next` are taken (by us, or by an earlier run's
	 * files found on the way): each message stats only from there. */
	for (unsigned k = r->next > 0 ? r->next : 1; k < 100000; k++) {
		char *path = px_asprintf("%s/%04u.eml", r->dir, k);
		struct stat st;
		bool taken = stat(path, &st) == 0;

		if (!taken) {
			if (px_file_write(path, m.data, m.len, 0600) < 0)
				fprintf(stderr, "demo relay: %s\n",
				    px_error_last());
			else
				atomic_fetch_add(&r->filed, 1);
		}
		free(path);
		if (!taken) {
			r->next = k + 1;
			break;
		}
	}
	px_buf_dispose(&m);
	pthread_mutex_unlock(&r->file_mu);
}

/* Sends all of `b`; false if the client went away. */
static bool
send_all(int fd, struct px_buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	px_buf_reset(b);
	return true;
}

/* One client, until QUIT, a close, a line too long, 60 s of silence or
 * the demo stopping. */
static void
serve_client(struct px_demo_smtp *r, int fd)
{
	struct px_smtp_session s;
	struct px_buf out, in;
	int idle_ms = 0;

	px_smtp_session_init(&s);
	px_buf_init(&out, 1 << 20);
	px_buf_init(&in, PX_SMTP_LINE_MAX + 4096);
	reply(&out, "220 parley demo relay (127.0.0.1 only)");
	while (send_all(fd, &out) && !s.done && !atomic_load(&r->stop) &&
	    idle_ms < 60000) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char chunk[4096], *nl;
		ssize_t n;

		if (poll(&p, 1, 200) == 0) {
			idle_ms += 200;
			continue;
		}
		idle_ms = 0;
		if ((n = recv(fd, chunk, sizeof(chunk), 0)) <= 0 ||
		    px_buf_add(&in, chunk, (size_t)n) < 0)
			break;
		while (!s.done && (nl = memchr(in.data, '\n', in.len))) {
			size_t len = (size_t)(nl - in.data), used = len + 1;

			if (len > 0 && in.data[len - 1] == '\r')
				len--;
			px_smtp_session_line(&s, in.data, len, &out);
			if (s.message) {
				file_message(r, &s);
				px_smtp_session_filed(&s);
			}
			memmove(in.data, in.data + used, in.len - used);
			in.len -= used;
			in.data[in.len] = '\0';
		}
		if (in.len > PX_SMTP_LINE_MAX) {
			reply(&out, "500 line too long");
			(void)send_all(fd, &out);
			break;
		}
	}
	px_buf_dispose(&in);
	px_buf_dispose(&out);
	px_smtp_session_dispose(&s);
	close(fd);
}

static void *
client_main(void *arg)
{
	struct client *c = arg;

	serve_client(c->r, c->fd);
	atomic_fetch_sub(&c->r->clients, 1);
	free(c);
	return NULL;
}

static void *
relay_main(void *arg)
{
	struct px_demo_smtp *r = arg;

	while (!atomic_load(&r->stop)) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		struct client *c;
		pthread_attr_t attr;
		pthread_t t;
		int fd;

		if (atomic_load(&r->clients) >= CLIENTS_MAX ||
		    poll(&p, 1, 200) <= 0) {
			if (atomic_load(&r->clients) >= CLIENTS_MAX)
				usleep(50000);
			continue;
		}
		if ((fd = accept(r->fd, NULL, NULL)) < 0)
			continue;
		c = px_calloc(1, sizeof(*c));
		c->r = r;
		c->fd = fd;
		atomic_fetch_add(&r->clients, 1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, client_main, c) != 0) {
			atomic_fetch_sub(&r->clients, 1);
			close(fd);
			free(c);
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int
px_demo_smtp_start(
    struct px_demo_smtp **out, const char *maildir, unsigned *port)
{
	struct px_demo_smtp *r;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int rc;

	*out = NULL;
	if ((rc = px_mkdir_p(maildir, 0700)) < 0)
		return rc;
	r = px_calloc(1, sizeof(*r));
	r->dir = px_strdup(maildir);
	pthread_mutex_init(&r->file_mu, NULL);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(r->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(r->fd, 8) != 0 ||
	    getsockname(r->fd, (struct sockaddr *)&a, &alen) != 0) {
		rc = px_error_set(PX_ERR,
		    "cannot listen on 127.0.0.1 for the demo relay: %s",
		    strerror(errno));
		goto fail;
	}
	*port = ntohs(a.sin_port);
	if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		rc = px_error_set(PX_ERR, "cannot start the demo relay");
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r->fd >= 0)
		close(r->fd);
	pthread_mutex_destroy(&r->file_mu);
	free(r->dir);
	free(r);
	return rc;
}

unsigned
px_demo_smtp_stop(struct px_demo_smtp *r)
{
	unsigned n;

	if (r == NULL)
		return 0;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	/* Each client sees the flag within its 200 ms poll. */
	while (atomic_load(&r->clients) > 0)
		usleep(10000);
	close(r->fd);
	n = atomic_load(&r->filed);
	pthread_mutex_destroy(&r->file_mu);
	free(r->dir);
	free(r);
	return n;
}
