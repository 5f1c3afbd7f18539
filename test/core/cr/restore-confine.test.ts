// A restart is confined to the restarter's directory (issue 17 item 1). Each escape the issue
// found — restarts that succeeded on main before confinement — is written as a tampered image
// (decode, edit the model, encode) and restarted in every codec × creator: it now fails with the
// errno and a message naming the record, the machine's files outside /var/cpt are exactly as
// before, and no kernel object is left. The untampered image still restores afterwards.
import { describe, expect, it } from "vitest";
import type { CheckpointModel } from "../../../src/core/cr/model.ts";
import { O_RDWR } from "../../../src/machine/fs/constants.ts";
import { DESIGNS, checkpointedIn, hostDigest, live, restartFrom, tampered } from "../../support/tamper.ts";

const EPERM = 1;
const ENOTDIR = 20;
const EINVAL = 22;

/** A file of the container that is open on the console: the record the device/proc cases rewrite. */
const consoleFile = (m: CheckpointModel) => m.files.find((f) => f.target.kind === "console")!;

interface Escape {
  name: string;
  edit: (m: CheckpointModel) => void;
  errno: number;
  error: RegExp;
}

const ESCAPES: Escape[] = [
  {
    // Used to replace the machine's /bin with the container's tree.
    name: "tree root /bin",
    edit: (m) => (m.container.treeRoot = "/bin"),
    errno: EPERM,
    error: /tree root \/bin is not below the restarter's directory \/ct/,
  },
  {
    name: "tree root /ct/../bin",
    edit: (m) => (m.container.treeRoot = "/ct/../bin"),
    errno: EINVAL,
    error: /tree root "\/ct\/\.\.\/bin" has a "\.\." component/,
  },
  {
    name: "a tree entry named ..",
    edit: (m) => m.tree.push({ path: "..", inodeId: m.tree[0].inodeId }),
    errno: EINVAL,
    error: /tree entry "\.\." has a "\.\." component/,
  },
  {
    // A symlink of the tree is never followed while the tree is built.
    name: "a tree entry below a symlink to /bin",
    edit: (m) => {
      const id = Math.max(...m.inodes.map((i) => i.id)) + 1;
      m.inodes.push({ id, ino: 90001, kind: "symlink", mode: 0o120777, uid: 0, gid: 0, nlink: 1, size: 4, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], target: "/bin" });
      m.inodes.push({ id: id + 1, ino: 90002, kind: "file", mode: 0o100644, uid: 0, gid: 0, nlink: 1, size: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [] });
      m.tree.push({ path: "lnk", inodeId: id }, { path: "lnk/planted", inodeId: id + 1 });
    },
    errno: ENOTDIR,
    error: /the tree's lnk\/planted has no directory above it/,
  },
  {
    // Used to open that host file for the restored task.
    name: "a device record naming /var/cpt/ctl.log",
    edit: (m) => (consoleFile(m).target = { kind: "device", path: "/var/cpt/ctl.log" }),
    errno: EPERM,
    error: /file \d+: device "\/var\/cpt\/ctl.log" is not one a restart may open/,
  },
  {
    name: "a proc record leading out of /proc through /proc/1/root",
    edit: (m) => (consoleFile(m).target = { kind: "proc", path: "/proc/1/root/var/cpt/ctl.log" }),
    errno: EPERM,
    error: /file \d+: \/proc\/1\/root\/var\/cpt\/ctl.log leads out of \/proc/,
  },
  {
    name: "a host file outside the tree opened for writing",
    edit: (m) => {
      const id = Math.max(...m.inodes.map((i) => i.id)) + 1;
      m.inodes.push({ id, ino: 90003, kind: "file", mode: 0o100644, uid: 0, gid: 0, nlink: 1, size: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, pages: [], externalPath: "/var/cpt/ctl.log" });
      const f = consoleFile(m);
      f.flags = O_RDWR;
      f.target = { kind: "inode", inodeId: id, path: "/var/cpt/ctl.log" };
    },
    errno: EPERM,
    error: /file \d+: \/var\/cpt\/ctl.log is outside the container's tree and open for writing/,
  },
  {
    // Used to give the restored tasks the host's root as their working directory.
    name: "fs cwd /",
    edit: (m) => (m.fsContexts[0].cwd = "/"),
    errno: EPERM,
    error: /fs context \d+: cwd \/ is outside the container's tree \/ct\/fork-tree/,
  },
  {
    // The last of them: each distinct path is checked once, so the first one holding it is named.
    name: "an fs cwd with a .. component",
    edit: (m) => (m.fsContexts.at(-1)!.cwd = `${m.container.treeRoot}/../escape`),
    errno: EINVAL,
    error: /fs context \d+ cwd "\/ct\/fork-tree\/..\/escape" has a "\.\." component/,
  },
  {
    name: "a task's freezer path with a .. component",
    edit: (m) => (m.tasks.at(-1)!.freezerPath = "/../x"),
    errno: EINVAL,
    error: /task \d+ freezer path "\/..\/x" has a "\.\." component/,
  },
  {
    name: "fs root /bin",
    edit: (m) => (m.fsContexts[0].root = "/bin"),
    errno: EPERM,
    error: /fs context \d+: root \/bin is neither inside the container's tree \/ct\/fork-tree nor the restarter's root \//,
  },
  {
    // Used to land pid 7 in the restarter's namespace: two numbers "in" the container's namespace.
    name: "a pid with a number for the restarter's namespace",
    edit: (m) => {
      const p = m.pids.find((x) => x.numbers[0] !== 1)!;
      p.numbers = [7, p.numbers[0]];
      p.nsIds = [p.nsIds[0], p.nsIds[0]];
    },
    errno: EINVAL,
    error: /pid \d+'s number \d+ is in pid namespace 1, which is not a child of namespace 1: it would be taken outside the container/,
  },
];

describe.each(DESIGNS)("a tampered image stays inside the container ($codec, $creator)", ({ codec, creator }) => {
  it("refuses every escape with the record named, changing nothing outside /var/cpt, then restores the intact image", () => {
    const c = checkpointedIn("fork-tree", codec, creator);
    const files = hostDigest(c.m);
    const objects = live(c.k);
    for (const e of ESCAPES) {
      const r = restartFrom(c, tampered(c, e.edit));
      expect(r.log[0], e.name).toEqual(["restart", -e.errno]);
      expect(r.op?.error, e.name).toMatch(e.error);
      c.k.run(Infinity, true);
      expect(hostDigest(c.m), e.name).toEqual(files);
      expect(live(c.k), e.name).toEqual(objects);
    }
    const ok = restartFrom(c, c.image);
    expect(ok.log[0][1]).toBeGreaterThan(0);
    expect(ok.log[1]).toEqual(["exit", 0]);
    c.k.shutdown();
    expect(c.k.oopses.count).toBe(0);
  });
});
