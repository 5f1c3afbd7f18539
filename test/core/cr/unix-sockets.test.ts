// AF_UNIX sockets through C/R (issue 16): the collector's records at the workloads' marks (a
// listener with pending connections and their data, files in flight, credentials), both codecs'
// round trip and version check, both creators at the marks, the checks a tampered socket record
// meets, the external-socket refusal, and a restart failing at any index leaving nothing behind.
import { describe, expect, it } from "vitest";
import { collectContainer } from "../../../src/core/cr/collect/collect.ts";
import { CrError, EBUSY, ENOMEM } from "../../../src/core/cr/errors.ts";
import { ImageError } from "../../../src/core/cr/interfaces.ts";
import { SOCK_F_DEAD, SOCK_F_NAME_OWNER, type CheckpointModel } from "../../../src/core/cr/model.ts";
import { Restorer } from "../../../src/core/cr/restore/restorer.ts";
import { validateModel } from "../../../src/core/cr/restore/validate.ts";
import type { Kernel } from "../../../src/machine/kernel/kernel.ts";
import type { KObject } from "../../../src/machine/kernel/kref.ts";
import type { Task } from "../../../src/machine/kernel/task.ts";
import { UnixNodeInode } from "../../../src/machine/net/af-unix.ts";
import { newSock, sockOf } from "../../../src/machine/net/socket.ts";
import { CptCodec } from "../../../src/plugins/openvz-cpt/codec/cpt-codec.ts";
import { CkptCodec } from "../../../src/plugins/self-cpt/codec/ckpt-codec.ts";
import { frozenAtMark, refusal, workloadRef } from "../../support/cr.ts";
import { concat } from "../../support/cr-models.ts";
import { DESIGNS, checkpointedIn, hostDigest, live, restartFrom } from "../../support/tamper.ts";
import { restoreAll } from "../../support/restore-all.ts";

const EINVAL = 22;

function collected(name: string, mark: number): { model: CheckpointModel; k: Kernel; init: Task; m: ReturnType<typeof frozenAtMark>["m"] } {
  const { m, init } = frozenAtMark(workloadRef(name), mark);
  return { model: collectContainer(m.kernel, init, "test"), k: m.kernel, init, m };
}

describe("the collector", () => {
  it("records a listener's pending connections as embryo sockets with their own queued data", () => {
    const { model } = collected("libc-unix-server", 2);
    const socks = model.unixSocks!;
    const listener = socks.find((s) => s.state === "listen" && s.queue.length > 0)!;
    expect(listener.addr).toBeDefined();
    expect(listener.flags & SOCK_F_NAME_OWNER).toBe(SOCK_F_NAME_OWNER);
    // Its name is the socket inode of the tree.
    const node = model.inodes.find((i) => i.id === listener.addrInodeId)!;
    expect(node.kind).toBe("sock");
    expect(model.tree.some((d) => d.inodeId === node.id && d.path === "small.sock")).toBe(true);
    const req = listener.queue[0];
    const embryo = socks.find((s) => s.id === req.embryoSockId)!;
    expect(embryo.state).toBe("established");
    const client = socks.find((s) => s.id === embryo.peerId)!;
    expect(client.peerId).toBe(embryo.id);
    // "lost", written before accept, waits on the embryo.
    expect(Buffer.from(embryo.queue[0].data).toString()).toBe("lost");
    expect(embryo.queue[0].senderSockId).toBe(client.id);
    // SO_PEERCRED of the client: the listener's process (as it recorded itself at listen), as
    // the container numbers it.
    expect(client.peerCred?.pidNr).toBeGreaterThan(0);
    expect(client.peerCred).toEqual(listener.peerCred);
  });

  it("records files in flight that no task holds any more, and the pipe end among them", () => {
    const { model } = collected("libc-scm", 1);
    const inFlight = model.unixSocks!.flatMap((s) => s.queue.flatMap((q) => q.fileIds ?? []));
    expect(inFlight.length).toBe(2);
    const held = new Set(model.fdTables.flatMap((t) => t.fds.map((fd) => fd.fileId)));
    for (const id of inFlight) expect(held.has(id)).toBe(false);
    const kinds = inFlight.map((id) => model.files.find((f) => f.id === id)!.target.kind).sort();
    expect(kinds).toEqual(["inode", "pipe"]);
  });

  it("refuses with EBUSY a socket linked to one outside the container, naming it", () => {
    const { k, init } = collected("libc-unix-dgram", 1);
    const holders = [...k.tasks.values()].filter((t) => t.pidNs === init.pidNs && t.files !== null);
    const f = holders.flatMap((t) => [...t.files!.fds()].map((fd) => t.files!.get(fd)!)).find((x) => sockOf(x)?.type === 2)!;
    const outside = newSock(k, 2, "test: a socket outside the container");
    const s = sockOf(f)!;
    s.clearPeer();
    s.setPeer(outside);
    const e = refusal(k, init);
    expect(e.errno).toBe(EBUSY);
    expect(e.message).toMatch(/the peer of socket:\[\d+\] is linked to an unnamed socket outside the container/);
    s.clearPeer();
    k.kobj.put(outside, "test");
  });
});

