/*
 * federation.c — keeps the running federation current without restarts: the
 * CA and CRL are read again when their files change or on SIGHUP (the
 * listener's TLS configuration swapped, partners rechecked), notice periods
 * end on their date, and every node is told when the directory changed so
 * that a revocation takes effect everywhere within seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wijknet.h"
#include "daemon.h"
#include "breaches.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"

#define FEDERATION_TICK_MS 1000
#define PUSH_DEADLINE_MS 1500

extern char **environ;

/* A fingerprint of a file's state: changes when it is rewritten. */
static int64_t file_stamp(const char *path)
{
	struct stat st;
	if (path == NULL || stat(path, &st) != 0)
		return 0;
	return (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec + st.st_size +
	       (int64_t)st.st_ino;
}

/* Swaps the listener's TLS configuration for one from the trust as it is. */
static int broker_swap_tls(struct broker *b, char *err, size_t errcap)
{
	nng_tls_config *tls = NULL;
	int rc = transport_tls_config_trust(&tls, 1, b->cert_path, b->trust, NULL, err, errcap);
	if (rc == 0 && (rc = rpc_server_set_tls(b->server, tls)) != 0)
		snprintf(err, errcap, "the listener refused the new TLS configuration: %s",
			 wn_strerror(rc));
	if (tls != NULL)
		nng_tls_config_free(tls); /* the listener holds its own reference */
	return rc;
}

int broker_reload(struct broker *b, int *changed, char *err, size_t errcap)
{
	pthread_mutex_lock(&b->reload_lock); /* SIGHUP, the operator and the timer */
	int rc = pki_trust_reload(b->trust, b->ca_path, b->crl_path, changed, err, errcap);
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "reload_failed", "%s (the CA and CRL in use stay)", err);
		goto out;
	}
	b->crl_stamp = file_stamp(b->crl_path) ^ file_stamp(b->ca_path);
	if (*changed || b->tls_stale) {
		/* the partners are checked again whatever the listener says: a revoked
		 * one is refused by its signature check from now on */
		int revoked = 0, trc = broker_swap_tls(b, err, errcap);
		b->tls_stale = trc != 0; /* tried again on the next tick */
		if (trc != 0)
			log_msg(WN_LOG_ERROR, "reload_failed", "%s (retried)", err);
		if ((rc = registry_recheck(b->reg, &revoked)) != 0)
			snprintf(err, errcap, "cannot record a revocation: %s", wn_strerror(rc));
		long left = 0;
		log_emit(WN_LOG_INFO, "trust_reloaded",
			 json_pack("{s:s,s:s?,s:i,s:I}", "ca", b->ca_path, "crl", b->crl_path,
				   "revoked", revoked, "crl_seconds_left",
				   (json_int_t)(pki_trust_crl_seconds_left(b->trust, &left) == 0
							? left
							: -1)));
		if (rc == 0)
			rc = trc;
	}
out:
	pthread_mutex_unlock(&b->reload_lock);
	return rc;
}

/* Partners whose notice period is over leave the federation (Heerlen 14.2);
 * the database holds the end dates. */
