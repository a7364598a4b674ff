// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: --probe EVENT=METHOD:TARGET (wt_parse_probe_spec).
 * Each input line is one --probe option, as a command line may repeat it.
 * Checked beyond "does not crash":
 *   - a refusal returns -1 with one non-empty line and leaves opts as they
 *     were; a message buffer too small for the message is cut, not overrun;
 *   - an accepted spec is exactly EVENT=METHOD:TARGET printed back from
 *     what was stored, for an event and method that may be overridden;
 *   - the planner then picks, for every event, nothing or one of that
 *     event's candidates, on a kernel whose facts come from the input.
 */
#include <stdbool.h>
#include "fuzz.h"
#include "plan.h"

static void check_refusal(const char *spec, int rc, const char *err, size_t errlen,
			  const struct wt_plan_opts *before, const struct wt_plan_opts *after)
{
	fuzz_check(rc == -1, "'%s': returned %d", spec, rc);
	fuzz_check(fuzz_one_line(err, errlen), "'%s': message \"%s\"", spec, err);
	fuzz_check(!memcmp(before, after, sizeof(*before)), "'%s': refused but changed the options", spec);
}

static void check_accepted(const char *spec, const char *err, const struct wt_plan_opts *before,
			   const struct wt_plan_opts *after)
{
	char back[3 * WT_NAME_MAX];
	int changed = -1;

	fuzz_check(err[0] == 'X', "'%s': accepted but wrote a message \"%s\"", spec, err);
	for (int e = 0; e < EV_COUNT; e++) {
		if (!memcmp(&before->override[e], &after->override[e], sizeof(after->override[e])) &&
		    before->overridden[e] == after->overridden[e])
			continue;
		fuzz_check(changed < 0, "'%s': changed events %d and %d", spec, changed, e);
		changed = e;
	}
	/* the same override twice changes nothing; otherwise exactly one event */
	for (int e = 0; e < EV_COUNT && changed < 0; e++)
		if (after->overridden[e] && !strncmp(spec, wt_event_name(e), strlen(wt_event_name(e))) &&
		    spec[strlen(wt_event_name(e))] == '=')
			changed = e;
	fuzz_check(changed >= 0 && after->overridden[changed], "'%s': accepted, no event overridden", spec);
	fuzz_check(changed != EV_DIRTY_DRIFT, "'%s': the derived dirty_drift was overridden", spec);
	fuzz_check(after->override[changed].method == M_FENTRY || after->override[changed].method == M_KPROBE ||
		   after->override[changed].method == M_TRACEPOINT, "'%s': method %d", spec,
		   after->override[changed].method);
	fuzz_check(strnlen(after->override[changed].target, WT_NAME_MAX) < WT_NAME_MAX, "'%s': target unended", spec);
	snprintf(back, sizeof(back), "%s=%s:%s", wt_event_name(changed), wt_method_name(after->override[changed].method),
		 after->override[changed].target);
	fuzz_check(!strcmp(back, spec), "'%s' stored as '%s'", spec, back);
}

/* One spec, parsed with a roomy message buffer and a cramped one: the same verdict. */
static void one_spec(const char *spec, struct wt_plan_opts *opts)
{
	static const size_t lens[] = { 512, 17 };
	struct wt_plan_opts before = *opts, cramped = *opts;
	int rcs[2];

	for (int i = 0; i < 2; i++) {
		struct wt_plan_opts *o = i ? &cramped : opts;
		char *err = fuzz_msg_buf(lens[i]);

		rcs[i] = wt_parse_probe_spec(spec, o, err, lens[i]);
		if (rcs[i])
			check_refusal(spec, rcs[i], err, lens[i], &before, o);
		else
			check_accepted(spec, err, &before, o);
		free(err);
	}
	fuzz_check(rcs[0] == rcs[1], "'%s': %d with a large message buffer, %d with a small one", spec, rcs[0], rcs[1]);
	fuzz_check(!memcmp(opts, &cramped, sizeof(cramped)), "'%s': the message buffer changed the result", spec);
}

static unsigned hash(const char *s, unsigned h)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* -1 (unknown), 0 or 1 */
static int tri(unsigned v)
{
	return (int)(v % 3) - 1;
}

/* A kernel whose facts about each name are bits of the name's hash. */
static void make_kernel(struct wt_kernel_desc *d, const struct wt_plan_opts *opts, unsigned seed)
{
	char names[WT_MAX_SYMS][WT_NAME_MAX];
	int n = wt_plan_names(opts, names, WT_MAX_SYMS);

	memset(d, 0, sizeof(*d));
	d->btf = seed & 1;
	d->kprobes = tri(seed >> 1 & 3);
	d->have_wt_count = seed >> 3 & 1;
	d->bdp_nargs = seed & 16 ? 12 : 8;
	d->fentry_refused = seed >> 5 & 1;
	for (int i = 0; i < n; i++) {
		struct wt_sym_facts *s = wt_desc_sym(d, names[i]);
		unsigned h = hash(names[i], seed);

		fuzz_check(s != NULL, "room for %d names", n);
		s->in_kallsyms = tri(h & 3);
		s->traceable = tri(h >> 2 & 3);
		s->btf_func = (int)(h >> 4 & 1);
		s->tracepoint = (int)(h >> 5 & 1);
	}
}

static void check_plan(const struct wt_plan_opts *opts, unsigned seed)
{
	struct wt_kernel_desc d;
	struct wt_plan plan;

	make_kernel(&d, opts, seed);
	wt_plan_make(&d, opts, &plan);
	for (int e = 0; e < EV_COUNT; e++) {
		const struct wt_choice *ch = &plan.ev[e];
		struct wt_candidate c[WT_MAX_CANDIDATES];
		int nc = wt_candidates(e, opts, c);
		bool found = ch->method == M_NONE || e == EV_DIRTY_DRIFT;

		fuzz_check(nc >= 0 && nc <= WT_MAX_CANDIDATES, "event %s: %d candidates", wt_event_name(e), nc);
		fuzz_check(ch->nrejected >= 0 && ch->nrejected <= WT_MAX_CANDIDATES, "event %s: %d rejected",
			   wt_event_name(e), ch->nrejected);
		fuzz_check(strnlen(ch->note, WT_REASON_MAX) < WT_REASON_MAX, "event %s: note unended", wt_event_name(e));
		for (int i = 0; i < nc && !found; i++)
			found = c[i].method == ch->method && !strcmp(c[i].target, ch->target);
		fuzz_check(found, "event %s: chose %s:%s, not a candidate", wt_event_name(e),
			   wt_method_name(ch->method), ch->target);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), *line = text, *nl;
	struct wt_plan_opts opts;

	memset(&opts, 0, sizeof(opts));
	do {
		char *spec;

		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		/* its own allocation, so that a read past its end is seen */
		spec = strdup(line);
		if (!spec)
			abort();
		one_spec(spec, &opts);
		free(spec);
		if (nl)
			line = nl + 1;
	} while (nl);
	check_plan(&opts, hash(text, 2166136261u));
	free(text);
	return 0;
}
