// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus text format 0.0.4 from the metric model.
 *
 * Which scope goes where: a metric kept per device is exported per device
 * only (the total is their sum, and one family must not hold both), other
 * metrics as one total series; file-scope samples go to a "wtstat_file_"
 * family of their own, for the top N files only, and processes are not
 * exported at all (pids are unbounded). Sample timestamps are never
 * written: the textfile collector drops a file that has one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "prom.h"

const char *wt_prom_seconds(char *buf, size_t len, __u64 ns)
{
	char frac[16];
	int n;

	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ULL));
	for (n = 9; n > 0 && frac[n - 1] == '0'; n--)
		;
	frac[n] = 0;
	snprintf(buf, len, "%llu%s%s", (unsigned long long)(ns / 1000000000ULL), n ? "." : "", frac);
	return buf;
}

int wt_utf8_len(const unsigned char *p, size_t avail)
{
	int n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* the second byte's range rules out overlongs, surrogates, > U+10FFFF */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if ((size_t)n > avail || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

const char *wt_prom_label_escape(char *buf, size_t len, const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, avail = strlen(in);

	while (*p) {
		char piece[8];
		int n = wt_utf8_len(p, avail), plen;

		if (*p == '\\' || *p == '"') {
			plen = snprintf(piece, sizeof(piece), "\\%c", *p);
			n = 1;
		} else if (*p == '\n') {
			plen = snprintf(piece, sizeof(piece), "\\n");
			n = 1;
		} else if (!n || *p < 0x20 || *p == 0x7f) {
			plen = snprintf(piece, sizeof(piece), "\\\\x%02x", *p);
			n = 1;
		} else {
			memcpy(piece, p, n);
			plen = n;
		}
		if (o + plen >= len)
			break;	/* never cut an escape or a character in two */
		memcpy(buf + o, piece, plen);
		o += plen;
		p += n;
		avail -= n;
	}
	buf[o] = 0;
	return buf;
}

/* The label set of a sample, without braces; "" when it has none. */
static void labels_of(char *buf, size_t len, const struct wt_sample *s)
{
	const struct wt_metric_def *d = s->def;
	char esc[1024], file[2 * WT_NAME_LEN + 2];
	size_t n = 0;

	buf[0] = 0;
#define PUT(...) do { if (n < len) n += snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	if (s->scope == WT_SCOPE_DEVICE || s->scope == WT_SCOPE_FILE)
		PUT("dev=\"%u:%u\"", wt_dev_major(s->dev), wt_dev_minor(s->dev));
	if (s->scope == WT_SCOPE_FILE)
		PUT(",ino=\"%llu\",generation=\"%u\",file=\"%s\"", (unsigned long long)s->ino, s->gen,
		    wt_prom_label_escape(esc, sizeof(esc), wt_sample_file_label(file, sizeof(file), s)));
	if (d->member_label && s->member >= 0)
		PUT("%s%s=\"%s\"", n ? "," : "", d->member_label,
		    wt_prom_label_escape(esc, sizeof(esc), wt_metric_member_name(d, s->member)));
	if (d->id == WT_M_PROBE_ATTACHED) {
		PUT(",method=\"%s\"", wt_prom_label_escape(esc, sizeof(esc), s->method ? s->method : ""));
		PUT(",target=\"%s\"", wt_prom_label_escape(esc, sizeof(esc), s->target ? s->target : ""));
	}
#undef PUT
}

static void header(FILE *f, const char *family, const char *help, const char *type)
{
	/* help texts are ours: no backslash or newline to escape */
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", family, help, family, type);
}

static void histogram(FILE *f, const char *family, const char *labels, const struct wt_hist *h)
{
	const char *sep = labels[0] ? "," : "";
	__u64 cum = 0;
	char le[32];

	/*
	 * Slot i holds [2^i, 2^(i+1)) ns, so its bucket is le=2^(i+1) ns. The
	 * last slot also takes everything above it: it has only +Inf. Every
	 * bound is written, empty or not, so series never come and go.
	 */
	for (unsigned i = 0; i < WT_HIST_SLOTS - 1; i++) {
		cum += h->slots[i];
		fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", family, labels, sep,
			wt_prom_seconds(le, sizeof(le), 1ULL << (i + 1)), (unsigned long long)cum);
	}
	/* the count is the buckets' sum: the kernel bumps slot and count apart */
	cum += h->slots[WT_HIST_SLOTS - 1];
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", family, labels, sep, (unsigned long long)cum);
	fprintf(f, "%s_sum%s%s%s %s\n", family, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
		wt_prom_seconds(le, sizeof(le), h->sum_ns));
	fprintf(f, "%s_count%s%s%s %llu\n", family, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
		(unsigned long long)cum);
}

