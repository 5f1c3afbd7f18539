// ESLint flat config: typescript-eslint's recommended rules over src, test and bench.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The plugin surface: a plugin sees core and the kernel through one door each
// (src/core/cr/index.ts, src/machine/kernel/index.ts), as a Linux module sees only exported
// symbols; besides those it imports its own folder and npm packages, never another plugin.
const PLUGINS = readdirSync(join(import.meta.dirname, "src", "plugins"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const pluginSurface = (self) => ({
  files: [`src/plugins/${self}/**/*.ts`],
  rules: {
    "no-restricted-imports": ["error", {
      patterns: [
        {
          regex: "(^|/)core/(?!cr/index\\.ts$)",
          message: "a plugin imports the C/R core only through src/core/cr/index.ts (add what it needs there)",
        },
        {
          regex: "(^|/)machine/(?!kernel/index\\.ts$)",
          message: "a plugin imports the kernel only through src/machine/kernel/index.ts (add what it needs there)",
        },
        { regex: "(^|/)(workbench|cli)/", message: "a plugin never imports the workbench or the CLI (the arrows point down)" },
        ...PLUGINS.filter((p) => p !== self).map((p) => ({
          regex: `(^|/)plugins/${p}/|^\\.\\./${p}/|^(\\.\\./)+${p}/`,
          message: `a plugin never imports another plugin's folder (${p})`,
        })),
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "workloads/**", "coverage/**", ".scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The hart's decoder and ALU work on bit patterns: bitwise ops are the point.
      "no-bitwise": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  ...PLUGINS.map(pluginSurface),
  {
    // Core and the machine never reach up: whoever creates the registry gives it the plugins.
    files: ["src/core/**/*.ts", "src/machine/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: "(^|/)(plugins|workbench|cli)/", message: "core and the machine import no plugin, workbench or CLI code (the arrows point down)" }],
      }],
    },
  },
);
