// infra/k8s against the Kubernetes schemas (kubernetes-models, @kubernetes-models/keda) and
// against the code: variables, secrets, selectors, probes (on the real api), the KEDA list.
// No cluster runs here: what this proves and what it does not, infra/k8s/README.md.
import { randomUUID } from "node:crypto";
import * as kedaV1alpha1 from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { createProducers, createRedis } from "@slipway/queue";
import { REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_SERVICE } from "@slipway/registry-auth";
import { testEnv } from "@slipway/testing";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  type Doc,
  knownVariables,
  loadK8sDocs,
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

const docs = loadK8sDocs();
const manifests = docs.filter((d) => d.file !== "kustomization.yaml");
const all = (kind: string) => manifests.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const one = (kind: string, name: string): Doc => {
  const found = all(kind).filter((d) => d.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0];
};
const workloads = () => [...all("Deployment"), ...all("StatefulSet"), ...all("Job")];
const podSpec = (w: Doc) => w.spec.template.spec;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
/** The Deployment/Job of a Slipway role: its container's first argument. */
const roleWorkload = (role: Role) => {
  const found = workloads().filter((w) => podSpec(w).containers.some((c: Doc) => c.image === SLIPWAY_IMAGE && c.args?.[0] === role));
  expect(found, role).toHaveLength(1);
  return found[0];
};
const container = (w: Doc) => podSpec(w).containers[0];
const configMapData = (name: string): Record<string, string> => one("ConfigMap", name).data;

/** The environment a container gets: envFrom ConfigMaps, then env (secrets as placeholders). */
function environmentOf(c: Doc): { env: Record<string, string>; fromSecret: Set<string>; literal: Set<string> } {
  const env: Record<string, string> = {};
  const fromSecret = new Set<string>();
  const literal = new Set<string>();
  for (const from of c.envFrom ?? []) {
    expect(from.secretRef, "envFrom a whole Secret hands a role keys it may not need").toBeUndefined();
    for (const [k, v] of Object.entries(configMapData(from.configMapRef.name))) {
      env[k] = String(v);
      literal.add(k);
    }
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      fromSecret.add(e.name);
      if (!e.valueFrom.secretKeyRef.optional) env[e.name] = placeholderSecret(e.name);
    } else if (e.valueFrom?.fieldRef)
      env[e.name] = e.valueFrom.fieldRef.fieldPath === "metadata.name" ? "slipway-worker-5d8f7c9b4-x2k7q" : "node-1";
    else {
      env[e.name] = String(e.value);
      literal.add(e.name);
    }
  }
  return { env, fromSecret, literal };
}

