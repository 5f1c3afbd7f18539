// A file an epoll set watches is collected when the collector meets the set's item, which can be
// before any fd of the container names it (the set at a lower fd). Its owner and locks must still
// be collected, at the first fd that holds it, as for any other file (the owner was lost before).
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { anonInodeGetFile } from "../../../src/machine/fs/anon-inode.ts";
import { AT_FDCWD, O_CREAT, O_RDWR } from "../../../src/machine/fs/constants.ts";
import type { File } from "../../../src/machine/fs/file.ts";
import { fModown } from "../../../src/machine/fs/fown.ts";
import { F_WRLCK, flockLock, OFFSET_MAX } from "../../../src/machine/fs/locks.ts";
import { openAt } from "../../../src/machine/fs/open.ts";
import { EPOLLIN, epollOps, EventPoll } from "../../../src/machine/kernel/events/epoll.ts";
import { frozenForkTree } from "../../support/cr.ts";

describe("a file met first as an epoll item", () => {
  it("keeps its SIGIO owner and its lock in the model", () => {
    const { k, init } = frozenForkTree();
    const c = { k, t: init };
    const ep = new EventPoll(k);
    const epFd = init.files!.installNew(anonInodeGetFile(k, "[eventpoll]", epollOps, ep, 0, "test"), false);
    const f = openAt(c, AT_FDCWD, "watched-and-locked", O_RDWR | O_CREAT, 0o644, "test") as File;
    const fd = init.files!.installNew(f, false);
    expect(epFd).toBeLessThan(fd);
    ep.restoreItem(c, f, fd, EPOLLIN, 5n);
    fModown(init, f, init.pid, "tgid", true);
    expect(flockLock(k, init, { kind: "flock", type: F_WRLCK, start: 0n, end: OFFSET_MAX, owner: f, file: f, pid: init.pid }, false)).toBe(0);
    const m = collectContainer(k, init, "test");
    const epRec = m.files.find((x) => x.target.kind === "epoll")!;
    expect(epRec.target.kind === "epoll" && epRec.target.items.map((it) => it.fd)).toEqual([fd]);
    const rec = m.files.find((x) => x.target.kind === "inode" && x.target.path.endsWith("watched-and-locked"))!;
    expect(rec.fown?.type).toBe("tgid");
    expect(rec.fown?.pidId).toBeGreaterThan(0);
    expect(rec.locks?.map((l) => [l.kind, l.type])).toEqual([["flock", F_WRLCK]]);
  });
});
