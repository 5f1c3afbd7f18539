// The plugin registry: names and bindings, options checked by each plugin's schema, one child
// container per cell, plugins loaded from a path.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { container as root, injectable, inject, type DependencyContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CHECKPOINT_INITIATOR, CR_MODULE_NAME, IMAGE_CODEC, type Axis, type ImageCodec } from "../../../src/core/cr/interfaces.ts";
import type { PluginManifest } from "../../../src/core/cr/plugin.ts";
import { PluginError, Registry, resolveCell } from "../../../src/core/cr/registry.ts";
import { builtinRegistry } from "../../../src/workbench/plugins.ts";
import { CptbenchError } from "../../../src/machine/errors.ts";
import { tempDir } from "../../support/tmp.ts";

const TEST_OPTIONS = "test-null.options";
const nullOptions = z.strictObject({ depth: z.number().int().min(0).default(1) });

@injectable()
class NullCodec implements ImageCodec {
  readonly name = "null";
  readonly streams = true;
  constructor(@inject(TEST_OPTIONS) readonly options: z.infer<typeof nullOptions>) {}
  encode(): Iterable<Uint8Array> {
    return [];
  }
  decode(): never {
    throw new Error("empty");
  }
}

function nullPlugin(over: Partial<PluginManifest<z.infer<typeof nullOptions>>> = {}): PluginManifest<unknown> {
  return {
    name: "test-null",
    description: "a codec that writes nothing",
    binds: [{ axis: "codec", name: "null" }],
    options: nullOptions,
    register(c: DependencyContainer, options: z.infer<typeof nullOptions>, axes: Axis[]) {
      c.register(TEST_OPTIONS, { useValue: options });
      if (axes.includes("codec")) c.register(IMAGE_CODEC, { useClass: NullCodec });
    },
    ...over,
  } as PluginManifest<unknown>;
}

const BUILTIN = { initiator: "external", creator: "kernel", codec: "cpt" };

