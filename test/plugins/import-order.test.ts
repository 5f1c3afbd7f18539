// Import order does not matter: any plugin file, or any kernel file a plugin reaches, can be the
// first module a program loads. Import cycles through kernel.ts once made a syscall file loaded
// first crash (its syscall table used before its initialization), and plugins/index.ts had to
// list openvz-cpt before kernel-fork. `npm run lint:cycles` keeps the graph acyclic; this checks
// the symptom itself, each time in a fresh module graph.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it, vi } from "vitest";

const root = join(import.meta.dirname, "../..");
const pluginsDir = join(root, "src/plugins");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []))
    .sort();
}

const pluginFiles = tsFiles(pluginsDir);
const manifests = pluginFiles.filter((f) => f.endsWith("/manifest.ts"));
const files = [...pluginFiles, ...tsFiles(join(root, "src/machine/kernel"))];

describe("plugin modules load in any order", () => {
  it("finds the built-in plugins' manifests", () => {
    const found = manifests.map((f) => relative(pluginsDir, f));
    for (const m of ["kernel-fork", "openvz-cpt", "self-cpt", "userspace-fork"]) expect(found).toContain(`${m}/manifest.ts`);
  });

  it("tries the kernel's syscall files too", () => {
    expect(files.map((f) => relative(root, f))).toContain("src/machine/kernel/syscalls/sys-module.ts");
  });

  // Each file first, then every manifest (the order reversed, so each pair is also tried the
  // other way round): every module evaluates, and every manifest is complete.
  it.each(files.map((f) => relative(root, f)))("%s first", async (first) => {
    vi.resetModules();
    await import(join(root, first));
    for (const m of [...manifests].reverse()) {
      const mod = (await import(m)) as { manifest?: { name?: unknown; register?: unknown } };
      expect(typeof mod.manifest?.name, relative(root, m)).toBe("string");
      expect(typeof mod.manifest?.register, relative(root, m)).toBe("function");
    }
  });
});
