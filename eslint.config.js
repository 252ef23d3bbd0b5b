// The linter for every workspace (`npm run lint`, also part of `npm test`). Formatting is
// prettier's job (`npm run format`): eslint-config-prettier turns off the rules that would
// fight it. Rules are the typescript-eslint recommended set without type information (type
// errors are tsc's job; typed linting measured several times slower here), plus the React
// and hooks rules for the dashboard.
import js from "@eslint/js";
import eslintReact from "@eslint-react/eslint-plugin";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/dist/**", ".slipway/**", ".turbo/**", "coverage/**", "packages/db/src/generated/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused names are knip's and tsc's job for exports; locals starting with _ are deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Services log through pino (STYLE: no console); CLIs that print to a terminal say so.
      "no-console": "error",
      // Input checks match control characters on purpose (refusing NUL in a ref, ANSI escapes).
      "no-control-regex": "off",
    },
  },
  {
    files: ["apps/dashboard/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    ...eslintReact.configs["recommended-typescript"],
  },
  {
    files: ["apps/dashboard/src/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat["recommended-latest"],
  },
  {
    files: ["apps/dashboard/src/**/*.{ts,tsx}"],
    rules: {
      // The hooks rules come from React's own plugin (above); these are @eslint-react's copies.
      "@eslint-react/exhaustive-deps": "off",
      "@eslint-react/set-state-in-effect": "off",
      "@eslint-react/purity": "off",
      // Listeners on an EventSource go with it when the effect's cleanup closes it; the rule
      // only accepts a removeEventListener per add.
      "@eslint-react/web-api-no-leaked-event-listener": "off",
      // It warns that the React Compiler skips components using such libraries (TanStack
      // Virtual); this dashboard does not use the compiler.
      "react-hooks/incompatible-library": "off",
    },
  },
  {
    // Tests and the test-support package read loosely typed JSON answers (`as any` on
    // `res.json()`); what they read is asserted right there. Production code has no `any`.
    files: ["**/test/**/*.ts", "**/*.test.ts", "tests/**/*.ts", "packages/testing/src/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
