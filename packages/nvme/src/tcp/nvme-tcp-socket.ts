/**
 * The byte stream an NVMe/TCP queue runs over. For now a plain Node `net.Socket` behind a small
 * interface; the io_uring SEND/RECV path (checked native ops, batched with the rest of the ring)
 * is a later step and will implement the same interface.
 */
import type { Socket } from 'node:net';

/** What a queue needs from its connection. Callbacks are set once by the queue. */
export interface NvmeTcpSocket {
  /** Queue bytes for sending, in order. The caller keeps `buf` unchanged until the peer answered. */
  write(buf: Uint8Array): void;
  /** Hold writes until {@link NvmeTcpSocket.uncork} (one send for a PDU's header, data, digest). */
  cork(): void;
  uncork(): void;
  /** Close the connection (idempotent); `onClose` follows. */
  close(): void;
  /** Bytes arrived: `chunk` is valid only during the call. */
  onData: ((chunk: Uint8Array) => void) | null;
  /** The connection ended (by either side), with the error when there was one. Called once. */
  onClose: ((err: Error | null) => void) | null;
}

/**
 * Wrap a connected `net.Socket` (Nagle off: PDUs are small and latency-bound).
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_alloc_queue() (sock_create, TCP_NODELAY)
 */
export function nvmeTcpSocketFromNet(sock: Socket): NvmeTcpSocket {
  let closed = false;
  const s: NvmeTcpSocket = {
    write: (buf) => { if (!closed) sock.write(buf); },
    cork: () => sock.cork(),
    uncork: () => sock.uncork(),
    close: () => { if (!sock.destroyed) sock.destroy(); },
    onData: null,
    onClose: null,
  };
  sock.setNoDelay(true);
  let err: Error | null = null;
  sock.on('data', (chunk: Buffer) => { s.onData?.(chunk); });
  sock.on('error', (e) => { err = e; });
  sock.on('close', () => {
    if (closed) return;
    closed = true;
    s.onClose?.(err);
  });
  return s;
}
