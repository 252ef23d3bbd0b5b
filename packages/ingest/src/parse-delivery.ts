import { AppError } from "@slipway/contracts";

/** The HTTP request as ingest sees it: the raw body (signature is over these bytes). */
export interface RawDelivery {
  event: string | undefined;
  deliveryId: string | undefined;
  hookId: string | undefined;
  signature256: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

export interface ParsedDelivery {
  event: string;
  deliveryId: string;
  hookId: string | undefined;
  payload: Record<string, unknown>;
  /** the payload's JSON text as sent: what is stored (parsed once, never re-serialised) */
  json: string;
}

const GUID = /^[0-9A-Za-z-]{1,100}$/;

/** Headers and JSON (after the signature was checked). Throws AppError 400 naming the problem. */
export function parseDelivery(raw: RawDelivery): ParsedDelivery {
  if (!raw.event) throw new AppError("bad_request", "missing X-GitHub-Event header");
  if (!raw.deliveryId) throw new AppError("bad_request", "missing X-GitHub-Delivery header");
  if (!GUID.test(raw.deliveryId)) throw new AppError("bad_request", "X-GitHub-Delivery must be a GUID");
  if (!/^[a-z_]{1,64}$/.test(raw.event)) throw new AppError("bad_request", "X-GitHub-Event is not an event name");

  const text = raw.body.toString("utf8");
  // GitHub sends JSON, or form-encoded `payload=<json>` when the hook's content type is
  // application/x-www-form-urlencoded.
  const json = (raw.contentType ?? "").startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(text).get("payload") : text;
  if (json === null) throw new AppError("bad_request", "form-encoded delivery has no payload field");
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (err) {
    throw new AppError("bad_request", `body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new AppError("bad_request", "body must be a JSON object");
  }
  return { event: raw.event, deliveryId: raw.deliveryId, hookId: raw.hookId, payload: payload as Record<string, unknown>, json };
}
