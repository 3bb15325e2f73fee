/*
 * fuzz_config.c — a daemon's config file and a partner's disclosure profile
 * as an operator writes them: loaded from a file, schema checked, the
 * profile parsed and asked for its decisions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wijknet.h"
#include "config.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/wijknet-fuzz-config-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	config *cfg = NULL;
	char err[256];
	if (config_load(path, &cfg, err, sizeof(err)) == 0) {
		struct profile p;
		json_t *root = config_root(cfg);
		if (profile_load(cfg, json_object_get(root, "profile"), &p, err, sizeof(err)) == 0) {
			const char *reason = NULL;
			profile_lookup_decision(&p, "consent", &reason);
			profile_lookup_decision(&p, "public_task", &reason);
			profile_free(&p);
		}
		config_free(cfg);
	}
	unlink(path);
	return 0;
}
