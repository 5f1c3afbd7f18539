// A checkpoint of a container holding an event file (eventfd, epoll, timerfd, signalfd) is
// refused by name with EOPNOTSUPP, so its matrix cell is "unsupported" with that reason rather
// than an image that restores something else: carrying them is issue 16's work.
import { describe, expect, it } from "vitest";
import { collectContainer, containerTasks } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EOPNOTSUPP } from "../../../src/core/cr/errors.ts";
import { anonInodeGetFile } from "../../../src/machine/fs/anon-inode.ts";
import { EventFdCtx, eventfdOps } from "../../../src/machine/kernel/events/eventfd.ts";
import { epollOps, EventPoll } from "../../../src/machine/kernel/events/epoll.ts";
import { frozenAtMark, workloadRef } from "../../support/cr.ts";

describe("event files at checkpoint time", () => {
  it("the collector refuses an eventfd or an epoll fd, naming the fd and the kind", () => {
    const { m, init } = frozenAtMark(workloadRef("pipe-tree"), 1);
    const k = m.kernel;
    const t = containerTasks(k, init).find((x) => x !== init && x.files !== null)!;
    const files = t.files!;
    const refusal = (): string => {
      try {
        collectContainer(k, init, "test");
      } catch (e) {
        expect(e).toBeInstanceOf(CrError);
        expect((e as CrError).errno).toBe(EOPNOTSUPP);
        return (e as Error).message;
      }
      return "collected";
    };
    expect(refusal()).toBe("collected");
    const efd = files.installNew(anonInodeGetFile(k, "[eventfd]", eventfdOps, new EventFdCtx(k, 0n, false), 0, "test"), false);
    expect(refusal()).toBe(`fd ${efd} is an eventfd: checkpoint/restart of an eventfd is not implemented yet`);
    files.close(efd);
    const epfd = files.installNew(anonInodeGetFile(k, "[eventpoll]", epollOps, new EventPoll(k), 0, "test"), false);
    expect(refusal()).toBe(`fd ${epfd} is an epoll instance: checkpoint/restart of an epoll instance is not implemented yet`);
    files.close(epfd);
    expect(refusal()).toBe("collected");
  });
});
