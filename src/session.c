// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "privs.h"
#include "report.h"
#include "session.h"
#include "snapshot.h"
#include "wtstat.skel.h"

volatile sig_atomic_t wt_exiting;
volatile sig_atomic_t wt_last_signal;

static void on_signal(int sig)
{
	wt_exiting = 1;
	wt_last_signal = sig;
}

void wt_install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void wt_announce_and_drop_privs(const struct wt_tracer *t, FILE *f)
{
	fprintf(f, "wtstat: tracing with");
	for (int ev = 0; ev < EV_COUNT; ev++) {
		const struct wt_choice *c = &t->plan.ev[ev];

		if (!c->needed || wt_event_is_neighbour(ev))
			continue;
		fprintf(f, " %s=%s", wt_event_name(ev), c->method == M_NONE ? "unavailable" : wt_method_name(c->method));
	}
	fprintf(f, " (details: wtstat probes)\n");
	/* every command calls this once attached: the moment to give up privileges */
	wt_privs_drop(bpf_map__fd(t->skel->maps.totals), f);
}

double wt_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct wt_map_fds tracer_fds(struct wt_tracer *t)
{
	struct wt_map_fds fds = {
		.table = &t->table,
		.procs = bpf_map__fd(t->skel->maps.procs),
		.devs = bpf_map__fd(t->skel->maps.devs),
		.totals = bpf_map__fd(t->skel->maps.totals),
		.counters = bpf_map__fd(t->skel->maps.counters),
	};

	return fds;
}

/* Derived begins are per file (a running max); their total is the sum. */
static bool begun_summed(const struct wt_tracer *t)
{
	enum wt_method m = t->plan.ev[EV_WT_BEGIN].method;

	return m != M_FENTRY && m != M_KPROBE;
}

/*
 * The kernel skips a program's run when the same program is already running
 * on that CPU (bpf_prog_inc_misses_counter): on preemptible kernels (7.x with
 * lazy preemption) an fentry or tracepoint program can be preempted and the
 * next task's event on that CPU is then not seen at all. The kernel counts
 * those runs per program; they go into the counters map as one more drop, so
 * every reader (deltas, JSON, textfile, gate) sees them like the others.
 */
static void sync_skipped_runs(const struct wt_tracer *t)
{
	static int ncpu;
	__u32 key = WT_DROP_PROG_MISSED;
	struct bpf_program *prog;
	__u64 missed = 0;

	if (!ncpu && (ncpu = libbpf_num_possible_cpus()) <= 0) {
		ncpu = 0;
		return;
	}
	bpf_object__for_each_program(prog, t->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			missed += info.recursion_misses;
	}
	{
		__u64 percpu[ncpu];

		memset(percpu, 0, sizeof(percpu));
		percpu[0] = missed;
		bpf_map_update_elem(bpf_map__fd(t->skel->maps.counters), &key, percpu, BPF_ANY);
	}
}

int wt_tracer_snapshot_into(struct wt_tracer *t, struct wt_snapshot *s)
{
	struct wt_map_fds fds = tracer_fds(t);
	int e;

	sync_skipped_runs(t);
	e = wt_snapshot_read_into(s, &fds, t->skel->bss->pending_count);

	if (!e && begun_summed(t))
		wt_snapshot_sum_begun(s);
	return e;
}

int wt_tracer_snapshot(struct wt_tracer *t, struct wt_snapshot *s)
{
	int e;

	memset(s, 0, sizeof(*s));
	e = wt_tracer_snapshot_into(t, s);
	if (e)
		wt_snapshot_free(s);
	return e;
}

static int emit(const struct wt_cli *cli, FILE *out, const struct wt_report *r)
{
	if (cli->json)
		return wt_report_json(out, r);
	wt_report_text(out, r);
	return ferror(out) ? -1 : 0;
}

/*
 * Each interval reads the maps into the snapshot read two intervals ago and
 * the delta into the last delta: at 100,000 mappings a snapshot is 60 MiB,
 * and touching that much fresh memory every interval cost more than all
 * the rest of the cycle.
 */
