// The path walk: where walks start, ".", "..", mounts, symlinks and their limit, name lengths,
// trailing slashes, search permission, and chroot.
import { describe, expect, it } from "vitest";
import { AT_FDCWD, O_DIRECTORY, O_RDONLY } from "../../../src/machine/fs/constants.ts";
import { dPath } from "../../../src/machine/fs/dpath.ts";
import { EACCES, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from "../../../src/machine/fs/errno.ts";
import type { Path } from "../../../src/machine/fs/inode.ts";
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, lookupAt, lookupParentAt } from "../../../src/machine/fs/namei.ts";
import { mkdirAt, rmdirAt, symlinkAt } from "../../../src/machine/fs/vfs-ops.ts";
import { boot, open, shutdown } from "./helpers.ts";

function name(b: ReturnType<typeof boot>, p: Path | number): string | number {
  return typeof p === "number" ? p : dPath(p, b.t.fs!.root).name;
}

describe("path walk", () => {
  it("resolves absolute and relative names, '.', '..' and repeated slashes", () => {
    const b = boot();
    const { c } = b;
    expect(mkdirAt(c, AT_FDCWD, "/a", 0o755)).toBe(0);
    expect(mkdirAt(c, AT_FDCWD, "a/b", 0o755)).toBe(0);
    expect(name(b, lookupAt(c, AT_FDCWD, "/a//b/", LOOKUP_FOLLOW))).toBe("/a/b");
    expect(name(b, lookupAt(c, AT_FDCWD, "a/./b/../b/.", LOOKUP_FOLLOW))).toBe("/a/b");
    expect(name(b, lookupAt(c, AT_FDCWD, "/../../a/..", LOOKUP_FOLLOW))).toBe("/");
    expect(lookupAt(c, AT_FDCWD, "", LOOKUP_FOLLOW)).toBe(-ENOENT);
    expect(lookupAt(c, AT_FDCWD, "a/missing/b", LOOKUP_FOLLOW)).toBe(-ENOENT);
    expect(shutdown(b)).toBe(0);
  });

  it("starts relative names at a directory fd, and refuses a non-directory fd", () => {
    const b = boot();
    const { c } = b;
    mkdirAt(c, AT_FDCWD, "/d", 0o755);
    mkdirAt(c, AT_FDCWD, "/d/e", 0o755);
    const files = b.t.files!;
    const dfd = files.installNew(open(c, "/d", O_RDONLY | O_DIRECTORY), false);
    const ffd = files.installNew(open(c, "/f"), false);
    expect(name(b, lookupAt(c, dfd, "e", 0))).toBe("/d/e");
    expect(name(b, lookupAt(c, dfd, "/d", 0))).toBe("/d");
    expect(lookupAt(c, ffd, "e", 0)).toBe(-ENOTDIR);
    expect(lookupAt(c, 99, "e", 0)).toBe(-9);
    expect(shutdown(b)).toBe(0);
  });

  it("crosses into /proc and back out with '..'", () => {
    const b = boot();
    const { c } = b;
    const p = lookupAt(c, AT_FDCWD, "/proc/self/..", LOOKUP_FOLLOW);
    expect(typeof p === "number" ? p : p.mnt.sb.type).toBe("proc");
    expect(name(b, lookupAt(c, AT_FDCWD, "/proc/../dev", LOOKUP_FOLLOW))).toBe("/dev");
    expect(name(b, lookupAt(c, AT_FDCWD, "/proc/1/..", LOOKUP_FOLLOW))).toBe("/proc");
    expect(shutdown(b)).toBe(0);
  });

  it("follows up to 40 symlinks in one walk and answers ELOOP beyond", () => {
    const b = boot();
    const { c } = b;
    mkdirAt(c, AT_FDCWD, "/t", 0o755);
    symlinkAt(c, "/t", AT_FDCWD, "/l0");
    for (let i = 1; i <= 41; i++) symlinkAt(c, `l${i - 1}`, AT_FDCWD, `/l${i}`);
    expect(name(b, lookupAt(c, AT_FDCWD, "/l39", LOOKUP_FOLLOW))).toBe("/t");
    expect(lookupAt(c, AT_FDCWD, "/l40", LOOKUP_FOLLOW)).toBe(-ELOOP);
    expect(lookupAt(c, AT_FDCWD, "/l40/x", LOOKUP_FOLLOW)).toBe(-ELOOP);
    // Not following the last one costs nothing.
    expect(name(b, lookupAt(c, AT_FDCWD, "/l41", 0))).toBe("/l41");
    symlinkAt(c, "self", AT_FDCWD, "/self");
    expect(lookupAt(c, AT_FDCWD, "/self", LOOKUP_FOLLOW)).toBe(-ELOOP);
    expect(shutdown(b)).toBe(0);
  });

  it("resolves relative symlink targets from the link's directory, absolute ones from the root", () => {
    const b = boot();
    const { c } = b;
    mkdirAt(c, AT_FDCWD, "/x", 0o755);
    mkdirAt(c, AT_FDCWD, "/x/y", 0o755);
    symlinkAt(c, "y", AT_FDCWD, "/x/rel");
    symlinkAt(c, "/x", AT_FDCWD, "/x/y/abs");
    expect(name(b, lookupAt(c, AT_FDCWD, "/x/rel/abs/rel", LOOKUP_FOLLOW))).toBe("/x/y");
    // A trailing slash follows the last link and demands a directory.
    expect(name(b, lookupAt(c, AT_FDCWD, "/x/rel/", 0))).toBe("/x/y");
    b.k.kobj.put(open(c, "/x/file"));
    expect(lookupAt(c, AT_FDCWD, "/x/file/", 0)).toBe(-ENOTDIR);
    expect(lookupAt(c, AT_FDCWD, "/x/file", LOOKUP_DIRECTORY)).toBe(-ENOTDIR);
    expect(shutdown(b)).toBe(0);
  });

  it("limits components to NAME_MAX", () => {
    const b = boot();
    const { c } = b;
    expect(lookupAt(c, AT_FDCWD, "/" + "n".repeat(256), 0)).toBe(-ENAMETOOLONG);
    expect(lookupAt(c, AT_FDCWD, "/" + "n".repeat(255), 0)).toBe(-ENOENT);
    expect(lookupParentAt(c, AT_FDCWD, "/tmp/" + "n".repeat(300))).toMatchObject({ last: "n".repeat(300) });
    expect(shutdown(b)).toBe(0);
  });

  it("needs search permission on every directory passed, unless the caller can override it", () => {
    const b = boot();
    const { c, k, t } = b;
    mkdirAt(c, AT_FDCWD, "/locked", 0o700);
    mkdirAt(c, AT_FDCWD, "/locked/in", 0o755);
    const user = t.cred.with({ uid: 1000, euid: 1000, suid: 1000, fsuid: 1000 }, "test");
    t.setCred(user);
    k.kobj.put(user);
    expect(lookupAt(c, AT_FDCWD, "/locked/in", 0)).toBe(-EACCES);
    expect(lookupAt(c, AT_FDCWD, "/locked", 0)).not.toBe(-EACCES);
    expect(shutdown(b)).toBe(0);
  });

  it("keeps '..' inside a chroot", () => {
    const b = boot();
    const { c, t } = b;
    mkdirAt(c, AT_FDCWD, "/jail", 0o755);
    mkdirAt(c, AT_FDCWD, "/jail/sub", 0o755);
    const jail = lookupAt(c, AT_FDCWD, "/jail", 0) as Path;
    const fs = t.fs!;
    fs.root = jail;
    fs.pwd = jail;
    expect(name(b, lookupAt(c, AT_FDCWD, "../../sub", 0))).toBe("/sub");
    expect(name(b, lookupAt(c, AT_FDCWD, "/", 0))).toBe("/");
    expect(lookupAt(c, AT_FDCWD, "/jail", 0)).toBe(-ENOENT);
    expect(shutdown(b)).toBe(0);
  });

  it("finds nothing in a removed directory, and names it (deleted)", () => {
    const b = boot();
    const { c, t } = b;
    mkdirAt(c, AT_FDCWD, "/gone", 0o755);
    const gone = lookupAt(c, AT_FDCWD, "/gone", 0) as Path;
    t.fs!.pwd = gone;
    expect(rmdirAt(c, AT_FDCWD, "/gone")).toBe(0);
    expect(lookupAt(c, AT_FDCWD, "x", 0)).toBe(-ENOENT);
    expect(mkdirAt(c, AT_FDCWD, "x", 0o755)).toBe(-ENOENT);
    expect(lookupAt(c, AT_FDCWD, ".", 0)).toMatchObject({ dentry: gone.dentry });
    expect(dPath(gone, t.fs!.root).name).toBe("/gone (deleted)");
    expect(shutdown(b)).toBe(0);
  });
});
