/**
 * The host's send side: a command capsule (with in-capsule data for small writes), and H2CData
 * PDUs answering an R2T. Data goes out straight from the request's pages through its iov_iter
 * (views of the frames, no staging copy), its digest folded over the same bytes.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_try_send_cmd_pdu(), nvme_tcp_try_send_data()
 */
import { iovIterAdvance } from '@biopath/iov-iter';
import { PAGE_SIZE } from '@biopath/mm';
import { CRC32C_SEED, crc32cFinal, crc32cUpdate } from './crc32c.ts';
import { NVME_TCP_DATA_HLEN, NVME_TCP_DIGEST_LENGTH, NVME_TCP_F_DATA_LAST, nvme_tcp_h2c_data } from './nvme-tcp-defs.ts';
import { type NvmeTcpDataHdr, nvmeTcpDataPduPut } from './nvme-tcp-pdu.ts';
import type { NvmeTcpQueue, NvmeTcpRequest } from './nvme-tcp-types.ts';

/**
 * Send `len` bytes from the request's iterator (advancing it), then the data digest when
 * negotiated. Each piece is a view of the frame: the socket keeps it until written, and the
 * request holds its pages until the controller's answer, which comes after.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_try_send_data() / nvme_tcp_try_send_ddgst()
 */
export function nvmeTcpSendData(q: NvmeTcpQueue, req: NvmeTcpRequest, len: number): void {
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
    const d = new Uint8Array(NVME_TCP_DIGEST_LENGTH);
    new DataView(d.buffer).setUint32(0, crc32cFinal(crc), true);
    q.sock.write(d);
  }
}

/** Scratch for H2CData header fields (filled, then written into a fresh header buffer). */
const H2C: NvmeTcpDataHdr = { commandId: 0, ttag: 0, offset: 0, length: 0 };

/**
 * Answer an R2T: H2CData PDUs of at most MAXH2CDATA bytes covering [offset, offset + length),
 * DATA_LAST on the final one, each with transfer tag `ttag`. The caller has checked the range.
 * The header buffers are allocated per PDU (the socket may still hold earlier ones): see the
 * README's list of what remains.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_h2c_data_pdu() + nvme_tcp_try_send_data_pdu()
 */
export function nvmeTcpSendH2cData(q: NvmeTcpQueue, req: NvmeTcpRequest, ttag: number, offset: number, length: number): void {
  q.sock.cork();
  let done = 0;
  while (done < length) {
    const n = Math.min(q.maxh2cdata, length - done);
    H2C.commandId = req.tag;
    H2C.ttag = ttag;
    H2C.offset = offset + done;
    H2C.length = n;
    const hdr = new Uint8Array(NVME_TCP_DATA_HLEN + NVME_TCP_DIGEST_LENGTH + 128);
    const flags = done + n === length ? NVME_TCP_F_DATA_LAST : 0;
    const hl = nvmeTcpDataPduPut(hdr, 0, nvme_tcp_h2c_data, flags, H2C, q.hdgst, q.ddgst, q.cpda);
    q.sock.write(hdr.subarray(0, hl));
    nvmeTcpSendData(q, req, n);
    q.stats.h2cPdus++;
    done += n;
  }
  q.sock.uncork();
}
