#!/usr/bin/env bash
# fetch-kernel.sh WORKDIR [SUITE]
#
# Downloads Debian's current amd64 kernel (image, headers, -common headers,
# kbuild) and busybox-static with apt-get download, unpacks them with dpkg -x
# and extracts an ELF vmlinux from the vmlinuz (bootable directly by qemu as
# PVH, and the BTF base for module BTF). Prints the kernel release (KVER) on
# stdout; progress goes to stderr.
#
# The version is resolved at run time from apt-cache (old versions vanish
# from the mirror, so it is never hard-coded). SUITE selects a release from
# the configured apt sources (e.g. bookworm, bookworm-security,
# bookworm-backports); without it apt's candidate is used. The suite's
# linux-kbuild programs must run on this host (same or older glibc): a
# bookworm host can build for bookworm-backports kernels, not for trixie's.
# When a download fails (offline) and an earlier kernel is complete in
# WORKDIR, that one is used, with a warning.
#
# Layout (idempotent; nothing is downloaded twice):
#   WORKDIR/cache/*.deb                     downloaded packages
#   WORKDIR/busybox/bin/busybox             static busybox
#   WORKDIR/kernel-KVER/root/               dpkg -x of image+headers+kbuild
#   WORKDIR/kernel-KVER/vmlinux             ELF kernel (PVH-bootable, has .BTF)
#   WORKDIR/kernel-KVER/env                 shell-sourceable KVER KDIR MODDIR VMLINUX BUSYBOX
set -euo pipefail

