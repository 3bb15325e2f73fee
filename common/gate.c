/*
 * gate.c — accepts connections, holds them to a handshake deadline and a
 * share per address, and passes their bytes to nng's loopback listener.
 * One thread, one poll() over every socket; bytes are copied through a
 * buffer per direction, and a full buffer stops reading from its source.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "wijknet.h"
#include "daemon.h"
#include "config.h"
#include "gate.h"
#include "ids.h"
#include "log.h"
#include "tlspeek.h"

#define GATE_BUF 16384
#define GATE_PORTS 65536
#define GATE_LOG_PER_SECOND 5
#define GATE_LINGER_MS 5000   /* to pass on what one side sent before it closed */
#define GATE_FD_RESERVE 128   /* descriptors kept for the daemon's own use */
#define GATE_SEEN 6144        /* a pending client's first bytes, kept for its certificate */

struct half {
	uint8_t buf[GATE_BUF];
	size_t off, len; /* bytes [off, len) wait to be written */
};

struct conn {
	int cfd, bfd;         /* the client's socket, ours to nng */
	int connecting;       /* our connect to nng still in progress */
	int established;      /* nng reported the pipe */
	int dead;
	int c_eof, b_eof;     /* that side closed: not read or polled any more */
	int spoke;            /* the client sent at least one byte */
	int64_t linger_until; /* after one side closed, the other gets this long */
	int64_t opened;       /* monotonic ms */
	int local_port;       /* our socket's port, as nng sees the peer */
	char ip[INET6_ADDRSTRLEN];
	char addr[INET6_ADDRSTRLEN + 8];
	struct half up, down; /* client → nng, nng → client */
	uint8_t seen[GATE_SEEN]; /* what the client sent first, while pending */
	size_t nseen;
};

/* At most GATE_LOG_PER_SECOND lines a second per kind; the rest counted. */
struct ratelimit {
	int64_t second;
	int lines;
	long suppressed;
};

struct gate {
	int lfd, wake[2];
	int port, backend_port;
	struct gate_limits lim;
	pthread_t thread;
	int started;
	atomic_int stop;
	pthread_mutex_t lock; /* guards established, addr_of, stats */
	int *est;
	size_t nest, capest;
	char **addr_of;       /* loopback port → the real peer's address */
	struct gate_stats stats;
	struct conn **conns;  /* the loop thread's own */
	size_t nconns, capconns;
	int64_t accept_paused_until; /* out of descriptors: accept later */
	struct ratelimit rl_timeout, rl_failed, rl_evicted, rl_refused;
	gate_cert_hook on_cert; /* under lock */
	void *on_cert_arg;
	uint8_t joined[TLSPEEK_MAX]; /* the loop thread's: a handshake's records joined */
	struct gate_repeat failed_hosts[GATE_REPEAT_HOSTS]; /* gate thread only */
	struct gate_repeat failed_certs[GATE_REPEAT_HOSTS]; /* per host and certificate, too */
};

void gate_limits_default(struct gate_limits *lim)
{
	lim->handshake_ms = 10000;
	lim->pending_per_addr = 32;
	lim->pending_max = 256;
	lim->conns_max = 2000;
}

void gate_limits_read(const json_t *config, struct gate_limits *lim)
{
	gate_limits_default(lim);
	lim->handshake_ms = (int)config_int(config, "handshake_timeout_ms", lim->handshake_ms);
	lim->pending_per_addr = (int)config_int(config, "pending_per_address",
						 lim->pending_per_addr);
	lim->pending_max = (int)config_int(config, "pending_max", lim->pending_max);
	lim->conns_max = (int)config_int(config, "connections_max", lim->conns_max);
	/* zero would refuse everyone */
	if (lim->handshake_ms < 100)
		lim->handshake_ms = 100;
	if (lim->pending_per_addr < 1)
		lim->pending_per_addr = 1;
	if (lim->pending_max < 1)
		lim->pending_max = 1;
	if (lim->conns_max < 1)
		lim->conns_max = 1;
}

