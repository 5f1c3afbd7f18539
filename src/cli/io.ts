// Synchronous host I/O for the CLI. Guest output must reach the terminal in the order the guest
// wrote it, interleaved correctly between stdout and stderr, so it is written synchronously.
import { readSync, writeSync } from "node:fs";

/** Write all bytes to a host fd, retrying when a non-blocking pipe is momentarily full. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
      if ((e as NodeJS.ErrnoException).code === "EPIPE") return;
      throw e;
    }
  }
}

/** Read up to max bytes of the host's stdin; null at end of file or when stdin is unusable. */
export function readStdinSync(max: number): Uint8Array | null {
  const buf = new Uint8Array(max);
  for (;;) {
    try {
      const n = readSync(0, buf, 0, max, null);
      return n === 0 ? null : buf.subarray(0, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
      return null;
    }
  }
}
