/*
 * dataset.h — the data set of each cluster (r26; Heerlen Bijlage 2a-2c): the
 * vocabulary's default, or the federation policy's "data_sets" once the
 * members agreed on one (Heerlen 17.2).
 */
#ifndef WN_DATASET_H
#define WN_DATASET_H

#include <jansson.h>

#include "vocab.h"

/* 1 when category v lies in the data set of cluster: the policy's list for
 * that cluster when data_sets (may be NULL) has one, else the vocabulary's. */
int dataset_has(const json_t *data_sets, const struct vocab_category *v, const char *cluster);

/* Checks a policy's "data_sets": {cluster: [category codes]}; 0 or
 * WN_ESCHEMA / WN_ECLUSTER / WN_ECATEGORY with err saying why. */
int dataset_validate(const json_t *data_sets, char *err, size_t errcap);

#endif
