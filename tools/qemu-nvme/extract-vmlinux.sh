#!/bin/bash
# extract-vmlinux.sh BZIMAGE OUT — find the compressed kernel inside a bzImage (xz for Debian 6.1,
# zstd for 6.12, gzip elsewhere) and write the uncompressed ELF vmlinux, which QEMU boots directly
# through its PVH entry point (no real-mode setup, no in-guest decompression: ~2 s saved under TCG).
set -euo pipefail
IN=$1 OUT=$2
# try MAGIC DECOMPRESSOR: every offset where MAGIC occurs, until one decompresses to an ELF
try() {
	local at
	for at in $(LC_ALL=C grep -aboP "$1" "$IN" | cut -d: -f1); do
		tail -c +$((at + 1)) "$IN" | $2 > "$OUT" 2>/dev/null || true
		if [ -s "$OUT" ] && [ "$(head -c 4 "$OUT" | od -An -c | tr -d ' ')" = '177ELF' ]; then return 0; fi
	done
	return 1
}
try '\xfd\x37\x7a\x58\x5a\x00' 'xz -dc' || try '\x28\xb5\x2f\xfd' 'zstd -dcq' || try '\x1f\x8b\x08' 'gzip -dc' || {
	echo "extract-vmlinux: no ELF kernel inside $IN" >&2
	rm -f "$OUT"
	exit 1
}
echo "vmlinux: $OUT ($(du -h --apparent-size "$OUT" | cut -f1))"
