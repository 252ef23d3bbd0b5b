// Generated .slipway.yml files: each is a valid build config or a UserFailure naming what is
// wrong; never another exception, never an alias bomb expanded, never a hang.
import { ZBuildConfig } from "@slipway/contracts";
import { ReliabilityTally } from "@slipway/testing";
import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { parseBuildConfig } from "./build-config";
import { UserFailure } from "./failures";

/** readConfigFile refuses a larger file before it is parsed */
const MAX_BYTES = 64 * 1024;
/** no single case may take longer (a parser that expands or backtracks shows here) */
const MAX_CASE_MS = 2_000;
const KEYS = ["dockerfile", "context", "target", "buildArgs", "publish", "publishPullRequests", "secrets"] as const;

const tally = new ReliabilityTally("build-config-fuzz");
afterAll(() => tally.write());

/**
 * Parses `text` and checks the outcome: a config the schema accepts, or a UserFailure whose
 * message names the file (and `mustName`, when given and the config is refused).
 */
function check(cls: string, text: string, mustName?: string): void {
  const c = tally.of(cls);
  c.cases++;
  const started = performance.now();
  try {
    const config = parseBuildConfig(text);
    expect(ZBuildConfig.safeParse(config).success).toBe(true);
  } catch (err) {
    if (!(err instanceof UserFailure)) {
      c.crashes++;
      throw err;
    }
    expect(err.message).toMatch(/^\.slipway\.yml (is not valid YAML|is invalid|uses)/);
    if (mustName) expect(err.message).toContain(mustName);
  } finally {
    expect(performance.now() - started).toBeLessThan(MAX_CASE_MS);
  }
}

const yamlOf = (value: unknown) => {
  try {
    return stringify(value, { aliasDuplicateObjects: false });
  } catch {
    // A value yaml cannot write (e.g. a symbol): send its JSON instead, which YAML reads too.
    return JSON.stringify(value) ?? "";
  }
};

/** values for each known key, right and wrong: the parser sees both */
const anyValue = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 4 }),
  fc.json({ maxDepth: 3 }).map((j) => JSON.parse(j) as unknown),
  fc.constantFrom("Dockerfile", ".", "../x", "/etc/passwd", "ghcr.io/acme/app", "NPM_TOKEN", "BUILDKIT_X", "", "a\0b"),
  fc.array(fc.record({ image: fc.string() }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))),
);

/** YAML's own syntax, shuffled: anchors, aliases, tags, flow and block markers, directives */
const token = fc.constantFrom(
  ":",
  ": ",
  "- ",
  "? ",
  "&a ",
  "*a",
  "&b ",
  "*b",
  "<<: *a",
  "!!str ",
  "!!binary ",
  "!!timestamp ",
  "!<tag:x> ",
  "!local ",
  "{",
  "}",
  "[",
  "]",
  ",",
  "\n",
  "  ",
  "\t",
  "|",
  ">-",
  "---\n",
  "...\n",
  "%YAML 1.2\n",
  "%TAG ! tag:x,2000:\n",
  '"',
  "'",
  "#",
  "\\u0000",
  "~",
  "null",
  "true",
  "0x1F",
  ".inf",
  "1e400",
  ...KEYS,
  "image",
);

/** `levels` of `width` aliases each to the level below: expanded, width^levels nodes */
const aliasBomb = (levels: number, width: number, flow: boolean) => {
  const lines = ["a0: &a0 [lol, lol]"];
  for (let i = 1; i <= levels; i++) {
    const refs = Array.from({ length: width }, () => `*a${i - 1}`);
    lines.push(flow ? `a${i}: &a${i} [${refs.join(", ")}]` : `a${i}: &a${i}\n${refs.map((r) => `  - ${r}`).join("\n")}`);
  }
  return `${lines.join("\n")}\n`;
};

const nesting = fc.record({
  depth: fc.integer({ min: 1, max: 20_000 }),
  style: fc.constantFrom("flow-seq", "flow-map", "block-seq", "block-map", "mixed"),
  key: fc.constantFrom(...KEYS),
});