describe("Kubernetes manifests: schemas", () => {
  it("every document validates against its kind's schema, and unknown kinds fail", async () => {
    expect(manifests.length).toBeGreaterThan(15);
    for (const { file, doc } of manifests) {
      const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
      const models: Record<string, unknown> =
        doc.apiVersion === "keda.sh/v1alpha1"
          ? kedaV1alpha1
          : await import(`kubernetes-models/${group ? `${group}/` : ""}${version}`).catch(() => ({}));
      const Model = models[doc.kind] as (new (d: Doc) => { validate: () => void }) | undefined;
      expect(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`).toBeTypeOf("function");
      expect(() => new (Model as NonNullable<typeof Model>)(doc).validate(), `${file}: ${doc.kind}/${doc.metadata?.name}`).not.toThrow();
    }
  });

  it("the schema check can fail: a wrong type is refused", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1");
    const bad = structuredClone(roleWorkload("api"));
    bad.spec.replicas = "two";
    expect(() => new Deployment(bad).validate()).toThrow(/replicas must be integer/);
  });

  it("kustomization.yaml lists every manifest file but the Secret example", () => {
    const kustomization = docs.find((d) => d.file === "kustomization.yaml")?.doc;
    const files = [...new Set(manifests.map((d) => d.file))].filter((f) => f !== "secret.example.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(kustomization.images).toEqual([{ name: SLIPWAY_IMAGE.split(":")[0], newTag: SLIPWAY_IMAGE.split(":")[1] }]);
  });
});

describe("Kubernetes manifests: against the code", () => {
  it("each role runs the one image, non-root, read-only root, with resources", () => {
    for (const role of ROLES) {
      const w = roleWorkload(role);
      const c = container(w);
      expect(podSpec(w).containers).toHaveLength(1);
      expect(podSpec(w).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.requests.memory && c.resources.limits.memory, role).toBeTruthy();
    }
    expect(roleWorkload("api").spec.replicas).toBe(2);
  });

  it("the variables each role reads are found in its code (the list the checks below use)", () => {
    expect(knownVariables("api")).toContain("SLIPWAY_WEBHOOK_SECRET");
    expect(knownVariables("worker")).toContain("SLIPWAY_BUILD_TIMEOUT_MIN");
    expect(knownVariables("publisher")).toContain("SLIPWAY_PUBLIC_PUBLISH_HOSTS");
    expect(knownVariables("api")).not.toContain("SLIPWAY_BUILD_TIMEOUT_MIN");
    expect(knownVariables("worker")).not.toContain("SLIPWAY_WEBHOOK_SECRET");
    expect(knownVariables("publisher")).not.toContain("SLIPWAY_API_TOKEN");
    expect([...knownVariables("migrate")]).toEqual(["DATABASE_URL"]);
    expect(requiredVariables("api").sort()).toEqual(["DATABASE_URL", "REDIS_URL", "SLIPWAY_API_TOKEN", "SLIPWAY_WEBHOOK_SECRET"]);
  });

  it("every variable a role gets is one its code reads, its required ones are set, and its loader accepts them", () => {
    for (const role of ROLES) {
      const { env } = environmentOf(container(roleWorkload(role)));
      const known = knownVariables(role);
      expect(known.size, role).toBeGreaterThan(0);
      for (const name of Object.keys(env)) expect(known, `${role} gets ${name}, which its code never reads`).toContain(name);
      for (const name of requiredVariables(role)) expect(env, `${role} needs ${name}`).toHaveProperty(name);
      if (role !== "migrate") expect(() => loadRoleConfig(role, env)).not.toThrow();
    }
  });

  it("secrets only come from Secrets: never a value, never a ConfigMap key", () => {
    for (const role of ROLES) {
      const { fromSecret, literal } = environmentOf(container(roleWorkload(role)));
      for (const name of literal) expect(SECRET_VARIABLES.has(name), `${role}: ${name} is written in a manifest`).toBe(false);
      for (const name of fromSecret) expect(SECRET_VARIABLES.has(name), `${role}: ${name} from a Secret`).toBe(true);
    }
    for (const cm of all("ConfigMap")) for (const k of Object.keys(cm.data)) expect(SECRET_VARIABLES.has(k), k).toBe(false);
  });

  it("every Secret referenced is in secret.example.yaml, whose values are all placeholders", () => {
    const examples = manifests.filter((d) => d.file === "secret.example.yaml").map((d) => d.doc);
    const keysOf = (name: string) => Object.keys(examples.find((s) => s.metadata.name === name)?.stringData ?? {});
    for (const s of examples) for (const v of Object.values(s.stringData)) expect(String(v)).toContain("CHANGE-ME");
    for (const w of workloads())
      for (const c of podSpec(w).containers)
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef) expect(keysOf(e.valueFrom.secretKeyRef.name), e.name).toContain(e.valueFrom.secretKeyRef.key);
    for (const ta of all("TriggerAuthentication")) for (const r of ta.spec.secretTargetRef) expect(keysOf(r.name)).toContain(r.key);
  });

  it("secret files are mounted only where they are used: the token key in the api, the BuildKit client in workers", () => {
    const mountedBy = (secretName: string) =>
      workloads()
        .filter((w) => (podSpec(w).volumes ?? []).some((v: Doc) => v.secret?.secretName === secretName))
        .map((w) => w.metadata.name);
    expect(mountedBy("slipway-registry-token").sort()).toEqual([roleWorkload("api").metadata.name, "slipway-registry"]);
    const registryVolume = podSpec(one("Deployment", "slipway-registry")).volumes.find(
      (v: Doc) => v.secret?.secretName === "slipway-registry-token",
    );
    expect(registryVolume.secret.items, "the registry gets the certificate, never the key").toEqual([
      { key: "token.crt", path: "token.crt" },
    ]);
    expect(mountedBy("slipway-buildkit-client")).toEqual([roleWorkload("worker").metadata.name]);
    expect(mountedBy("slipway-buildkitd-server")).toEqual(["buildkitd"]);
    const api = environmentOf(container(roleWorkload("api"))).env;
    const mount = container(roleWorkload("api")).volumeMounts.find((m: Doc) => m.name === "registry-auth").mountPath;
    expect(api.SLIPWAY_REGISTRY_TOKEN_KEY).toBe(`${mount}/token.key`);
    expect(api.SLIPWAY_REGISTRY_TOKEN_CERT).toBe(`${mount}/token.crt`);
  });

  it("Services, PDBs, the NetworkPolicy and workload selectors select the pods they mean", () => {
    for (const w of workloads().filter((x) => x.kind !== "Job"))
      expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), w.metadata.name).toBe(true);
    const podsOf = (sel: Record<string, string>) => workloads().filter((w) => matches(sel, w.spec.template.metadata.labels));
    for (const svc of all("Service")) {
      const pods = podsOf(svc.spec.selector);
      expect(pods.length, `Service ${svc.metadata.name}`).toBe(1);
      for (const p of svc.spec.ports) {
        const names = podSpec(pods[0]).containers.flatMap((c: Doc) => c.ports ?? []);
        expect(names.some((cp: Doc) => cp.name === p.targetPort && cp.containerPort === p.port)).toBe(true);
      }
    }
    const pdbTargets = all("PodDisruptionBudget").map((pdb) => podsOf(pdb.spec.selector.matchLabels).map((w) => w.metadata.name));
    expect(pdbTargets.sort()).toEqual([["buildkitd"], ["slipway-api"], ["slipway-publisher"], ["slipway-worker"]]);
    const np = one("NetworkPolicy", "buildkitd");
    expect(podsOf(np.spec.podSelector.matchLabels).map((w) => w.metadata.name)).toEqual(["buildkitd"]);
    expect(podsOf(np.spec.ingress[0].from[0].podSelector.matchLabels).map((w) => w.metadata.name)).toEqual(["slipway-worker"]);
    // buildkitd's way out: to the registry and the api (token realm) by pod, on their ports
    const egressTo = np.spec.egress
      .filter((e: Doc) => e.to[0].podSelector)
      .map((e: Doc) => {
        const [w] = podsOf(e.to[0].podSelector.matchLabels);
        expect(container(w).ports.map((p: Doc) => p.containerPort)).toContain(e.ports[0].port);
        return w.metadata.name;
      });
    expect(egressTo.sort()).toEqual(["slipway-api", "slipway-registry"]);
    const open = np.spec.egress.find((e: Doc) => e.to[0].ipBlock).to[0].ipBlock;
    expect(open.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]));
  });

  it("workers reach every buildkitd pod by its stable name, with the client certificate mounted at the TLS dir", () => {
    const sts = one("StatefulSet", "buildkitd");
    const headless = one("Service", sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe("None");
    const port = container(sts).ports.find((p: Doc) => p.name === "buildkit").containerPort;
    expect(container(sts).args.join(" ")).toContain(`--addr tcp://0.0.0.0:${port}`);
    const worker = roleWorkload("worker");
    const { env } = environmentOf(container(worker));
    const expected = Array.from(
      { length: sts.spec.replicas },
      (_, i) => `tcp://${sts.metadata.name}-${i}.${headless.metadata.name}:${port}`,
    );
    expect(env.SLIPWAY_BUILDKIT_ENDPOINT?.split(",")).toEqual(expected);
    const mount = container(worker).volumeMounts.find((m: Doc) => m.mountPath === env.SLIPWAY_BUILDKIT_TLS_DIR);
    expect(podSpec(worker).volumes.find((v: Doc) => v.name === mount.name).secret.secretName).toBe("slipway-buildkit-client");
    expect(container(sts).securityContext.privileged).toBe(true);
    expect(sts.spec.volumeClaimTemplates.map((v: Doc) => v.metadata.name)).toContain("state");
    // BuildKit pushes to the internal registry over plain HTTP: its config must name that host.
    const toml = configMapData("buildkitd-config")["buildkitd.toml"];
    expect(toml).toContain(`[registry."${configMapData("slipway-common").SLIPWAY_REGISTRY}"]`);
  });

  it("the registry trusts the api's token service, and everyone reaches it by its Service", () => {
    const registry = one("Deployment", "slipway-registry");
    const config = parse(configMapData("slipway-registry-config")["config.yml"] as string);
    const apiService = one("Service", "slipway-api");
    const realm = new URL(config.auth.token.realm);
    expect([realm.hostname, Number(realm.port), realm.pathname]).toEqual([
      apiService.metadata.name,
      apiService.spec.ports[0].port,
      "/registry/token",
    ]);
    expect(config.auth.token.service).toBe(REGISTRY_TOKEN_SERVICE);
    expect(config.auth.token.issuer).toBe(REGISTRY_TOKEN_ISSUER);
    const certMount = container(registry).volumeMounts.find((m: Doc) => m.name === "token-cert").mountPath;
    expect(config.auth.token.rootcertbundle).toBe(`${certMount}/token.crt`);
    expect(container(registry).volumeMounts.find((m: Doc) => m.name === "config").mountPath).toBe("/etc/docker/registry");
    const service = one("Service", "slipway-registry");
    expect(configMapData("slipway-common").SLIPWAY_REGISTRY).toBe(`${service.metadata.name}:${service.spec.ports[0].port}`);
    expect(config.http.addr).toBe(`0.0.0.0:${container(registry).ports[0].containerPort}`);
  });

  it("a worker stopped by a scale-down has time to hand its builds back", () => {
    const worker = roleWorkload("worker");
    const grace = Number(environmentOf(container(worker)).env.SLIPWAY_SHUTDOWN_GRACE_S);
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThan(grace);
  });

  it("the ScaledObject scales the worker Deployment on a redis list, authenticated from a Secret", () => {
    const so = one("ScaledObject", "slipway-worker");
    expect(so.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: roleWorkload("worker").metadata.name });
    expect(so.spec.triggers).toHaveLength(1);
    expect(so.spec.triggers[0]).toMatchObject({
      type: "redis",
      authenticationRef: { name: one("TriggerAuthentication", "slipway-worker-redis").metadata.name },
    });
    expect(Object.keys(so.spec.triggers[0].metadata)).not.toContain("password");
  });
});

describe("Kubernetes manifests: against the running code", () => {
  const api = runningApi();

  it("the api's probes ask routes the real api answers, on the port it listens on", async () => {
    const w = roleWorkload("api");
    const c = container(w);
    const env = environmentOf(c).env;
    const cfg = loadRoleConfig("api", env) as { PORT: number };
    for (const [kind, body] of [
      ["livenessProbe", { status: "ok" }],
      ["readinessProbe", { status: "ready" }],
      ["startupProbe", { status: "ok" }],
    ] as const) {
      const get = c[kind].httpGet;
      expect(c.ports.find((p: Doc) => p.name === get.port).containerPort).toBe(cfg.PORT);
      const res = await probe(`${api().url}${get.path}`);
      expect(res.status, `${kind} ${get.path}: ${await res.clone().text()}`).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(await res.json()).toMatchObject(body);
    }
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
  });

  it("the ScaledObject's listName is the Redis list BullMQ keeps waiting builds in", async () => {
    const listName = one("ScaledObject", "slipway-worker").spec.triggers[0].metadata.listName;
    // The farm's own key prefix (no prefix option, as the apps run), on a Redis database of
    // this test's own so no other test's keys are counted.
    const redis = createRedis(`${testEnv.redisUrl.replace(/\/\d*$/, "")}/11`, "producer");
    const producers = createProducers(redis);
    try {
      if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
      await redis.del(listName);
      expect(await redis.llen(listName)).toBe(0);
      const jobs = Array.from({ length: 7 }, () => ({ buildId: randomUUID(), attempt: 1 }));
      await producers.build.enqueueMany(jobs.slice(0, 5));
      for (const j of jobs.slice(5)) await producers.build.enqueue(j);
      expect(await redis.llen(listName)).toBe(7);
      // publish jobs are on a list of their own: they do not scale build workers
      await producers.publish.enqueue({ buildId: randomUUID(), attempt: 1 });
      expect(await redis.llen(listName)).toBe(7);
    } finally {
      await producers.build.queue.obliterate({ force: true });
      await producers.publish.queue.obliterate({ force: true });
      await producers.close();
      redis.disconnect();
    }
  });
});
