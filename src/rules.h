/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Gate rules: "stable_wait.p99{dev=7:0} < 2ms", parsed and judged against
 * the metric model, with an optional baseline. Pure logic, no I/O, so the
 * grammar is tested without a kernel (tests/unit/test_rules.c). Grammar in
 * README.md ("Gate rules").
 */
#ifndef WTSTAT_RULES_H
#define WTSTAT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include "metrics.h"

enum wt_op { WT_OP_LT, WT_OP_LE, WT_OP_GT, WT_OP_GE, WT_OP_EQ, WT_OP_NE };

/* A statistic of a metric at a scope: "stable_wait.p99{comm=fio}". */
struct wt_metric_ref {
	const struct wt_metric_def *def;
	int member;		/* anomalies.KIND and the like; -1: all summed */
	enum wt_stat stat;	/* WT_STAT_VALUE for scalars */
	struct wt_scope_sel sel;
};

enum wt_verdict { WT_VERDICT_NONE, WT_VERDICT_PASS, WT_VERDICT_FAIL };

struct wt_rule {
	char text[512];		/* as written */
	char origin[300];	/* "--rule", "FILE:LINE" or "--max-regression" */
	struct wt_metric_ref ref;
	enum wt_op op;
	bool relative;		/* bound = baseline * (1 + percent / 100) */
	double bound;		/* absolute bound: ns for times, else a count */
	double percent;
	/* set by wt_rule_eval */
	double observed, base, limit;
	int matched, base_matched;
	enum wt_verdict verdict;
};

/* Slack for relative rules, so that noise on a tiny baseline is no regression. */
struct wt_floor {
	double time_ns;
	double count;
};

/*
 * Parses one rule. Returns 0, or -1 with a one-line message and *pos the
 * 0-based offset of the offending character in text.
 */
int wt_rule_parse(const char *text, struct wt_rule *r, char *msg, size_t msglen, int *pos);

/*
 * Parses a metric reference at text; *end (when not NULL) gets where it
 * stopped, else the whole text must be the reference. Same errors.
 */
int wt_ref_parse(const char *text, struct wt_metric_ref *ref, const char **end,
		 char *msg, size_t msglen, int *pos);

/* Judges r on the observed set; base may be NULL for absolute rules. */
void wt_rule_eval(struct wt_rule *r, const struct wt_metric_set *obs, const struct wt_metric_set *base,
		  const struct wt_floor *floor);

/* "stable_wait.p99{dev=7:0}" */
void wt_ref_format(char *buf, size_t len, const struct wt_metric_ref *ref);
const char *wt_op_text(enum wt_op op);
/* The unit of what a reference yields. */
enum wt_unit wt_ref_unit(const struct wt_metric_ref *ref);
/* v (ns or a count) as people read it: "3.21ms", "120" */
const char *wt_ref_fmt(char *buf, size_t len, const struct wt_metric_ref *ref, double v);
/* "observed 3.21ms, bound < 2.00ms (baseline 1.90ms +10%)" */
void wt_rule_explain(char *buf, size_t len, const struct wt_rule *r);

/* "10%", "10", "2.5%" -> percent; -1 when not a number from 0 to 100000. */
double wt_parse_percent(const char *s);
/* "1ms" (ns out, *is_time) or "5"; -1 on bad text. */
int wt_parse_floor(const char *s, double *v, bool *is_time);

#endif /* WTSTAT_RULES_H */
