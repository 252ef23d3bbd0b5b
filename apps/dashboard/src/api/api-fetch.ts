import { CSRF_HEADER, type TApiError } from "@slipway/contracts";

/** An answer of the API that was not 2xx: its status and the API's own safe message. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls the public API of this origin. The session cookie goes along by itself (same origin,
 * http-only: scripts never see the token); requests that change state carry the CSRF header
 * the api demands of cookie-authenticated requests.
 */
export async function apiFetch<T>(
  path: string,
  init: { method?: "GET" | "POST" | "DELETE"; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers[CSRF_HEADER] = "1";
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a proxy's error page): keep the status
  }
  if (!res.ok) {
    const err = (data as TApiError | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `the API answered ${res.status}`);
  }
  return data as T;
}