function tempFile(name: string, text: string): string {
  const p = join(tempDir("plugin"), name);
  writeFileSync(p, text);
  return p;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("Registry", () => {
  it("holds the built-in plugins and their bindings", () => {
    const r = builtinRegistry();
    expect(r.plugins.map((p) => p.name)).toEqual(["openvz-cpt", "self-cpt", "kernel-fork", "userspace-fork"]);
    expect(r.names("initiator")).toEqual(["external", "self"]);
    expect(r.names("creator")).toEqual(["kernel", "userspace"]);
    expect(r.names("codec")).toEqual(["ckpt", "cpt"]);
    expect(r.provider("codec", "cpt").name).toBe("openvz-cpt");
    expect(r.provider("codec", "ckpt").name).toBe("self-cpt");
    expect(r.provider("initiator", "self").name).toBe("self-cpt");
    expect(r.provider("creator", "userspace").name).toBe("userspace-fork");
  });

  it("refuses a duplicate plugin name", () => {
    const r = new Registry().add(nullPlugin());
    const e = errorOf(() => r.add(nullPlugin({ binds: [{ axis: "codec", name: "other" }] })));
    expect(e).toBeInstanceOf(PluginError);
    expect(e.message).toBe('a plugin named "test-null" is already registered');
  });

  it("refuses a binding another plugin already provides, naming both plugins", () => {
    const r = builtinRegistry();
    const e = errorOf(() => r.add(nullPlugin({ name: "copycat", binds: [{ axis: "codec", name: "cpt" }] })));
    expect(e.message).toBe('plugin "copycat" binds codec "cpt", which plugin "openvz-cpt" already binds');
    // Nothing of the refused plugin was kept.
    expect(r.plugins.map((p) => p.name)).not.toContain("copycat");
  });

  it("refuses a plugin binding the same thing twice", () => {
    const twice = nullPlugin({ binds: [{ axis: "codec", name: "null" }, { axis: "codec", name: "null" }] });
    expect(() => new Registry().add(twice)).toThrow('plugin "test-null" binds codec "null", which itself already binds');
  });

  it("an unknown initiator, creator or codec lists the available names", () => {
    const r = builtinRegistry().add(nullPlugin());
    expect(() => r.cellContainer({ ...BUILTIN, initiator: "psychic" })).toThrow('unknown initiator "psychic"; available: external, self');
    expect(() => r.cellContainer({ ...BUILTIN, creator: "stork" })).toThrow('unknown creator (--fork) "stork"; available: kernel, userspace');
    expect(() => r.cellContainer({ ...BUILTIN, codec: "zip" })).toThrow(`unknown codec "zip"; available: ${r.names("codec").join(", ")}`);
    expect(r.names("codec")).toContain("null");
    expect(errorOf(() => r.cellContainer({ ...BUILTIN, codec: "zip" }))).toBeInstanceOf(CptbenchError);
  });

  it("checks options with the plugin's schema; the error names the plugin and the key", () => {
    const r = builtinRegistry().add(nullPlugin());
    const sel = { ...BUILTIN, codec: "null" };
    const bad = errorOf(() => r.cellContainer(sel, { "test-null": { depth: "deep" } }));
    expect(bad).toBeInstanceOf(PluginError);
    expect(bad.message).toContain('invalid options for plugin "test-null" (pluginOptions.test-null)');
    expect(bad.message).toMatch(/expected number, received string\n\s+→ at depth/);
    const unknownKey = errorOf(() => r.cellContainer(sel, { "test-null": { dpeth: 2 } }));
    expect(unknownKey.message).toContain('Unrecognized key: "dpeth"');
    const builtinKey = errorOf(() => r.cellContainer(BUILTIN, { "openvz-cpt": { killAfterDump: true } }));
    expect(builtinKey.message).toContain('plugin "openvz-cpt"');
    expect(builtinKey.message).toContain('"killAfterDump"');
    expect(() => r.cellContainer(sel, { "no-such": {} })).toThrow(
      'pluginOptions names unknown plugin "no-such"; plugins: kernel-fork, openvz-cpt, self-cpt, test-null, userspace-fork',
    );
    const pids = errorOf(() => r.cellContainer({ ...BUILTIN, creator: "userspace" }, { "userspace-fork": { pids: "guess" } }));
    expect(pids.message).toContain('invalid options for plugin "userspace-fork"');
    expect(pids.message).toMatch(/"eclone"\|"ns_last_pid"|eclone.*ns_last_pid/);
  });

  it("gives each plugin its parsed options, defaults included", () => {
    const r = builtinRegistry().add(nullPlugin());
    const c = r.cellContainer({ ...BUILTIN, codec: "null" }, { "test-null": { depth: 3 } });
    expect((resolveCell(c).codec as NullCodec).options).toEqual({ depth: 3 });
    const d = r.cellContainer({ ...BUILTIN, codec: "null" });
    expect((resolveCell(d).codec as NullCodec).options).toEqual({ depth: 1 });
  });

  it("binds the built-ins and the C/R module name in a child container", () => {
    const c = builtinRegistry().cellContainer(BUILTIN);
    const cell = resolveCell(c);
    expect(cell.initiator.name).toBe("external");
    expect(cell.creator.name).toBe("kernel");
    expect(cell.codec.name).toBe("cpt");
    expect(cell.moduleName).toBe("cptrst");
    // Nothing leaks into the root container.
    expect(root.isRegistered(CHECKPOINT_INITIATOR)).toBe(false);
    expect(root.isRegistered(CR_MODULE_NAME)).toBe(false);
  });

  it("takes one plugin's initiator with another plugin's codec", () => {
    const r = builtinRegistry().add(nullPlugin());
    const cell = resolveCell(r.cellContainer({ ...BUILTIN, codec: "null" }));
    expect(cell.initiator.name).toBe("external");
    expect(cell.codec).toBeInstanceOf(NullCodec);
    expect(cell.moduleName).toBe("cptrst");
  });

  it("registers only the axes taken from a plugin, the initiator's plugin last", () => {
    const calls: [string, Axis[]][] = [];
    const spy = (m: PluginManifest<unknown>): PluginManifest<unknown> => ({
      ...m,
      register(c, o, axes) {
        calls.push([m.name, axes]);
        m.register(c, o, axes);
      },
    });
    const r = new Registry();
    for (const m of builtinRegistry().plugins) r.add(spy(m));
    r.add(
      spy(
        nullPlugin({
          register(c: DependencyContainer, o: z.infer<typeof nullOptions>, axes: Axis[]) {
            c.register(TEST_OPTIONS, { useValue: o });
            c.register(CR_MODULE_NAME, { useValue: "nullmod" });
            if (axes.includes("codec")) c.register(IMAGE_CODEC, { useClass: NullCodec });
          },
        }),
      ),
    );
    const c = r.cellContainer({ ...BUILTIN, codec: "null" });
    expect(calls).toEqual([
      ["test-null", ["codec"]],
      ["kernel-fork", ["creator"]],
      ["openvz-cpt", ["initiator"]],
    ]);
    // openvz-cpt's codec was not bound; its module name wins over the codec plugin's.
    expect(resolveCell(c).codec).toBeInstanceOf(NullCodec);
    expect(resolveCell(c).moduleName).toBe("cptrst");
  });

  it("gives every cell its own instances; one cell resolves one instance per token", () => {
    const r = builtinRegistry().add(nullPlugin());
    const a = r.cellContainer({ ...BUILTIN, codec: "null" }, { "test-null": { depth: 1 } });
    const b = r.cellContainer({ ...BUILTIN, codec: "null" }, { "test-null": { depth: 2 } });
    expect(a).not.toBe(b);
    const ca = resolveCell(a);
    const cb = resolveCell(b);
    expect(ca.initiator).not.toBe(cb.initiator);
    expect(ca.creator).not.toBe(cb.creator);
    expect(ca.codec).not.toBe(cb.codec);
    expect((ca.codec as NullCodec).options.depth).toBe(1);
    expect((cb.codec as NullCodec).options.depth).toBe(2);
    expect(resolveCell(a).initiator).toBe(ca.initiator);
    expect(resolveCell(a).creator).toBe(ca.creator);
  });

  it("complains when a plugin forgets to bind the token it advertises", () => {
    const lazy = nullPlugin({ register() {} });
    expect(() => builtinRegistry().add(lazy).cellContainer({ ...BUILTIN, codec: "null" })).toThrow(
      'plugin "test-null" did not bind the codec token (ImageCodec)',
    );
  });
});

describe("Registry.loadFromPath", () => {
  const zodUrl = pathToFileURL(join(import.meta.dirname, "..", "..", "..", "node_modules", "zod", "index.js")).href;

  it("loads a .mjs plugin that default-exports a manifest and uses its codec", async () => {
    const file = tempFile(
      "echo-codec.mjs",
      `import { z } from ${JSON.stringify(zodUrl)};
export default {
  name: "echo",
  description: "test codec from a file",
  binds: [{ axis: "codec", name: "echo" }],
  options: z.strictObject({ tag: z.string().default("e") }),
  register(container, options, axes) {
    if (axes.includes("codec")) container.register("ImageCodec", { useValue: { name: "echo", streams: true, tag: options.tag, encode: () => [], decode: () => { throw new Error("no"); } } });
  },
};
`,
    );
    const r = builtinRegistry();
    const m = await r.loadFromPath(file);
    expect(m.name).toBe("echo");
    expect(r.names("codec")).toEqual(["ckpt", "cpt", "echo"]);
    const cell = resolveCell(r.cellContainer({ ...BUILTIN, codec: "echo" }, { echo: { tag: "x" } }));
    expect(cell.codec.name).toBe("echo");
    expect((cell.codec as unknown as { tag: string }).tag).toBe("x");
  });

  it("accepts a named `manifest` export and resolves a relative path against baseDir", async () => {
    const file = tempFile(
      "named.mjs",
      `import { z } from ${JSON.stringify(zodUrl)};
export const manifest = { name: "named", description: "d", binds: [{ axis: "creator", name: "named" }], options: z.strictObject({}), register() {} };
`,
    );
    const r = new Registry();
    await r.loadFromPath("named.mjs", join(file, ".."));
    expect(r.names("creator")).toEqual(["named"]);
  });

  it("names the file when it exports no manifest, or a malformed one", async () => {
    const none = tempFile("none.mjs", "export const x = 1;\n");
    await expect(new Registry().loadFromPath(none)).rejects.toThrow(`plugin file ${none} exports no plugin manifest`);
    const bad = tempFile(
      "bad.mjs",
      `export default { name: "bad", description: "d", binds: [{ axis: "decoder", name: "x" }], options: {}, register() {} };\n`,
    );
    const e = await new Registry().loadFromPath(bad).catch((x: Error) => x);
    expect(e).toBeInstanceOf(PluginError);
    expect((e as Error).message).toContain(`plugin file ${bad} has a manifest "bad" whose binds[0] is not { axis: initiator | creator | codec, name: string }`);
    const noOpts = tempFile(
      "noopts.mjs",
      `export default { name: "o", description: "d", binds: [{ axis: "codec", name: "o" }], options: {}, register() {} };\n`,
    );
    await expect(new Registry().loadFromPath(noOpts)).rejects.toThrow(`plugin file ${noOpts} has a manifest "o" whose \`options\` is not a zod schema`);
  });

  it("names the file when it is missing or does not load", async () => {
    const dir = tempDir("plugin");
    await expect(new Registry().loadFromPath(join(dir, "nope.mjs"))).rejects.toThrow(`plugin file ${join(dir, "nope.mjs")} does not exist`);
    const broken = tempFile("broken.mjs", "export default {\n");
    await expect(new Registry().loadFromPath(broken)).rejects.toThrow(`cannot load plugin file ${broken}:`);
  });
});
