// The container's file tree from the model. It is built under a temporary name beside its final
// place and swapped in only when the whole restart has succeeded (commit), so a failed restart
// leaves the machine's files exactly as they were, and a restart in the same machine replaces
// what the checkpointed container left behind.
import type { Kernel } from "../../../machine/kernel/kernel.ts";
import type { Task } from "../../../machine/kernel/task.ts";
import { Dentry, timeNow, type FsCtx, type Path } from "../../../machine/fs/inode.ts";
import { UnixNodeInode } from "../../../machine/net/af-unix.ts";
import { TmpfsDir, TmpfsFile, TmpfsSymlink, type Tmpfs } from "../../../machine/fs/tmpfs/tmpfs.ts";
import { MemfdInode } from "../../../machine/fs/memfd.ts";
import { type Vfs } from "../../../machine/fs/vfs.ts";
import { S_IFMT, S_IFSOCK } from "../../../machine/fs/constants.ts";
import { PipeInode } from "../../../machine/fs/pipe.ts";
import { CharDevInode } from "../../../machine/fs/devices.ts";
import { PAGE_SIZE } from "../../../machine/mm/frame.ts";
import { CrError, EEXIST, EINVAL, ENOENT, ENOMEM, ENOTDIR, EOPNOTSUPP } from "../errors.ts";
import { EACCES } from "../../../machine/kernel/errno.ts";
import { CAP_SYS_ADMIN } from "../../../machine/kernel/cred.ts";
import { inodePermission, MAY_READ, mayCreate, mayDelete } from "../../../machine/fs/perm.ts";
import type { CheckpointModel, InodeRecord, MemfdRecord } from "../model.ts";

const parts = (p: string): string[] => p.split("/").filter((s) => s.length > 0);

/** Walk an absolute path over tmpfs dentries (no permissions, no symlinks, no mounts). */
export function walkTmpfs(vfs: Vfs, path: string): Dentry | null {
  let d = vfs.rootMount.root;
  for (const name of parts(path)) {
    if (vfs.isMountpoint(d)) return null;
    const dir = d.inode;
    if (!(dir instanceof TmpfsDir)) return null;
    const next = dir.children.get(name);
    if (next === undefined) return null;
    d = next;
  }
  return d;
}

/**
 * Make the directories of an absolute path over tmpfs (root-owned, 0755), as far as they are
 * missing. Returns the last one, or null if a component is not a tmpfs directory (or a mountpoint).
 */
export function mkdirsTmpfs(vfs: Vfs, path: string): Dentry | null {
  let d = vfs.rootMount.root;
  for (const name of parts(path)) {
    const dir = d.inode;
    if (!(dir instanceof TmpfsDir) || vfs.isMountpoint(d)) return null;
    d = dir.children.get(name) ?? dir.mkdir(null, d, name, 0o755);
  }
  return d.inode instanceof TmpfsDir ? d : null;
}

/** Fill a regular file's page cache and size from its record. */
function fillFile(f: TmpfsFile, rec: InodeRecord): void {
  for (const p of rec.pages) {
    const fr = f.cache.findOrCreate(p.index);
    if (fr === null) throw new CrError(ENOMEM, `out of memory restoring file contents (inode ${rec.id})`);
    fr.data.set(p.data.subarray(0, PAGE_SIZE));
  }
  // validate.ts made sure each is one of the pages just filled.
  if (rec.unwritten !== undefined && rec.unwritten.length > 0) f.unwritten = new Set(rec.unwritten);
  f.growTo(rec.size);
}

function setAttrs(inode: { readonly ino: number; mode: number; uid: number; gid: number; atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint; sb: { nextIno: number } }, rec: InodeRecord): void {
  // The inode number it had (st_ino remembered by the program still matches); numbering on this
  // machine continues above it.
  (inode as { ino: number }).ino = rec.ino;
  if (inode.sb.nextIno <= rec.ino) inode.sb.nextIno = rec.ino + 1;
  inode.mode = (inode.mode & S_IFMT) | (rec.mode & ~S_IFMT);
  inode.uid = rec.uid;
  inode.gid = rec.gid;
  inode.atimeNs = rec.atimeNs;
  inode.mtimeNs = rec.mtimeNs;
  inode.ctimeNs = rec.ctimeNs;
}

