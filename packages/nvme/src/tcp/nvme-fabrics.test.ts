import { describe, expect, it } from 'vitest';
import { nvmeCommandAlloc, nvmeCommandWrite } from '../nvme-command.ts';
import {
  nvmfConnectDataGet, nvmfConnectDataPut, nvmfFctype, nvmfSetupConnect, nvmfSetupPropertyGet, nvmfSetupPropertySet,
} from './nvme-fabrics.ts';
import { NVME_REG_CAP, NVME_REG_CC, NVMF_CONNECT_DATA_SIZE } from './nvme-tcp-defs.ts';

function bytes(cmd: Uint32Array): Uint8Array {
  const b = new Uint8Array(64);
  nvmeCommandWrite(cmd, b, 0);
  return b;
}

describe('Fabrics command encodings (struct nvmf_*_command)', () => {
  it('Connect puts opcode 7Fh, FCTYPE 01h at byte 4, QID at 42, 0-based SQSIZE at 44, KATO at 48', () => {
    const cmd = nvmeCommandAlloc();
    nvmfSetupConnect(cmd, 3, 128, 15000);
    const b = bytes(cmd);
    const v = new DataView(b.buffer);
    expect(b[0]).toBe(0x7f);
    expect(b[4]).toBe(0x01);
    expect(v.getUint16(40, true)).toBe(0);
    expect(v.getUint16(42, true)).toBe(3);
    expect(v.getUint16(44, true)).toBe(127);
    expect(v.getUint32(48, true)).toBe(15000);
    expect(nvmfFctype(cmd)).toBe(1);
  });

  it('Property Get carries the size attribute at byte 40 and the offset at 44', () => {
    const cmd = nvmeCommandAlloc();
    nvmfSetupPropertyGet(cmd, NVME_REG_CAP, 8);
    const b = bytes(cmd);
    expect(b[4]).toBe(0x04);
    expect(b[40]).toBe(1);
    expect(new DataView(b.buffer).getUint32(44, true)).toBe(0);
  });

  it('Property Set carries the offset at 44 and the 64-bit value at 48', () => {
    const cmd = nvmeCommandAlloc();
    nvmfSetupPropertySet(cmd, NVME_REG_CC, 0x460001);
    const b = bytes(cmd);
    const v = new DataView(b.buffer);
    expect(b[4]).toBe(0x00);
    expect(b[40]).toBe(0);
    expect(v.getUint32(44, true)).toBe(0x14);
    expect(v.getUint32(48, true)).toBe(0x460001);
    expect(v.getUint32(52, true)).toBe(0);
    expect(nvmfFctype(new Uint32Array(16).fill(0))).toBe(-1);
  });

  it('refuses a property size other than 4 or 8 with EINVAL', () => {
    expect(() => nvmfSetupPropertyGet(nvmeCommandAlloc(), 0, 2 as 4)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('Connect data round-trips host ID, CNTLID and both NQNs at their offsets', () => {
    const d = new Uint8Array(NVMF_CONNECT_DATA_SIZE).fill(0xee);
    const hostid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    nvmfConnectDataPut(d, hostid, 0xffff, 'nqn.2024-01.io.biopath:sub', 'nqn.2024-01.io.biopath:host');
    expect(d[16]).toBe(0xff);
    expect(d[17]).toBe(0xff);
    expect(Buffer.from(d.subarray(256, 282)).toString()).toBe('nqn.2024-01.io.biopath:sub');
    expect(d[1023]).toBe(0);
    expect(nvmfConnectDataGet(d)).toEqual({ hostid, cntlid: 0xffff, subsysnqn: 'nqn.2024-01.io.biopath:sub', hostnqn: 'nqn.2024-01.io.biopath:host' });
  });

  it('refuses a bad host ID or an NQN that does not fit, naming the argument', () => {
    const d = new Uint8Array(NVMF_CONNECT_DATA_SIZE);
    expect(() => nvmfConnectDataPut(d, new Uint8Array(15), 1, 'a', 'b')).toThrow(/nvmfConnectDataPut\(hostid\)/);
    expect(() => nvmfConnectDataPut(d, new Uint8Array(16), 1, 'x'.repeat(256), 'b')).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('(subsysnqn)') }),
    );
    expect(() => nvmfConnectDataPut(d, new Uint8Array(16), 1, 'a', '')).toThrow(/hostnqn/);
    expect(() => nvmfConnectDataGet(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'EPROTO' }));
  });
});
