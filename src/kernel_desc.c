// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "kernel_desc.h"

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

const char *wt_tracefs_dir(char *why, size_t len)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char probe[64];

	for (size_t i = 0; i < 2; i++) {
		snprintf(probe, sizeof(probe), "%s/events", dirs[i]);
		errno = 0;
		if (is_dir(probe))
			return dirs[i];
		/* mounted, but root's only (mode 0700): nothing to mount or say */
		if (errno == EACCES) {
			why[0] = 0;
			return NULL;
		}
	}
	/* Reading available_filter_functions needs tracefs; mounting it is
	 * harmless and what any tracing tool would ask the user to do. Said
	 * once: the mount outlives wtstat. */
	if (is_dir(dirs[0]) && !mount("nodev", dirs[0], "tracefs", 0, NULL)) {
		fprintf(stderr, "wtstat: tracefs was not mounted: mounted it at %s (left mounted)\n", dirs[0]);
		return dirs[0];
	}
	snprintf(why, len, "tracefs is not mounted and mounting it failed (%s): run 'mount -t tracefs nodev /sys/kernel/tracing'",
		 strerror(errno));
	return NULL;
}

/* "name" or "name [module]" at the start of a line of a symbol list. */
static void symbol_name(char *line, char **name)
{
	char *sp;

	line[strcspn(line, "\n")] = 0;
	*name = line;
	sp = strchr(line, ' ');
	if (sp)
		*sp = 0;
	sp = strchr(line, '\t');
	if (sp)
		*sp = 0;
}

static void scan_kallsyms(struct wt_kernel_desc *d)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];

	for (int i = 0; i < d->nsyms; i++)
		d->syms[i].in_kallsyms = f ? 0 : -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char type, name[256];

		if (sscanf(line, "%*s %c %255s", &type, name) != 2)
			continue;
		if (type != 't' && type != 'T')
			continue;
		for (int i = 0; i < d->nsyms; i++)
			if (!strcmp(d->syms[i].name, name))
				d->syms[i].in_kallsyms = 1;
	}
	fclose(f);
}

static void scan_filter_functions(struct wt_kernel_desc *d)
{
	char why[160], path[128], line[512];
	const char *tfs = wt_tracefs_dir(why, sizeof(why));
	FILE *f = NULL;

	if (tfs) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", tfs);
		f = fopen(path, "re");
	}
	/* Without the list (no tracefs, or no ftrace) traceability is unknown:
	 * the attach attempt decides. */
	if (!tfs && why[0])
		fprintf(stderr, "wtstat: %s; until then whether a function is traceable is left to the attach\n", why);
	for (int i = 0; i < d->nsyms; i++)
		d->syms[i].traceable = f ? 0 : -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name;

		symbol_name(line, &name);
		for (int i = 0; i < d->nsyms; i++)
			if (!strcmp(d->syms[i].name, name))
				d->syms[i].traceable = 1;
	}
	fclose(f);
}

static bool btf_has(const struct btf *btf, const char *name, int kind)
{
	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

static void scan_module_btf(struct wt_kernel_desc *d, struct btf *vmlinux)
{
	char path[512];
	FILE *mods = fopen("/proc/modules", "re");
	char line[512];

	if (!mods)
		return;
	while (fgets(line, sizeof(line), mods)) {
		char mod[128];
		struct btf *btf;

		if (sscanf(line, "%127s", mod) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
		if (access(path, R_OK))
			continue;
		btf = btf__parse_split(path, vmlinux);
		if (!btf)
			continue;
		for (int i = 0; i < d->nsyms; i++) {
			char tp[WT_NAME_MAX + 16];

			snprintf(tp, sizeof(tp), "btf_trace_%s", d->syms[i].name);
			if (btf_has(btf, d->syms[i].name, BTF_KIND_FUNC))
				d->syms[i].btf_func = 1;
			if (btf_has(btf, tp, BTF_KIND_TYPEDEF))
				d->syms[i].tracepoint = 1;
		}
		btf__free(btf);
	}
	fclose(mods);
}

static bool struct_has_member(const struct btf *btf, const char *sname, const char *member)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *m;

	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return true;
	return false;
}

/* Value of enumerator val of enum ename, or -1 when either is absent. */
static int enum_value(const struct btf *btf, const char *ename, const char *val)
{
	int id = btf__find_by_name_kind(btf, ename, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), val))
			return e->val;
	return -1;
}

/*
 * Only the perf kprobe PMU is used: its probes vanish with our file
 * descriptors. The legacy tracefs kprobe_events interface would outlive a
 * crash of wtstat, so a kernel offering only that counts as without kprobes.
 */
/* Arguments a raw tracepoint program sees: btf_trace_X's, less its void *. */
static int tracepoint_nargs(const struct btf *btf, const char *tp)
{
	char name[WT_NAME_MAX + 16];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return 0;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : 0;
}

