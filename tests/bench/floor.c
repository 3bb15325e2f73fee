/*
 * floor.c — what a lookup's cost is measured against in `make bench`: the
 * same fan-out with the same message sizes over bare nng with mutual TLS and
 * nothing else (no policy, signatures, seals or logs). A requester asks a
 * relay; the relay asks N partners at once and answers when all have. The
 * relay and the partners are callback (aio) servers, the cheapest way nng
 * serves. Everything runs in this process, so its CPU time is the floor's;
 * or, with procs, the relay and each partner in a process of its own, as a
 * federation runs, and the floor's CPU time is theirs and this one's.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "floor.h"
#include "ids.h"
#include "transport.h"

extern char **environ;

#define FLOOR_CTX 8 /* requests in flight per server, as many as the load's clients */

/* One server context: receives a request and answers it. */
struct srv_ctx {
	nng_ctx ctx;
	nng_aio *aio;
	int sending;
	size_t answer;           /* bytes of the answer (partner) */
	struct relay_ctx *relay; /* or NULL for a partner */
};

/* One leg of a relay context's fan-out: a request to one partner. */
struct leg {
	nng_ctx ctx;
	nng_aio *aio;
	int sending;
	struct relay_ctx *owner;
};

struct relay_ctx {
	struct srv_ctx srv;
	struct leg *legs;
	int n;
	atomic_int pending;
	size_t part, back;
};

struct floor_run {
	nng_socket relay_rep, *partner_rep, *relay_req, req;
	pid_t *kids;  /* with procs: the relay's and the partners' processes */
	int nkids;
	int to_kids;  /* the pipe they read: closing it stops them */
	struct srv_ctx *partners; /* n × FLOOR_CTX */
	struct relay_ctx *relays; /* FLOOR_CTX */
	nng_tls_config *server_tls, *client_tls;
	int n;
};

static nng_msg *msg_of(size_t len)
{
	nng_msg *m = NULL;
	if (nng_msg_alloc(&m, len) == 0)
		memset(nng_msg_body(m), 'x', len);
	return m;
}

/* The relay has its answer ready once every partner answered. */
static void relay_answer(struct relay_ctx *r)
{
	nng_aio_set_msg(r->srv.aio, msg_of(r->back));
	r->srv.sending = 1;
	nng_ctx_send(r->srv.ctx, r->srv.aio);
}

static void leg_cb(void *arg)
{
	struct leg *l = arg;
	int rv = nng_aio_result(l->aio);
	if (l->sending) {
		l->sending = 0;
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(l->aio));
		} else {
			nng_ctx_recv(l->ctx, l->aio);
			return;
		}
	} else if (rv == 0) {
		nng_msg_free(nng_aio_get_msg(l->aio));
	}
	if (atomic_fetch_sub(&l->owner->pending, 1) == 1)
		relay_answer(l->owner);
}

/* A request to the relay: fan it out to every partner. */
static void relay_fan_out(struct relay_ctx *r)
{
	atomic_store(&r->pending, r->n);
	for (int i = 0; i < r->n; i++) {
		r->legs[i].sending = 1;
		nng_aio_set_msg(r->legs[i].aio, msg_of(r->part));
		nng_ctx_send(r->legs[i].ctx, r->legs[i].aio);
	}
}

static void srv_cb(void *arg)
{
	struct srv_ctx *s = arg;
	int rv = nng_aio_result(s->aio);
	if (s->sending) {
		s->sending = 0;
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(s->aio));
		if (rv == NNG_ECLOSED)
			return;
		nng_ctx_recv(s->ctx, s->aio);
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED)
			nng_ctx_recv(s->ctx, s->aio);
		return;
	}
	nng_msg_free(nng_aio_get_msg(s->aio));
	if (s->relay != NULL) {
		relay_fan_out(s->relay);
		return;
	}
	nng_aio_set_msg(s->aio, msg_of(s->answer));
	s->sending = 1;
	nng_ctx_send(s->ctx, s->aio);
}