export class TreeRestore {
  /** Inode id → a path to it (its first name, or a deleted dentry for an unlinked file). */
  readonly paths = new Map<number, Path>();
  private readonly vfs: Vfs;
  private readonly c: FsCtx;
  /** The temporary root of the rebuilt tree, and the directory it goes into. */
  private temp: Dentry | null = null;
  private parent: Dentry | null = null;
  private finalName = "";
  private readonly byRel = new Map<string, Dentry>();
  /** Ids of the inodes found on the machine outside the tree. */
  private readonly external = new Set<number>();
  /** Unlinked inodes made for open files and mappings, each holding one use by the restart. */
  private readonly unlinked: (TmpfsFile | TmpfsDir | PipeInode | CharDevInode)[] = [];
  /** Directories made above the tree's place, oldest first. */
  private readonly made: { parent: Dentry; d: Dentry }[] = [];

  constructor(
    private readonly k: Kernel,
    caller: Task,
    private readonly m: CheckpointModel,
  ) {
    this.vfs = k.vfs;
    this.c = { k, t: caller };
  }

  private path(d: Dentry): Path {
    return { mnt: this.vfs.rootMount, dentry: d };
  }

  /** Build the tree under a temporary name, and every inode outside it. */
  build(): void {
    const inodes = new Map(this.m.inodes.map((i) => [i.id, i]));
    const root = this.m.container.treeRoot;
    if (this.m.tree.length > 0) {
      const names = parts(root);
      if (names.length === 0) throw new CrError(EOPNOTSUPP, "the image's file tree is rooted at /, which a restart cannot replace");
      const parent = this.mkdirs(names.slice(0, -1));
      if (parent === null) throw new CrError(ENOTDIR, `cannot create the container's tree at ${root}: a directory above it is not a tmpfs directory`);
      this.parent = parent;
      this.finalName = names[names.length - 1];
      const pdir = this.parent.inode as TmpfsDir;
      this.mayPlace(pdir);
      let tmp = `.cptrst-${this.finalName}`;
      for (let i = 1; pdir.children.has(tmp); i++) tmp = `.cptrst-${this.finalName}.${i}`;
      for (const d of this.m.tree) {
        const rec = inodes.get(d.inodeId);
        if (rec === undefined) throw new CrError(ENOENT, `the tree names inode ${d.inodeId}, which the image does not have`);
        const slash = d.path.lastIndexOf("/");
        const dirRel = slash < 0 ? "" : d.path.slice(0, slash);
        const name = d.path === "" ? tmp : d.path.slice(slash + 1);
        const dir = d.path === "" ? this.parent : this.byRel.get(dirRel);
        if (dir === undefined || !(dir.inode instanceof TmpfsDir)) throw new CrError(ENOTDIR, `the tree's ${d.path} has no directory above it`);
        const dirInode = dir.inode;
        if (dirInode.children.has(name)) throw new CrError(EEXIST, `the tree names ${d.path} twice`);
        const existing = this.paths.get(rec.id);
        let made: Dentry;
        if (existing !== undefined && (rec.kind === "file" || rec.kind === "fifo" || rec.kind === "chr")) made = dirInode.link(this.c, dir, name, existing.dentry);
        else if (existing !== undefined) throw new CrError(EEXIST, `inode ${rec.id} (${rec.kind}) has two names in the tree`);
        else if (rec.kind === "dir") made = dirInode.mkdir(null, dir, name, rec.mode & 0o7777);
        else if (rec.kind === "symlink") made = dirInode.symlink(null, dir, name, rec.target ?? "");
        else if (rec.kind === "sock") {
          // A socket's name: the socket it leads to is linked to it when the sockets are restored.
          const sb = dirInode.sb;
          made = dirInode.add(null, dir, name, new UnixNodeInode(sb, sb.allocIno(), S_IFSOCK | (rec.mode & 0o7777), timeNow(this.k)));
        }
        else if (rec.kind === "fifo") made = dirInode.mknod(dir, name, this.fifo(rec));
        else if (rec.kind === "chr") made = dirInode.mknod(dir, name, this.chr(rec));
        else {
          made = dirInode.create(null, dir, name, rec.mode & 0o7777);
          fillFile(made.inode as TmpfsFile, rec);
        }
        this.byRel.set(d.path, made);
        if (existing === undefined) this.paths.set(rec.id, this.path(made));
        if (d.path === "") this.temp = made;
      }
    }
    for (const rec of this.m.inodes) {
      if (this.paths.has(rec.id)) continue;
      if (rec.externalPath !== undefined) {
        const d = walkTmpfs(this.vfs, rec.externalPath);
        if (d === null) throw new CrError(ENOENT, `${rec.externalPath}, which the container had open outside its tree, does not exist on this machine`);
        // A restarter without CAP_SYS_ADMIN maps or opens only host files it may read itself.
        const cred = this.c.t.cred;
        if (!cred.capable(CAP_SYS_ADMIN) && inodePermission(cred, d.inode, MAY_READ) !== 0) {
          throw new CrError(EACCES, `inode ${rec.id}: the restarter may not read ${rec.externalPath} itself`);
        }
        this.paths.set(rec.id, this.path(d));
        this.external.add(rec.id);
        continue;
      }
      // An unlinked file still open or mapped: an inode with no name, reached through a deleted dentry.
      if (rec.kind === "sock") throw new CrError(EOPNOTSUPP, `unlinked socket name inode ${rec.id} cannot be restored`);
      if (rec.memfd !== undefined) {
        this.paths.set(rec.id, this.memfd(rec, rec.memfd));
        continue;
      }
      const tmpfs = this.vfs.tmpfs;
      // An unlinked FIFO: its open ends share its one pipe (files.ts opens them on it).
      const f = rec.kind === "dir"
        ? new TmpfsDir(tmpfs, tmpfs.allocIno(), rec.mode, tmpfs.env.nowNs())
        : rec.kind === "fifo" ? this.fifo(rec) : rec.kind === "chr" ? this.chr(rec)
          // A symlink unlinked while held open with O_PATH | O_NOFOLLOW (ZDTM's symlink01): readlinkat(fd, "") still reads it.
          : rec.kind === "symlink" ? new TmpfsSymlink(tmpfs, tmpfs.allocIno(), rec.target ?? "", tmpfs.env.nowNs())
          : new TmpfsFile(tmpfs, tmpfs.allocIno(), rec.mode, tmpfs.env.nowNs());
      f.nlink = 0;
      // The restart is a user of the unlinked inode until it commits or aborts: the last of the
      // files and mappings made from it, or the restart itself, frees its pages.
      f.get();
      this.unlinked.push(f);
      if (f instanceof TmpfsFile) fillFile(f, rec);
      setAttrs(f, rec);
      // Named as it was (readlink of /proc/<pid>/fd shows "<dir>/<name> (deleted)").
      const { dir, name } = this.deletedName(rec.id);
      const d = new Dentry(name, dir, f);
      d.deleted = true;
      this.paths.set(rec.id, this.path(d));
    }
    // Attributes last: creating entries touched the directories' times.
    for (const d of this.m.tree) setAttrs(this.byRel.get(d.path)!.inode, inodes.get(d.inodeId)!);
  }

