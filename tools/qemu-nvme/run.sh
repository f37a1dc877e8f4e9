#!/bin/bash
# run.sh [options] -- COMMAND [ARGS...]
#
# Boot a throw-away QEMU guest with an emulated NVMe controller (/dev/nvme0, /dev/nvme0n1,
# /dev/ng0n1 on a fresh zeroed image) and run COMMAND inside it, in a chroot of the host's root
# (shared read-only over virtio-9p), so it uses the host's node, node_modules and .node addons.
# COMMAND's output is printed here and its exit code is this script's exit code.
#
#   --share DIR     host directory shared read-write, at the same path (default: the git work tree
#                   containing the current directory, else the current directory)
#   --cwd DIR       where COMMAND starts (default: the current directory; must be under / of the host)
#   --accel A       auto (default: KVM when /dev/kvm can run a guest, else TCG) | kvm | tcg
#   --mem MIB       guest RAM (default 1024)           --smp N        vCPUs (default 2)
#   --nvme-size S   NVMe image size (default 256M)     --lbs N        logical block size (512 or 4096)
#   --timeout S     wall clock limit in seconds (default 900); exit 124 when hit
#   --log FILE      keep the serial console log there (default: shown only on failure)
#   --no-setup      skip tools/qemu-nvme/setup.sh (kernel + initramfs must already exist)
# Env: BIOPATH_NVME_VM_DIR (kernel/initramfs cache, default /tmp/biopath-nvme-vm), QEMU_EXTRA.
# Exit: COMMAND's status; 124 timeout; 125 the guest never reported (console tail printed).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
D=${BIOPATH_NVME_VM_DIR:-/tmp/biopath-nvme-vm}
SHARE= CWD=$PWD ACCEL=auto MEM=1024 SMP=2 NVME_SIZE=256M LBS= TIMEOUT=900 LOG= SETUP=1
while [ $# -gt 0 ]; do
	case "$1" in
		--share) SHARE=$2; shift ;; --cwd) CWD=$2; shift ;; --accel) ACCEL=$2; shift ;; --mem) MEM=$2; shift ;;
		--smp) SMP=$2; shift ;; --nvme-size) NVME_SIZE=$2; shift ;; --lbs) LBS=$2; shift ;;
		--timeout) TIMEOUT=$2; shift ;; --log) LOG=$2; shift ;; --no-setup) SETUP=0 ;;
		--) shift; break ;;
		*) echo "run.sh: unknown option $1 (the command goes after --)" >&2; exit 2 ;;
	esac
	shift
done
[ $# -gt 0 ] || { echo "run.sh: no command given (run.sh [options] -- COMMAND)" >&2; exit 2; }
[ -n "$SHARE" ] || SHARE=$(git -C "$CWD" rev-parse --show-toplevel 2>/dev/null || echo "$CWD")
SHARE=$(realpath "$SHARE")
CWD=$(realpath "$CWD")
if [ "$SETUP" = 1 ]; then "$HERE/setup.sh" >&2 || { echo "run.sh: setup failed" >&2; exit 125; }; fi
[ -s "$D/vmlinux" ] && [ -s "$D/initramfs.cpio.gz" ] || { echo "run.sh: no kernel/initramfs in $D (run setup.sh)" >&2; exit 125; }

if [ -d "$SHARE/.ci" ]; then mkdir -p "$SHARE/.ci/out"; RUN=$(mktemp -d "$SHARE/.ci/out/nvme-vm-run.XXXXXX")
else RUN=$(mktemp -d "$SHARE/.nvme-vm-run.XXXXXX"); fi
IMG=$(mktemp "${TMPDIR:-/tmp}/biopath-nvme.XXXXXX.img")
CON=${LOG:-$RUN/console.log}
cleanup() { rm -rf "$RUN" "$IMG"; }
trap cleanup EXIT
printf '%q ' "$@" > "$RUN/cmd.sh"
echo >> "$RUN/cmd.sh"
truncate -s "$NVME_SIZE" "$IMG"

# qemu_args ACCEL: the machine, with the NVMe controller on $IMG and the two 9p shares
qemu_args() {
	local cpu=max
	[ "$1" = kvm ] && cpu=host
	Q=(-accel "$1" -cpu "$cpu" -m "$MEM" -smp "$SMP" -nodefaults -nographic -no-reboot -serial stdio -net none
		-kernel "$D/vmlinux" -initrd "$D/initramfs.cpio.gz"
		-append "console=ttyS0 panic=-1 quiet biopath.share=$SHARE biopath.run=$RUN biopath.cwd=$CWD"
		-drive "file=$IMG,if=none,id=nvm,format=raw,discard=unmap"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hr"
		-virtfs "local,path=$SHARE,mount_tag=hostshare,security_model=none,id=hs")
	if [ -n "$LBS" ]; then
		Q+=(-device nvme,id=nvme0,serial=biopath -device "nvme-ns,drive=nvm,bus=nvme0,nsid=1,logical_block_size=$LBS,physical_block_size=$LBS")
	else
		Q+=(-device nvme,serial=biopath,drive=nvm)
	fi
	# shellcheck disable=SC2206
	Q+=(${QEMU_EXTRA:-})
}

# boot ACCEL LIMIT: run the guest; sets QRC (qemu/timeout status)
boot() {
	qemu_args "$1"
	timeout --foreground -k 5 "$2" qemu-system-x86_64 "${Q[@]}" < /dev/null > "$CON" 2>&1
	QRC=$?
}

if [ "$ACCEL" = auto ]; then
	ACCEL=$("$HERE/pick-accel.sh")
	[ "$ACCEL" = kvm ] || ACCEL=tcg
fi
start=$(date +%s.%N)
boot "$ACCEL" "$TIMEOUT"
wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
[ -f "$RUN/output.log" ] && cat "$RUN/output.log"
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	echo "qemu-nvme: timed out after ${TIMEOUT}s (accel=$ACCEL); console tail:" >&2
	tail -20 "$CON" >&2
	exit 124
fi
rc=$(cat "$RUN/rc" 2>/dev/null || sed -n 's/.*GUEST: exit-code=\([0-9]*\).*/\1/p' "$CON" | tail -1)
echo "qemu-nvme: guest exit=${rc:-none} qemu=$QRC accel=$ACCEL wall=${wall}s kernel=$(cat "$D/kernel-version" 2>/dev/null)" >&2
if [ -z "$rc" ]; then
	echo "qemu-nvme: the guest never reported; console tail:" >&2
	tail -30 "$CON" >&2
	exit 125
fi
exit "$rc"
