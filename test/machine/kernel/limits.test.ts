// Limits, accounting and prctl where qemu-riscv32 cannot be the oracle (it keeps RLIMIT_AS and
// RLIMIT_STACK to itself, starts a thread of its own in each process, truncates sysinfo's memory
// fields and answers EINVAL to PR_GET_TID_ADDRESS): RLIMIT_AS at mmap, RLIMIT_NPROC for a
// non-root user, RLIMIT_CORE and the core flag, RLIMIT_NOFILE in the fd table across fork,
// sysinfo's memory, getrandom's determinism, CPU affinity in the scheduler, PR_GET_TID_ADDRESS.
import { describe, expect, it } from "vitest";
import { EAGAIN, EMFILE, ENOMEM } from "../../../src/machine/kernel/errno.ts";
import { doGroupExit } from "../../../src/machine/kernel/exit.ts";
import { Prng } from "../../../src/machine/kernel/prng.ts";
import { RLIM_INFINITY, RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK, rlimit } from "../../../src/machine/kernel/rlimit.ts";
import { checkCpuRlimit } from "../../../src/machine/kernel/cpu-rlimit.ts";
import { SIGKILL, SIGXCPU } from "../../../src/machine/kernel/signal-names.ts";
import { STACK_LIMIT } from "../../../src/machine/mm/layout.ts";
import { Scheduler } from "../../../src/machine/kernel/sched.ts";
import { copyProcess } from "../../../src/machine/kernel/fork.ts";
import { MAP_ANONYMOUS, MAP_PRIVATE } from "../../../src/machine/mm/mmap.ts";
import { PROT_READ, PROT_WRITE } from "../../../src/machine/mm/vma.ts";
import { boot, fork, open } from "../fs/helpers.ts";
import { get, put, rlimit64, sys, userBuf } from "./syscall-helpers.ts";

const PRLIMIT64 = 261;
const MMAP2 = 222;
const SETUID = 146;
const SYSINFO = 179;
const GETRANDOM = 278;
const PRCTL = 167;
const SET_TID_ADDRESS = 96;
const PR_GET_TID_ADDRESS = 40;

const KiB = 1024n;

describe("resource limits", () => {
  it("RLIMIT_AS refuses an mmap that would take the address space past it", () => {
    const { k, t } = boot();
    const buf = userBuf(t, 4096);
    put(t, buf, rlimit64(t.mm.vmas.reduce((n, v) => n + BigInt(v.end - v.start), 0n) + 64n * KiB, RLIM_INFINITY));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_AS, buf, 0)).toBe(0);
    const anon = MAP_PRIVATE | MAP_ANONYMOUS;
    expect(sys(k, t, MMAP2, 0, 128 * 1024, PROT_READ | PROT_WRITE, anon, -1, 0)).toBe(-ENOMEM);
    expect(sys(k, t, MMAP2, 0, 32 * 1024, PROT_READ | PROT_WRITE, anon, -1, 0)).toBeGreaterThan(0);
    expect(sys(k, t, MMAP2, 0, 64 * 1024, PROT_READ | PROT_WRITE, anon, -1, 0)).toBe(-ENOMEM);
  });

  it("RLIMIT_NPROC counts a non-root user's tasks at fork; root is exempt", () => {
    const { k, t } = boot();
    const buf = userBuf(t, 4096);
    put(t, buf, rlimit64(2n, 2n));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_NPROC, buf, 0)).toBe(0);
    const rootChild = fork(k, t);
    expect(rootChild.alive).toBe(true);
    expect(sys(k, t, SETUID, 54321)).toBe(0);
    const clone = () => copyProcess(k, t, { flags: 0, stack: 0, parentTid: 0, childTid: 0, tls: 0, exitSignal: 17, setTid: [] });
    const first = clone();
    expect(typeof first).not.toBe("number");
    expect(clone()).toBe(-EAGAIN);
  });

  it("RLIMIT_CORE above 0 makes a core-dumping signal report a dumped core", () => {
    const a = boot();
    doGroupExit(a.k, a.t, { signal: 6, core: true });
    expect(a.t.exit).toEqual({ signal: 6, core: false });
    const b = boot();
    const buf = userBuf(b.t, 4096);
    put(b.t, buf, rlimit64(1024n * KiB, RLIM_INFINITY));
    expect(sys(b.k, b.t, PRLIMIT64, 0, RLIMIT_CORE, buf, 0)).toBe(0);
    doGroupExit(b.k, b.t, { signal: 6, core: true });
    expect(b.t.exit).toEqual({ signal: 6, core: true });
  });

  it("RLIMIT_NOFILE is the fd table's limit, for a forked child too", () => {
    const { k, t, c } = boot();
    const buf = userBuf(t, 4096);
    put(t, buf, rlimit64(5n, 4096n));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_NOFILE, buf, buf + 16)).toBe(0);
    expect(get(t, buf + 16, 16).getBigUint64(0, true)).toBe(1024n);
    const files = t.files!;
    const f = open(c, "/nofile");
    expect(files.installNew(f, false)).toBe(3);
    k.kobj.get(f);
    expect(files.installNew(f, false)).toBe(4);
    expect(files.allocFd()).toBe(-EMFILE);
    const child = fork(k, t);
    expect(child.files!.limit).toBe(5);
    expect(child.group.rlimits).toBe(t.group.rlimits);
  });
});

