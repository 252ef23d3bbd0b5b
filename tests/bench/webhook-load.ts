// One load run of signed push deliveries into POST /webhooks/github with autocannon (in this
// process, on loopback): at a fixed overall rate, or as fast as `connections` allow.
import autocannon from "autocannon";
import type { SignedPushes } from "./signed-pushes";

export interface LoadResult {
  /** overall rate asked (deliveries/s); null: saturation */
  rate: number | null;
  connections: number;
  seconds: number;
  /** answers 2xx per second: deliveries stored and acknowledged */
  okPerS: number;
  p50Ms: number;
  p99Ms: number;
  status: { "2xx": number; "503": number; "500": number; other: number; errors: number; timeouts: number };
  /** the first few 500 bodies, verbatim (a 500 is a lost push) */
  samples500: string[];
}

export async function runWebhookLoad(
  url: string,
  pushes: SignedPushes,
  o: { rate: number | null; connections: number; seconds: number },
): Promise<LoadResult> {
  const samples500: string[] = [];
  const result = await autocannon({
    url,
    connections: o.connections,
    duration: o.seconds,
    ...(o.rate ? { overallRate: o.rate } : {}),
    // Webhook answers within seconds or count as timeouts (GitHub gives up after 10 s).
    timeout: 10,
    requests: [
      {
        method: "POST",
        path: "/webhooks/github",
        setupRequest: (req) => {
          const d = pushes.next();
          return { ...req, body: d.body, headers: d.headers };
        },
        onResponse: (status, body) => {
          if (status === 500 && samples500.length < 5) samples500.push(String(body).slice(0, 400));
        },
      },
    ],
  });
  const byCode = result.statusCodeStats ?? {};
  const count = (code: string) => byCode[code as `${number}`]?.count ?? 0;
  const ok = Object.entries(byCode)
    .filter(([c]) => c.startsWith("2"))
    .reduce((n, [, v]) => n + (v.count ?? 0), 0);
  const all = Object.values(byCode).reduce((n, v) => n + (v.count ?? 0), 0);
  return {
    rate: o.rate,
    connections: o.connections,
    seconds: o.seconds,
    okPerS: ok / o.seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    status: {
      "2xx": ok,
      "503": count("503"),
      "500": count("500"),
      other: all - ok - count("503") - count("500"),
      errors: result.errors - result.timeouts,
      timeouts: result.timeouts,
    },
    samples500,
  };
}
