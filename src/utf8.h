/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * File names from the kernel are bytes, and BPF cuts them at a fixed
 * length, possibly inside a character. JSON and Prometheus want UTF-8.
 */
#ifndef WTSTAT_UTF8_H
#define WTSTAT_UTF8_H

#include <stddef.h>

/*
 * Copies at most srclen bytes of src (stopping at NUL) into dst as valid
 * UTF-8: every byte that is not part of a well-formed sequence becomes
 * U+FFFD. dst is always NUL-terminated; returns dst.
 */
char *wt_utf8_clean(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
