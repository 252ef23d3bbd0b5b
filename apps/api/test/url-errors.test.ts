// URLs refused before a route's handler runs are answered in the API's error shape, never as a
// 500 nor in Fastify's own shape (each found by test/fuzz-api-bodies.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "./api-request";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";

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
});