  /** A FIFO inode (mknod S_IFIFO) of the tmpfs; its attributes are set as any inode's. */
  private fifo(rec: InodeRecord): PipeInode {
    const tmpfs = this.vfs.tmpfs;
    return new PipeInode(tmpfs, tmpfs.allocIno(), this.k, rec.uid, rec.gid, true, rec.mode & 0o7777);
  }

  /**
   * A memfd: an unlinked file on the shm mount named "memfd:NAME", with its contents and seals,
   * held by the restart like any unlinked inode until the files and mappings take it.
   */
  private memfd(rec: InodeRecord, mfd: MemfdRecord): Path {
    if (rec.kind !== "file" || rec.nlink !== 0 || rec.externalPath !== undefined) throw new CrError(EINVAL, `inode ${rec.id} is a memfd but not an unlinked regular file`);
    const mnt = this.vfs.shmMount;
    const sb = mnt.sb as Tmpfs;
    const f = new MemfdInode(sb, sb.allocIno(), rec.mode, sb.env.nowNs());
    f.nlink = 0;
    f.memfdName = mfd.name;
    f.get();
    this.unlinked.push(f);
    fillFile(f, rec);
    setAttrs(f, rec);
    // Seals last: filling the page cache is the restart's, not a write the seals forbid.
    f.seals = mfd.seals;
    const d = new Dentry(`memfd:${mfd.name}`, mnt.root, f);
    d.deleted = true;
    return { mnt, dentry: d };
  }

  /**
   * A character device node of the container, made anew by its number (validation and
   * confinement allow only the harmless devices); its attributes are set as any inode's.
   */
  private chr(rec: InodeRecord): CharDevInode {
    const tmpfs = this.vfs.tmpfs;
    if (rec.rdev === undefined) throw new CrError(EINVAL, `device node inode ${rec.id} has no device number`);
    return new CharDevInode(tmpfs, tmpfs.allocIno(), rec.mode & 0o7777, rec.rdev, tmpfs.env.nowNs());
  }

