// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtstat: stable-page waits and buffered writethrough, per file and process.
 *
 * $ sudo wtstat -i 1 -d 3
 * 10:02:11  interval 1.0s
 * stable waits 1708  total 1.21s  p50 512.0us  p99 3.92ms  max 5.10ms  (other writeback waits 0)
 * DEV       INODE      FILE                  WAITS     TOTAL       P50 ...
 * 7:0       131        wt/file-0              1708     1.21s   512.0us ...
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "kernel_desc.h"
#include "privs.h"
#include "report.h"
#include "session.h"
#include "snapshot.h"

static const char usage[] =
"Usage: wtstat [COMMAND] [OPTIONS]\n"
"Who waits on stable pages, on which file, for how long; what buffered\n"
"writethrough (RWF_WRITETHROUGH) is doing.\n"
"\n"
"Commands:\n"
"  (none)               trace the whole system, report every interval and at the end\n"
"  run -- CMD [ARG...]  trace while CMD runs; exit with its status\n"
"  probes               show which hook each event uses, and why the others were not\n"
"  demo                 make a stable-writes loop device, run a workload on it, report\n"
"  export --textfile-dir DIR   daemon: write DIR/wtstat.prom for node_exporter\n"
"  gate [RULES] -- CMD [ARG...]  trace CMD, then judge rules: exit 0 pass, 1 fail, 2 error\n"
"\n"
"Options:\n"
"  -i, --interval SECS   report every SECS seconds (default: only at the end)\n"
"  -d, --duration SECS   stop after SECS seconds (default: until Ctrl-C)\n"
"      --top N           mappings and processes shown (default 10)\n"
"  -p, --pid PID         only waits of this process (thread group)\n"
"      --comm NAME       only waits of tasks with this command name\n"
"      --file PATH       only this file (its device and inode)\n"
"      --dev MAJ:MIN     only files on this device\n"
"      --method M        prefer fentry, kprobe or tracepoint for every event\n"
"      --probe EV=M:SYM  override one hook, e.g. wt_end=kprobe:inode_writethrough_end\n"
"      --json            JSON (one document per line), schema in README.md\n"
"  -o, --output FILE     write the report to FILE (atomically, at the end)\n"
"      --dry-run         plan the hooks, load nothing, print the plan\n"
"      --btf FILE        kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
"      --max-mappings N  size of the per-file table (default 10240)\n"
"      --seconds SECS    demo: workload run time (default 5)\n"
"      --fstype xfs|ext4 demo: filesystem (default: xfs when mkfs.xfs exists)\n"
"  -v, --verbose         libbpf and verifier messages, capabilities kept, on stderr\n"
"  -h, --help            this text\n"
"      --version         print the version\n"
"\n"
"export (metric names: README.md, \"Metrics\"):\n"
"      --textfile-dir DIR  node_exporter's textfile directory (required)\n"
"  -i, --interval SECS     rewrite the file every SECS seconds (default 15)\n"
"      --per-file N        files with their own series, by wait time (default 5)\n"
"\n"
"gate (rule grammar: README.md, \"Gate rules\"):\n"
"      --rule EXPR         e.g. 'stable_wait.p99 < 2ms', 'anomalies == 0',\n"
"                          'stable_wait.count{file=db/wal} <= 100' (repeatable)\n"
"      --rules FILE        one rule a line, # comments\n"
"      --baseline FILE     a document saved by an earlier --save\n"
"      --max-regression PCT  fail when a statistic grew more than PCT over the baseline\n"
"      --regress-on LIST   those statistics (default stable_wait.count,sum,p99)\n"
"      --regression-floor V  growth up to V (a count, or a time like 1ms) never fails\n"
"      --save FILE         write the JSON verdict and metrics (a later --baseline)\n"
"      --junit FILE        write JUnit XML, one test case per rule\n"
"      --input FILE        judge a saved document instead of tracing a command\n"
"  -d, --duration SECS     stop CMD after SECS seconds: a failed check\n"
"      --json              print the JSON document instead of the text report\n"
"\n"
"Examples:\n"
"  sudo wtstat -i 1                      live, every second\n"
"  sudo wtstat --file /data/db -d 60     one file for a minute\n"
"  sudo wtstat --json run -- fio job.fio JSON report of a fio run\n"
"  sudo wtstat probes --method kprobe    what would attach as kprobes\n"
"  sudo wtstat export --textfile-dir /var/lib/prometheus/node-exporter\n"
"  sudo wtstat gate --rule 'stable_wait.p99 < 2ms' --junit gate.xml -- ./bench.sh\n"
"  sudo wtstat gate --baseline base.json --max-regression 10% -- ./bench.sh\n";

