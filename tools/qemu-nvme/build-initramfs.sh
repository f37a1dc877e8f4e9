#!/bin/bash
# build-initramfs.sh OUT.cpio.gz KPKG_DIR — the guest's initramfs: static busybox, the kernel
# modules the NVMe test guest needs (nvme, virtio-pci, 9p over virtio; dependencies resolved from
# each module's .modinfo, so no depmod/kmod is needed), and guest-init.sh as /init.
# KPKG_DIR is an unpacked linux-image-*-amd64 package (6.1 keeps modules in /lib, 6.12 in /usr/lib).
# Env MODULES overrides the top-level module list.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "$1")
KPKG=$(realpath "$2")
MODDIR=$(ls -d "$KPKG"/lib/modules/* "$KPKG"/usr/lib/modules/* 2>/dev/null | head -1 || true)
[ -d "$MODDIR/kernel" ] || { echo "build-initramfs: no modules under $KPKG" >&2; exit 1; }
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT

mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,mnt,host,lib/modules}
cp /bin/busybox "$ROOT/bin/busybox"
for a in sh mount umount insmod mkdir cat echo ls sleep poweroff sync sed tr cut grep chroot env seq free; do
	ln -s busybox "$ROOT/bin/$a"
done

unpack() { # module file (maybe compressed) to stdout
	case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -dcq "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac
}
declare -A PATHOF SEEN
while IFS= read -r f; do n=${f##*/}; n=${n%%.ko*}; PATHOF[${n//-/_}]=$f; done < <(find "$MODDIR/kernel" -name '*.ko*')
deps() {
	unpack "$1" > "$ROOT/.ko"
	objcopy -O binary --only-section=.modinfo "$ROOT/.ko" /dev/stdout 2>/dev/null | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}
add() { # add module $1 after its dependencies (busybox insmod needs them loaded first)
	local n=${1//-/_} f d
	[ -n "${SEEN[$n]:-}" ] && return 0
	SEEN[$n]=1
	f=${PATHOF[$n]:-}
	if [ -z "$f" ]; then
		grep -qE "/($1|$n)\.ko" "$MODDIR/modules.builtin" && return 0
		echo "build-initramfs: module $1 not found" >&2
		exit 1
	fi
	for d in $(deps "$f"); do add "$d"; done
	local base=${f##*/}
	base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
	unpack "$f" > "$ROOT/lib/modules/$base"
	echo "$base" >> "$ROOT/lib/modules/order"
}
: > "$ROOT/lib/modules/order"
for m in ${MODULES:-crct10dif_generic crc64_rocksoft_generic nvme virtio_pci 9pnet_virtio 9p}; do add "$m"; done
rm -f "$ROOT/.ko"

cp "$HERE/guest-init.sh" "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$OUT"
echo "initramfs: $OUT $(du -h "$OUT" | cut -f1); modules: $(tr '\n' ' ' < "$ROOT/lib/modules/order")"
