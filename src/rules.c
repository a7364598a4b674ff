// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Gate rules (grammar in README.md, "Gate rules"):
 *
 *   rule  := ref OP bound
 *   ref   := metric ['.' (statistic | member)] ['{' key '=' value {',' key '=' value} '}']
 *   OP    := '<' | '<=' | '>' | '>=' | '==' | '!='
 *   bound := number [unit] | 'baseline' [('+' | '-') number '%']
 *
 * Every error names the offset of the character it is about: in CI the
 * one line of the log is all anyone reads.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "rules.h"

struct parser {
	const char *text;
	const char *p;
	char *msg;
	size_t msglen;
	int *pos;
};

static int perr(struct parser *ps, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;

	*ps->pos = (int)(at - ps->text);
	va_start(ap, fmt);
	vsnprintf(ps->msg, ps->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* "stable_wait, other_wait, ..." for messages */
static void metric_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < WT_M_COUNT && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", wt_metric_def(i)->name);
}

static void member_names(char *buf, size_t len, const struct wt_metric_def *d)
{
	int ms[WT_COUNTER_MAX + 16], nm = wt_metric_members(d, ms, WT_COUNTER_MAX + 16);
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < nm && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", wt_metric_member_name(d, ms[i]));
}

static void scope_names(char *buf, size_t len, const struct wt_metric_def *d)
{
	size_t n = 0;

	buf[0] = 0;
	for (int s = 0; s < WT_SCOPE_COUNT && n < len; s++)
		if (d->scopes & WT_SCOPE_BIT(s))
			n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "", wt_scope_name(s));
}

static int parse_name(struct parser *ps, struct wt_metric_ref *ref)
{
	const char *start = ps->p, *suffix;
	const struct wt_metric_def *d = NULL;
	char tok[128], list[512];
	size_t len, best = 0;

	if (!isalpha((unsigned char)*start) && *start != '_')
		return perr(ps, start, "expected a metric name, e.g. stable_wait.p99");
	while (name_char(*ps->p))
		ps->p++;
	len = ps->p - start;
	if (len >= sizeof(tok))
		return perr(ps, start, "metric name too long");
	memcpy(tok, start, len);
	tok[len] = 0;
	ref->member = -1;
	ref->stat = WT_STAT_VALUE;
	if ((ref->def = wt_metric_def_by_name(tok))) {
		if (ref->def->kind == WT_KIND_HISTOGRAM)
			return perr(ps, ps->p, "%s is a histogram: name a statistic: %s.count, .sum, .mean, .p50, .p90, .p99 or .max",
				    tok, tok);
		return 0;
	}
	/* the longest metric name followed by '.' */
	for (int i = 0; i < WT_M_COUNT; i++) {
		const struct wt_metric_def *c = wt_metric_def(i);
		size_t cl = strlen(c->name);

		if (cl < len && cl > best && !strncmp(tok, c->name, cl) && tok[cl] == '.') {
			d = c;
			best = cl;
		}
	}
	if (!d) {
		metric_names(list, sizeof(list));
		return perr(ps, start, "unknown metric \"%s\": use one of %s", tok, list);
	}
	ref->def = d;
	suffix = tok + best + 1;
	if (d->kind == WT_KIND_HISTOGRAM) {
		int st = wt_stat_from_name(suffix);

		if (st < 0)
			return perr(ps, start + best + 1,
				    "unknown statistic \"%s\" of %s: use count, sum, mean, p50, p90, p99 or max", suffix, d->name);
		ref->stat = st;
	} else if (d->member_label) {
		ref->member = wt_metric_member_from_name(d, suffix);
		if (ref->member < 0) {
			member_names(list, sizeof(list), d);
			return perr(ps, start + best + 1, "unknown %s \"%s\" of %s: use one of %s", d->member_label,
				    suffix, d->name, list);
		}
	} else {
		return perr(ps, start + best, "%s has no statistics: write it alone", d->name);
	}
	return 0;
}

