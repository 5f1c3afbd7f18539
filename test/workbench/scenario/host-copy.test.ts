// A guest file copied to the host and back (how an image crosses to a fresh machine, and how
// `cptbench dump` saves one): the same bytes, holes kept as holes on the host, a partial last
// page, pages held past i_size left out, and runs longer than the copy's one-MiB buffer.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Machine } from "../../../src/machine/machine.ts";
import { PAGE_SIZE } from "../../../src/machine/mm/frame.ts";
import { loadGuestFile, readGuestFile, saveGuestFile } from "../../../src/workbench/scenario/setup.ts";

let dir: string | null = null;
afterEach(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** Bytes that differ from page to page and from byte to byte. */
const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (i >> 12) * 7 + seed) & 255);

describe("saveGuestFile / loadGuestFile", () => {
  it("carry the bytes both ways, over runs longer than a MiB, holes and a partial last page", () => {
    dir = mkdtempSync(join(tmpdir(), "cptbench-hostcopy-"));
    const a = new Machine({ memoryMiB: 64 });
    const size = 3 * (1 << 20) + 5 * PAGE_SIZE + 123;
    const bytes = pattern(size, 1);
    // Two holes: one page inside the first MiB, one spanning the second MiB's boundary.
    const holes = [7, 255, 256, 257];
    for (const pg of holes) bytes.fill(0, pg * PAGE_SIZE, (pg + 1) * PAGE_SIZE);
    const f = a.kernel.vfs.installFile("/img", bytes, 0o600)!;
    for (const pg of holes) f.cache.drop(pg);
    // A page held past i_size (fallocate's KEEP_SIZE) is not part of the file's bytes.
    f.cache.findOrCreate(Math.ceil(size / PAGE_SIZE) + 2)!.data.fill(9);
    const host = join(dir, "img");
    expect(saveGuestFile(a, "/img", host)).toBe(size);
    expect(Buffer.from(readFileSync(host)).equals(Buffer.from(bytes))).toBe(true);
    // The holes stayed holes on the host: fewer blocks than the size needs (ext4/tmpfs: 512-byte units).
    expect(statSync(host).blocks * 512).toBeLessThan(size);

    const b = new Machine({ memoryMiB: 64 });
    loadGuestFile(b, host, "/back");
    const back = readGuestFile(b, "/back");
    expect(back).not.toBeNull();
    expect(Buffer.from(back!).equals(Buffer.from(bytes))).toBe(true);
  });
});
