#!/bin/bash
# pick-accel.sh — print `kvm` when this machine's /dev/kvm can run the test guest, else `tcg`
# (QEMU's software emulation: always works, ~15x slower for CPU-bound guest code). The reason goes
# to stderr. A KVM that passes the cheap checks is proven by booting the guest once with it
# (`run.sh --accel kvm -- true`); the verdict is cached per host boot in $BIOPATH_NVME_VM_DIR.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
D=${BIOPATH_NVME_VM_DIR:-/tmp/biopath-nvme-vm}
verdict() { echo "accel=$1 ($2)" >&2; echo "$1"; exit 0; }
[ -e /dev/kvm ] || verdict tcg "no /dev/kvm"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || verdict tcg "/dev/kvm is not accessible"
[ -d /sys/module/kvm_pvm ] && verdict tcg "/dev/kvm is PVM (kvm_pvm), which cannot run a normal Linux guest kernel"
grep -qwE 'vmx|svm' /proc/cpuinfo || verdict tcg "the CPU exposes no vmx/svm, so /dev/kvm cannot run a hardware-virtualised guest"
CACHE="$D/accel.$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)"
if [ -s "$CACHE" ]; then read -r a why < "$CACHE"; verdict "$a" "$why (cached)"; fi
mkdir -p "$D"
if "$HERE/run.sh" --no-setup --accel kvm --timeout 90 --mem 512 -- true >/dev/null 2>&1; then
	echo "kvm a probe guest booted and ran under KVM" > "$CACHE"
else
	echo "tcg a probe guest failed to run under KVM" > "$CACHE"
fi
read -r a why < "$CACHE"
verdict "$a" "$why"