int wt_session_loop(const struct wt_cli *cli, struct wt_tracer *t, FILE *out,
		    const struct wt_session_hooks *hooks, char *err, size_t errlen)
{
	static const struct wt_session_hooks none;
	struct wt_snapshot snaps[2] = {}, delta = {}, *prev = &snaps[0], *cur = &snaps[1], *tmp;
	double start = wt_now_s(), next = start + cli->interval_s, last = start;
	int e;

	if (!hooks)
		hooks = &none;
	e = wt_tracer_snapshot_into(t, prev);
	if (e) {
		snprintf(err, errlen, "reading BPF maps failed: %s", strerror(-e));
		goto fail;
	}
	while (!wt_exiting) {
		double now = wt_now_s();
		struct timespec nap = { 0, 50 * 1000 * 1000 };

		if (cli->duration_s > 0 && now - start >= cli->duration_s)
			break;
		if (hooks->done && hooks->done(hooks->arg))
			break;
		if (cli->interval_s > 0 && now >= next) {
			struct wt_report r = { .tracer = t, .snap = &delta, .interval_s = now - last,
					       .elapsed_s = now - start, .top = cli->top };

			struct wt_map_fds fds = tracer_fds(t);

			sync_skipped_runs(t);
			e = wt_snapshot_next(cur, prev, &delta, &fds, t->skel->bss->pending_count, begun_summed(t));
			if (!e)
				e = wt_snapshot_sort_top(&delta, cli->top, true);
			if (e) {
				snprintf(err, errlen, "reading BPF maps failed: %s", strerror(-e));
				goto fail;
			}
			e = emit(cli, out, &r);
			fflush(out);
			tmp = prev;
			prev = cur;
			cur = tmp;
			last = now;
			next += cli->interval_s;
			if (e) {
				snprintf(err, errlen, "writing the report failed: %s", strerror(errno));
				goto fail;
			}
			continue;
		}
		nanosleep(&nap, NULL);
	}
	wt_snapshot_free(prev);
	wt_snapshot_free(&delta);
	if (hooks->before_final)
		hooks->before_final(hooks->arg);
	e = wt_tracer_snapshot_into(t, cur);
	if (!e)
		e = wt_snapshot_sort_top(cur, cli->top, false);
	if (e) {
		snprintf(err, errlen, "reading BPF maps failed: %s", strerror(-e));
		wt_snapshot_free(cur);
		return -1;
	}
	{
		struct wt_report r = { .tracer = t, .snap = cur, .final = true, .elapsed_s = wt_now_s() - start,
				       .top = cli->top, .command = hooks->command,
				       .command_status = hooks->command_status ? *hooks->command_status : -1 };

		e = emit(cli, out, &r);
	}
	wt_snapshot_free(cur);
	if (e || fflush(out)) {
		snprintf(err, errlen, "writing the report failed: %s", strerror(errno));
		return -1;
	}
	return 0;
fail:
	wt_snapshot_free(&snaps[0]);
	wt_snapshot_free(&snaps[1]);
	wt_snapshot_free(&delta);
	return -1;
}

int wt_output_open(struct wt_output *o, const char *path, char *err, size_t errlen)
{
	char dir[4096];
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path) {
		o->f = stdout;
		return 0;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.XXXXXX", dirname(dir), basename(o->path));
	snprintf(o->path, sizeof(o->path), "%s", path);	/* basename may have modified it */
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--output %s: cannot create a file in its directory: %s", path, strerror(errno));
		o->tmp[0] = 0;
		return -1;
	}
	fchmod(fd, 0644);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		snprintf(err, errlen, "--output %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int wt_output_close(struct wt_output *o, bool commit, char *err, size_t errlen)
{
	int bad = 0;

	if (!o->f || o->f == stdout) {
		if (o->f)
			fflush(o->f);
		return 0;
	}
	bad = fflush(o->f) || fsync(fileno(o->f));
	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (commit && !bad && !rename(o->tmp, o->path))
		return 0;
	if (commit)
		snprintf(err, errlen, "--output %s: writing failed: %s", o->path, strerror(errno));
	unlink(o->tmp);
	return commit ? -1 : 0;
}
