/*
 * soak.c — `make soak`: a federation of a broker and ten nodes on loopback
 * under mixed traffic (lookups from several partners, data requests, health
 * and directory reads) for an hour or the seconds given, with nodes
 * restarted in turn and the broker restarted once. Every few seconds it
 * prints the resident memory and open descriptors of every daemon, and at
 * the end fails if those of daemons that ran throughout grew. A program,
 * not a test.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "wijknet.h"
#include "harness.h"
#include "ids.h"

#define NNODES 10
#define STEADY 7          /* nodes 0..6 are never restarted */
#define SAMPLE_MS 5000
#define MAX_SAMPLES 4096

static const char *const ids[NNODES] = { "gemeente-heerlen", "radar", "alcander", "xonar",
					  "sevagram", "meander-groep", "weller",
					  "gastenhof-koraalgroep", "mee-zuid-limburg", "mondriaan" };
static const char *const bsns[] = { "999990019", "999990044", "999990056", "999990068" };

static const char MOTIVATION[] =
	"{\"interest\":\"serious_harm\",\"subsidiarity\":\"Geen minder ingrijpende weg\","
	"\"proportionality\":\"Alleen bekend of niet bekend\",\"exception\":"
	"\"client_protection\"}";

struct sample {
	long rss_kb[NNODES + 1]; /* [0] the broker */
	long fds[NNODES + 1];
};

static long proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *fp = fopen(path, "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (fp != NULL)
		fclose(fp);
	return kb;
}

static long proc_fds(pid_t pid)
{
	char path[64];
	long n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void take_sample(struct fed *f, struct sample *s, long t)
{
	s->rss_kb[0] = proc_rss_kb(f->broker);
	s->fds[0] = proc_fds(f->broker);
	printf("t=%5lds  broker %6ld kB %4ld fd |", t, s->rss_kb[0], s->fds[0]);
	for (size_t i = 0; i < NNODES; i++) {
		s->rss_kb[i + 1] = proc_rss_kb(f->nodes[i]);
		s->fds[i + 1] = proc_fds(f->nodes[i]);
		printf(" %ld/%ld", s->rss_kb[i + 1] / 1024, s->fds[i + 1]);
	}
	printf("  (node MB/fd)\n");
	fflush(stdout);
}

/* One round of traffic from node i: a lookup on a lawful ground, health,
 * directory. Failures while a peer restarts are expected and counted. */
static int traffic(struct fed *f, size_t i, unsigned k)
{
	char url[512];
	wn_client *c = NULL;
	fed_socket(f, i, url, sizeof(url));
	if (wn_client_open(&c, url) != 0)
		return -1;
	wn_lookup_params p = { 0 };
	wn_lookup_result *r = NULL;
	wn_partner_list *l = NULL;
	p.bsn = bsns[k % 4];
	p.purpose = "intake";
	p.ground = "public_task";
	p.motivation_json = MOTIVATION;
	p.actor.id = "soak";
	p.actor.role = "wijkcoach";
	int rc = wn_lookup(c, &p, &r);
	wn_lookup_result_free(r);
	if (wn_health(c, &l) == 0)
		wn_partner_list_free(l);
	l = NULL;
	if (wn_directory(c, &l) == 0)
		wn_partner_list_free(l);
	wn_client_close(c);
	return rc;
}

/* Average of field over samples [from, to) for daemon d; -1 without any. */
static double avg(const struct sample *s, size_t from, size_t to, int rss, size_t d)
{
	double sum = 0;
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		long v = rss ? s[i].rss_kb[d] : s[i].fds[d];
		if (v >= 0) {
			sum += (double)v;
			n++;
		}
	}
	return n ? sum / (double)n : -1;
}

/* Growth between the second quarter of a stretch and its last quarter: more
 * than 20% and 4 MiB of memory, or 16 descriptors, is a leak. */
static int grew(const struct sample *s, size_t from, size_t to, size_t d, const char *name)
{
	size_t q = (to - from) / 4;
	if (q == 0)
		return 0;
	double r1 = avg(s, from + q, from + 2 * q, 1, d), r2 = avg(s, to - q, to, 1, d);
	double f1 = avg(s, from + q, from + 2 * q, 0, d), f2 = avg(s, to - q, to, 0, d);
	int bad = (r2 > r1 * 1.2 && r2 - r1 > 4096) || f2 - f1 > 16;
	printf("%-18s rss %8.0f -> %8.0f kB, fds %5.1f -> %5.1f  %s\n", name, r1, r2, f1, f2,
	       bad ? "GROWS" : "steady");
	return bad;
}

int main(int argc, char **argv)
{
	long seconds = argc > 1 ? atol(argv[1]) : 3600;
	struct fed f;
	static struct sample samples[MAX_SAMPLES];
	size_t ns = 0, broker_restart_at = 0;
	long ok = 0, failed = 0;
	if (seconds < 60)
		seconds = 60;
	signal(SIGPIPE, SIG_IGN);
	if (fed_setup(&f, ids, NNODES) != 0 || fed_start_all(&f, 60000) != 0) {
		fprintf(stderr, "soak: the federation did not start (logs in %s/logs)\n", f.dir);
		return 1;
	}
	printf("soak: %ld s, broker and %d nodes in %s\n", seconds, NNODES, f.dir);
	int64_t t0 = time_mono_ms(), next_sample = t0, next_restart = t0 + 20000;
	int broker_restarted = 0;
	size_t turn = STEADY;
	for (unsigned k = 0; time_mono_ms() - t0 < seconds * 1000; k++) {
		if (traffic(&f, k % STEADY, k) == 0)
			ok++;
		else
			failed++;
		int64_t now = time_mono_ms();
		if (now >= next_restart) {
			/* a node that is not steady goes down and comes back */
			fed_stop(&f.nodes[turn], SIGTERM);
			fed_start_node(&f, turn);
			turn = turn + 1 < NNODES ? turn + 1 : STEADY;
			next_restart = now + 20000;
		}
		if (!broker_restarted && now - t0 >= seconds * 500) {
			fed_stop(&f.broker, SIGTERM);
			fed_start_broker(&f);
			fed_wait_up(&f, 0, NNODES, 30000);
			broker_restarted = 1;
			broker_restart_at = ns;
		}
		if (now >= next_sample && ns < MAX_SAMPLES) {
			take_sample(&f, &samples[ns++], (long)((now - t0) / 1000));
			next_sample = now + SAMPLE_MS;
		}
	}
	printf("soak: %ld lookups answered, %ld failed (some while daemons restarted)\n", ok, failed);
	int bad = 0;
	for (size_t d = 1; d <= STEADY; d++)
		bad |= grew(samples, 0, ns, d, ids[d - 1]);
	bad |= grew(samples, broker_restart_at + 1, ns, 0, "broker (2nd run)");
	bad |= ok == 0;
	fed_teardown(&f);
	printf("soak: %s\n", bad ? "FAILED: a daemon grew" : "steady");
	return bad ? 1 : 0;
}