static int scope_value(struct parser *ps, char *val, size_t len, const char **vstart)
{
	size_t n = 0;

	*vstart = ps->p;
	if (*ps->p == '"') {
		const char *q = ps->p++;

		while (*ps->p && *ps->p != '"') {
			if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
				ps->p++;
			if (n + 1 >= len)
				return perr(ps, q, "value too long (at most %zu characters)", len - 1);
			val[n++] = *ps->p++;
		}
		if (*ps->p != '"')
			return perr(ps, q, "unterminated quote");
		ps->p++;
	} else {
		while (*ps->p && *ps->p != ',' && *ps->p != '}') {
			if (n + 1 >= len)
				return perr(ps, *vstart, "value too long (at most %zu characters)", len - 1);
			val[n++] = *ps->p++;
		}
		while (n && (val[n - 1] == ' ' || val[n - 1] == '\t'))
			n--;
	}
	val[n] = 0;
	if (!n)
		return perr(ps, *vstart, "empty value");
	return 0;
}

static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

static int parse_scope(struct parser *ps, struct wt_metric_ref *ref)
{
	struct wt_scope_sel *sel = &ref->sel;
	const char *brace = ps->p++;
	bool seen[5] = {};
	char list[128];

	for (;;) {
		static const char *const keys[] = { "dev", "ino", "file", "pid", "comm" };
		const char *kstart, *vstart;
		char key[16], val[256];
		unsigned long long u;
		int k = -1;
		size_t kl;

		skip_ws(ps);
		kstart = ps->p;
		while (isalpha((unsigned char)*ps->p))
			ps->p++;
		kl = ps->p - kstart;
		if (!kl)
			return perr(ps, kstart, *kstart ? "expected a scope key: dev, ino, file, pid or comm"
						     : "missing '}'");
		snprintf(key, sizeof(key), "%.*s", (int)kl, kstart);
		for (int i = 0; i < 5; i++)
			if (kl == strlen(keys[i]) && !strncmp(kstart, keys[i], kl))
				k = i;
		if (k < 0)
			return perr(ps, kstart, "unknown scope key \"%s\": use dev, ino, file, pid or comm", key);
		if (seen[k])
			return perr(ps, kstart, "scope key \"%s\" given twice", key);
		seen[k] = true;
		skip_ws(ps);
		if (*ps->p != '=')
			return perr(ps, ps->p, "expected '=' after \"%s\"", key);
		ps->p++;
		skip_ws(ps);
		if (scope_value(ps, val, k == 4 ? WT_COMM_LEN : sizeof(val), &vstart))
			return -1;
		switch (k) {
		case 0: {
			unsigned maj, min;
			char extra;

			if (sscanf(val, "%u:%u%c", &maj, &min, &extra) != 2 || maj > 4095 || min > 0xfffff)
				return perr(ps, vstart, "dev \"%s\": expected MAJOR:MINOR, e.g. 7:0", val);
			sel->has_dev = true;
			sel->dev = wt_dev_make(maj, min);
			break;
		}
		case 1:
			if (parse_u64(val, ~0ULL, &u))
				return perr(ps, vstart, "ino \"%s\": expected an inode number", val);
			sel->has_ino = true;
			sel->ino = u;
			break;
		case 2:
			snprintf(sel->file, sizeof(sel->file), "%s", val);
			break;
		case 3:
			if (parse_u64(val, 4194304, &u) || !u)
				return perr(ps, vstart, "pid \"%s\": expected a process id", val);
			sel->has_pid = true;
			sel->pid = u;
			break;
		case 4:
			snprintf(sel->comm, sizeof(sel->comm), "%s", val);
			break;
		}
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		return perr(ps, ps->p, *ps->p ? "expected ',' or '}'" : "missing '}'");
	}
	if (wt_scope_sel_level(ref->def, sel) < 0) {
		if ((sel->has_pid || sel->comm[0]) && (sel->has_dev || sel->has_ino || sel->file[0]))
			return perr(ps, brace, "pid and comm cannot be combined with dev, ino or file");
		if (ref->def->scopes == WT_SCOPE_BIT(WT_SCOPE_TOTAL))
			return perr(ps, brace, "%s is kept only as a total: it takes no {scope}", ref->def->name);
		scope_names(list, sizeof(list), ref->def);
		return perr(ps, brace, "%s cannot be scoped like that: it is kept per %s", ref->def->name, list);
	}
	return 0;
}

int wt_ref_parse(const char *text, struct wt_metric_ref *ref, const char **end,
		 char *msg, size_t msglen, int *pos)
{
	struct parser ps = { text, text, msg, msglen, pos };

	memset(ref, 0, sizeof(*ref));
	skip_ws(&ps);
	if (parse_name(&ps, ref))
		return -1;
	if (*ps.p == '{' && parse_scope(&ps, ref))
		return -1;
	if (end) {
		*end = ps.p;
		return 0;
	}
	skip_ws(&ps);
	if (*ps.p)
		return perr(&ps, ps.p, "unexpected \"%s\" after the metric", ps.p);
	return 0;
}

