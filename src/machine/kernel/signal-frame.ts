// The riscv32 signal frame (arch/riscv/kernel/signal.c): what a handler finds on its stack, and
// what rt_sigreturn reads back.
//
//   struct rt_sigframe { siginfo_t info (128 bytes); struct ucontext uc; }
//   struct ucontext    { u32 uc_flags @0; u32 uc_link @4; stack_t uc_stack @8 (sp, flags, size);
//                        sigset_t uc_sigmask @20 (8 bytes, padded to 128 bytes);
//                        struct sigcontext uc_mcontext @160 (16-byte aligned) }
//   struct sigcontext  { u32 sc_regs[32] (pc, then x1..x31);
//                        union __riscv_fp_state (D: u64 f[32], u32 fcsr; sized for Q: 528 bytes) }
//
// The handler is entered with a0 = signal, a1 = &info, a2 = &uc, sp = the frame, and ra = the
// sigreturn trampoline on the [vdso] page (riscv ignores SA_RESTORER, as Linux does).
import type { Kernel } from "./kernel.ts";
import { encodeSigInfo, SIGINFO_SIZE, type SigInfo } from "./siginfo.ts";
import { VDSO_SIGRETURN } from "./exec.ts";
import { UNBLOCKABLE, SA_ONSTACK } from "./signal-defs.ts";
import type { SigAction, Task } from "./task.ts";

export const UC_OFFSET = SIGINFO_SIZE;
export const UC_STACK = 8;
export const UC_SIGMASK = 20;
export const UC_MCONTEXT = 160;
const FP_STATE_SIZE = 528;
export const SIGCONTEXT_SIZE = 32 * 4 + FP_STATE_SIZE;
export const RT_SIGFRAME_SIZE = UC_OFFSET + UC_MCONTEXT + SIGCONTEXT_SIZE;

export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 1 << 31;

/** Whether sp is on t's alternate signal stack. */
export function onSigStack(t: Task, sp: number): boolean {
  const { sp: base, size } = t.sas;
  return size !== 0 && sp >>> 0 > base >>> 0 && sp >>> 0 <= (base + size) >>> 0;
}

function encodeStack(t: Task, dv: DataView, off: number): void {
  dv.setUint32(off, t.sas.sp >>> 0, true);
  const flags = t.sas.size === 0 ? SS_DISABLE : (onSigStack(t, t.hart.x[2]) ? SS_ONSTACK : 0) | (t.sas.flags & SS_AUTODISARM);
  dv.setInt32(off + 4, flags, true);
  dv.setUint32(off + 8, t.sas.size >>> 0, true);
}

/** Build the frame and point the registers at the handler. False if the stack is unusable. */
export function setupRtFrame(k: Kernel, t: Task, sig: number, info: SigInfo, ka: SigAction, oldMask: bigint): boolean {
  const h = t.hart;
  let sp = h.x[2] >>> 0;
  if ((ka.flags & SA_ONSTACK) !== 0 && t.sas.size !== 0 && !onSigStack(t, sp)) sp = (t.sas.sp + t.sas.size) >>> 0;
  const frame = ((sp - RT_SIGFRAME_SIZE) & ~15) >>> 0;
  const bytes = new Uint8Array(RT_SIGFRAME_SIZE);
  const dv = new DataView(bytes.buffer);
  const senderPid = info.pidNr ?? (info.pid !== undefined ? (k.tasks.get(info.pid)?.pid.nrIn(t.pidNs) ?? 0) : 0);
  bytes.set(encodeSigInfo(info, senderPid), 0);
  const uc = UC_OFFSET;
  encodeStack(t, dv, uc + UC_STACK);
  dv.setUint32(uc + UC_SIGMASK, Number(oldMask & 0xffffffffn), true);
  dv.setUint32(uc + UC_SIGMASK + 4, Number(oldMask >> 32n), true);
  const mc = uc + UC_MCONTEXT;
  dv.setUint32(mc, h.pc >>> 0, true);
  for (let i = 1; i < 32; i++) dv.setInt32(mc + 4 * i, h.x[i], true);
  const fp = mc + 128;
  for (let i = 0; i < 64; i++) dv.setUint32(fp + 4 * i, h.f[i], true);
  dv.setUint32(fp + 256, h.fcsr, true);
  if (!t.mm.copyOut(frame, bytes)) return false;
  if ((t.sas.flags & SS_AUTODISARM) !== 0 && (ka.flags & SA_ONSTACK) !== 0) t.sas = { sp: 0, size: 0, flags: SS_DISABLE };
  h.x[2] = frame | 0;
  h.x[1] = VDSO_SIGRETURN | 0;
  h.x[10] = sig;
  // riscv passes &info and &uc whether or not SA_SIGINFO is set.
  h.x[11] = frame | 0;
  h.x[12] = (frame + uc) | 0;
  h.pc = ka.handler >>> 0;
  return true;
}

/**
 * rt_sigreturn: restore registers, FP state, the signal mask and the alternate stack from the
 * frame at sp. False if the frame cannot be read (the caller sends SIGSEGV).
 */
export function restoreRtFrame(t: Task): boolean {
  const h = t.hart;
  const frame = h.x[2] >>> 0;
  const bytes = t.mm.copyIn(frame, RT_SIGFRAME_SIZE);
  if (bytes === null) return false;
  const dv = new DataView(bytes.buffer);
  const uc = UC_OFFSET;
  const mask = BigInt(dv.getUint32(uc + UC_SIGMASK, true)) | (BigInt(dv.getUint32(uc + UC_SIGMASK + 4, true)) << 32n);
  t.blocked = mask & ~UNBLOCKABLE;
  const mc = uc + UC_MCONTEXT;
  h.pc = dv.getUint32(mc, true);
  for (let i = 1; i < 32; i++) h.x[i] = dv.getInt32(mc + 4 * i, true);
  const fp = mc + 128;
  for (let i = 0; i < 64; i++) h.f[i] = dv.getUint32(fp + 4 * i, true);
  h.fcsr = dv.getUint32(fp + 256, true);
  // restore_altstack: errors are ignored, as Linux does.
  const ssSp = dv.getUint32(uc + UC_STACK, true);
  const ssFlags = dv.getInt32(uc + UC_STACK + 4, true);
  const ssSize = dv.getUint32(uc + UC_STACK + 8, true);
  if (!onSigStack(t, h.x[2])) {
    if ((ssFlags & SS_DISABLE) !== 0) t.sas = { sp: 0, size: 0, flags: SS_DISABLE };
    else if (ssSize >= 2048) t.sas = { sp: ssSp, size: ssSize, flags: ssFlags & SS_AUTODISARM };
  }
  return true;
}
