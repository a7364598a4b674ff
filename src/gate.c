// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtstat gate -- CMD: trace one command, then judge rules on what was
 * traced, for CI. Exit 0: every check held; 1: a rule failed or CMD
 * failed; 2: the gate itself could not judge (bad rules, bad baseline,
 * unwritable output, attach failure, interrupted). Outputs: the text
 * report, a JSON document (--save, --json; README "Gate JSON") that a
 * later run takes as --baseline, and JUnit XML (--junit). On exit 2 no
 * output file is left behind, not even a partial one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "gate_doc.h"
#include "metrics.h"
#include "prom.h"
#include "report.h"
#include "rules.h"
#include "session.h"
#include "snapshot.h"

#define DEFAULT_REGRESS_ON "stable_wait.count,stable_wait.sum,stable_wait.p99"

struct gate {
	struct wt_rule *rules;
	unsigned nrules;
	struct wt_floor floor;
	json_object *base_doc;
	struct wt_metric_set base;
	bool have_base;
	/* what was judged */
	json_object *input_doc;		/* --input */
	struct wt_metric_set obs;
	struct wt_snapshot snap;
	struct wt_tracer t;
	bool traced, attached;
	double elapsed_s;
	/* the command */
	pid_t pid;
	int status;			/* exit status as a shell gives it, -1: none */
	int signal;			/* the signal that killed it, 0: none */
	bool has_command, timed_out, interrupted;
	int exec_errno;
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("wtstat: gate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return WT_EXIT_USAGE;
}

static struct wt_rule *new_rule(struct gate *g)
{
	struct wt_rule *r = realloc(g->rules, (g->nrules + 1) * sizeof(*r));

	if (!r)
		return NULL;
	g->rules = r;
	return &g->rules[g->nrules];
}

/* One rule text; where names the source for messages ("--rule", "FILE:LINE"). */
static int add_rule(struct gate *g, const char *text, const char *where, bool quote)
{
	struct wt_rule *r = new_rule(g);
	char msg[768];
	int pos = 0;

	if (!r)
		return fail("out of memory");
	if (wt_rule_parse(text, r, msg, sizeof(msg), &pos)) {
		if (quote)
			return fail("%s \"%s\": character %d: %s", where, text, pos + 1, msg);
		return fail("%s: character %d: %s", where, pos + 1, msg);
	}
	snprintf(r->origin, sizeof(r->origin), "%s", where);
	g->nrules++;
	return 0;
}

/* A rules file: one rule a line; blank lines and '#' comments skipped. */
static int add_rules_file(struct gate *g, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, where[300];
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = 0;

	if (!f)
		return fail("--rules %s: %s: give a readable file, one rule a line", path, strerror(errno));
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		char *p = line;

		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		/* offsets count from the start of the line, as editors do */
		rc = add_rule(g, line, where, false);
	}
	free(line);
	fclose(f);
	return rc;
}

/* --max-regression P: "REF <= baseline+P%" for each statistic of --regress-on. */
static int add_regression_rules(struct gate *g, const struct wt_cli *cli, double pct)
{
	static const char *const dflt[] = { DEFAULT_REGRESS_ON };
	const char *const *lists = cli->nregress_on ? cli->regress_on : dflt;
	unsigned nlists = cli->nregress_on ? cli->nregress_on : 1;

	for (unsigned i = 0; i < nlists; i++) {
		const char *p = lists[i];

		for (;;) {
			struct wt_metric_ref ref;
			struct wt_rule *r;
			const char *end;
			char msg[768], name[300];
			int pos = 0;

			if (wt_ref_parse(p, &ref, &end, msg, sizeof(msg), &pos))
				return fail("--regress-on \"%s\": character %d: %s", lists[i],
					    (int)(p - lists[i]) + pos + 1, msg);
			while (*end == ' ')
				end++;
			if (*end && *end != ',')
				return fail("--regress-on \"%s\": character %d: expected ',' between statistics",
					    lists[i], (int)(end - lists[i]) + 1);
			if (!(r = new_rule(g)))
				return fail("out of memory");
			memset(r, 0, sizeof(*r));
			r->ref = ref;
			r->op = WT_OP_LE;
			r->relative = true;
			r->percent = pct;
			wt_ref_format(name, sizeof(name), &ref);
			snprintf(r->text, sizeof(r->text), "%s <= baseline+%g%%", name, pct);
			snprintf(r->origin, sizeof(r->origin), "--max-regression");
			g->nrules++;
			if (!*end)
				break;
			p = end + 1;
		}
	}
	return 0;
}