static void federation_end_notices(struct broker *b)
{
	sqlite3_stmt *st = NULL;
	json_t *due = json_array();
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT id FROM partners WHERE status IN ('notice', 'suspended')"
			      " AND end_at IS NOT NULL AND end_at > 0 AND end_at <= ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, time_now_ms());
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(due, json_string((const char *)sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	size_t i;
	json_t *id;
	json_array_foreach(due, i, id) {
		struct registry_partner *p = registry_find(b->reg, json_string_value(id));
		/* a suspension does not stop the notice period: it ends all the same */
		int rc = p ? registry_set_state(b->reg, p,
						REGISTRY_FROM(PARTNER_NOTICE) |
							REGISTRY_FROM(PARTNER_SUSPENDED),
						PARTNER_ENDED, 0, "the notice period ended (Heerlen 14.2)",
						b->ident->id)
			   : WN_ENOTFOUND;
		if (rc == WN_ESTATE)
			continue; /* revoked meanwhile */
		if (rc != 0)
			log_msg(WN_LOG_ERROR, "membership_end_failed", "%s: %s",
				json_string_value(id), wn_strerror(rc));
	}
	json_decref(due);
}

/* Who directs a case whose director left the federation: the
 * municipality first, then an active member, then one under notice. */
static int federation_director_rank(const char *partner, void *arg)
{
	struct broker *b = arg;
	struct registry_partner *p = registry_find(b->reg, partner);
	int state = p ? atomic_load(&p->state) : PARTNER_ENDED;
	if (state == PARTNER_ACTIVE)
		return p->municipality ? 3 : 2;
	return state == PARTNER_NOTICE;
}

/* An ended partner leaves its running cases (Heerlen 14.2: they were to be
 * finished first), and so does a revoked one, which can never act in them
 * again; once per such partner and start, retried on failure. */
static void federation_release_ended(struct broker *b)
{
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		int state = atomic_load(&p->state);
		if ((state != PARTNER_ENDED && state != PARTNER_REVOKED) ||
		    atomic_load(&p->cases_released))
			continue;
		struct store_case_release r = { b->audit.log, p->id, federation_director_rank, b,
						b->case_retention_days, 0, 0 };
		int rc = db_writer_run(b->writer, store_case_release, &r);
		if (rc != 0) {
			log_msg(WN_LOG_ERROR, "case_release_failed", "%s: %s", p->id, wn_strerror(rc));
			continue;
		}
		if (r.released > 0)
			log_emit(WN_LOG_INFO, "cases_released",
				 json_pack("{s:s,s:I}", "partner", p->id, "cases",
					   (json_int_t)r.released));
		if (!r.more)
			atomic_store(&p->cases_released, 1);
	}
}

/* Runs the CA tool with argv; what it prints (stdout and stderr, the first
 * outcap - 1 bytes, the rest read and dropped) into out, so that it joins
 * the broker's JSON log as a field rather than as a line of its own.
 * Returns its wait status (-1: it could not run). */
static int federation_run_ca(struct broker *b, char **argv, char *out, size_t outcap)
{
	int fds[2], st = -1;
	size_t used = 0;
	pid_t pid;
	if (pipe(fds) != 0) {
		snprintf(out, outcap, "no pipe: %s", strerror(errno));
		return -1;
	}
	/* close-on-exec: another child spawned meanwhile keeps no write end */
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(out, outcap, "pipe: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	int spawned = posix_spawnp(&pid, b->ca_tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	char buf[512];
	ssize_t got;
	while (spawned == 0 && ((got = read(fds[0], buf, sizeof(buf))) > 0 ||
				(got < 0 && errno == EINTR))) {
		size_t take = got > 0 ? (size_t)got : 0;
		if (take > outcap - 1 - used)
			take = outcap - 1 - used;
		memcpy(out + used, buf, take);
		used += take;
	}
	close(fds[0]);
	out[used] = '\0';
	while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == ' '))
		out[--used] = '\0';
	if (spawned != 0)
		snprintf(out, outcap, "cannot run %s: %s", b->ca_tool, strerror(spawned));
	else
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	return st;
}

/* An ended or revoked partner's certificate is revoked by the federation CA
 * when the broker's host keeps it (config "ca_dir"): wijknet-ca runs as a
 * child, the CRL file changes, and the change reaches every node. */
static void federation_revoke_ended(struct broker *b)
{
	if (b->ca_dir == NULL)
		return;
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		int state = atomic_load(&p->state);
		if ((state != PARTNER_ENDED && state != PARTNER_REVOKED) ||
		    atomic_load(&p->cert_error) != 0 || atomic_load(&p->revoke_next_ms) > time_now_ms())
			continue;
		/* the operator's revocation says no more than that it must not be used */
		char *argv[] = { b->ca_tool, "--dir", b->ca_dir, "revoke", p->id, "--reason",
				 state == PARTNER_ENDED ? "cessationOfOperation" : "unspecified",
				 NULL };
		char out[1024] = "";
		int st = federation_run_ca(b, argv, out, sizeof(out));
		int status = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		/* a failure is tried again a minute later, and said each time */
		atomic_store(&p->revoke_next_ms, st == 0 ? INT64_MAX : time_now_ms() + 60000);
		if (st == 0)
			log_emit(WN_LOG_INFO, "certificate_revoked",
				 json_pack("{s:s,s:s,s:s}", "partner", p->id, "reason",
					   state == PARTNER_ENDED ? "membership ended"
								  : "revoked by the operator",
					   "ca_output", out));
		else
			log_emit(WN_LOG_ERROR, "certificate_revoke_failed",
				 json_pack("{s:s,s:s,s:s,s:i,s:s}", "partner", p->id, "msg",
					   "the CA tool did not succeed; tried again in a minute, "
					   "or revoke it by hand", "ca_dir", b->ca_dir, "exit_status", status,
					   "ca_output", out));
	}
}