static void gate_log(struct ratelimit *rl, const char *event, const struct conn *c)
{
	int64_t sec = time_mono_ms() / 1000;
	if (sec != rl->second) {
		rl->second = sec;
		rl->lines = 0;
	}
	if (rl->lines >= GATE_LOG_PER_SECOND) {
		rl->suppressed++;
		return;
	}
	rl->lines++;
	log_emit(WN_LOG_WARN, event,
		 json_pack("{s:s,s:I,s:I}", "addr", c->addr, "after_ms",
			   (json_int_t)(time_mono_ms() - c->opened), "not_logged_before",
			   (json_int_t)rl->suppressed));
	rl->suppressed = 0;
}

int gate_repeat_note(struct gate_repeat *tab, size_t n, const char *host, int64_t now_ms,
		     long *count)
{
	struct gate_repeat *e = NULL, *oldest = &tab[0];
	for (size_t i = 0; i < n && e == NULL; i++) {
		if (strcmp(tab[i].host, host) == 0 && tab[i].count > 0)
			e = &tab[i];
		else if (tab[i].last_ms < oldest->last_ms)
			oldest = &tab[i];
	}
	int64_t hour = now_ms / 3600000;
	if (e == NULL || e->hour != hour) {
		if (e == NULL) {
			e = oldest;
			snprintf(e->host, sizeof(e->host), "%s", host);
		}
		e->hour = hour;
		e->count = 0;
	}
	e->last_ms = now_ms;
	*count = ++e->count;
	return (e->count & (e->count - 1)) == 0; /* a power of two */
}

/* The certificate a client offered in a handshake nng refused, to the
 * daemon's hook (the breach register), when the client's bytes hold one: at
 * the doubling counts of that certificate from that host, so that one
 * certificate redialled for ever costs a few rows, and another certificate
 * from the same host (an impostor among a host's own failures) is still
 * reported the first time it is offered. */
static void gate_report_cert(gate *g, const struct conn *c, const char *host)
{
	const uint8_t *der = NULL;
	size_t derlen = 0;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char key[64];
	long count = 0;
	pthread_mutex_lock(&g->lock);
	gate_cert_hook hook = g->on_cert;
	void *arg = g->on_cert_arg;
	pthread_mutex_unlock(&g->lock);
	if (hook == NULL || tlspeek_client_cert(c->seen, c->nseen, g->joined, &der, &derlen) != 0)
		return;
	SHA256(der, derlen, md);
	snprintf(key, sizeof(key), "%.46s#%02x%02x%02x%02x%02x%02x%02x%02x", host, md[0], md[1],
		 md[2], md[3], md[4], md[5], md[6], md[7]);
	if (gate_repeat_note(g->failed_certs, GATE_REPEAT_HOSTS, key, time_now_ms(), &count))
		hook(arg, c->addr, der, derlen, count);
}

/* A failed handshake: its certificate reported (gate_report_cert), and
 * logged when gate_repeat_note says so for its host. */
static void gate_log_failed(gate *g, const struct conn *c)
{
	char host[64];
	long count = 0;
	snprintf(host, sizeof(host), "%s", c->addr);
	char *colon = strrchr(host, ':');
	if (colon != NULL)
		*colon = '\0';
	gate_report_cert(g, c, host);
	if (!gate_repeat_note(g->failed_hosts, GATE_REPEAT_HOSTS, host, time_now_ms(), &count))
		return;
	if (count == 1) {
		gate_log(&g->rl_failed, "tls_handshake_failed", c);
		return;
	}
	log_emit(WN_LOG_WARN, "tls_handshake_failed",
		 json_pack("{s:s,s:I,s:I,s:s}", "addr", c->addr, "after_ms",
			   (json_int_t)(time_mono_ms() - c->opened), "failed_this_hour",
			   (json_int_t)count, "msg",
			   "this host's handshakes keep failing (a revoked or ended partner's "
			   "node still running?); logged again at twice the count"));
}

void gate_on_refused_cert(gate *g, gate_cert_hook hook, void *arg)
{
	pthread_mutex_lock(&g->lock);
	g->on_cert = hook;
	g->on_cert_arg = arg;
	pthread_mutex_unlock(&g->lock);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A connection costs three descriptors (the client's, ours to nng, nng's):
 * the caps fit the process's limit, with a reserve for the daemon. */
static void gate_fit_descriptors(struct gate_limits *lim)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	long fit = ((long)rl.rlim_cur - GATE_FD_RESERVE) / 3;
	if (fit < 16)
		fit = 16;
	if (lim->conns_max > fit)
		lim->conns_max = (int)fit;
	if (lim->pending_max > lim->conns_max)
		lim->pending_max = lim->conns_max;
}

