import { Webhooks } from "@octokit/webhooks";
import { AppError } from "@slipway/contracts";

/** Checks X-Hub-Signature-256 over the raw body (HMAC-SHA256, constant-time compare). */
export class SignatureVerifier {
  private readonly webhooks: Webhooks;

  constructor(secret: string) {
    this.webhooks = new Webhooks({ secret });
  }

  /** Throws AppError 401 when the signature is missing or does not match. */
  async verify(body: Buffer, signature256: string | undefined): Promise<void> {
    if (!signature256) throw new AppError("unauthorized", "missing X-Hub-Signature-256 header");
    if (!/^sha256=[0-9a-f]{64}$/.test(signature256)) {
      throw new AppError("unauthorized", "X-Hub-Signature-256 must be sha256=<64 hex digits>");
    }
    if (body.length === 0) throw new AppError("unauthorized", "signature does not match the body");
    // @octokit/webhooks verifies a string; GitHub's bodies are UTF-8 JSON, so decoding keeps the bytes.
    const ok = await this.webhooks.verify(body.toString("utf8"), signature256);
    if (!ok) throw new AppError("unauthorized", "signature does not match the body");
  }
}