const codecs = [
  { name: "cpt", make: () => new CptCodec(), record: "CPT_OBJ_SOCKET", versionAt: 20 },
  // Without run checksums, so that a patched byte reaches the record's own check.
  { name: "ckpt", make: () => new CkptCodec({ runChecksums: false }), record: "CKPT_HDR_UNIX_SK", versionAt: 8 },
];

describe.each(codecs)("the $name codec", ({ make, record, versionAt }) => {
  const models = [collected("libc-unix-server", 2).model, collected("libc-scm", 2).model, collected("libc-unix-dgram", 3).model];

  it("reads back every socket, skb, file in flight and credential as written", () => {
    const codec = make();
    for (const m of models) {
      const image = concat(codec.encode(m));
      expect(codec.decode(image)).toStrictEqual(m);
      expect(codec.records!(image).filter((x) => x.name === record).length).toBe(m.unixSocks!.length);
    }
  });

  it("refuses a socket record of another version", () => {
    const codec = make();
    const image = concat(codec.encode(models[0]));
    const rec = codec.records!(image).find((x) => x.name === record)!;
    const at = rec.offset + versionAt;
    expect(new DataView(image.buffer, image.byteOffset).getUint32(at, true)).toBe(1);
    const bad = image.slice();
    new DataView(bad.buffer).setUint32(at, 7, true);
    expect(() => codec.decode(bad)).toThrow(ImageError);
    expect(() => codec.decode(bad)).toThrow(/version 7 at byte \d+ is not 1/);
  });
});