  /** The name an unlinked inode had, from an open file or a mapping of it, and its directory now. */
  private deletedName(id: number): { dir: Dentry; name: string } {
    const named =
      this.m.files.map((f) => (f.target.kind === "inode" && f.target.inodeId === id ? f.target.path : undefined)).find((p) => p !== undefined) ??
      this.m.fsContexts.map((fs) => (fs.cwdInodeId === id ? fs.cwd : fs.rootInodeId === id ? fs.root : undefined)).find((p) => p !== undefined) ??
      this.m.mms.flatMap((mm) => mm.vmas).map((v) => (v.backing.kind === "file" && v.backing.inodeId === id ? v.backing.path : undefined)).find((p) => p !== undefined);
    const path = (named ?? `/deleted-${id}`).replace(/ \(deleted\)$/, "");
    const slash = path.lastIndexOf("/");
    const name = path.slice(slash + 1) || `deleted-${id}`;
    let dir: Dentry = this.temp ?? this.vfs.rootMount.root;
    try {
      dir = this.resolve(path.slice(0, slash) || "/").dentry;
    } catch {
      // its directory is gone too: hang it below the tree's root
    }
    return { dir, name };
  }

  /** Where an absolute path of the source machine is now: inside the tree, or on this machine. */
  resolve(abs: string): Path {
    const root = this.m.container.treeRoot;
    if (this.temp !== null && (abs === root || abs.startsWith(root === "/" ? "/" : `${root}/`))) {
      const rel = abs === root ? "" : abs.slice(root.length + 1);
      const d = this.byRel.get(rel);
      if (d !== undefined) return this.path(d);
    }
    const d = walkTmpfs(this.vfs, abs);
    if (d === null) throw new CrError(ENOENT, `${abs}, which the image names, does not exist on this machine`);
    return this.path(d);
  }

  private putUnlinked(): void {
    for (const f of this.unlinked) f.put();
    this.unlinked.length = 0;
  }

  /** Whether inode `id` is the machine's own file, found outside the tree (externalPath). */
  isExternal(id: number): boolean {
    return this.external.has(id);
  }

  /**
   * The directories of the tree root's parent, made as far as they are missing (root-owned, 0755)
   * and remembered, so that a failed restart removes them again. Null if a component is not a
   * tmpfs directory (a symlink is never followed) or is a mountpoint.
   */
  private mkdirs(names: string[]): Dentry | null {
    let d = this.vfs.rootMount.root;
    for (const name of names) {
      const dir = d.inode;
      if (!(dir instanceof TmpfsDir) || this.vfs.isMountpoint(d)) return null;
      let next = dir.children.get(name);
      if (next === undefined) {
        next = dir.mkdir(null, d, name, 0o755);
        this.made.push({ parent: d, d: next });
      }
      d = next;
    }
    return d.inode instanceof TmpfsDir && !this.vfs.isMountpoint(d) ? d : null;
  }

  /**
   * A restarter without CAP_SYS_ADMIN places the tree only where it could itself: it may write
   * the parent directory, and remove what is at the tree's place (may_delete).
   */
  private mayPlace(pdir: TmpfsDir): void {
    const cred = this.c.t.cred;
    if (cred.capable(CAP_SYS_ADMIN)) return;
    if (mayCreate(cred, pdir) !== 0) throw new CrError(EACCES, `the restarter may not create ${this.m.container.treeRoot}: no write permission on its directory`);
    const old = pdir.children.get(this.finalName);
    if (old !== undefined && mayDelete(cred, pdir, old.inode, old.inode instanceof TmpfsDir) !== 0) {
      throw new CrError(EACCES, `the restarter may not replace ${this.m.container.treeRoot}: it may not remove what is there`);
    }
  }

  /** Put the tree in its place, replacing whatever is there (the old tree stays for open files). */
  commit(): void {
    this.putUnlinked();
    if (this.temp === null || this.parent === null) return;
    const dir = this.parent.inode as TmpfsDir;
    // Unlink the old tree file by file, so its pages are freed once no open file holds them.
    const old = dir.children.get(this.finalName);
    if (old !== undefined) removeTree(this.c, this.parent, old);
    dir.rename(this.c, this.temp, this.parent, this.finalName, null);
    this.temp = null;
    this.made.length = 0;
  }

  /** Remove the temporary tree and the directories made for it (a failed restart). */
  abort(): void {
    this.putUnlinked();
    if (this.temp !== null && this.parent !== null) removeTree(this.c, this.parent, this.temp);
    this.temp = null;
    for (const { parent, d } of this.made.reverse()) {
      const dir = d.inode as TmpfsDir;
      if (dir.children.size === 0) (parent.inode as TmpfsDir).unlink(this.c, parent, d);
    }
    this.made.length = 0;
  }
}

/** Unlink a whole subtree, children first. */
function removeTree(c: FsCtx, parent: Dentry, d: Dentry): void {
  const inode = d.inode;
  if (inode instanceof TmpfsDir) for (const child of [...inode.children.values()]) removeTree(c, d, child);
  (parent.inode as TmpfsDir).unlink(c, parent, d);
}
