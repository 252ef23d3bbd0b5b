// Build secrets end to end: stored through the API, mounted into a RUN step by BuildKit, and
// then looked for everywhere they must not be: the stored and live log, every database row
// but the sealed column, every Redis key (BullMQ's job data among them), every process's
// argument list while the build runs, the service logs and the pushed image's bytes.
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { RegistryClient } from "@slipway/registry";
import { postDelivery, pullRequestExample, testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";
import { readSse } from "./sse-client";

const BRANCH = "e2e-build-secrets";
const BASE = `${testEnv.registry}/base/busybox:1`;
const TOKEN = `tok_${randomBytes(16).toString("hex")}`;
const OTHERS = `others_${randomBytes(16).toString("hex")}`;
const b64 = (s: string) => Buffer.from(s).toString("base64");
/** every form of the values that must not appear outside `sealed` */
const forbidden = [TOKEN, b64(TOKEN), b64(`${TOKEN}\n`).slice(0, 40), OTHERS];

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm({ buildAttempts: 1, secretKey: randomBytes(32).toString("hex") });
  const put = (name: string, value: string, repositories: string[]) =>
    farm.apiFetch(`/secrets/${name}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value, repositories }),
    });
  expect((await put("TOKEN", TOKEN, [REPO.toLowerCase()])).status).toBe(200);
  expect((await put("OTHERS_TOKEN", OTHERS, ["someone-else/*"])).status).toBe(200);
});
afterAll(async () => {
  await farm?.close();
});

const commit = (files: Record<string, string | null>) =>
  farm.git.commit(REPO, { "NONCE.txt": `${Date.now()}-${Math.random()}\n`, ...files }, { branch: BRANCH });
const push = (sha: string) => pushCommit(farm.api.url, sha, { ref: `refs/heads/${BRANCH}` });
const storedLog = async (id: string) => (await farm.apiFetch(`/builds/${id}/logs`)).text();

/** Reads /proc/<pid>/cmdline of every process, again and again, until stopped. */
function sampleArgv() {
  let stop = false;
  const seen = new Set<string>();
  const done = (async () => {
    while (!stop) {
      for (const pid of await readdir("/proc").catch(() => [])) {
        if (!/^\d+$/.test(pid)) continue;
        const argv = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        if (argv) seen.add(argv.replaceAll("\0", " "));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
      return [...seen];
    },
  };
}

/** Everything in this test run's Redis: every key and its contents, as text. */
async function dumpRedis(): Promise<string> {
  const r = farm.api.redis;
  let out = "";
  let cursor = "0";
  do {
    const [next, keys] = await r.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await r.type(key);
      const value =
        type === "string"
          ? await r.get(key)
          : type === "hash"
            ? await r.hgetall(key)
            : type === "list"
              ? await r.lrange(key, 0, -1)
              : type === "set"
                ? await r.smembers(key)
                : type === "zset"
                  ? await r.zrange(key, 0, -1)
                  : type === "stream"
                    ? await r.xrange(key, "-", "+")
                    : null;
      out += `${key} ${JSON.stringify(value)}\n`;
    }
  } while (cursor !== "0");
  return out;
}

/** Every row of every table, as text, without the one column allowed to hold a value. */
async function dumpDatabase(): Promise<string> {
  const tables = await farm.api.db.$queryRaw<
    { table_name: string }[]
  >`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
  let out = "";
  for (const { table_name } of tables) {
    const rows = await farm.api.db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table_name}"`);
    out += `${table_name} ${JSON.stringify(
      rows.map(({ sealed: _s, ...rest }) => rest),
      (_, v: unknown) => (typeof v === "bigint" ? String(v) : v),
    )}\n`;
  }
  return out;
}