static int srv_ctx_start(struct srv_ctx *s, nng_socket sock)
{
	if (nng_ctx_open(&s->ctx, sock) != 0 || nng_aio_alloc(&s->aio, srv_cb, s) != 0)
		return -1;
	nng_ctx_recv(s->ctx, s->aio);
	return 0;
}

static int listen_tls(nng_socket *sock, int rep, const char *url, nng_tls_config *tls)
{
	nng_listener l;
	int rv = rep ? nng_rep0_open(sock) : -1;
	if (rv == 0)
		rv = nng_listener_create(&l, *sock, url);
	if (rv == 0)
		rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls);
	if (rv == 0)
		rv = nng_listener_start(l, 0);
	return rv;
}

static int dial_tls(nng_socket *sock, const char *url, nng_tls_config *tls)
{
	nng_dialer d;
	int rv = nng_req0_open(sock);
	if (rv == 0)
		rv = nng_socket_set_ms(*sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (rv == 0)
		rv = nng_dialer_create(&d, *sock, url);
	if (rv == 0)
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls);
	if (rv == 0)
		rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK); /* the warm-up waits for it */
	return rv;
}

static void floor_stop(struct floor_run *fr);

/* The TLS configurations and the arrays every part of the floor uses. */
static int floor_alloc(struct floor_run *fr, const struct floor_params *p)
{
	char err[256];
	if (transport_tls_config(&fr->server_tls, 1, p->cert_key, p->ca, p->crl, NULL, err,
				 sizeof(err)) != 0 ||
	    transport_tls_config(&fr->client_tls, 0, p->cert_key, p->ca, p->crl, p->server_name,
				 err, sizeof(err)) != 0) {
		fprintf(stderr, "bench floor: %s\n", err);
		return -1;
	}
	fr->n = p->n;
	fr->partner_rep = calloc((size_t)p->n, sizeof(nng_socket));
	fr->relay_req = calloc((size_t)p->n, sizeof(nng_socket));
	fr->partners = calloc((size_t)p->n * FLOOR_CTX, sizeof(struct srv_ctx));
	fr->relays = calloc(FLOOR_CTX, sizeof(struct relay_ctx));
	return fr->partner_rep == NULL || fr->relay_req == NULL || fr->partners == NULL ||
			       fr->relays == NULL
		       ? -1
		       : 0;
}

/* Partner i: a server answering with the answer's size. */
static int floor_start_partner(struct floor_run *fr, const struct floor_params *p, int i)
{
	char url[128];
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", p->port + 1 + i);
	if (listen_tls(&fr->partner_rep[i], 1, url, fr->server_tls) != 0)
		return -1;
	for (int k = 0; k < FLOOR_CTX; k++) {
		struct srv_ctx *s = &fr->partners[i * FLOOR_CTX + k];
		s->answer = p->sizes.answer;
		if (srv_ctx_start(s, fr->partner_rep[i]) != 0)
			return -1;
	}
	return 0;
}

/* The relay: a connection to every partner, then its own server. */
static int floor_start_relay(struct floor_run *fr, const struct floor_params *p)
{
	char url[128];
	for (int i = 0; i < p->n; i++) {
		snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", p->port + 1 + i);
		if (dial_tls(&fr->relay_req[i], url, fr->client_tls) != 0)
			return -1;
	}
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", p->port);
	if (listen_tls(&fr->relay_rep, 1, url, fr->server_tls) != 0)
		return -1;
	for (int k = 0; k < FLOOR_CTX; k++) {
		struct relay_ctx *r = &fr->relays[k];
		r->n = p->n;
		r->part = p->sizes.part;
		r->back = p->sizes.back;
		r->srv.relay = r;
		if ((r->legs = calloc((size_t)p->n, sizeof(struct leg))) == NULL)
			return -1;
		for (int i = 0; i < p->n; i++) {
			r->legs[i].owner = r;
			if (nng_ctx_open(&r->legs[i].ctx, fr->relay_req[i]) != 0 ||
			    nng_aio_alloc(&r->legs[i].aio, leg_cb, &r->legs[i]) != 0)
				return -1;
		}
		if (srv_ctx_start(&r->srv, fr->relay_rep) != 0)
			return -1;
	}
	return 0;
}