int gate_resolve(const char *host, int port, struct addrinfo **ai, char *err, size_t errcap)
{
	struct addrinfo hints;
	char service[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(service, sizeof(service), "%d", port);
	*ai = NULL;
	int rv = getaddrinfo(host[0] && strcmp(host, "*") != 0 ? host : NULL, service, &hints, ai);
	if (rv != 0) {
		snprintf(err, errcap, "%s:%d: %s", host, port, gai_strerror(rv));
		return WN_ETRANSPORT;
	}
	return 0;
}

int gate_open(gate **out, const char *host, int port, const struct gate_limits *lim,
	      char *err, size_t errcap)
{
	struct addrinfo *ai = NULL;
	int rv = gate_resolve(host, port, &ai, err, errcap);
	if (rv != 0)
		return rv;
	gate *g = calloc(1, sizeof(*g));
	int one = 1, rc = WN_ETRANSPORT;
	if (g == NULL) {
		freeaddrinfo(ai);
		return WN_ENOMEM;
	}
	g->lfd = g->wake[0] = g->wake[1] = -1;
	g->lim = *lim;
	gate_fit_descriptors(&g->lim);
	pthread_mutex_init(&g->lock, NULL);
	if ((g->addr_of = calloc(GATE_PORTS, sizeof(char *))) == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	g->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->lfd < 0 || setsockopt(g->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(g->lfd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(g->lfd, 4096) != 0 ||
	    set_nonblock(g->lfd) != 0 || pipe2(g->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errcap, "%s:%d: cannot listen: %s", host, port, strerror(errno));
		goto fail;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(g->lfd, (struct sockaddr *)&ss, &sl);
	g->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(ai);
	*out = g;
	return 0;
fail:
	freeaddrinfo(ai);
	gate_close(g);
	return rc;
}

int gate_port(const gate *g)
{
	return g->port;
}

/* ---- the connection table (loop thread only) --------------------------- */

static void conn_kill(gate *g, struct conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->bfd >= 0)
		close(c->bfd);
	/* the port's address stays until a new connection takes the port:
	 * messages of this one may still be in nng's workers */
	pthread_mutex_lock(&g->lock);
	if (c->established)
		g->stats.established--;
	else
		g->stats.pending--;
	pthread_mutex_unlock(&g->lock);
}

static void gate_count(gate *g, long *field)
{
	pthread_mutex_lock(&g->lock);
	(*field)++;
	pthread_mutex_unlock(&g->lock);
}

/* How many pending connections ip (NULL: anyone) holds, and the oldest of
 * them that never sent a byte. */
static struct conn *gate_oldest_silent(gate *g, const char *ip, size_t *count)
{
	struct conn *oldest = NULL;
	*count = 0;
	for (size_t i = 0; i < g->nconns; i++) {
		struct conn *c = g->conns[i];
		if (c->dead || c->established || (ip != NULL && strcmp(c->ip, ip) != 0))
			continue;
		(*count)++;
		if (!c->spoke && (oldest == NULL || c->opened < oldest->opened))
			oldest = c;
	}
	return oldest;
}

/* Makes room for a new pending connection from ip when it, or everyone,
 * is at the cap: the oldest connection that never sent a byte goes (an idle
 * socket holds nothing worth keeping); when all of them are handshaking,
 * the newcomer is refused instead, since taking a handshake away halfway
 * would let a crowd of honest partners on one address starve each other.
 * -1: refuse the newcomer. */
static int gate_make_room(gate *g, const char *ip)
{
	const char *scope[2] = { ip, NULL };
	const int cap[2] = { g->lim.pending_per_addr, g->lim.pending_max };
	for (int k = 0; k < 2; k++) {
		size_t n = 0;
		struct conn *old = gate_oldest_silent(g, scope[k], &n);
		if ((int)n < cap[k])
			continue;
		if (old == NULL)
			return -1;
		gate_log(&g->rl_evicted, "connection_evicted", old);
		gate_count(g, &g->stats.evicted);
		conn_kill(g, old);
	}
	return 0;
}

/* Our connection to nng for c; its local port names c to nng. */
static int gate_dial_backend(gate *g, struct conn *c)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g->backend_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	c->bfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->bfd < 0)
		return -1;
	setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->bfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS)
		return -1;
	c->connecting = 1;
	struct sockaddr_in local;
	socklen_t ll = sizeof(local);
	if (getsockname(c->bfd, (struct sockaddr *)&local, &ll) != 0)
		return -1;
	c->local_port = ntohs(local.sin_port);
	pthread_mutex_lock(&g->lock);
	free(g->addr_of[c->local_port]);
	g->addr_of[c->local_port] = strdup(c->addr);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int gate_grow(gate *g)
{
	if (g->nconns < g->capconns)
		return 0;
	size_t cap = g->capconns ? 2 * g->capconns : 64;
	struct conn **n = realloc(g->conns, cap * sizeof(*n));
	if (n == NULL)
		return -1;
	g->conns = n;
	g->capconns = cap;
	return 0;
}

static void gate_peer_name(const struct sockaddr_storage *ss, struct conn *c)
{
	unsigned port = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, c->ip, sizeof(c->ip));
		port = ntohs(s6->sin6_port);
		snprintf(c->addr, sizeof(c->addr), "[%s]:%u", c->ip, port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, c->ip, sizeof(c->ip));
		port = ntohs(s4->sin_port);
		snprintf(c->addr, sizeof(c->addr), "%s:%u", c->ip, port);
	}
}

