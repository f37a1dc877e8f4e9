#!/bin/bash
# setup.sh — prepare a throw-away QEMU guest with an emulated NVMe controller, for biopath's NVMe
# passthrough tests and benchmarks. Idempotent; everything lands in $BIOPATH_NVME_VM_DIR
# (default /tmp/biopath-nvme-vm):
#   vmlinux               guest kernel (uncompressed ELF: boots through PVH, ~2 s faster under TCG)
#   initramfs.cpio.gz     busybox + nvme/virtio/9p modules + biopath's /init (see build-initramfs.sh)
#   kernel-version        the Debian package the kernel came from
#
# Host packages it installs when missing (apt-get, no recommends): qemu-system-x86, busybox-static,
# binutils (objcopy), zstd, xz-utils. The guest kernel is Debian's linux-image-amd64 target,
# downloaded (never installed) from $KERNEL_SUITE (default trixie, Linux 6.12; `bookworm` = 6.1
# from the machine's own apt sources) through a private apt state dir, so the machine's apt
# configuration is left alone. If the suite cannot be reached it falls back to bookworm.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
D=${BIOPATH_NVME_VM_DIR:-/tmp/biopath-nvme-vm}
SUITE=${KERNEL_SUITE:-trixie}
mkdir -p "$D"
t0=$(date +%s.%N)
say() { awk -v s="$t0" -v e="$(date +%s.%N)" -v m="$1" 'BEGIN{printf "[qemu-nvme setup %5.1fs] %s\n", e-s, m}'; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
{ [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx cpio; } || need+=(busybox-static)
command -v objcopy >/dev/null || need+=(binutils)
command -v zstd >/dev/null || need+=(zstd)
command -v xz >/dev/null || need+=(xz-utils)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
say "host packages ok (installed: ${need[*]:-none})"

# fetch_kernel SUITE: download + unpack linux-image-<ver>-amd64 into $D/kpkg. Returns non-zero on failure.
fetch_kernel() {
	local suite=$1 A="$D/apt" pkg
	local -a o=()
	if [ "$suite" != bookworm ]; then
		mkdir -p "$A/lists/partial" "$A/archives/partial"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" > "$A/sources.list"
		o=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts="$A/none" -o Dir::State::Lists="$A/lists"
		   -o Dir::Cache::archives="$A/archives" -o Dir::Cache::pkgcache="$A/pkgcache.bin" -o Dir::Cache::srcpkgcache="$A/srcpkgcache.bin")
		apt-get "${o[@]}" update -qq || return 1
	fi
	# the versioned package changes with every security update: resolve it now
	pkg=$(apt-cache "${o[@]}" depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	[ -n "$pkg" ] || return 1
	rm -rf "$D/kpkg" "$D"/linux-image-*.deb
	(cd "$D" && apt-get "${o[@]}" download "$pkg" >/dev/null 2>&1) || return 1
	dpkg -x "$D"/linux-image-*.deb "$D/kpkg"
	rm -rf "$D"/linux-image-*.deb "$A"
	echo "$pkg ($suite)" > "$D/kernel-version"
}

if [ ! -s "$D/vmlinux" ] || [ ! -d "$D/kpkg" ]; then
	if ! fetch_kernel "$SUITE"; then
		[ "$SUITE" = bookworm ] && { echo "qemu-nvme setup: cannot download linux-image-amd64" >&2; exit 1; }
		say "suite $SUITE unreachable, falling back to bookworm"
		fetch_kernel bookworm || { echo "qemu-nvme setup: cannot download linux-image-amd64" >&2; exit 1; }
	fi
	"$HERE/extract-vmlinux.sh" "$D"/kpkg/boot/vmlinuz-* "$D/vmlinux"
	say "guest kernel $(cat "$D/kernel-version") ready"
fi

if [ ! -s "$D/initramfs.cpio.gz" ] || [ "$HERE/build-initramfs.sh" -nt "$D/initramfs.cpio.gz" ] || [ "$HERE/guest-init.sh" -nt "$D/initramfs.cpio.gz" ]; then
	TMPDIR=$D "$HERE/build-initramfs.sh" "$D/initramfs.cpio.gz" "$D/kpkg"
	say "initramfs ready"
fi