int broker_ca_revoke_replaced(struct broker *b, const char *id, const char *keep, char *out,
			      size_t outcap)
{
	char *argv[] = { b->ca_tool, "--dir", b->ca_dir, "revoke", (char *)id, "--except",
			 (char *)keep, "--reason", "keyCompromise", NULL };
	int st = federation_run_ca(b, argv, out, outcap);
	if (st == 0) {
		log_emit(WN_LOG_INFO, "certificate_revoked",
			 json_pack("{s:s,s:s,s:s,s:s}", "partner", id, "reason",
				   "its key was replaced", "kept", keep, "ca_output", out));
		return 0;
	}
	log_emit(WN_LOG_ERROR, "certificate_revoke_failed",
		 json_pack("{s:s,s:s,s:s,s:s}", "partner", id, "msg",
			   "the CA tool did not revoke the replaced key's certificates: revoke "
			   "them by hand", "ca_dir", b->ca_dir, "ca_output", out));
	return WN_EIO;
}

/* Tells every reachable node that the directory changed; each fetches and
 * verifies it itself. Best effort: nodes also refresh on their own timer. */
static void federation_push(struct broker *b, int64_t version)
{
	size_t n = registry_count(b->reg);
	struct rpc_fan_item *items = calloc(n ? n : 1, sizeof(*items));
	char **bufs = calloc(n ? n : 1, sizeof(char *));
	if (items == NULL || bufs == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		rpc_client *c = atomic_load(&p->client);
		json_t *env = NULL;
		size_t len = 0;
		if (!registry_usable(p) || !rpc_client_connected(c))
			continue;
		if (envelope_new1(&env, "directory.changed", b->ident->id, p->id) == 0) {
			json_object_set_new(env, "body", json_pack("{s:I}", "version",
								   (json_int_t)version));
			if (broker_sign(b, env) == 0 && envelope_encode(env, &bufs[i], &len) == 0) {
				items[i].client = c;
				items[i].req = bufs[i];
				items[i].len = len;
			}
		}
		json_decref(env);
	}
	rpc_fanout(items, n, PUSH_DEADLINE_MS);
	for (size_t i = 0; i < n; i++)
		free(items[i].resp);
out:
	for (size_t i = 0; bufs != NULL && i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(items);
}

static void federation_tick(struct broker *b)
{
	int64_t stamp = file_stamp(b->crl_path) ^ file_stamp(b->ca_path);
	pthread_mutex_lock(&b->reload_lock);
	int due = stamp != b->crl_stamp || b->tls_stale;
	b->crl_stamp = stamp; /* a bad file is reported once, not every second */
	pthread_mutex_unlock(&b->reload_lock);
	if (due) {
		char err[512];
		int changed = 0;
		(void)broker_reload(b, &changed, err, sizeof(err));
	}
	federation_end_notices(b);
	federation_release_ended(b);
	federation_revoke_ended(b);
	breaches_sync_own(b->db, b->ident->id);
	int64_t version = registry_version(b->reg);
	if (version != b->pushed_version || atomic_exchange(&b->retally_due, 0))
		broker_member_retally(b);
	if (atomic_exchange(&b->carry_due, 0) && broker_member_carry_pending(b))
		atomic_store(&b->carry_due, 1); /* the next tick tries again */
	if (version != b->pushed_version) {
		federation_push(b, version);
		b->pushed_version = version;
	}
}

static void *federation_main(void *arg)
{
	struct broker *b = arg;
	daemon_name_thread("wn:federation");
	pthread_mutex_lock(&b->fed_lock);
	while (!b->fed_stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += FEDERATION_TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&b->fed_wake, &b->fed_lock, &ts);
		if (b->fed_stopping)
			break;
		pthread_mutex_unlock(&b->fed_lock);
		federation_tick(b);
		pthread_mutex_lock(&b->fed_lock);
	}
	pthread_mutex_unlock(&b->fed_lock);
	return NULL;
}

int broker_federation_start(struct broker *b)
{
	b->crl_stamp = file_stamp(b->crl_path) ^ file_stamp(b->ca_path);
	b->pushed_version = registry_version(b->reg);
	atomic_store(&b->carry_due, 1); /* a stop may have come between decision and deed */
	/* ... or between a partner's end and closing the proposals about it */
	atomic_store(&b->retally_due, 1);
	if (pthread_create(&b->fed_thread, NULL, federation_main, b) != 0)
		return WN_ENOMEM;
	b->fed_started = 1;
	return 0;
}

void broker_federation_wake(struct broker *b)
{
	pthread_mutex_lock(&b->fed_lock);
	pthread_cond_broadcast(&b->fed_wake);
	pthread_mutex_unlock(&b->fed_lock);
}

void broker_federation_stop(struct broker *b)
{
	if (!b->fed_started)
		return;
	pthread_mutex_lock(&b->fed_lock);
	b->fed_stopping = 1;
	pthread_cond_broadcast(&b->fed_wake);
	pthread_mutex_unlock(&b->fed_lock);
	pthread_join(b->fed_thread, NULL);
	b->fed_started = 0;
}
