/*
 * test_replay.c — unit tests for common/replay.c (seen-id cache and skew
 * window, persisted across restarts), common/db.c (versioned migrations)
 * and common/secevent.c (the breach register).
 *
 * Each test opens its own SQLite file in a mkdtemp() directory under /tmp
 * and removes it (with the WAL side files) at the end.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "db.h"
#include "ids.h"
#include "log.h"
#include "replay.h"
#include "secevent.h"

#define SKEW_MS 300000 /* five minutes */

static const struct db_migration migrations[] = {
	{ 1, REPLAY_SCHEMA },
	{ 2, SECEVENT_SCHEMA SECEVENT_AGGREGATE_SCHEMA },
	{ 3, REPLAY_STATE_SCHEMA },
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

struct tdb {
	char dir[64];
	char path[128];
	db *d;
};

static void tdb_open_with(struct tdb *t, const struct db_migration *m, size_t n)
{
	char err[256] = "";
	t->d = NULL;
	int rc = db_open(t->path, m, n, &t->d, err, sizeof(err));
	if (rc != 0)
		print_error("db_open(%s): %d %s\n", t->path, rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(t->d);
}

static int setup(void **state)
{
	struct tdb *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/wn-replay-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tdb *t = *state;
	char p[160];
	db_close(t->d);
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
		unlink(p);
	}
	int rc = rmdir(t->dir);
	free(t);
	return rc;
}

static int setup_open(void **state)
{
	if (setup(state) != 0)
		return -1;
	struct tdb *t = *state;
	char err[256] = "";
	if (db_open(t->path, migrations, NMIGRATIONS, &t->d, err, sizeof(err)) != 0) {
		fprintf(stderr, "db_open: %s\n", err);
		return -1;
	}
	return 0;
}

/* Single integer result of sql on d. */
static long long query_int(db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void fresh_id(char id[ID_HEX_LEN + 1])
{
	assert_int_equal(id_generate(id), 0);
	assert_int_equal(id_validate(id), 0);
}

/* ---- replay ------------------------------------------------------------ */

/* The cache as a daemon holds it: over the database, writing through a
 * group-commit writer. */
struct tcache {
	db_writer *w;
	replay *r;
};

static void cache_open(struct tdb *t, struct tcache *c)
{
	assert_int_equal(db_writer_open(t->d, 1, &c->w), 0);
	assert_int_equal(replay_open(t->d, c->w, SKEW_MS, &c->r), 0);
}

/* A clean stop: the ids not yet written are, and the stop is marked. */
static void cache_close(struct tcache *c)
{
	replay_close(c->r);
	db_writer_close(c->w);
	c->r = NULL;
	c->w = NULL;
}

static void reopen(struct tdb *t)
{
	db_close(t->d);
	t->d = NULL;
	tdb_open_with(t, migrations, NMIGRATIONS);
}

static void test_r20_integrity_replay_fresh_then_refused(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	char id[ID_HEX_LEN + 1], other[ID_HEX_LEN + 1];
	fresh_id(id);
	fresh_id(other);
	cache_open(t, &c);
	int64_t now = time_now_ms();
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), 0);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_EREPLAY);
	/* a different timestamp does not make the same id new */
	assert_int_equal(replay_check(c.r, id, now + 1000, SKEW_MS), WN_EREPLAY);
	/* another id with the same timestamp is fine */
	assert_int_equal(replay_check(c.r, other, now, SKEW_MS), 0);
	assert_int_equal(replay_check(c.r, other, now, SKEW_MS), WN_EREPLAY);
	/* no id, or one longer than any envelope's */
	assert_int_equal(replay_check(c.r, "", now, SKEW_MS), WN_EPROTO);
	char longid[REPLAY_ID_MAX + 2];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(replay_check(c.r, longid, now, SKEW_MS), WN_EPROTO);
	/* checked in memory: written in a batch, at the latest at the stop */
	cache_close(&c);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen"), 2);
	assert_int_equal(query_int(t->d, "SELECT clean FROM replay_state"), 1);
}

