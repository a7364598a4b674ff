/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A tracing session: attach, report each interval, final report, detach. */
#ifndef WTSTAT_SESSION_H
#define WTSTAT_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "attach.h"

struct wt_cli {
	double interval_s;	/* 0: no interval reports */
	double duration_s;	/* 0: until a signal (or the command ends) */
	unsigned top;
	bool json;
	bool dry_run;
	bool verbose;
	const char *output;	/* NULL: stdout */
	struct wt_config cfg;
	char **cmd;		/* 'run': argv of the command */
	/* demo */
	double demo_seconds;
	const char *demo_fstype;
	/* export */
	const char *textfile_dir;
	unsigned per_file;	/* files with their own series */
	/* gate: rule sources in command-line order, parsed by gate.c */
	struct wt_rule_arg {
		const char *text;	/* a rule, or a file of rules */
		bool file;
	} *rule_args;
	unsigned nrule_args;
	const char **regress_on;	/* each a comma-separated list of statistics */
	unsigned nregress_on;
	const char *floors[2];		/* --regression-floor: one time, one count */
	unsigned nfloors;
	const char *baseline;
	const char *max_regression;
	const char *save;
	const char *junit;
	const char *input;		/* judge a saved gate document, trace nothing */
};

/* Set by SIGINT, SIGTERM, SIGHUP: every loop checks it. */
extern volatile sig_atomic_t wt_exiting;
extern volatile sig_atomic_t wt_last_signal;
void wt_install_signal_handlers(void);

/* What a command (run, demo) adds to a session. Every member may be NULL. */
struct wt_session_hooks {
	/* between intervals: true when the session should end (command exited) */
	bool (*done)(void *arg);
	/* after tracing stops, before the final report (collect the command) */
	void (*before_final)(void *arg);
	void *arg;
	const char *command;		/* for the report */
	const int *command_status;	/* read at final-report time */
};

/*
 * Runs a session on an already started tracer. Writes reports to out.
 * Returns 0, or -1 with err set when reading the maps or writing failed.
 */
int wt_session_loop(const struct wt_cli *cli, struct wt_tracer *t, FILE *out,
		    const struct wt_session_hooks *hooks, char *err, size_t errlen);

/* Output file written to a temp file and renamed into place at the end. */
struct wt_output {
	FILE *f;
	char path[4096];
	char tmp[4096];
};
int wt_output_open(struct wt_output *o, const char *path, char *err, size_t errlen);
/* commit: rename into place; otherwise remove the temp file */
int wt_output_close(struct wt_output *o, bool commit, char *err, size_t errlen);

/* CLOCK_MONOTONIC in seconds: interval and duration arithmetic. */
double wt_now_s(void);

/*
 * One line on stderr: the method each event is traced with. Every command
 * calls it once its tracer is attached, so it also drops the capabilities
 * the rest of the run does not need (privs.h; -v says which are left).
 */
void wt_announce_and_drop_privs(const struct wt_tracer *t, FILE *f);

/* Subcommands */
int wt_cmd_demo(struct wt_cli *cli);
int wt_cmd_run(struct wt_cli *cli);
int wt_cmd_export(struct wt_cli *cli);
int wt_cmd_gate(struct wt_cli *cli);

struct wt_snapshot;
/* The tracer's maps now, cumulative since it started (export.c). */
int wt_tracer_snapshot(struct wt_tracer *t, struct wt_snapshot *s);
/* The same into s, zeroed or an earlier snapshot: its memory is reused. */
int wt_tracer_snapshot_into(struct wt_tracer *t, struct wt_snapshot *s);

/* One-line error, exit status 2: the promise every bad input gets. */
#define WT_EXIT_USAGE 2

#endif
