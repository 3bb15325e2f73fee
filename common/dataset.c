/*
 * dataset.c — cluster data sets, by default the vocabulary's, as the
 * federation policy may set them.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "dataset.h"

int dataset_has(const json_t *data_sets, const struct vocab_category *v, const char *cluster)
{
	const json_t *list = cluster ? json_object_get(data_sets, cluster) : NULL;
	if (!json_is_array(list))
		return vocab_category_in_cluster(v, cluster);
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), v->code) == 0)
			return 1;
	return 0;
}

int dataset_validate(const json_t *data_sets, char *err, size_t errcap)
{
	if (data_sets == NULL)
		return 0;
	if (!json_is_object(data_sets)) {
		snprintf(err, errcap, "data_sets: an object {cluster: [categories]}");
		return WN_ESCHEMA;
	}
	const char *cluster;
	json_t *list;
	json_object_foreach((json_t *)data_sets, cluster, list) {
		size_t i;
		json_t *x;
		if (!vocab_cluster(cluster)) {
			snprintf(err, errcap, "data_sets: '%.32s' is not one of jeugd, volwassenen, "
				 "multiprobleem", cluster);
			return WN_ECLUSTER;
		}
		if (!json_is_array(list) || json_array_size(list) > vocab_category_count()) {
			snprintf(err, errcap, "data_sets of '%s': a list of category codes", cluster);
			return WN_ESCHEMA;
		}
		json_array_foreach(list, i, x) {
			if (vocab_category(json_string_value(x)) == NULL) {
				snprintf(err, errcap, "data_sets of '%s': item %zu is not a category of "
					 "the vocabulary", cluster, i + 1);
				return WN_ECATEGORY;
			}
		}
	}
	return 0;
}