static void test_r20_integrity_replay_skew_window(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	char id[ID_HEX_LEN + 1];
	cache_open(t, &c);
	int64_t now = time_now_ms();
	fresh_id(id);
	assert_int_equal(replay_check(c.r, id, now - SKEW_MS - 5000, SKEW_MS), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id, now + SKEW_MS + 5000, SKEW_MS), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id, 0, SKEW_MS), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id, INT64_C(1) << 52, SKEW_MS), WN_ESKEW);
	/* inside the window, early and late, it is accepted */
	assert_int_equal(replay_check(c.r, id, now - SKEW_MS + 5000, SKEW_MS), 0);
	fresh_id(id);
	assert_int_equal(replay_check(c.r, id, now + SKEW_MS - 5000, SKEW_MS), 0);
	/* stamped far ahead, it was written before it was accepted */
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen"), 2);
	/* a replay with a skewed timestamp is refused too */
	assert_int_equal(replay_check(c.r, id, now + SKEW_MS + 5000, SKEW_MS), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_EREPLAY);
	/* a narrower window refuses what a wider one accepts */
	fresh_id(id);
	assert_int_equal(replay_check(c.r, id, now - 10000, 1000), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id, now - 10000, 60000), 0);
	cache_close(&c);
	/* refused timestamps did not consume the id */
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen"), 3);
}

static void test_r20_integrity_replay_survives_restart(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	char id[ID_HEX_LEN + 1], id2[ID_HEX_LEN + 1];
	fresh_id(id);
	fresh_id(id2);
	int64_t now = time_now_ms();
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), 0);
	cache_close(&c);
	reopen(t);
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_EREPLAY);
	/* after a clean stop, what was stamped before the start is accepted */
	assert_int_equal(replay_check(c.r, id2, now, SKEW_MS), 0);
	cache_close(&c);
	/* and once more */
	reopen(t);
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_EREPLAY);
	assert_int_equal(replay_check(c.r, id2, now, SKEW_MS), WN_EREPLAY);
	cache_close(&c);
}

/* A daemon that dies: its last ids may never have been written, so after
 * the restart everything stamped before it is refused, and what comes
 * after is accepted; a clean stop after that keeps the floor. */
static void test_r20_integrity_replay_unclean_stop(void **state)
{
	struct tdb *t = *state;
	char id[ID_HEX_LEN + 1], ahead[ID_HEX_LEN + 1], later[ID_HEX_LEN + 1];
	fresh_id(id);
	fresh_id(ahead);
	fresh_id(later);
	int64_t now = time_now_ms();
	db_close(t->d);
	t->d = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tcache c;
		tdb_open_with(t, migrations, NMIGRATIONS);
		cache_open(t, &c);
		/* ahead first: written at once; id then waits for its batch */
		int ok = replay_check(c.r, ahead, now + 60000, SKEW_MS) == 0 &&
			 replay_check(c.r, id, now, SKEW_MS) == 0;
		_exit(ok ? 0 : 1); /* no replay_close: a crash */
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tdb_open_with(t, migrations, NMIGRATIONS);
	assert_int_equal(query_int(t->d, "SELECT clean FROM replay_state"), 0);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM replay_seen WHERE id = '%s'", id);
	assert_int_equal(query_int(t->d, sql), 0); /* lost with the crash */
	struct tcache c;
	cache_open(t, &c);
	/* the id the dead run saw but had not written: refused by the floor,
	 * and the sender is told it was the restart, not its clock */
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_ESKEW);
	char why[256];
	replay_explain(c.r, WN_ESKEW, id, now, SKEW_MS, why, sizeof(why));
	assert_non_null(strstr(why, "before the receiver restarted after a stop that was not clean"));
	replay_explain(c.r, WN_ESKEW, id, now - SKEW_MS - 5000, SKEW_MS, why, sizeof(why));
	assert_non_null(strstr(why, "outside the window"));
	replay_explain(c.r, WN_EREPLAY, id, now, SKEW_MS, why, sizeof(why));
	assert_non_null(strstr(why, "was seen before"));
	/* stamped ahead of the restart, it had been written before it passed */
	assert_int_equal(replay_check(c.r, ahead, now + 60000, SKEW_MS), WN_EREPLAY);
	/* a new message, stamped once the restart is done: accepted */
	assert_int_equal(replay_check(c.r, later, time_now_ms(), SKEW_MS), 0);
	cache_close(&c);
	/* a clean stop since does not lift the floor: id is still refused */
	reopen(t);
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_ESKEW);
	assert_int_equal(replay_check(c.r, later, time_now_ms(), SKEW_MS), WN_EREPLAY);
	cache_close(&c);
}