enum { OPT_TOP = 1000, OPT_COMM, OPT_FILE, OPT_DEV, OPT_METHOD, OPT_PROBE, OPT_JSON, OPT_DRY,
       OPT_BTF, OPT_MAXMAP, OPT_SECONDS, OPT_FSTYPE, OPT_VERSION, OPT_TEXTFILE_DIR, OPT_PER_FILE,
       OPT_RULE, OPT_RULES, OPT_BASELINE, OPT_MAX_REGRESSION, OPT_REGRESS_ON, OPT_FLOOR, OPT_SAVE,
       OPT_JUNIT, OPT_INPUT };

static const struct option long_opts[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "file", required_argument, NULL, OPT_FILE },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "probe", required_argument, NULL, OPT_PROBE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "output", required_argument, NULL, 'o' },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "max-mappings", required_argument, NULL, OPT_MAXMAP },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "fstype", required_argument, NULL, OPT_FSTYPE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "textfile-dir", required_argument, NULL, OPT_TEXTFILE_DIR },
	{ "per-file", required_argument, NULL, OPT_PER_FILE },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "max-regression", required_argument, NULL, OPT_MAX_REGRESSION },
	{ "regress-on", required_argument, NULL, OPT_REGRESS_ON },
	{ "regression-floor", required_argument, NULL, OPT_FLOOR },
	{ "save", required_argument, NULL, OPT_SAVE },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "input", required_argument, NULL, OPT_INPUT },
	{},
};

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("wtstat: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return WT_EXIT_USAGE;
}

static int parse_seconds(const char *opt, const char *s, double min_excl, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v != v || v <= min_excl || v > 31 * 86400.0)
		return fail("%s '%s': expected a number of seconds above %g and at most 31 days", opt, s, min_excl);
	*out = v;
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s == '-' || *s == '+')
		return fail("%s '%s': expected a whole number from %lu to %lu", opt, s, min, max);
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return fail("%s '%s': expected a whole number from %lu to %lu", opt, s, min, max);
	*out = v;
	return 0;
}

/*
 * WTSTAT_TASK_SLOTS: fewer slots for pending waits than the 1024 built in,
 * so that tests can make tasks share them (README, "Building and testing").
 */
static int task_slots_from_env(struct wt_config *cfg)
{
	const char *s = getenv("WTSTAT_TASK_SLOTS");
	unsigned long v;

	if (!s || !*s)
		return 0;
	if (parse_uint("WTSTAT_TASK_SLOTS", s, 1, WT_TASK_SLOTS, &v))
		return 2;
	if (v & (v - 1))
		return fail("WTSTAT_TASK_SLOTS '%s': expected a power of two from 1 to %d", s, WT_TASK_SLOTS);
	cfg->task_slots = v;
	return 0;
}

enum command { CMD_LIVE, CMD_RUN, CMD_PROBES, CMD_DEMO, CMD_EXPORT, CMD_GATE };

static int add_rule_arg(struct wt_cli *cli, const char *text, bool file)
{
	struct wt_rule_arg *a = realloc(cli->rule_args, (cli->nrule_args + 1) * sizeof(*a));

	if (!a)
		return fail("out of memory");
	cli->rule_args = a;
	a[cli->nrule_args++] = (struct wt_rule_arg){ text, file };
	return 0;
}

static int add_regress_on(struct wt_cli *cli, const char *list)
{
	const char **a = realloc(cli->regress_on, (cli->nregress_on + 1) * sizeof(*a));

	if (!a)
		return fail("out of memory");
	cli->regress_on = a;
	a[cli->nregress_on++] = list;
	return 0;
}