/* One accepted socket: refused over the total cap, else admitted pending. */
static void gate_admit(gate *g, int fd, const struct sockaddr_storage *ss)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;
	if (c == NULL || gate_grow(g) != 0) {
		free(c);
		close(fd);
		return;
	}
	c->cfd = fd;
	c->bfd = -1;
	c->opened = time_mono_ms();
	gate_peer_name(ss, c);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	size_t live = 0;
	for (size_t i = 0; i < g->nconns; i++)
		live += !g->conns[i]->dead;
	if ((int)live >= g->lim.conns_max) {
		gate_log(&g->rl_refused, "connection_refused_over_cap", c);
		gate_count(g, &g->stats.refused);
		close(fd);
		free(c);
		return;
	}
	if (gate_make_room(g, c->ip) != 0) {
		gate_log(&g->rl_refused, "connection_refused_busy", c);
		gate_count(g, &g->stats.refused);
		close(fd);
		free(c);
		return;
	}
	pthread_mutex_lock(&g->lock);
	g->stats.pending++;
	pthread_mutex_unlock(&g->lock);
	g->conns[g->nconns++] = c;
	if (gate_dial_backend(g, c) != 0)
		conn_kill(g, c);
}

static void gate_accept(gate *g)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(g->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			/* the listener stays readable: without a pause the loop spins */
			g->accept_paused_until = time_mono_ms() + 100;
			return;
		}
		if (fd < 0)
			return;
		gate_admit(g, fd, &ss);
	}
}

/* ---- moving bytes ------------------------------------------------------ */

/* Reads from fd into h; 0, or -1 at end of stream or on an error. */
static int half_fill(int fd, struct half *h)
{
	if (h->len >= GATE_BUF)
		return 0;
	ssize_t n = recv(fd, h->buf + h->len, GATE_BUF - h->len, 0);
	if (n > 0) {
		h->len += (size_t)n;
		return 0;
	}
	return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ? -1 : 0;
}

static int half_drain(int fd, struct half *h)
{
	if (h->off >= h->len)
		return 0;
	ssize_t n = send(fd, h->buf + h->off, h->len - h->off, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	h->off += (size_t)n;
	if (h->off == h->len)
		h->off = h->len = 0;
	return 0;
}

/* Reads one side: its end of stream (or a hang-up with a full buffer, when
 * nothing more can be read anyway) marks it closed. 1 when bytes came. */
static int side_read(int fd, short ev, struct half *h, int *eof)
{
	if (*eof || !(ev & (POLLIN | POLLHUP)))
		return 0;
	if (h->len >= GATE_BUF) {
		*eof = (ev & POLLHUP) != 0;
		return 0;
	}
	size_t before = h->len;
	if (half_fill(fd, h) != 0)
		*eof = 1;
	return h->len > before;
}

/* Keeps a pending client's first bytes: its certificate, if the handshake
 * fails, is read from them. */
static void gate_keep_seen(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->established || c->nseen >= GATE_SEEN)
		return;
	size_t take = n < GATE_SEEN - c->nseen ? n : GATE_SEEN - c->nseen;
	memcpy(c->seen + c->nseen, p, take);
	c->nseen += take;
}