/* The requester's connection to the relay. */
static int floor_start_client(struct floor_run *fr, const struct floor_params *p)
{
	char url[128];
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", p->port);
	return dial_tls(&fr->req, url, fr->client_tls);
}

/* Runs the relay (role < 0) or partner role in a process of its own until
 * the bench closes this process's standard input. */
static int floor_serve_role(const struct floor_params *p, int role)
{
	struct floor_run fr = { 0 };
	int rc = floor_alloc(&fr, p);
	if (rc == 0)
		rc = role < 0 ? floor_start_relay(&fr, p) : floor_start_partner(&fr, p, role);
	if (rc == 0) {
		char c;
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
	}
	floor_stop(&fr);
	return rc == 0 ? 0 : 1;
}

/* Starts the relay and every partner in processes of their own: this
 * program once more, with FLOOR_SERVE_ARG and the parameters. */
static int floor_spawn(struct floor_run *fr, const struct floor_params *p)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fr->to_kids = fds[1];
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fr->kids = calloc((size_t)p->n + 1, sizeof(pid_t));
	if (fr->kids == NULL) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	char a[7][32];
	snprintf(a[1], 32, "%d", p->n);
	snprintf(a[2], 32, "%d", p->port);
	snprintf(a[3], 32, "%zu", p->sizes.part);
	snprintf(a[4], 32, "%zu", p->sizes.answer);
	snprintf(a[5], 32, "%zu", p->sizes.back);
	int rc = 0;
	for (int role = -1; role < p->n && rc == 0; role++) {
		snprintf(a[0], 32, "%d", role);
		char *argv[] = { "wijknet-bench", FLOOR_SERVE_ARG, a[0], a[1], a[2], a[3], a[4], a[5],
				 (char *)p->cert_key, (char *)p->ca, (char *)p->crl,
				 (char *)p->server_name, NULL };
		pid_t pid;
		if (posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ) != 0)
			rc = -1;
		else
			fr->kids[fr->nkids++] = pid;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	return rc;
}

int floor_serve(int argc, char **argv)
{
	if (argc != 10) {
		fprintf(stderr, "bench floor: %s takes 10 arguments\n", FLOOR_SERVE_ARG);
		return 2;
	}
	struct floor_params p = { .n = atoi(argv[1]), .port = atoi(argv[2]),
				  .cert_key = argv[6], .ca = argv[7], .crl = argv[8],
				  .server_name = argv[9] };
	p.sizes.part = (size_t)strtoul(argv[3], NULL, 10);
	p.sizes.answer = (size_t)strtoul(argv[4], NULL, 10);
	p.sizes.back = (size_t)strtoul(argv[5], NULL, 10);
	int role = atoi(argv[0]);
	if (p.n < 1 || p.n > 1000 || p.port < 1 || p.port > 65535 || role < -1 || role >= p.n) {
		fprintf(stderr, "bench floor: bad arguments\n");
		return 2;
	}
	return floor_serve_role(&p, role);
}

static int floor_start(struct floor_run *fr, const struct floor_params *p)
{
	if (floor_alloc(fr, p) != 0)
		return -1;
	if (p->procs)
		return floor_spawn(fr, p) == 0 ? floor_start_client(fr, p) : -1;
	for (int i = 0; i < p->n; i++)
		if (floor_start_partner(fr, p, i) != 0)
			return -1;
	if (floor_start_relay(fr, p) != 0)
		return -1;
	return floor_start_client(fr, p);
}

/* Closes the sockets, stops every aio (waiting for its callback) and only
 * then frees: a leg's callback may still start its relay's answer. */
