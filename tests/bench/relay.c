/*
 * relay.c — `make bench-relay`: the same fan-out through Mosquitto, the MQTT
 * relay a federation could pick instead of wijknet (mutual TLS, QoS 0, no
 * policy, signatures or logs). Each lookup publishes one message of the
 * partner's size to each partner's topic; each partner answers on the
 * requester's topic; the requester waits for all N answers. CPU time is the
 * relay's (its /proc entry) plus this process's clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mosquitto.h>

#include "harness.h"
#include "ids.h"
#include "floor.h"
#include "relay.h"

#define RELAY_TOPIC 64
#define RELAY_HEAD (RELAY_TOPIC + 8) /* a request: the answer's topic, the lookup's number */

struct relay_partner {
	struct mosquitto *m;
	size_t answer;
};

struct relay_client {
	struct mosquitto *m;
	char topic[RELAY_TOPIC];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int answers;
	uint64_t seq; /* the lookup waited for: a late answer to an earlier one does not count */
};

/* A partner answers on the topic the request names (its first bytes). */
static void partner_on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct relay_partner *p = arg;
	char topic[RELAY_TOPIC];
	if (msg->payloadlen < RELAY_HEAD)
		return;
	memcpy(topic, msg->payload, RELAY_TOPIC);
	topic[RELAY_TOPIC - 1] = '\0';
	size_t len = p->answer > sizeof(uint64_t) ? p->answer : sizeof(uint64_t);
	char *buf = calloc(1, len);
	if (buf != NULL) { /* the answer names the lookup it answers */
		memcpy(buf, (const char *)msg->payload + RELAY_TOPIC, sizeof(uint64_t));
		mosquitto_publish(m, NULL, topic, (int)len, buf, 0, false);
	}
	free(buf);
}

