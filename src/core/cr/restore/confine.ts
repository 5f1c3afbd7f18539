// Confinement of a restart (issue 17 item 1): the image is untrusted, so everything it names on
// the machine must lie where the restarter let it. The directory the container's tree may live
// in is the restarter's working directory (the jail: a controller chdir()s to where its
// containers live, as CRIU's --root names the root it restores into); the tree root must be
// strictly below it, so a restart can never replace /bin or anything else beside the jail.
//
// Then, per record:
//   - tree names are plain components (no "", ".", ".."): nothing is made outside the tree;
//   - fs contexts: cwd inside the tree; root inside the tree or the restarter's own root (a
//     container that was never chrooted shares the view its restarter has, and gets nothing more);
//     a removed root or cwd had its name inside the tree, and its inode is one the restart makes
//     (an unlinked directory of the image: never a host directory, never one with a name);
//   - device files only from DEVICE_ALLOW_LIST (harmless character devices), device nodes of the
//     tree (or unlinked) only with those devices' numbers (DEVICE_ALLOW_RDEV), proc files only
//     under /proc (and the inode reached must be procfs's: restore/files.ts checks it);
//   - an inode outside the tree (externalPath: the host file a container maps, like its ELF) is
//     found where it is and never written: opened read-only, never mapped shared and writable.
// Every refusal is CrError EPERM (outside what the restarter allows) or EINVAL (no valid path),
// naming the record, before anything is made.
import type { Task } from "../../../machine/kernel/task.ts";
import { dPath } from "../../../machine/fs/dpath.ts";
import type { Vfs } from "../../../machine/fs/vfs.ts";
import { O_ACCMODE, O_PATH, O_RDONLY } from "../../../machine/fs/constants.ts";
import { PROT_WRITE, VM_MAYWRITE, VM_SHARED } from "../../../machine/mm/vma.ts";
import { DEV_CONSOLE, DEV_FULL, DEV_NULL, DEV_ZERO } from "../../../machine/fs/devices.ts";
import { CrError, EINVAL, EPERM } from "../errors.ts";
import type { CheckpointModel } from "../model.ts";

/** The devices a restored file may name: they read nothing of the host and write nowhere. */
export const DEVICE_ALLOW_LIST: readonly string[] = ["/dev/null", "/dev/zero", "/dev/full"];
/**
 * The device nodes a restart may make in the tree, by number: those devices (mkdev(1, 3), (1, 5),
 * (1, 7)) and the console (5:1), the machine's output stream the restored tasks' stdout already is.
 */
export const DEVICE_ALLOW_RDEV: readonly number[] = [DEV_NULL, DEV_ZERO, DEV_FULL, DEV_CONSOLE];
const devName = (rdev: number): string => `${Math.floor(rdev / 2 ** 20)}:${rdev % 2 ** 20}`;
const NAME_MAX = 255;
const PATH_MAX = 4096;

/** Where a restart may put things: derived from its caller's fs context. */
export interface Confinement {
  /** The restarter's working directory: the container's tree goes strictly below it. */
  readonly jail: string;
  /** The restarter's root: a restored task's root may be it, or inside the tree. */
  readonly restarterRoot: string;
}

/** The caller's working directory and root as absolute paths of the machine. */
export function confinementOf(vfs: Vfs, caller: Task): Confinement {
  const fs = caller.fs;
  if (fs === null) throw new CrError(EPERM, "the restarter has no fs context: no directory to restore into");
  const root = dPath(fs.root, vfs.root);
  const cwd = dPath(fs.pwd, vfs.root);
  if (cwd.deleted || !cwd.reachable) throw new CrError(EPERM, `the restarter's working directory ${cwd.name} is removed or unreachable: no directory to restore into`);
  if (!within(cwd.name, root.name)) throw new CrError(EPERM, `the restarter's working directory ${cwd.name} is outside its root ${root.name}`);
  return { jail: cwd.name, restarterRoot: root.name };
}

/** The components of a path, or a reason why it is no plain path. */
function components(p: string): string[] | string {
  if (p.length > PATH_MAX) return "longer than PATH_MAX";
  if (p.includes("\0")) return "contains a NUL byte";
  if (p === "") return [];
  const parts = p.split("/");
  for (const c of parts) {
    if (c === "" || c === "." || c === "..") return `has a "${c}" component`;
    if (c.length > NAME_MAX) return "has a component longer than NAME_MAX";
  }
  return parts;
}