describe("validation of socket records", () => {
  const base = collected("libc-unix-server", 2).model;
  const listenerOf = (m: CheckpointModel) => m.unixSocks!.find((s) => s.state === "listen" && s.queue.length > 0)!;
  const cases: [string, (m: CheckpointModel) => void, RegExp][] = [
    ["an unknown type", (m) => (m.unixSocks![0].type = 3), /type = 3: not SOCK_STREAM/],
    ["a send buffer no setsockopt gives", (m) => (m.unixSocks![0].sndbuf = 10), /sndbuf = 10/],
    ["a peer the image lacks", (m) => (m.unixSocks![0].peerId = 999), /peer: socket 999, which the image does not have/],
    ["a sender the image lacks", (m) => (listenerOf(m).queue[0].senderSockId = 999), /sender: socket 999/],
    ["a connection request on a socket that does not listen", (m) => {
      const l = listenerOf(m);
      l.state = "established";
    }, /only a listener's queue holds connection requests/],
    ["a name that is no socket inode of the tree", (m) => (listenerOf(m).addrInodeId = m.tree[0].inodeId), /not a socket name of the image's tree/],
    ["an address of another family", (m) => {
      const l = listenerOf(m);
      l.addr = l.addr!.slice();
      l.addr[0] = 2;
    }, /family is not AF_UNIX/],
    ["a socket without a file that is not dead", (m) => {
      const f = m.files.find((x) => x.target.kind === "socket")!;
      m.files = m.files.filter((x) => x !== f);
      for (const t of m.fdTables) t.fds = t.fds.filter((fd) => fd.fileId !== f.id);
    }, /has no file, is not dead and is no pending connection/],
    ["a dead socket with a file", (m) => {
      const f = m.files.find((x) => x.target.kind === "socket")!;
      m.unixSocks!.find((s) => f.target.kind === "socket" && s.id === f.target.sockId)!.flags |= SOCK_F_DEAD;
    }, /is dead \(its file is gone\) but a file or a listener holds it/],
    ["a stream skb read to its end", (m) => {
      const e = m.unixSocks!.find((s) => s.queue.length > 0 && s.state === "established")!;
      e.queue[0].consumed = e.queue[0].data.length;
    }, /consumed = 4: not an integer in \[0, 3\]/],
    ["credentials with a pid beyond pid_max", (m) => (listenerOf(m).queue[0].creds.pidNr = 1 << 30), /credentials pid = 1073741824/],
  ];
  it("accepts the model as collected", () => {
    expect(() => validateModel(base)).not.toThrow();
  });
  it.each(cases)("refuses %s", (_what, edit, msg) => {
    const m = structuredClone(base);
    edit(m);
    let err: unknown = null;
    try {
      validateModel(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrError);
    expect((err as CrError).errno).toBe(EINVAL);
    expect((err as CrError).message).toMatch(msg);
  });
});

describe.each(DESIGNS)("sockets through C/R ($codec, $creator)", ({ codec, creator }) => {
  it("a listener's pending connections come back pending, with the name leading to the listener", () => {
    const c = checkpointedIn("libc-unix-server", codec, creator);
    const k = c.k;
    let seen: Record<string, unknown> | null = null;
    k.onCptMark = (t) => {
      if (t.pidNs === k.initNs || seen !== null) return false;
      const socks = [...t.files!.fds()].map((fd) => sockOf(t.files!.get(fd)!)).filter((s) => s !== null);
      const l = socks.find((s) => s.state === "listen")!;
      const node = l.addr!.inode;
      seen = {
        pending: l.queue.length,
        nodeLeadsHere: node instanceof UnixNodeInode && node.sock === l,
        clientsConnected: l.queue.every((q) => q.embryo!.peer !== null && q.embryo!.peer.peer === q.embryo),
      };
      return false;
    };
    const r = restartFrom(c, c.image);
    expect(r.log[0][1]).toBeGreaterThan(0);
    expect(r.log[1]).toEqual(["exit", 0]);
    // The mark after the restart point: one connection with its data pending on the listener.
    expect(seen).toEqual({ pending: 1, nodeLeadsHere: true, clientsConnected: true });
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  });
});


describe.each([["libc-unix-server", 2], ["libc-scm", 1]] as const)("a restart of %s at mark %d failing at any kernel object", (name, mark) => {
  it("leaves nothing behind", () => {
    const { model, k, m } = collected(name, mark);
    const caller = [...k.tasks.values()].find((t) => t.pidNs === k.initNs && t.kthread === null)!;
    const objects = live(k);
    const frames = k.frames.inUse;
    const files = hostDigest(m);
    let failures = 0;
    for (let n = 1; ; n++) {
      let seen = 0;
      const register = k.kobj.register;
      k.kobj.register = (o: KObject) => {
        if (++seen === n) throw new CrError(ENOMEM, `test: kernel object ${seen} cannot be made`);
        register.call(k.kobj, o);
      };
      let r: Restorer | null = null;
      try {
        r = restoreAll(k, caller, model);
      } catch (e) {
        expect(e, `kobject ${n}`).toBeInstanceOf(CrError);
        failures++;
      } finally {
        k.kobj.register = register;
      }
      r?.abort();
      expect(live(k), `kobject ${n}`).toEqual(objects);
      expect(k.frames.inUse, `frames after kobject ${n}`).toBe(frames);
      expect(hostDigest(m), `files after kobject ${n}`).toEqual(files);
      if (seen < n) break;
    }
    expect(failures).toBeGreaterThan(3);
    k.killAll();
    k.run();
    k.shutdown();
    expect(k.oopses.count).toBe(0);
  }, 120_000);
});