static int set_floors(struct gate *g, const struct wt_cli *cli)
{
	for (unsigned i = 0; i < cli->nfloors; i++) {
		bool is_time;
		double v;

		if (wt_parse_floor(cli->floors[i], &v, &is_time))
			return fail("--regression-floor \"%s\": expected a count (5) or a time (1ms, 20us)", cli->floors[i]);
		if (is_time)
			g->floor.time_ns = v;
		else
			g->floor.count = v;
	}
	return 0;
}

/* A gate document written by --save: what --baseline and --input read. */
static int load_doc(const char *opt, const char *path, json_object **doc, struct wt_metric_set *set)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, err[512];
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return fail("%s %s: %s: give a file written by wtstat gate --save", opt, path, strerror(errno));
	len = getdelim(&buf, &cap, '\0', f);	/* a JSON file holds no NUL */
	fclose(f);
	*doc = wt_gate_doc_parse(buf, len > 0 ? (size_t)len : 0, set, err, sizeof(err));
	free(buf);
	if (!*doc)
		return fail("%s %s: %s", opt, path, err);
	return 0;
}

static int shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Ends the command: sig, then SIGKILL if it is still there 5 s later. */
static void stop_child(struct gate *g, int sig, int *status)
{
	kill(g->pid, sig);
	for (int i = 0; i < 100; i++) {
		struct timespec nap = { 0, 50 * 1000 * 1000 };

		if (waitpid(g->pid, status, WNOHANG) == g->pid)
			return;
		nanosleep(&nap, NULL);
	}
	kill(g->pid, SIGKILL);
	waitpid(g->pid, status, 0);
}

/*
 * Forks CMD held on a pipe until tracing is attached (nothing it does goes
 * unseen), waits for it, then reads the maps. A second pipe carries
 * execvp's errno: a command that cannot start is a usage error, not a
 * failed gate.
 */
static int trace_command(struct gate *g, const struct wt_cli *cli)
{
	int hold[2], execerr[2], status = 0, e;
	double start;
	char err[512], go = 1;

	if (pipe2(hold, O_CLOEXEC) || pipe2(execerr, O_CLOEXEC))
		return fail("pipe: %s", strerror(errno));
	g->pid = fork();
	if (g->pid < 0)
		return fail("fork: %s", strerror(errno));
	if (g->pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		/* wtstat killed (SIGKILL): the command must not run on untraced;
		 * dying earlier shows as EOF on the pipe below */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(hold[1]);
		close(execerr[0]);
		if (read(hold[0], &go, 1) != 1)
			_exit(127);
		execvp(cli->cmd[0], cli->cmd);
		e = errno;
		if (write(execerr[1], &e, sizeof(e)) != sizeof(e))
			_exit(127);
		_exit(127);
	}
	close(hold[0]);
	close(execerr[1]);
	if (wt_tracer_start(&g->t, &cli->cfg, err, sizeof(err))) {
		close(hold[1]);
		close(execerr[0]);
		waitpid(g->pid, NULL, 0);
		return fail("%s", err);
	}
	g->attached = true;
	wt_announce_and_drop_privs(&g->t, stderr);
	start = wt_now_s();
	if (write(hold[1], &go, 1) != 1)
		fprintf(stderr, "wtstat: gate: could not start the command: %s\n", strerror(errno));
	close(hold[1]);
	for (;;) {
		struct timespec nap = { 0, 20 * 1000 * 1000 };

		if (waitpid(g->pid, &status, WNOHANG) == g->pid)
			break;
		if (wt_exiting) {
			g->interrupted = true;
			stop_child(g, wt_last_signal ? wt_last_signal : SIGTERM, &status);
			break;
		}
		if (cli->duration_s > 0 && wt_now_s() - start >= cli->duration_s) {
			g->timed_out = true;
			stop_child(g, SIGTERM, &status);
			break;
		}
		nanosleep(&nap, NULL);
	}
	g->elapsed_s = wt_now_s() - start;
	g->status = shell_status(status);
	g->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (read(execerr[0], &e, sizeof(e)) == sizeof(e))
		g->exec_errno = e;
	close(execerr[0]);
	if (g->exec_errno)
		return fail("cannot execute '%s': %s", cli->cmd[0], strerror(g->exec_errno));
	e = wt_tracer_snapshot(&g->t, &g->snap);
	if (e)
		return fail("reading BPF maps failed: %s", strerror(-e));
	wt_snapshot_sort(&g->snap);
	g->traced = true;
	if (wt_metrics_build(&g->obs, &g->snap, &g->t, WT_ALL_FILES, g->elapsed_s))
		return fail("out of memory");
	return 0;
}

