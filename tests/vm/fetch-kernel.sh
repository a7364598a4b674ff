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
# from the mirror, so it is never hard-coded). SUITE selects a release: one
# the machine's apt sources carry (e.g. bookworm-security,
# bookworm-backports) is used through them; any other (e.g. unstable) through
# a private apt configuration in WORKDIR/apt-SUITE (tests/vm/apt-private.sh,
# same mirror, /etc/apt untouched). Without SUITE apt's candidate is used.
# The image may be split into several packages (unstable: linux-image-KVER
# depends on linux-binary-KVER, linux-modules-KVER, linux-base-KVER, under
# /usr/lib/modules); all of them are fetched. The suite's linux-kbuild
# programs must run on this host to build modules (same or older glibc);
# that is the module build's business, not this script's.
# When a download fails (offline) and an earlier kernel of the same suite is
# complete in WORKDIR, that one is used, with a warning.
#
# Exit status: 0 ready; 3 SUITE cannot be reached (offline, or the mirror
# lacks it) and nothing of it is cached; 1 other errors.
#
# Layout (idempotent; nothing is downloaded twice):
#   WORKDIR/cache/*.deb                     downloaded packages
#   WORKDIR/apt-SUITE/                      private apt configuration and lists
#   WORKDIR/busybox/bin/busybox             static busybox
#   WORKDIR/kernel-KVER/root/               dpkg -x of image+headers+kbuild
#   WORKDIR/kernel-KVER/vmlinux             ELF kernel (PVH-bootable, has .BTF)
#   WORKDIR/kernel-KVER/env                 shell-sourceable KVER KDIR MODDIR VMLINUX BUSYBOX SUITE
set -euo pipefail

die() { echo "fetch-kernel: error: $*" >&2; exit 1; }
log() { echo "fetch-kernel: $*" >&2; }
HERE=$(cd "$(dirname "$0")" && pwd)

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 WORKDIR [SUITE]"
WORKDIR=$1
SUITE=${2:-}
for t in apt-cache apt-get dpkg dpkg-deb xz od grep tail; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done
mkdir -p "$WORKDIR/cache"
WORKDIR=$(cd "$WORKDIR" && pwd)
CACHE=$WORKDIR/cache
SUITE_TAG=${SUITE:-default}

# A complete earlier kernel of the same suite, for when apt cannot help
cached_kernel() {
	local d
	while read -r d; do
		[ -f "$d/.done" ] && [ -f "$d/env" ] || continue
		[ "$(cat "$d/suite" 2>/dev/null || echo default)" = "$SUITE_TAG" ] || continue
		basename "$d"
		return 0
	done < <(ls -td "$WORKDIR"/kernel-*/ 2>/dev/null)
	return 1
}

# ---- apt: the machine's, or a private one for a suite it does not carry -----
# KAPT: the APT_CONFIG for kernel packages (empty: the machine's apt);
# busybox-static always comes from the machine's apt.
KAPT=
if [ -n "$SUITE" ] && ! apt-cache policy 2>/dev/null | grep -qE "release .*\b[an]=$SUITE(,|$)"; then
	rc=0
	KAPT=$("$HERE/apt-private.sh" "$WORKDIR/apt-$SUITE" "$SUITE") || rc=$?
	if [ $rc -ne 0 ]; then
		if old=$(cached_kernel); then
			log "warning: $SUITE cannot be reached; using the cached ${old#kernel-}"
			echo "${old#kernel-}"
			exit 0
		fi
		[ $rc -eq 3 ] && exit 3
		die "cannot set up apt for $SUITE"
	fi
fi
# The package cache is kept on the command line: a machine's apt.conf.d (read
# after APT_CONFIG) may switch it off, and without it each apt-cache call
# re-parses the suite's lists (~2 s).
kapt() { # apt-get|apt-cache ARGS...
	if [ -n "$KAPT" ]; then APT_CONFIG=$KAPT "$1" -o Dir::Cache::pkgcache=pkgcache.bin "${@:2}"; else "$@"; fi
}

# pkg/SUITE when a suite of the machine's apt was asked for, plain pkg
# otherwise (busybox-static always comes from the default suite: backports
# suites do not carry it)
sel() {
	if [ -n "$SUITE" ] && [ -z "$KAPT" ] && [ "$1" != busybox-static ]; then echo "$1/$SUITE"; else echo "$1"; fi
}

# "PKG DEP" for each "Depends:" of the packages, in one apt-cache call
# (each costs about a second)
deps_of() { # PKG...
	local p out sels=()
	for p in "$@"; do sels+=("$(sel "$p")"); done
	out=$(kapt apt-cache depends "${sels[@]}" 2>/dev/null) ||
		die "apt-cache depends ${sels[*]} failed (suite not in the apt sources? run apt-get update)"
	echo "$out" | awk '/^[^ ]/ { p = $1 } /^ *Depends: [^<]/ { print p, $2 }'
}

