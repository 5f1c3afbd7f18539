// Capabilities (kernel/capability.c, security/commoncap.c): capget and capset with the three
// header versions, and the prctl options on the bounding and ambient sets. Only the caller's own
// sets can change (capset of another pid is EPERM, as since Linux 2.6.24).
import {
  CAP_SETPCAP, capAnd, capFrom, capHi, capIsSubset, capLo, capLower, capOr, capRaise, capRaised, capValid, type Cred,
} from "../cred.ts";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../errno.ts";
import type { Kernel } from "../kernel.ts";
import type { Task } from "../task.ts";
import type { SyscallEntry } from "./types.ts";

/** struct __user_cap_header_struct versions: v1 has one 32-bit word per set, v2 and v3 two. */
export const LINUX_CAPABILITY_VERSION_1 = 0x19980330;
export const LINUX_CAPABILITY_VERSION_2 = 0x20071026;
export const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

/**
 * cap_validate_magic: the number of data words the version moves, or -EINVAL after writing the
 * version this kernel prefers (v3) back into the header, which is how a program asks for it.
 */
function validateMagic(t: Task, hdr: number): number {
  const version = t.mm.readU32(hdr);
  if (version === null) return -EFAULT;
  switch (version) {
    case LINUX_CAPABILITY_VERSION_1:
      return 1;
    case LINUX_CAPABILITY_VERSION_2:
    case LINUX_CAPABILITY_VERSION_3:
      return 2;
    default:
      return t.mm.writeU32(hdr, LINUX_CAPABILITY_VERSION_3) ? -EINVAL : -EFAULT;
  }
}

function sysCapget(k: Kernel, t: Task, hdr: number, data: number): number {
  const words = validateMagic(t, hdr);
  // A NULL data pointer with a bad version is the probe for the preferred version: it succeeds.
  if (data === 0 || words < 0) return data === 0 && words === -EINVAL ? 0 : words;
  const pidRaw = t.mm.readU32(hdr + 4);
  if (pidRaw === null) return -EFAULT;
  const pid = pidRaw | 0;
  if (pid < 0) return -EINVAL;
  const target = pid === 0 ? t : k.findTask(t.pidNs, pid);
  if (target === undefined) return -ESRCH;
  const c = target.cred;
  // struct __user_cap_data_struct { effective, permitted, inheritable } per word; v1 silently
  // drops the upper word (old libcap then drops the upper capabilities at its capset: fail-safe).
  const out = new Uint32Array(3 * words);
  for (let i = 0; i < words; i++) {
    const w = i === 0 ? capLo : capHi;
    out.set([w(c.capEffective), w(c.capPermitted), w(c.capInheritable)], 3 * i);
  }
  return t.mm.copyOut(data, new Uint8Array(out.buffer)) ? 0 : -EFAULT;
}

function sysCapset(k: Kernel, t: Task, hdr: number, data: number): number {
  const words = validateMagic(t, hdr);
  if (words < 0) return words;
  const pidRaw = t.mm.readU32(hdr + 4);
  if (pidRaw === null) return -EFAULT;
  const pid = pidRaw | 0;
  if (pid !== 0 && pid !== t.pid.nrIn(t.pidNs)) return -EPERM;
  const raw = t.mm.copyIn(data, 12 * words);
  if (raw === null) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const set = (field: number): number => capFrom(v.getUint32(field, true), words > 1 ? v.getUint32(12 + field, true) : 0);
  const eff = set(0);
  const prm = set(4);
  const inh = set(8);
  const err = capCheck(t.cred, eff, prm, inh);
  if (err !== 0) return err;
  // Ambient bits that are no longer both permitted and inheritable go.
  const amb = capAnd(t.cred.capAmbient, capAnd(prm, inh));
  commit(k, t, t.cred.copy({ capEffective: eff, capPermitted: prm, capInheritable: inh, capAmbient: amb }, `capset by pid ${t.id}`));
  return 0;
}

/** cap_capset's rules: 0, or -EPERM naming nothing (Linux says no more either). */
export function capCheck(old: Cred, eff: number, prm: number, inh: number): number {
  // Without CAP_SETPCAP the new inheritable set stays within the old inheritable and permitted.
  if (!old.capable(CAP_SETPCAP) && !capIsSubset(inh, capOr(old.capInheritable, old.capPermitted))) return -EPERM;
  // Nothing inheritable from outside the bounding set, even with CAP_SETPCAP.
  if (!capIsSubset(inh, capOr(old.capInheritable, old.capBset))) return -EPERM;
  if (!capIsSubset(prm, old.capPermitted)) return -EPERM;
  if (!capIsSubset(eff, prm)) return -EPERM;
  return 0;
}

/** commit_creds: the task holds the new cred, the caller's reference goes. */
function commit(_k: Kernel, t: Task, next: Cred): void {
  t.setCred(next);
  next.kobjRegistry.put(next);
}

export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_IS_SET = 1;
const PR_CAP_AMBIENT_RAISE = 2;
const PR_CAP_AMBIENT_LOWER = 3;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;

/** cap_task_prctl's options on the bounding and ambient sets (prctl's other options: sys-proc.ts). */
export function capPrctl(k: Kernel, t: Task, option: number, arg2: number, arg3: number, arg4: number, arg5: number): number {
  const c = t.cred;
  const a2 = arg2 >>> 0;
  const a3 = arg3 >>> 0;
  switch (option) {
    case PR_CAPBSET_READ:
      return capValid(a2) ? (capRaised(c.capBset, a2) ? 1 : 0) : -EINVAL;
    case PR_CAPBSET_DROP:
      if (!c.capable(CAP_SETPCAP)) return -EPERM;
      if (!capValid(a2)) return -EINVAL;
      commit(k, t, c.copy({ capBset: capLower(c.capBset, a2) }, `PR_CAPBSET_DROP by pid ${t.id}`));
      return 0;
    case PR_CAP_AMBIENT:
      if (a2 === PR_CAP_AMBIENT_CLEAR_ALL) {
        if ((arg3 | arg4 | arg5) !== 0) return -EINVAL;
        commit(k, t, c.copy({ capAmbient: 0 }, `PR_CAP_AMBIENT_CLEAR_ALL by pid ${t.id}`));
        return 0;
      }
      if (!capValid(a3) || (arg4 | arg5) !== 0) return -EINVAL;
      if (a2 === PR_CAP_AMBIENT_IS_SET) return capRaised(c.capAmbient, a3) ? 1 : 0;
      if (a2 === PR_CAP_AMBIENT_RAISE) {
        // Only a capability both permitted and inheritable may become ambient.
        if (!capRaised(c.capPermitted, a3) || !capRaised(c.capInheritable, a3)) return -EPERM;
        commit(k, t, c.copy({ capAmbient: capRaise(c.capAmbient, a3) }, `PR_CAP_AMBIENT_RAISE by pid ${t.id}`));
        return 0;
      }
      if (a2 === PR_CAP_AMBIENT_LOWER) {
        commit(k, t, c.copy({ capAmbient: capLower(c.capAmbient, a3) }, `PR_CAP_AMBIENT_LOWER by pid ${t.id}`));
        return 0;
      }
      return -EINVAL;
    default:
      return -EINVAL;
  }
}

export const CAPABILITY_SYSCALLS: SyscallEntry[] = [
  {
    nr: 90, name: "capget", args: ["p", "p"], level: "full", cr: "-", fn: sysCapget,
  },
  {
    nr: 91, name: "capset", args: ["p", "p"], level: "full", cr: "creds (capEffective, capPermitted, capInheritable, capAmbient)", fn: sysCapset,
  },
];