/* --input: judge a saved document instead of tracing. */
static int load_input(struct gate *g, const char *path)
{
	json_object *c, *v;

	if (load_doc("--input", path, &g->input_doc, &g->obs))
		return WT_EXIT_USAGE;
	if (json_object_object_get_ex(g->input_doc, "elapsed_s", &v))
		g->elapsed_s = json_object_get_double(v);
	g->status = -1;
	if (json_object_object_get_ex(g->input_doc, "command", &c) && json_object_is_type(c, json_type_object) &&
	    json_object_object_get_ex(c, "exit_status", &v)) {
		g->has_command = true;
		g->status = json_object_get_int(v);
		if (json_object_object_get_ex(c, "timed_out", &v))
			g->timed_out = json_object_get_boolean(v);
	}
	return 0;
}

static bool command_passed(const struct gate *g)
{
	return !g->has_command || (g->status == 0 && !g->timed_out);
}

static void command_explain(char *buf, size_t len, const struct gate *g)
{
	if (g->timed_out)
		snprintf(buf, len, "timed out (--duration) and was stopped; exit status %d", g->status);
	else if (g->signal)
		snprintf(buf, len, "killed by signal %d (%s)", g->signal, strsignal(g->signal));
	else
		snprintf(buf, len, "exit status %d", g->status);
}

static unsigned failures(const struct gate *g)
{
	unsigned n = !command_passed(g);

	for (unsigned i = 0; i < g->nrules; i++)
		n += g->rules[i].verdict == WT_VERDICT_FAIL;
	return n;
}

static void argv_text(char *buf, size_t len, char **argv)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; argv && argv[i] && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}

/* ---- outputs -------------------------------------------------------------- */

static void print_text(FILE *f, const struct gate *g, const struct wt_cli *cli)
{
	char cmd[1024], why[512];
	unsigned nfail = failures(g), nchecks = g->nrules + g->has_command;

	argv_text(cmd, sizeof(cmd), cli->cmd);
	if (g->traced) {
		struct wt_report r = { .tracer = &g->t, .snap = &g->snap, .final = true, .elapsed_s = g->elapsed_s,
				       .top = cli->top, .command = cmd, .command_status = g->status };

		wt_report_text(f, &r);
		fprintf(f, "\n");
	}
	fprintf(f, "=== gate: %u check%s%s%s ===\n", nchecks, nchecks == 1 ? "" : "s", g->have_base ? ", baseline " : "",
		g->have_base ? cli->baseline : "");
	if (g->has_command) {
		command_explain(why, sizeof(why), g);
		fprintf(f, "%-4s  %-44s  %s\n", command_passed(g) ? "PASS" : "FAIL", "command succeeds", why);
	}
	for (unsigned i = 0; i < g->nrules; i++) {
		const struct wt_rule *r = &g->rules[i];

		wt_rule_explain(why, sizeof(why), r);
		fprintf(f, "%-4s  %-44s  %s\n", r->verdict == WT_VERDICT_PASS ? "PASS" : "FAIL", r->text, why);
	}
	if (g->interrupted)
		fprintf(f, "gate: ERROR: interrupted by signal %d before the command ended: no verdict (exit 2)\n",
			(int)wt_last_signal);
	else if (nfail)
		fprintf(f, "gate: FAIL: %u of %u checks failed (exit 1)\n", nfail, nchecks);
	else
		fprintf(f, "gate: PASS: %u check%s (exit 0)\n", nchecks, nchecks == 1 ? "" : "s");
}

static json_object *seconds_or_count(const struct wt_rule *r, double v)
{
	return json_object_new_double(wt_ref_unit(&r->ref) == WT_UNIT_SECONDS ? v / 1e9 : v);
}

