// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtstat: who waits on stable pages, on which file, for how long, and what
 * buffered writethrough is doing.
 *
 * Every program starts disabled ("?" sections): src/attach.c enables, per
 * logical event, the first candidate that works on the running kernel.
 * Several programs share one handler because the same event can arrive via
 * fentry, kprobe or a tracepoint.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "wtstat.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. sched_switch's work (switch_work) reads
 * wait_mode, throttle_on and task_slot_mask on every switch while anything
 * is pending: one cache line, ahead of the caller table. */
const volatile __u32 wait_mode = WT_WAIT_NONE;
const volatile bool throttle_on = false;	/* dirty-throttle sleeps traced */
const volatile bool drift_on = false;	/* dirty-accounting drift traced */
/* pending-wait slots in use, less one (tests share them out) */
const volatile __u32 task_slot_mask = WT_TASK_SLOTS - 1;
const volatile bool wait_tp_in_func = false;	/* tracepoint also attached in func mode */
const volatile bool begin_exact = false;	/* wt_begin hook attached: ends can be checked */
const volatile bool stable_hooks = false;	/* stable_set/clear attached: no derivation */
const volatile __u32 dio_wt_flag = 1 << 5;	/* IOMAP_DIO_BUF_WRITETHROUGH in RFC v1 */
const volatile __u32 filter_tgid = 0;
const volatile __u32 filter_dev = 0;
const volatile __u64 filter_ino = 0;
const volatile bool filter_comm_set = false;
const volatile char filter_comm[WT_COMM_LEN] = {};
const volatile __u32 nr_callers = 0;
const volatile struct wt_caller_range callers[WT_MAX_CALLERS] = {};
const volatile struct wt_caller_range waiter = {};	/* folio_wait_writeback's text */

/* Waits begun and not yet finished; lets hot paths skip map look-ups. */
__s64 pending_count = 0;
__s64 spilled_count = 0;	/* of those, in the pending hash */
__s64 stall_count = 0;		/* dirty-throttle sleeps in progress */
__s64 dirty_count = 0;		/* folios in dirty_folios */

struct pending_wait {
	__u64 start_ns;
	struct folio *folio;
	struct wt_mapping_key key;
	__u32 tgid;
	__u32 tid;
	__u32 slept;		/* tracepoint hits (func mode) or switched out (tp mode) */
	__u32 during_wt;
	__u32 row;		/* of the file in mapping_rows, WT_NO_ROW if none */
	__u64 ran_ns;		/* tp mode: the task's CPU time when it went to sleep */
	__u32 spilled;		/* in the pending hash, not in its task's slot */
	/* still true of an entry whose wait has ended, for the task's next one */
	__u32 proc_known;	/* the process has its row in procs */
	__u64 task;		/* task_struct address of the waiter */
};

/*
 * Pending waits, one per slot of a hash of the waiting task's task_struct
 * address. sched_switch runs on every context switch and the exit of
 * folio_wait_stable() on every buffered write: "no wait pending for this
 * task" is one load of its slot, with no helper call and no map look-up,
 * and a pending wait is found without hashing its thread id either.
 * A task's entry is touched by the task's own events and by its switch-in
 * and switch-out, never by two CPUs at once, so taking a free slot is the
 * one atomic step. A task whose slot another task holds spills into the
 * pending hash; while none has, nobody looks there. An entry keeps its
 * task, file row and process after the wait: a writer waiting again on
 * the same file (the common case) skips the file table's key -> slot hash
 * and the procs look-up. Static: BPF-side only, not in the skeleton.
 */
static __u64 pending_owner[WT_TASK_SLOTS];	/* the task whose wait is in pending_waits, or 0 */
static struct pending_wait pending_waits[WT_TASK_SLOTS];

static __always_inline __u32 task_slot(__u64 task)
{
	return ((task * 0x9E3779B97F4A7C15ULL) >> 54) & task_slot_mask;	/* top 10 bits */
}

/* The mask stays in the code: the verifier checks this index, and a slot
 * read back from the stack has lost its bounds. */
static __always_inline __u32 slot_ix(__u32 slot)
{
	asm volatile("" : "+r"(slot));
	return slot & (WT_TASK_SLOTS - 1);
}

/*
 * The per-file table. Rows live in an array user space maps into its own
 * memory: an interval reads 100,000 rows with one copy and no system call,
 * where a hash map's batch look-up took most of the interval. A row's
 * slot is claimed once and never reused (the table never evicts), so
 * programs may hold a slot number across events; the hash beside it only
 * finds the slot of a key. Sized together by user space (--max-mappings).
 */
#define WT_NO_ROW	(~0U)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct wt_mapping_row);
} mapping_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct wt_mapping_key);
	__type(value, __u32);
} mapping_slots SEC(".maps");

/* Slots claimed so far (may pass max_entries: those claims failed). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} mapping_claims SEC(".maps");

const volatile __u32 mapping_rows_max = 10240;	/* = max_entries of the two above */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct wt_proc_stats);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct wt_dev_stats);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wt_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WT_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Pending waits of tasks whose slot in pending_owner was taken. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct pending_wait);
} pending SEC(".maps");

struct pending_stall {
	__u64 start_ns;
	__u32 dev;
	__u32 tgid;
	__u32 slept;
	__u32 wt;		/* the sleeper was inside a writethrough write */
	__u64 ran_ns;		/* the task's CPU time when it went to sleep */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending_stall);
} stalls SEC(".maps");

/* Folios dirtied with accounting on mappings that use writethrough. */
struct dirty_folio {
	struct wt_mapping_key key;
	__u32 nr;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct dirty_folio);
} dirty_folios SEC(".maps");

/* Threads inside a writethrough write request. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} wt_writers SEC(".maps");

/* kprobe -> kretprobe hand-over of the argument, keyed by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} entry_args SEC(".maps");

/* Zero values used to create entries; too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wt_proc_stats);
} zero_proc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wt_dev_stats);
} zero_dev SEC(".maps");

static __always_inline void count(enum wt_counter c)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += 1;	/* per-CPU: no atomics needed */
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

#pragma unroll
	for (int shift = 32; shift > 0; shift >>= 1) {
		if (v >= (1ULL << shift)) {
			v >>= shift;
			r += shift;
		}
	}
	return r < WT_HIST_SLOTS ? r : WT_HIST_SLOTS - 1;
}

