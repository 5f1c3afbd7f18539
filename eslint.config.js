// ESLint flat config: typescript-eslint's recommended rules over src, test and bench.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
);
