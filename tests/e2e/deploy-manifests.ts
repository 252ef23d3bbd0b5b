// Reads the deploy files (infra/k8s, infra/compose) and what the code says about them: the
// variables each role's config loader reads and requires. Used by deploy-k8s.test.ts and
// deploy-compose.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@slipway/config";
import { afterAll, beforeAll } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { startTestApi, type TestApi } from "../../apps/api/test/harness";
import { loadApiConfig } from "../../apps/api/src/config";
import { loadPublisherConfig } from "../../apps/publisher/src/config";
import { loadWorkerConfig } from "../../apps/worker/src/config";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const K8S_DIR = `${ROOT}infra/k8s/`;
export const COMPOSE_DIR = `${ROOT}infra/compose/`;

/** A manifest document: loosely typed YAML. */
export type Doc = any;

/** Every document of every infra/k8s/*.yaml file, with the file it came from. */
export function loadK8sDocs(): { file: string; doc: Doc }[] {
  const out: { file: string; doc: Doc }[] = [];
  for (const file of readdirSync(K8S_DIR).filter((f) => f.endsWith(".yaml"))) {
    for (const d of parseAllDocuments(readFileSync(K8S_DIR + file, "utf8"))) {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
      if (d.contents !== null) out.push({ file, doc: d.toJS() });
    }
  }
  return out;
}

/** infra/compose/compose.yaml, with YAML merge keys (`<<: *anchor`) applied as compose does. */
export const loadCompose = (): Doc => parse(readFileSync(`${COMPOSE_DIR}compose.yaml`, "utf8"), { merge: true });

/** The roles of the one Slipway image: its entrypoint's first argument. */
export const ROLES = ["api", "worker", "publisher", "migrate"] as const;
export type Role = (typeof ROLES)[number];

type Loader = (env: Record<string, string | undefined>) => unknown;
const LOADERS: Record<Exclude<Role, "migrate">, Loader> = {
  api: loadApiConfig,
  worker: loadWorkerConfig,
  publisher: loadPublisherConfig,
};

/**
 * The variables a loader reads, found by running it on an environment that records every
 * name asked for: the zod schema reads each key of its shape, so this is the schema's key
 * list as the code has it, not a copy.
 */
function variablesRead(load: Loader): Set<string> {
  const asked = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_t, name) => (typeof name === "string" && asked.add(name), undefined),
    has: (_t, name) => (typeof name === "string" && asked.add(name), false),
  });
  try {
    load(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  return new Set([...asked].filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n)));
}

/** The migrate role runs packages/db's migration CLI: the variables it reads from process.env. */
function migrateVariables(): Set<string> {
  const src = readFileSync(`${ROOT}packages/db/src/migrate/cli.ts`, "utf8");
  return new Set([...src.matchAll(/process\.env\[?["'.]?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] as string));
}

/** Every variable a role's code reads. */
export function knownVariables(role: Role): Set<string> {
  if (role === "migrate") return migrateVariables();
  return variablesRead(LOADERS[role]);
}

/** The variables a role's loader refuses to start without (the ConfigError of an empty environment). */
export function requiredVariables(role: Role): string[] {
  if (role === "migrate") return ["DATABASE_URL"];
  try {
    LOADERS[role]({});
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.split(":")[0] as string);
    throw err;
  }
  return [];
}

/** Runs a role's real loader on an environment; throws its ConfigError (naming the variable). */
export function loadRoleConfig(role: Exclude<Role, "migrate">, env: Record<string, string>): unknown {
  return LOADERS[role](env);
}

/**
 * Variables whose values are secrets (SECURITY.md): they come from a Secret or the compose env
 * file, never a value written in a manifest. Which role may have which is what its loader
 * reads (knownVariables).
 */
export const SECRET_VARIABLES = new Set([
  "DATABASE_URL",
  "REDIS_URL",
  "SLIPWAY_WEBHOOK_SECRET",
  "SLIPWAY_API_TOKEN",
  "SLIPWAY_SECRET_KEY",
  "SLIPWAY_NEW_SECRET_KEY",
  "SLIPWAY_SESSION_KEY",
  "SLIPWAY_REGISTRY_SECRET",
  "SLIPWAY_GITHUB_TOKEN",
  "SLIPWAY_GITHUB_APP_PRIVATE_KEY",
  "SLIPWAY_GITHUB_APP_ID",
]);

/** A value of the right shape for a secret variable, to run a loader on a deploy file's environment. */
export function placeholderSecret(name: string): string {
  if (name === "DATABASE_URL") return "postgresql://slipway:placeholder@postgres:5432/slipway";
  if (name === "REDIS_URL") return "redis://:placeholder@redis:6379";
  if (/(SECRET|SESSION)_KEY$/.test(name)) return "ab".repeat(32);
  return "placeholder-".padEnd(40, "x");
}

/** The Slipway image every role runs, as deployed by default. */
export const SLIPWAY_IMAGE = "ghcr.io/slipway/slipway:0.1.0";

/**
 * GETs a probe's URL as a kubelet does: again while it answers 503, for up to `ms` (readiness
 * answers 503 while PostgreSQL takes over 2 s, which a loaded test machine sees); the last answer.
 */
export async function probe(url: string, ms = 30_000): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await fetch(url);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The real api (in-process, on the test services) for the tests of a describe block. */
export function runningApi(): () => TestApi {
  let api: TestApi | undefined;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  return () => api!;
}