static json_object *scope_json(const struct wt_scope_sel *sel)
{
	json_object *o = json_object_new_object();
	char b[32];

	if (sel->has_dev) {
		snprintf(b, sizeof(b), "%u:%u", wt_dev_major(sel->dev), wt_dev_minor(sel->dev));
		json_object_object_add(o, "dev", json_object_new_string(b));
	}
	if (sel->has_ino)
		json_object_object_add(o, "ino", json_object_new_uint64(sel->ino));
	if (sel->file[0])
		json_object_object_add(o, "file", json_object_new_string(sel->file));
	if (sel->has_pid)
		json_object_object_add(o, "pid", json_object_new_uint64(sel->pid));
	if (sel->comm[0])
		json_object_object_add(o, "comm", json_object_new_string(sel->comm));
	return o;
}

static json_object *rule_json(const struct wt_rule *r)
{
	json_object *o = json_object_new_object();
	const struct wt_metric_ref *f = &r->ref;
	char why[512], txt[32];

	json_object_object_add(o, "rule", json_object_new_string(r->text));
	json_object_object_add(o, "origin", json_object_new_string(r->origin));
	json_object_object_add(o, "metric", json_object_new_string(f->def->name));
	json_object_object_add(o, "statistic", f->stat == WT_STAT_VALUE ? NULL : json_object_new_string(wt_stat_name(f->stat)));
	json_object_object_add(o, "member", f->member < 0 ? NULL
				: json_object_new_string(wt_metric_member_name(f->def, f->member)));
	json_object_object_add(o, "scope", scope_json(&f->sel));
	json_object_object_add(o, "unit", json_object_new_string(wt_ref_unit(f) == WT_UNIT_SECONDS ? "seconds" : "count"));
	json_object_object_add(o, "op", json_object_new_string(wt_op_text(r->op)));
	json_object_object_add(o, "bound", seconds_or_count(r, r->limit));
	json_object_object_add(o, "bound_text", json_object_new_string(wt_ref_fmt(txt, sizeof(txt), f, r->limit)));
	if (r->relative) {
		json_object *rel = json_object_new_object();

		json_object_object_add(rel, "baseline", seconds_or_count(r, r->base));
		json_object_object_add(rel, "percent", json_object_new_double(r->percent));
		json_object_object_add(rel, "baseline_matched", json_object_new_int(r->base_matched));
		json_object_object_add(o, "relative", rel);
	} else {
		json_object_object_add(o, "relative", NULL);
	}
	json_object_object_add(o, "observed", seconds_or_count(r, r->observed));
	json_object_object_add(o, "observed_text", json_object_new_string(wt_ref_fmt(txt, sizeof(txt), f, r->observed)));
	json_object_object_add(o, "matched", json_object_new_int(r->matched));
	json_object_object_add(o, "verdict", json_object_new_string(r->verdict == WT_VERDICT_PASS ? "pass" : "fail"));
	wt_rule_explain(why, sizeof(why), r);
	json_object_object_add(o, "message", json_object_new_string(why));
	return o;
}

/* The standard final report (README "JSON"), embedded as a parsed object. */
static json_object *report_json(const struct gate *g, const struct wt_cli *cli, const char *cmd)
{
	struct wt_report r = { .tracer = &g->t, .snap = &g->snap, .final = true, .elapsed_s = g->elapsed_s,
			       .top = cli->top, .command = cmd, .command_status = g->status };
	char *buf = NULL;
	size_t len = 0;
	json_object *o = NULL;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	if (!wt_report_json(m, &r) && !fflush(m))
		o = json_tokener_parse(buf);
	fclose(m);
	free(buf);
	return o;
}