function nested({ depth, style, key }: { depth: number; style: string; key: string }): string {
  switch (style) {
    case "flow-seq":
      return `${key}: ${"[".repeat(depth)}x${"]".repeat(depth)}\n`;
    case "flow-map":
      return `${key}: ${"{a: ".repeat(depth)}x${"}".repeat(depth)}\n`;
    case "block-seq":
      return `${key}:\n${"- ".repeat(depth)}x\n`;
    case "block-map": {
      // Block maps indent one more space per level: bounded by the file size limit.
      const lines: string[] = [`${key}:`];
      let size = 0;
      for (let i = 1; i <= depth && size < MAX_BYTES - 1000; i++) {
        const line = `${" ".repeat(i)}k${i}:`;
        size += line.length + 1;
        lines.push(line);
      }
      return `${lines.join("\n")} x\n`;
    }
    default:
      return `${key}: ${"[{a: ".repeat(depth)}x${"}]".repeat(depth)}\n`;
  }
}

describe(".slipway.yml fuzzing: a valid config or a UserFailure naming the problem", () => {
  it("random YAML documents built from arbitrary values", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.json().map((j) => JSON.parse(j) as unknown),
        ),
        (value) => {
          check("random YAML documents", yamlOf(value));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("known keys with values of any type: the message names the key", () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), anyValue, (key, value) => {
        check("wrong types per known key", yamlOf({ [key]: value }), key);
      }),
      { numRuns: 500 },
    );
  });

  it("whole configs of known and unknown keys", () => {
    const config = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), anyValue, { maxKeys: 8 });
    fc.assert(
      fc.property(config, (value) => check("mixed known and unknown keys", yamlOf(value))),
      { numRuns: 300 },
    );
  });

  it("random bytes and random text", () => {
    const bytes = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b).toString("utf8"));
    fc.assert(
      fc.property(fc.oneof(bytes, fc.fullUnicodeString({ maxLength: 2000 }), fc.string({ maxLength: 2000 })), (text) => {
        check("random bytes and text", text);
      }),
      { numRuns: 300 },
    );
  });

  it("YAML syntax soup: anchors, aliases, tags, directives, flow and block markers", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(token, fc.string({ maxLength: 6 })), { maxLength: 60 }), (parts) => {
        check("YAML syntax soup", parts.join(""));
      }),
      { numRuns: 400 },
    );
  });

  it("deep nesting up to the file size limit", () => {
    fc.assert(
      fc.property(nesting, (n) => check("deep nesting", nested(n))),
      { numRuns: 40 },
    );
  });

  it("huge scalars up to the file size limit", () => {
    const huge = fc.record({
      key: fc.constantFrom(...KEYS, "unknown"),
      length: fc.integer({ min: 1, max: MAX_BYTES - 100 }),
      char: fc.constantFrom("a", "é", "/", " ", "\\", "'", ":"),
      quote: fc.constantFrom("", "'", '"', "|\n  "),
    });
    fc.assert(
      fc.property(huge, ({ key, length, char, quote }) => {
        const body = char.repeat(Math.floor(length / Buffer.byteLength(char)));
        const close = quote.startsWith("|") ? "" : quote;
        check("huge scalars", `${key}: ${quote}${body}${close}\n`);
      }),
      { numRuns: 60 },
    );
  });

  it("alias bombs are refused, not expanded", () => {
    const bomb = fc.record({ levels: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 2, max: 12 }), flow: fc.boolean() });
    fc.assert(
      fc.property(bomb, ({ levels, width, flow }) => {
        const text = aliasBomb(levels, width, flow);
        // A bomb that would expand to more than 10,000 nodes must be refused for its aliases.
        const mustName = width ** levels > 10_000 ? "alias" : undefined;
        check("alias bombs", text, mustName);
        // Under a known key too: the refusal must come before the schema looks at the values.
        check("alias bombs", `${text}secrets: *a${levels}\n`, mustName);
      }),
      { numRuns: 100 },
    );
  });

  it("ran at least 2,000 cases", () => {
    expect(tally.total()).toBeGreaterThanOrEqual(2_000);
  });
});
