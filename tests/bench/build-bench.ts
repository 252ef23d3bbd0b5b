// npm run bench:build — cold and warm build times of the test image through the farm (webhook
// to succeeded) next to plain `docker buildx build` of the same Dockerfile, in one run on the
// same daemon and registry. Prints medians of ROUNDS rounds and the ratios.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm } from "../e2e/farm-harness";
import { PUSH_EXAMPLE, pushCommit } from "../e2e/push-payload";

const ROUNDS = Number(process.argv[2] ?? 3);
const dockerfile = (nonce: string) => `FROM ${testEnv.registry}/base/busybox:1 AS builder
RUN echo "run ${nonce}" && mkdir -p /out && i=0; while [ $i -lt 200000 ]; do i=$((i+1)); echo "line $i"; done > /out/data.txt && sha256sum /out/data.txt | cut -d' ' -f1 > /out/checksum
FROM ${testEnv.registry}/base/busybox:1 AS runtime
COPY --from=builder /out/checksum /srv/
CMD ["cat", "/srv/checksum"]
`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = { ...process.env, DOCKER_HOST: testEnv.dockerHost };

function plainBuild(dir: string, tag: string): number {
  const t0 = performance.now();
  execFileSync("docker", ["buildx", "build", "--progress=quiet", "--network", "host", "--push", "-t", tag, dir], { env, stdio: ["ignore", "ignore", "inherit"] });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  await globalSetup();
  const farm = await startTestFarm();
  const repo = PUSH_EXAMPLE.repository.full_name as string;
  const branch = (PUSH_EXAMPLE.ref as string).slice(11);
  const results = { plainCold: [] as number[], plainWarm: [] as number[], farmCold: [] as number[], farmWarm: [] as number[], farmNewCommit: [] as number[], farmHostB: [] as number[], farmColdBuild: [] as number[], farmWarmBuild: [] as number[] };

  const farmBuild = async (sha: string) => {
    const t0 = performance.now();
    const id = await pushCommit(farm.api.url, sha);
    await eventually(async () => ["succeeded", "failed"].includes((await farm.api.db.build.findUniqueOrThrow({ where: { id } })).status), 600_000, "build");
    const wall = performance.now() - t0;
    const b = await farm.api.db.build.findUniqueOrThrow({ where: { id } });
    if (b.status !== "succeeded") throw new Error(`farm build failed: ${b.errorMessage}`);
    return { wall, build: b.durationMs!, cached: `${b.cachedSteps}/${b.totalSteps}` };
  };

  try {
    for (let r = 0; r < ROUNDS; r++) {
      const dir = mkdtempSync(join(tmpdir(), "slipway-bench-"));
      writeFileSync(join(dir, "Dockerfile"), dockerfile(randomUUID()));
      results.plainCold.push(plainBuild(dir, `${testEnv.registry}/bench/plain:cold-${r}`));
      results.plainWarm.push(plainBuild(dir, `${testEnv.registry}/bench/plain:warm-${r}`));
      rmSync(dir, { recursive: true, force: true });

      const sha = farm.git.commit(repo, { ".slipway.yml": null, Dockerfile: dockerfile(randomUUID()) }, { branch });
      const cold = await farmBuild(sha);
      const warm = await farmBuild(sha);
      const next = farm.git.commit(repo, { "README.md": `round ${r}\n` }, { branch });
      const fresh = await farmBuild(next);
      // The same commit on a second host: its own empty daemon and git mirrors.
      const hostB = mkdtempSync(join(tmpdir(), "slipway-bench-host-b-"));
      await farm.restartWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "bench-host-b", cacheDir: hostB });
      const onB = await farmBuild(sha);
      await farm.restartWorker();
      rmSync(hostB, { recursive: true, force: true });
      results.farmHostB.push(onB.wall);
      results.farmCold.push(cold.wall);
      results.farmColdBuild.push(cold.build);
      results.farmWarm.push(warm.wall);
      results.farmWarmBuild.push(warm.build);
      results.farmNewCommit.push(fresh.wall);
      process.stdout.write(`round ${r + 1}/${ROUNDS}: plain cold ${results.plainCold.at(-1)!.toFixed(0)} ms, plain warm ${results.plainWarm.at(-1)!.toFixed(0)} ms, farm cold ${cold.wall.toFixed(0)} ms (${cold.cached} cached), farm warm ${warm.wall.toFixed(0)} ms (${warm.cached}), farm new commit ${fresh.wall.toFixed(0)} ms (${fresh.cached}), host B first build ${onB.wall.toFixed(0)} ms (${onB.cached})\n`);
    }
  } finally {
    await farm.close();
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<keyof typeof results, number>;
  const row = (name: string, ms: number, note = "") => process.stdout.write(`${name.padEnd(48)} ${ms.toFixed(0).padStart(7)} ms ${note}\n`);
  process.stdout.write(`\nmedians of ${ROUNDS} rounds (same daemon, same registry, same Dockerfile):\n`);
  row("plain buildx, cold (--push, no cache flags)", m.plainCold);
  row("plain buildx, warm (local cache)", m.plainWarm);
  row("farm, cold: webhook -> succeeded", m.farmCold, `(build ${m.farmColdBuild.toFixed(0)} ms; ${(m.farmCold / m.plainCold).toFixed(2)}x plain cold)`);
  row("farm, warm same commit: webhook -> succeeded", m.farmWarm, `(build ${m.farmWarmBuild.toFixed(0)} ms; ${(m.farmWarm / m.plainWarm).toFixed(2)}x plain warm)`);
  row("farm, warm new commit: webhook -> succeeded", m.farmNewCommit, `(${(m.farmNewCommit / m.farmCold).toFixed(2)}x farm cold)`);
  row("farm, first build on a second host (empty daemon)", m.farmHostB, `(${(m.farmHostB / m.farmCold).toFixed(2)}x farm cold)`);
  process.stdout.write(`farm warm / farm cold: ${(m.farmWarm / m.farmCold).toFixed(2)}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
