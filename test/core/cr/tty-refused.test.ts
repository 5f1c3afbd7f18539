// A checkpoint of a container holding a pseudo-terminal, or a process whose controlling terminal
// is one (even with no fd left on it, ZDTM's pty03), is refused by name with EOPNOTSUPP: carrying
// ttys is issue 16's work.
import { describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { AT_FDCWD, O_NOCTTY, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { ttyFileOf } from "../../../src/machine/fs/tty/pty.ts";
import { procSetTty } from "../../../src/machine/fs/tty/tty-jobctrl.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";

function refusal(k: Kernel, init: Task): string {
  try {
    collectContainer(k, init, "test");
  } catch (e) {
    expect(e).toBeInstanceOf(CrError);
    expect((e as CrError).errno).toBe(EOPNOTSUPP);
    return (e as Error).message;
  }
  return "collected";
}

describe("ttys at checkpoint time", () => {
  it("refuses a pty fd, then a controlling terminal without any fd", () => {
    const { m, init } = frozenAtMark(workloadRef("pipe-tree"), 1);
    const k = m.kernel;
    const t = containerTasks(k, init).find((x) => x !== init && x.files !== null)!;
    const c = { k, t };
    expect(refusal(k, init)).toBe("collected");
    const master = openAt(c, AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY, 0, "test") as File;
    const fd = t.files!.installNew(master, false);
    expect(refusal(k, init)).toBe(`fd ${fd} is a pseudo-terminal: checkpoint/restart of a pseudo-terminal is not implemented yet`);
    // The master stays open outside the container's fd tables: the slave is the task's terminal.
    k.kobj.get(master);
    t.files!.close(fd);
    expect(refusal(k, init)).toBe("collected");
    procSetTty(t, ttyFileOf(master).tty.link);
    expect(refusal(k, init)).toBe(`task ${t.id} (${t.comm}) has a controlling terminal (/dev/pts/0): checkpoint/restart of it is not implemented yet`);
    k.kobj.put(master); // the last close hangs the terminal up: nobody has it any more
    expect(t.group.tty).toBeNull();
    expect(refusal(k, init)).toBe("collected");
  });
});
