// The masker on its own: what forms of a value it finds, and that it masks nothing else.
import { describe, expect, it } from "vitest";
import { SecretMasker } from "../src/secret-masker";

const VALUE = "s3cr3t-Token_value!";
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("SecretMasker", () => {
  it("masks the value wherever it is in a line, every time", () => {
    const m = new SecretMasker([VALUE]);
    expect(m.mask(`token=${VALUE} again:${VALUE}${VALUE}.`)).toBe("token=*** again:***.");
    expect(m.mask("nothing to see")).toBe("nothing to see");
  });

  it("overlapping values leave no remnant of either", () => {
    const m = new SecretMasker(["abcdef12", "ef123456"]);
    expect(m.mask("x abcdef123456 y")).toBe("x *** y");
    // Masking one first and then the other (split/join per value) would leave "***3456".
    expect(m.mask("abcdef12 ef123456")).toBe("*** ***");
  });

  it("masks each line of a multi-line value, and the value without surrounding whitespace", () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----\n";
    const m = new SecretMasker([pem]);
    for (const line of pem.trim().split("\n")) expect(m.mask(`#7 ${line}`)).toBe("#7 ***");
    const padded = new SecretMasker(["  spaced-value-1234\n"]);
    expect(padded.mask("v=spaced-value-1234;")).toBe("v=***;");
  });

  it("masks the value base64-encoded at any alignment, alone or inside a longer encoded text", () => {
    const m = new SecretMasker([VALUE]);
    for (const text of [VALUE, `${VALUE}\n`, `x${VALUE}`, `xy${VALUE}`, `prefix ${VALUE} suffix`]) {
      const line = `#9 ${b64(text)}`;
      expect(m.mask(line), text).not.toMatch(/[A-Za-z0-9+/]{12}/);
      expect(m.mask(line)).toContain("***");
    }
    expect(m.mask(Buffer.from(VALUE).toString("base64url"))).toBe("***");
  });

  it("masks base64 of a long value wrapped at 76 characters (base64 /run/secrets/x), each line a piece", () => {
    const long = `${"k".repeat(20)}-${"0123456789abcdef".repeat(8)}-end`;
    const m = new SecretMasker([long]);
    const wrapped = b64(`${long}\n`).match(/.{1,76}/g)!;
    expect(wrapped.length).toBeGreaterThan(2);
    for (const line of wrapped) expect(m.mask(`#9 ${line}`)).toBe("#9 ***");
  });

  it("masks the pieces of a long value folded over several lines (fold -w 40)", () => {
    const long = `ghp_${"A1b2C3d4E5".repeat(10)}`;
    const m = new SecretMasker([long]);
    for (const piece of long.match(/.{1,40}/g)!) expect(m.mask(`#4 ${piece}`)).toBe("#4 ***");
  });

  it("masks hex, JSON-escaped and URL-encoded forms", () => {
    const v = 'pa"ss/wo rd\\1';
    const m = new SecretMasker([v]);
    expect(m.mask(Buffer.from(v).toString("hex"))).toBe("***");
    expect(m.mask(`{"password":${JSON.stringify(v)}}`)).toBe('{"password":"***"}');
    expect(m.mask(`https://u:${encodeURIComponent(v)}@host/`)).toBe("https://u:***@host/");
  });

  it("never masks pieces shorter than 4 characters, nor ordinary words and digests", () => {
    const m = new SecretMasker(["ab", "   ", "x\ny\nlonger-line-here"]);
    expect(m.mask("ab x y ab")).toBe("ab x y ab");
    expect(m.mask("see longer-line-here")).toBe("see ***");
    const real = new SecretMasker([VALUE]);
    const ordinary = "#5 sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945 Downloading 12.3MB/45.6MB successfully";
    expect(real.mask(ordinary)).toBe(ordinary);
  });

  it("add() masks further values from then on", () => {
    const m = new SecretMasker();
    expect(m.active).toBe(false);
    expect(m.mask(VALUE)).toBe(VALUE);
    m.add([VALUE]);
    expect(m.active).toBe(true);
    expect(m.mask(VALUE)).toBe("***");
  });
});