/* Ids that could not be written leave the stop unclean: the next start
 * refuses what was stamped before it. */
static void test_r20_integrity_replay_lost_batch_not_clean(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	char id[ID_HEX_LEN + 1], ahead[ID_HEX_LEN + 1];
	fresh_id(id);
	fresh_id(ahead);
	cache_open(t, &c);
	int64_t now = time_now_ms();
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), 0);
	/* the table is gone for a moment: the write that id rides in fails */
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(t->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "ALTER TABLE replay_seen RENAME TO moved", NULL, NULL,
				      NULL), SQLITE_OK);
	assert_int_equal(replay_check(c.r, ahead, now + 60000, SKEW_MS), WN_EDB);
	assert_int_equal(sqlite3_exec(other, "ALTER TABLE moved RENAME TO replay_seen", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(other);
	/* nor was ahead taken: it may come again once it can be written */
	assert_int_equal(replay_check(c.r, ahead, now + 60000, SKEW_MS), 0);
	cache_close(&c);
	assert_int_equal(query_int(t->d, "SELECT clean FROM replay_state"), 0);
	reopen(t);
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, id, now, SKEW_MS), WN_ESKEW);
	cache_close(&c);
}

/* The same for a batch posted in the group commit: its failure, found
 * when the stop flushes it, leaves the stop unclean. */