static json_object *gate_json(const struct gate *g, const struct wt_cli *cli, int exit_status)
{
	json_object *root = json_object_new_object(), *arr, *c, *v;
	char iso[40], cmd[1024];
	time_t now = time(NULL);

	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	argv_text(cmd, sizeof(cmd), cli->cmd);
	json_object_object_add(root, "schema_version", json_object_new_int(WT_SCHEMA_VERSION));
	json_object_object_add(root, "tool", json_object_new_string("wtstat"));
	json_object_object_add(root, "version", json_object_new_string(WT_VERSION));
	json_object_object_add(root, "kind", json_object_new_string("gate"));
	json_object_object_add(root, "time", json_object_new_string(iso));
	json_object_object_add(root, "verdict", json_object_new_string(exit_status == 0 ? "pass"
								     : exit_status == 1 ? "fail" : "error"));
	json_object_object_add(root, "exit_status", json_object_new_int(exit_status));
	json_object_object_add(root, "elapsed_s", json_object_new_double(g->elapsed_s));
	if (g->has_command) {
		c = json_object_new_object();
		if (!cli->cmd && json_object_object_get_ex(g->input_doc, "command", &v) &&
		    json_object_object_get_ex(v, "argv", &v)) {
			arr = json_object_get(v);	/* --input: the judged run's command */
		} else {
			arr = json_object_new_array();
			for (int i = 0; cli->cmd && cli->cmd[i]; i++)
				json_object_array_add(arr, json_object_new_string(cli->cmd[i]));
		}
		json_object_object_add(c, "argv", arr);
		json_object_object_add(c, "exit_status", json_object_new_int(g->status));
		json_object_object_add(c, "timed_out", json_object_new_boolean(g->timed_out));
		json_object_object_add(c, "passed", json_object_new_boolean(command_passed(g)));
		json_object_object_add(root, "command", c);
	}
	if (g->have_base) {
		c = json_object_new_object();
		json_object_object_add(c, "file", json_object_new_string(cli->baseline));
		if (json_object_object_get_ex(g->base_doc, "time", &v))
			json_object_object_add(c, "time", json_object_get(v));
		json_object_object_add(root, "baseline", c);
	} else {
		json_object_object_add(root, "baseline", NULL);
	}
	arr = json_object_new_array();
	for (unsigned i = 0; i < g->nrules; i++)
		json_object_array_add(arr, rule_json(&g->rules[i]));
	json_object_object_add(root, "rules", arr);
	if (g->traced)
		json_object_object_add(root, "report", report_json(g, cli, cmd));
	else if (g->input_doc && json_object_object_get_ex(g->input_doc, "report", &v))
		json_object_object_add(root, "report", json_object_get(v));
	json_object_object_add(root, "metrics", wt_metrics_to_json(&g->obs));
	return root;
}

/* XML 1.0 text: markup escaped, invalid UTF-8 and control bytes as U+FFFD. */
static void xml_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t avail = strlen(s);

	while (*p) {
		int n = wt_utf8_len(p, avail);

		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else if (*p == '\n')
			fputs("&#10;", f);
		else if (!n || (*p < 0x20 && *p != '\t'))
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p, 1, n, f);
		n = n ? n : 1;
		p += n;
		avail -= n;
	}
}

static void junit_case(FILE *f, const char *name, bool pass, const char *why, const char *type)
{
	fputs("    <testcase classname=\"wtstat.gate\" name=\"", f);
	xml_put(f, name);
	fputs("\" time=\"0\">\n", f);
	if (!pass) {
		fputs("      <failure type=\"", f);
		xml_put(f, type);
		fputs("\" message=\"", f);
		xml_put(f, why);
		fputs("\">", f);
		xml_put(f, why);
		fputs("</failure>\n", f);
	}
	fputs("      <system-out>", f);
	xml_put(f, why);
	fputs("</system-out>\n    </testcase>\n", f);
}

static void junit_xml(FILE *f, const struct gate *g, const struct wt_cli *cli)
{
	unsigned nfail = failures(g), n = g->nrules + g->has_command;
	char iso[40], host[256] = "localhost", cmd[1024], why[512];
	time_t now = time(NULL);

	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", gmtime(&now));
	gethostname(host, sizeof(host) - 1);
	argv_text(cmd, sizeof(cmd), cli->cmd);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"wtstat gate\" tests=\"%u\" failures=\"%u\" errors=\"0\" time=\"%.3f\">\n",
		n, nfail, g->elapsed_s);
	fprintf(f, "  <testsuite name=\"wtstat gate\" tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\" "
		"time=\"%.3f\" timestamp=\"%s\" hostname=\"", n, nfail, g->elapsed_s, iso);
	xml_put(f, host);
	fputs("\">\n    <properties>\n      <property name=\"command\" value=\"", f);
	xml_put(f, cmd);
	fputs("\"/>\n      <property name=\"baseline\" value=\"", f);
	xml_put(f, g->have_base ? cli->baseline : "");
	fputs("\"/>\n    </properties>\n", f);
	if (g->has_command) {
		command_explain(why, sizeof(why), g);
		junit_case(f, "command succeeds", command_passed(g), why, "command");
	}
	for (unsigned i = 0; i < g->nrules; i++) {
		const struct wt_rule *r = &g->rules[i];

		wt_rule_explain(why, sizeof(why), r);
		junit_case(f, r->text, r->verdict == WT_VERDICT_PASS, why, r->relative ? "regression" : "threshold");
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
}