static int need_path(const char *opt, const char *v, const char **out)
{
	if (!*v)
		return fail("%s: give a file name", opt);
	*out = v;
	return 0;
}

/*
 * A textfile directory export cannot write (read-only, immutable) is found
 * by creating a file in it, before anything is attached: root passes
 * every access() mode check. A missing one is export's to report.
 */
static int textfile_dir_writable(const char *dir)
{
	char probe[4096];
	int fd;

	if (snprintf(probe, sizeof(probe), "%s/.wtstat-probe.XXXXXX", dir) >= (int)sizeof(probe))
		return fail("export: --textfile-dir %s: name too long", dir);
	fd = mkostemp(probe, O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return fail("export: --textfile-dir %s: cannot write there: %s: give a directory wtstat can write",
			    dir, strerror(errno));
	}
	close(fd);
	unlink(probe);
	return 0;
}

static int parse(int argc, char **argv, struct wt_cli *cli, enum command *cmd)
{
	bool export_opt = false, gate_opt = false;
	unsigned long v;
	int c, rc;

	*cmd = CMD_LIVE;
	if (argc > 1 && argv[1][0] != '-') {
		if (!strcmp(argv[1], "run"))
			*cmd = CMD_RUN;
		else if (!strcmp(argv[1], "probes"))
			*cmd = CMD_PROBES;
		else if (!strcmp(argv[1], "demo"))
			*cmd = CMD_DEMO;
		else if (!strcmp(argv[1], "export"))
			*cmd = CMD_EXPORT;
		else if (!strcmp(argv[1], "gate"))
			*cmd = CMD_GATE;
		else
			return fail("unknown command '%s': use run, probes, demo, export or gate (see --help)", argv[1]);
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:i:d:p:o:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if ((rc = parse_seconds("--interval", optarg, 0, &cli->interval_s)))
				return rc;
			break;
		case 'd':
			if ((rc = parse_seconds("--duration", optarg, 0, &cli->duration_s)))
				return rc;
			break;
		case OPT_TOP:
			if ((rc = parse_uint("--top", optarg, 1, 100000, &v)))
				return rc;
			cli->top = v;
			break;
		case 'p':
			if ((rc = parse_uint("--pid", optarg, 1, 4194304, &v)))
				return rc;
			cli->cfg.filter_tgid = v;
			break;
		case OPT_COMM:
			if (!*optarg || strlen(optarg) > 15)
				return fail("--comm '%s': a command name has 1 to 15 characters", optarg);
			snprintf(cli->cfg.filter_comm, sizeof(cli->cfg.filter_comm), "%s", optarg);
			break;
		case OPT_FILE: {
			struct stat st;

			if (stat(optarg, &st))
				return fail("--file %s: %s: give an existing file", optarg, strerror(errno));
			cli->cfg.filter_dev = wt_dev_make(major(st.st_dev), minor(st.st_dev));
			cli->cfg.filter_ino = st.st_ino;
			break;
		}
		case OPT_DEV: {
			unsigned maj, min;
			char extra;

			if (sscanf(optarg, "%u:%u%c", &maj, &min, &extra) != 2 || maj > 4095 || min > 0xfffff)
				return fail("--dev '%s': expected MAJOR:MINOR, e.g. 7:0 (see lsblk)", optarg);
			cli->cfg.filter_dev = wt_dev_make(maj, min);
			break;
		}
		case OPT_METHOD: {
			int m = wt_method_from_name(optarg);

			if (m < 0 || m == M_DERIVED)
				return fail("--method '%s': use fentry, kprobe or tracepoint", optarg);
			cli->cfg.plan.force_method = m;
			break;
		}
		case OPT_PROBE: {
			char err[512];

			if (wt_parse_probe_spec(optarg, &cli->cfg.plan, err, sizeof(err)))
				return fail("%s", err);
			break;
		}
		case OPT_JSON:
			cli->json = true;
			break;
		case 'o':
			if (!*optarg)
				return fail("--output: give a file name");
			cli->output = optarg;
			break;
		case OPT_DRY:
			cli->dry_run = true;
			break;
		case OPT_BTF:
			if (access(optarg, R_OK))
				return fail("--btf %s: %s: give a readable BTF file (e.g. /sys/kernel/btf/vmlinux)",
					    optarg, strerror(errno));
			cli->cfg.btf_path = optarg;
			break;
		case OPT_MAXMAP:
			if ((rc = parse_uint("--max-mappings", optarg, 16, 4000000, &v)))
				return rc;
			cli->cfg.max_mappings = v;
			break;
		case OPT_SECONDS:
			if ((rc = parse_seconds("--seconds", optarg, 0, &cli->demo_seconds)))
				return rc;
			break;
		case OPT_FSTYPE:
			if (strcmp(optarg, "xfs") && strcmp(optarg, "ext4"))
				return fail("--fstype '%s': use xfs or ext4", optarg);
			cli->demo_fstype = optarg;
			break;
		case OPT_TEXTFILE_DIR:
			if ((rc = need_path("--textfile-dir", optarg, &cli->textfile_dir)))
				return rc;
			export_opt = true;
			break;
		case OPT_PER_FILE:
			if ((rc = parse_uint("--per-file", optarg, 0, 10000, &v)))
				return rc;
			cli->per_file = v;
			export_opt = true;
			break;
		case OPT_RULE:
			if ((rc = add_rule_arg(cli, optarg, false)))
				return rc;
			gate_opt = true;
			break;
		case OPT_RULES: {
			const char *path = NULL;

			if ((rc = need_path("--rules", optarg, &path)) || (rc = add_rule_arg(cli, path, true)))
				return rc;
			gate_opt = true;
			break;
		}
		case OPT_BASELINE:
			if ((rc = need_path("--baseline", optarg, &cli->baseline)))
				return rc;
			gate_opt = true;
			break;
		case OPT_MAX_REGRESSION:
			cli->max_regression = optarg;
			gate_opt = true;
			break;
		case OPT_REGRESS_ON:
			if ((rc = add_regress_on(cli, optarg)))
				return rc;
			gate_opt = true;
			break;
		case OPT_FLOOR:
			if (cli->nfloors == 2)
				return fail("--regression-floor: give it at most twice (a count and a time)");
			cli->floors[cli->nfloors++] = optarg;
			gate_opt = true;
			break;
		case OPT_SAVE:
			if ((rc = need_path("--save", optarg, &cli->save)))
				return rc;
			gate_opt = true;
			break;
		case OPT_JUNIT:
			if ((rc = need_path("--junit", optarg, &cli->junit)))
				return rc;
			gate_opt = true;
			break;
		case OPT_INPUT:
			if ((rc = need_path("--input", optarg, &cli->input)))
				return rc;
			gate_opt = true;
			break;
		case 'v':
			cli->verbose = true;
			cli->cfg.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("wtstat %s\n", WT_VERSION);
			exit(0);
		case ':':
			return fail("option '%s' needs a value (see --help)", argv[optind - 1]);
		default:
			return fail("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (export_opt && *cmd != CMD_EXPORT)
		return fail("--textfile-dir and --per-file belong to 'wtstat export' (see --help)");
	if (gate_opt && *cmd != CMD_GATE)
		return fail("--rule, --rules, --baseline, --max-regression, --regress-on, --regression-floor, "
			    "--save, --junit and --input belong to 'wtstat gate' (see --help)");
	if (*cmd == CMD_EXPORT && !cli->textfile_dir)
		return fail("export: give --textfile-dir DIR (node_exporter's --collector.textfile.directory)");
	if (*cmd == CMD_EXPORT && !cli->dry_run && (rc = textfile_dir_writable(cli->textfile_dir)))
		return rc;
	if (*cmd == CMD_GATE) {
		if (cli->input && optind < argc)
			return fail("gate: give either --input FILE or a command, not both");
		if (!cli->input && optind >= argc)
			return fail("gate: no command given: use 'wtstat gate [OPTIONS] -- CMD [ARGS...]'");
		if (optind < argc)
			cli->cmd = &argv[optind];
	} else if (*cmd == CMD_RUN) {
		if (optind >= argc)
			return fail("run: no command given: use 'wtstat run [OPTIONS] -- CMD [ARGS...]'");
		cli->cmd = &argv[optind];
	} else if (optind < argc) {
		return fail("unexpected argument '%s' (see --help)", argv[optind]);
	}
	return task_slots_from_env(&cli->cfg);
}

static int cmd_probes(struct wt_cli *cli)
{
	struct wt_tracer t;
	struct wt_report r = { .tracer = &t, .dry_run = true, .top = cli->top };
	char err[512];
	int rc;

	rc = cli->dry_run ? wt_tracer_plan(&t, &cli->cfg, err, sizeof(err))
			  : wt_tracer_start(&t, &cli->cfg, err, sizeof(err));
	if (rc == WT_NOTHING_ATTACHED)
		fprintf(stderr, "wtstat: %s\n", err);	/* the table still says why */
	else if (rc)
		return fail("%s", err);
	if (cli->json)
		wt_report_json(stdout, &r);
	else
		wt_probes_text(stdout, &t);
	wt_tracer_stop(&t);
	return 0;
}

static int cmd_live(struct wt_cli *cli)
{
	struct wt_tracer t;
	struct wt_output out;
	char err[512];
	int rc;

	if (wt_output_open(&out, cli->output, err, sizeof(err)))
		return fail("%s", err);
	if (wt_tracer_start(&t, &cli->cfg, err, sizeof(err))) {
		wt_output_close(&out, false, err, sizeof(err));
		return fail("%s", err);
	}
	wt_announce_and_drop_privs(&t, stderr);
	rc = wt_session_loop(cli, &t, out.f, NULL, err, sizeof(err));
	wt_tracer_stop(&t);
	if (rc) {
		wt_output_close(&out, false, err, sizeof(err));
		fprintf(stderr, "wtstat: %s\n", err);
		return 1;
	}
	if (wt_output_close(&out, true, err, sizeof(err)))
		return fail("%s", err);
	return 0;
}

/*
 * What each command still does once attached, beyond reading maps and
 * writing to files it opened: rename outputs into their directories,
 * signal a command that may have changed user, tear down the demo's mount.
 */
static void keep_after_attach(const struct wt_cli *cli, enum command cmd)
{
	wt_privs_verbose(cli->verbose);
	wt_privs_keep_for_file(cli->output, "--output's directory is not ours to write");
	if (cmd == CMD_EXPORT)
		wt_privs_keep_for_dir(cli->textfile_dir, "--textfile-dir is not ours to write");
	if (cmd == CMD_GATE) {
		wt_privs_keep_for_file(cli->save, "--save's directory is not ours to write");
		wt_privs_keep_for_file(cli->junit, "--junit's directory is not ours to write");
	}
	if (cmd == CMD_RUN || cmd == CMD_GATE)
		wt_privs_keep(CAP_KILL, "passes signals on to the command, whatever user it became");
	if (cmd == CMD_DEMO)
		wt_privs_keep(CAP_SYS_ADMIN, "unmounts the demo's filesystem and frees its loop device");
}

int main(int argc, char **argv)
{
	struct wt_cli cli = { .top = 10, .demo_seconds = 5, .per_file = 5 };
	enum command cmd;
	int rc = parse(argc, argv, &cli, &cmd);

	if (rc)
		return rc;
	/* judging a saved document traces nothing */
	if (!cli.dry_run && !(cmd == CMD_GATE && cli.input)) {
		char err[512];

		if (wt_privs_require(err, sizeof(err)))
			return fail("%s", err);
		keep_after_attach(&cli, cmd);
	}
	wt_libbpf_log_setup(cli.verbose);
	wt_install_signal_handlers();
	if (cli.dry_run)	/* any command: plan the hooks, load nothing, run nothing */
		return cmd_probes(&cli);
	switch (cmd) {
	case CMD_PROBES:
		return cmd_probes(&cli);
	case CMD_RUN:
		return wt_cmd_run(&cli);
	case CMD_DEMO:
		return wt_cmd_demo(&cli);
	case CMD_EXPORT:
		return wt_cmd_export(&cli);
	case CMD_GATE:
		return wt_cmd_gate(&cli);
	default:
		return cmd_live(&cli);
	}
}
