// The host file calls a cell makes when an image crosses to a fresh machine (--target fresh),
// behind one replaceable object: a test swaps in a failing one (ENOSPC on a write, say) to see a
// full disk become a failed cell, without filling the real disk.
import * as fs from "node:fs";

export interface HostIo {
  mkdtemp(prefix: string): string;
  open(path: string, flags: "r" | "w"): number;
  write(fd: number, data: Uint8Array, off: number, len: number, position: number): number;
  read(fd: number, data: Uint8Array, off: number, len: number, position: number): number;
  truncate(fd: number, len: number): void;
  size(path: string): number;
  close(fd: number): void;
  rm(path: string): void;
}

export const nodeHostIo: HostIo = {
  mkdtemp: (prefix) => fs.mkdtempSync(prefix),
  open: (path, flags) => fs.openSync(path, flags),
  write: (fd, data, off, len, position) => fs.writeSync(fd, data, off, len, position),
  read: (fd, data, off, len, position) => fs.readSync(fd, data, off, len, position),
  truncate: (fd, len) => fs.ftruncateSync(fd, len),
  size: (path) => fs.statSync(path).size,
  close: (fd) => fs.closeSync(fd),
  rm: (path) => fs.rmSync(path, { recursive: true, force: true }),
};

let current: HostIo = nodeHostIo;

/** The host I/O cells use now. */
export function hostIo(): HostIo {
  return current;
}

/** Replace the host I/O (tests); returns the one it replaced, to put back. */
export function setHostIo(io: HostIo): HostIo {
  const old = current;
  current = io;
  return old;
}

/** A host call's failure (a Node errno error): "ENOSPC: no space left on device, write", or null. */
export function hostErrorText(e: unknown): string | null {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!)) return e.message;
  return null;
}