static void floor_stop(struct floor_run *fr)
{
	if (fr->kids != NULL) {
		close(fr->to_kids); /* each child's standard input ends: it stops */
		for (int i = 0; i < fr->nkids; i++)
			waitpid(fr->kids[i], NULL, 0);
		free(fr->kids);
	}
	nng_close(fr->req);
	nng_close(fr->relay_rep);
	for (int i = 0; fr->relay_req != NULL && i < fr->n; i++)
		nng_close(fr->relay_req[i]);
	for (int i = 0; fr->partner_rep != NULL && i < fr->n; i++)
		nng_close(fr->partner_rep[i]);
	for (int pass = 0; pass < 2; pass++) {
		void (*step)(nng_aio *) = pass == 0 ? nng_aio_stop : nng_aio_free;
		for (int k = 0; fr->relays != NULL && k < FLOOR_CTX; k++) {
			struct relay_ctx *r = &fr->relays[k];
			if (r->srv.aio != NULL)
				step(r->srv.aio);
			for (int i = 0; r->legs != NULL && i < fr->n; i++)
				if (r->legs[i].aio != NULL)
					step(r->legs[i].aio);
		}
		for (int i = 0; fr->partners != NULL && i < fr->n * FLOOR_CTX; i++)
			if (fr->partners[i].aio != NULL)
				step(fr->partners[i].aio);
	}
	for (int k = 0; fr->relays != NULL && k < FLOOR_CTX; k++)
		free(fr->relays[k].legs);
	free(fr->partners);
	free(fr->relays);
	free(fr->partner_rep);
	free(fr->relay_req);
	if (fr->server_tls != NULL)
		nng_tls_config_free(fr->server_tls);
	if (fr->client_tls != NULL)
		nng_tls_config_free(fr->client_tls);
}

struct floor_client {
	nng_socket sock;
	size_t req;
	int64_t until_us;
	long done, failed;
	int64_t every_us, next_us; /* paced: one fan-out each every_us, from next_us */
};

/* A paced client waits for its next turn (a bench, not a test: it keeps
 * the fan-outs at a given rate). */
static void floor_client_pace(struct floor_client *c)
{
	if (c->every_us <= 0)
		return;
	int64_t wait = c->next_us - time_mono_us();
	if (wait > 0)
		nanosleep(&(struct timespec){ wait / 1000000, (long)(wait % 1000000) * 1000 }, NULL);
	c->next_us += c->every_us;
}

static void *floor_client_main(void *arg)
{
	struct floor_client *c = arg;
	nng_ctx ctx;
	nng_aio *aio = NULL;
	if (nng_ctx_open(&ctx, c->sock) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0)
		return NULL;
	nng_aio_set_timeout(aio, 10000);
	while (floor_client_pace(c), time_mono_us() < c->until_us) {
		nng_aio_set_msg(aio, msg_of(c->req));
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0) {
			nng_msg_free(nng_aio_get_msg(aio));
			c->failed++;
			continue;
		}
		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0) {
			c->failed++;
			continue;
		}
		nng_msg_free(nng_aio_get_msg(aio));
		c->done++;
	}
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	return NULL;
}

double bench_cpu_self(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double bench_cpu_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	const char *p = strrchr(buf, ')'); /* the command may hold spaces */
	unsigned long ut = 0, st = 0;
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
				&st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The context switches of one process, summed over /proc/PID/task. */
double bench_switches_of(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	double sum = 0;
	struct dirent *de;
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		char status[128];
		if (de->d_name[0] == '.' ||
		    snprintf(status, sizeof(status), "%s/%.20s/status", path, de->d_name) >=
			    (int)sizeof(status))
			continue;
		FILE *fp = fopen(status, "r");
		while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
			unsigned long v;
			if (sscanf(line, "voluntary_ctxt_switches: %lu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %lu", &v) == 1)
				sum += (double)v;
		}
		if (fp != NULL)
			fclose(fp);
	}
	if (dir != NULL)
		closedir(dir);
	return sum;
}

