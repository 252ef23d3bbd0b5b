// Builds that keep workers busy during a measurement: each RUNs a CPU loop (one core) for a
// given time, on a repository of its own so the load's pushes never supersede them.
import { randomUUID } from "node:crypto";
import type { Db } from "@slipway/db";
import { testEnv, type TestGitServer } from "@slipway/testing";
import { SignedPushes } from "./signed-pushes";

const REPOSITORY = { id: 990_001, fullName: "bench/cpu-load" };

export interface CpuBuilds {
  ids: string[];
  /** true while every one of them is still running */
  allRunning: () => Promise<boolean>;
  /** cancels them (POST /api/v1/builds/:id/cancel): the worker stops buildx, BuildKit the step */
  cancel: () => Promise<void>;
}

export async function startCpuBuilds(o: {
  git: TestGitServer;
  apiUrl: string;
  apiToken: string;
  db: Db;
  secret: string;
  count: number;
  seconds: number;
}): Promise<CpuBuilds> {
  const ids: string[] = [];
  for (let i = 1; i <= o.count; i++) {
    const branch = `cpu-${i}`;
    // The nonce makes every run a cache miss; the inner loop is pure shell arithmetic (one
    // core), the clock is read only between its batches.
    const sha = o.git.commit(
      REPOSITORY.fullName,
      {
        Dockerfile: `FROM ${testEnv.registry}/base/busybox:1
RUN echo ${randomUUID()} && end=$(( $(date +%s) + ${o.seconds} )); while [ "$(date +%s)" -lt "$end" ]; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done
`,
      },
      { branch },
    );
    const res = await new SignedPushes(o.secret, { repository: REPOSITORY, branch }).post(o.apiUrl, sha);
    if (res.status !== 202 || !res.buildId) throw new Error(`the CPU build's push was answered ${res.status}`);
    ids.push(res.buildId);
  }
  const statuses = async () => (await o.db.build.findMany({ where: { id: { in: ids } }, select: { status: true } })).map((b) => b.status);
  const allRunning = async () => (await statuses()).every((s) => s === "running");
  const deadline = Date.now() + 120_000;
  while (!(await allRunning())) {
    if (Date.now() > deadline) throw new Error(`CPU builds did not start: ${(await statuses()).join(", ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    ids,
    allRunning,
    cancel: async () => {
      for (const id of ids)
        await fetch(`${o.apiUrl}/api/v1/builds/${id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${o.apiToken}` } });
    },
  };
}
