/**
 * What a handle counts about itself (plain numbers, never reset), and the public snapshot shape.
 */
import { OP_DISCARD, OP_FLUSH, OP_WRITE, OP_WRITE_ZEROES } from './io-req.ts';

export class HandleStats {
  reads = 0;
  writes = 0;
  flushes = 0;
  discards = 0;
  writeZeroes = 0;
  bytesRead = 0;
  bytesWritten = 0;
  errors = 0;
  cancelled = 0;
  /** IOs that went through a bounce buffer, and the bytes copied to or from it. */
  bounced = 0;
  bytesCopied = 0;
  /** FOLL_GET references taken (strategy get), counted per page at submission. */
  refsTaken = 0;
  cacheHits = 0;
  cacheMisses = 0;

  countRead(bytes: number): void {
    this.reads++;
    this.bytesRead += bytes;
  }

  countOther(op: number, bytes: number): void {
    if (op === OP_WRITE) {
      this.writes++;
      this.bytesWritten += bytes;
    } else if (op === OP_FLUSH) this.flushes++;
    else if (op === OP_DISCARD) this.discards++;
    else if (op === OP_WRITE_ZEROES) this.writeZeroes++;
  }
}
