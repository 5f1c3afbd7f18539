// The built-in plugins wired into a registry. This lives in the workbench, not in core: the
// registry takes its plugin list from whoever creates it, so core/cr never imports a plugin.
import { Registry } from "../core/cr/registry.ts";
import { builtinPlugins } from "../plugins/index.ts";

/** A registry holding the built-in plugins (src/plugins/index.ts), in their listed order. */
export function builtinRegistry(): Registry {
  return new Registry(builtinPlugins);
}
