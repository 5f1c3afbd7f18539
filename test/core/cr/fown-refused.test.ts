// A checkpoint of a task holding a lease, a file owner / O_ASYNC registration, a resized pipe or
// a queued F_SETSIG signal (whose si_band/si_fd the model has no field for) is refused with
// EOPNOTSUPP naming the object (C/R of those is issue 16); an inotify instance is carried now.
import { describe, expect, it } from "vitest";
import { EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { AT_FDCWD, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { fModown, POLL_IN } from "../../../src/machine/fs/fown.ts";
import { addLease } from "../../../src/machine/fs/leases.ts";
import { inotifyFile } from "../../../src/machine/fs/notify/inotify.ts";
import { F_RDLCK } from "../../../src/machine/fs/locks.ts";
import { openAt, openPath } from "../../../src/machine/fs/open.ts";
import { PipeInode, pipeSetSize } from "../../../src/machine/fs/pipe.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import { sendSignal } from "../../../src/machine/kernel/signal.ts";
import { SIGIO } from "../../../src/machine/kernel/signal-names.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { frozenForkTree, refusal } from "../../support/cr.ts";

function openFd(k: Kernel, init: Task, name: string, flags: number): { f: File; fd: number } {
  const f = openAt({ k, t: init }, AT_FDCWD, name, flags | O_CREAT, 0o644, "test") as File;
  return { f, fd: init.files!.installNew(f, false) };
}

describe("a checkpoint refuses leases, file owners and what they signal", () => {
  it("refuses a file holding a lease", () => {
    const { k, init } = frozenForkTree();
    const { f, fd } = openFd(k, init, "leased", O_RDONLY);
    expect(addLease(k, init, f, fd, F_RDLCK)).toBe(0);
    const e = refusal(k, init);
    expect(e.errno).toBe(EOPNOTSUPP);
    // Taking the lease made the task the file's owner: the owner is what is found first.
    expect(e.message).toBe(`fd ${fd} has a SIGIO owner, F_SETSIG signal or O_ASYNC: checkpoint/restart of file owners is not implemented yet`);
  });

  it("refuses a file with an owner, and names a lease once the owner is cleared", () => {
    const { k, init } = frozenForkTree();
    const { f, fd } = openFd(k, init, "owned", O_RDWR);
    fModown(init, f, init.pid, "tgid", true);
    expect(refusal(k, init).message).toMatch(new RegExp(`^fd ${fd} has a SIGIO owner`));
    const g = openFd(k, init, "leased2", O_RDONLY);
    fModown(init, f, null, "tgid", true);
    expect(addLease(k, init, g.f, g.fd, F_RDLCK)).toBe(0);
    fModown(init, g.f, null, "tgid", true);
    expect(refusal(k, init).message).toBe(`fd ${g.fd} holds a lease: checkpoint/restart of file locks is not implemented yet`);
  });

  it("refuses a pipe resized by F_SETPIPE_SZ", () => {
    const { k, init } = frozenForkTree();
    const c = { k, t: init };
    const path = k.vfs.newPipe(c);
    const r = openPath(c, path, O_RDONLY, "test") as File;
    const w = openPath(c, path, O_WRONLY, "test") as File;
    init.files!.installNew(r, false);
    init.files!.installNew(w, false);
    expect(pipeSetSize((path.dentry.inode as PipeInode).pipe, 1 << 20, true)).toBe(1 << 20);
    expect(refusal(k, init).message).toMatch(/has a size set by F_SETPIPE_SZ \(1048576 bytes\): checkpoint\/restart of pipe sizes is not implemented yet$/);
  });

  it("carries an inotify instance (issue 16: no longer refused; misc-files.test.ts)", () => {
    const { k, init } = frozenForkTree();
    init.files!.installNew(inotifyFile(k, 0, "test"), false);
    const model = collectContainer(k, init, "test");
    expect(model.files.some((f) => f.target.kind === "inotify")).toBe(true);
  });

  it("refuses a queued signal carrying si_band and si_fd", () => {
    const { k, init } = frozenForkTree();
    init.blocked |= 1n << BigInt(SIGIO - 1);
    sendSignal(k, init, { signo: SIGIO, code: POLL_IN, band: 0x41, fd: 3 }, true);
    expect(refusal(k, init).message).toMatch(/^a queued signal 29 carries si_band\/si_fd/);
  });
});
