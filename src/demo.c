// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtstat demo: a private loop device with stable_writes=1, a filesystem on
 * it, a workload that makes writers wait for writeback, traced and reported.
 * Everything it makes is removed again, also when interrupted.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include "loopdev.h"
#include "session.h"
#include "snapshot.h"
#include "workload.h"

struct demo {
	struct workload_opts wo;
	struct workload_result wr;
	char err[256];
	int rc;
	volatile bool finished;
};

static void *workload_thread(void *arg)
{
	struct demo *d = arg;

	d->rc = workload_run(&d->wo, &d->wr, d->err, sizeof(d->err));
	d->finished = true;
	return NULL;
}

static bool workload_done(void *arg)
{
	return ((struct demo *)arg)->finished;
}

int wt_cmd_demo(struct wt_cli *cli)
{
	struct scratch_fs fs = SCRATCH_FS_INIT;
	struct demo d = { .wo = { .files = 2, .file_pages = 64, .writers = 2, .mmap_writers = 1,
				  .writethrough = true, .flusher = true, .stop = &wt_exiting } };
	struct wt_session_hooks hooks = { .done = workload_done, .arg = &d };
	struct wt_output out;
	struct wt_tracer t;
	pthread_t th;
	char err[512];
	dev_t dev;
	int rc;

	if (wt_output_open(&out, cli->output, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	/*
	 * The mount lives in a namespace of its own: if wtstat is killed it
	 * goes with the process, and the auto-clearing loop device with it.
	 */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		fprintf(stderr, "wtstat: demo: no private mount namespace (%s): if killed, its mount stays\n",
			strerror(errno));
	if (scratch_fs_create(&fs, 512, true, cli->demo_fstype, err, sizeof(err))) {
		fprintf(stderr, "wtstat: demo: %s\n", err);
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	dev = scratch_fs_dev(&fs);
	fprintf(stderr, "wtstat: demo: %s on %s (stable_writes=1) mounted at %s (seen by wtstat only)\n",
		fs.fstype, fs.loop, fs.mnt);
	/* only the demo's own device: the report is about the workload */
	if (!cli->cfg.filter_dev)
		cli->cfg.filter_dev = wt_dev_make(major(dev), minor(dev));
	if (wt_tracer_start(&t, &cli->cfg, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		scratch_fs_destroy(&fs);
		wt_output_close(&out, false, err, sizeof(err));
		return WT_EXIT_USAGE;
	}
	wt_announce_and_drop_privs(&t, stderr);
	d.wo.dir = fs.mnt;
	d.wo.seconds = cli->demo_seconds;
	if (pthread_create(&th, NULL, workload_thread, &d)) {
		fprintf(stderr, "wtstat: demo: cannot start the workload\n");
		wt_tracer_stop(&t);
		scratch_fs_destroy(&fs);
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	rc = wt_session_loop(cli, &t, out.f, &hooks, err, sizeof(err));
	wt_exiting = 1;		/* stops the workload if the session ended first */
	pthread_join(th, NULL);
	wt_tracer_stop(&t);
	if (d.rc)
		fprintf(stderr, "wtstat: demo: workload: %s\n", d.err);
	else
		fprintf(stderr, "wtstat: demo: workload did %llu writes, %llu mmap stores, %llu %s, %llu flushes\n",
			d.wr.writes, d.wr.mmap_stores, d.wr.writethroughs,
			d.wr.writethrough_supported ? "RWF_WRITETHROUGH writes"
						    : "emulated writethroughs (kernel refused RWF_WRITETHROUGH)",
			d.wr.flushes);
	scratch_fs_destroy(&fs);
	if (rc) {
		fprintf(stderr, "wtstat: %s\n", err);
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	if (wt_output_close(&out, true, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	return d.rc ? 1 : 0;
}
