import { isReachWithin, matchRepository, ZRepositoryPattern } from "@slipway/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasScope } from "../src/has-scope";

// Small alphabets so generated owners and repositories collide often (the interesting cases).
const owner = fc.constantFrom("acme", "Acme", "ACME", "acme-x", "acm", "other", "a");
const repo = fc.constantFrom("app", "App", "app2", "ap", "x.y", "a_b", "acme", "*");
const fullName = fc
  .tuple(
    owner,
    repo.filter((r) => r !== "*"),
  )
  .map(([o, r]) => `${o}/${r}`);
const pattern = fc.tuple(owner, repo).map(([o, r]) => `${o}/${r}`.toLowerCase());
const reach = fc.option(fc.array(pattern, { minLength: 1, maxLength: 4 }), { nil: null });

describe("matchRepository", () => {
  it.each([
    [["acme/*"], "acme/app", true],
    [["acme/*"], "ACME/App", true],
    [["ACME/*"], "acme/app", true],
    [["acme/app"], "Acme/APP", true],
    [["acme/app"], "acme/app2", false],
    [["acme/app"], "acme/ap", false],
    [["acme/*"], "acme-x/app", false],
    [["acme/*"], "acm/app", false],
    [["acme/*"], "other/acme", false],
    [["acme/*"], "acme", false],
    [["acme/app", "other/*"], "other/thing", true],
    [[], "acme/app", false],
    [null, "anything/at-all", true],
  ] as const)("%j reaches %s: %s", (r, name, expected) => {
    expect(matchRepository(r, name)).toBe(expected);
  });

  it("ignores case on both sides, like GitHub", () => {
    fc.assert(
      fc.property(reach, fullName, (r, name) => {
        expect(matchRepository(r, name.toUpperCase())).toBe(matchRepository(r, name.toLowerCase()));
      }),
    );
  });

  it("owner/* reaches exactly the names whose owner is that owner", () => {
    fc.assert(
      fc.property(owner, fullName, (o, name) => {
        expect(matchRepository([`${o}/*`.toLowerCase()], name)).toBe(name.split("/")[0]!.toLowerCase() === o.toLowerCase());
      }),
    );
  });
});

describe("isReachWithin", () => {
  it("never claims a reach is within another that misses one of its repositories", () => {
    fc.assert(
      fc.property(reach, reach, fullName, (inner, outer, name) => {
        if (isReachWithin(inner, outer) && matchRepository(inner, name)) expect(matchRepository(outer, name)).toBe(true);
      }),
    );
  });

  it("holds for a reach and itself, and for anything within null", () => {
    fc.assert(
      fc.property(reach, (r) => {
        expect(isReachWithin(r, r)).toBe(true);
        expect(isReachWithin(r, null)).toBe(true);
      }),
    );
  });

  it.each([
    [null, ["acme/*"], false],
    [["acme/*"], ["acme/app"], false],
    [["acme/app"], ["acme/*"], true],
    [["acme/app", "other/x"], ["acme/*"], false],
    [["acme/*"], ["ACME/*"], true],
    [[], ["acme/*"], false],
  ] as const)("%j within %j: %s", (inner, outer, expected) => {
    expect(isReachWithin(inner, outer)).toBe(expected);
  });
});

describe("hasScope", () => {
  it.each([
    [["admin"], "write", true],
    [["admin"], "read", true],
    [["write"], "read", true],
    [["write"], "admin", false],
    [["read"], "write", false],
    [[], "read", false],
  ] as const)("%j covers %s: %s", (granted, needed, expected) => {
    expect(hasScope(granted, needed)).toBe(expected);
  });
});

describe("ZRepositoryPattern", () => {
  it.each(["acme/*", "Acme/App", "a/x.y", "my-org/repo_name-2"])("accepts %s (lowercased)", (p) => {
    expect(ZRepositoryPattern.parse(p)).toBe(p.toLowerCase());
  });
  it.each(["acme", "*/*", "acme/**", "acme/a*", "-acme/x", "ac_me/*", "ac%me/*", "acme/", "/x", "acme/x/y", "acme/..", " acme/x"])(
    "refuses %j",
    (p) => {
      expect(ZRepositoryPattern.safeParse(p).success).toBe(false);
    },
  );
});
