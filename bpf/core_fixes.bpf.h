/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * CO-RE flavours: one helper per kernel difference, each naming the change
 * that made it necessary. vmlinux/vmlinux.h is generated from a 6.18 kernel;
 * everything older or newer is reached through the flavours below.
 */
#ifndef WTSTAT_CORE_FIXES_BPF_H
#define WTSTAT_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * RFC "iomap: buffered RWF_WRITETHROUGH" v1 (2026-03) adds
 * atomic_t i_wt_count to struct address_space. No released kernel has it.
 */
struct address_space___wt {
	atomic_t i_wt_count;
} __attribute__((preserve_access_index));

static __always_inline bool have_wt_count(void)
{
	return bpf_core_field_exists(struct address_space___wt, i_wt_count);
}

/* Returns -1 when the field does not exist on this kernel. */
static __always_inline long read_wt_count(struct address_space *mapping)
{
	struct address_space___wt *m = (void *)mapping;
	int v = 0;

	if (!have_wt_count())
		return -1;
	bpf_core_read(&v, sizeof(v), &m->i_wt_count.counter);
	return v;
}

/*
 * 6.7 "filemap: add a per-mapping stable writes flag" (and 6.1.72 by
 * backport) moved the stable-writes test from SB_I_STABLE_WRITES in the
 * superblock to AS_STABLE_WRITES in mapping->flags. The superblock flag
 * still says whether the *device* requires stable writes on both.
 */
#define WT_SB_I_STABLE_WRITES 0x00000008	/* include/linux/fs.h, unchanged since 5.9 */

static __always_inline bool sb_requires_stable(struct address_space *mapping)
{
	unsigned long iflags = BPF_CORE_READ(mapping, host, i_sb, s_iflags);

	return iflags & WT_SB_I_STABLE_WRITES;
}

static __always_inline bool mapping_is_stable(struct address_space *mapping)
{
	unsigned long flags;

	if (bpf_core_enum_value_exists(enum mapping_flags, AS_STABLE_WRITES)) {
		flags = BPF_CORE_READ(mapping, flags);
		return flags & (1UL << bpf_core_enum_value(enum mapping_flags, AS_STABLE_WRITES));
	}
	return sb_requires_stable(mapping);
}

/* The same through a BTF pointer: plain loads (a NULL mapping reads as 0). */
static __always_inline bool mapping_is_stable_direct(struct address_space *mapping)
{
	if (bpf_core_enum_value_exists(enum mapping_flags, AS_STABLE_WRITES))
		return mapping->flags & (1UL << bpf_core_enum_value(enum mapping_flags, AS_STABLE_WRITES));
	return mapping->host->i_sb->s_iflags & WT_SB_I_STABLE_WRITES;
}

/*
 * 6.18 "mm: introduce memdesc_flags_t" wrapped folio->flags, until then an
 * unsigned long, in a struct. CO-RE will not relocate one as the other, so
 * each layout has its flavour. PG_* values moved when page flags were
 * reordered (PG_writeback: 15 on 6.1, 1 on 6.18): read them from BTF.
 */
struct folio___flags_long {
	unsigned long flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long folio_flags(struct folio *folio)
{
	unsigned long flags = 0;

	if (bpf_core_field_exists(struct folio___flags_long, flags))
		bpf_core_read(&flags, sizeof(flags), &((struct folio___flags_long *)folio)->flags);
	else
		bpf_core_read(&flags, sizeof(flags), &folio->flags.f);
	return flags;
}

static __always_inline unsigned long pg_writeback_mask(void)
{
	return 1UL << bpf_core_enum_value(enum pageflags, PG_writeback);
}

static __always_inline bool folio_under_writeback(struct folio *folio)
{
	return folio_flags(folio) & pg_writeback_mask();
}

/*
 * The flags are the first word of a folio in every layout (they overlay
 * page->flags), so the two readers below need no flavour. Choosing between
 * flavoured offsets in the same expression invites the compiler to compute
 * both, and the one a kernel lacks is a poisoned instruction.
 */

/* Through a BTF pointer (fentry/fexit arguments): a plain load, no helper call. */
static __always_inline unsigned long folio_flags_direct(struct folio *folio)
{
	return *(unsigned long *)folio;
}

/*
 * folio->flags and folio->mapping with one helper call (a kprobe's folio
 * is a plain address): both lie in the folio's first 32 bytes on every
 * layout; should the mapping not, each is read on its own.
 */
static __always_inline void folio_flags_mapping(struct folio *folio, unsigned long *flags,
						unsigned long *mapping)
{
	__u32 moff = bpf_core_field_offset(struct folio, mapping);
	__u64 head[4] = {};

	if (moff % 8 || moff >= sizeof(head)) {
		*flags = folio_flags(folio);
		*mapping = (unsigned long)BPF_CORE_READ(folio, mapping);
		return;
	}
	bpf_probe_read_kernel(head, sizeof(head), folio);
	*flags = head[0];
	*mapping = head[moff / 8];
}

/*
 * 6.9 "mm: rename _folio_nr_pages to _nr_pages" (the field of a large
 * folio's first tail page that struct folio overlays).
 */
struct folio___nr_new {
	unsigned int _nr_pages;
} __attribute__((preserve_access_index));

struct folio___nr_old {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

static __always_inline unsigned int folio_pages(struct folio *folio)
{
	unsigned int nr = 1;

	if (!(folio_flags(folio) & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 1;
	if (bpf_core_field_exists(struct folio___nr_new, _nr_pages))
		bpf_core_read(&nr, sizeof(nr), &((struct folio___nr_new *)folio)->_nr_pages);
	else if (bpf_core_field_exists(struct folio___nr_old, _folio_nr_pages))
		bpf_core_read(&nr, sizeof(nr), &((struct folio___nr_old *)folio)->_folio_nr_pages);
	return nr ? nr : 1;
}

static __always_inline bool folio_dirty(struct folio *folio)
{
	return folio_flags(folio) & (1UL << bpf_core_enum_value(enum pageflags, PG_dirty));
}

/*
 * 3.19 "dcache: move d_alias into d_u" put the inode alias list node in the
 * d_u union; later kernels (Debian's 7.2 has it) made that union anonymous,
 * so the field is plain d_alias again. This walks inode->i_dentry to its
 * first alias.
 */
struct dentry___alias_anon {
	struct hlist_node d_alias;
} __attribute__((preserve_access_index));

static __always_inline struct dentry *inode_first_dentry(struct inode *inode)
{
	struct hlist_node *first = BPF_CORE_READ(inode, i_dentry.first);
	unsigned long off;

	if (!first)
		return NULL;
	if (bpf_core_field_exists(struct dentry___alias_anon, d_alias))
		off = bpf_core_field_offset(struct dentry___alias_anon, d_alias);
	else
		off = bpf_core_field_offset(struct dentry, d_u.d_alias);
	return (void *)first - off;
}

#endif /* WTSTAT_CORE_FIXES_BPF_H */