static __always_inline void hist_add(struct wt_hist *h, __u64 ns)
{
	__u32 slot = log2_slot(ns);

	if (slot < WT_HIST_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
	/* A lost race here can only under-report max by one sample. */
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static __always_inline void max_update(__s64 *max, __s64 v)
{
	if (v > *max)
		*max = v;
}

static __always_inline struct wt_totals *get_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline void mapping_key_of(struct inode *inode, struct wt_mapping_key *key)
{
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->gen = BPF_CORE_READ(inode, i_generation);
	key->ino = BPF_CORE_READ(inode, i_ino);
}

/* The same through BTF pointers (fentry arguments): plain loads, no helper call. */
static __always_inline void mapping_key_of_btf(struct inode *inode, struct wt_mapping_key *key)
{
	key->dev = inode->i_sb->s_dev;
	key->gen = inode->i_generation;
	key->ino = inode->i_ino;
}

static __always_inline bool key_filtered_out(const struct wt_mapping_key *key)
{
	if (filter_dev && key->dev != filter_dev)
		return true;
	if (filter_ino && key->ino != filter_ino)
		return true;
	return false;
}

static __always_inline bool task_filtered_out(void)
{
	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return true;
	if (filter_comm_set) {
		char comm[WT_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
		for (int i = 0; i < WT_COMM_LEN; i++) {
			if (comm[i] != filter_comm[i])
				return true;
			if (!comm[i])
				break;
		}
	}
	return false;
}

static __always_inline void read_names(struct inode *inode, struct wt_mapping_stats *s)
{
	struct dentry *d = inode_first_dentry(inode);
	const unsigned char *name;

	if (!d) {
		count(WT_DROP_NAME_UNREADABLE);
		return;
	}
	name = BPF_CORE_READ(d, d_name.name);
	if (bpf_probe_read_kernel_str(s->name, sizeof(s->name), name) < 0)
		count(WT_DROP_NAME_UNREADABLE);
	name = BPF_CORE_READ(d, d_parent, d_name.name);
	bpf_probe_read_kernel_str(s->parent, sizeof(s->parent), name);
}

static __always_inline struct wt_mapping_stats *row_stats(__u32 row)
{
	struct wt_mapping_row *r = bpf_map_lookup_elem(&mapping_rows, &row);

	if (!r)
		return NULL;
	/* else clang adds the offset before the null check, which the verifier refuses */
	asm volatile("" : "+r"(r));
	return &r->s;
}

/* The row of a key already in the table, or NULL; *row_out its slot. */
static __always_inline struct wt_mapping_stats *find_mapping_row(const struct wt_mapping_key *key, __u32 *row_out)
{
	__u32 *row = bpf_map_lookup_elem(&mapping_slots, key);

	if (!row)
		return NULL;
	*row_out = *row;
	return row_stats(*row);
}

static __always_inline struct wt_mapping_stats *find_mapping(const struct wt_mapping_key *key)
{
	__u32 row;

	return find_mapping_row(key, &row);
}

/*
 * The row of a key, claimed and filled when new. A fresh slot is all zero
 * (slots are never reused). User space shows a row once first_seen_ns is
 * set, which happens last, after the key is in the hash: a slot two CPUs
 * claimed for one key at once stays unshown, not a second row of it.
 */
static struct wt_mapping_stats *get_mapping_row(struct inode *inode, const struct wt_mapping_key *key,
						__u32 *row_out)
{
	struct wt_mapping_row *r;
	struct wt_mapping_stats *s;
	__u32 zero = 0, row, *won;
	__u64 *claims;

	s = find_mapping_row(key, row_out);
	if (s)
		return s;
	claims = bpf_map_lookup_elem(&mapping_claims, &zero);
	/* a full table is not worth one more write to a shared line per event */
	if (!claims || *claims >= mapping_rows_max) {
		count(WT_DROP_MAPPING_FULL);
		return NULL;
	}
	row = __sync_fetch_and_add(claims, 1);
	r = row < mapping_rows_max ? bpf_map_lookup_elem(&mapping_rows, &row) : NULL;
	if (!r) {
		count(WT_DROP_MAPPING_FULL);
		return NULL;
	}
	r->key = *key;
	r->s.kernel_wt_count = -1;
	read_names(inode, &r->s);
	if (bpf_map_update_elem(&mapping_slots, key, &row, BPF_NOEXIST)) {
		/* another CPU added the key first: its row is the row */
		won = bpf_map_lookup_elem(&mapping_slots, key);
		if (!won) {
			count(WT_DROP_MAPPING_FULL);
			return NULL;
		}
		*row_out = *won;
		return row_stats(*won);
	}
	/* an exchange is fully ordered on every JIT: the row is complete first */
	__sync_lock_test_and_set(&r->s.first_seen_ns, bpf_ktime_get_ns());
	*row_out = row;
	return &r->s;
}

static __always_inline struct wt_mapping_stats *get_mapping(struct inode *inode, const struct wt_mapping_key *key)
{
	__u32 row;

	return get_mapping_row(inode, key, &row);
}

static struct wt_proc_stats *get_proc(__u32 tgid)
{
	struct wt_proc_stats *p;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		return p;
	p = bpf_map_lookup_elem(&zero_proc, &zero);
	if (!p)
		return NULL;
	__builtin_memset(p, 0, sizeof(*p));
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	if (bpf_map_update_elem(&procs, &tgid, p, BPF_NOEXIST) && !bpf_map_lookup_elem(&procs, &tgid)) {
		count(WT_DROP_PROC_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&procs, &tgid);
}

static struct wt_dev_stats *get_dev(__u32 dev)
{
	struct wt_dev_stats *d, *zero;
	__u32 z = 0;

	d = bpf_map_lookup_elem(&devs, &dev);
	if (d)
		return d;
	zero = bpf_map_lookup_elem(&zero_dev, &z);
	if (!zero)
		return NULL;
	__builtin_memset(zero, 0, sizeof(*zero));
	if (bpf_map_update_elem(&devs, &dev, zero, BPF_NOEXIST) && !bpf_map_lookup_elem(&devs, &dev)) {
		count(WT_DROP_DEV_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&devs, &dev);
}

/*
 * Stable mode of a mapping is observed wherever a probe sees it; intervals
 * are opened and closed on changes. With stable_set/clear hooks attached,
 * those hooks own the transitions and observation only opens an interval
 * for a mapping first seen already stable (e.g. device-required).
 */
static __always_inline void observe_stable(struct wt_mapping_stats *s, bool stable, __u64 now,
					   bool is_transition_point)
{
	if (stable && !s->stable_since_ns) {
		s->stable_since_ns = now;
		if (is_transition_point && !stable_hooks) {
			__sync_fetch_and_add(&s->stable_sets, 1);
			count(WT_CNT_STABLE_SET);
		}
	} else if (!stable && s->stable_since_ns) {
		__sync_fetch_and_add(&s->stable_ns, now - s->stable_since_ns);
		s->stable_since_ns = 0;
		if (!stable_hooks) {
			__sync_fetch_and_add(&s->stable_clears, 1);
			count(WT_CNT_STABLE_CLEAR);
		}
	}
}

static __always_inline bool wt_in_flight(struct address_space *mapping, struct wt_mapping_stats *s)
{
	long kc = read_wt_count(mapping);

	if (kc >= 0)
		return kc > 0;
	return s && s->inflight > 0;
}

/* ---- stable waits ---------------------------------------------------- */

/* The pending wait of a task, or NULL. */
static __always_inline struct pending_wait *find_pending(__u64 task)
{
	__u32 ix = slot_ix(task_slot(task)), tid;

	if (pending_owner[ix] == task)
		return &pending_waits[ix];
	if (!spilled_count)
		return NULL;
	tid = BPF_CORE_READ((struct task_struct *)task, pid);
	return bpf_map_lookup_elem(&pending, &tid);
}

static __always_inline void wait_forget(struct pending_wait *pw)
{
	__u32 ix = slot_ix(task_slot(pw->task)), tid = pw->tid;

	if (!pw->spilled) {
		/* fully ordered: every read of the entry comes first */
		__sync_lock_test_and_set(&pending_owner[ix], 0);
	} else {
		/* only the one who deletes the entry uncounts it */
		if (bpf_map_delete_elem(&pending, &tid))
			return;
		__sync_fetch_and_add(&spilled_count, -1);
	}
	__sync_fetch_and_add(&pending_count, -1);
}

/* The task's slot in pending_waits, or NULL when another task holds it. */
static __always_inline struct pending_wait *claim_pending(__u64 task)
{
	__u32 ix = slot_ix(task_slot(task));

	if (pending_owner[ix] || __sync_val_compare_and_swap(&pending_owner[ix], 0, task))
		return NULL;
	return &pending_waits[ix];
}

static __always_inline bool keys_equal(const struct wt_mapping_key *a, const struct wt_mapping_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->gen == b->gen;
}

/* A wait whose task's slot is taken goes to the pending hash. */
static __always_inline void wait_spill(struct pending_wait *pw)
{
	__u32 tid = pw->tid;

	pw->spilled = 1;
	count(WT_CNT_WAIT_SPILLED);
	__sync_fetch_and_add(&spilled_count, 1);
	if (bpf_map_update_elem(&pending, &tid, pw, BPF_NOEXIST)) {
		__sync_fetch_and_add(&spilled_count, -1);
		__sync_fetch_and_add(&pending_count, -1);
		count(WT_DROP_PENDING_FULL);
	}
}

/* task: the current one; btf: mapping is a BTF pointer (fentry), so its
 * inode reads with plain loads */
static __always_inline int wait_begin(struct folio *folio, struct address_space *mapping, __u64 task,
				      const bool btf)
{
	struct pending_wait pw = {}, *e;
	struct wt_mapping_stats *s;
	struct inode *inode;
	__u64 id = bpf_get_current_pid_tgid(), now;

	if (btf) {
		inode = mapping->host;
		if (!inode)
			return 0;
		mapping_key_of_btf(inode, &pw.key);
	} else {
		inode = BPF_CORE_READ(mapping, host);
		if (!inode)
			return 0;
		mapping_key_of(inode, &pw.key);
	}
	if (key_filtered_out(&pw.key) || task_filtered_out())
		return 0;
	pw.tgid = id >> 32;
	pw.tid = (__u32)id;
	pw.task = task;
	/* counted before it can be seen, so no reader misses it */
	__sync_fetch_and_add(&pending_count, 1);
	e = claim_pending(task);
	if (e && e->task == task && e->row != WT_NO_ROW && keys_equal(&e->key, &pw.key)) {
		/* this task's last wait was on the same file: rows are never reused */
		pw.row = e->row;
		pw.proc_known = e->proc_known && e->tgid == pw.tgid;
		s = row_stats(pw.row);
	} else {
		pw.row = WT_NO_ROW;
		s = get_mapping_row(inode, &pw.key, &pw.row);
	}
	now = bpf_ktime_get_ns();
	if (s)
		observe_stable(s, true, now, false);
	pw.during_wt = wt_in_flight(mapping, s);
	pw.folio = folio;
	if (!pw.proc_known)
		pw.proc_known = get_proc(pw.tgid) != NULL;
	pw.start_ns = now;
	if (e)
		*e = pw;
	else
		wait_spill(&pw);
	return 0;
}

/* Adds one wait of lat ns to every table the pending wait names. */
static __always_inline void wait_record(struct pending_wait *pw, __u64 lat)
{
	struct wt_mapping_stats *s;
	struct wt_proc_stats *p;
	struct wt_dev_stats *d;
	struct wt_totals *t;

	s = pw->row != WT_NO_ROW ? row_stats(pw->row) : NULL;
	if (s) {
		hist_add(&s->wait, lat);
		if (pw->during_wt)
			__sync_fetch_and_add(&s->waits_during_wt, 1);
		s->last_seen_ns = pw->start_ns + lat;	/* the wait's end */
	}
	p = bpf_map_lookup_elem(&procs, &pw->tgid);
	if (p) {
		hist_add(&p->wait, lat);
		if (pw->during_wt)
			__sync_fetch_and_add(&p->waits_during_wt, 1);
	}
	d = get_dev(pw->key.dev);
	if (d)
		hist_add(&d->wait, lat);
	t = get_totals();
	if (t)
		hist_add(&t->wait, lat);
	if (pw->during_wt)
		count(WT_CNT_WAIT_DURING_WT);
}

static __always_inline void wait_finish(struct pending_wait *pw, __u64 lat)
{
	wait_record(pw, lat);
	wait_forget(pw);
}

/*
 * The kernel does not report every switch-in: on 6.18 under load a task
 * that slept in D state now and then runs again, and exits, with no
 * sched_switch naming it as next (bpftrace's sched_switch misses the same
 * ones). A sleep still open when its task is seen running again ended at
 * that unreported switch-in; the CPU time the task has used since it went
 * to sleep says how long ago that was (exact at a switch-out, where the
 * scheduler has just updated it; up to a tick behind on a running task).
 */
static __always_inline __u64 sleep_ended_ns(struct task_struct *task, __u64 ran_before)
{
	__u64 ran = BPF_CORE_READ(task, se.sum_exec_runtime), now = bpf_ktime_get_ns();

	ran = ran > ran_before ? ran - ran_before : 0;
	return now > ran ? now - ran : 0;
}

static __always_inline __u64 since(__u64 start, __u64 end)
{
	return end > start ? end - start : 0;
}

/* The latency of a sleep that began at start_ns and ended unreported, counted as such. */
static __always_inline __u64 inferred_sleep_ns(__u64 start_ns, struct task_struct *task, __u64 ran_before)
{
	count(WT_CNT_WAIT_END_INFERRED);
	return since(start_ns, sleep_ended_ns(task, ran_before));
}

static __always_inline void other_wait(struct address_space *mapping)
{
	struct wt_mapping_key key;
	struct wt_mapping_stats *s;
	struct wt_dev_stats *d;
	struct inode *inode = BPF_CORE_READ(mapping, host);

	if (!inode)
		return;
	mapping_key_of(inode, &key);
	if (key_filtered_out(&key) || task_filtered_out())
		return;
	count(WT_CNT_WAIT_OTHER);
	/* Files in stable mode get a per-file count of their other waits
	 * (fsync, truncate); fsync of every other file must not fill the
	 * mapping table. */
	s = mapping_is_stable(mapping) ? get_mapping(inode, &key) : find_mapping(&key);
	if (s)
		__sync_fetch_and_add(&s->other_waits, 1);
	d = get_dev(key.dev);
	if (d)
		__sync_fetch_and_add(&d->other_waits, 1);
}

/*
 * The hot programs (sched_switch, the exit of folio_wait_stable(), its
 * entry on a folio not under writeback) mostly find nothing to do. Their
 * work sits in a separate function so that the program itself is only that
 * test: no callee-saved registers, no private stack, no argument spills in
 * its prologue, and the early return stays in the same cache line.
 */

/* A wait of this task whose return was never seen (a missed return
 * probe): the new one replaces it. */
static __always_inline void forget_stale_wait(__u64 task)
{
	struct pending_wait *stale = pending_count ? find_pending(task) : NULL;

	if (stale)
		wait_forget(stale);
}

/* A folio_wait_stable() call that is going to sleep on a stable mapping. */
static __noinline int wait_stable_begin(struct folio *folio, struct address_space *mapping)
{
	__u64 task = bpf_get_current_task();

	forget_stale_wait(task);
	return wait_begin(folio, mapping, task, false);
}

/* The same from fentry, where the folio is a BTF pointer. */
static __noinline int wait_stable_begin_btf(struct folio *folio)
{
	unsigned long flags, mapping;
	__u64 task;

	/* the verifier forbids testing a pointer's bits: the anon tag is read as a number */
	folio_flags_mapping(folio, &flags, &mapping);
	if (!mapping || (mapping & 1))
		return 0;
	task = bpf_get_current_task();
	forget_stale_wait(task);
	return wait_begin(folio, folio->mapping, task, true);
}

/*
 * Entry of folio_wait_stable(): runs on every buffered write, so bail out
 * after a few loads, before any map, unless this call is going to sleep.
 */
static __always_inline int wait_stable_entry(struct folio *folio)
{
	unsigned long flags, mapping;

	folio_flags_mapping(folio, &flags, &mapping);
	if (!(flags & pg_writeback_mask()))
		return 0;
	if (!mapping || (mapping & 1))	/* anon folios tag the pointer */
		return 0;
	if (!mapping_is_stable((struct address_space *)mapping))
		return 0;
	return wait_stable_begin(folio, (struct address_space *)mapping);
}

/* The return of folio_wait_stable() while some wait is pending. */
static __noinline int wait_stable_exit(void)
{
	struct pending_wait *pw;

	pw = find_pending(bpf_get_current_task());
	if (!pw)
		return 0;
	if (wait_tp_in_func && !pw->slept) {
		/* Writeback ended between our check and the wait: no sleep. */
		count(WT_CNT_WAIT_NOSLEEP);
		wait_forget(pw);
		return 0;
	}
	wait_finish(pw, bpf_ktime_get_ns() - pw->start_ns);
	return 0;
}

SEC("?fentry/folio_wait_stable")
int BPF_PROG(fentry_wait_stable, struct folio *folio)
{
	/* BTF pointers: the common no-wait answer costs plain loads only */
	if (!(folio_flags_direct(folio) & pg_writeback_mask()) ||
	    !mapping_is_stable_direct(folio->mapping))
		return 0;
	return wait_stable_begin_btf(folio);
}

SEC("?fexit/folio_wait_stable")
int BPF_PROG(fexit_wait_stable, struct folio *folio)
{
	return pending_count ? wait_stable_exit() : 0;
}

SEC("?kprobe/folio_wait_stable")
int BPF_KPROBE(kprobe_wait_stable, struct folio *folio)
{
	return wait_stable_entry(folio);
}

SEC("?kretprobe/folio_wait_stable")
int BPF_KRETPROBE(kretprobe_wait_stable)
{
	return pending_count ? wait_stable_exit() : 0;
}

/*
 * Is addr inside one of the functions that wait for stable pages? A global
 * function: the verifier checks it once, not at every call.
 */
__noinline int is_stable_caller(__u64 addr)
{
	__u32 lo = 0, hi = nr_callers;

	/* user space sorts the ranges by address */
	for (int i = 0; i < 7 && lo < hi; i++) {	/* 2^7 > WT_MAX_CALLERS */
		__u32 mid = (lo + hi) / 2;

		if (mid >= WT_MAX_CALLERS)
			return 0;
		if (addr < callers[mid].start)
			hi = mid;
		else if (addr >= callers[mid].end)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * A writeback wait is a stable wait when the caller of folio_wait_writeback
 * (the function that raises the tracepoint) is one of the stable-wait
 * functions: folio_wait_stable tail-calls it, so the return address is
 * often that of folio_wait_stable's own caller (__filemap_get_folio, a
 * page_mkwrite handler). Where folio_wait_writeback was inlined, any
 * stable-wait function among the first frames decides.
 *
 * Unwinding with bpf_get_stack() costs microseconds. The raw tracepoint's
 * arguments live on the kernel stack, a few frames below the tracepoint's
 * call site, so both return addresses sit in a short window above them, at
 * word positions fixed by the frames in between: the tracepoint's dispatch
 * (a direct static call, or the iterator when several programs are
 * attached) and the call site's own frame. The unwinder teaches the
 * positions: a call site is learned when its return address and its
 * caller's each occur exactly once in the window; later waits through the
 * same site and dispatch find its return address at the learned position
 * and read the caller's at the other. Anything else (a new site, a changed
 * dispatch, an ambiguous window) goes to the unwinder.
 */
#define WT_WINDOW_WORDS	32
#define WT_MAX_SITES	8

/*
 * Learned call sites. A slot is claimed by writing its return address,
 * then its positions (1 << 16 | i << 8 | j: the words holding the two
 * return addresses) are written once; a reader skips a slot without them.
 */
__u64 site_ret[WT_MAX_SITES] = {};
__u32 site_pos[WT_MAX_SITES] = {};

struct stack_window {
	__u64 w[WT_WINDOW_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_window);
} stack_windows SEC(".maps");

/* 0 found (frames set), -1 not decided by the window */
static __always_inline int frames_from_window(struct stack_window *win, __u64 *f0, __u64 *f1)
{
	for (int s = 0; s < WT_MAX_SITES; s++) {
		__u64 ret = site_ret[s];
		__u32 pos = site_pos[s];

		if (!ret)
			break;
		if (!pos || win->w[(pos >> 8) & (WT_WINDOW_WORDS - 1)] != ret)
			continue;
		*f0 = ret;
		*f1 = win->w[pos & (WT_WINDOW_WORDS - 1)];
		return 0;
	}
	return -1;
}

struct learn_scan {
	struct stack_window *win;
	__u64 f0, f1;
	__u32 i, j;		/* WT_WINDOW_WORDS: not seen */
	bool twice;
};

/*
 * One word of the scan. A bpf_loop() callback: a plain loop would make the
 * verifier walk every combination of the two positions.
 */
static long learn_step(__u32 k, struct learn_scan *c)
{
	__u64 v;

	if (k >= WT_WINDOW_WORDS)
		return 1;
	v = c->win->w[k & (WT_WINDOW_WORDS - 1)];
	if (v == c->f0) {
		c->twice |= c->i < WT_WINDOW_WORDS;
		c->i = k;
	} else if (v == c->f1 && c->i < WT_WINDOW_WORDS) {
		c->twice |= c->j < WT_WINDOW_WORDS;
		c->j = k;
	}
	return c->twice;
}

/* Where the unwinder's two frames sit in the window, if unambiguous. */
static __always_inline void learn_site(struct stack_window *win, __u64 f0, __u64 f1)
{
	struct learn_scan c = { .win = win, .f0 = f0, .f1 = f1,
				.i = WT_WINDOW_WORDS, .j = WT_WINDOW_WORDS };
	__u32 pos;

	if (!f0 || !f1)
		return;
	bpf_loop(WT_WINDOW_WORDS, learn_step, &c, 0);
	if (c.twice || c.j >= WT_WINDOW_WORDS)
		return;		/* which copy is live? / beyond the window */
	pos = 1 << 16 | c.i << 8 | c.j;
	for (int s = 0; s < WT_MAX_SITES; s++) {
		__u64 ret = site_ret[s];

		if (ret == f0 && site_pos[s] == pos)
			return;		/* another CPU was first */
		if (!ret && !__sync_val_compare_and_swap(&site_ret[s], 0, f0)) {
			site_pos[s] = pos;
			return;
		}
	}
}

#define WT_UNWIND_FRAMES	12

static __always_inline bool stack_has_stable_caller(void *ctx)
{
	struct stack_window *win;
	__u64 stack[WT_UNWIND_FRAMES], f0 = 0, f1 = 0;
	__u32 zero = 0, n;
	long len;

	win = bpf_map_lookup_elem(&stack_windows, &zero);
	if (win && !bpf_probe_read_kernel(win->w, sizeof(win->w), ctx) &&
	    !frames_from_window(win, &f0, &f1)) {
		count(WT_CNT_CALLER_BY_WINDOW);
		return is_stable_caller(f0) || is_stable_caller(f1);
	}
	len = bpf_get_stack(ctx, stack, sizeof(stack), 0);
	if (len <= 0) {
		count(WT_DROP_NO_STACK);
		return false;
	}
	count(WT_CNT_CALLER_BY_UNWIND);
	n = (__u64)len / sizeof(__u64);
	/* the unwinder starts inside the tracing machinery: skip to the call site */
	for (__u32 i = 0; i + 1 < WT_UNWIND_FRAMES && i + 1 < n; i++) {
		if (stack[i] < waiter.start || stack[i] >= waiter.end)
			continue;
		if (win)
			learn_site(win, stack[i], stack[i + 1]);
		return is_stable_caller(stack[i]) || is_stable_caller(stack[i + 1]);
	}
	/* no folio_wait_writeback frame (inlined): any stable-wait frame decides */
	for (__u32 i = 0; i < WT_UNWIND_FRAMES && i < n; i++)
		if (is_stable_caller(stack[i]))
			return true;
	return false;
}

/*
 * writeback:folio_wait_writeback fires once per sleep inside
 * folio_wait_writeback(). In func mode it only marks that the pending
 * folio_wait_stable call really slept; in tracepoint mode it starts the wait
 * and the sched_switch program below ends it.
 */
SEC("?raw_tp/folio_wait_writeback")
int BPF_PROG(tp_folio_wait_writeback, struct folio *folio, struct address_space *mapping)
{
	struct pending_wait *pw;
	__u64 task = bpf_get_current_task();

	if (!mapping)
		return 0;
	pw = pending_count ? find_pending(task) : NULL;
	if (wait_mode == WT_WAIT_FUNC) {
		if (!pw) {
			other_wait(mapping);
			return 0;
		}
		/* Writeback restarted while the writer slept, and it sleeps again:
		 * one wait per sleep, as the tracepoint counts them. The first
		 * sleep began at function entry, the next ones begin here. */
		if (pw->slept) {
			__u64 now = bpf_ktime_get_ns();

			wait_record(pw, now - pw->start_ns);
			pw->start_ns = now;
		}
		pw->slept++;
		return 0;
	}
	if (wait_mode != WT_WAIT_TRACEPOINT)
		return 0;
	if (pw && pw->slept) {
		/* it slept, and its switch-in was never reported */
		wait_finish(pw, inferred_sleep_ns(pw->start_ns, (struct task_struct *)task, pw->ran_ns));
	} else if (pw) {
		/* The previous wait of this task returned without sleeping. */
		count(WT_CNT_WAIT_NOSLEEP);
		wait_finish(pw, 0);
	}
	/* folio_wait_stable() waits only on stable mappings: the bit is cheap,
	 * the stack walk is not */
	if (!mapping_is_stable(mapping) || !stack_has_stable_caller(ctx)) {
		other_wait(mapping);
		return 0;
	}
	return wait_begin(folio, mapping, task, false);
}

/*
 * Tracepoint mode: a wait ends when the waiting task runs again. A task
 * that switches out voluntarily while its folio is still under writeback
 * is sleeping on it; if writeback already ended, it never slept.
 */
#ifndef PF_EXITING
#define PF_EXITING 0x00000004	/* include/linux/sched.h, the same since 2.6 */
#endif

static __always_inline void switch_waits(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct pending_wait *pw = find_pending((__u64)prev);

	if (pw && pw->slept) {
		/* running, so its sleep ended at a switch-in never reported */
		wait_finish(pw, inferred_sleep_ns(pw->start_ns, prev, pw->ran_ns));
	} else if (pw && !preempt) {
		/* An exiting task's last switch: nothing would end its
		 * wait later, and it cannot be sleeping on the folio. */
		if (!(BPF_CORE_READ(prev, flags) & PF_EXITING) && folio_under_writeback(pw->folio)) {
			pw->ran_ns = BPF_CORE_READ(prev, se.sum_exec_runtime);
			pw->slept = 1;
		} else {
			count(WT_CNT_WAIT_NOSLEEP);
			wait_finish(pw, 0);
		}
	}
	pw = find_pending((__u64)next);
	if (pw && pw->slept)
		wait_finish(pw, bpf_ktime_get_ns() - pw->start_ns);
}

static __always_inline void stall_record(struct pending_stall *st, __u64 lat)
{
	struct wt_proc_stats *p = bpf_map_lookup_elem(&procs, &st->tgid);
	struct wt_dev_stats *d = get_dev(st->dev);
	struct wt_totals *t = get_totals();

	if (p) {
		hist_add(&p->throttle, lat);
		if (st->wt)
			__sync_fetch_and_add(&p->throttle_wt, 1);
	}
	if (d) {
		hist_add(&d->throttle, lat);
		if (st->wt)
			__sync_fetch_and_add(&d->throttle_wt, 1);
	}
	if (t) {
		hist_add(&t->throttle, lat);
		if (st->wt)
			__sync_fetch_and_add(&t->throttle_wt, 1);
	}
}

/* A throttled task sleeps right after the tracepoint; it ends at switch-in. */
static __always_inline void switch_stalls(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct pending_stall *st;
	__u32 tid;

	tid = BPF_CORE_READ(prev, pid);
	st = bpf_map_lookup_elem(&stalls, &tid);
	if (st && st->slept) {
		/* running again: its switch-in was not reported (switch_waits) */
		stall_record(st, inferred_sleep_ns(st->start_ns, prev, st->ran_ns));
		if (!bpf_map_delete_elem(&stalls, &tid))
			__sync_fetch_and_add(&stall_count, -1);
	} else if (st && !preempt) {
		st->ran_ns = BPF_CORE_READ(prev, se.sum_exec_runtime);
		st->slept = 1;
	}
	tid = BPF_CORE_READ(next, pid);
	st = bpf_map_lookup_elem(&stalls, &tid);
	if (st && st->slept) {
		stall_record(st, bpf_ktime_get_ns() - st->start_ns);
		bpf_map_delete_elem(&stalls, &tid);
		__sync_fetch_and_add(&stall_count, -1);
	}
}

static __noinline int switch_work(bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (wait_mode == WT_WAIT_TRACEPOINT && pending_count)
		switch_waits(preempt, prev, next);
	if (throttle_on && stall_count)
		switch_stalls(preempt, prev, next);
	return 0;
}

/* Runs on every context switch: with nothing pending, two loads of one
 * cache line (the counters lead .bss). */
SEC("?raw_tp/sched_switch")
int tp_sched_switch(__u64 *ctx)
{
	if (!(pending_count | stall_count))
		return 0;
	return switch_work(ctx[0], (struct task_struct *)ctx[1], (struct task_struct *)ctx[2]);
}

/* ---- dirty throttling --------------------------------------------------- */

/* "7:0" -> kernel dev_t; 0 when it is not MAJ:MIN */
static __always_inline __u32 parse_devname(const char *s)
{
	__u32 maj = 0, min = 0;
	bool second = false;

#pragma unroll
	for (int i = 0; i < 16; i++) {
		char c = s[i];

		if (!c)
			break;
		if (c == ':' && !second) {
			second = true;
			continue;
		}
		if (c < '0' || c > '9')
			return 0;
		if (second)
			min = min * 10 + (c - '0');
		else
			maj = maj * 10 + (c - '0');
	}
	return second ? (maj << 20) | min : 0;
}

/*
 * writeback:balance_dirty_pages fires just before the throttled writer
 * sleeps for 'pause' jiffies; with pause <= 0 it does not sleep.
 */
static __always_inline int stall_begin(struct bdi_writeback *wb, long pause)
{
	struct pending_stall st = {}, *prev;
	char name[16] = {};
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct backing_dev_info *bdi;

	if (pause <= 0)		/* nothing planned: not a throttling sleep */
		return 0;
	if (task_filtered_out())
		return 0;
	bdi = BPF_CORE_READ(wb, bdi);
	bpf_probe_read_kernel_str(name, sizeof(name), &bdi->dev_name);
	st.dev = parse_devname(name);
	if (filter_dev && st.dev != filter_dev)
		return 0;
	st.tgid = id >> 32;
	st.wt = bpf_map_lookup_elem(&wt_writers, &tid) != NULL;
	get_proc(st.tgid);
	st.start_ns = bpf_ktime_get_ns();
	prev = bpf_map_lookup_elem(&stalls, &tid);
	if (prev) {
		if (prev->slept) {
			/* it slept, and its switch-in was never reported */
			stall_record(prev, inferred_sleep_ns(prev->start_ns, (struct task_struct *)bpf_get_current_task(),
							     prev->ran_ns));
		} else {
			/* woken before it switched out: that pause never slept */
			count(WT_CNT_THROTTLE_NOSLEEP);
		}
		*prev = st;
		return 0;
	}
	if (bpf_map_update_elem(&stalls, &tid, &st, BPF_NOEXIST)) {
		count(WT_DROP_STALL_FULL);
		return 0;
	}
	__sync_fetch_and_add(&stall_count, 1);
	return 0;
}

/*
 * 6.9 "writeback: pass dtc to trace_balance_dirty_pages" shrank the
 * tracepoint from 12 arguments to 8; 'pause' is second to last in both.
 * One program per layout: user space enables the one BTF describes.
 */
SEC("?raw_tp/balance_dirty_pages")
int tp_bdp_args8(__u64 *ctx)
{
	return stall_begin((void *)ctx[0], (long)ctx[6]);
}

SEC("?raw_tp/balance_dirty_pages")
int tp_bdp_args12(__u64 *ctx)
{
	return stall_begin((void *)ctx[0], (long)ctx[10]);
}

/* ---- dirty-accounting drift ------------------------------------------------
 * A folio dirtied with accounting must be cleaned with accounting
 * (folio_clear_dirty_for_io, folio_account_cleaned). One that starts
 * writeback clean without either was cleaned behind the counters' back:
 * RFC v1's writethrough does that, and nr_dirty grows by its pages for good.
 */
SEC("?raw_tp/writeback_dirty_folio")
int BPF_PROG(tp_dirty_folio, struct folio *folio, struct address_space *mapping)
{
	struct wt_mapping_stats *s;
	struct dirty_folio df = {};
	struct inode *inode;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 key = (__u64)folio;

	if (!mapping)
		return 0;
	inode = BPF_CORE_READ(mapping, host);
	if (!inode)
		return 0;
	mapping_key_of(inode, &df.key);
	s = find_mapping(&df.key);
	/* only files that use writethrough: every dirtied page would be too many */
	if (!(s && (s->wt_begun || s->wt_ended || s->wt_write_calls)) &&
	    !bpf_map_lookup_elem(&wt_writers, &tid))
		return 0;
	df.nr = folio_pages(folio);
	if (bpf_map_update_elem(&dirty_folios, &key, &df, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&dirty_folios, &key))
			count(WT_DROP_DIRTY_FULL);
		return 0;
	}
	__sync_fetch_and_add(&dirty_count, 1);
	count(WT_CNT_DIRTY_TRACKED);
	if (s)
		__sync_fetch_and_add(&s->dirty_tracked, 1);
	return 0;
}

static __always_inline void forget_dirty(__u64 key)
{
	bpf_map_delete_elem(&dirty_folios, &key);
	__sync_fetch_and_add(&dirty_count, -1);
}

/* The folio's dirty state is leaving through the accounted door. */
static __always_inline int dirty_accounted(struct folio *folio)
{
	struct wt_mapping_stats *s;
	struct dirty_folio *df;
	__u64 key = (__u64)folio;

	if (!dirty_count)
		return 0;
	df = bpf_map_lookup_elem(&dirty_folios, &key);
	if (!df || !folio_dirty(folio))
		return 0;
	s = find_mapping(&df->key);
	if (s)
		__sync_fetch_and_add(&s->dirty_accounted, 1);
	count(WT_CNT_DIRTY_ACCOUNTED);
	forget_dirty(key);
	return 0;
}

SEC("?fentry/folio_clear_dirty_for_io")
int BPF_PROG(fentry_clear_dirty, struct folio *folio)
{
	return dirty_accounted(folio);
}

SEC("?kprobe/folio_clear_dirty_for_io")
int BPF_KPROBE(kprobe_clear_dirty, struct folio *folio)
{
	return dirty_accounted(folio);
}

SEC("?fentry/folio_account_cleaned")
int BPF_PROG(fentry_account_cleaned, struct folio *folio)
{
	return dirty_accounted(folio);
}

SEC("?kprobe/folio_account_cleaned")
int BPF_KPROBE(kprobe_account_cleaned, struct folio *folio)
{
	return dirty_accounted(folio);
}

static __always_inline int writeback_start(struct folio *folio)
{
	struct wt_mapping_stats *s;
	struct wt_dev_stats *d;
	struct wt_totals *t;
	struct dirty_folio *df;
	__u64 key = (__u64)folio;

	if (!dirty_count)
		return 0;
	df = bpf_map_lookup_elem(&dirty_folios, &key);
	if (!df || folio_dirty(folio))
		return 0;	/* untracked, or still dirty (a partial writethrough) */
	count(WT_ANOM_DIRTY_DRIFT);
	s = find_mapping(&df->key);
	if (s)
		__sync_fetch_and_add(&s->drift_pages, df->nr);
	d = bpf_map_lookup_elem(&devs, &df->key.dev);
	if (d)
		__sync_fetch_and_add(&d->drift_pages, df->nr);
	t = get_totals();
	if (t)
		__sync_fetch_and_add(&t->drift_pages, df->nr);
	forget_dirty(key);
	return 0;
}

SEC("?fentry/__folio_start_writeback")
int BPF_PROG(fentry_wb_start, struct folio *folio)
{
	return writeback_start(folio);
}

SEC("?kprobe/__folio_start_writeback")
int BPF_KPROBE(kprobe_wb_start, struct folio *folio)
{
	return writeback_start(folio);
}

/* ---- writethrough begin / end ----------------------------------------- */

static __always_inline int wt_begin(struct inode *inode)
{
	struct address_space *mapping = BPF_CORE_READ(inode, i_mapping);
	struct wt_mapping_key key;
	struct wt_mapping_stats *s;
	struct wt_totals *t;
	__s64 in;

	count(WT_CNT_WT_BEGIN);
	t = get_totals();
	if (t) {
		__sync_fetch_and_add(&t->wt_begun, 1);
		in = __sync_add_and_fetch(&t->inflight, 1);
		max_update(&t->inflight_max, in);
	}
	mapping_key_of(inode, &key);
	if (key_filtered_out(&key))
		return 0;
	s = get_mapping(inode, &key);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->wt_begun, 1);
	in = __sync_add_and_fetch(&s->inflight, 1);
	max_update(&s->inflight_max, in);
	s->kernel_wt_count = read_wt_count(mapping);
	s->last_seen_ns = bpf_ktime_get_ns();
	/* begin sets stable mode before counting: after this call it is stable */
	observe_stable(s, true, s->last_seen_ns, true);
	return 0;
}

/*
 * Runs after the end has happened (fexit, kretprobe or the completion
 * neighbour's return), so the stable bit read here is the new state.
 */
static __always_inline int wt_end(struct inode *inode)
{
	struct address_space *mapping = BPF_CORE_READ(inode, i_mapping);
	struct wt_mapping_key key;
	struct wt_mapping_stats *s;
	struct wt_totals *t;
	bool stable;
	long kc;
	__s64 in;

	count(WT_CNT_WT_END);
	t = get_totals();
	if (t) {
		__sync_fetch_and_add(&t->wt_ended, 1);
		in = __sync_add_and_fetch(&t->inflight, -1);
		if (in < 0 && !begin_exact)
			__sync_fetch_and_add(&t->inflight, 1);	/* began before we attached */
	}
	mapping_key_of(inode, &key);
	if (key_filtered_out(&key))
		return 0;
	s = get_mapping(inode, &key);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->wt_ended, 1);
	in = __sync_add_and_fetch(&s->inflight, -1);
	if (in < 0) {
		if (begin_exact)
			count(WT_ANOM_END_WITHOUT_BEGIN);
		__sync_fetch_and_add(&s->inflight, 1);
	}
	kc = read_wt_count(mapping);
	s->kernel_wt_count = kc;
	if (have_wt_count() && kc < 0)
		count(WT_ANOM_INFLIGHT_NEGATIVE);
	if (!begin_exact) {
		/* Without a begin hook, begins are known only from completions and
		 * the kernel's own in-flight count: exact whenever it is quiet. */
		__u64 derived = s->wt_ended + (kc > 0 ? kc : 0);

		if (derived > s->wt_begun)
			s->wt_begun = derived;	/* totals: summed in user space */
	}
	s->last_seen_ns = bpf_ktime_get_ns();
	stable = mapping_is_stable(mapping);
	/*
	 * The invariants are judged on the kernel's own count only: ours runs
	 * beside it and races concurrent begins and ends. Begin sets the bit
	 * before counting and end counts down before clearing, so a state
	 * seen twice, count and bit in both orders, is no race.
	 */
	if (have_wt_count()) {
		long kc2 = read_wt_count(mapping);
		bool stable2 = mapping_is_stable(mapping);

		if (!stable && !stable2 && kc > 0 && kc2 > 0)
			count(WT_ANOM_STABLE_CLEARED_INFLIGHT);
		if (stable && stable2 && kc == 0 && kc2 == 0 && !sb_requires_stable(mapping))
			count(WT_ANOM_STABLE_LEAKED);
	}
	observe_stable(s, stable, s->last_seen_ns, true);
	return 0;
}

SEC("?fentry/inode_writethrough_begin")
int BPF_PROG(fentry_wt_begin, struct inode *inode)
{
	return wt_begin(inode);
}

SEC("?kprobe/inode_writethrough_begin")
int BPF_KPROBE(kprobe_wt_begin, struct inode *inode)
{
	return wt_begin(inode);
}

SEC("?fexit/inode_writethrough_end")
int BPF_PROG(fexit_wt_end, struct inode *inode)
{
	return wt_end(inode);
}

static __always_inline void save_arg(void *arg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 v = (__u64)arg;

	bpf_map_update_elem(&entry_args, &tid, &v, BPF_ANY);
}

static __always_inline void *take_arg(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *v = bpf_map_lookup_elem(&entry_args, &tid);
	void *arg;

	if (!v)
		return NULL;
	arg = (void *)*v;
	bpf_map_delete_elem(&entry_args, &tid);
	return arg;
}

SEC("?kprobe/inode_writethrough_end")
int BPF_KPROBE(kprobe_wt_end, struct inode *inode)
{
	save_arg(inode);
	return 0;
}

SEC("?kretprobe/inode_writethrough_end")
int BPF_KRETPROBE(kretprobe_wt_end)
{
	struct inode *inode = take_arg();

	return inode ? wt_end(inode) : 0;
}

/*
 * Neighbour for wt_end when the named function cannot be probed (RFC v1:
 * notrace): iomap_dio_complete() of a direct I/O carrying the writethrough
 * flag calls inode_writethrough_end() on the file's inode.
 */
static __always_inline struct inode *dio_wt_inode(struct iomap_dio *dio)
{
	if (!(BPF_CORE_READ(dio, flags) & dio_wt_flag))
		return NULL;
	return BPF_CORE_READ(dio, iocb, ki_filp, f_inode);
}

SEC("?fexit/iomap_dio_complete")
int BPF_PROG(fexit_dio_complete, struct iomap_dio *dio)
{
	struct inode *inode = dio_wt_inode(dio);

	return inode ? wt_end(inode) : 0;
}

SEC("?kprobe/iomap_dio_complete")
int BPF_KPROBE(kprobe_dio_complete, struct iomap_dio *dio)
{
	struct inode *inode = dio_wt_inode(dio);

	if (inode)
		save_arg(inode);
	return 0;
}

SEC("?kretprobe/iomap_dio_complete")
int BPF_KRETPROBE(kretprobe_dio_complete)
{
	struct inode *inode = take_arg();

	return inode ? wt_end(inode) : 0;
}

/* Neighbour: one call per RWF_WRITETHROUGH write request. */
static __always_inline int wt_write(struct kiocb *iocb)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	struct wt_mapping_key key;
	struct wt_mapping_stats *s;

	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 one = 1;

	count(WT_CNT_WT_WRITE_CALLS);
	bpf_map_update_elem(&wt_writers, &tid, &one, BPF_ANY);
	if (!inode)
		return 0;
	mapping_key_of(inode, &key);
	if (key_filtered_out(&key))
		return 0;
	s = get_mapping(inode, &key);
	if (s)
		__sync_fetch_and_add(&s->wt_write_calls, 1);
	return 0;
}

static __always_inline int wt_write_done(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&wt_writers, &tid);
	return 0;
}

