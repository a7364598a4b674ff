#!/usr/bin/env bash
# build-initramfs.sh: the VM's initramfs, in two uncompressed cpio archives
# that are concatenated at boot time (uncompressed unpacks faster under TCG).
#
#   build-initramfs.sh base KERNEL_ENV OUT.cpio
#       busybox-static (+ applet links), /init (tests/vm/init), the kernel
#       modules the tests need with their dependencies (from modules.dep) and
#       a depmod over them, and host mkfs.ext4/mkfs.xfs with their shared
#       libraries. KERNEL_ENV is the env file written by fetch-kernel.sh.
#       Cached: OUT is rebuilt only when an input changed.
#   build-initramfs.sh payload DIR OUT.cpio
#       the contents of DIR, as they are, at the root of the VM (for example
#       DIR/bin/wtstat -> /bin/wtstat, DIR/payload/run.sh -> /payload/run.sh).
#
# Boot with: cat base.cpio payload.cpio > initrd.cpio
set -euo pipefail

die() { echo "build-initramfs: error: $*" >&2; exit 1; }
log() { echo "build-initramfs: $*" >&2; }
HERE=$(cd "$(dirname "$0")" && pwd)
export PATH=$PATH:/usr/sbin:/sbin

# Kernel modules for the tests (loaded on demand by the cases). crc32c is a
# softdep of ext4/jbd2/libcrc32c that busybox modprobe does not follow; it
# is only taken when present (since 6.14 crc32c is library code, not a
# crypto module, and these names are gone).
MODULES="loop brd ext4 xfs dm-mod dm-delay"
OPT_MODULES="crc32c_generic crc32c-intel"
# Host programs copied in with their shared libraries when present.
HOST_PROGS="mke2fs mkfs.xfs dmsetup"

mkcpio() { # DIR OUT
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$2.tmp" ||
		die "cpio failed for $1"
	mv "$2.tmp" "$2"
}

copy_with_libs() { # PROG ROOT -> prints the path used in ROOT
	local prog=$1 root=$2 path lib
	path=$(command -v "$prog" 2>/dev/null || true)
	[ -n "$path" ] || return 1
	path=$(readlink -f "$path")
	install -D -m 0755 "$path" "$root/usr/sbin/$(basename "$prog")"
	for lib in $(ldd "$path" 2>/dev/null | grep -oE '/[^ ]+' || true); do
		[ -f "$lib" ] || continue
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
	return 0
}

base() {
	# shellcheck disable=SC2034  # set by the env file
	local envf=$1 out=$2 KVER KDIR MODDIR VMLINUX BUSYBOX
	[ -f "$envf" ] || die "no kernel env file $envf (run fetch-kernel.sh first)"
	# shellcheck disable=SC1090
	. "$envf"
	[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX"
	[ -f "$MODDIR/modules.dep" ] || die "no modules.dep in $MODDIR"
	command -v cpio >/dev/null || die "missing host tool: cpio"

	# resolve module files and their dependencies
	local m f files=() deps=()
	for m in $MODULES $OPT_MODULES; do
		local pat=${m//[-_]/[-_]}
		f=$(grep -oE "^([^:]*/)?$pat\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n1 | tr -d : || true)
		if [ -z "$f" ]; then
			[[ " $OPT_MODULES " == *" $m "* ]] && continue
			die "module $m not found in $MODDIR/modules.dep"
		fi
		read -ra deps < <(grep -E "^$f:" "$MODDIR/modules.dep" | cut -d: -f2)
		files+=("$f" "${deps[@]}")
	done
	mapfile -t files < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort -u)

	# cache key: every input of the archive
	local key
	key=$( {
		echo "$KVER $MODULES $OPT_MODULES $HOST_PROGS"
		sha256sum "$HERE/init" "$0" "$BUSYBOX" | cut -d' ' -f1
		for f in "${files[@]}"; do echo "$f"; done
		for m in $HOST_PROGS; do p=$(command -v "$m" || true); [ -z "$p" ] || ls -lL "$p"; done
	} | sha256sum | cut -d' ' -f1)
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		log "cached: $out"
		return 0
	fi

	local root
	root=$(mktemp -d "${out}.root.XXXXXX")
	trap 'rm -rf "$root"' RETURN
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,mnt,root,lib/modules/"$KVER"}
	install -m 0755 "$BUSYBOX" "$root/bin/busybox"
	local a
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	install -m 0755 "$HERE/init" "$root/init"

	# modules (decompressed if the kernel ships them compressed), then depmod
	for f in "${files[@]}"; do
		local src=$MODDIR/$f dst=$root/lib/modules/$KVER/$f
		mkdir -p "$(dirname "$dst")"
		case "$f" in
		*.ko) cp "$src" "$dst" ;;
		*.ko.xz) xz -dc "$src" > "${dst%.xz}" ;;
		*.ko.zst) zstd -dcq "$src" > "${dst%.zst}" ;;
		*.ko.gz) gzip -dc "$src" > "${dst%.gz}" ;;
		*) die "unknown module file type: $f" ;;
		esac
	done
	cp "$MODDIR"/modules.builtin "$MODDIR"/modules.order "$root/lib/modules/$KVER/" 2>/dev/null || true
	cp "$MODDIR"/modules.builtin.modinfo "$root/lib/modules/$KVER/" 2>/dev/null || true
	if command -v depmod >/dev/null; then
		depmod -b "$root" "$KVER" || die "depmod failed"
	else
		"$BUSYBOX" depmod -b "$root" "$KVER" || die "busybox depmod failed"
	fi

	# host mkfs tools with their libraries (busybox has no mkfs.ext4/xfs)
	for m in $HOST_PROGS; do
		if copy_with_libs "$m" "$root"; then :; else log "note: $m not on this host; not in the VM"; fi
	done
	[ ! -x "$root/usr/sbin/mke2fs" ] || {
		ln -s mke2fs "$root/usr/sbin/mkfs.ext4"
		[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$root/etc/"
	}
	echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
	echo "root:x:0:" > "$root/etc/group"

	mkcpio "$root" "$out"
	echo "$key" > "$out.key"
	log "base: $out ($(du -h "$out" | cut -f1), ${#files[@]} modules)"
}

payload() {
	local dir=$1 out=$2
	[ -d "$dir" ] || die "no payload directory $dir"
	mkcpio "$dir" "$out"
}

[ $# -ge 1 ] || die "usage: $0 base KERNEL_ENV OUT.cpio | payload DIR OUT.cpio"
cmd=$1; shift
case "$cmd" in
base) [ $# -eq 2 ] || die "usage: $0 base KERNEL_ENV OUT.cpio"; base "$@" ;;
payload) [ $# -eq 2 ] || die "usage: $0 payload DIR OUT.cpio"; payload "$@" ;;
*) die "unknown command '$cmd' (base or payload)" ;;
esac
