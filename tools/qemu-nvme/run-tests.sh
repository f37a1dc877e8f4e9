#!/bin/bash
# run-tests.sh [vitest args...] — run the NVMe tests (packages/nvme/test/nvme-*.test.ts but nvme-tcp-*, the ones
# that skip on a host without NVMe) inside the QEMU NVMe guest, with the same vitest the host uses.
# Writes the guest's vitest JSON report to .ci/out/nvme-vm-vitest.json and exits with vitest's
# status (or run.sh's 124/125 when the guest timed out / never reported).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/.ci/out
mkdir -p "$OUT"
rm -f "$OUT/nvme-vm-vitest.json"
cd "$ROOT"
# nvme-tcp-*: the NVMe/TCP host against a scripted in-process target needs no NVMe device (and the
# guest has no network, not even lo): those run on the host only.
FILES=$(cd "$ROOT" && ls packages/nvme/test/nvme-*.test.ts | grep -v '/nvme-tcp-')
# Warm vitest's module cache on the host (these files skip here, in seconds): TypeScript transforms
# are the guest's slowest part (~15x slower CPU under TCG) and the guest then reuses the cache.
# shellcheck disable=SC2086
node node_modules/vitest/vitest.mjs run --project nvme --experimental.fsModuleCache $FILES > /dev/null 2>&1 || true
# shellcheck disable=SC2086
exec "$ROOT/tools/qemu-nvme/run.sh" --share "$ROOT" --cwd "$ROOT" -- \
	node node_modules/vitest/vitest.mjs run --project nvme --experimental.fsModuleCache --reporter=default --reporter=json \
	--outputFile.json="$OUT/nvme-vm-vitest.json" $FILES "$@"
