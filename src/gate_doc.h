/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a gate document, as 'wtstat gate --save' writes it: what
 * --baseline and --input load. Apart from gate.c so that it is tested and
 * fuzzed on bytes, without a kernel (tests/fuzz/fuzz_baseline.c).
 */
#ifndef WTSTAT_GATE_DOC_H
#define WTSTAT_GATE_DOC_H

#include <stddef.h>
#include "metrics.h"

struct json_object;

/*
 * Parses the len bytes at buf as one gate document of this schema version
 * and loads its "metrics" into set. Returns the document (the caller puts
 * it), or NULL with a one-line message in err and set left empty.
 */
struct json_object *wt_gate_doc_parse(const char *buf, size_t len, struct wt_metric_set *set,
				      char *err, size_t errlen);

#endif /* WTSTAT_GATE_DOC_H */
