// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include "privs.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define MAX_KEPT 8

static struct kept {
	cap_value_t cap;
	const char *why;
} kept[MAX_KEPT];
static int nkept;
static bool dropped, verbose;

void wt_privs_verbose(bool v)
{
	verbose = v;
}

void wt_privs_keep(int cap, const char *why)
{
	for (int i = 0; i < nkept; i++)
		if (kept[i].cap == cap)
			return;
	if (nkept < MAX_KEPT)
		kept[nkept++] = (struct kept){ cap, why };
}

static bool have_effective(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	return caps && !cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) && v == CAP_SET;
}

/* CAP_BPF and CAP_PERFMON exist from 5.8 on; before, CAP_SYS_ADMIN did it all. */
static bool kernel_has_cap_bpf(void)
{
	return cap_max_bits() > CAP_BPF;
}

int wt_privs_require(char *err, size_t errlen)
{
	cap_t caps = cap_get_proc();
	bool bpf, perfmon, admin;

	if (!caps) {
		snprintf(err, errlen, "cannot read this process's capabilities: %s", strerror(errno));
		return -1;
	}
	/* the kernel's bpf_capable() and perfmon_capable() accept CAP_SYS_ADMIN */
	admin = have_effective(caps, CAP_SYS_ADMIN);
	bpf = have_effective(caps, CAP_BPF) || admin;
	perfmon = have_effective(caps, CAP_PERFMON) || admin;
	cap_free(caps);
	if (bpf && perfmon)
		return 0;
	if (!kernel_has_cap_bpf())
		snprintf(err, errlen, "missing CAP_SYS_ADMIN (this kernel has no CAP_BPF): run as root, e.g. with sudo");
	else
		snprintf(err, errlen, "missing %s%s%s (needed to load and attach BPF programs): run as root, e.g. with sudo, "
			 "or grant CAP_BPF and CAP_PERFMON",
			 bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "", perfmon ? "" : "CAP_PERFMON");
	return -1;
}

bool wt_dir_writable_by_mode(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, int ngroups)
{
	bool in_group = st->st_gid == gid;

	for (int i = 0; i < ngroups && !in_group; i++)
		in_group = groups[i] == st->st_gid;
	/* the owner class decides alone, then the group class: no fall-through */
	if (st->st_uid == uid)
		return (st->st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
	if (in_group)
		return (st->st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
	return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

void wt_privs_keep_for_dir(const char *dir, const char *why)
{
	gid_t groups[256];
	int n = getgroups(256, groups);
	struct stat st;

	if (stat(dir, &st))
		return;		/* the command itself reports a missing directory */
	if (!wt_dir_writable_by_mode(&st, geteuid(), getegid(), groups, n < 0 ? 0 : n))
		wt_privs_keep(CAP_DAC_OVERRIDE, why);
}

void wt_privs_keep_for_file(const char *path, const char *why)
{
	char copy[4096];

	if (!path)
		return;		/* stdout */
	snprintf(copy, sizeof(copy), "%s", path);
	wt_privs_keep_for_dir(dirname(copy), why);
}

/*
 * Whether a map fd we hold can be read without any capability, tried in a
 * child that drops them all: the kernel's rule changed in 6.5, and
 * distribution kernels backport such changes, so the answer is measured.
 */
static bool map_readable_without_caps(int map_fd)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return false;
	if (pid == 0) {
		cap_t none = cap_init();
		char key[64];
		int e;

		if (!none || cap_set_proc(none))
			_exit(2);
		e = bpf_map_get_next_key(map_fd, NULL, key);
		_exit(e && errno == EPERM ? 1 : 0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool full_set(cap_t caps)
{
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (!have_effective(caps, c))
			return false;
	return true;
}

static void text_of(cap_t caps, char *buf, size_t len)
{
	char *t;

	if (full_set(caps)) {
		snprintf(buf, len, "full root");
		return;
	}
	t = cap_to_text(caps, NULL);
	/* libcap writes the empty set as "=" */
	snprintf(buf, len, "%s", !t ? "?" : !strcmp(t, "=") ? "none" : t);
	cap_free(t);
}

void wt_privs_drop(int map_fd, FILE *f)
{
	cap_t before = cap_get_proc(), after = NULL;
	cap_iab_t iab = NULL;
	char was[512], now[512];
	const char *how = "";

	if (dropped || !before)
		goto out;
	dropped = true;
	if (map_fd >= 0 && !map_readable_without_caps(map_fd))
		wt_privs_keep(CAP_BPF, "this kernel checks it on every map read");
	text_of(before, was, sizeof(was));

	/* A child we exec later (none today) gains nothing back. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		how = ", no_new_privs refused";
	iab = cap_iab_init();	/* inheritable and ambient empty */
	for (cap_value_t c = 0; iab && c < cap_max_bits(); c++) {
		bool keep = false;

		for (int i = 0; i < nkept; i++)
			keep |= kept[i].cap == c;
		if (!keep)
			cap_iab_set_vector(iab, CAP_IAB_BOUND, c, CAP_SET);	/* set = dropped */
	}
	/* The bounding set needs CAP_SETPCAP to shrink: before the rest. */
	if (!iab || cap_iab_set_proc(iab))
		how = ", bounding set unchanged (no CAP_SETPCAP)";
	after = cap_init();
	for (int i = 0; after && i < nkept; i++) {
		cap_set_flag(after, CAP_EFFECTIVE, 1, &kept[i].cap, CAP_SET);
		cap_set_flag(after, CAP_PERMITTED, 1, &kept[i].cap, CAP_SET);
	}
	if (!after || cap_set_proc(after)) {
		fprintf(f, "wtstat: could not drop capabilities after attach: %s\n", strerror(errno));
		goto out;
	}
	if (verbose) {
		cap_free(after);
		after = cap_get_proc();
		text_of(after, now, sizeof(now));
		fprintf(f, "wtstat: capabilities after attach: %s (was: %s)%s", now, was, how);
		for (int i = 0; i < nkept; i++) {
			char *name = cap_to_name(kept[i].cap);

			fprintf(f, "%s%s: %s", i ? "; " : "; kept ", name, kept[i].why);
			cap_free(name);
		}
		fputc('\n', f);
	}
out:
	cap_free(iab);
	cap_free(after);
	cap_free(before);
}
