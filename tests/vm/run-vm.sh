#!/usr/bin/env bash
# run-vm.sh VMLINUX INITRD OUTDIR [TIMEOUT_S] [KERNEL-ARG...]
#
# Boots VMLINUX (an ELF kernel: qemu boots it as PVH, faster than a bzImage
# under TCG) with INITRD under qemu TCG (no KVM needed), 2 vCPUs, 2 GiB.
# The first serial port (kernel console) goes to OUTDIR/console.log, the
# second (/dev/ttyS1 in the VM: test results) to OUTDIR/results.log, with
# carriage returns stripped. Extra KERNEL-ARGs such as WT_CASE_TIMEOUT=60
# reach the VM's /init as environment variables.
#
# Exit status: 0 when the VM powered off by itself, 124 when it was killed
# after TIMEOUT_S seconds (default 300), otherwise qemu's status.
# Environment: QEMU (default qemu-system-x86_64), VM_MEM (2G), VM_SMP (2),
# VM_TCG_THREAD (single). The vCPUs take turns on one host thread: with
# thread=multi, Debian's 7.2 kernel once died of "Oops: int3" in
# ttwu_do_activate while a static key was being patched (a vCPU ran the
# breakpoint after the patch was done, which a real CPU cannot), and the
# lab lost that kernel's last cases. Single costs under a tenth more time
# here (whole lab 314 s against 292 s).
set -euo pipefail

die() { echo "run-vm: error: $*" >&2; exit 1; }
[ $# -ge 3 ] || die "usage: $0 VMLINUX INITRD OUTDIR [TIMEOUT_S] [KERNEL-ARG...]"
VMLINUX=$1 INITRD=$2 OUT=$3
TIMEOUT=${4:-300}
shift $(($# >= 4 ? 4 : 3))
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (Debian package qemu-system-x86)"
[ -f "$VMLINUX" ] || die "no kernel at $VMLINUX"
[ -f "$INITRD" ] || die "no initramfs at $INITRD"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "TIMEOUT_S must be a number of seconds, not '$TIMEOUT'"
mkdir -p "$OUT"
rm -f "$OUT/console.log" "$OUT/results.log" "$OUT/results.raw"

APPEND="console=ttyS0 panic=-1 mitigations=off nokaslr quiet tsc=reliable $*"
rc=0
# --foreground keeps qemu in the caller's process group: stopping the lab
# (Ctrl-C, or a kill of its group) stops the VM too
timeout --foreground -k 5 "$TIMEOUT" "$QEMU" \
	-accel tcg,thread="${VM_TCG_THREAD:-single}" -machine pc -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-2G}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$VMLINUX" -initrd "$INITRD" -append "$APPEND" \
	-serial stdio -serial "file:$OUT/results.raw" \
	< /dev/null > "$OUT/console.log" 2>&1 || rc=$?
[ -f "$OUT/results.raw" ] || : > "$OUT/results.raw"
tr -d '\r' < "$OUT/results.raw" > "$OUT/results.log"
rm -f "$OUT/results.raw"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "run-vm: VM killed after ${TIMEOUT}s" >&2
	exit 124
fi
exit $rc
