/*
 * harness.c — see harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "wijknet.h"
#include "envelope.h"
#include "fileio.h"
#include "harness.h"
#include "ids.h"

static int fed_counter;

void fed_bin(const char *name, char *out, size_t cap)
{
	const char *b = getenv("WN_BUILD");
	char cwd[200];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, ".");
	snprintf(out, cap, "%s/%s/%s", cwd, b ? b : "build", name);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int fed_sh(struct fed *f, const char *fmt, ...)
{
	char cmd[4096], full[4400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && %s", f->dir, cmd);
	int st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int fed_setup(struct fed *f, const char *const *ids, size_t n)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/wn-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL || n > FED_MAX)
		return -1;
	f->n = n;
	/* distinct ports per process and per federation within it, below the
	 * kernel's ephemeral range (32768 and up), where an outgoing connection
	 * could hold a port a daemon wants to listen on */
	f->base_port = 20000 + (int)((getpid() * 7 + fed_counter++ * 31) % 127) * 100;
	const char *fixed = getenv("WN_BASE_PORT"); /* a program beside the tests: its own range */
	if (fixed != NULL && atoi(fixed) > 1024 && atoi(fixed) < 60000)
		f->base_port = atoi(fixed) + (fed_counter - 1) * 100;
	char cmd[4096], cwd[256];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	int off = snprintf(cmd, sizeof(cmd), "'%s/scripts/mkfederation' '%s' %d", cwd, f->dir,
			   f->base_port);
	for (size_t i = 0; i < n; i++) {
		snprintf(f->ids[i], sizeof(f->ids[i]), "%s", ids[i]);
		off += snprintf(cmd + off, sizeof(cmd) - (size_t)off, " %s", ids[i]);
	}
	return fed_sh(f, "%s", cmd);
}

