import { describe, expect, it } from "vitest";
import { explainRebuilds, type ExplainInput } from "./explain-rebuilds";
import type { StepRecord } from "./step-tracker";

const D1 = `@sha256:${"1".repeat(64)}`;
const D2 = `@sha256:${"2".repeat(64)}`;
let n = 0;
const step = (name: string, cached: boolean): StepRecord => ({
  index: n,
  vertexDigest: `sha256:v${n++}`,
  name,
  startedAt: new Date(),
  completedAt: new Date(),
  cached,
  error: null,
});
const NAMES = [
  `[build 1/4] FROM reg/base/node:22${D1}`,
  "[build 2/4] COPY package.json /app/",
  "[build 3/4] RUN npm ci",
  "[build 4/4] COPY src/ /app/src/",
  `[stage-1 1/2] FROM reg/base/busybox:1${D1}`,
  "[stage-1 2/2] COPY --from=build /app/dist /srv",
];
const earlier = { id: "e", sha: "a".repeat(40), stepNames: NAMES, buildArgs: { MODE: "prod" } };
const reasons = (i: Partial<ExplainInput> & { steps: StepRecord[] }) => [
  ...explainRebuilds({ earlier, buildArgs: { MODE: "prod" }, context: ".", changedFiles: [], ...i }).values(),
];

describe("explainRebuilds", () => {
  it("a changed source file: the COPY that reads it, then the rest of its stage, then the stage that copies from it", () => {
    const steps = [
      step(NAMES[0]!, true),
      step(NAMES[1]!, true),
      step(NAMES[2]!, true),
      step(NAMES[3]!, false),
      step(NAMES[4]!, true),
      step(NAMES[5]!, false),
    ];
    expect(reasons({ steps, changedFiles: ["src/index.ts", "src/util.ts", "README.md"] })).toEqual([
      "file changed: src/index.ts (and 1 more)",
      "copies from stage build, which was rebuilt",
    ]);
  });

  it("files outside the build context, or not copied, are not reasons; a context folder is", () => {
    const steps = [step("[2/2] COPY app.txt /app.txt", false)];
    const e = { ...earlier, stepNames: ["[1/2] FROM x", "[2/2] COPY app.txt /app.txt"] };
    expect(reasons({ steps, earlier: e, context: "docker", changedFiles: ["app.txt", "docker/app.txt"] })).toEqual([
      "file changed: docker/app.txt",
    ]);
    expect(reasons({ steps, earlier: e, context: ".", changedFiles: ["other.txt"] })).toEqual([
      "not in the cache this build could read (evicted, or never exported where this host reads it)",
    ]);
    expect(reasons({ steps, earlier: e, changedFiles: undefined })).toEqual([
      "the files it copies may have changed (the earlier build's commit is not in this host's git mirror)",
    ]);
    expect(reasons({ steps, earlier: e, context: ".docker", changedFiles: [".docker/app.txt"] })).toEqual([
      "file changed: .docker/app.txt",
    ]);
    expect(reasons({ steps, earlier: e, changedFiles: { tooMany: 9001 } })).toEqual([
      "files it copies may have changed (9001 files changed in the build context, too many to tell which)",
    ]);
    // Braces are literal to BuildKit, and so here: no expansion (and no blow-up).
    const braces = [step("[2/2] COPY {a,b}{1..99999} /x/", false)];
    expect(
      reasons({ steps: braces, earlier: { ...e, stepNames: ["[2/2] COPY {a,b}{1..99999} /x/"] }, changedFiles: ["a1", "{a,b}{1..99999}"] }),
    ).toEqual(["file changed: {a,b}{1..99999}"]);
    const glob = [step('[2/2] COPY ["src/*.ts", "/app/"]', false)];
    expect(
      reasons({ steps: glob, earlier: { ...e, stepNames: ['[2/2] COPY ["src/*.ts", "/app/"]'] }, changedFiles: ["src/a.ts"] }),
    ).toEqual(["file changed: src/a.ts"]);
  });

  it("a new or edited line, a moved base image, a changed build argument, no earlier build", () => {
    expect(reasons({ steps: [step("[build 3/4] RUN npm ci --omit=dev", false)] })).toEqual([
      "Dockerfile line changed: RUN npm ci --omit=dev",
    ]);
    expect(reasons({ steps: [step(`[build 1/4] FROM reg/base/node:22${D2}`, false)] })).toEqual([
      "base image changed: reg/base/node:22 (sha256:111111111111 -> sha256:222222222222)",
    ]);
    expect(reasons({ steps: [step(NAMES[2]!, false)], buildArgs: { MODE: "dev", EXTRA: "1" } })).toEqual([
      "build argument changed: EXTRA, MODE",
    ]);
    expect(reasons({ steps: [step(NAMES[2]!, false)], earlier: undefined })).toEqual([
      "no earlier build of this branch or the default branch to compare with",
    ]);
  });

  it("a FROM that resolved to the same digest as before is no reason, whatever BuildKit says of it", () => {
    expect(reasons({ steps: [step(NAMES[0]!, false), step(NAMES[3]!, false)], changedFiles: ["src/a.ts"] })).toEqual([
      "file changed: src/a.ts",
    ]);
  });

  it("cached steps, BuildKit's own vertices and steps that never started get no reason", () => {
    const never = { ...step("[build 4/4] COPY src/ /app/src/", false), startedAt: null };
    const map = explainRebuilds({
      steps: [step("[internal] load build definition from Dockerfile", false), step(NAMES[1]!, true), never],
      earlier,
      buildArgs: {},
      context: ".",
      changedFiles: [],
    });
    expect(map.size).toBe(0);
  });
});
