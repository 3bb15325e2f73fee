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
	long fanouts;
	double cpu_s;             /* this process's CPU time over them */
	double fanouts_per_s;
	double cpu_ms_per_fanout; /* this process's CPU time over the fan-outs done */
	long failed;
};

/* This process's CPU time (user + system), in seconds. */
double bench_cpu_self(void);

/* The relay and partners of p started, every connection made and warm;
 * NULL when they cannot be. Free with floor_close. */
struct floor_run;
struct floor_run *floor_open(const struct floor_params *p);

/* Puts p->threads clients' fan-outs through fr for seconds; 0 or -1. */
int floor_load(struct floor_run *fr, const struct floor_params *p, double seconds,
	       struct floor_result *out);
void floor_close(struct floor_run *fr);


#endif
