import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "@slipway/contracts";

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/**
 * Checks X-Hub-Signature-256 over the raw body: HMAC-SHA256 of the exact bytes received,
 * compared in constant time. Written with node:crypto rather than @octokit/webhooks-methods,
 * whose verify() only takes a string: decoding the body first would replace bytes that are not
 * valid UTF-8, so the HMAC would no longer be over what GitHub signed.
 */
export class SignatureVerifier {
  constructor(private readonly secret: string) {}

  /** Throws AppError 401 when the signature is missing or does not match. */
  verify(body: Buffer, signature256: string | undefined): void {
    if (!signature256) throw new AppError("unauthorized", "missing X-Hub-Signature-256 header");
    const m = SIGNATURE.exec(signature256);
    if (!m) throw new AppError("unauthorized", "X-Hub-Signature-256 must be sha256=<64 hex digits>");
    if (body.length === 0) throw new AppError("unauthorized", "signature does not match the body");
    const expected = createHmac("sha256", this.secret).update(body).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[1]!, "hex"))) throw new AppError("unauthorized", "signature does not match the body");
  }
}