static pid_t fed_spawn(struct fed *f, const char *prog, const char *config, const char *logname,
		       const char *flag)
{
	char bin[512], log[512], cfg[512];
	fed_bin(prog, bin, sizeof(bin));
	snprintf(log, sizeof(log), "%s/logs/%s.log", f->dir, logname);
	snprintf(cfg, sizeof(cfg), "%s/%s", f->dir, config);
	pid_t pid = fork();
	if (pid == 0) {
		if (f->fd_limit > 0) {
			struct rlimit rl = { (rlim_t)f->fd_limit, (rlim_t)f->fd_limit };
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execl(bin, prog, "--config", cfg, flag, (char *)NULL); /* flag NULL: none */
		_exit(127);
	}
	return pid;
}

int fed_start_broker(struct fed *f)
{
	f->broker = fed_spawn(f, "wijknet-broker", "broker.json", "broker", NULL);
	return f->broker > 0 ? 0 : -1;
}

int fed_start_node_with(struct fed *f, size_t i, const char *flag)
{
	char cfg[128];
	snprintf(cfg, sizeof(cfg), "%s.json", f->ids[i]);
	f->nodes[i] = fed_spawn(f, "wijknet-node", cfg, f->ids[i], flag);
	return f->nodes[i] > 0 ? 0 : -1;
}

int fed_start_node(struct fed *f, size_t i)
{
	return fed_start_node_with(f, i, NULL);
}

void fed_socket(struct fed *f, size_t i, char *out, size_t cap)
{
	snprintf(out, cap, "ipc://%s/run/%s.sock", f->dir, f->ids[i]);
}

void fed_file(struct fed *f, const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", f->dir, rel);
}

int fed_port(struct fed *f, size_t i)
{
	return f->base_port + (int)i + 1;
}

int fed_wait_up(struct fed *f, size_t i, size_t up, int timeout_ms)
{
	char url[512];
	fed_socket(f, i, url, sizeof(url));
	int64_t end = time_mono_ms() + timeout_ms;
	while (time_mono_ms() <= end) {
		wn_client *c = NULL;
		if (wn_client_open(&c, url) == 0) {
			wn_partner_list *l = NULL;
			int64_t left = end - time_mono_ms();
			wn_client_set_timeout(c, left > 100 ? (int)left : 100);
			if (wn_health(c, &l) == 0) {
				size_t n = 0;
				for (size_t k = 0; k < l->count; k++)
					n += strcmp(l->items[k].state, "up") == 0 &&
					     l->items[k].has_seal_key;
				int ok = l->broker_up && n >= up;
				wn_partner_list_free(l);
				if (ok) {
					wn_client_close(c);
					return 0;
				}
			}
			wn_client_close(c);
		}
		sleep_ms(50);
	}
	return -1;
}

int fed_start_all(struct fed *f, int timeout_ms)
{
	if (fed_start_broker(f) != 0)
		return -1;
	for (size_t i = 0; i < f->n; i++)
		if (fed_start_node(f, i) != 0)
			return -1;
	return fed_wait_up(f, 0, f->n, timeout_ms);
}

void fed_stop(pid_t *pid, int sig)
{
	if (*pid <= 0)
		return;
	kill(*pid, sig);
	/* a daemon that does not stop within 10 s is a bug: say so, then kill it */
	if (fed_wait_exit(pid, 10000) < 0) {
		fprintf(stderr, "harness: process %d ignored signal %d for 10 s; killing it\n",
			(int)*pid, sig);
		kill(*pid, SIGKILL);
		int st;
		while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
			;
		*pid = 0;
	}
}

long fed_db_count(struct fed *f, const char *db_rel, const char *sql)
{
	char path[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1;
	fed_file(f, db_rel, path, sizeof(path));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

int fed_log_contains(struct fed *f, const char *name, const char *needle)
{
	char path[512], *text = NULL;
	snprintf(path, sizeof(path), "%s/logs/%s.log", f->dir, name);
	if (file_read_all(path, 64 << 20, &text, NULL) != 0)
		return 0;
	int found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

int fed_sanitizer_reports;

/* Daemons run under ASan/UBSan in `make check`: their reports land in their
 * logs, which a test must not throw away unread. */
static void fed_scan_logs(struct fed *f)
{
	static const char *const marks[] = { "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
					      "runtime error:", NULL };
	for (size_t i = 0; i <= f->n; i++) {
		const char *name = i == f->n ? "broker" : f->ids[i];
		for (size_t m = 0; marks[m]; m++) {
			if (fed_log_contains(f, name, marks[m])) {
				fprintf(stderr, "harness: sanitizer report in %s/logs/%s.log (%s)\n",
					f->dir, name, marks[m]);
				fed_sanitizer_reports++;
				setenv("WN_KEEP_TEST_DIR", "1", 1);
			}
		}
	}
}

void fed_teardown(struct fed *f)
{
	fed_stop(&f->broker, SIGTERM);
	for (size_t i = 0; i < f->n; i++)
		fed_stop(&f->nodes[i], SIGTERM);
	fed_scan_logs(f);
	if (getenv("WN_KEEP_TEST_DIR") == NULL && strncmp(f->dir, "/tmp/wn-test-", 13) == 0) {
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: could not remove %s\n", f->dir);
	} else {
		fprintf(stderr, "harness: kept %s\n", f->dir);
	}
}

int raw_open(struct fed *f, struct raw_peer *p, const char *cert_rel, const char *ca_rel,
	     const char *url, const char *server_name)
{
	char cert[512], ca[512], err[512];
	int rv;
	memset(p, 0, sizeof(*p));
	fed_file(f, ca_rel ? ca_rel : "ca/ca.crt", ca, sizeof(ca));
	if (cert_rel != NULL) {
		fed_file(f, cert_rel, cert, sizeof(cert));
		if (pki_identity_load(cert, &p->ident, err, sizeof(err)) != 0)
			return -1;
		if (transport_tls_config(&p->tls, 0, cert, ca, NULL, server_name, err, sizeof(err)) != 0)
			return -1;
	} else {
		/* a client with no certificate at all */
		char *capem = NULL;
		if ((rv = nng_tls_config_alloc(&p->tls, NNG_TLS_MODE_CLIENT)) != 0 ||
		    file_read_all(ca, 1 << 20, &capem, NULL) != 0 ||
		    nng_tls_config_ca_chain(p->tls, capem, NULL) != 0 ||
		    nng_tls_config_auth_mode(p->tls, NNG_TLS_AUTH_MODE_REQUIRED) != 0 ||
		    nng_tls_config_server_name(p->tls, server_name) != 0) {
			free(capem);
			return -1;
		}
		free(capem);
	}
	return rpc_client_open(&p->client, url, p->tls, &p->first_error, err, sizeof(err));
}

void raw_close(struct raw_peer *p)
{
	rpc_client_close(p->client);
	if (p->tls)
		nng_tls_config_free(p->tls);
	pki_identity_free(p->ident);
	memset(p, 0, sizeof(*p));
}

int raw_call(struct raw_peer *p, const char *buf, size_t len, int timeout_ms, json_t **reply)
{
	char *resp = NULL, err[256];
	size_t rlen = 0;
	*reply = NULL;
	int rc = rpc_call(p->client, buf, len, timeout_ms, &resp, &rlen);
	if (rc != 0)
		return rc;
	rc = envelope_parse(resp, rlen, reply, err, sizeof(err));
	free(resp);
	return rc;
}

int raw_send_env(struct raw_peer *p, json_t *env, int timeout_ms, json_t **reply)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = envelope_sign(env, p->ident->key);
	if (rc == 0)
		rc = envelope_encode(env, &buf, &len);
	if (rc == 0)
		rc = raw_call(p, buf, len, timeout_ms, reply);
	free(buf);
	return rc;
}

const char *reply_error(const json_t *reply)
{
	if (reply == NULL || strcmp(envelope_str(reply, "type"), "error") != 0)
		return "";
	const char *e = json_string_value(json_object_get(envelope_body(reply), "error"));
	return e ? e : "";
}

int fed_config_edit(struct fed *f, const char *file_rel, const char *key, const char *value)
{
	char path[512];
	json_error_t jerr;
	fed_file(f, file_rel, path, sizeof(path));
	json_t *root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		return -1;
	if (value == NULL) {
		json_object_del(root, key);
	} else {
		json_t *v = json_loads(value, JSON_DECODE_ANY, &jerr);
		if (v == NULL) {
			json_decref(root);
			return -1;
		}
		json_object_set_new(root, key, v);
	}
	int rc = json_dump_file(root, path, JSON_INDENT(2));
	json_decref(root);
	return rc;
}

/* A P-256 key and a self-signed certificate with CN = cn. */
int harness_make_ident(const char *cn, EVP_PKEY **key, X509 **cert)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	if (k == NULL || x == NULL)
		goto fail;
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL || X509_set_pubkey(x, k) != 1)
		goto fail;
	X509_NAME *name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
				       -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_sign(x, k, EVP_sha256()) <= 0)
		goto fail;
	*key = k;
	*cert = x;
	return 0;
fail:
	EVP_PKEY_free(k);
	X509_free(x);
	return -1;
}

int fed_wait_exit(pid_t *pid, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		int st;
		pid_t r = waitpid(*pid, &st, WNOHANG);
		if (r == *pid) {
			*pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
		sleep_ms(20);
	}
	return -1;
}

/* Sums what follows the first space of each line starting with prefix. */
double fed_metric_sum(const char *text, const char *prefix)
{
	double sum = 0;
	size_t plen = strlen(prefix);
	for (const char *l = text; l != NULL && *l != '\0';) {
		if (strncmp(l, prefix, plen) == 0) {
			const char *sp = strchr(l, ' ');
			if (sp != NULL)
				sum += atof(sp + 1);
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return sum;
}

/* GET path from 127.0.0.1:port, as an operator's scraper would; the whole
 * response (status line, headers, body) into a malloc'd string. */
char *fed_http_get(int port, const char *path)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Connection: close\r\n\r\n", path);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	if (buf == NULL || write(fd, req, (size_t)n) != n) {
		free(buf);
		close(fd);
		return NULL;
	}
	struct timeval tv = { 10, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t r;
	while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* Waits (with a bound) until the endpoint answers. */
