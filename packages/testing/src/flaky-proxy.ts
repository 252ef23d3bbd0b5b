import http from "node:http";

interface ProxiedRequest {
  method: string;
  path: string;
  at: number;
  /** Status the proxy answered itself, or undefined when it forwarded the request. */
  injected?: number;
}

/** Decides, per request, to answer it with a failure instead of forwarding it. */
export type Injector = (
  req: { method: string; path: string },
  seen: readonly ProxiedRequest[],
) => { status: number; headers?: Record<string, string>; body?: Buffer } | undefined;

export interface FlakyProxy {
  host: string;
  log: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy of the test's own in front of a real registry. It keeps the client's
 * Host header, so the registry's Location headers point back through the proxy.
 */
export async function startFlakyProxy(upstreamHost: string, inject: Injector): Promise<FlakyProxy> {
  const [upHost = "127.0.0.1", upPort = "80"] = upstreamHost.split(":");
  const log: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const entry: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", at: Date.now() };
    const failure = inject({ method: entry.method, path: entry.path }, log);
    log.push(entry);
    if (failure) {
      entry.injected = failure.status;
      req.resume();
      req.on("end", () => {
        res.writeHead(failure.status, { "content-type": "application/json", ...failure.headers });
        res.end(failure.body ?? JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "injected by the test proxy" }] }));
      });
      return;
    }
    const upstream = http.request({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no address");
  return {
    host: `127.0.0.1:${address.port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