/* [-]digits[.digits]; returns the end or NULL */
static const char *parse_number(const char *p, double *v)
{
	const char *s = p;
	char *end;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return NULL;
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	*v = strtod(s, &end);
	return end == p ? p : NULL;
}

static int time_scale(const char *u, size_t n, double *scale)
{
	static const struct { const char *u; double s; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (n == strlen(units[i].u) && !strncmp(u, units[i].u, n)) {
			*scale = units[i].s;
			return 0;
		}
	}
	return -1;
}

static int parse_bound(struct parser *ps, struct wt_rule *r)
{
	bool is_time = wt_ref_unit(&r->ref) == WT_UNIT_SECONDS;
	const char *start = ps->p, *u, *after;
	char name[160];
	double v, scale = 1;
	size_t ul;

	wt_ref_format(name, sizeof(name), &r->ref);
	if (!strncmp(ps->p, "baseline", 8) && !name_char(ps->p[8])) {
		r->relative = true;
		ps->p += 8;
		skip_ws(ps);
		if (*ps->p != '+' && *ps->p != '-')
			return 0;
		{
			int sign = *ps->p == '-' ? -1 : 1;

			ps->p++;
			skip_ws(ps);
			if (*ps->p == '-' || !(after = parse_number(ps->p, &v)))
				return perr(ps, ps->p, "expected a percentage, e.g. baseline+10%%");
			if (*after != '%')
				return perr(ps, after, "expected '%%' after the number: the change is a percentage of the baseline");
			r->percent = sign * v;
			ps->p = after + 1;
		}
		return 0;
	}
	if (!(after = parse_number(ps->p, &v)))
		return perr(ps, start, "expected a number or \"baseline\"");
	u = after;
	while (isalpha((unsigned char)*u) || *u == '%')
		u++;
	ul = u - after;
	if (is_time) {
		if (*start == '-')
			return perr(ps, start, "%s is a time: it cannot be negative", name);
		if (!ul)
			return perr(ps, after, "%s is a time: give a unit: ns, us, ms or s (e.g. 2ms)", name);
		if (time_scale(after, ul, &scale))
			return perr(ps, after, "unknown unit \"%.*s\": use ns, us, ms or s", (int)ul, after);
	} else if (ul) {
		if (*after == '%')
			return perr(ps, after, "a percentage needs the baseline: write \"baseline+%.*s\"",
				    (int)(ul + (after - start)), start);
		return perr(ps, after, "%s is a count: write a plain number, without \"%.*s\"", name, (int)ul, after);
	}
	r->bound = v * scale;
	ps->p = u;
	return 0;
}

int wt_rule_parse(const char *text, struct wt_rule *r, char *msg, size_t msglen, int *pos)
{
	struct parser ps = { text, text, msg, msglen, pos };
	static const struct { const char *s; enum wt_op op; } ops[] = {
		{ "<=", WT_OP_LE }, { ">=", WT_OP_GE }, { "==", WT_OP_EQ }, { "!=", WT_OP_NE },
		{ "<", WT_OP_LT }, { ">", WT_OP_GT },
	};
	const char *end;
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(r->text, sizeof(r->text), "%s", text);
	if (strlen(text) >= sizeof(r->text))
		return perr(&ps, text + sizeof(r->text) - 1, "rule too long (at most %zu characters)",
			    sizeof(r->text) - 1);
	if (wt_ref_parse(text, &r->ref, &end, msg, msglen, pos))
		return -1;
	ps.p = end;
	skip_ws(&ps);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(ps.p, ops[i].s, strlen(ops[i].s)))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return perr(&ps, ps.p, *ps.p == '=' ? "use == to compare"
					: "expected a comparison: <, <=, >, >=, == or !=");
	r->op = ops[i].op;
	ps.p += strlen(ops[i].s);
	skip_ws(&ps);
	if (parse_bound(&ps, r))
		return -1;
	skip_ws(&ps);
	if (*ps.p)
		return perr(&ps, ps.p, "unexpected \"%s\" after the bound", ps.p);
	return 0;
}