SEC("?fentry/iomap_file_writethrough_write")
int BPF_PROG(fentry_wt_write, struct kiocb *iocb)
{
	return wt_write(iocb);
}

SEC("?fexit/iomap_file_writethrough_write")
int BPF_PROG(fexit_wt_write)
{
	return wt_write_done();
}

SEC("?kprobe/iomap_file_writethrough_write")
int BPF_KPROBE(kprobe_wt_write, struct kiocb *iocb)
{
	return wt_write(iocb);
}

SEC("?kretprobe/iomap_file_writethrough_write")
int BPF_KRETPROBE(kretprobe_wt_write)
{
	return wt_write_done();
}

/* ---- stable mode set / clear, where a kernel exposes them ------------- */

static __always_inline int stable_change(struct address_space *mapping, bool set)
{
	struct inode *inode = BPF_CORE_READ(mapping, host);
	struct wt_mapping_key key;
	struct wt_mapping_stats *s;
	__u64 now = bpf_ktime_get_ns();
	bool was = mapping_is_stable(mapping);

	if (!inode)
		return 0;
	mapping_key_of(inode, &key);
	if (key_filtered_out(&key))
		return 0;
	s = get_mapping(inode, &key);
	if (!s)
		return 0;
	if (set && !was) {
		count(WT_CNT_STABLE_SET);
		__sync_fetch_and_add(&s->stable_sets, 1);
		if (!s->stable_since_ns)
			s->stable_since_ns = now;
	} else if (!set && was) {
		count(WT_CNT_STABLE_CLEAR);
		__sync_fetch_and_add(&s->stable_clears, 1);
		if (s->stable_since_ns) {
			__sync_fetch_and_add(&s->stable_ns, now - s->stable_since_ns);
			s->stable_since_ns = 0;
		}
		if (read_wt_count(mapping) > 0)
			count(WT_ANOM_STABLE_CLEARED_INFLIGHT);
	}
	return 0;
}

SEC("?fentry/mapping_set_stable_writes")
int BPF_PROG(fentry_stable_set, struct address_space *mapping)
{
	return stable_change(mapping, true);
}

SEC("?kprobe/mapping_set_stable_writes")
int BPF_KPROBE(kprobe_stable_set, struct address_space *mapping)
{
	return stable_change(mapping, true);
}

SEC("?fentry/mapping_clear_stable_writes")
int BPF_PROG(fentry_stable_clear, struct address_space *mapping)
{
	return stable_change(mapping, false);
}

SEC("?kprobe/mapping_clear_stable_writes")
int BPF_KPROBE(kprobe_stable_clear, struct address_space *mapping)
{
	return stable_change(mapping, false);
}
