// Ptys from kernel code, for what a C program under qemu-riscv32 cannot show: qemu-user answers
// TIOCGPTLCK with ENOSYS and does not write TIOCGSID's result back, and a guest cannot look at
// the buffers' limits or at leaked objects. The guest-visible behaviour is pinned against Linux
// by the libc-pty workload (test/differential).
import { describe, expect, it } from "vitest";
import { O_NOCTTY, O_RDWR } from "../../../../src/machine/fs/constants.ts";
import { EAGAIN, EIO, ENOENT, ENOTTY, ENXIO } from "../../../../src/machine/fs/errno.ts";
import type { File } from "../../../../src/machine/fs/file.ts";
import { AT_FDCWD } from "../../../../src/machine/fs/constants.ts";
import { openAt } from "../../../../src/machine/fs/open.ts";
import { ttyFileOf } from "../../../../src/machine/fs/tty/pty.ts";
import {
  ICANON, TCGETS, TCSETS, TIOCGPTLCK, TIOCGPTN, TIOCGSID, TIOCSCTTY, TIOCSPTLCK,
} from "../../../../src/machine/fs/tty/termios.ts";
import { FLIP_LIMIT, N_TTY_BUF_SIZE } from "../../../../src/machine/fs/tty/tty-struct.ts";
import { sigmask } from "../../../../src/machine/kernel/signal-defs.ts";
import { SIGCONT, SIGHUP } from "../../../../src/machine/kernel/signal-names.ts";
import { boot, open, readAll, shutdown, write, type Booted } from "../helpers.ts";

/** A scratch word in the task's stack, for the ioctls that read or write user memory. */
const scratch = (b: Booted): number => (b.t.hart.x[2] - 256) >>> 0;

function ioctl(b: Booted, f: File, cmd: number, value?: number): { r: number; out: number } {
  const at = scratch(b);
  if (value !== undefined) b.t.mm.writeU32(at, value);
  const r = f.ops.ioctl!(b.c, f, cmd, at);
  return { r, out: b.t.mm.readU32(at)! };
}

function openPair(b: Booted, flags = O_RDWR | O_NOCTTY): { m: File; s: File; name: string } {
  const m = open(b.c, "/dev/ptmx", O_RDWR | O_NOCTTY);
  const n = ioctl(b, m, TIOCGPTN).out;
  ioctl(b, m, TIOCSPTLCK, 0);
  const name = `/dev/pts/${n}`;
  return { m, s: open(b.c, name, flags), name };
}

