// A round-robin HTTP proxy of the tests' own, standing for the load balancer in front of several
// api processes: each request goes to the next upstream in turn, and the proxy counts what each
// got. Written by hand on node:http: a plain HTTP/1.1 relay on loopback, a dozen lines, where a
// proxy library would add options this test never uses and no per-upstream count.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobinProxy {
  url: string;
  /** requests sent to each upstream so far, in the order given */
  counts: () => number[];
  close: () => Promise<void>;
}

export async function startRoundRobinProxy(upstreams: string[]): Promise<RoundRobinProxy> {
  const counts = upstreams.map(() => 0);
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % upstreams.length;
    counts[i]!++;
    const target = new URL(req.url ?? "/", upstreams[i]);
    const out = request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`upstream ${upstreams[i]} failed: ${err.message}`);
    });
    req.pipe(out);
  });
  // As Fastify does: longer than a client's idle keep-alive (undici's is 4 s), so the client
  // closes an idle connection first. With Node's 5 s default, a test that blocks its event loop
  // (synchronous git commits) wakes to the server closing sockets its fetch is reusing.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => [...counts],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
