// Control messages (Linux's net/core/scm.c): SCM_RIGHTS and SCM_CREDENTIALS parsed from a
// sendmsg's control buffer (__scm_send), and written into a recvmsg's (put_cmsg,
// scm_detach_fds). The layout is riscv32's: a 12-byte cmsghdr {len, level, type}, 4-byte aligned.
import { CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN } from "../kernel/cred.ts";
import type { Task } from "../kernel/task.ts";
import { EBADF, EFAULT, EINVAL, EPERM, ESRCH } from "../fs/errno.ts";
import type { File } from "../fs/file.ts";
import type { FsCtx } from "../fs/inode.ts";
import { MSG_CMSG_CLOEXEC, MSG_CTRUNC, SCM_CREDENTIALS, SCM_MAX_FD, SCM_RIGHTS, SOL_SOCKET } from "./constants.ts";
import type { RecvMsg, ScmSend } from "./msg.ts";

const CMSGHDR = 12;
const cmsgAlign = (n: number): number => (n + 3) & ~3;

/** Drop the file references a parsed control message holds (the send failed or left them). */
export function scmDestroy(c: FsCtx, scm: ScmSend): void {
  if (scm.fds !== null) for (const f of scm.fds) c.k.kobj.put(f, "SCM_RIGHTS not sent");
  scm.fds = null;
}

/** scm_check_creds: a sender may claim its own pid and any of its ids (more with capabilities). */
function checkCreds(t: Task, pid: number, uid: number, gid: number): number {
  const cr = t.cred;
  if (uid === -1 || gid === -1) return -EINVAL;
  const pidOk = pid === t.group.leader.pid.nrIn(t.pidNs) || cr.capable(CAP_SYS_ADMIN);
  const uidOk = uid === cr.uid || uid === cr.euid || uid === cr.suid || cr.capable(CAP_SETUID);
  const gidOk = gid === cr.gid || gid === cr.egid || gid === cr.sgid || cr.capable(CAP_SETGID);
  return pidOk && uidOk && gidOk ? 0 : -EPERM;
}

/**
 * __scm_send: walk the control messages. Levels other than SOL_SOCKET are skipped; a malformed
 * header or an unknown SOL_SOCKET type is EINVAL, a bad fd EBADF, more than SCM_MAX_FD files
 * EINVAL. Returns what to attach (holding file references), or -errno with none held.
 */
export function scmSend(c: FsCtx, control: Uint8Array): ScmSend | number {
  const scm: ScmSend = { fds: null, creds: null };
  const dv = new DataView(control.buffer, control.byteOffset, control.byteLength);
  const fail = (e: number): number => {
    scmDestroy(c, scm);
    return e;
  };
  for (let off = 0; off + CMSGHDR <= control.length; ) {
    const len = dv.getUint32(off, true);
    if (len < CMSGHDR || len > control.length - off) return fail(-EINVAL);
    const level = dv.getInt32(off + 4, true);
    const type = dv.getInt32(off + 8, true);
    if (level === SOL_SOCKET) {
      if (type === SCM_RIGHTS) {
        const n = Math.floor((len - CMSGHDR) / 4);
        if (n > 0) {
          const have = scm.fds?.length ?? 0;
          if (n > SCM_MAX_FD || have + n > SCM_MAX_FD) return fail(-EINVAL);
          scm.fds ??= [];
          for (let i = 0; i < n; i++) {
            // fget_raw: O_PATH files may be passed too.
            const f = c.t.files?.get(dv.getInt32(off + CMSGHDR + 4 * i, true));
            if (f === undefined) return fail(-EBADF);
            c.k.kobj.get(f, "SCM_RIGHTS in flight");
            scm.fds.push(f);
          }
        }
      } else if (type === SCM_CREDENTIALS) {
        if (len !== CMSGHDR + 12) return fail(-EINVAL);
        const pid = dv.getInt32(off + CMSGHDR, true);
        const uid = dv.getInt32(off + CMSGHDR + 4, true);
        const gid = dv.getInt32(off + CMSGHDR + 8, true);
        const err = checkCreds(c.t, pid, uid, gid);
        if (err !== 0) return fail(err);
        if (c.t.pidNs.pids.get(pid) === undefined) return fail(-ESRCH);
        scm.creds = { pid, uid: uid >>> 0, gid: gid >>> 0 };
      } else return fail(-EINVAL);
    }
    off += cmsgAlign(len);
  }
  return scm;
}