/** An absolute path without empty, "." or ".." components (so it names one place). */
export function checkAbsolute(what: string, p: string): void {
  if (!p.startsWith("/")) throw new CrError(EINVAL, `${what} ${JSON.stringify(p)} is not an absolute path`);
  const c = p === "/" ? [] : components(p.slice(1));
  if (typeof c === "string") throw new CrError(EINVAL, `${what} ${JSON.stringify(p)} ${c}`);
}

/** Whether absolute `p` is `dir` or below it. */
export const within = (p: string, dir: string): boolean => dir === "/" || p === dir || p.startsWith(`${dir}/`);

/** Refuse the first record of `m` that would reach outside the confinement `c`. */
export function confineModel(m: CheckpointModel, c: Confinement): void {
  const root = m.container.treeRoot;
  checkAbsolute("the container's tree root", root);
  if (root === c.jail || !within(root, c.jail)) {
    throw new CrError(EPERM, `the container's tree root ${root} is not below the restarter's directory ${c.jail}: a restart only creates files there`);
  }
  const inTree = (p: string): boolean => within(p, root);
  m.tree.forEach((d, i) => {
    const parts = components(d.path);
    if (typeof parts === "string") throw new CrError(EINVAL, `tree entry ${JSON.stringify(d.path)} ${parts}`);
    if ((i === 0) !== (d.path === "")) throw new CrError(EINVAL, `tree entry ${i} (${JSON.stringify(d.path)}): the tree's root comes first, once`);
  });
  // A 10,000-task image has as many fs contexts, tasks and mms, mostly with the same few paths:
  // each distinct path is checked once, and a record's name is made only for its refusal (these
  // loops made 7 MiB of strings, arrays and iterators in such a restart).
  const absolute = new Set<string>();
  const fsAbsolute = (id: number, which: string, p: string): void => {
    if (absolute.has(p)) return;
    checkAbsolute(`fs context ${id} ${which}`, p);
    absolute.add(p);
  };
  for (let k = 0; k < m.fsContexts.length; k++) {
    const fs = m.fsContexts[k]!;
    fsAbsolute(fs.id, "cwd", fs.cwd);
    fsAbsolute(fs.id, "root", fs.root);
    if (!inTree(fs.cwd)) throw new CrError(EPERM, `fs context ${fs.id}: cwd ${fs.cwd} is outside the container's tree ${root}`);
    if (!inTree(fs.root) && fs.root !== c.restarterRoot) {
      throw new CrError(EPERM, `fs context ${fs.id}: root ${fs.root} is neither inside the container's tree ${root} nor the restarter's root ${c.restarterRoot}`);
    }
  }
  const external = new Set<number>();
  const inodes = new Set<number>();
  const named = new Set(m.tree.map((d) => d.inodeId));
  for (const i of m.inodes) {
    inodes.add(i.id);
    // A memfd is made by the restart on its internal mount: never a name in the tree, never a host file.
    if (i.memfd !== undefined && (i.kind !== "file" || i.nlink !== 0 || i.externalPath !== undefined || named.has(i.id))) {
      throw new CrError(EPERM, `inode ${i.id} is a memfd but ${i.externalPath !== undefined ? `names a host file (${i.externalPath})` : named.has(i.id) ? "has a name in the container's tree" : "is not an unlinked regular file"}: a restart makes memfds, it never takes one from the machine or the tree`);
    }
    // A device node of the container is made anew: only as one of the harmless devices, in the
    // tree or unlinked, never in place of a host file.
    if (i.kind === "chr" && (i.rdev === undefined || !DEVICE_ALLOW_RDEV.includes(i.rdev) || i.externalPath !== undefined)) {
      throw new CrError(EPERM, `inode ${i.id}: device node ${i.rdev === undefined ? "without a number" : devName(i.rdev)}${i.externalPath === undefined ? "" : ` at ${i.externalPath}`} is not one a restart may make (1:3 null, 1:5 zero, 1:7 full, 5:1 console, in the container's tree or unlinked)`);
    }
    if (i.externalPath === undefined) continue;
    checkAbsolute(`inode ${i.id} external path`, i.externalPath);
    if (inTree(i.externalPath)) throw new CrError(EINVAL, `inode ${i.id}: external path ${i.externalPath} is inside the container's tree ${root}, where the image's own files go`);
    external.add(i.id);
  }
  const inodeById = new Map(m.inodes.map((i) => [i.id, i]));
  const removedDir = (fs: CheckpointModel["fsContexts"][number], which: "root" | "cwd", id: number | undefined, path: string): void => {
    if (id === undefined) return;
    const i = inodeById.get(id);
    if (i === undefined) throw new CrError(EINVAL, `fs context ${fs.id}: its removed ${which} names inode ${id}, which the image does not have`);
    if (i.kind !== "dir" || i.nlink !== 0 || i.externalPath !== undefined || named.has(id)) {
      throw new CrError(EPERM, `fs context ${fs.id}: its removed ${which} ${path} (inode ${id}) is not an unlinked directory of the container: a restart makes removed directories, it never takes one from the machine or the tree`);
    }
    if (!inTree(path)) throw new CrError(EPERM, `fs context ${fs.id}: removed ${which} ${path} was outside the container's tree ${root}`);
  };
  for (let k = 0; k < m.fsContexts.length; k++) {
    const fs = m.fsContexts[k]!;
    removedDir(fs, "root", fs.rootInodeId, fs.root);
    removedDir(fs, "cwd", fs.cwdInodeId, fs.cwd);
  }
  for (let k = 0; k < m.files.length; k++) {
    const f = m.files[k]!;
    const t = f.target;
    if (t.kind === "device" && !DEVICE_ALLOW_LIST.includes(t.path)) {
      throw new CrError(EPERM, `file ${f.id}: device ${JSON.stringify(t.path)} is not one a restart may open (${DEVICE_ALLOW_LIST.join(", ")})`);
    }
    if (t.kind === "proc") {
      checkAbsolute(`file ${f.id} proc path`, t.path);
      if (!t.path.startsWith("/proc/")) throw new CrError(EPERM, `file ${f.id}: proc file ${t.path} is not under /proc`);
    }
    if (t.kind === "inode") {
      if (!inodes.has(t.inodeId)) throw new CrError(EINVAL, `file ${f.id} names inode ${t.inodeId}, which the image does not have`);
      const readOnly = (f.flags & O_PATH) !== 0 || (f.flags & O_ACCMODE) === O_RDONLY;
      if (external.has(t.inodeId) && !readOnly) {
        throw new CrError(EPERM, `file ${f.id}: ${t.path} is outside the container's tree and open for writing: a restart never opens host files for writing`);
      }
    }
  }
  for (let k = 0; k < m.mms.length; k++) {
    const mm = m.mms[k]!;
    if (mm.exeInodeId !== undefined) {
      const exe = inodeById.get(mm.exeInodeId);
      if (exe === undefined) throw new CrError(EINVAL, `mm ${mm.id}: its executable names inode ${mm.exeInodeId}, which the image does not have`);
      if (exe.kind !== "file") throw new CrError(EINVAL, `mm ${mm.id}: its executable, inode ${mm.exeInodeId}, is a ${exe.kind}, not a regular file`);
    }
    for (let j = 0; j < mm.vmas.length; j++) {
      const v = mm.vmas[j]!;
      if (v.backing.kind !== "file") continue;
      if (!inodes.has(v.backing.inodeId)) throw new CrError(EINVAL, `mm ${mm.id}: a mapping names inode ${v.backing.inodeId}, which the image does not have`);
      const writable = (v.flags & VM_SHARED) !== 0 && ((v.prot & PROT_WRITE) !== 0 || (v.flags & VM_MAYWRITE) !== 0);
      if (external.has(v.backing.inodeId) && writable) {
        throw new CrError(EPERM, `mm ${mm.id}: a shared writable mapping of ${v.backing.path}, outside the container's tree: a restart never maps host files for writing`);
      }
    }
  }
  checkFreezerPath("the container's freezer group", m.container.freezerGroup);
  const freezerPaths = new Set<string>();
  for (let k = 0; k < m.tasks.length; k++) {
    const t = m.tasks[k]!;
    if (freezerPaths.has(t.freezerPath)) continue;
    checkFreezerPath(`task ${t.id} freezer path`, t.freezerPath);
    freezerPaths.add(t.freezerPath);
  }
}

function checkFreezerPath(what: string, p: string): void {
  const parts = components(p.replace(/^\//, ""));
  if (typeof parts === "string") throw new CrError(EINVAL, `${what} ${JSON.stringify(p)} ${parts}`);
}
