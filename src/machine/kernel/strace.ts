// --strace: one line per syscall, in strace's style: `[pid 1] write(1, "hi\n", 3) = 3`.
import type { Task } from "./task.ts";
import type { SyscallEntry } from "./syscalls/types.ts";

const MAX_SHOWN = 32;

function quote(bytes: Uint8Array, truncated: boolean): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x0a) s += "\\n";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x22 || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + b.toString(8);
  }
  return s + '"' + (truncated ? "..." : "");
}

const hex = (v: number): string => "0x" + (v >>> 0).toString(16);

function formatArg(t: Task, kind: string, v: number, next: number, ret: number): string {
  switch (kind) {
    case "d": return String(v | 0);
    case "u": return String(v >>> 0);
    case "x": return hex(v);
    case "p": return v === 0 ? "NULL" : hex(v);
    case "s": {
      if (t.state !== "running") return hex(v);
      const s = t.mm.readCString(v, 4096);
      return s === null ? hex(v) : quote(s.subarray(0, MAX_SHOWN), s.length > MAX_SHOWN);
    }
    case "b": {
      // For a read the valid bytes are the result; for a write, the length argument.
      const len = Math.min(ret >= 0 ? ret : 0, next >>> 0);
      if (t.state !== "running" || len === 0) return hex(v);
      const data = t.mm.copyIn(v, Math.min(len, MAX_SHOWN));
      return data === null ? hex(v) : quote(data, len > MAX_SHOWN);
    }
    default: return hex(v);
  }
}

export function formatSyscall(
  t: Task, nr: number, entry: SyscallEntry | undefined, args: number[], ret: number, errnoName: (e: number) => string,
): string {
  const name = entry?.name ?? `syscall_${nr}`;
  const kinds = entry?.args ?? ["x", "x", "x", "x", "x", "x"];
  const shown = kinds.map((k, i) => formatArg(t, k, args[i], args[i + 1] ?? 0, ret)).join(", ");
  const result = ret < 0 && ret > -4096 ? `-1 ${errnoName(-ret)}` : entry?.ret === "p" ? hex(ret) : String(ret);
  return `[pid ${t.id}] ${name}(${shown}) = ${result}${entry === undefined ? " (not implemented)" : ""}`;
}