static void test_r20_integrity_replay_lost_posted_batch_not_clean(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	enum { N = 300 }; /* more than a batch */
	static char ids[N][ID_HEX_LEN + 1];
	cache_open(t, &c);
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(t->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "ALTER TABLE replay_seen RENAME TO moved", NULL, NULL,
				      NULL), SQLITE_OK);
	int64_t now = time_now_ms();
	for (int i = 0; i < N; i++) {
		fresh_id(ids[i]);
		assert_int_equal(replay_check(c.r, ids[i], now, SKEW_MS), 0);
	}
	assert_int_equal(db_writer_flush(c.w), 0); /* the posted batch has failed */
	assert_int_equal(sqlite3_exec(other, "ALTER TABLE moved RENAME TO replay_seen", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(other);
	cache_close(&c);
	assert_int_equal(query_int(t->d, "SELECT clean FROM replay_state"), 0);
	reopen(t);
	cache_open(t, &c);
	assert_int_equal(replay_check(c.r, ids[0], now, SKEW_MS), WN_ESKEW);
	cache_close(&c);
}

/* Waits, on the clock, until ms have passed since from. */
static void wait_past(int64_t from, int64_t ms)
{
	while (time_now_ms() <= from + ms)
		usleep(10000);
}

/* A window widened by a reload, or at a restart, does not readmit ids
 * kept only for the narrower one. */
static void test_r20_integrity_replay_window_widened(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	char id[ID_HEX_LEN + 1], id2[ID_HEX_LEN + 1];
	fresh_id(id);
	fresh_id(id2);
	assert_int_equal(db_writer_open(t->d, 1, &c.w), 0);
	assert_int_equal(replay_open(t->d, c.w, 2000, &c.r), 0);
	int64_t now = time_now_ms();
	assert_int_equal(replay_check(c.r, id, now - 1500, 2000), 0);
	cache_close(&c);
	/* started again with a narrower window, then widened by a reload */
	reopen(t);
	assert_int_equal(db_writer_open(t->d, 1, &c.w), 0);
	assert_int_equal(replay_open(t->d, c.w, 1000, &c.r), 0);
	assert_int_not_equal(replay_check(c.r, id, now - 1500, 10000), 0);
	/* within a run: once widened, what came before the wider window is
	 * refused, what comes after it accepted */
	assert_int_equal(replay_check(c.r, id2, time_now_ms() - 5000, 60000), WN_ESKEW);
	assert_int_equal(replay_check(c.r, id2, time_now_ms(), 60000), 0);
	cache_close(&c);
	/* kept for a narrow window, pruned, then a restart with a wide one */
	char id3[ID_HEX_LEN + 1];
	fresh_id(id3);
	reopen(t);
	assert_int_equal(sqlite3_exec(db_handle(t->d), "DELETE FROM replay_seen; UPDATE replay_state"
				      " SET floor_ms = 0, skew_ms = 50", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_writer_open(t->d, 1, &c.w), 0);
	assert_int_equal(replay_open(t->d, c.w, 50, &c.r), 0);
	int64_t at = time_now_ms();
	assert_int_equal(replay_check(c.r, id3, at, 50), 0);
	wait_past(at, 150);
	cache_close(&c); /* its row goes with the stop's pruning */
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen"), 0);
	reopen(t);
	assert_int_equal(db_writer_open(t->d, 1, &c.w), 0);
	assert_int_equal(replay_open(t->d, c.w, 10000, &c.r), 0);
	assert_int_equal(replay_check(c.r, id3, at, 10000), WN_ESKEW);
	cache_close(&c);
}

/* Many ids in a row: every one accepted once, written in batches through
 * the group commit while the cache runs, all of them by the stop. */
static void test_r20_integrity_replay_many_ids(void **state)
{
	struct tdb *t = *state;
	struct tcache c;
	enum { N = 1100 };
	static char ids[N][ID_HEX_LEN + 1];
	cache_open(t, &c);
	int64_t now = time_now_ms();
	for (int i = 0; i < N; i++) {
		fresh_id(ids[i]);
		assert_int_equal(replay_check(c.r, ids[i], now, SKEW_MS), 0);
	}
	assert_int_equal(db_writer_flush(c.w), 0);
	long long written = query_int(t->d, "SELECT COUNT(*) FROM replay_seen");
	assert_true(written >= 1024); /* the full batches at least */
	for (int i = 0; i < N; i += 97)
		assert_int_equal(replay_check(c.r, ids[i], now, SKEW_MS), WN_EREPLAY);
	cache_close(&c);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen"), N);
}

/* ---- group commit: waiting and posted writes ---------------------------- */

struct tw_arg {
	db_writer *w;
	atomic_int *released;
	int base;
};

static int tw_insert(db *d, void *arg)
{
	int v = *(int *)arg;
	char sql[96];
	snprintf(sql, sizeof(sql), "INSERT INTO tw(v) VALUES (%d)", v);
	return sqlite3_exec(db_handle(d), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : WN_EDB;
}

struct tw_posted {
	int v;
	atomic_int *released;
};

static void tw_release(void *arg, int rc)
{
	struct tw_posted *p = arg;
	if (rc == 0)
		atomic_fetch_add(p->released, 1);
	free(p);
}

/* Each thread alternates a write it waits for with one it posts. */
static void *tw_thread(void *arg)
{
	struct tw_arg *a = arg;
	for (int i = 0; i < 200; i++) {
		int v = a->base + 2 * i;
		if (db_writer_run(a->w, tw_insert, &v) != 0)
			return (void *)1;
		struct tw_posted *p = malloc(sizeof(*p));
		if (p == NULL)
			return (void *)1;
		p->v = v + 1;
		p->released = a->released;
		if (db_writer_post(a->w, tw_insert, p, tw_release) != 0)
			return (void *)1;
	}
	return NULL;
}

/* Posted writes ride in the batches of waiting callers (or the writer's
 * own), each is handed back once, and the close commits what is left. */
static void test_db_writer_posted_writes(void **state)
{
	struct tdb *t = *state;
	db_writer *w = NULL;
	atomic_int released = 0;
	assert_int_equal(sqlite3_exec(db_handle(t->d), "CREATE TABLE tw (v INTEGER UNIQUE)", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(db_writer_open(t->d, 0, &w), 0);
	enum { T = 4 };
	pthread_t th[T];
	struct tw_arg args[T];
	for (int i = 0; i < T; i++) {
		args[i] = (struct tw_arg){ w, &released, i * 1000 };
		assert_int_equal(pthread_create(&th[i], NULL, tw_thread, &args[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		void *ret = NULL;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	/* a flush waits for every write queued before it, posted ones too */
	assert_int_equal(db_writer_flush(w), 0);
	assert_int_equal(atomic_load(&released), T * 200);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM tw"), T * 400);
	/* every write counted once, in fewer commits than writes when batched */
	uint64_t batches = 0, writes = 0;
	db_writer_counts(w, &batches, &writes);
	assert_int_equal(writes, T * 400);
	assert_true(batches >= 1 && batches <= writes);
	/* posted just before the close: still committed */
	struct tw_posted *p = malloc(sizeof(*p));
	assert_non_null(p);
	p->v = 99999;
	p->released = &released;
	assert_int_equal(db_writer_post(w, tw_insert, p, tw_release), 0);
	db_writer_close(w);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM tw WHERE v = 99999"), 1);
	assert_int_equal(atomic_load(&released), T * 200 + 1);
}

/* A posted write alone waits DB_POST_WAIT_MS for a caller's batch, then
 * the writer's own thread commits it; one that a caller's write follows
 * within that time rides in the caller's batch: no commit of its own. */
static void test_db_writer_post_rides_or_is_flushed(void **state)
{
	struct tdb *t = *state;
	db_writer *w = NULL;
	atomic_int released = 0;
	uint64_t batches = 0, writes = 0;
	assert_int_equal(sqlite3_exec(db_handle(t->d), "CREATE TABLE tw (v INTEGER UNIQUE)", NULL,
				      NULL, NULL), SQLITE_OK);
	assert_int_equal(db_writer_open(t->d, 1, &w), 0);
	struct tw_posted *p = malloc(sizeof(*p));
	assert_non_null(p);
	*p = (struct tw_posted){ 1, &released };
	int64_t posted = time_mono_ms();
	assert_int_equal(db_writer_post(w, tw_insert, p, tw_release), 0);
	/* not committed at once: not before DB_POST_WAIT_MS have passed */
	while (atomic_load(&released) == 0 && time_mono_ms() - posted < DB_POST_WAIT_MS)
		usleep(1000);
	if (atomic_load(&released) != 0)
		assert_true(time_mono_ms() - posted >= DB_POST_WAIT_MS);
	for (int i = 0; i < 500 && atomic_load(&released) == 0; i++)
		usleep(10000);
	assert_int_equal(atomic_load(&released), 1);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM tw WHERE v = 1"), 1);
	db_writer_counts(w, &batches, &writes);
	assert_int_equal(batches, 1);
	/* a caller's write soon after: one batch for both */
	int rode = 0;
	for (int attempt = 0; attempt < 5 && !rode; attempt++) {
		uint64_t before = 0;
		db_writer_counts(w, &before, &writes);
		p = malloc(sizeof(*p));
		assert_non_null(p);
		*p = (struct tw_posted){ 10 + 2 * attempt, &released };
		int v = 11 + 2 * attempt;
		posted = time_mono_ms();
		assert_int_equal(db_writer_post(w, tw_insert, p, tw_release), 0);
		assert_int_equal(db_writer_run(w, tw_insert, &v), 0);
		int in_time = time_mono_ms() - posted < DB_POST_WAIT_MS;
		assert_int_equal(atomic_load(&released), 2 + attempt);
		db_writer_counts(w, &batches, &writes);
		rode = in_time && batches == before + 1;
	}
	assert_true(rode);
	db_writer_close(w);
}

/* ---- db migrations ------------------------------------------------------ */

static void test_db_schema_version_recorded(void **state)
{
	struct tdb *t = *state;
	int v = -1;
	assert_null(t->d);
	/* a new file without migrations is version 0 */
	tdb_open_with(t, NULL, 0);
	assert_int_equal(db_schema_version(t->d, &v), 0);
	assert_int_equal(v, 0);
	assert_string_equal(db_path(t->d), t->path);
	db_close(t->d);
	t->d = NULL;

	tdb_open_with(t, migrations, NMIGRATIONS);
	assert_int_equal(db_schema_version(t->d, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM schema_version"), 3);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM sqlite_master WHERE type='table'"
					 " AND name IN ('replay_seen','security_events')"),
			 2);
	long long applied = query_int(t->d, "SELECT applied_at FROM schema_version WHERE version=1");
	assert_true(applied > 1600000000LL);
	/* WAL mode and foreign keys are on */
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(t->d), "PRAGMA journal_mode", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(query_int(t->d, "PRAGMA foreign_keys"), 1);
}

static void test_db_reopen_does_not_reapply(void **state)
{
	struct tdb *t = *state;
	int v = -1;
	tdb_open_with(t, migrations, NMIGRATIONS);
	/* mark the data so a re-created table would be noticed */
	assert_int_equal(sqlite3_exec(db_handle(t->d),
				      "INSERT INTO replay_seen(id, ts) VALUES ('marker', 1)", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	db_close(t->d);
	t->d = NULL;
	/* reopening applies nothing (CREATE TABLE again would fail) */
	tdb_open_with(t, migrations, NMIGRATIONS);
	assert_int_equal(db_schema_version(t->d, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM schema_version"), 3);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen WHERE id='marker'"), 1);
	db_close(t->d);
	t->d = NULL;

	/* a new migration is applied on its own */
	static const struct db_migration more[] = {
		{ 1, REPLAY_SCHEMA },
		{ 2, SECEVENT_SCHEMA SECEVENT_AGGREGATE_SCHEMA },
		{ 3, REPLAY_STATE_SCHEMA },
		{ 4, "CREATE TABLE extra (x INTEGER);" },
	};
	tdb_open_with(t, more, 4);
	assert_int_equal(db_schema_version(t->d, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM schema_version"), 4);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM extra"), 0);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM replay_seen WHERE id='marker'"), 1);
}

static void test_db_failed_migration_rolls_back(void **state)
{
	struct tdb *t = *state;
	static const struct db_migration bad[] = {
		{ 1, REPLAY_SCHEMA },
		{ 2, "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;" },
	};
	char err[256] = "";
	db *d = NULL;
	assert_int_equal(db_open(t->path, bad, 2, &d, err, sizeof(err)), WN_EDB);
	assert_null(d);
	assert_non_null(strstr(err, t->path));
	/* version 1 was committed, version 2 (and its table) rolled back */
	int v = -1;
	tdb_open_with(t, NULL, 0);
	assert_int_equal(db_schema_version(t->d, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM sqlite_master WHERE name='half'"), 0);
}

/* ---- breach register ---------------------------------------------------- */

static void test_r21_breach_register_row(void **state)
{
	struct tdb *t = *state;
	long n = -1;
	char id[ID_HEX_LEN + 1];
	fresh_id(id);
	assert_int_equal(secevent_count(t->d, NULL, &n), 0);
	assert_int_equal(n, 0);
	int64_t before = time_now_ms();
	assert_int_equal(secevent_record(t->d, WN_ESIG, "mallory", id, "bad signature on request"),
			 0);
	assert_int_equal(secevent_count(t->d, "signature", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(secevent_count(t->d, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(secevent_count(t->d, "replay", &n), 0);
	assert_int_equal(n, 0);

	/* the row holds what was recorded */
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db_handle(t->d),
					    "SELECT ts, kind, code, peer, msg_id, detail"
					    " FROM security_events ORDER BY seq",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t ts = sqlite3_column_int64(st, 0);
	assert_true(ts >= before && ts <= time_now_ms());
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "signature");
	assert_int_equal(sqlite3_column_int(st, 2), WN_ESIG);
	assert_string_equal((const char *)sqlite3_column_text(st, 3), "mallory");
	assert_string_equal((const char *)sqlite3_column_text(st, 4), id);
	assert_string_equal((const char *)sqlite3_column_text(st, 5), "bad signature on request");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	/* more kinds; NULL peer, msg_id and detail */
	assert_int_equal(secevent_record(t->d, WN_EREPLAY, "alcander", id, "seen before"), 0);
	assert_int_equal(secevent_record(t->d, WN_EREPLAY, NULL, NULL, NULL), 0);
	assert_int_equal(secevent_record(t->d, WN_EREVOKED, "bartok", NULL, "revoked cert"), 0);
	assert_int_equal(secevent_count(t->d, "replay", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(secevent_count(t->d, "revoked", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(secevent_count(t->d, "signature", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(secevent_count(t->d, NULL, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(secevent_count(t->d, "no_such_kind", &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(sqlite3_prepare_v2(db_handle(t->d),
					    "SELECT peer IS NULL, msg_id IS NULL, detail"
					    " FROM security_events WHERE seq = 3",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), wn_strerror(WN_EREPLAY));
	sqlite3_finalize(st);
}

static void test_r21_breach_register_survives_restart(void **state)
{
	struct tdb *t = *state;
	long n = -1;
	tdb_open_with(t, migrations, NMIGRATIONS);
	assert_int_equal(secevent_record(t->d, WN_ECERT, "eve", NULL, "untrusted cert"), 0);
	db_close(t->d);
	t->d = NULL;
	tdb_open_with(t, migrations, NMIGRATIONS);
	assert_int_equal(secevent_count(t->d, "certificate", &n), 0);
	assert_int_equal(n, 1);
	/* without a database the event is only logged */
	assert_int_equal(secevent_record(NULL, WN_ECERT, "eve", NULL, "untrusted cert"), 0);
	assert_int_equal(secevent_count(t->d, NULL, &n), 0);
	assert_int_equal(n, 1);
}

/* A flood from one connection: the first refusals of a minute one by one,
 * the rest counted in one row; another address or kind is kept apart. */
static void test_r21_breach_register_aggregates_per_minute(void **state)
{
	struct tdb *t = *state;
	long seen = 0, n = 0;
	/* all in one minute (a bounded wait on the clock) */
	while (time_now_ms() % 60000 > 55000)
		usleep(100 * 1000);
	for (int i = 0; i < 25; i++) {
		char id[ID_HEX_LEN + 1];
		fresh_id(id);
		struct secevent e = { WN_ESIG, "alcander", "10.0.0.9:4711", id, "bad signature" };
		assert_int_equal(secevent_note(t->d, &e, &seen), 0);
		assert_int_equal(seen, i + 1);
	}
	struct secevent other = { WN_ESIG, "alcander", "10.0.0.10:4712", NULL, "bad signature" };
	assert_int_equal(secevent_note(t->d, &other, &seen), 0);
	assert_int_equal(seen, 1);
	/* another kind or another claimed sender from the same connection adds up:
	 * a flood cannot spread itself thin */
	struct secevent replay = { WN_EREPLAY, "radar", "10.0.0.9:4711", NULL, "seen before" };
	assert_int_equal(secevent_note(t->d, &replay, &seen), 0);
	assert_int_equal(seen, 26);
	/* another connection from the same host: its own count, the host's rows */
	struct secevent again = { WN_ESIG, "alcander", "10.0.0.9:4800", NULL, "bad signature" };
	assert_int_equal(secevent_note(t->d, &again, &seen), 0);
	assert_int_equal(seen, 1);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM security_events WHERE "
				      "addr='10.0.0.9'"), SECEVENT_DETAILED_PER_MINUTE + 2);
	assert_int_equal(query_int(t->d, "SELECT SUM(count) FROM security_events WHERE "
				      "addr='10.0.0.9'"), 27);
	assert_int_equal(query_int(t->d, "SELECT COUNT(*) FROM security_events WHERE "
				      "addr='10.0.0.9' AND msg_id IS NOT NULL"),
			 SECEVENT_DETAILED_PER_MINUTE);
	assert_int_equal(secevent_count(t->d, "signature", &n), 0);
	assert_int_equal(n, 27);
	assert_int_equal(secevent_count(t->d, "replay", &n), 0);
	assert_int_equal(n, 1);
	/* what the register gets: one row per kind and host, whatever senders
	 * the host claimed */
	struct secevent claim = { WN_ESIG, "gemeente", "10.0.0.9:4801", NULL, "bad signature" };
	assert_int_equal(secevent_note(t->d, &claim, &seen), 0);
	json_t *rows = NULL, *r;
	size_t i;
	int signature_rows = 0;
	assert_int_equal(secevent_digest(t->d, 0, &rows), 0);
	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, "addr")), "10.0.0.9") == 0 &&
		    strcmp(json_string_value(json_object_get(r, "kind")), "signature") == 0) {
			signature_rows++;
			assert_int_equal(json_integer_value(json_object_get(r, "count")), 27);
		}
	json_decref(rows);
	assert_int_equal(signature_rows, 1);
}

int main(void)
{
	/* keep the JSON log lines of db/secevent off the test output */
	log_set_level(WN_LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_fresh_then_refused,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_skew_window, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_survives_restart,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_unclean_stop, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_lost_batch_not_clean,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_lost_posted_batch_not_clean,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_window_widened, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_r20_integrity_replay_many_ids, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_db_writer_posted_writes, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_db_writer_post_rides_or_is_flushed, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_db_schema_version_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_reopen_does_not_reapply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_failed_migration_rolls_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_register_row, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_register_aggregates_per_minute,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_r21_breach_register_survives_restart, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
