/** What a test sees of one /api/v1 answer. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

/**
 * Calls `<baseUrl>/api/v1<path>` with a bearer token (null: none) and a JSON body (a string is
 * sent as it is, for malformed-JSON cases); the answer's text and parsed JSON.
 */
export async function apiRequest(baseUrl: string, method: string, path: string, token: string | null, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}
