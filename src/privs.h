/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Capabilities: the ones wtstat needs to start, and the few it keeps once
 * its programs are attached. Loading and attaching is the only step that
 * needs CAP_BPF and CAP_PERFMON; what follows reads maps through file
 * descriptors already held and writes reports.
 */
#ifndef WTSTAT_PRIVS_H
#define WTSTAT_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * 0 when the process may load and attach BPF programs (CAP_BPF and
 * CAP_PERFMON, or CAP_SYS_ADMIN, which implies both); -1 with a
 * one-line reason naming what is missing and how to get it.
 */
int wt_privs_require(char *err, size_t errlen);

/* verbose: wt_privs_drop says what it kept and why. */
void wt_privs_verbose(bool verbose);

/* Keep cap (a CAP_* value) after attach; why is said in -v. */
void wt_privs_keep(int cap, const char *why);

/*
 * Keep CAP_DAC_OVERRIDE if the directory that will receive path (a file
 * renamed into place later) is not writable by our uid and groups alone.
 */
void wt_privs_keep_for_file(const char *path, const char *why);
void wt_privs_keep_for_dir(const char *dir, const char *why);

/*
 * Drops every capability not kept, from the effective, permitted,
 * inheritable, ambient and bounding sets, and sets no_new_privs. map_fd: a
 * map of the tracer: if reading it needs CAP_BPF on this kernel (before
 * 6.5 every bpf() command did when unprivileged BPF is disabled), CAP_BPF
 * is kept. With wt_privs_verbose, one line on f says what is left. A
 * second call does nothing.
 */
void wt_privs_drop(int map_fd, FILE *f);

/*
 * Pure: may a process with uid, gid and supplementary groups create and
 * rename files in a directory with stat st, by its mode bits alone (no
 * capability)? Sticky directories count as writable: our own temp file
 * is what gets renamed.
 */
bool wt_dir_writable_by_mode(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, int ngroups);

#endif
