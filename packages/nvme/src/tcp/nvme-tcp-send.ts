/**
 * The host's send side: a command capsule (with in-capsule data for small writes), and H2CData
 * PDUs answering an R2T. Data goes out straight from the request's pages through its iov_iter
 * (views of the frames, no staging copy), its digest folded over the same bytes.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_try_send_cmd_pdu(), nvme_tcp_try_send_data()
 */
import { iovIterAdvance } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { CRC32C_SEED, crc32cFinal, crc32cUpdate } from './crc32c.ts';
import { NVME_TCP_DIGEST_LENGTH, NVME_TCP_F_DATA_LAST, nvme_tcp_h2c_data } from './nvme-tcp-defs.ts';
import { type NvmeTcpDataHdr, nvmeTcpDataPduPut } from './nvme-tcp-pdu.ts';
import type { NvmeTcpQueue, NvmeTcpRequest } from './nvme-tcp-types.ts';

/**
 * Send `len` bytes from the request's iterator (advancing it), then the data digest when
 * negotiated. Each piece is a view of the frame: the socket keeps it until written, and the
 * request holds its pages until the controller's answer, which comes after.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_try_send_data() / nvme_tcp_try_send_ddgst()
 */
export function nvmeTcpSendData(q: NvmeTcpQueue, req: NvmeTcpRequest, len: number, slot: number): void {
  const it = req.iter;
  const bytes = q.mem.bytes;
  let crc = CRC32C_SEED;
  let left = len;
  while (left > 0) {
    const bv = it.bvec![it.seg]!;
    const n = Math.min(left, bv.bv_len - it.iov_offset);
    const at = bv.bv_page * PAGE_SIZE + bv.bv_offset + it.iov_offset;
    const view = bytes.subarray(at, at + n);
    if (q.ddgst) crc = crc32cUpdate(crc, view, 0, n);
    q.sock.write(view);
    iovIterAdvance(it, n);
    left -= n;
  }
  req.dataSent += len;
  if (q.ddgst) {
    const at = slot * NVME_TCP_DIGEST_LENGTH;
    const d = req.ddgsts;
    const v = crc32cFinal(crc);
    d[at] = v & 0xff;
    d[at + 1] = (v >>> 8) & 0xff;
    d[at + 2] = (v >>> 16) & 0xff;
    d[at + 3] = v >>> 24;
    q.sock.write(d.subarray(at, at + NVME_TCP_DIGEST_LENGTH));
  }
}

/** Scratch for H2CData header fields (filled, then written into the tag's header slot). */
const H2C: NvmeTcpDataHdr = { commandId: 0, ttag: 0, offset: 0, length: 0 };

/** Bytes per H2CData header slot: PDO is a u8, so a header with its digest and padding fits in 256. */
export const H2C_SLOT = 256;

/** Make room for `n` H2CData PDUs in the tag's header and digest areas (grows, never shrinks). */
function nvmeTcpReserveH2c(req: NvmeTcpRequest, n: number): void {
  if (req.h2cHdrs.length < n * H2C_SLOT) req.h2cHdrs = new Uint8Array(n * H2C_SLOT);
  if (req.ddgsts.length < n * NVME_TCP_DIGEST_LENGTH) req.ddgsts = new Uint8Array(n * NVME_TCP_DIGEST_LENGTH);
}

/**
 * Answer an R2T: H2CData PDUs of at most MAXH2CDATA bytes covering [offset, offset + length),
 * DATA_LAST on the final one, each with transfer tag `ttag`. The caller has checked the range.
 * Headers and digests go in the tag's slots (see `NvmeTcpRequest.h2cHdrs`); the only objects
 * made per PDU are the views the socket API needs.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_h2c_data_pdu() + nvme_tcp_try_send_data_pdu()
 */
export function nvmeTcpSendH2cData(q: NvmeTcpQueue, req: NvmeTcpRequest, ttag: number, offset: number, length: number): void {
  nvmeTcpReserveH2c(req, Math.ceil(length / q.maxh2cdata));
  q.sock.cork();
  let done = 0;
  for (let slot = 0; done < length; slot++) {
    const n = Math.min(q.maxh2cdata, length - done);
    H2C.commandId = req.tag;
    H2C.ttag = ttag;
    H2C.offset = offset + done;
    H2C.length = n;
    const at = slot * H2C_SLOT;
    const flags = done + n === length ? NVME_TCP_F_DATA_LAST : 0;
    const hl = nvmeTcpDataPduPut(req.h2cHdrs, at, nvme_tcp_h2c_data, flags, H2C, q.hdgst, q.ddgst, q.cpda);
    q.sock.write(req.h2cHdrs.subarray(at, at + hl));
    nvmeTcpSendData(q, req, n, slot);
    q.stats.h2cPdus++;
    done += n;
  }
  q.sock.uncork();
}
