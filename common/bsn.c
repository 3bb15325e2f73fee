/*
 * bsn.c — 11-proef: sum(d_i * w_i) with weights 9..2 and -1 must be a
 * multiple of 11. An all-zero number passes arithmetically but is never
 * issued, so it is refused too.
 */
#include <string.h>

#include "wijknet.h"
#include "bsn.h"

int bsn_validate(const char *bsn)
{
	if (bsn == NULL || strlen(bsn) != BSN_LEN)
		return WN_EBSN;
	int sum = 0, nonzero = 0;
	for (int i = 0; i < BSN_LEN; i++) {
		if (bsn[i] < '0' || bsn[i] > '9')
			return WN_EBSN;
		int d = bsn[i] - '0';
		nonzero |= d;
		sum += (i == BSN_LEN - 1) ? -d : d * (BSN_LEN - i);
	}
	if (!nonzero || sum % 11 != 0)
		return WN_EBSN;
	return 0;
}
