import http from "node:http";

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
    // The CLI's default ports: 2376 with TLS, 2375 without. [::1] loses its brackets for net.
    const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "";
    target = { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port) || (tls ? 2376 : 2375) };
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
