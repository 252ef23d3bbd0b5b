import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../src/index";

const key = () => randomBytes(32).toString("hex");

describe("SecretBox (AES-256-GCM)", () => {
  const box = new SecretBox(key());

  it("opens what it sealed; the sealed text holds neither the value nor the key", () => {
    const sealed = box.seal("hunter2-registry-password", "registry/ghcr.io");
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(sealed).not.toContain("hunter2");
    expect(box.open(sealed, "registry/ghcr.io")).toBe("hunter2-registry-password");
    // A fresh nonce every time: the same value never seals to the same text.
    expect(box.seal("same", "build/X")).not.toBe(box.seal("same", "build/X"));
  });

  it("refuses an altered value, a value moved to another row, and another key's value", () => {
    const sealed = box.seal("value", "build/TOKEN");
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[4]!, "base64url");
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString("base64url");
    expect(() => box.open(parts.join("."), "build/TOKEN")).toThrow("does not open");
    expect(() => box.open(sealed, "build/OTHER")).toThrow("does not open");
    const other = new SecretBox(key());
    expect(() => other.open(sealed, "build/TOKEN")).toThrow(`sealed with key ${box.keyId}, not with this key (${other.keyId})`);
    expect(() => box.open("plain text", "build/TOKEN")).toThrow("not a sealed secret");
  });

  it("a key must be 32 bytes of hex; the error never echoes it", () => {
    expect(() => new SecretBox("short-secret-key")).toThrow("the secret key must be 32 bytes as 64 hex digits");
    expect(() => new SecretBox("short-secret-key")).not.toThrow(/short-secret-key/);
  });
});
