/**
 * vmsplice() fills a modelled pipe with user pages, one page per slot, read-only: FOLL_GET
 * references by default (every modelled kernel), FOLL_PIN pins with createMemMap({ vmsplice:
 * 'FOLL_PIN' }). Reading a slot empty or closing the pipe releases its page the matching way.
 */
import { describe, expect, it } from 'vitest';
import {
  PAGE_SIZE, PIPE_DEF_BUFFERS, allocPipeInfo, freePipeInfo, pipeRead, vmsplice,
} from '../src/index.ts';
import { pinsOf, populated, withMm } from './helpers.ts';

describe.each([{ vmsplice: 'FOLL_GET' as const }, { vmsplice: 'FOLL_PIN' as const }])('vmsplice $vmsplice', ({ vmsplice: kind }) => {
  it('takes one reference or pin per page, stops when the pipe is full, and releases on read/close', () => {
    withMm({ vmsplice: kind }, ({ mem, mm }) => {
      const a = populated(mm, PIPE_DEF_BUFFERS + 2, 0x3c);
      const x = mm.followPage(a);
      const pipe = allocPipeInfo(mem);
      expect(vmsplice(mm, pipe, a + 100, (PIPE_DEF_BUFFERS + 2) * PAGE_SIZE)).toBe(PIPE_DEF_BUFFERS * PAGE_SIZE - 100);
      expect(vmsplice(mm, pipe, a, PAGE_SIZE)).toBe(-11);
      expect(pinsOf(mem, x)).toBe(kind === 'FOLL_PIN' ? 1 : 0);
      expect(mem.refcount[x]).toBe(kind === 'FOLL_PIN' ? 1025 : 2);
      const got = new Uint8Array(PAGE_SIZE);
      expect(pipeRead(pipe, got)).toBe(PAGE_SIZE);
      expect(got.every((b) => b === 0x3c)).toBe(true);
      expect([mem.refcount[x], pinsOf(mem, x)]).toEqual([1, 0]);
      freePipeInfo(pipe);
      expect(mem.refcount[mm.followPage(a + 5 * PAGE_SIZE)]).toBe(1);
    });
  });

  it('an unmapped address fails with -EFAULT and takes nothing', () => {
    withMm({ vmsplice: kind }, ({ mem, mm }) => {
      const pipe = allocPipeInfo(mem);
      const a = mm.mmap(PAGE_SIZE);
      mm.munmap(a, PAGE_SIZE);
      expect(vmsplice(mm, pipe, a, 10)).toBe(-14);
      expect(pipe.bufs).toHaveLength(0);
      freePipeInfo(pipe);
    });
  });
});

it('allocPipeInfo rejects a bad slot count with EINVAL', () => {
  withMm({}, ({ mem }) => {
    expect(() => allocPipeInfo(mem, 0)).toThrow(/EINVAL: allocPipeInfo\(maxUsage\)/);
  });
});
