import { fileURLToPath } from "node:url";
// npm run bench:e2e [ROUNDS] — webhook -> published (every tag pushed to the publish registry)
// through the farm, next to what a person would run by hand on the same daemon and registries:
// `docker buildx build --push` with the farm worker's cache flags (registry cache import and
// export, mode=max; see packages/builder/src/buildx-args.ts) then `docker buildx imagetools
// create` for the same three tags. Two cases after a cold build: (a) a commit that changes
// nothing the Dockerfile reads (every step cached) and (b) a one-file change (the COPY and
// the RUN after it run again). Medians of ROUNDS rounds and the ratio farm/plain per case.
// The farm runs in this process (farm-harness.ts, as bench:build does): the api, worker and
// publisher are the real ones, the Dockerfile work happens in dockerd either way.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { testEnv, withRegistryLogin } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { startTestFarm, type TestFarm } from "../e2e/farm-harness";
import { BRANCH, pushCommit, REPO } from "../e2e/push-payload";
import { quantile, runBench, writeBenchJson } from "./bench-report";

const BENCH_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ROUNDS = Number(process.argv[2] ?? 3);
const SOURCES = 20;
const TAGS = ["latest", BRANCH];
const say = (s: string) => process.stdout.write(`${s}\n`);
// Logged in to the internal registry (bench/* and github/*) in main(), before any docker command.
let env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: testEnv.dockerHost };

// A nonce per side and round: the farm's and the plain builds never share BuildKit's local
// cache, so each side's warm figures come from its own earlier build only.
const files = (nonce: string, image: string, edit = "") => {
  const f: Record<string, string> = {
    Dockerfile: `FROM ${testEnv.registry}/base/busybox:1 AS build
COPY src/ /src/
RUN echo "nonce ${nonce}" && mkdir -p /out && cat /src/* | sha256sum > /out/sum && i=0; while [ $i -lt 50000 ]; do i=$((i+1)); echo "line $i"; done > /out/data.txt
FROM ${testEnv.registry}/base/busybox:1
COPY --from=build /out /out
CMD ["cat", "/out/sum"]
`,
    ".slipway.yml": `publish:\n  - image: ${image}\n`,
    "README.md": `bench ${nonce}\n`,
  };
  for (let i = 0; i < SOURCES; i++) f[`src/file-${i}.txt`] = `source ${i} of ${nonce}\n`;
  if (edit) f["src/file-0.txt"] = `source 0 of ${nonce}, ${edit}\n`;
  return f;
};

const FARM_IMAGE = `${testEnv.publishRegistry}/bench/e2e-farm`;
const PLAIN_IMAGE = `${testEnv.publishRegistry}/bench/e2e-plain`;
const PLAIN_INTERNAL = `${testEnv.registry}/bench/e2e-plain`;
const PLAIN_CACHE = `${testEnv.registry}/bench/e2e-plain/cache:branch-${BRANCH}`;

// Asynchronous: this process also serves the internal registry's token realm (global setup).
const docker = (args: string[]) => promisify(execFile)("docker", args, { env, maxBuffer: 64 * 1024 * 1024 });

/** The plain pipeline: build and push with the worker's flags, then tag in the publish registry. */
async function plain(dir: string, tag: string): Promise<{ ms: number; tagMs: number }> {
  const t0 = performance.now();
  await docker([
    "buildx",
    "build",
    "--progress=quiet",
    "--network",
    testEnv.buildNetwork,
    "--provenance=false",
    "--pull",
    "--cache-from",
    `type=registry,ref=${PLAIN_CACHE}`,
    "--cache-to",
    `type=registry,ref=${PLAIN_CACHE},mode=max,ignore-error=true`,
    "--tag",
    `${PLAIN_INTERNAL}:${tag}`,
    "--push",
    dir,
  ]);
  const built = performance.now();
  // One call per tag, in turn: one call with several tags pushes them concurrently, and this
  // registry (distribution 2.x, filesystem storage) then answered 400 and 500 on sibling tags
  // of one repository (an index PUT before the manifest it names was committed; a tag link
  // read while written). The publisher also writes a build's tags one after another.
  for (const t of [...TAGS, `sha-${tag.slice(0, 7)}`])
    await docker(["buildx", "imagetools", "create", "--tag", `${PLAIN_IMAGE}:${t}`, `${PLAIN_INTERNAL}:${tag}`]);
  const end = performance.now();
  return { ms: end - t0, tagMs: end - built };
}