static void scalar(FILE *f, const char *family, const char *labels, const struct wt_metric_def *d, __s64 v)
{
	char num[32];

	if (d->unit == WT_UNIT_SECONDS)
		wt_prom_seconds(num, sizeof(num), v > 0 ? (__u64)v : 0);
	else
		snprintf(num, sizeof(num), "%lld", (long long)v);
	fprintf(f, "%s%s%s%s %s\n", family, labels[0] ? "{" : "", labels, labels[0] ? "}" : "", num);
}

enum part { PART_MAIN, PART_MAX };	/* a histogram's family, or its max gauge */

/* One family: the samples of def at scope; nothing at all when there are none. */
static void family(FILE *f, const struct wt_metric_set *set, const struct wt_metric_def *d,
		   enum wt_scope scope, enum part part)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	char name[128], labels[2048], num[32];
	const char *base = d->prom + strlen("wtstat_");
	bool any = false;

	if (part == PART_MAX)	/* wtstat_stable_wait_seconds -> wtstat_stable_wait_max_seconds */
		snprintf(name, sizeof(name), "wtstat_%s%.*s_max_seconds", scope == WT_SCOPE_FILE ? "file_" : "",
			 (int)(strlen(base) - strlen("_seconds")), base);
	else
		snprintf(name, sizeof(name), "wtstat_%s%s", scope == WT_SCOPE_FILE ? "file_" : "", base);
	for (size_t i = 0; i < set->n; i++) {
		const struct wt_sample *s = &set->v[i];

		if (s->def != d || s->scope != scope)
			continue;
		if (!any) {
			if (part == PART_MAX) {
				char help[160];

				snprintf(help, sizeof(help), "Longest single %s since tracing started, in seconds.", d->name);
				header(f, name, help, "gauge");
			}
			else
				header(f, name, d->help, types[d->kind]);
			any = true;
		}
		labels_of(labels, sizeof(labels), s);
		if (part == PART_MAX)
			fprintf(f, "%s%s%s%s %s\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
				wt_prom_seconds(num, sizeof(num), s->hist->max_ns));
		else if (d->kind == WT_KIND_HISTOGRAM)
			histogram(f, name, labels, s->hist);
		else
			scalar(f, name, labels, d, s->value);
	}
}

int wt_prom_write(FILE *f, const struct wt_metric_set *set)
{
	for (int id = 0; id < WT_M_COUNT; id++) {
		const struct wt_metric_def *d = wt_metric_def(id);
		enum wt_scope main = d->scopes & WT_SCOPE_BIT(WT_SCOPE_DEVICE) ? WT_SCOPE_DEVICE : WT_SCOPE_TOTAL;

		family(f, set, d, main, PART_MAIN);
		if (d->kind == WT_KIND_HISTOGRAM)
			family(f, set, d, main, PART_MAX);
		if (d->scopes & WT_SCOPE_BIT(WT_SCOPE_FILE)) {
			family(f, set, d, WT_SCOPE_FILE, PART_MAIN);
			if (d->kind == WT_KIND_HISTOGRAM)
				family(f, set, d, WT_SCOPE_FILE, PART_MAX);
		}
	}
	return ferror(f) ? -1 : 0;
}

