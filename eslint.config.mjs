// Lint rules for every TypeScript and script file. Beside the recommended sets, the module boundaries
// the design draws are enforced here, so a forbidden import fails `npm test` instead of a review.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** What the shared contracts and renderers must never import: they stay Pulumi-free and I/O-free. */
const IO_AND_FRAMEWORKS = [
  "@pulumi/*",
  "express",
  "ky",
  "node:fs",
  "node:fs/*",
  "fs",
  "fs/*",
  "node:child_process",
  "node:http",
  "node:net",
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".demo/**", ".tmp/**", ".rehearsal/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    files: ["contracts/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: IO_AND_FRAMEWORKS, message: "contracts/ is pure: no Pulumi, no frameworks, no I/O" },
            {
              group: ["**/components/**", "**/services/**", "**/lib/**", "**/sandbox/**", "**/sdks/**"],
              message: "contracts/ depends on nothing of ours",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["services/scaler/policy.ts", "services/scaler/policyOptions.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/lib/exoscale/**", "**/lib/shared/env*", "**/targets/**"],
              message: "the policy knows no target and no environment reader",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["services/scaler/loop.ts", "services/scaler/target.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/lib/exoscale/**", "**/targets/**"], message: "the loop drives any ScaleTarget; only targets/ know Exoscale" },
          ],
        },
      ],
    },
  },
);
