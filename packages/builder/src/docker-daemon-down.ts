import http from "node:http";
import net from "node:net";
import { socketHost, type RemoteBuilder } from "./remote-builder";

/**
 * Whether the Docker daemon the worker's docker CLI talks to (DOCKER_HOST in `env`) refuses
 * connections: the reason when it does, undefined when it answers or when that cannot be told
 * from here. Any HTTP answer to GET /_ping counts as up (a TLS daemon answers plain HTTP with
 * 400); only a connection that cannot be made (socket gone, refused, no answer within
 * `timeoutMs`) counts as down. "Cannot be told": ssh:// and npipe:// hosts, and no DOCKER_HOST
 * at all (the CLI may then use a context of ~/.docker, a rootless or desktop socket, not the
 * default one). Written on node:http: the CLI would cost a process per build, and only the
 * connection matters here.
 */
export function dockerDaemonDown(env: Record<string, string | undefined>, timeoutMs = 3_000): Promise<string | undefined> {
  const host = env.DOCKER_HOST;
  let target: http.RequestOptions;
  if (host?.startsWith("unix://")) target = { socketPath: host.slice("unix://".length) };
  else if (host?.startsWith("tcp://")) {
    const url = new URL(`http://${host.slice("tcp://".length)}`);
    // The CLI's default ports: 2376 with TLS, 2375 without.
    const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "";
    target = { host: socketHost(url), port: Number(url.port) || (tls ? 2376 : 2375) };
  } else return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const req = http.request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(undefined);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(`its Docker daemon does not answer (${err.code ?? err.message})`));
    req.end();
  });
}

/**
 * Whether a remote BuildKit daemon refuses connections: the reason when it does, undefined when
 * a connection can be made. Only the connection is checked (a TCP or unix-socket connect, then
 * closed): `docker buildx inspect --bootstrap` would tell more, but was measured to take 20 s
 * against a closed port (buildx waits for the builder until its deadline), too slow for a check
 * before every try. A daemon that accepts connections but cannot build is found by the build.
 */
export function buildkitDown(endpoint: string, timeoutMs = 3_000): Promise<string | undefined> {
  const url = new URL(endpoint);
  const target: net.NetConnectOpts = url.protocol === "unix:" ? { path: url.pathname } : { host: socketHost(url), port: Number(url.port) };
  return new Promise((resolve) => {
    const socket = net.connect({ ...target, timeout: timeoutMs });
    const down = (why: string) => {
      socket.destroy();
      resolve(`its BuildKit builder ${endpoint} does not answer (${why})`);
    };
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("timeout", () => down(`no answer within ${timeoutMs} ms`));
    socket.once("error", (err: NodeJS.ErrnoException) => down(err.code ?? err.message));
  });
}

/** The pre-try check of where this worker builds: its remote BuildKit builder if it has one, else its Docker daemon. */
export function buildHostDown(settings: {
  env: Record<string, string | undefined>;
  buildkit?: RemoteBuilder | undefined;
}): Promise<string | undefined> {
  return settings.buildkit ? buildkitDown(settings.buildkit.endpoint) : dockerDaemonDown(settings.env);
}