# ---- resolve versions ------------------------------------------------------
IMG_PKG=$(deps_of linux-image-amd64 | awk '$2 ~ /^linux-image-/ { print $2; exit }')
[ -n "$IMG_PKG" ] || die "cannot resolve the kernel behind linux-image-amd64${SUITE:+/$SUITE}${SUITE:+ (is $SUITE in the apt sources, and apt-get update done?)}"
KVER=${IMG_PKG#linux-image-}
HDR_PKG=linux-headers-$KVER
DEPS=$(deps_of "$IMG_PKG" "$HDR_PKG")
# the image's own parts: dependencies named linux-*-KVER (none on bookworm)
mapfile -t IMG_PARTS < <(echo "$DEPS" | awk -v i="$IMG_PKG" -v s="-$KVER" '$1 == i && $2 ~ /^linux-/ &&
	length($2) > length(s) && substr($2, length($2) - length(s) + 1) == s { print $2 }')
COMMON_PKG=$(echo "$DEPS" | awk -v h="$HDR_PKG" '$1 == h && $2 ~ /^linux-headers-/ { print $2; exit }')
KBUILD_PKG=$(echo "$DEPS" | awk -v h="$HDR_PKG" '$1 == h && $2 ~ /^linux-kbuild-/ { print $2; exit }')
[ -n "$COMMON_PKG" ] && [ -n "$KBUILD_PKG" ] ||
	die "cannot resolve the -common headers / kbuild packages of $HDR_PKG"
log "kernel $KVER from ${SUITE:-the default suite} (packages: $IMG_PKG ${IMG_PARTS[*]:+${IMG_PARTS[*]} }$HDR_PKG $COMMON_PKG $KBUILD_PKG busybox-static)"

# ---- download (skip what is cached) ----------------------------------------
KPKGS=("$IMG_PKG" "${IMG_PARTS[@]}" "$HDR_PKG" "$COMMON_PKG" "$KBUILD_PKG")
# one apt-cache call per apt configuration for all candidate versions
SELS=()
for p in "${KPKGS[@]}"; do SELS+=("$(sel "$p")"); done
[ -n "$KAPT" ] || SELS+=(busybox-static)
VERS=$( { kapt apt-cache show --no-all-versions "${SELS[@]}" &&
	{ [ -z "$KAPT" ] || apt-cache show --no-all-versions busybox-static; }; } 2>/dev/null |
	awk '/^Package: /{p=$2} /^Version: /{print p, $2}') ||
	die "apt-cache show ${SELS[*]} busybox-static failed"
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
fetch_deb() { # PKG -> path of its .deb, downloaded if not cached
	local f old
	if f=$(cached_deb "$1"); then echo "$f"; return 0; fi
	log "downloading $(sel "$1")"
	if [ "$1" = busybox-static ]; then
		(cd "$CACHE" && apt-get -o APT::Sandbox::User=root download -q=2 busybox-static >&2)
	else
		(cd "$CACHE" && kapt apt-get -o APT::Sandbox::User=root download -q=2 "$(sel "$1")" >&2)
	fi || {
		# offline, or the mirror moved on: fall back to a complete earlier kernel
		old=$(cached_kernel) || die "apt-get download $(sel "$1") failed and nothing is cached"
		log "warning: apt-get download $(sel "$1") failed; using the cached ${old#kernel-}"
		echo "${old#kernel-}" >&3
		return 1
	}
	cached_deb "$1" || die "downloaded $1 but cannot find its .deb in $CACHE"
}
DEBS=()
exec 3>&1
for p in "${KPKGS[@]}" busybox-static; do
	f=$(fetch_deb "$p") || exit 0
	DEBS+=("$f")
done
BB_DEB=${DEBS[-1]}
unset 'DEBS[-1]'

# ---- busybox ---------------------------------------------------------------
BB_DIR=$WORKDIR/busybox
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
want=$(for d in "${DEBS[@]}"; do basename "$d"; done)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$KD/env" ]; then
	log "cached: $KD"
	echo "$KVER"
	exit 0
fi
rm -rf "$KD"
mkdir -p "$ROOT"
for d in "${DEBS[@]}"; do
	log "unpacking $(basename "$d")"
	dpkg -x "$d" "$ROOT"
done

# bookworm: /boot/vmlinuz-KVER and /lib/modules; later releases ship both
# under /usr/lib/modules/KVER (merged /usr)
MODDIR=
for d in "$ROOT/lib/modules/$KVER" "$ROOT/usr/lib/modules/$KVER"; do
	if [ -d "$d/kernel" ]; then MODDIR=$d; break; fi
done
[ -n "$MODDIR" ] || die "no modules in $ROOT/{,usr/}lib/modules/$KVER (packages: ${DEBS[*]##*/})"
VMLINUZ=
for f in "$ROOT/boot/vmlinuz-$KVER" "$MODDIR/vmlinuz"; do
	if [ -f "$f" ]; then VMLINUZ=$f; break; fi
done
[ -n "$VMLINUZ" ] || die "no vmlinuz in boot/ or ${MODDIR#"$ROOT"/} of ${DEBS[*]##*/}"
KDIR=$ROOT/usr/src/linux-headers-$KVER
[ -f "$KDIR/Makefile" ] || die "no headers Makefile at $KDIR"
# depmod -b looks under ROOT/lib/modules
if [ ! -e "$ROOT/lib/modules/$KVER" ]; then
	mkdir -p "$ROOT/lib/modules"
	ln -s "../../usr/lib/modules/$KVER" "$ROOT/lib/modules/$KVER"
fi
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
SUITE='$SUITE_TAG'
KDIR='$KDIR'
MODDIR='$MODDIR'
VMLINUX='$KD/vmlinux'
BUSYBOX='$BB_DIR/bin/busybox'
ENV
echo "$SUITE_TAG" > "$KD/suite"
echo "$want" > "$STAMP"
log "ready: $KD"
echo "$KVER"