static int kprobes_built_in(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", R_OK) ? 0 : 1;
}

int wt_kernel_describe(struct wt_kernel_desc *d, const struct wt_plan_opts *opts,
		       const char *btf_path, char *err, size_t errlen)
{
	char names[WT_MAX_SYMS][WT_NAME_MAX];
	int n = wt_plan_names(opts, names, WT_MAX_SYMS);
	struct btf *btf;
	struct utsname u;

	memset(d, 0, sizeof(*d));
	if (!uname(&u))
		snprintf(d->release, sizeof(d->release), "%s", u.release);
	btf = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(err, errlen, "no kernel BTF%s%s: CO-RE needs it; pass --btf FILE with this kernel's BTF (e.g. from its vmlinux)",
			 btf_path ? " in " : " at /sys/kernel/btf/vmlinux", btf_path ? btf_path : "");
		return -1;
	}
	d->btf = true;
	d->have_wt_count = struct_has_member(btf, "address_space", "i_wt_count");
	d->as_stable_bit = enum_value(btf, "mapping_flags", "AS_STABLE_WRITES");
	d->have_as_stable = d->as_stable_bit >= 0;
	/* the same test as the BPF side's CO-RE flavour (bpf/core_fixes.bpf.h) */
	d->folio_memdesc = btf_has(btf, "memdesc_flags_t", BTF_KIND_TYPEDEF);
	d->bdp_nargs = tracepoint_nargs(btf, "balance_dirty_pages");
	for (int i = 0; i < n; i++) {
		struct wt_sym_facts *s = wt_desc_sym(d, names[i]);
		char tp[WT_NAME_MAX + 16];

		if (!s)
			break;
		snprintf(tp, sizeof(tp), "btf_trace_%s", s->name);
		s->btf_func = btf_has(btf, s->name, BTF_KIND_FUNC);
		s->tracepoint = btf_has(btf, tp, BTF_KIND_TYPEDEF);
	}
	if (!btf_path)
		scan_module_btf(d, btf);
	btf__free(btf);
	scan_kallsyms(d);
	scan_filter_functions(d);
	d->kprobes = kprobes_built_in();
	return 0;
}

struct ksym {
	unsigned long long addr;
	bool wanted;
	bool waiter;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The functions through which folio_wait_writeback() is a stable wait:
 * folio_wait_stable() itself (often a tail call, so absent from stacks) and
 * its callers: __filemap_get_folio with FGP_STABLE from every write_begin,
 * and the page_mkwrite handlers of mmap stores.
 */
static const char *const stable_callers[] = {
	"folio_wait_stable", "__filemap_get_folio*", "*write_begin*", "*page_mkwrite*",
	"__iomap_get_folio", "iomap_get_folio",
};

static bool wanted_caller(const char *name)
{
	/* tracepoint glue and function padding share the names, not the role */
	if (!strncmp(name, "__pfx_", 6) || strstr(name, "trace") || strstr(name, "probestub"))
		return false;
	for (size_t i = 0; i < sizeof(stable_callers) / sizeof(*stable_callers); i++)
		if (!fnmatch(stable_callers[i], name, 0))
			return true;
	return false;
}

/* The tracepoint's own function, where its call site is (not inlined). */
static const char *const wait_function = "folio_wait_writeback";

int wt_stable_caller_ranges(struct wt_caller_range *out, int max, struct wt_caller_range *waiter)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksym *syms = NULL;
	size_t n = 0, cap = 0;
	char line[512];
	int nout = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (n == cap) {
			struct ksym *grown = realloc(syms, (cap = cap ? cap * 2 : 65536) * sizeof(*syms));

			if (!grown)
				break;
			syms = grown;
		}
		/* every symbol bounds the one before it, whatever its type */
		syms[n].addr = addr;
		syms[n].wanted = (type == 't' || type == 'T') && wanted_caller(name);
		syms[n].waiter = (type == 't' || type == 'T') && !strcmp(name, wait_function);
		n++;
	}
	fclose(f);
	if (n)	/* qsort(NULL, 0, ...) is undefined */
		qsort(syms, n, sizeof(*syms), ksym_cmp);
	memset(waiter, 0, sizeof(*waiter));
	for (size_t i = 0; i + 1 < n; i++) {
		if (syms[i].waiter && syms[i + 1].addr > syms[i].addr) {
			waiter->start = syms[i].addr;
			waiter->end = syms[i + 1].addr;
		}
		if (!syms[i].wanted || syms[i + 1].addr <= syms[i].addr || nout >= max)
			continue;
		out[nout].start = syms[i].addr;
		out[nout].end = syms[i + 1].addr;
		nout++;
	}
	free(syms);
	return nout;
}