/** The user's control buffer as recvmsg fills it (msg_control, msg_controllen). */
export interface CtlBuf {
  addr: number;
  len: number;
}

/** put_cmsg: one message, truncated (MSG_CTRUNC) to the room left. */
function putCmsg(c: FsCtx, m: RecvMsg, ctl: CtlBuf, type: number, data: Uint8Array): number {
  if (ctl.addr === 0 || ctl.len < CMSGHDR) {
    m.msgFlags |= MSG_CTRUNC;
    return 0;
  }
  let cmlen = CMSGHDR + data.length;
  if (ctl.len < cmlen) {
    m.msgFlags |= MSG_CTRUNC;
    cmlen = ctl.len;
  }
  const b = new Uint8Array(cmlen);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, cmlen, true);
  dv.setInt32(4, SOL_SOCKET, true);
  dv.setInt32(8, type, true);
  b.set(data.subarray(0, cmlen - CMSGHDR), CMSGHDR);
  if (!c.t.mm.copyOut(ctl.addr, b)) return -EFAULT;
  const used = Math.min(cmsgAlign(CMSGHDR + data.length), ctl.len);
  ctl.addr += used;
  ctl.len -= used;
  return 0;
}

/**
 * scm_recv: SCM_CREDENTIALS first (when the socket has SO_PASSCRED), then SCM_RIGHTS: as many
 * files as fit get fds (close-on-exec with MSG_CMSG_CLOEXEC); the rest are closed and MSG_CTRUNC
 * says so. Consumes m.scm.
 */
export function scmRecv(c: FsCtx, m: RecvMsg, ctl: CtlBuf, recvFlags: number): number {
  let err = 0;
  if (m.credsWanted) {
    const cr = m.scm.creds;
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    if (cr !== null) {
      dv.setInt32(0, cr.pid.nrIn(c.t.pidNs), true);
      dv.setUint32(4, cr.uid, true);
      dv.setUint32(8, cr.gid, true);
    }
    err = putCmsg(c, m, ctl, SCM_CREDENTIALS, b);
  }
  if (m.scm.creds !== null) c.k.kobj.put(m.scm.creds.pid, "SCM_CREDENTIALS received");
  m.scm.creds = null;
  const fds: File[] = m.scm.fds ?? [];
  m.scm.fds = null;
  if (fds.length === 0 || err < 0) {
    for (const f of fds) c.k.kobj.put(f, "SCM_RIGHTS dropped");
    return err;
  }
  const files = c.t.files;
  const fdmax = ctl.addr === 0 || ctl.len <= CMSGHDR ? 0 : Math.min(Math.floor((ctl.len - CMSGHDR) / 4), fds.length);
  const cloexec = (recvFlags & MSG_CMSG_CLOEXEC) !== 0;
  const installed: number[] = [];
  for (let i = 0; i < fdmax && files !== null; i++) {
    const fd = files.allocFd();
    if (fd < 0) break;
    if (!c.t.mm.copyOut(ctl.addr + CMSGHDR + 4 * i, int32(fd))) break;
    files.install(fd, fds[i], cloexec);
    installed.push(fd);
  }
  for (const f of fds.slice(installed.length)) c.k.kobj.put(f, "SCM_RIGHTS did not fit");
  if (installed.length > 0) {
    const hdr = new Uint8Array(CMSGHDR);
    const dv = new DataView(hdr.buffer);
    dv.setUint32(0, CMSGHDR + 4 * installed.length, true);
    dv.setInt32(4, SOL_SOCKET, true);
    dv.setInt32(8, SCM_RIGHTS, true);
    if (!c.t.mm.copyOut(ctl.addr, hdr)) return -EFAULT;
    const used = Math.min(cmsgAlign(CMSGHDR + 4 * installed.length), ctl.len);
    ctl.addr += used;
    ctl.len -= used;
  }
  if (installed.length < fds.length || fdmax <= 0) m.msgFlags |= MSG_CTRUNC;
  return 0;
}

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}
