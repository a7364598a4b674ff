#!/bin/sh
# Installs the Debian packages wtstat builds and tests with, if any is missing.
set -eu
pkgs="make gcc clang-19 llvm-19 libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev
libjson-c-dev libcmocka-dev pkg-config xfsprogs e2fsprogs util-linux bpftrace jq libxml2-utils
qemu-system-x86 busybox-static pahole kmod cpio xz-utils dmsetup
libclang-rt-19-dev
prometheus prometheus-node-exporter curl"
pkgs="$pkgs libcap-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install packages:$missing (run with sudo)" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
