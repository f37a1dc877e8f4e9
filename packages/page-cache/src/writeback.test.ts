import { afterEach, expect, it } from 'vitest';
import { PAGE_SIZE } from '@biopath/mm';
import { ramStack, type RamStack } from './__fixtures__/ram-stack.ts';
import { filemapWrite } from './filemap-write.ts';
import { fsync, writebackRange } from './writeback.ts';
import { openCacheFile } from './address-space.ts';
import { CACHE_IO_FLUSH } from './cache-io.ts';
import { filemapGetFolio, folioTestDirty } from './filemap.ts';

let s: RamStack;
afterEach(async () => s.teardown());

it('fsync writes every dirty folio, then flushes the write cache', async () => {
  s = ramStack();
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE).fill(1));
  await filemapWrite(s.as.file, 40 * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(2));
  await fsync(s.as.file);
  expect(s.io.disk[0]).toBe(1);
  expect(s.io.disk[40 * PAGE_SIZE]).toBe(2);
  expect(s.io.log.at(-1)![0]).toBe(CACHE_IO_FLUSH);
  expect(s.as.nr_dirty).toBe(0);
});

it('a failed writeback is reported once to every opener by fsync, and the folio is not redirtied', async () => {
  s = ramStack();
  const other = openCacheFile(s.as);
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE).fill(3));
  s.io.failWrites = true;
  expect((await writebackRange(s.as, 0, s.as.i_size - 1)).error).toBe(-5);
  expect(folioTestDirty(s.pc, filemapGetFolio(s.as, 0))).toBe(false);
  s.io.failWrites = false;
  await expect(fsync(s.as.file)).rejects.toMatchObject({ code: 'EIO' });
  await expect(fsync(s.as.file)).resolves.toBeUndefined();
  await expect(fsync(other)).rejects.toMatchObject({ code: 'EIO' });
  const late = openCacheFile(s.as);
  await expect(fsync(late)).resolves.toBeUndefined();
});

it('a file opened after a writeback error nobody has reported yet reports it on its first fsync (errseq_sample)', async () => {
  s = ramStack();
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE).fill(3));
  s.io.failWrites = true;
  expect((await writebackRange(s.as, 0, s.as.i_size - 1)).error).toBe(-5);
  s.io.failWrites = false;
  const opened = openCacheFile(s.as);
  await expect(fsync(opened)).rejects.toMatchObject({ code: 'EIO' });
  await expect(fsync(opened)).resolves.toBeUndefined();
  await expect(fsync(s.as.file)).rejects.toMatchObject({ code: 'EIO' });
  await expect(fsync(openCacheFile(s.as))).resolves.toBeUndefined();
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE).fill(4));
  s.io.failWrites = true;
  await writebackRange(s.as, 0, s.as.i_size - 1);
  s.io.failWrites = false;
  await expect(fsync(openCacheFile(s.as))).rejects.toMatchObject({ code: 'EIO' });
  await expect(fsync(opened)).rejects.toMatchObject({ code: 'EIO' });
});

it('a write during writeback leaves the folio dirty for the next pass', async () => {
  s = ramStack();
  s.io.mode = 'manual';
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE).fill(4));
  const wb = writebackRange(s.as, 0, PAGE_SIZE - 1);
  await new Promise((r) => setImmediate(r));
  await filemapWrite(s.as.file, 0, new Uint8Array(1).fill(5));
  s.io.complete();
  await wb;
  expect(folioTestDirty(s.pc, filemapGetFolio(s.as, 0))).toBe(true);
  s.io.mode = 'auto';
  await fsync(s.as.file);
  expect(s.io.disk[0]).toBe(5);
});

it('writeback with fua marks every write request FUA; a plain one none', async () => {
  s = ramStack();
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE));
  await writebackRange(s.as, 0, s.as.i_size - 1);
  expect(s.io.nrFua).toBe(0);
  await filemapWrite(s.as.file, 0, new Uint8Array(PAGE_SIZE));
  await filemapWrite(s.as.file, 9 * PAGE_SIZE, new Uint8Array(PAGE_SIZE));
  await writebackRange(s.as, 0, s.as.i_size - 1, { fua: true });
  expect(s.io.nrFua).toBe(2);
});
