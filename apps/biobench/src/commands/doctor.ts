/**
 * `biobench doctor`: probe the kernel features biobench uses and say what each means here.
 * With --target, also that target's O_DIRECT alignment (read-only); without, a small temporary
 * image's (so the answer is about this machine's temporary directory).
 */
import type { CmdIo } from '../cli/cmd-io.ts';
import { stackAvailability } from '../engine/registry.ts';
import { fioCheck, kernelCheck, loopCheck, nvmeCheck, registeredBuffersCheck, sqpollCheck, thpCheck, uringOpsCheck, userfaultfdCheck } from '../doctor/probes.ts';
import type { Check } from '../doctor/probes.ts';
import { stackCheck, targetChecks } from '../doctor/target-check.ts';
import type { SweepOf } from '../options/def.ts';
import type { OPTION_TABLE } from '../options/table.ts';
import { BIOBENCH_VERSION } from '../output/fio-json.ts';
import { resolveTarget } from '../job-target/target.ts';
import { emit } from './run.ts';

const MARK: Record<Check['status'], string> = { ok: 'ok', missing: 'NO', limited: 'limited', info: '·' };

export async function cmdDoctor(v: SweepOf<typeof OPTION_TABLE.doctor>, io: CmdIo): Promise<number> {
  const checks = [kernelCheck(), uringOpsCheck(), sqpollCheck(), registeredBuffersCheck(), userfaultfdCheck(), nvmeCheck(), loopCheck(), fioCheck(), thpCheck()];
  checks.push(stackCheck(await stackAvailability()));
  if (v.target) checks.push(...targetChecks(resolveTarget({ path: v.target, tempSize: 0, write: false, writeReason: '', direct: false, allowDestructive: false }).path, false));
  else {
    const t = resolveTarget({ path: null, tempSize: 1 << 20, write: true, writeReason: '', direct: false, allowDestructive: false });
    try {
      checks.push(...targetChecks(t.path, true));
    } finally {
      t.release();
    }
  }
  const text = v.output_format === 'normal' ? doctorText(checks)
    : `${JSON.stringify({ biobench: { version: BIOBENCH_VERSION, command: 'doctor', checks } }, null, 2)}\n`;
  emit(v, text, io);
  return 0;
}

export function doctorText(checks: Check[]): string {
  const w = Math.max(...checks.map((c) => c.feature.length));
  const lines = checks.map((c) => `${MARK[c.status].padEnd(7)}  ${c.feature.padEnd(w)}  ${c.found}\n${' '.repeat(w + 11)}→ ${c.meaning}`);
  return `biobench doctor: what this machine offers (ok / limited / NO / · for information)\n\n${lines.join('\n')}\n`;
}
