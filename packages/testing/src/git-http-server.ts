import { spawn } from "node:child_process";
import http from "node:http";

export interface GitHttpServerOptions {
  /** folder of bare repositories <owner>/<name>.git (e.g. a TestGitServer's root) */
  root: string;
  /** whether `token` may fetch `fullName` (Basic auth `x-access-token:<token>`, as GitHub takes installation tokens) */
  allows: (token: string, fullName: string) => boolean;
  /** answer every request with a 302 to the same path on this base URL instead (an attack test) */
  redirectTo?: string;
}

/**
 * A stand-in for github.com serving private repositories over smart HTTP: `git http-backend`
 * (git's own CGI) behind a small node server on 127.0.0.1 that demands Basic auth
 * `x-access-token:<token>` and answers 401 (`WWW-Authenticate: Basic realm="GitHub"`)
 * otherwise. Records every request's Authorization header.
 */
export class GitHttpServer {
  readonly requests: { method: string; path: string; authorization: string | undefined; status: number }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(o: GitHttpServerOptions): Promise<GitHttpServer> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const a = server.address();
    if (typeof a !== "object" || !a) throw new Error("git http server has no address");
    const s = new GitHttpServer(server, `http://127.0.0.1:${a.port}`);
    server.on("request", (req, res) => s.handle(o, req, res));
    return s;
  }

  /** Every Authorization value seen. */
  get authorizations(): string[] {
    return this.requests.map((r) => r.authorization).filter((v): v is string => v !== undefined);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private handle(o: GitHttpServerOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    const entry = { method: req.method ?? "GET", path: url.pathname, authorization: req.headers.authorization, status: 0 };
    this.requests.push(entry);
    const reply = (status: number, headers: Record<string, string>, body = "") => {
      entry.status = status;
      req.resume();
      res.writeHead(status, headers);
      res.end(body);
    };
    if (o.redirectTo) return reply(302, { location: `${o.redirectTo}${req.url}` });
    const m = url.pathname.match(/^\/([^/]+\/[^/]+?)\.git\/(info\/refs|git-upload-pack)$/);
    if (!m) return reply(404, { "content-type": "text/plain" }, "Not Found\n");
    const basic = req.headers.authorization?.match(/^Basic\s+(\S+)$/i);
    const [user, token] = basic ? Buffer.from(basic[1]!, "base64").toString().split(/:(.*)/s) : [];
    if (user !== "x-access-token" || !token || !o.allows(token, m[1]!)) {
      return reply(401, { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" }, "remote: Repository not found.\n");
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: o.root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: entry.method,
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: "x-access-token",
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on("data", (d: Buffer) => {
      if (started) return void res.write(d);
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString().split("\r\n")) {
        const [k, v] = line.split(/:\s*(.*)/s) as [string, string];
        if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
        else headers[k] = v;
      }
      entry.status = status;
      started = true;
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  }
}
