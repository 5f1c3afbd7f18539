// What qemu-riscv32 cannot judge: robust futex lists (qemu answers ENOSYS to set_robust_list and
// get_robust_list, so a libc program cannot compare) and execve's capability arithmetic (a
// workload cannot exec under qemu-user without binfmt_misc on the host).
import { describe, expect, it } from "vitest";
import { CAP_FULL_SET, Cred } from "../../../src/machine/kernel/cred.ts";
import { EFAULT, EINVAL, ESRCH } from "../../../src/machine/kernel/errno.ts";
import { exitRobustList } from "../../../src/machine/kernel/robust-list.ts";
import { boot } from "../fs/helpers.ts";
import { get, sys, userBuf } from "./syscall-helpers.ts";

const SET_ROBUST_LIST = 99;
const GET_ROBUST_LIST = 100;
const WAITERS = 0x80000000;
const OWNER_DIED = 0x40000000;

describe("robust futex lists", () => {
  it("set_robust_list checks the head's size; get_robust_list reports it for itself and by pid", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    expect(sys(k, t, SET_ROBUST_LIST, buf, 24)).toBe(-EINVAL);
    expect(sys(k, t, GET_ROBUST_LIST, 0, buf + 100, buf + 104)).toBe(0);
    expect([get(t, buf + 100, 4).getUint32(0, true), get(t, buf + 104, 4).getUint32(0, true)]).toEqual([0, 12]);
    expect(sys(k, t, SET_ROBUST_LIST, buf, 12)).toBe(0);
    expect(sys(k, t, GET_ROBUST_LIST, t.pid.nrIn(t.pidNs), buf + 100, buf + 104)).toBe(0);
    expect(get(t, buf + 100, 4).getUint32(0, true)).toBe(buf);
    expect(sys(k, t, GET_ROBUST_LIST, 99999, buf + 100, buf + 104)).toBe(-ESRCH);
    expect(sys(k, t, GET_ROBUST_LIST, 0, 16, buf + 104)).toBe(-EFAULT);
  });

  it("at exit marks the locks the thread still owns OWNER_DIED, leaves others', and handles the pending one", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    const tid = t.pid.nrIn(t.pidNs);
    const w = (a: number, v: number): void => void t.mm.writeU32(a, v);
    // head at buf: {next, futex_offset 8, list_op_pending}; entries at buf+64, +128, +192.
    const [e1, e2, e3] = [buf + 64, buf + 128, buf + 192];
    w(buf, e1);
    w(buf + 4, 8);
    w(buf + 8, e3);
    w(e1, e2);
    w(e1 + 8, tid | WAITERS);
    w(e2, buf); // the last entry points back at the head
    w(e2 + 8, 12345); // another thread's lock
    w(e3 + 8, tid); // the pending one, owned
    expect(sys(k, t, SET_ROBUST_LIST, buf, 12)).toBe(0);
    exitRobustList(k, t, t.mm);
    expect(t.mm.readU32(e1 + 8)).toBe((WAITERS | OWNER_DIED) >>> 0);
    expect(t.mm.readU32(e2 + 8)).toBe(12345);
    expect(t.mm.readU32(e3 + 8)).toBe(OWNER_DIED);
    expect(t.robustList).toBe(0);
  });

  it("stops a circular list after ROBUST_LIST_LIMIT entries instead of hanging", () => {
    const { k, t } = boot();
    const buf = userBuf(t);
    t.mm.writeU32(buf, buf + 64);
    t.mm.writeU32(buf + 4, 8);
    t.mm.writeU32(buf + 64, buf + 64); // points at itself, never at the head
    t.robustList = buf;
    exitRobustList(k, t, t.mm);
    expect(t.robustList).toBe(0);
  });
});

describe("execve's capabilities (a file without set-id bits or file capabilities)", () => {
  it("gives root the bounding and inheritable sets, keeps ambient, and resets the saved and fs ids", () => {
    const { k } = boot();
    const root = new Cred(k.kobj, "test", 0, 0, 0, 7, 0, 0, 0, 8, 0x3, 0x3, [], 0x10, 0xff, 0x2).forExec("test");
    expect([root.capPermitted, root.capEffective, root.capAmbient]).toEqual([0xff, 0xff, 0x2]);
    expect([root.fsuid, root.fsgid, root.suid]).toEqual([0, 0, 0]);
    const user = new Cred(k.kobj, "test", 1000, 1000, 0, 1000, 5, 5, 5, 5, 0x7, 0x7, [], 0x6, CAP_FULL_SET, 0x6).forExec("test");
    expect([user.capPermitted, user.capEffective, user.capAmbient, user.suid]).toEqual([0x6, 0x6, 0x6, 1000]);
    const setuidRoot = new Cred(k.kobj, "test", 1000, 0, 1000, 0).forExec("test");
    expect([setuidRoot.capPermitted, setuidRoot.capEffective, setuidRoot.suid]).toEqual([CAP_FULL_SET, CAP_FULL_SET, 0]);
    for (const c of [root, user, setuidRoot]) k.kobj.put(c);
  });
});
