// --sign KEYFILE and --verify KEYFILE for `run` and `matrix`: every cell's codec signs the images
// it writes and/or refuses, before decoding, an image not signed with the key (core/cr/signed.ts).
// They become the codec plugins' `sign`/`verify` options, as `dump --sign` and `restore --verify`
// set them, so a cell built in a worker thread gets them with the rest of the plugin options.
import type { Command } from "commander";
import type { Registry } from "../core/cr/registry.ts";
import { readKeyFile } from "../core/cr/signed.ts";

export interface SigningFlags {
  sign?: string;
  verify?: string;
}

export function addSigningOptions(cmd: Command): Command {
  return cmd
    .option("--sign <keyfile>", "cells sign their images with an HMAC-SHA256 keyed by this file's raw bytes (16 or more)")
    .option("--verify <keyfile>", "cells refuse, before decoding it, an image not signed with this key (use with --sign, or every restart fails)");
}

/**
 * `pluginOptions` with the key files set on every codec plugin in `codecs`. The key files are read
 * once here, so a missing or short one is a usage error (exit 2) before any cell runs.
 */
export function withSigning<T extends Record<string, unknown>>(pluginOptions: T, registry: Registry, codecs: readonly string[], f: SigningFlags): T {
  if (f.sign === undefined && f.verify === undefined) return pluginOptions;
  if (f.sign !== undefined) readKeyFile(f.sign, "--sign");
  if (f.verify !== undefined) readKeyFile(f.verify, "--verify");
  const out: Record<string, unknown> = { ...pluginOptions };
  for (const name of codecs) {
    const plugin = registry.provider("codec", name).name;
    const own = (out[plugin] ?? {}) as Record<string, unknown>;
    out[plugin] = {
      ...own,
      ...(f.sign !== undefined && { sign: { keyFile: f.sign } }),
      ...(f.verify !== undefined && { verify: { keyFile: f.verify } }),
    };
  }
  registry.parseOptions(out);
  return out as T;
}
