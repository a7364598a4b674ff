// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * progstat: run_cnt and run_time_ns of the BPF programs some processes
 * hold, for machines without bpftool (the VM lab's busybox initramfs).
 *
 *   progstat TOOL=PID...
 *
 * Prints one JSON array: {"tool","id","name","type","kind","event",
 * "run_cnt","run_time_ns"} per program held by each PID (its fdinfo
 * prog_id lines). kind/event come from the kernel's task_fd_query of the
 * fd the program is attached through (raw tracepoints, tracepoints,
 * kprobes); for an fentry/fexit link, which task_fd_query does not know,
 * from the link's fdinfo (attach_type) and the kernel function the
 * program was loaded for (its attach_btf_id in vmlinux's BTF).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define MAX_PROGS 256

struct prog {
	const char *tool;
	__u32 id;
	const char *kind;
	char event[128];
};

static struct prog progs[MAX_PROGS];
static int nprogs;

static struct prog *add(const char *tool, __u32 id)
{
	for (int i = 0; i < nprogs; i++)
		if (progs[i].id == id)
			return &progs[i];
	if (nprogs == MAX_PROGS)
		return NULL;
	progs[nprogs] = (struct prog){ .tool = tool, .id = id };
	return &progs[nprogs++];
}

static const char *kind_name(__u32 t)
{
	switch (t) {
	case BPF_FD_TYPE_RAW_TRACEPOINT: return "raw_tp";
	case BPF_FD_TYPE_TRACEPOINT: return "tracepoint";
	case BPF_FD_TYPE_KPROBE: return "kprobe";
	case BPF_FD_TYPE_KRETPROBE: return "kretprobe";
	case BPF_FD_TYPE_UPROBE: return "uprobe";
	case BPF_FD_TYPE_URETPROBE: return "uretprobe";
	default: return NULL;
	}
}

static const char *type_name(__u32 t)
{
	switch (t) {
	case BPF_PROG_TYPE_KPROBE: return "kprobe";
	case BPF_PROG_TYPE_TRACEPOINT: return "tracepoint";
	case BPF_PROG_TYPE_RAW_TRACEPOINT: return "raw_tracepoint";
	case BPF_PROG_TYPE_TRACING: return "tracing";
	default: return "other";
	}
}

static void scan(const char *tool, int pid)
{
	char dir[64];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "progstat: %s: %s\n", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		char path[300], line[256], buf[128] = "";
		__u32 len = sizeof(buf), prog_id = 0, fd_type = 0;
		__u64 off = 0, addr = 0;
		struct prog *p = NULL;
		int fd = atoi(de->d_name), tracing = 0;
		long attach_type = -1;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "prog_id:", 8))
				p = add(tool, strtoul(line + 8, NULL, 10));
			else if (!strncmp(line, "link_type:", 10))
				tracing = strstr(line, "tracing") != NULL;
			else if (!strncmp(line, "attach_type:", 12))
				attach_type = strtol(line + 12, NULL, 10);
		}
		fclose(f);
		if (p && tracing && attach_type == BPF_TRACE_FENTRY)
			p->kind = "fentry";
		else if (p && tracing && attach_type == BPF_TRACE_FEXIT)
			p->kind = "fexit";
		/* the attachment this fd is, if any: names the hook */
		if (!bpf_task_fd_query(pid, fd, 0, buf, &len, &prog_id, &fd_type, &off, &addr)) {
			struct prog *q = add(tool, prog_id);

			if (q && kind_name(fd_type)) {
				q->kind = kind_name(fd_type);
				snprintf(q->event, sizeof(q->event), "%s", buf);
			}
		}
	}
	closedir(d);
}

/* The kernel function a tracing program was loaded for, or "". */
static const char *btf_func_name(__u32 btf_id)
{
	static struct btf *vmlinux;
	const struct btf_type *t;

	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	t = vmlinux && btf_id ? btf__type_by_id(vmlinux, btf_id) : NULL;
	return t ? btf__name_by_offset(vmlinux, t->name_off) : "";
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: progstat TOOL=PID...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || atoi(eq + 1) <= 0) {
			fprintf(stderr, "progstat: '%s' is not TOOL=PID\n", argv[i]);
			return 2;
		}
		*eq = 0;
		scan(argv[i], atoi(eq + 1));
	}
	printf("[");
	for (int i = 0; i < nprogs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(progs[i].id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		if (progs[i].kind && !progs[i].event[0])	/* fentry/fexit: named by BTF */
			snprintf(progs[i].event, sizeof(progs[i].event), "%s", btf_func_name(info.attach_btf_id));
		printf("%s{\"tool\":\"%s\",\"id\":%u,\"name\":\"%s\",\"type\":\"%s\",", first ? "" : ",",
		       progs[i].tool, info.id, info.name, type_name(info.type));
		if (progs[i].kind)
			printf("\"kind\":\"%s\",\"event\":\"%s\",", progs[i].kind, progs[i].event);
		else
			printf("\"kind\":null,\"event\":null,");
		printf("\"run_cnt\":%llu,\"run_time_ns\":%llu}", (unsigned long long)info.run_cnt,
		       (unsigned long long)info.run_time_ns);
		first = 0;
	}
	printf("]\n");
	return 0;
}
