import { describe, expect, it } from "vitest";
import { loadPublisherConfig } from "../src/config";

const good = { DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db", REDIS_URL: "redis://127.0.0.1:6379" };
const problems = (env: Record<string, string>) => {
  try {
    loadPublisherConfig({ ...good, ...env });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("publisher config", () => {
  it("no public publish host unless listed: every target then needs a stored credential", () => {
    expect(loadPublisherConfig(good)).toMatchObject({ SLIPWAY_PUBLIC_PUBLISH_HOSTS: [], SLIPWAY_REGISTRY: "127.0.0.1:5000" });
    expect(loadPublisherConfig({ ...good, SLIPWAY_PUBLIC_PUBLISH_HOSTS: "" }).SLIPWAY_PUBLIC_PUBLISH_HOSTS).toEqual([]);
  });

  it("SLIPWAY_PUBLIC_PUBLISH_HOSTS: hosts as registries are named (lowercase, Docker Hub as docker.io), once each", () => {
    const hosts = loadPublisherConfig({
      ...good,
      SLIPWAY_PUBLIC_PUBLISH_HOSTS: " Registry.LAN:5000, localhost:5001,index.docker.io,docker.io ",
    }).SLIPWAY_PUBLIC_PUBLISH_HOSTS;
    expect(hosts).toEqual(["registry.lan:5000", "localhost:5001", "docker.io"]);
  });

  it("a bad entry is named by its position, not echoed", () => {
    const message = problems({ SLIPWAY_PUBLIC_PUBLISH_HOSTS: "registry.lan:5000,https://evil.example/x" });
    expect(message).toContain("SLIPWAY_PUBLIC_PUBLISH_HOSTS: entry 2 is not a registry host[:port]");
    expect(message).not.toContain("evil.example");
  });
});