describe("ptys", () => {
  it("a new slave is locked until TIOCSPTLCK clears it, and numbers are reused once both ends close", () => {
    const b = boot();
    const m = open(b.c, "/dev/ptmx", O_RDWR);
    expect(ioctl(b, m, TIOCGPTN).out).toBe(0);
    expect(ioctl(b, m, TIOCGPTLCK)).toEqual({ r: 0, out: 1 });
    expect(openAt(b.c, AT_FDCWD, "/dev/pts/0", O_RDWR, 0, "test")).toBe(-EIO);
    ioctl(b, m, TIOCSPTLCK, 0);
    expect(ioctl(b, m, TIOCGPTLCK).out).toBe(0);
    const s = open(b.c, "/dev/pts/0", O_RDWR | O_NOCTTY);
    expect(ioctl(b, s, TIOCGPTN).r).toBe(-ENOTTY);
    const m2 = open(b.c, "/dev/ptmx", O_RDWR);
    expect(ioctl(b, m2, TIOCGPTN).out).toBe(1);
    for (const f of [m, s, m2]) b.k.kobj.put(f);
    const m3 = open(b.c, "/dev/ptmx", O_RDWR);
    expect(ioctl(b, m3, TIOCGPTN).out).toBe(0);
    b.k.kobj.put(m3);
    expect(shutdown(b)).toBe(0);
  });

  it("a session leader's open makes the slave its terminal: TIOCGSID gives its session", () => {
    const b = boot(); // pid 1 of its namespace: the leader of its session
    const { m, s } = openPair(b, O_RDWR);
    expect(ttyFileOf(s).tty.session).toBe(b.t.group.session);
    expect(ioctl(b, s, TIOCGSID)).toEqual({ r: 0, out: b.t.group.session.nrIn(b.t.pidNs) });
    expect(ioctl(b, m, TIOCGSID).out).toBe(b.t.group.session.nrIn(b.t.pidNs));
    expect(ioctl(b, s, TIOCSCTTY, 0).r).toBe(0);
    const tty = open(b.c, "/dev/tty", O_RDWR);
    write(b.c, m, "via /dev/tty\n");
    expect(readAll(b.c, tty)).toBe("via /dev/tty\n");
    for (const f of [m, s, tty]) b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  it("the master's last close hangs the slave up: SIGHUP and SIGCONT, EOF, EIO, no node, no terminal", () => {
    const b = boot();
    const { m, s, name } = openPair(b, O_RDWR);
    // Handlers, so that SIGHUP does not kill the task before SIGCONT comes.
    for (const sig of [SIGHUP, SIGCONT]) b.t.sighand.actions[sig].handler = 0x10000;
    write(b.c, m, "lost\n");
    b.k.kobj.put(m);
    const pending = b.t.group.sharedPending.signals;
    expect(pending & sigmask(SIGHUP)).not.toBe(0n);
    expect(pending & sigmask(SIGCONT)).not.toBe(0n);
    expect(readAll(b.c, s)).toBe("");
    expect(write(b.c, s, "x")).toBe(-EIO);
    expect(openAt(b.c, AT_FDCWD, name, O_RDWR, 0, "test")).toBe(-ENOENT);
    expect(openAt(b.c, AT_FDCWD, "/dev/tty", O_RDWR, 0, "test")).toBe(-ENXIO);
    expect(b.t.group.tty).toBeNull();
    b.k.kobj.put(s);
    expect(shutdown(b)).toBe(0);
  });

  it("the slave's last close: the master reads what is left, then EIO; a reopen clears it", () => {
    const b = boot();
    const { m, s, name } = openPair(b);
    write(b.c, s, "bye\n");
    b.k.kobj.put(s);
    expect(readAll(b.c, m)).toBe("bye\r\n");
    expect(readErr(b, m)).toBe(-EIO);
    const again = open(b.c, name, O_RDWR | O_NOCTTY);
    expect(readErr(b, m)).toBe(-EAGAIN);
    for (const f of [m, again]) b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });

  it("a raw slave takes a full read buffer plus a full flip buffer, then its writer waits", () => {
    const b = boot();
    const { m, s } = openPair(b);
    const at = scratch(b);
    expect(s.ops.ioctl!(b.c, s, TCGETS, at)).toBe(0);
    const lflag = b.t.mm.readU32(at + 12)!;
    b.t.mm.writeU32(at + 12, lflag & ~ICANON);
    expect(s.ops.ioctl!(b.c, s, TCSETS, at)).toBe(0);
    // One write fills the flip buffer (pty_write's room), from which the read buffer takes
    // what it holds (one byte short of N_TTY_BUF_SIZE); the next write refills that much.
    const big = new Uint8Array(FLIP_LIMIT + N_TTY_BUF_SIZE + 100).fill(0x61);
    expect(write(b.c, m, big)).toBe(FLIP_LIMIT);
    expect(write(b.c, m, big)).toBe(N_TTY_BUF_SIZE - 1);
    expect(write(b.c, m, "x")).toBe(-EAGAIN);
    expect(readAll(b.c, s, 100).length).toBe(100);
    expect(write(b.c, m, big)).toBe(100);
    for (const f of [m, s]) b.k.kobj.put(f);
    expect(shutdown(b)).toBe(0);
  });
});

function readErr(b: Booted, f: File): number | string {
  try {
    return readAll(b.c, f);
  } catch (e) {
    return Number((e as Error).message.replace("read: ", ""));
  }
}
