// Process identity and exit, brk, uname, set_tid_address.
import { EFAULT } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

const UTS_FIELD = 65;

/** struct new_utsname: six 65-byte NUL-padded fields. */
export const UTSNAME = {
  sysname: "Linux",
  nodename: "cptbench",
  release: "6.1.0-cptbench",
  version: "#1 SMP PREEMPT cptbench",
  machine: "riscv32",
  domainname: "(none)",
};

function sysUname(_k: Kernel, t: Task, buf: number): number {
  const out = new Uint8Array(UTS_FIELD * 6);
  const enc = new TextEncoder();
  Object.values(UTSNAME).forEach((v, i) => out.set(enc.encode(v).subarray(0, UTS_FIELD - 1), i * UTS_FIELD));
  return t.mm.copyOut(buf, out) ? 0 : -EFAULT;
}

function sysExit(k: Kernel, t: Task, code: number): number {
  k.exitTask(t, { code: code & 0xff });
  return 0;
}

function sysBrk(_k: Kernel, t: Task, addr: number): number {
  return t.mm.setBrk(addr >>> 0);
}

function sysSetTidAddress(_k: Kernel, t: Task, addr: number): number {
  t.clearChildTid = addr >>> 0;
  return t.pid;
}

export const PROC_SYSCALLS: SyscallEntry[] = [
  { nr: 93, name: "exit", args: ["d"], fn: sysExit },
  // With one task per thread group, exit_group and exit end the same task; threads come later.
  { nr: 94, name: "exit_group", args: ["d"], fn: sysExit },
  { nr: 96, name: "set_tid_address", args: ["p"], fn: sysSetTidAddress },
  { nr: 160, name: "uname", args: ["p"], fn: sysUname },
  { nr: 172, name: "getpid", args: [], fn: (_k, t) => t.tgid },
  { nr: 173, name: "getppid", args: [], fn: (_k, t) => t.ppid },
  { nr: 178, name: "gettid", args: [], fn: (_k, t) => t.pid },
  { nr: 214, name: "brk", args: ["p"], ret: "p", fn: sysBrk },
];
