import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ name: "t", destination }) };
}

describe("createLogger redaction", () => {
  it("censors authorization headers, signatures, tokens, passwords and secrets", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: { headers: { authorization: "Bearer tok-AAAA", "x-hub-signature-256": "sha256=BBBB", accept: "*/*" } },
        token: "tok-CCCC",
        registry: { password: "pw-DDDD", username: "bob" },
        config: { SLIPWAY_WEBHOOK_SECRET: "sec-EEEE", PORT: 8080 },
      },
      "hello",
    );
    const line = lines.join("");
    for (const secret of ["tok-AAAA", "BBBB", "tok-CCCC", "pw-DDDD", "sec-EEEE"]) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line);
    expect(parsed.req.headers.authorization).toBe("[redacted]");
    expect(parsed.req.headers.accept).toBe("*/*");
    expect(parsed.registry.username).toBe("bob");
    expect(parsed.config.PORT).toBe(8080);
    expect(parsed.msg).toBe("hello");
  });

  it("censors registry credentials of publish grants and opened secrets, wherever they sit", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        grant: { kind: "credential", credential: { username: "bot", password: "pw-FFFF" } },
        target: { auth: { password: "pw-GGGG" } },
        credential: { username: "bot", password: "pw-HHHH" },
        secret: { kind: "registry", name: "ghcr.io", value: "pw-IIII" },
        stored: { name: "ghcr.io", value: "pw-JJJJ" },
        config: { SLIPWAY_SECRET_KEY: "ab".repeat(32) },
      },
      "grant",
    );
    const line = lines.join("");
    for (const secret of ["pw-FFFF", "pw-GGGG", "pw-HHHH", "pw-IIII", "pw-JJJJ", "ab".repeat(32)]) expect(line).not.toContain(secret);
    expect(JSON.parse(line).grant.kind).toBe("credential");
  });
});
