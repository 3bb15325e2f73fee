/*
 * relay.h — `make bench-relay`: the lookup's fan-out through Mosquitto with
 * mutual TLS, with wijknet's message sizes, as the relay baseline.
 */
#ifndef WN_BENCH_RELAY_H
#define WN_BENCH_RELAY_H

#include <stddef.h>
#include <sys/types.h>

struct fed;

struct relay_params {
	int n, port, threads, seconds;
	size_t part, answer; /* bytes to each partner and of each answer */
};

struct relay_result {
	double lookups_per_s;
	double cpu_ms_per_lookup; /* mosquitto's and the clients' CPU time */
	long failed;
};

/* Runs mosquitto on port with the federation f's CA and certificates and
 * the fan-out under load; cpu_of reads a process's CPU seconds. 0 or -1. */
int relay_measure(struct fed *f, const struct relay_params *p, double (*cpu_of)(pid_t),
		  struct relay_result *out);

#endif