// libc-rlimit-cpu and libc-rlimit-stack check these against Linux with limits of 0 seconds and
// a few hundred KiB; what a C program cannot reach in a test's time: CPU seconds (10^9 cycles each).
describe("RLIMIT_CPU and RLIMIT_STACK", () => {
  const pendingFor = (t: import("../../../src/machine/kernel/task.ts").Task, sig: number): boolean =>
    (t.group.sharedPending.signals & (1n << BigInt(sig - 1))) !== 0n;

  it("RLIMIT_CPU: SIGXCPU once a second from the soft limit on, the soft limit moving up; SIGKILL at the hard one", () => {
    const { k, t } = boot();
    const buf = userBuf(t, 4096);
    put(t, buf, rlimit64(2n, 4n));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_CPU, buf, 0)).toBe(0);
    // Blocked, so each SIGXCPU stays pending to be seen (its default action would end the test).
    t.blocked = 1n << BigInt(SIGXCPU - 1);
    const take = (): void => {
      t.group.sharedPending.signals = 0n;
      t.group.sharedPending.queue.length = 0;
    };
    t.cpuCycles = 1.5e9 - t.hart.instret;
    checkCpuRlimit(k, t);
    expect(pendingFor(t, SIGXCPU)).toBe(false);
    // Threads that exited count: their time is in the group's dead times.
    t.group.deadUtime += 0.5e9;
    checkCpuRlimit(k, t);
    expect(pendingFor(t, SIGXCPU)).toBe(true);
    expect(rlimit(k, t.group, RLIMIT_CPU)).toEqual({ cur: 3n, max: 4n });
    take();
    checkCpuRlimit(k, t);
    expect(pendingFor(t, SIGXCPU)).toBe(false);
    t.cpuCycles += 1e9;
    checkCpuRlimit(k, t);
    expect(pendingFor(t, SIGXCPU)).toBe(true);
    expect(rlimit(k, t.group, RLIMIT_CPU).cur).toBe(4n);
    take();
    t.cpuCycles += 1e9;
    checkCpuRlimit(k, t);
    expect(pendingFor(t, SIGXCPU)).toBe(false);
    expect(t.group.groupExit || pendingFor(t, SIGKILL)).toBe(true);
  });

  it("RLIMIT_CPU's new soft limit is the process's own: a forked child sharing the table keeps its value", () => {
    const { k, t } = boot();
    const buf = userBuf(t, 4096);
    put(t, buf, rlimit64(0n, RLIM_INFINITY));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_CPU, buf, 0)).toBe(0);
    t.blocked = 1n << BigInt(SIGXCPU - 1);
    const child = fork(k, t);
    expect(child.group.rlimits).toBe(t.group.rlimits);
    checkCpuRlimit(k, t);
    expect(rlimit(k, t.group, RLIMIT_CPU).cur).toBe(1n);
    expect(rlimit(k, child.group, RLIMIT_CPU).cur).toBe(0n);
  });

  it("RLIMIT_STACK is the mm's limit on stack growth: set by prlimit64, inherited by fork, applied at the next fault", () => {
    const { k, t } = boot();
    expect(t.mm.stackLimit).toBe(STACK_LIMIT);
    const stack = t.mm.vmas.find((v) => v.kind === "stack")!;
    const buf = userBuf(t, 4096);
    const size = stack.end - stack.start;
    put(t, buf, rlimit64(BigInt(size + 8192), RLIM_INFINITY));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_STACK, buf, 0)).toBe(0);
    expect(t.mm.stackLimit).toBe(size + 8192);
    const child = fork(k, t);
    expect(child.mm.stackLimit).toBe(size + 8192);
    // Two pages below the stack: within the limit; a third page further: past it.
    expect(t.mm.copyOut(stack.start - 8192, new Uint8Array(4))).toBe(true);
    expect(t.mm.copyOut(stack.start - 12288, new Uint8Array(4))).toBe(false);
    put(t, buf, rlimit64(RLIM_INFINITY, RLIM_INFINITY));
    expect(sys(k, t, PRLIMIT64, 0, RLIMIT_STACK, buf, 0)).toBe(0);
    expect(t.mm.stackLimit).toBe(Infinity);
    expect(t.mm.copyOut(stack.start - 12288, new Uint8Array(4))).toBe(true);
    expect(child.mm.stackLimit).toBe(size + 8192);
  });
});