/** The bytes of every blob of an image (config and layers, layers decompressed), read from the registry. */
async function imageBytes(imageRef: string, digest: string): Promise<string> {
  const registry = imageRef.slice(0, imageRef.indexOf("/"));
  const repository = imageRef.slice(registry.length + 1, imageRef.lastIndexOf(":"));
  const client = new RegistryClient(testRegistryClientOptions());
  // Copy it to the open publish registry, then read its blobs over plain HTTP.
  const target = { registry: testEnv.publishRegistry, repository: `secrets-scan/${randomBytes(4).toString("hex")}` };
  await client.copyImage({ registry, repository, digest }, target, ["scan"]);
  const get = async (what: string) =>
    Buffer.from(
      await (
        await fetch(`http://${target.registry}/v2/${target.repository}/${what}`, {
          headers: {
            accept:
              "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
          },
        })
      ).arrayBuffer(),
    );
  let manifest = JSON.parse((await get(`manifests/${digest}`)).toString()) as {
    manifests?: { digest: string }[];
    config?: { digest: string };
    layers?: { digest: string }[];
  };
  if (manifest.manifests) manifest = JSON.parse((await get(`manifests/${manifest.manifests[0]!.digest}`)).toString());
  let text = "";
  for (const blob of [manifest.config!, ...manifest.layers!]) {
    const bytes = await get(`blobs/${blob.digest}`);
    text += (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("latin1");
  }
  return text;
}

describe("a build secret stored through the API, used by RUN --mount=type=secret", () => {
  it("reaches the RUN step, is masked in the stored and live log, and is nowhere else", async () => {
    const runId = randomBytes(8).toString("hex");
    const sha = commit({
      ".slipway.yml": "secrets: [TOKEN]\n",
      Dockerfile: [
        `FROM ${BASE}`,
        // cat, echo, base64, and the value printed in two writes a second apart (two BuildKit
        // log messages); `head`/`tail` take the file, so the value is in no argument list.
        // (BuildKit leaves secret values out of a step's cache key: the run id makes it run.)
        `RUN --mount=type=secret,id=TOKEN sh -c 'echo "run ${runId}"; cat /run/secrets/TOKEN; echo; echo "echoed: $(cat /run/secrets/TOKEN)"; base64 /run/secrets/TOKEN; printf "split: "; head -c 12 /run/secrets/TOKEN; sleep 1; tail -c +13 /run/secrets/TOKEN; echo " end"; sleep 2'`,
        // What the step leaves in the image: proof the mount was there, and its size only.
        `RUN --mount=type=secret,id=TOKEN sh -c 'echo "had-secret-$(wc -c < /run/secrets/TOKEN)" > /proof'`,
        "",
      ].join("\n"),
    });
    const argv = sampleArgv();
    const id = await push(sha);
    const live = await readSse(
      await fetch(`${farm.api.url}/api/v1/builds/${id}/logs/stream`, {
        headers: { authorization: `Bearer ${API_TOKEN}`, accept: "text/event-stream" },
      }),
    );
    const b = await farm.waitForEnd(id);
    const processes = await argv.stop();
    const log = await storedLog(id);
    expect(b.status, log).toBe("succeeded");

    // The log shows *** where the value was, whichever way it was printed.
    const lines = log.split("\n");
    expect(lines.some((l) => l.endsWith(` run ${runId}`))).toBe(true);
    expect(log).toContain("slipway: build secrets TOKEN available to RUN --mount=type=secret,id=NAME (values masked as *** in this log)");
    expect(lines.filter((l) => /^#\d+ \*\*\*$/.test(l)).length).toBeGreaterThanOrEqual(2); // cat, base64
    expect(lines.some((l) => /^#\d+ echoed: \*\*\*$/.test(l))).toBe(true);
    expect(lines.some((l) => /^#\d+ split: \*\*\* end$/.test(l))).toBe(true);
    const liveLines = live.filter((e) => e.event === "line").map((e) => e.data);
    expect(liveLines.join("\n")).toContain("echoed: ***");
    expect(liveLines).toEqual(lines.slice(0, liveLines.length));

    // While it ran, buildx was seen with the secret's id and variable, never its value.
    expect(processes.some((p) => p.includes("--secret id=TOKEN,env=SLIPWAY_BUILD_SECRET_0"))).toBe(true);
    const texts = {
      log,
      live: liveLines.join("\n"),
      argv: processes.join("\n"),
      database: await dumpDatabase(),
      redis: await dumpRedis(),
      services: farm.serviceLogs() + farm.api.logs(),
      image: await imageBytes(b.imageRef!, b.digest!),
    };
    expect(texts.database).toContain(id);
    expect(texts.redis).toContain(id); // the job and the log stream were there to scan
    expect(texts.image).toContain(`had-secret-${TOKEN.length}`);
    for (const [where, text] of Object.entries(texts)) for (const v of forbidden) expect(text.includes(v), `${v} in ${where}`).toBe(false);
  });

  it("a secret stored for other repositories fails the build as the user's, naming it and the rule; nothing leaks", async () => {
    const id = await push(
      commit({
        ".slipway.yml": "secrets: [TOKEN, OTHERS_TOKEN]\n",
        Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=OTHERS_TOKEN cat /run/secrets/OTHERS_TOKEN\n`,
      }),
    );
    const b = await farm.waitForEnd(id);
    const log = await storedLog(id);
    expect(b.status, log).toBe("failed");
    expect(b.errorClass).toBe("user");
    expect(b.errorMessage).toBe(
      `build secret OTHERS_TOKEN is not available to ${REPO}: a build gets only the secrets .slipway.yml lists that are stored with a repository pattern matching it (PUT /api/v1/secrets/NAME with "repositories": ["${REPO.toLowerCase()}"] or ["owner/*"])`,
    );
    expect(log).toContain(`slipway: build failed (user failure) after`);
    expect(log).toContain(b.errorMessage);
    expect(b.steps).toEqual([]); // buildx never ran
    for (const text of [log, await dumpDatabase(), await dumpRedis(), farm.serviceLogs()])
      for (const v of forbidden) expect(text).not.toContain(v);
  });

  it("a secret that is not stored fails the same way", async () => {
    const id = await push(commit({ ".slipway.yml": "secrets: [NOT_STORED]\n", Dockerfile: `FROM ${BASE}\nRUN true\n` }));
    const b = await farm.waitForEnd(id);
    expect(b.status).toBe("failed");
    expect(b.errorClass).toBe("user");
    expect(b.errorMessage).toMatch(/^build secret NOT_STORED is not available to Codertocat\/Hello-World: a build gets only the secrets/);
  });

  it("a pull request from a fork runs without the secrets it lists; its log says so", async () => {
    const sha = farm.git.commit(
      REPO,
      {
        ".slipway.yml": "secrets: [TOKEN]\n",
        Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=TOKEN sh -c 'echo "run ${randomUUID()}"; if [ -e /run/secrets/TOKEN ]; then echo "fork saw: $(cat /run/secrets/TOKEN)"; else echo "no secret mounted"; fi'\n`,
      },
      { branch: "pr-91", from: BRANCH, pullRequest: 91 },
    );
    const payload = pullRequestExample({
      repository: { id: PUSH_EXAMPLE.repository.id, fullName: REPO },
      number: 91,
      headSha: sha,
      headRef: "steal",
      baseRef: BRANCH,
      authorAssociation: "MEMBER",
      fork: { id: 99_091, fullName: "stranger/Hello-World" },
    });
    const res = await postDelivery(farm.api.url, { event: "pull_request", payload, secret: WEBHOOK_SECRET, deliveryId: randomUUID() });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const b = await farm.waitForEnd(res.body.buildId as string);
    const log = await storedLog(b.id);
    expect(b.status, log).toBe("succeeded");
    expect(b.fromFork).toBe(true);
    expect(log).toContain(
      "slipway: build secrets TOKEN are not given to this build (pull request #91 is from a fork: forks never get secrets); RUN --mount=type=secret steps find no file",
    );
    expect(log).toMatch(/#\d+ no secret mounted/);
    expect(log).not.toMatch(/^#\d+ fork saw/m);
    expect(log).not.toContain(TOKEN);
  });
});
