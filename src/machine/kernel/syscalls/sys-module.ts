// Module syscalls and the built-in C/R entry points.
//
// init_module/delete_module take a module by name from the machine's catalogue: the "image"
// init_module is given is just the module's name (we do not load ELF kernel modules).
// sys_checkpoint and sys_restart are numbered outside Linux's table (under qemu they are
// ENOSYS); they dispatch to the cpt_operations a loaded module registered, holding the owner
// module's reference across the call (try_module_get in the caller, as the seed's sys_core.c).
import { EBADF, EFAULT, EINVAL, ENOEXEC, ENOSYS, EPERM } from "../errno.ts";
import { fdget, kernelRead } from "../../fs/index.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

export const CAP_SYS_MODULE = 16;
import { NR_CHECKPOINT, NR_CPT_MARK, NR_RESTART } from "./cr-nr.ts";

export { NR_CHECKPOINT, NR_CPT_MARK, NR_RESTART };

function sysInitModule(k: Kernel, t: Task, umod: number, len: number): number {
  if (!t.cred.capable(CAP_SYS_MODULE)) return -EPERM;
  const b = t.mm.copyIn(umod, Math.min(len >>> 0, 64));
  if (b === null) return -EFAULT;
  const end = b.indexOf(0);
  return k.modules.load(new TextDecoder().decode(end < 0 ? b : b.subarray(0, end)));
}

/**
 * finit_module(fd, uargs, flags): the module image is read from the file; its contents name the
 * module (our "image" format). EBADF for a bad fd, EINVAL for a file not open for reading or
 * not naming a module in the catalogue (ENOENT then, as load says), EINVAL for unknown flags.
 */
function sysFinitModule(k: Kernel, t: Task, fd: number, _uargs: number, flags: number): number {
  if (!t.cred.capable(CAP_SYS_MODULE)) return -EPERM;
  if ((flags & ~0x7) !== 0) return -EINVAL; // MODULE_INIT_IGNORE_MODVERSIONS/VERMAGIC/COMPRESSED_FILE
  const f = fdget(t, fd);
  if (f === undefined) return -EBADF;
  const data = kernelRead({ k, t }, f, 64);
  if (typeof data === "number") return data;
  const name = new TextDecoder().decode(data).split(/[\0\n]/)[0].trim();
  if (name === "") return -ENOEXEC;
  return k.modules.load(name);
}

function sysDeleteModule(k: Kernel, t: Task, uname: number): number {
  if (!t.cred.capable(CAP_SYS_MODULE)) return -EPERM;
  const b = t.mm.readCString(uname, 64);
  if (b === null) return -EFAULT;
  return k.modules.unload(new TextDecoder().decode(b));
}

function dispatch(k: Kernel, t: Task, which: "checkpoint" | "restart", a: number, fd: number, flags: number, arg = 0, argLen = 0): number {
  const ops = k.cptOps;
  if (ops === null) return -ENOSYS;
  // A table left registered by a module that is gone: calling it would run freed text.
  if (!k.modules.checkText(ops.owner, `sys_${which} through stale cpt_operations`)) return -ENOSYS;
  if (!k.modules.tryGet(ops.owner)) return -ENOSYS;
  try {
    return which === "checkpoint" ? ops.checkpoint(k, t, a, fd, flags) : ops.restart(k, t, a, fd, flags, arg, argLen);
  } finally {
    k.modules.put(ops.owner, `sys_${which}`);
  }
}

function sysCptMark(k: Kernel, t: Task, ulabel: number): number {
  // Re-executed after a hold: sleep on while still held; once released (or after a restart on
  // a machine where nobody holds it) the call simply returns.
  if (t.restart?.nr === NR_CPT_MARK) return k.cptMarkHeld.has(t) ? k.sleep(t, k.cptMarkWait) : 0;
  const hook = k.onCptMark;
  if (hook === null) return 0;
  const b = ulabel === 0 ? new Uint8Array(0) : t.mm.readCString(ulabel, 64);
  const what = hook(t, b === null ? "" : new TextDecoder().decode(b));
  if (typeof what === "object") return 1 + what.checkpoint;
  if (what !== true) return 0;
  k.cptMarkHeld.add(t);
  t.restart = { nr: NR_CPT_MARK };
  return k.sleep(t, k.cptMarkWait);
}

export const MODULE_SYSCALLS: SyscallEntry[] = [
  {
    nr: 105, name: "init_module", args: ["p", "u", "s"],
    level: "partial", cr: "not checkpointed: modules belong to the machine, not the container",
    note: "the image is a module name from the machine's catalogue, not an ELF object; param_values are ignored",
    fn: sysInitModule,
  },
  {
    nr: 106, name: "delete_module", args: ["s", "x"],
    level: "partial", cr: "-",
    note: "flags are ignored (O_NONBLOCK/O_TRUNC)",
    fn: sysDeleteModule,
  },
  {
    nr: 273, name: "finit_module", args: ["d", "s", "x"],
    level: "partial", cr: "not checkpointed: modules belong to the machine, not the container",
    note: "the file holds a module name from the machine's catalogue, not an ELF object; uargs are ignored",
    fn: sysFinitModule,
  },
  {
    nr: NR_CHECKPOINT, name: "checkpoint", args: ["d", "d", "x"],
    level: "full", cr: "-",
    note: "sys_checkpoint of the 2008 patchsets: dispatches to the cpt_operations of a loaded C/R module; ENOSYS with none",
    fn: (k, t, pid, fd, flags) => dispatch(k, t, "checkpoint", pid, fd, flags),
  },
  {
    nr: NR_RESTART, name: "restart", args: ["d", "d", "x", "p", "u"],
    level: "full", cr: "creates what the image holds",
    note: "sys_restart of the 2008 patchsets: dispatches to the cpt_operations of a loaded C/R module; ENOSYS with none",
    fn: (k, t, ctid, fd, flags, arg, len) => dispatch(k, t, "restart", ctid, fd, flags, arg, len),
  },
  {
    nr: NR_CPT_MARK, name: "cpt_mark", args: ["s"],
    level: "full", cr: "tasks (syscall restart block while held)",
    note: "marks a point where a checkpoint is interesting; does nothing unwatched",
    fn: sysCptMark,
  },
];
