/*
 * floor.h — the floor of `make bench`: one lookup's fan-out over bare nng
 * with mutual TLS and callback servers, with wijknet's message sizes.
 */
#ifndef WN_BENCH_FLOOR_H
#define WN_BENCH_FLOOR_H

#include <stddef.h>

/* Bytes of each hop of one lookup, as wijknet's daemons counted them. */
struct floor_sizes {
	size_t req;    /* requester → relay */
	size_t part;   /* relay → each partner */
	size_t answer; /* each partner → relay */
	size_t back;   /* relay → requester */
};

struct floor_params {
	int n;                   /* partners */
	int port;                /* relay's port; partner i listens on port + 1 + i */
	int threads, seconds;    /* the load, as in the wijknet run */
	const char *cert_key, *ca, *crl, *server_name; /* one federation identity */
	struct floor_sizes sizes;
};

struct floor_result {
	double fanouts_per_s;
	double cpu_ms_per_fanout; /* this process's CPU time over the fan-outs done */
	long failed;
};

/* This process's CPU time (user + system), in seconds. */
double bench_cpu_self(void);

/* Runs the fan-out under load for p->seconds; 0 or -1. */
int floor_measure(const struct floor_params *p, struct floor_result *out);

#endif