/* With procs: CPU seconds and context switches of the relay, then of all
 * partners together. */
static void floor_roles(const struct floor_run *fr, double out[4])
{
	for (int i = 0; i < fr->nkids; i++) {
		out[i ? 2 : 0] += bench_cpu_of(fr->kids[i]);
		out[i ? 3 : 1] += bench_switches_of(fr->kids[i]);
	}
}

/* The floor's CPU time so far: this process's and its children's. */
static double floor_cpu(const struct floor_run *fr)
{
	double s = bench_cpu_self();
	for (int i = 0; i < fr->nkids; i++)
		s += bench_cpu_of(fr->kids[i]);
	return s;
}

struct floor_run *floor_open(const struct floor_params *p)
{
	struct floor_run *fr = calloc(1, sizeof(*fr));
	if (fr == NULL)
		return NULL;
	/* warm: every connection made and its handshake done before timing;
	 * N partners' handshakes on a busy machine may take a while */
	struct floor_client warm = { .req = p->sizes.req };
	if (floor_start(fr, p) == 0) {
		int64_t deadline = time_mono_us() + 30000000;
		warm.sock = fr->req;
		while (warm.done == 0 && time_mono_us() < deadline) {
			warm.until_us = time_mono_us() + 500000;
			floor_client_main(&warm);
		}
	}
	if (warm.done == 0) {
		floor_close(fr);
		return NULL;
	}
	return fr;
}

int floor_load(struct floor_run *fr, const struct floor_params *p, double seconds,
	       struct floor_result *out)
{
	memset(out, 0, sizeof(*out));
	struct floor_client *cl = calloc((size_t)p->threads, sizeof(*cl));
	pthread_t *tids = calloc((size_t)p->threads, sizeof(pthread_t));
	int rc = -1;
	if (cl == NULL || tids == NULL)
		goto out;
	double cpu0 = floor_cpu(fr), role0[4] = { 0 }, role1[4] = { 0 };
	floor_roles(fr, role0);
	int64_t t0 = time_mono_us();
	for (int t = 0; t < p->threads; t++) {
		cl[t] = (struct floor_client){ fr->req, p->sizes.req,
					       t0 + (int64_t)(seconds * 1e6), 0, 0, 0, t0 };
		if (p->pace > 0) { /* the clients' turns spread evenly */
			cl[t].every_us = (int64_t)(1e6 * p->threads / p->pace);
			cl[t].next_us = t0 + cl[t].every_us * t / p->threads;
		}
		pthread_create(&tids[t], NULL, floor_client_main, &cl[t]);
	}
	long done = 0, failed = 0;
	for (int t = 0; t < p->threads; t++) {
		pthread_join(tids[t], NULL);
		done += cl[t].done;
		failed += cl[t].failed;
	}
	double secs = (double)(time_mono_us() - t0) / 1e6;
	double cpu = floor_cpu(fr) - cpu0;
	floor_roles(fr, role1);
	if (done == 0)
		goto out;
	out->fanouts = done;
	out->cpu_s = cpu;
	out->fanouts_per_s = (double)done / secs;
	out->cpu_ms_per_fanout = cpu * 1000.0 / (double)done;
	out->failed = failed;
	if (fr->nkids > 1) {
		int partners = fr->nkids - 1;
		out->relay_cpu_ms = (role1[0] - role0[0]) * 1000.0 / (double)done;
		out->relay_switches = (role1[1] - role0[1]) / (double)done;
		out->partner_cpu_ms = (role1[2] - role0[2]) * 1000.0 / (double)done / partners;
		out->partner_switches = (role1[3] - role0[3]) / (double)done / partners;
	}
	rc = 0;
out:
	free(cl);
	free(tids);
	return rc;
}

void floor_close(struct floor_run *fr)
{
	if (fr == NULL)
		return;
	floor_stop(fr);
	free(fr);
}