const writeTree = (dir: string, tree: Record<string, string>) => {
  for (const [p, c] of Object.entries(tree)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
};

/** Push -> the last of its three tags pushed by the publisher (publish rows' own timestamps). */
async function farmRun(farm: TestFarm, sha: string): Promise<{ ms: number; cached: string }> {
  const t0 = Date.now();
  const id = await pushCommit(farm.api.url, sha);
  const b = await farm.waitForEnd(id);
  if (b.status !== "succeeded") throw new Error(`farm build ${b.status}: ${b.errorMessage}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const pubs = await farm.api.db.publish.findMany({ where: { buildId: id } });
    if (pubs.some((p) => p.status === "failed")) throw new Error(`publish failed: ${pubs.map((p) => p.error).join("; ")}`);
    if (pubs.length === TAGS.length + 1 && pubs.every((p) => p.status === "pushed" && p.publishedAt))
      return { ms: Math.max(...pubs.map((p) => p.publishedAt!.getTime())) - t0, cached: `${b.cachedSteps}/${b.totalSteps}` };
    if (Date.now() > deadline) throw new Error(`publishes of ${id}: ${pubs.map((p) => `${p.tag} ${p.status}`).join(", ") || "none"}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  // The template database, the token realm and the busybox base image (no download).
  const teardown = await globalSetup();
  env = await withRegistryLogin(env);
  const farm = await startTestFarm();
  const r = {
    farmNoChange: [] as number[],
    plainNoChange: [] as number[],
    plainNoChangeTagging: [] as number[],
    farmOneFile: [] as number[],
    plainOneFile: [] as number[],
    plainOneFileTagging: [] as number[],
  };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const fNonce = randomUUID();
      const pNonce = randomUUID();
      // Cold builds first (not measured): the cache each side's warm cases read.
      await farmRun(farm, farm.git.commit(REPO, files(fNonce, FARM_IMAGE), { branch: BRANCH }));
      const dir = mkdtempSync(join(tmpdir(), "slipway-bench-e2e-"));
      writeTree(dir, files(pNonce, PLAIN_IMAGE));
      await plain(dir, `cold-${i}-${randomUUID().slice(0, 8)}`);

      // (a) no change the build reads: the README only.
      const a = await farmRun(farm, farm.git.commit(REPO, { "README.md": `round ${i}\n` }, { branch: BRANCH }));
      writeTree(dir, { "README.md": `round ${i}\n` });
      const pa = await plain(dir, `a-${i}-${randomUUID().slice(0, 8)}`);
      // (b) one source file changed.
      const edit = `edit ${randomUUID()}`;
      const b = await farmRun(farm, farm.git.commit(REPO, { "src/file-0.txt": `source 0 of ${fNonce}, ${edit}\n` }, { branch: BRANCH }));
      writeTree(dir, { "src/file-0.txt": `source 0 of ${pNonce}, ${edit}\n` });
      const pb = await plain(dir, `b-${i}-${randomUUID().slice(0, 8)}`);
      rmSync(dir, { recursive: true, force: true });

      r.farmNoChange.push(a.ms);
      r.plainNoChange.push(pa.ms);
      r.plainNoChangeTagging.push(pa.tagMs);
      r.farmOneFile.push(b.ms);
      r.plainOneFile.push(pb.ms);
      r.plainOneFileTagging.push(pb.tagMs);
      say(
        `  round ${i + 1}/${ROUNDS}: no change: farm ${a.ms.toFixed(0)} ms (${a.cached} cached), plain ${pa.ms.toFixed(0)} ms (${pa.tagMs.toFixed(0)} ms of it imagetools); one file: farm ${b.ms.toFixed(0)} ms (${b.cached} cached), plain ${pb.ms.toFixed(0)} ms (${pb.tagMs.toFixed(0)} ms imagetools)`,
      );
    }
  } finally {
    await farm.close();
    await teardown();
    rmSync(env.DOCKER_CONFIG!, { recursive: true, force: true });
  }

  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, quantile(v, 0.5)])) as Record<keyof typeof r, number>;
  const cases = [
    { name: "no-change rebuild", farmMs: m.farmNoChange, plainMs: m.plainNoChange, plainTaggingMs: m.plainNoChangeTagging },
    { name: "one-file change", farmMs: m.farmOneFile, plainMs: m.plainOneFile, plainTaggingMs: m.plainOneFileTagging },
  ].map((c) => ({ ...c, ratio: c.farmMs / c.plainMs, met: c.farmMs / c.plainMs <= 1.15 }));
  say(`\ne2e: webhook -> published (3 tags) vs buildx --push + imagetools create, medians of ${ROUNDS} round(s)`);
  say(
    `  ${"case".padEnd(20)} ${"farm".padStart(9)} ${"plain".padStart(9)} ${"farm/plain".padStart(11)}  target <= 1.15x   (plain: of it imagetools)`,
  );
  for (const c of cases)
    say(
      `  ${c.name.padEnd(20)} ${`${c.farmMs.toFixed(0)} ms`.padStart(9)} ${`${c.plainMs.toFixed(0)} ms`.padStart(9)} ${`${c.ratio.toFixed(2)}x`.padStart(11)}  ${(c.met ? "met" : "MISSED").padEnd(17)} ${c.plainTaggingMs.toFixed(0)} ms`,
    );
  say(`  written to ${writeBenchJson(BENCH_ROOT, "e2e", { rounds: ROUNDS, cases, runs: r })}`);
  process.exit(0);
}

runBench(main);
