/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the libFuzzer targets share: the input as a C string on the heap,
 * exactly as long as it must be (so AddressSanitizer sees a read past its
 * end), and invariant checks that stop the run with the input saved.
 */
#ifndef WTSTAT_FUZZ_H
#define WTSTAT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken invariant is a finding like a crash: libFuzzer keeps the input. */
#define fuzz_check(cond, ...)                                                          \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "invariant broken: %s: ", #cond);              \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* The bytes up to the first NUL, as a string the size of what it holds. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

/* A message buffer of exactly len bytes, filled so that an unwritten one shows. */
static inline char *fuzz_msg_buf(size_t len)
{
	char *m = malloc(len);

	if (!m)
		abort();
	memset(m, 'X', len);
	m[len - 1] = 0;
	return m;
}

/* One line, ended inside the buffer, and not empty. */
static inline int fuzz_one_line(const char *msg, size_t len)
{
	size_t n = strnlen(msg, len);

	return n > 0 && n < len && !memchr(msg, '\n', n);
}

#endif /* WTSTAT_FUZZ_H */
