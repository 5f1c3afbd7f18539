// The full syscall table as data: every riscv32 Linux number (linux-nr.ts) and every cptbench
// extension, joined with the handlers (table.ts) and, for numbers with none, the reason
// (unimplemented.ts). `cptbench syscalls` prints it; docs/syscalls.md is generated from it.
import { LINUX_6_1, LINUX_LATER } from "./linux-nr.ts";
import { SYSCALL_FILES } from "./table.ts";
import type { SyscallEntry } from "./types.ts";
import { MISSING } from "./unimplemented.ts";

/** `enosys`: no handler; the guest gets -ENOSYS, as for a number Linux does not have. */
export type SupportLevel = "full" | "partial" | "enosys";

export interface SyscallRow {
  nr: number;
  /** Linux's name (__NR_<name>), or the cptbench extension's. */
  name: string;
  /** "linux": a riscv32 Linux syscall; "cptbench": a C/R call Linux never had (cr-nr.ts). */
  abi: "linux" | "cptbench";
  level: SupportLevel;
  /** What is missing (partial), why it is missing (enosys), or a remark (full); may be "". */
  note: string;
  /** The C/R status of what the call creates or changes (SyscallEntry.cr); "-" for enosys. */
  cr: string;
  /** Where the handler is, "sys-fs.ts sysOpenat" (file alone for an anonymous function); null for enosys. */
  handler: string | null;
}

/**
 * Where an entry's name differs from Linux's for the same number: _llseek is the spelling strace
 * and glibc use for __NR_llseek, and --strace prints it as strace does.
 */
export const STRACE_SPELLING: Readonly<Record<string, string>> = { llseek: "_llseek" };

/** Every riscv32 Linux syscall, by number. */
export const LINUX_NAMES: ReadonlyMap<number, string> = new Map([...LINUX_6_1, ...LINUX_LATER]);

function handlerName(file: string, e: SyscallEntry): string {
  // An inline arrow takes the property's name ("fn") or none: the file is all there is to say.
  const fn = e.fn.name;
  return fn === "" || fn === "fn" ? file : `${file} ${fn}`;
}

/** The table, ordered by number: Linux's calls, then the cptbench extensions. */
export function syscallRows(): SyscallRow[] {
  const entries = new Map<number, { file: string; e: SyscallEntry }>();
  for (const [file, list] of SYSCALL_FILES) for (const e of list) entries.set(e.nr, { file, e });
  const why = new Map<string, string>();
  for (const g of MISSING) for (const n of g.names) why.set(n, g.note);
  const rows: SyscallRow[] = [];
  for (const [nr, name] of LINUX_NAMES) {
    const hit = entries.get(nr);
    rows.push(hit === undefined
      ? { nr, name, abi: "linux", level: "enosys", note: why.get(name) ?? "not implemented", cr: "-", handler: null }
      : fromEntry(nr, name, "linux", hit.file, hit.e));
  }
  for (const [nr, { file, e }] of entries) {
    if (!LINUX_NAMES.has(nr)) rows.push(fromEntry(nr, e.name, "cptbench", file, e));
  }
  return rows.sort((a, b) => a.nr - b.nr);
}

function fromEntry(nr: number, name: string, abi: SyscallRow["abi"], file: string, e: SyscallEntry): SyscallRow {
  return { nr, name, abi, level: e.level, note: e.note ?? "", cr: e.cr, handler: handlerName(file, e) };
}
