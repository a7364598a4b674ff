// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* wtstat run -- CMD: trace exactly the lifetime of one command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "session.h"

struct child {
	pid_t pid;
	int status;
	bool exited;
	int exit_code;
};

static bool child_done(void *arg)
{
	struct child *c = arg;

	if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = true;
	return c->exited;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Stopped by a signal or duration: pass it on and collect the command. */
static void collect_child(void *arg)
{
	struct child *c = arg;

	if (!c->exited) {
		kill(c->pid, wt_last_signal ? wt_last_signal : SIGTERM);
		if (waitpid(c->pid, &c->status, 0) == c->pid)
			c->exited = true;
	}
	c->exit_code = c->exited ? exit_code(c->status) : -1;
}

/*
 * The child waits on a pipe until tracing is attached, so nothing it does
 * goes unseen; if attaching fails it is never exec'd.
 */
int wt_cmd_run(struct wt_cli *cli)
{
	struct child c = { .exit_code = -1 };
	struct wt_session_hooks hooks = { .done = child_done, .before_final = collect_child, .arg = &c,
					  .command = cli->cmd[0], .command_status = &c.exit_code };
	struct wt_output out;
	struct wt_tracer t;
	char err[512], go;
	int gate[2], rc;

	if (wt_output_open(&out, cli->output, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	if (pipe2(gate, O_CLOEXEC)) {
		fprintf(stderr, "wtstat: pipe: %s\n", strerror(errno));
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	c.pid = fork();
	if (c.pid < 0) {
		fprintf(stderr, "wtstat: fork: %s\n", strerror(errno));
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	if (c.pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* wtstat killed (SIGKILL): the command must not run on untraced;
		 * dying earlier shows as EOF on the pipe below */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		execvp(cli->cmd[0], cli->cmd);
		fprintf(stderr, "wtstat: run: cannot execute '%s': %s\n", cli->cmd[0], strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	if (wt_tracer_start(&t, &cli->cfg, err, sizeof(err))) {
		close(gate[1]);
		waitpid(c.pid, NULL, 0);
		wt_output_close(&out, false, err, sizeof(err));
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	wt_announce_and_drop_privs(&t, stderr);
	go = 1;
	if (write(gate[1], &go, 1) != 1)
		fprintf(stderr, "wtstat: run: could not start the command: %s\n", strerror(errno));
	close(gate[1]);
	rc = wt_session_loop(cli, &t, out.f, &hooks, err, sizeof(err));
	wt_tracer_stop(&t);
	if (rc) {
		fprintf(stderr, "wtstat: %s\n", err);
		wt_output_close(&out, false, err, sizeof(err));
		return 1;
	}
	if (wt_output_close(&out, true, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	return c.exit_code >= 0 ? c.exit_code : 1;
}