die() { echo "fetch-kernel: error: $*" >&2; exit 1; }
log() { echo "fetch-kernel: $*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 WORKDIR [SUITE]"
WORKDIR=$1
SUITE=${2:-}
for t in apt-cache apt-get dpkg dpkg-deb xz od grep tail; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done
mkdir -p "$WORKDIR/cache"
WORKDIR=$(cd "$WORKDIR" && pwd)
CACHE=$WORKDIR/cache

# pkg/SUITE when a suite was asked for, plain pkg otherwise (busybox-static
# always comes from the default suite: backports suites do not carry it)
sel() {
	if [ -n "$SUITE" ] && [ "$1" != busybox-static ]; then echo "$1/$SUITE"; else echo "$1"; fi
}

# all "Depends:" targets of a package, one per line
deps_of() { # PKG
	apt-cache depends "$(sel "$1")" 2>/dev/null | sed -n 's/^ *Depends: \([^ ]*\).*/\1/p' ||
		die "apt-cache depends $(sel "$1") failed (suite not in the apt sources? run apt-get update)"
}

# ---- resolve versions ------------------------------------------------------
IMG_PKG=$(deps_of linux-image-amd64 | grep -m1 '^linux-image-' || true)
[ -n "$IMG_PKG" ] || die "cannot resolve the kernel behind linux-image-amd64${SUITE:+/$SUITE}${SUITE:+ (is $SUITE in the apt sources, and apt-get update done?)}"
KVER=${IMG_PKG#linux-image-}
HDR_PKG=linux-headers-$KVER
HDR_DEPS=$(deps_of "$HDR_PKG")
COMMON_PKG=$(echo "$HDR_DEPS" | grep -m1 '^linux-headers-' || true)
KBUILD_PKG=$(echo "$HDR_DEPS" | grep -m1 '^linux-kbuild-' || true)
[ -n "$COMMON_PKG" ] && [ -n "$KBUILD_PKG" ] ||
	die "cannot resolve the -common headers / kbuild packages of $HDR_PKG"
log "kernel $KVER (packages: $IMG_PKG $HDR_PKG $COMMON_PKG $KBUILD_PKG busybox-static)"

# ---- download (skip what is cached) ----------------------------------------
PKGS=("$IMG_PKG" "$HDR_PKG" "$COMMON_PKG" "$KBUILD_PKG" busybox-static)
# one apt-cache call for all candidate versions (each call costs ~1 s)
SELS=()
for p in "${PKGS[@]}"; do SELS+=("$(sel "$p")"); done
VERS=$(apt-cache show --no-all-versions "${SELS[@]}" 2>/dev/null |
	awk '/^Package: /{p=$2} /^Version: /{print p, $2}') ||
	die "apt-cache show ${SELS[*]} failed"
cached_deb() { # PKG -> path of the cached .deb of the version apt picks
	local ver f
	ver=$(echo "$VERS" | awk -v p="$1" '$1==p{print $2; exit}')
	[ -n "$ver" ] || die "apt-cache gives no version for $(sel "$1")"
	ver=${ver//:/%3a}
	for f in "$CACHE/${1}_${ver}_"*.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
DEBS=()
for p in "${PKGS[@]}"; do
	if ! f=$(cached_deb "$p"); then
		log "downloading $(sel "$p")"
		if ! (cd "$CACHE" && apt-get -o APT::Sandbox::User=root download -q=2 "$(sel "$p")" >&2); then
			# offline, or the mirror moved on: fall back to a complete earlier kernel
			old=$(ls -td "$WORKDIR"/kernel-*/ 2>/dev/null | while read -r d; do
				[ -f "$d/.done" ] && [ -f "$d/env" ] && { basename "$d"; break; }; done || true)
			[ -n "$old" ] || die "apt-get download $(sel "$p") failed and nothing is cached"
			log "warning: apt-get download $(sel "$p") failed; using the cached ${old#kernel-}"
			echo "${old#kernel-}"
			exit 0
		fi
		f=$(cached_deb "$p") || die "downloaded $p but cannot find its .deb in $CACHE"
	fi
	DEBS+=("$f")
done

# ---- busybox ---------------------------------------------------------------
BB_DIR=$WORKDIR/busybox
BB_DEB=${DEBS[4]}
if [ ! -x "$BB_DIR/bin/busybox" ] || [ "$(cat "$BB_DIR/.deb" 2>/dev/null)" != "$(basename "$BB_DEB")" ]; then
	rm -rf "$BB_DIR" && mkdir -p "$BB_DIR"
	dpkg -x "$BB_DEB" "$BB_DIR"
	[ -x "$BB_DIR/bin/busybox" ] || die "busybox-static has no bin/busybox"
	basename "$BB_DEB" > "$BB_DIR/.deb"
fi

# ---- kernel ----------------------------------------------------------------
KD=$WORKDIR/kernel-$KVER
ROOT=$KD/root
STAMP=$KD/.done
want=$(for d in "${DEBS[@]:0:4}"; do basename "$d"; done)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$KD/env" ]; then
	log "cached: $KD"
	echo "$KVER"
	exit 0
fi
rm -rf "$KD"
mkdir -p "$ROOT"
for d in "${DEBS[@]:0:4}"; do
	log "unpacking $(basename "$d")"
	dpkg -x "$d" "$ROOT"
done

VMLINUZ=$ROOT/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no boot/vmlinuz-$KVER in $IMG_PKG"
KDIR=$ROOT/usr/src/linux-headers-$KVER
[ -f "$KDIR/Makefile" ] || die "no headers Makefile at $KDIR"
MODDIR=$ROOT/lib/modules/$KVER
[ -d "$MODDIR/kernel" ] || die "no modules in $MODDIR"
# the package ships no modules.dep (its postinst runs depmod): make one
if command -v depmod >/dev/null; then
	depmod -b "$ROOT" "$KVER" || die "depmod -b $ROOT $KVER failed"
else
	"$BB_DIR/bin/busybox" depmod -b "$ROOT" "$KVER" || die "busybox depmod failed"
fi
[ -f "$MODDIR/modules.dep" ] || die "depmod made no modules.dep in $MODDIR"

# ---- vmlinux from vmlinuz (the scripts/extract-vmlinux method) --------------
is_elf() { [ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ]; }
try_decomp() { # MAGIC-REGEX DECOMPRESSOR...
	local magic=$1 off
	shift
	command -v "$1" >/dev/null || return 1
	for off in $(LC_ALL=C grep -obUaP "$magic" "$VMLINUZ" | cut -d: -f1); do
		tail -c "+$((off + 1))" "$VMLINUZ" | "$@" > "$KD/vmlinux.tmp" 2>/dev/null || true
		if is_elf "$KD/vmlinux.tmp"; then
			mv "$KD/vmlinux.tmp" "$KD/vmlinux"
			log "vmlinux: $1 stream at byte $off"
			return 0
		fi
	done
	rm -f "$KD/vmlinux.tmp"
	return 1
}
try_decomp '\xFD7zXZ\x00' xz -dc --single-stream ||
	try_decomp '\x1F\x8B\x08' gzip -dc ||
	try_decomp '\x28\xB5\x2F\xFD' zstd -dcq ||
	try_decomp 'BZh' bzip2 -dc ||
	try_decomp '\x5D\x00\x00\x00' xz -dc --format=lzma ||
	die "no decompressible ELF kernel found in $VMLINUZ"

# ---- headers: make them usable from where they are --------------------------
# The arch headers' Makefile includes the -common tree by an absolute
# /usr/src path; point it at the unpacked copy.
sed -i -E "s@(^|[[:space:]=])/usr/src/@\1$ROOT/usr/src/@g" "$KDIR/Makefile"
grep -q "$ROOT/usr/src/" "$KDIR/Makefile" || log "note: headers Makefile had no /usr/src path to fix"
for l in "$KDIR"/scripts "$KDIR"/tools; do
	[ ! -L "$l" ] || [ -e "$l" ] || die "dangling link $l -> $(readlink "$l") (kbuild package layout changed?)"
done
# module BTF needs vmlinux next to the headers (scripts/Makefile.modfinal)
ln -f "$KD/vmlinux" "$KDIR/vmlinux" 2>/dev/null || cp "$KD/vmlinux" "$KDIR/vmlinux"

cat > "$KD/env" <<ENV
KVER='$KVER'
KDIR='$KDIR'
MODDIR='$MODDIR'
VMLINUX='$KD/vmlinux'
BUSYBOX='$BB_DIR/bin/busybox'
ENV
echo "$want" > "$STAMP"
log "ready: $KD"
echo "$KVER"
