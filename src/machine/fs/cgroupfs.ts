// The cgroup-v1 freezer hierarchy as a file system (Linux's cgroup1 mount with -o freezer),
// mounted at /sys/fs/cgroup/freezer. The root and every group are directories holding the files
// of kernel/freezer-files.ts (tasks, cgroup.procs, freezer.state, freezer.self_freezing,
// freezer.parent_freezing; below the root also the pids controller's pids.max and pids.current,
// as with `-o freezer,pids`) and one directory per child group. mkdir makes a group; rmdir removes
// one that has neither tasks nor child groups (EBUSY otherwise); the files cannot be removed.
//
// Built on procfs's pieces: files generated at read (a snapshot from position 0) and
// dentries made afresh at each lookup. Inode numbers are stable per group and file.
import { groupFiles, readFreezerFile, writeFreezerFile, type FreezerFile } from "../kernel/freezer-files.ts";
import type { FreezerCgroup } from "../kernel/freezer.ts";
import { EBUSY, EEXIST, ENODEV, EPERM } from "./errno.ts";
import { Dentry, type DirEntry, type FsCtx } from "./inode.ts";
import { ProcDirBase, ProcFnFile, ProcFs } from "./proc/proc-fs.ts";

/** statfs f_type of a cgroup-v1 mount. */
export const CGROUP_SUPER_MAGIC = 0x27e0eb;

/** The superblock: procfs's machinery under cgroup's name and magic. */
export class CgroupFs extends ProcFs {
  override readonly type: string = "cgroup";
  override readonly magic: number = CGROUP_SUPER_MAGIC;
  /** Inode numbers of each group's directory and files (the root directory is 1). */
  private readonly inos = new WeakMap<FreezerCgroup, Map<string, number>>();

  inoOf(g: FreezerCgroup, what: string): number {
    let m = this.inos.get(g);
    if (m === undefined) {
      m = new Map();
      this.inos.set(g, m);
    }
    let ino = m.get(what);
    if (ino === undefined) {
      ino = g.parent === null && what === "." ? 1 : this.nextIno++;
      m.set(what, ino);
    }
    return ino;
  }
}

/** A group is gone once it has been removed from its parent (open files then read ENODEV). */
const removed = (g: FreezerCgroup): boolean => g.parent !== null && (g.parent.children.get(g.name) !== g || removed(g.parent));

const READ_ONLY = new Set<FreezerFile>(["freezer.self_freezing", "freezer.parent_freezing", "pids.current"]);

function freezerFile(sb: CgroupFs, g: FreezerCgroup, name: FreezerFile): ProcFnFile {
  const show = (c: FsCtx): string | number => (removed(g) ? -ENODEV : readFreezerFile(c.k, g, name, c.t));
  if (READ_ONLY.has(name)) return new ProcFnFile(sb, sb.inoOf(g, name), 0o444, show);
  return new ProcFnFile(sb, sb.inoOf(g, name), 0o644, show, (c, data) => {
    if (removed(g)) return -ENODEV;
    const r = writeFreezerFile(c.k, g, name, c.t, Buffer.from(data).toString("latin1"));
    return r < 0 ? r : data.length;
  });
}

/** One group's directory. */
export class FreezerDir extends ProcDirBase {
  declare readonly sb: CgroupFs;

  constructor(
    sb: CgroupFs,
    readonly group: FreezerCgroup,
  ) {
    super(sb, sb.inoOf(group, "."), 0o755);
  }

  lookup(_c: FsCtx, dir: Dentry, name: string): Dentry | null {
    if (removed(this.group)) return null;
    if ((groupFiles(this.group) as readonly string[]).includes(name)) return new Dentry(name, dir, freezerFile(this.sb, this.group, name as FreezerFile));
    const child = this.group.children.get(name);
    return child === undefined ? null : new Dentry(name, dir, new FreezerDir(this.sb, child));
  }

  list(): DirEntry[] {
    if (removed(this.group)) return [];
    const out: DirEntry[] = groupFiles(this.group).map((f) => ({ name: f, ino: this.sb.inoOf(this.group, f), type: 0o10 }));
    for (const [name, child] of this.group.children) out.push({ name, ino: this.sb.inoOf(child, "."), type: 0o4 });
    return out;
  }

  override missingErr(): number {
    return 0;
  }

  /** rmdir checks emptiness here (unlink below): the control files never count. */
  override isEmpty(): boolean {
    return true;
  }

  override mkdir(c: FsCtx, dir: Dentry, name: string): Dentry | number {
    if (removed(this.group)) return -ENODEV;
    const g = c.k.freezer.createGroup(this.group, name);
    if (g === null) return -EEXIST;
    return new Dentry(name, dir, new FreezerDir(this.sb, g));
  }

  /** rmdir of a group (cgroup_rmdir: EBUSY while it has tasks or child groups); files stay. */
  override unlink(c: FsCtx, _dir: Dentry, victim: Dentry): number {
    if (!(victim.inode instanceof FreezerDir)) return -EPERM;
    if (!c.k.freezer.removeGroup(victim.inode.group)) return -EBUSY;
    victim.deleted = true;
    return 0;
  }
}