/* Events of one connection. A side that errs ends it; a side that closes
 * is not read again, and what it sent still reaches the other side (for at
 * most GATE_LINGER_MS) before the connection goes. Who closed first tells a
 * failed handshake (nng closed its side) from a client that gave up. */
static void gate_serve(gate *g, struct conn *c, short cev, short bev)
{
	if (c->connecting && (bev & (POLLOUT | POLLERR | POLLHUP))) {
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e != 0) {
			conn_kill(g, c);
			return;
		}
		c->connecting = 0;
		bev = 0;
	}
	int broken = ((cev | bev) & (POLLERR | POLLNVAL)) != 0;
	if (!broken && !c->connecting) {
		size_t before = c->up.len;
		if (side_read(c->cfd, cev, &c->up, &c->c_eof) > 0) {
			c->spoke = 1;
			gate_keep_seen(c, c->up.buf + before, c->up.len - before);
		}
		side_read(c->bfd, bev, &c->down, &c->b_eof);
		if (!c->b_eof && half_drain(c->bfd, &c->up) != 0)
			broken = 1;
		if (!c->c_eof && half_drain(c->cfd, &c->down) != 0)
			broken = 1;
	}
	if ((broken || c->b_eof) && !c->established && !c->dead) {
		gate_log_failed(g, c);
		gate_count(g, &g->stats.failed);
		conn_kill(g, c);
		return;
	}
	/* a closed side gets nothing more; what the other one still holds for
	 * it is passed on first */
	int up_done = c->b_eof || c->up.len == c->up.off;
	int down_done = c->c_eof || c->down.len == c->down.off;
	if (broken || (c->c_eof && up_done) || (c->b_eof && down_done)) {
		conn_kill(g, c);
		return;
	}
	if ((c->c_eof || c->b_eof) && c->linger_until == 0)
		c->linger_until = time_mono_ms() + GATE_LINGER_MS;
}

/* Marks the connections nng reported established. */
static void gate_take_established(gate *g)
{
	char sink[256];
	while (read(g->wake[0], sink, sizeof(sink)) > 0)
		;
	pthread_mutex_lock(&g->lock);
	for (size_t k = 0; k < g->nest; k++)
		for (size_t i = 0; i < g->nconns; i++) {
			struct conn *c = g->conns[i];
			if (!c->dead && !c->established && c->local_port == g->est[k]) {
				c->established = 1;
				g->stats.pending--;
				g->stats.established++;
			}
		}
	g->nest = 0;
	pthread_mutex_unlock(&g->lock);
}

/* Closes pending connections past their deadline; the time to the next one. */
static int gate_expire(gate *g)
{
	int64_t now = time_mono_ms(), next = 1000;
	for (size_t i = 0; i < g->nconns; i++) {
		struct conn *c = g->conns[i];
		if (!c->dead && c->linger_until != 0 && now >= c->linger_until) {
			conn_kill(g, c);
			continue;
		}
		if (c->dead || c->established)
			continue;
		int64_t left = c->opened + g->lim.handshake_ms - now;
		if (left <= 0) {
			gate_log(&g->rl_timeout, "tls_handshake_timeout", c);
			gate_count(g, &g->stats.timed_out);
			conn_kill(g, c);
		} else if (left < next) {
			next = left;
		}
	}
	return (int)next;
}

static void gate_compact(gate *g)
{
	size_t k = 0;
	for (size_t i = 0; i < g->nconns; i++) {
		if (g->conns[i]->dead)
			free(g->conns[i]);
		else
			g->conns[k++] = g->conns[i];
	}
	g->nconns = k;
}

static short conn_client_events(const struct conn *c)
{
	return (short)((c->up.len < GATE_BUF ? POLLIN : 0) | (c->down.len > c->down.off ? POLLOUT : 0));
}

static short conn_backend_events(const struct conn *c)
{
	if (c->connecting)
		return POLLOUT;
	return (short)((c->down.len < GATE_BUF ? POLLIN : 0) | (c->up.len > c->up.off ? POLLOUT : 0));
}

