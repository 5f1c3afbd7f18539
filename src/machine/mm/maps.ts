// /proc/<pid>/maps: Linux's show_map_vma, byte for byte, as a pure function of an Mm (procfs
// serves it). One line per VMA:
//
//   00010000-00012000 r-xp 00000000 00:00 0 
//   7fffe000-80000000 rw-p 00000000 00:00 0          [stack]
//
// The header ends with a space; a name is padded to the column a 32-bit kernel uses
// (seq_setwidth(25 + 6 * sizeof(void *) - 1), then one more space).
//
// The executable's areas have no file behind them (exec.ts copies the ELF into anonymous pages),
// but they print as Linux prints its file mappings of the executable: the offset, device, inode
// and path exe-file.ts remembers. A program started from bytes outside the VFS has no file in the
// tree: its areas show the name it was started with, on no device (00:00, inode 0). Mapped tmpfs files print their
// offset, device, inode and path (with " (deleted)" once unlinked). Shared anonymous memory prints as Linux shows its
// internal shmem file: device 00:01, the object's inode, "/dev/zero (deleted)".
import { dPath } from "../fs/dpath.ts";
import type { Path } from "../fs/inode.ts";
import { exeOffset } from "./exe-file.ts";
import { PAGE_SIZE } from "./frame.ts";
import type { Mm } from "./mm.ts";
import { PROT_EXEC, PROT_READ, PROT_WRITE, type Vma } from "./vma.ts";

/** seq_setwidth's width for a kernel with 4-byte pointers. */
const NAME_COLUMN = 25 + 6 * 4 - 1;
/** The device of the kernel's internal shmem mount. */
const SHMEM_DEV = "00:01";

const hex8 = (n: number): string => n.toString(16).padStart(8, "0");
const hex2 = (n: number): string => n.toString(16).padStart(2, "0");
/** A device number as maps prints it: major:minor in hex (MAJOR/MINOR of a 12:20-bit dev_t). */
export const devName = (d: number): string => `${hex2(Math.floor(d / 2 ** 20))}:${hex2(d % 2 ** 20)}`;

/** The root of the tree p lies in (the top mount's root): maps names files from there. */
function treeRoot(p: Path): Path {
  let m = p.mnt;
  while (m.parent !== null) m = m.parent;
  return { mnt: m, dentry: m.root };
}

/** The whole maps file of an mm. */
export function showMaps(mm: Mm): string {
  let out = "";
  for (const v of mm.vmas) out += showMapVma(mm, v);
  return out;
}

/** One line of maps, with its newline. */
export function showMapVma(mm: Mm, v: Vma): string {
  const perms = ((v.prot & PROT_READ) !== 0 ? "r" : "-") + ((v.prot & PROT_WRITE) !== 0 ? "w" : "-")
    + ((v.prot & PROT_EXEC) !== 0 ? "x" : "-") + (v.shared ? "s" : "p");
  let pgoff = 0;
  let dev = "00:00";
  let ino = 0;
  let name = "";
  const exeOff = v.kind === "elf" && mm.exe !== null ? exeOffset(mm.exe, v.start) : null;
  if (v.backing.kind === "file") {
    const b = v.backing;
    pgoff = v.pgoff * PAGE_SIZE;
    dev = devName(b.inode.sb.dev);
    ino = b.inode.ino;
    name = dPath(b.path, treeRoot(b.path)).name;
  } else if (exeOff !== null) {
    const p = mm.exe!.path;
    pgoff = exeOff;
    if (p !== null) {
      dev = devName(p.dentry.inode.sb.dev);
      ino = p.dentry.inode.ino;
      name = dPath(p, treeRoot(p)).name;
    } else name = mm.exe!.name;
  } else if (v.backing.kind === "shmem") {
    pgoff = v.pgoff * PAGE_SIZE;
    dev = SHMEM_DEV;
    ino = v.backing.obj.ino;
    name = "/dev/zero (deleted)";
  } else if (v.kind === "vdso") {
    name = "[vdso]";
  } else if (v.kind !== "elf") {
    if (v.start <= mm.brk && v.end >= mm.startBrk) name = "[heap]";
    else if (isStack(mm, v)) name = "[stack]";
  }
  const head = `${hex8(v.start)}-${hex8(v.end)} ${perms} ${hex8(pgoff)} ${dev} ${ino} `;
  return (name === "" ? head : head.padEnd(NAME_COLUMN) + " " + name) + "\n";
}

/** Linux's is_stack: the area holding start_stack (or, before exec records it, the exec'd stack). */
function isStack(mm: Mm, v: Vma): boolean {
  if (mm.startStack === 0) return v.kind === "stack";
  return v.start <= mm.startStack && v.end >= mm.startStack;
}
