/*
 * vocab.h — the federation's fixed, versioned vocabulary (r05, r26): data
 * categories (Heerlen art. 6.1 life domains a–h, the ZRM domains with the
 * four youth domains of Groningen 3.5c, the Heerlen Bijlage 2 data-set items
 * a–f and provisions), purposes, clusters and lawful grounds. Anything not
 * listed here is refused by broker and nodes alike.
 */
#ifndef WN_VOCAB_H
#define WN_VOCAB_H

#include <stddef.h>

#define VOCAB_VERSION 2 /* 2: data set items d and e in every cluster (Bijlage 2b) */

/* Special categories of personal data (GDPR art. 9–10): shared on consent
 * only when the consent names the class explicitly (Heerlen 8.3, r12). */
enum vocab_special {
	VOCAB_ORDINARY = 0,
	VOCAB_HEALTH,        /* physical health */
	VOCAB_MENTAL_HEALTH, /* mental health */
	VOCAB_ADDICTION,     /* addiction, substance use */
	VOCAB_CRIMINAL,      /* criminal-law data */
};

/* Clusters of Heerlen Bijlage 2 (2a–2c) as bit flags. */
enum vocab_cluster {
	VOCAB_JEUGD = 1,
	VOCAB_VOLWASSENEN = 2,
	VOCAB_MULTIPROBLEEM = 4,
	VOCAB_ALL_CLUSTERS = 7,
};

struct vocab_category {
	const char *code;    /* e.g. "leefgebied.huisvesting" */
	const char *label;   /* Dutch label for people */
	const char *source;  /* covenant article it comes from */
	enum vocab_special special;
	unsigned clusters;   /* clusters in whose data set it lies */
};

/* NULL when code is not in the vocabulary. */
const struct vocab_category *vocab_category(const char *code);
size_t vocab_category_count(void);
const struct vocab_category *vocab_category_at(size_t i);

/* Name of a special class ("health", "mental_health", "addiction",
 * "criminal"; NULL for ordinary data) and back (VOCAB_ORDINARY if unknown). */
const char *vocab_special_name(enum vocab_special s);
enum vocab_special vocab_special_from_name(const char *name);

/* 1 when the category belongs to the data set of the cluster (r26). */
int vocab_category_in_cluster(const struct vocab_category *c, const char *cluster);

/* Cluster flag for a code ("jeugd", "volwassenen", "multiprobleem"), or 0. */
unsigned vocab_cluster(const char *code);
const char *vocab_cluster_name(unsigned flag);

/* 1 when code is a known purpose / lawful ground. */
int vocab_purpose_known(const char *code);
int vocab_ground_known(const char *code);

/* NULL-terminated lists, for help texts and validation messages. */
extern const char *const vocab_purposes[];
extern const char *const vocab_grounds[];
extern const char *const vocab_clusters[];

#endif
