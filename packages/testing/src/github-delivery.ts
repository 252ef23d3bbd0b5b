import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

export interface DeliveryRequest {
  event: string;
  payload: unknown;
  secret: string;
  deliveryId?: string;
  /** override the raw body (e.g. malformed JSON); signed unless signature is given */
  rawBody?: string;
  /** override the signature header; null omits it */
  signature?: string | null;
  /** extra/overridden headers; a null value omits the header */
  headers?: Record<string, string | null>;
}

/** Posts a delivery the way GitHub does: JSON body, X-Hub-Signature-256 over the bytes. */
export async function postDelivery(baseUrl: string, req: DeliveryRequest): Promise<{ status: number; body: any }> {
  const body = req.rawBody ?? JSON.stringify(req.payload);
  const signature = req.signature === undefined ? await sign(req.secret, body) : req.signature;
  const headers: Record<string, string | null> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/slipway-test",
    "x-github-event": req.event,
    "x-github-delivery": req.deliveryId ?? randomUUID(),
    "x-github-hook-id": "123456",
    "x-hub-signature-256": signature,
    ...req.headers,
  };
  const res = await fetch(`${baseUrl}/webhooks/github`, {
    method: "POST",
    headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== null)),
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}
