/*
 * floor.h — the floor of `make bench`: one lookup's fan-out over bare nng
 * with mutual TLS and callback servers, with wijknet's message sizes; all in
 * one process, or the relay and each partner in processes of their own, as
 * fast as it goes or at a given pace.
 */
#ifndef WN_BENCH_FLOOR_H
#define WN_BENCH_FLOOR_H

#include <stddef.h>
#include <sys/types.h>

/* The first argument that makes the bench program one part of the floor. */
#define FLOOR_SERVE_ARG "--floor-serve"

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
	int procs;               /* 1: the relay and each partner in a process of its own */
	double pace;             /* fan-outs per second in all, evenly spread; 0: flat out */
};

struct floor_result {
	long fanouts;
	double cpu_s;             /* this process's CPU time over them */
	double fanouts_per_s;
	double cpu_ms_per_fanout; /* this process's CPU time over the fan-outs done */
	long failed;
	/* with procs, per fan-out: the relay's and one partner's CPU ms and context switches */
	double relay_cpu_ms, relay_switches, partner_cpu_ms, partner_switches;
};

/* This process's CPU time (user + system), in seconds. */
double bench_cpu_self(void);

/* A process's CPU time (user + system), in seconds; 0 when it is gone. */
double bench_cpu_of(pid_t pid);

/* The context switches of one process, summed over its threads now. */
double bench_switches_of(pid_t pid);

/* The program's main when its first argument is FLOOR_SERVE_ARG: serves
 * one part of a floor started with procs until standard input closes.
 * argv holds the arguments after FLOOR_SERVE_ARG. */
int floor_serve(int argc, char **argv);

/* The relay and partners of p started, every connection made and warm;
 * NULL when they cannot be. Free with floor_close. */
struct floor_run;
struct floor_run *floor_open(const struct floor_params *p);

/* Puts p->threads clients' fan-outs through fr for seconds; 0 or -1. */
int floor_load(struct floor_run *fr, const struct floor_params *p, double seconds,
	       struct floor_result *out);
void floor_close(struct floor_run *fr);


#endif
