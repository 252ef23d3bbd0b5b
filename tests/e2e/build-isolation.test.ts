// A Dockerfile is hostile code: its RUN steps must reach the outside world a build needs (the
// machine's package mirror) and nothing of the farm — no service port on the build's own
// loopback, nor on the gateway of the walled-off bridge the farm made for the daemon.
import { aptMirrorUrl, testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit, REPO } from "./push-payload";

// A branch of its own: e2e files share the repository (and so its cache path), and a
// concurrent build exporting to the default branch's cache would change what others import.
const BRANCH = "e2e-isolation";

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

/** The host's Debian mirror, as plain http: the probe speaks HTTP over nc. */
function aptMirror(): string {
  const uri = aptMirrorUrl();
  if (!uri.startsWith("http://")) throw new Error(`the apt mirror ${uri} is not plain http: this probe speaks HTTP over nc`);
  return uri.replace(/\/+$/, "");
}

const portOf = (url: string) => new URL(url).port;
const hostPort = (hp: string) => hp.split(":")[1]!;

// busybox nc has no -z: a refused or timed-out connect exits 1 with "can't connect"; a
// connection that opens stays open until `timeout` ends it.
const PROBE = `probe() { out=$(timeout 4 nc -w 2 "$1" "$2" </dev/null 2>&1); case "$out" in *"can't connect"*|*"timed out"*|*"unreachable"*) echo "PROBE $3 $1:$2 closed";; *) echo "PROBE $3 $1:$2 open";; esac; }`;

describe("RUN steps cannot reach the farm", () => {
  it("probes every farm service on loopback and the bridge gateway: all closed; the package mirror answers", async () => {
    const services: Record<string, string> = {
      postgres: portOf(testEnv.adminDatabaseUrl),
      redis: portOf(testEnv.redisUrl),
      registry: hostPort(testEnv.registry),
      publishRegistry: hostPort(testEnv.publishRegistry),
      api: portOf(farm.api.url),
      git: String(farm.git.port),
    };
    const mirror = new URL(aptMirror());
    const list = Object.entries(services)
      .map(([name, port]) => `${name}=${port}`)
      .join(" ");
    const dockerfile = `FROM ${testEnv.registry}/base/busybox:1
ARG SERVICES
ARG NONCE
ARG MIRROR_HOST
ARG MIRROR_PATH
RUN echo "run $NONCE"; ${PROBE}; gw=$(ip route | awk '/^default/ {print $3}'); echo "GATEWAY $gw"; \\
    (nc -l -p 4444 </dev/null >/dev/null &) ; sleep 0.3; probe 127.0.0.1 4444 control; \\
    for s in $SERVICES; do name=\${s%%=*}; port=\${s#*=}; probe 127.0.0.1 $port $name; [ -n "$gw" ] && probe $gw $port $name; done; \\
    for sock in /var/run/docker.sock /run/docker.sock; do [ -e $sock ] && echo "SOCKET $sock present" || echo "SOCKET $sock absent"; done
# busybox-static's wget crashes resolving names (static glibc has no NSS), so: its own DNS
# client (nslookup), then plain HTTP over nc, reading until the Release file has arrived.
RUN host=$MIRROR_HOST; path=$MIRROR_PATH; \\
    ip=$(nslookup "$host" 2>/dev/null | awk '/^Address: / {print $2}' | grep -v : | head -1); echo "RESOLVED $host $ip"; \\
    (printf "GET %s/dists/bookworm/Release HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" "$path" "$host"; \\
     i=0; while [ $i -lt 60 ] && ! grep -q '^Codename' /tmp/release 2>/dev/null; do sleep 0.5; i=$((i+1)); done) \\
      | timeout 40 nc "$ip" 80 > /tmp/release; head -1 /tmp/release; echo "MIRROR $(grep -m1 '^Codename:' /tmp/release)"
`;
    const yml = `buildArgs:\n  SERVICES: "${list}"\n  MIRROR_HOST: "${mirror.host}"\n  MIRROR_PATH: "${mirror.pathname.replace(/\/+$/, "")}"\n  NONCE: "${Date.now()}"\n`;
    const sha = farm.git.commit(REPO, { Dockerfile: dockerfile, ".slipway.yml": yml }, { branch: BRANCH });
    const build = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: `refs/heads/${BRANCH}` }));
    const log = await (await farm.apiFetch(`/builds/${build.id}/logs`)).text();
    expect(build.status, log).toBe("succeeded");

    const probes = [...log.matchAll(/^#\d+ PROBE (\S+) (\S+) (open|closed)$/gm)].map((m) => ({ name: m[1]!, target: m[2]!, state: m[3]! }));
    // The probe can see an open port (a listener of the step's own) ...
    expect(probes.find((p) => p.name === "control")?.state).toBe("open");
    // ... and sees none of the farm's, on either address.
    const gateway = /^#\d+ GATEWAY (\S*)$/m.exec(log)?.[1];
    if (testEnv.buildNetwork === "default") expect(gateway).toMatch(/^172\.31\.\d+\.1$/);
    const farmProbes = probes.filter((p) => p.name !== "control");
    expect(farmProbes.length).toBe(Object.keys(services).length * (gateway ? 2 : 1));
    expect(farmProbes.filter((p) => p.state === "open")).toEqual([]);
    expect(log).toMatch(/^#\d+ SOCKET \/var\/run\/docker.sock absent$/m);
    expect(log).toMatch(/^#\d+ SOCKET \/run\/docker.sock absent$/m);
    // The outside world a build legitimately needs still answers.
    expect(log).toMatch(/^#\d+ MIRROR Codename: bookworm$/m);
  });
});
