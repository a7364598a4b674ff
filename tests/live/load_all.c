// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads every program of the wtstat BPF object into the running kernel, so
 * the verifier judges each one, including the ones the planner would not
 * pick here. Non-tracing programs load together, as the tool loads them;
 * fentry/fexit programs load one at a time against their default target,
 * and a kernel that refuses fentry/fexit programs outright (EPERM) or lacks the
 * target is reported as a skip, not a pass.
 * Output: one "ok|not ok|skip load:<program>" line each; exit 1 on any not ok.
 * The programs that run on every context switch or buffered write must
 * stay a test and a call: their first JIT'd function is checked for size
 * ("ok|not ok hot:<program>").
 * With a BTF file argument, CO-RE relocates against that kernel instead
 * (e.g. another release's vmlinux): relocation errors show up here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "wtstat.h"
#include "wtstat.skel.h"

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return 0;
}

static int loud(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static bool is_tracing(struct bpf_program *p)
{
	enum bpf_attach_type t = bpf_program__expected_attach_type(p);

	return bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
	       (t == BPF_TRACE_FENTRY || t == BPF_TRACE_FEXIT);
}

/* "fentry/folio_wait_stable" -> "folio_wait_stable" */
static const char *target_of(struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p), *slash = strchr(sec, '/');

	return slash ? slash + 1 : "";
}

/* Mostly nothing to do: the program is its test, the work a function it calls. */
static const char *const hot_progs[] = {
	"tp_sched_switch", "fentry_wait_stable", "fexit_wait_stable",
	"kprobe_wait_stable", "kretprobe_wait_stable",
};
#define HOT_MAX_BYTES 256	/* a prologue, a few loads, a call, an exit */

static bool is_hot(const char *name)
{
	for (size_t i = 0; i < sizeof(hot_progs) / sizeof(hot_progs[0]); i++)
		if (!strcmp(name, hot_progs[i]))
			return true;
	return false;
}

/* 1 when a hot program's first function grew past the test and the call */
static int check_hot(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), lens[8] = {};
	const char *name = bpf_program__name(p);

	if (!is_hot(name))
		return 0;
	info.nr_jited_func_lens = 8;
	info.jited_func_lens = (unsigned long)lens;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		printf("not ok hot:%s: no program info: %s\n", name, strerror(errno));
		return 1;
	}
	if (!info.jited_prog_len) {
		printf("skip hot:%s: not JIT-compiled here\n", name);
		return 0;
	}
	if (info.nr_jited_func_lens < 2 || lens[0] > HOT_MAX_BYTES) {
		printf("not ok hot:%s: %u functions, the first %u bytes (at most %d: keep the work "
		       "in a __noinline function)\n", name, info.nr_jited_func_lens, lens[0], HOT_MAX_BYTES);
		return 1;
	}
	printf("ok hot:%s: %u bytes before the call to its work\n", name, lens[0]);
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = argc > 1 ? argv[1] : NULL);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct wtstat_bpf *skel;
	struct bpf_program *p;
	int bad = 0, err, ntracing = 0;

	libbpf_set_print(getenv("V") ? loud : quiet);
	skel = wtstat_bpf__open_opts(&oo);
	if (!skel) {
		printf("not ok load:open: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, !is_tracing(p));
	err = wtstat_bpf__load(skel);
	bpf_object__for_each_program(p, skel->obj) {
		if (is_tracing(p)) {
			ntracing++;
			continue;
		}
		if (err) {
			printf("not ok load:%s: object load failed: %s\n", bpf_program__name(p), strerror(-err));
			continue;
		}
		printf("ok load:%s\n", bpf_program__name(p));
		bad |= check_hot(p);
	}
	bad |= err != 0;
	wtstat_bpf__destroy(skel);

	for (int i = 0; i < ntracing; i++) {
		const char *name = NULL;
		int k = 0;

		skel = wtstat_bpf__open_opts(&oo);
		bpf_object__for_each_program(p, skel->obj) {
			bool mine = is_tracing(p) && k++ == i;

			bpf_program__set_autoload(p, mine);
			if (mine)
				name = bpf_program__name(p);
		}
		p = bpf_object__find_program_by_name(skel->obj, name);
		if (!vmlinux || btf__find_by_name_kind(vmlinux, target_of(p), BTF_KIND_FUNC) <= 0) {
			printf("skip load:%s: target %s not in kernel BTF\n", name, target_of(p));
		} else if ((err = wtstat_bpf__load(skel)) == 0) {
			printf("ok load:%s\n", name);
			bad |= check_hot(p);
		} else if (err == -EPERM) {
			printf("skip load:%s: kernel refuses fentry/fexit programs (EPERM)\n", name);
		} else {
			printf("not ok load:%s: %s\n", name, strerror(-err));
			bad = 1;
		}
		wtstat_bpf__destroy(skel);
	}
	btf__free(vmlinux);
	return bad;
}
