// Every codec the built-in plugins register, for the codec suite: found through the plugin
// manifests (each `binds` entry on the codec axis), made the way a cell makes it (the manifest's
// register() in a child container, options parsed by its schema), each with the fixture its
// plugin's test folder provides in test/plugins/<plugin>/codec-fixtures.ts. A new codec is
// picked up here without an edit; it passes once its plugin's test folder has a fixture.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { container as rootContainer } from "tsyringe";
import { IMAGE_CODEC, type ImageCodec } from "../../../src/core/cr/interfaces.ts";
import type { PluginManifest } from "../../../src/core/cr/plugin.ts";
import { builtinPlugins } from "../../../src/plugins/index.ts";
import type { CodecFixture, CodecUnderTest } from "./codec-fixture.ts";

const REPO = join(import.meta.dirname, "..", "..", "..");

/** The codec `plugin` binds, made with `options` (its schema's defaults for what is left out). */
function makeCodec(plugin: PluginManifest<unknown>, options: Record<string, unknown>): ImageCodec {
  const c = rootContainer.createChildContainer();
  plugin.register(c, plugin.options.parse(options), ["codec"]);
  return c.resolve<ImageCodec>(IMAGE_CODEC);
}

async function fixturesOf(file: string): Promise<Record<string, CodecFixture>> {
  if (!existsSync(file)) return {};
  const mod = (await import(pathToFileURL(file).href)) as { codecFixtures?: Record<string, CodecFixture> };
  return mod.codecFixtures ?? {};
}

/** Every registered codec, in the order of the built-in plugin list. */
export async function registeredCodecs(plugins: readonly PluginManifest<unknown>[] = builtinPlugins): Promise<CodecUnderTest[]> {
  const out: CodecUnderTest[] = [];
  for (const plugin of plugins) {
    for (const b of plugin.binds.filter((x) => x.axis === "codec")) {
      const fixtureFile = `test/plugins/${plugin.name}/codec-fixtures.ts`;
      out.push({
        name: b.name,
        plugin: plugin.name,
        make: (options = {}) => makeCodec(plugin, options),
        fixture: (await fixturesOf(join(REPO, fixtureFile)))[b.name],
        fixtureFile,
      });
    }
  }
  return out;
}