describe("accounting and machine information", () => {
  it("sysinfo reports the machine's memory in bytes (mem_unit 1) and its tasks", () => {
    const { k, t } = boot(32);
    const buf = userBuf(t, 4096);
    expect(sys(k, t, SYSINFO, buf)).toBe(0);
    const dv = get(t, buf, 64);
    expect(dv.getUint32(16, true)).toBe(32 * 1024 * 1024);
    expect(dv.getUint32(20, true)).toBeLessThan(32 * 1024 * 1024);
    expect(dv.getUint16(40, true)).toBe(k.tasks.size);
    expect(dv.getUint32(52, true)).toBe(1);
    expect(dv.getInt32(0, true)).toBeGreaterThanOrEqual(1);
  });

  it("getrandom's bytes follow from the seed, and do not move the scheduler's generator after the first call", () => {
    const draw = (seed: number): number[] => {
      const { k, t } = boot();
      (k as { prng: Prng }).prng = new Prng(seed);
      const buf = userBuf(t, 4096);
      expect(sys(k, t, GETRANDOM, buf, 32, 0)).toBe(32);
      const afterFirst = k.prng.nextU32();
      sys(k, t, GETRANDOM, buf + 32, 32, 0);
      return [...new Uint8Array(get(t, buf, 64).buffer), afterFirst];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("a CPU takes only the tasks allowed on it; setting a mask that excludes the CPU a task is on ends its turn", () => {
    const { t } = boot();
    const s = new Scheduler(new Prng(1), { cpus: 2, quantum: 1000 });
    s.setAffinity(t, 0b10);
    s.enqueue(t, 0);
    expect(s.fill(s.cpus[0])).toBeNull();
    expect(s.nextCpu()).toBe(s.cpus[1]);
    expect(s.fill(s.cpus[1])).toBe(t);
    s.setAffinity(t, 0b01);
    expect(s.cpus[1].quantumLeft).toBe(0);
    s.preempt(s.cpus[1]);
    expect(s.fill(s.cpus[1])).toBeNull();
    expect(s.fill(s.cpus[0])).toBe(t);
  });

  it("PR_GET_TID_ADDRESS writes the set_tid_address pointer", () => {
    const { k, t } = boot();
    const buf = userBuf(t, 4096);
    sys(k, t, SET_TID_ADDRESS, buf + 100);
    expect(sys(k, t, PRCTL, PR_GET_TID_ADDRESS, buf)).toBe(0);
    expect(get(t, buf, 4).getUint32(0, true)).toBe(buf + 100);
  });
});
