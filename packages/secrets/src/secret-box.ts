import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * AES-256-GCM with a 96-bit random nonce per value and the row's identity as additional
 * authenticated data, so a ciphertext moved to another row (or altered) fails to open.
 * Written with node:crypto: the primitive is one call each way and a library would only wrap it.
 * Format: "v1.<key id>.<nonce>.<tag>.<ciphertext>" (base64url parts).
 */
export class SecretBox {
  private readonly key: Buffer;
  /** first 8 hex digits of SHA-256(key): names the key a value was sealed with, reveals nothing */
  readonly keyId: string;

  /** `keyHex`: 32 random bytes as 64 hex digits (SLIPWAY_SECRET_KEY). */
  constructor(keyHex: string) {
    if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) throw new Error("the secret key must be 32 bytes as 64 hex digits (e.g. openssl rand -hex 32)");
    this.key = Buffer.from(keyHex, "hex");
    this.keyId = createHash("sha256").update(this.key).digest("hex").slice(0, 8);
  }

  seal(plaintext: string, aad: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const b = (x: Buffer) => x.toString("base64url");
    return `v1.${this.keyId}.${b(nonce)}.${b(cipher.getAuthTag())}.${b(ct)}`;
  }

  /** Throws (naming no value) when the value was sealed with another key, altered, or moved. */
  open(sealed: string, aad: string): string {
    const m = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(sealed);
    if (!m) throw new Error("not a sealed secret");
    if (m[1] !== this.keyId) throw new Error(`sealed with key ${m[1]}, not with this key (${this.keyId}): rotate with the old key first`);
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(m[2]!, "base64url"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(m[3]!, "base64url"));
    try {
      return Buffer.concat([decipher.update(Buffer.from(m[4]!, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new Error("the secret does not open: altered, or stored under another name");
    }
  }
}