/* A closed side is left out of poll(), which would report its hang-up at
 * every call. */
static int conn_poll_fd(int fd, int eof)
{
	return eof ? -1 : fd;
}

static void *gate_main(void *arg)
{
	gate *g = arg;
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	daemon_name_thread("wn:gate");
	while (!atomic_load(&g->stop)) {
		int timeout = gate_expire(g);
		gate_compact(g);
		size_t need = 2 + 2 * g->nconns;
		if (need > cap) {
			struct pollfd *n = realloc(pfd, need * sizeof(*n));
			if (n == NULL)
				break;
			pfd = n;
			cap = need;
		}
		pfd[0] = (struct pollfd){ g->wake[0], POLLIN, 0 };
		int paused = time_mono_ms() < g->accept_paused_until;
		pfd[1] = (struct pollfd){ paused ? -1 : g->lfd, POLLIN, 0 };
		if (paused && timeout > 100)
			timeout = 100;
		for (size_t i = 0; i < g->nconns; i++) {
			struct conn *c = g->conns[i];
			pfd[2 + 2 * i] = (struct pollfd){ conn_poll_fd(c->cfd, c->c_eof),
							  conn_client_events(c), 0 };
			pfd[3 + 2 * i] = (struct pollfd){ conn_poll_fd(c->bfd, c->b_eof),
							  conn_backend_events(c), 0 };
		}
		size_t n = g->nconns;
		if (poll(pfd, 2 + 2 * n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			gate_take_established(g);
		for (size_t i = 0; i < n; i++)
			if (!g->conns[i]->dead && (pfd[2 + 2 * i].revents || pfd[3 + 2 * i].revents))
				gate_serve(g, g->conns[i], pfd[2 + 2 * i].revents, pfd[3 + 2 * i].revents);
		if (pfd[1].revents & POLLIN)
			gate_accept(g);
	}
	free(pfd);
	return NULL;
}

int gate_start(gate *g, int backend_port, char *err, size_t errcap)
{
	g->backend_port = backend_port;
	if (pthread_create(&g->thread, NULL, gate_main, g) != 0) {
		snprintf(err, errcap, "cannot start the connection gate");
		return WN_ETRANSPORT;
	}
	g->started = 1;
	return 0;
}

void gate_established(gate *g, int local_port)
{
	pthread_mutex_lock(&g->lock);
	if (g->nest == g->capest) {
		size_t cap = g->capest ? 2 * g->capest : 64;
		int *n = realloc(g->est, cap * sizeof(*n));
		if (n != NULL) {
			g->est = n;
			g->capest = cap;
		}
	}
	if (g->nest < g->capest)
		g->est[g->nest++] = local_port;
	pthread_mutex_unlock(&g->lock);
	if (write(g->wake[1], "e", 1) < 0) {
		/* the pipe is full: the loop wakes anyway */
	}
}

int gate_peer_addr(gate *g, int local_port, char *out, size_t cap)
{
	int rc = -1;
	if (local_port <= 0 || local_port >= GATE_PORTS)
		return -1;
	pthread_mutex_lock(&g->lock);
	if (g->addr_of[local_port] != NULL) {
		snprintf(out, cap, "%s", g->addr_of[local_port]);
		rc = 0;
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

void gate_get_stats(gate *g, struct gate_stats *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->stats;
	pthread_mutex_unlock(&g->lock);
}

void gate_close(gate *g)
{
	if (g == NULL)
		return;
	if (g->started) {
		atomic_store(&g->stop, 1);
		if (write(g->wake[1], "q", 1) < 0) {
			/* the loop sees stop at its next wake-up */
		}
		pthread_join(g->thread, NULL);
	}
	for (size_t i = 0; i < g->nconns; i++) {
		conn_kill(g, g->conns[i]);
		free(g->conns[i]);
	}
	free(g->conns);
	if (g->lfd >= 0)
		close(g->lfd);
	if (g->wake[0] >= 0)
		close(g->wake[0]);
	if (g->wake[1] >= 0)
		close(g->wake[1]);
	if (g->addr_of != NULL)
		for (size_t i = 0; i < GATE_PORTS; i++)
			free(g->addr_of[i]);
	free(g->addr_of);
	free(g->est);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