static void client_on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	(void)m;
	struct relay_client *c = arg;
	uint64_t seq = 0;
	if (msg->payloadlen < (int)sizeof(seq))
		return;
	memcpy(&seq, msg->payload, sizeof(seq));
	pthread_mutex_lock(&c->lock);
	if (seq == c->seq) {
		c->answers++;
		pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/* A client with the TLS identity of partner cert_id, as MQTT client_id. */
static struct mosquitto *relay_connect(struct fed *f, const char *cert_id, const char *client_id,
				       int port, void *arg,
				       void (*on_message)(struct mosquitto *, void *,
							  const struct mosquitto_message *))
{
	char ca[512], pem[512], rel[96];
	snprintf(rel, sizeof(rel), "ca/%s.pem", cert_id);
	fed_file(f, "ca/ca.crt", ca, sizeof(ca));
	fed_file(f, rel, pem, sizeof(pem));
	struct mosquitto *m = mosquitto_new(client_id, true, arg);
	if (m == NULL)
		return NULL;
	mosquitto_message_callback_set(m, on_message);
	/* the chain is checked against the federation CA; the relay's name is
	 * "broker", not the 127.0.0.1 dialled, so the name check is off */
	if (mosquitto_tls_set(m, ca, NULL, pem, pem, NULL) != MOSQ_ERR_SUCCESS ||
	    mosquitto_tls_insecure_set(m, true) != MOSQ_ERR_SUCCESS ||
	    mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

/* Starts mosquitto with mutual TLS on port, the broker's certificate. */
static pid_t relay_start(struct fed *f, int port)
{
	char conf[512], ca[512], pem[512];
	fed_file(f, "mosquitto.conf", conf, sizeof(conf));
	fed_file(f, "ca/ca.crt", ca, sizeof(ca));
	fed_file(f, "ca/broker.pem", pem, sizeof(pem));
	FILE *fp = fopen(conf, "w");
	if (fp == NULL)
		return -1;
	/* as root, mosquitto changes to its own user, which cannot read the
	 * federation's files: it stays who we are */
	struct passwd *pw = getpwuid(getuid());
	fprintf(fp, "listener %d 127.0.0.1\nallow_anonymous true\nrequire_certificate true\n"
		"cafile %s\ncertfile %s\nkeyfile %s\npersistence false\nlog_dest none\n"
		"max_inflight_messages 0\nmax_queued_messages 100000\nuser %s\n", port, ca, pem,
		pem, pw != NULL ? pw->pw_name : "root");
	fclose(fp);
	char errlog[512];
	fed_file(f, "logs/mosquitto.log", errlog, sizeof(errlog));
	pid_t pid = fork();
	if (pid == 0) {
		/* its warnings (as root, one each start) go to its log, not into the table */
		int fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0 && dup2(fd, STDERR_FILENO) >= 0)
			close(fd);
		execl("/usr/sbin/mosquitto", "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

struct relay_load {
	struct relay_client *c;
	int n;
	size_t part;
	int64_t until_us;
	long done, failed;
};

/* One lookup: a request to each partner, then wait for every answer. */
static int relay_lookup(struct relay_client *c, int n, char *payload, size_t part)
{
	pthread_mutex_lock(&c->lock);
	c->answers = 0;
	c->seq++;
	memcpy(payload + RELAY_TOPIC, &c->seq, sizeof(c->seq));
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < n; i++) {
		char topic[RELAY_TOPIC];
		snprintf(topic, sizeof(topic), "wn/req/partner-%02d", i + 1);
		if (mosquitto_publish(c->m, NULL, topic, (int)part, payload, 0, false) !=
		    MOSQ_ERR_SUCCESS)
			return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	while (c->answers < n && rc == 0)
		rc = pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	int ok = c->answers >= n;
	pthread_mutex_unlock(&c->lock);
	return ok ? 0 : -1;
}

static void *relay_load_main(void *arg)
{
	struct relay_load *l = arg;
	char *payload = calloc(1, l->part > RELAY_HEAD ? l->part : RELAY_HEAD);
	if (payload == NULL)
		return NULL;
	snprintf(payload, RELAY_TOPIC, "%s", l->c->topic);
	while (time_mono_us() < l->until_us) {
		if (relay_lookup(l->c, l->n, payload, l->part > RELAY_HEAD ? l->part : RELAY_HEAD) ==
		    0)
			l->done++;
		else
			l->failed++;
	}
	free(payload);
	return NULL;
}

/* Waits (bounded) until every partner's subscription is in place: a probe
 * lookup from the first client is answered by all. */
static int relay_wait_ready(struct relay_client *c, int n, size_t part)
{
	char *payload = calloc(1, part > RELAY_HEAD ? part : RELAY_HEAD);
	int rc = -1;
	if (payload == NULL)
		return -1;
	snprintf(payload, RELAY_TOPIC, "%s", c->topic);
	for (int64_t end = time_mono_ms() + 20000; rc != 0 && time_mono_ms() < end;)
		rc = relay_lookup(c, n, payload, part > RELAY_HEAD ? part : RELAY_HEAD);
	free(payload);
	return rc;
}

int relay_measure(struct fed *f, const struct relay_params *p, double (*cpu_of)(pid_t),
		  struct relay_result *out)
{
	memset(out, 0, sizeof(*out));
	mosquitto_lib_init();
	pid_t relay = relay_start(f, p->port);
	struct relay_partner *parts = calloc((size_t)p->n, sizeof(*parts));
	struct relay_client *cl = calloc((size_t)p->threads, sizeof(*cl));
	struct relay_load *loads = calloc((size_t)p->threads, sizeof(*loads));
	pthread_t *tids = calloc((size_t)p->threads, sizeof(pthread_t));
	int rc = -1, started = 0;
	if (relay <= 0 || parts == NULL || cl == NULL || loads == NULL || tids == NULL)
		goto out;
	/* the relay listens once it accepts a client: the first connect retries */
	for (int i = 0; i < p->n; i++) {
		char id[32], topic[RELAY_TOPIC];
		snprintf(id, sizeof(id), "partner-%02d", i + 1);
		snprintf(topic, sizeof(topic), "wn/req/%s", id);
		parts[i].answer = p->answer;
		for (int64_t end = time_mono_ms() + 10000;
		     parts[i].m == NULL && time_mono_ms() < end;)
			if ((parts[i].m = relay_connect(f, id, id, p->port, &parts[i],
							partner_on_message)) == NULL)
				sleep_ms(50);
		if (parts[i].m == NULL || mosquitto_subscribe(parts[i].m, NULL, topic, 0) !=
						     MOSQ_ERR_SUCCESS)
			goto out;
	}
	for (int t = 0; t < p->threads; t++) {
		pthread_mutex_init(&cl[t].lock, NULL);
		pthread_cond_init(&cl[t].cond, NULL);
		snprintf(cl[t].topic, sizeof(cl[t].topic), "wn/ans/%d", t);
		char id[32]; /* one connection per client id: each its own */
		snprintf(id, sizeof(id), "requester-%d", t);
		if ((cl[t].m = relay_connect(f, "requester", id, p->port, &cl[t],
					     client_on_message)) == NULL ||
		    mosquitto_subscribe(cl[t].m, NULL, cl[t].topic, 0) != MOSQ_ERR_SUCCESS)
			goto out;
	}
	for (int t = 0; t < p->threads; t++)
		if (relay_wait_ready(&cl[t], p->n, p->part) != 0)
			goto out;
	double cpu0 = bench_cpu_self() + cpu_of(relay);
	int64_t t0 = time_mono_us();
	for (int t = 0; t < p->threads; t++) {
		loads[t] = (struct relay_load){ &cl[t], p->n, p->part,
						t0 + (int64_t)p->seconds * 1000000, 0, 0 };
		pthread_create(&tids[t], NULL, relay_load_main, &loads[t]);
		started++;
	}
	long done = 0;
	for (int t = 0; t < started; t++) {
		pthread_join(tids[t], NULL);
		done += loads[t].done;
		out->failed += loads[t].failed;
	}
	started = 0;
	double secs = (double)(time_mono_us() - t0) / 1e6;
	double cpu = bench_cpu_self() + cpu_of(relay) - cpu0;
	if (done > 0) {
		out->lookups_per_s = (double)done / secs;
		out->cpu_ms_per_lookup = cpu * 1000.0 / (double)done;
		rc = 0;
	}
out:
	for (int t = 0; cl != NULL && t < p->threads; t++)
		if (cl[t].m != NULL) {
			mosquitto_disconnect(cl[t].m);
			mosquitto_loop_stop(cl[t].m, false);
			mosquitto_destroy(cl[t].m);
		}
	for (int i = 0; parts != NULL && i < p->n; i++)
		if (parts[i].m != NULL) {
			mosquitto_disconnect(parts[i].m);
			mosquitto_loop_stop(parts[i].m, false);
			mosquitto_destroy(parts[i].m);
		}
	if (relay > 0) {
		kill(relay, SIGTERM);
		waitpid(relay, NULL, 0);
	}
	free(parts);
	free(cl);
	free(loads);
	free(tids);
	mosquitto_lib_cleanup();
	return rc;
}