/*
 * Temp names are ".NAME.PID.SEQ.tmp" in the target directory: never *.prom,
 * so the textfile collector skips them, and the PID lets a later exporter
 * tell the leftovers of a dead one from a live one's work in progress.
 * O_CREAT|O_EXCL never follows a symlink (a planted one is EEXIST, like any
 * other existing name), O_NOFOLLOW says so again; on EEXIST the next
 * sequence number is tried.
 */
#define TEMP_TRIES 100

static int open_temp(int dfd, const char *name, char *tmp, size_t len)
{
	static unsigned seq;

	for (int tries = 0; tries < TEMP_TRIES; tries++) {
		int fd;

		snprintf(tmp, len, ".%s.%d.%u.tmp", name, (int)getpid(), seq++);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static int write_set(FILE *f, const void *arg)
{
	return wt_prom_write(f, arg);
}

int wt_prom_write_textfile(const char *dir, const char *name, const struct wt_metric_set *set,
			   char *err, size_t errlen)
{
	return wt_textfile_replace(dir, name, write_set, set, err, errlen);
}

int wt_textfile_replace(const char *dir, const char *name, wt_textfile_body body, const void *arg,
			char *err, size_t errlen)
{
	char tmp[512];
	FILE *f = NULL;
	int dfd, fd, e;

	/* one directory fd: the temp file, the rename and the sync all act on
	 * the same directory even if its path is swapped meanwhile */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open_temp(dfd, name, tmp, sizeof(tmp));
	if (fd < 0) {
		e = errno;
		if (e == EEXIST)
			snprintf(err, errlen, "%s: cannot create a temp file there: the next %d names "
				 "(.%s.%d.*.tmp) exist: remove them", dir, TEMP_TRIES, name, (int)getpid());
		else
			snprintf(err, errlen, "%s: cannot create a temp file there: %s", dir, strerror(e));
		close(dfd);
		return -1;
	}
	/* readable by node_exporter whatever the umask; owned by whoever runs us */
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (body(f, arg) || fflush(f) || fsync(fileno(f))) {
		e = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f)) {
		e = errno;
		goto fail;
	}
	/* rename replaces whatever is at NAME, a symlink included, and never
	 * writes through it */
	if (renameat(dfd, tmp, dfd, name)) {
		e = errno;
		unlinkat(dfd, tmp, 0);
		snprintf(err, errlen, "replacing %s/%s: %s", dir, name, strerror(e));
		close(dfd);
		return -1;
	}
	/* the rename itself survives a crash only once the directory is synced */
	fsync(dfd);
	close(dfd);
	return 0;
fail:
	/* the previous file stays as it was: nothing half-written is left */
	unlinkat(dfd, tmp, 0);
	snprintf(err, errlen, "writing %s/%s: %s", dir, tmp, strerror(e));
	close(dfd);
	return -1;
}

/* ".NAME.PID.SEQ.tmp" -> PID, or 0 when ent is not one of our temp names */
static pid_t temp_owner(const char *ent, const char *name)
{
	size_t n = strlen(name);
	unsigned long pid;
	char *end;

	if (ent[0] != '.' || strncmp(ent + 1, name, n) || ent[n + 1] != '.')
		return 0;
	errno = 0;
	pid = strtoul(ent + n + 2, &end, 10);
	if (errno || end == ent + n + 2 || *end != '.' || pid == 0 || pid > INT32_MAX)
		return 0;
	strtoul(end + 1, &end, 10);
	return strcmp(end, ".tmp") ? 0 : (pid_t)pid;
}

int wt_textfile_remove_stale(const char *dir, const char *name)
{
	struct dirent *de;
	int removed = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t pid = temp_owner(de->d_name, name);

		/* our own pid cannot have written yet: a namesake's leftovers */
		if (!pid || (pid != getpid() && !(kill(pid, 0) && errno == ESRCH)))
			continue;
		if (!unlinkat(dirfd(d), de->d_name, 0))
			removed++;
	}
	closedir(d);
	return removed;
}
