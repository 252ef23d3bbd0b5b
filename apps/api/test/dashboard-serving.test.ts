// The api serves the dashboard's build at / with a single-page fallback for its own routes,
// and leaves the api's paths (JSON 404s) alone.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_DIR, startTestApi, type TestApi } from "./harness";

let api: TestApi;
const html = { accept: "text/html,application/xhtml+xml" };

beforeAll(async () => {
  if (!existsSync(join(DASHBOARD_DIR, "index.html")))
    throw new Error("the dashboard is not built: npm test builds it (npm run build -w @slipway/dashboard)");
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("the dashboard at /", () => {
  it("serves index.html with a strict content security policy, never cached", async () => {
    const res = await fetch(`${api.url}/`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const body = await res.text();
    expect(body).toContain('<div id="root"></div>');
    // Its hashed assets load, cached for good.
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(body)![1]!;
    const js = await fetch(`${api.url}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
  });

  it("answers the dashboard's own routes with index.html (deep links, reloads)", async () => {
    for (const path of ["/builds/0190a8e2-0000-7000-8000-000000000000", "/farm", "/sign-in?next=%2Ffarm"]) {
      const res = await fetch(`${api.url}${path}`, { headers: html });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<div id="root"></div>');
    }
  });

  it("leaves the api's paths alone: JSON answers and JSON 404s, also for browsers", async () => {
    expect(await (await fetch(`${api.url}/healthz`, { headers: html })).json()).toEqual({ status: "ok" });
    for (const path of ["/api/v1/nope", "/api", "/webhooks/nope", "/registry/nope"]) {
      const res = await fetch(`${api.url}${path}`, { headers: html });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as any).error.code, path).toBe("not_found");
    }
    expect((await fetch(`${api.url}/api/v1/builds`, { headers: html })).status).toBe(401);
    // A script (no text/html in Accept) asking for a page that does not exist gets the JSON 404.
    const res = await fetch(`${api.url}/no-such-page`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("not_found");
  });
});
