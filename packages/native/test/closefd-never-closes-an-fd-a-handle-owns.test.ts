// Defect 8 of the hardening issue: closeFd(ring.fd) closed the ring's fd, a later open reused the
// number, and ring.close() then closed that unrelated file. closeFd now closes only fds openDevice
// returned (EBADF otherwise), so every handle alone closes the fd it owns.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { expect, it } from 'vitest';
import { closeFd, openDevice } from '../src/index.ts';
import { OP, RawRing } from './fixtures/raw-ring.ts';

it("closeFd refuses a ring's fd with EBADF, and the ring keeps working", () => {
  const ring = new RawRing({ entries: 4 });
  try {
    expect(() => closeFd(ring.fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    ring.stage({ op: OP.NOP, fd: -1, userData: 3 });
    expect(ring.submit(1)).toEqual([{ userData: 3, res: 0 }]);
  } finally {
    ring.close();
  }
});

it('closeFd refuses fds it did not open, and fds it already closed', () => {
  const other = openSync('/dev/null', 'r');
  try {
    expect(() => closeFd(other)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(fstatSync(other).isCharacterDevice()).toBe(true);
  } finally {
    closeSync(other);
  }
  const fd = openDevice('/dev/null', { direct: false });
  closeFd(fd);
  const reused = openSync('/dev/null', 'r');
  try {
    expect(() => closeFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(fstatSync(reused).isCharacterDevice()).toBe(true);
  } finally {
    closeSync(reused);
  }
});
