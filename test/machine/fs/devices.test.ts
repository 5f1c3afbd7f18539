// Character devices: /dev/null, /dev/zero, /dev/full, and the console behind fds 0, 1 and 2.
import { describe, expect, it } from "vitest";
import { O_RDONLY, O_RDWR, O_WRONLY, SEEK_END } from "../../../src/machine/fs/constants.ts";
import { ENOSPC, ENOTTY, ESPIPE } from "../../../src/machine/fs/errno.ts";
import { Machine } from "../../../src/machine/machine.ts";
import { boot, fixture, open, readAll, shutdown, write } from "./helpers.ts";

describe("devices", () => {
  it("/dev/null swallows writes and reads EOF; /dev/zero reads zeros; /dev/full is full", () => {
    const b = boot();
    const { c, k } = b;
    const n = open(c, "/dev/null", O_RDWR);
    expect(write(c, n, "gone")).toBe(4);
    expect(readAll(c, n)).toBe("");
    expect(n.ops.llseek!(c, n, 100, SEEK_END)).toBe(0);
    const z = open(c, "/dev/zero", O_RDWR);
    expect(readAll(c, z, 10)).toBe("\0".repeat(10));
    expect(write(c, z, "x")).toBe(1);
    const f = open(c, "/dev/full", O_RDWR);
    expect(write(c, f, "x")).toBe(-ENOSPC);
    expect(readAll(c, f, 3)).toBe("\0\0\0");
    for (const x of [n, z, f]) k.kobj.put(x);
    expect(shutdown(b)).toBe(0);
  });

  it("the console: fd 0 reads the machine's input, fd 1 and fd 2 land in stdout and stderr", () => {
    const m = new Machine({ seed: 1, memoryMiB: 16, stdin: Buffer.from("typed input") });
    const t = m.kernel.spawn(fixture("guest", "hello.elf"), ["hello"], [], "hello", true);
    const c = { k: m.kernel, t };
    const files = t.files!;
    expect(readAll(c, files.get(0)!, 5)).toBe("typed");
    write(c, files.get(1)!, "out");
    write(c, files.get(2)!, "err");
    // /dev/console opened afresh writes to stdout.
    const con = open(c, "/dev/console", O_WRONLY);
    write(c, con, "!");
    expect(con.ops.llseek!(c, con, 0, 0)).toBe(-ESPIPE);
    expect(con.ops.ioctl!(c, con, 0x5401, 0)).toBe(-ENOTTY);
    m.kernel.kobj.put(con);
    const again = open(c, "/dev/console", O_RDONLY);
    expect(readAll(c, again)).toBe(" input");
    m.kernel.kobj.put(again);
    expect(Buffer.from(m.console.stdout).toString()).toBe("out!");
    expect(Buffer.from(m.console.stderr).toString()).toBe("err");
    m.kernel.shutdown();
    expect(m.kernel.oopses.count).toBe(0);
  });
});
