// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * empty_loader: attaches the empty programs of bench/empty.bpf.c, each in
 * its own BPF object so that one the kernel refuses (no kprobes, fentry
 * refused) does not keep the others out, and holds them until SIGINT,
 * SIGTERM or the end of stdin.
 *
 *   empty_loader [--hooks rawtp,tp,kprobe,fentry,stack,load,kprobe-load|all] [--until-eof]
 *
 * The reference programs, which do a little, are not part of "all":
 * "stack" selects the ones that only take a kernel stack, "load" the
 * sched_switch one that only tests two words of its .bss, "kprobe-load"
 * the kprobe that only reads a folio's first 32 bytes.
 *
 * It also ends when its parent dies (PR_SET_PDEATHSIG), and with
 * --until-eof when stdin closes: a harness that dies leaves nothing attached.
 * Prints one line per program, "ok NAME id=ID" or "skip NAME: REASON",
 * then "ready". Exit status 1 when nothing could be attached.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return 0;
}

/* Which --hooks word selects a program, from its section name. */
static const char *family_of(const char *name, const char *sec)
{
	if (!strncmp(name, "stack", 5))
		return "stack";
	if (!strncmp(name, "load", 4))	/* the VM lab wants the kprobe one alone */
		return strncmp(sec, "kprobe/", 7) ? "load" : "kprobe-load";
	if (!strncmp(sec, "raw_tp/", 7))
		return "rawtp";
	if (!strncmp(sec, "tracepoint/", 11))
		return "tp";
	if (!strncmp(sec, "kprobe/", 7) || !strncmp(sec, "kretprobe/", 10))
		return "kprobe";
	if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6))
		return "fentry";
	return "?";
}

/* programs that do some work: only when asked for by name */
static int is_reference(const char *family)
{
	return !strcmp(family, "stack") || strstr(family, "load");
}

static int wanted(const char *hooks, const char *family)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", hooks);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, family) || (!strcmp(tok, "all") && !is_reference(family)))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *hooks = "all";
	int until_eof = 0;
	struct empty_bpf *objs[16] = {};
	struct bpf_link *links[16] = {};
	struct bpf_program *p;
	int n = 0, nok = 0, total;
	struct sigaction sa = { .sa_handler = on_signal };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hooks") && i + 1 < argc)
			hooks = argv[++i];
		else if (!strcmp(argv[i], "--until-eof"))
			until_eof = 1;
		else {
			fprintf(stderr, "usage: empty_loader [--hooks rawtp,tp,kprobe,fentry,stack|all] [--until-eof]\n");
			return 2;
		}
	}
	sigemptyset(&sa.sa_mask);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;	/* the parent is already gone */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(quiet);

	{
		struct empty_bpf *probe = empty_bpf__open();

		if (!probe) {
			fprintf(stderr, "empty_loader: cannot open the BPF object: %s\n", strerror(errno));
			return 1;
		}
		total = 0;
		bpf_object__for_each_program(p, probe->obj)
			total++;
		empty_bpf__destroy(probe);
	}
	for (int i = 0; i < total && n < 16; i++) {
		struct empty_bpf *o = empty_bpf__open();
		struct bpf_program *mine = NULL;
		struct bpf_link *link;
		const char *name;
		int k = 0, err;

		if (!o)
			return 1;
		bpf_object__for_each_program(p, o->obj) {
			bpf_program__set_autoload(p, k == i);
			if (k++ == i)
				mine = p;
		}
		name = bpf_program__name(mine);
		if (!wanted(hooks, family_of(name, bpf_program__section_name(mine)))) {
			empty_bpf__destroy(o);
			continue;
		}
		err = empty_bpf__load(o);
		if (err) {
			printf("skip %s: load refused: %s\n", name, strerror(-err));
			empty_bpf__destroy(o);
			continue;
		}
		link = bpf_program__attach(mine);
		if (!link) {
			printf("skip %s: attach refused: %s\n", name, strerror(errno));
			empty_bpf__destroy(o);
			continue;
		}
		{
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			bpf_obj_get_info_by_fd(bpf_program__fd(mine), &info, &len);
			printf("ok %s id=%u hook=%s\n", name, info.id, bpf_program__section_name(mine));
		}
		objs[n] = o;
		links[n] = link;
		n++;
		nok++;
	}
	printf("ready\n");
	fflush(stdout);
	if (!nok) {
		fprintf(stderr, "empty_loader: no program could be attached\n");
		return 1;
	}
	/* hold until a signal (or the end of stdin) */
	while (!stop) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		char buf[64];

		if (!until_eof) {
			pause();
			continue;
		}
		if (poll(&pfd, 1, 1000) > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				break;
		}
	}
	for (int i = 0; i < n; i++) {
		bpf_link__destroy(links[i]);
		empty_bpf__destroy(objs[i]);
	}
	return 0;
}
