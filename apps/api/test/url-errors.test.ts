// URLs refused before a route's handler runs are answered in the API's error shape, never as a
// 500 nor in Fastify's own shape (each found by test/fuzz-api-bodies.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "./api-request";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { pushBuild } from "./push-build";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("URLs the router or the database cannot take", () => {
  it("400 for a % that does not start an escape", async () => {
    const res = await apiRequest(api.url, "GET", "/builds/%", API_TOKEN);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toContain("a % must start an escape");
  });

  it("414 for a path parameter over 100 characters", async () => {
    const res = await apiRequest(api.url, "GET", `/builds/${"a".repeat(101)}`, API_TOKEN);
    expect(res.status).toBe(414);
    expect(res.body.error).toEqual({ code: "uri_too_long", message: "a path parameter is longer than 100 characters" });
  });

  it("400 for a NUL character in a path parameter or a query value, which PostgreSQL text cannot hold", async () => {
    const patch = await apiRequest(api.url, "PATCH", "/repositories/acme/%00", API_TOKEN, { autoCancel: false });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toBe("invalid path: name: must not contain a NUL character (%00)");
    const list = await apiRequest(api.url, "GET", "/builds?branch=a%00b", API_TOKEN);
    expect(list.status).toBe(400);
    expect(list.body.error.message).toBe("invalid query: branch: must not contain a NUL character (%00)");
  });

  it("a repository name with ILIKE's wildcards or escape in it is only itself: 404, not a 500 nor another repository", async () => {
    await pushBuild(api, "acme/app", 9201);
    for (const name of ["%5C", "%25", "ap_", "a%5C"]) {
      const res = await apiRequest(api.url, "PATCH", `/repositories/acme/${name}`, API_TOKEN, { autoCancel: false });
      expect(res.status, name).toBe(404);
    }
    expect((await api.db.repository.findFirstOrThrow({ where: { fullName: "acme/app" } })).autoCancel).toBe(true);
  });
});