/* ---- the command ----------------------------------------------------------- */

static int prepare(struct gate *g, const struct wt_cli *cli)
{
	bool relative = false;

	for (unsigned i = 0; i < cli->nrule_args; i++) {
		int rc = cli->rule_args[i].file ? add_rules_file(g, cli->rule_args[i].text)
						: add_rule(g, cli->rule_args[i].text, "--rule", true);
		if (rc)
			return rc;
	}
	if (cli->nregress_on && !cli->max_regression)
		return fail("--regress-on needs --max-regression PCT");
	if (cli->max_regression) {
		double pct = wt_parse_percent(cli->max_regression);

		if (pct < 0)
			return fail("--max-regression \"%s\": expected a percentage, e.g. 10%%", cli->max_regression);
		if (!cli->baseline)
			return fail("--max-regression needs --baseline FILE (saved by an earlier --save)");
		if (add_regression_rules(g, cli, pct))
			return WT_EXIT_USAGE;
	}
	if (set_floors(g, cli))
		return WT_EXIT_USAGE;
	for (unsigned i = 0; i < g->nrules; i++)
		relative |= g->rules[i].relative;
	if (relative && !cli->baseline)
		return fail("a rule compares with the baseline but no --baseline FILE was given");
	if (cli->baseline) {
		if (load_doc("--baseline", cli->baseline, &g->base_doc, &g->base))
			return WT_EXIT_USAGE;
		g->have_base = true;
	}
	return 0;
}

int wt_cmd_gate(struct wt_cli *cli)
{
	struct gate g = { .status = -1 };
	struct wt_output out = {}, save = {}, junit = {};
	char err[512];
	int rc, exit_status;
	bool committed = false;

	/* every check that can refuse comes before CMD runs */
	rc = prepare(&g, cli);
	if (!rc && wt_output_open(&out, cli->output, err, sizeof(err)))
		rc = fail("%s", err);
	if (!rc && cli->save && wt_output_open(&save, cli->save, err, sizeof(err)))
		rc = fail("--save: %s", err);
	if (!rc && cli->junit && wt_output_open(&junit, cli->junit, err, sizeof(err)))
		rc = fail("--junit: %s", err);
	if (!rc) {
		if (cli->input) {
			rc = load_input(&g, cli->input);
		} else {
			g.has_command = true;
			rc = trace_command(&g, cli);
		}
	}
	if (rc)
		goto out;
	for (unsigned i = 0; i < g.nrules; i++)
		wt_rule_eval(&g.rules[i], &g.obs, g.have_base ? &g.base : NULL, &g.floor);
	exit_status = g.interrupted ? WT_EXIT_USAGE : failures(&g) ? 1 : 0;
	if (cli->json) {
		json_object *doc = gate_json(&g, cli, exit_status);

		fprintf(out.f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
		json_object_put(doc);
	} else {
		print_text(out.f, &g, cli);
	}
	if (g.interrupted) {	/* a verdict on part of a run would mislead: no files */
		rc = WT_EXIT_USAGE;
		goto out;
	}
	if (save.f) {
		json_object *doc = gate_json(&g, cli, exit_status);

		fprintf(save.f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
									  JSON_C_TO_STRING_SPACED));
		json_object_put(doc);
	}
	if (junit.f)
		junit_xml(junit.f, &g, cli);
	committed = true;
	if (wt_output_close(&save, true, err, sizeof(err)) || wt_output_close(&junit, true, err, sizeof(err)) ||
	    wt_output_close(&out, true, err, sizeof(err))) {
		rc = fail("%s", err);
		goto out;
	}
	rc = exit_status;
out:
	if (!committed) {
		wt_output_close(&save, false, err, sizeof(err));
		wt_output_close(&junit, false, err, sizeof(err));
		wt_output_close(&out, false, err, sizeof(err));
	}
	if (g.attached)
		wt_tracer_stop(&g.t);
	wt_metrics_free(&g.obs);
	wt_metrics_free(&g.base);
	wt_snapshot_free(&g.snap);
	json_object_put(g.base_doc);
	json_object_put(g.input_doc);
	free(g.rules);
	return rc;
}