static bool compare(double a, enum wt_op op, double b)
{
	switch (op) {
	case WT_OP_LT:
		return a < b;
	case WT_OP_LE:
		return a <= b;
	case WT_OP_GT:
		return a > b;
	case WT_OP_GE:
		return a >= b;
	case WT_OP_EQ:
		return a == b;
	default:
		return a != b;
	}
}

void wt_rule_eval(struct wt_rule *r, const struct wt_metric_set *obs, const struct wt_metric_set *base,
		  const struct wt_floor *floor)
{
	const struct wt_metric_ref *f = &r->ref;

	r->matched = wt_metrics_query(obs, f->def, f->member, f->stat, &f->sel, &r->observed);
	r->limit = r->bound;
	if (r->relative) {
		double slack = !floor ? 0 : wt_ref_unit(f) == WT_UNIT_SECONDS ? floor->time_ns : floor->count;

		r->base_matched = base ? wt_metrics_query(base, f->def, f->member, f->stat, &f->sel, &r->base) : 0;
		if (!base)
			r->base = 0;
		/*
		 * A percentage of a baseline of 0 is 0: any increase from 0 fails
		 * unless it stays within the floor (--regression-floor).
		 */
		r->limit = r->base * (1 + r->percent / 100);
		if (r->op == WT_OP_LT || r->op == WT_OP_LE)
			r->limit = fmax(r->limit, r->base + slack);
		else if (r->op == WT_OP_GT || r->op == WT_OP_GE)
			r->limit = fmin(r->limit, r->base - slack);
	}
	r->verdict = compare(r->observed, r->op, r->limit) ? WT_VERDICT_PASS : WT_VERDICT_FAIL;
}

const char *wt_op_text(enum wt_op op)
{
	static const char *const t[] = { "<", "<=", ">", ">=", "==", "!=" };

	return op <= WT_OP_NE ? t[op] : "?";
}

void wt_ref_format(char *buf, size_t len, const struct wt_metric_ref *ref)
{
	char scope[1024];
	const char *suffix = ref->stat != WT_STAT_VALUE ? wt_stat_name(ref->stat)
			     : ref->member >= 0 ? wt_metric_member_name(ref->def, ref->member) : NULL;

	wt_scope_sel_format(scope, sizeof(scope), &ref->sel);
	snprintf(buf, len, "%s%s%s%s%s%s", ref->def->name, suffix ? "." : "", suffix ? suffix : "",
		 scope[0] ? "{" : "", scope, scope[0] ? "}" : "");
}

enum wt_unit wt_ref_unit(const struct wt_metric_ref *ref)
{
	return wt_stat_unit(ref->def, ref->stat);
}

const char *wt_ref_fmt(char *buf, size_t len, const struct wt_metric_ref *ref, double v)
{
	if (wt_ref_unit(ref) == WT_UNIT_SECONDS)
		return wt_fmt_ns(buf, len, v);
	/* a bound like 100 * 1.1 is 110.00000000000001: people read 110 */
	if (fabs(v - round(v)) < 1e-6)
		snprintf(buf, len, "%.0f", round(v));
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

void wt_rule_explain(char *buf, size_t len, const struct wt_rule *r)
{
	char o[32], l[32], b[32];
	size_t n;

	n = snprintf(buf, len, "observed %s, bound %s %s", wt_ref_fmt(o, sizeof(o), &r->ref, r->observed),
		     wt_op_text(r->op), wt_ref_fmt(l, sizeof(l), &r->ref, r->limit));
	if (r->relative && n < len)
		n += snprintf(buf + n, len - n, " (baseline %s %+g%%%s)", wt_ref_fmt(b, sizeof(b), &r->ref, r->base),
			      r->percent, r->base_matched ? "" : ", no baseline data: 0");
	if (!r->matched && n < len)
		snprintf(buf + n, len - n, " (nothing traced matched: 0)");
}

double wt_parse_percent(const char *s)
{
	const char *end;
	double v;

	end = parse_number(s, &v);
	if (!end || *s == '-' || (*end == '%' ? end[1] : *end) || v > 100000)
		return -1;
	return v;
}

int wt_parse_floor(const char *s, double *v, bool *is_time)
{
	const char *end = parse_number(s, v);
	double scale;

	if (!end || *s == '-')
		return -1;
	*is_time = *end != 0;
	if (!*is_time)
		return 0;
	if (time_scale(end, strlen(end), &scale))
		return -1;
	*v *= scale;
	return 0;
}
