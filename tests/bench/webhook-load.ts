// One load run of signed push deliveries into POST /webhooks/github (in this process, on
// loopback): at a fixed rate with evenly spaced arrivals (undici), or as fast as `connections`
// allow (autocannon).
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { Pool } from "undici";
import { quantile } from "./bench-report";
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
  return o.rate ? runPacedLoad(url, pushes, { ...o, rate: o.rate }) : runSaturationLoad(url, pushes, o);
}

/** As fast as `connections` allow: each connection sends its next delivery when the last is answered. */
async function runSaturationLoad(
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

/**
 * `rate` deliveries per second for `seconds`, the i-th sent at start + i/rate whatever the
 * answers before it did (an open model, as GitHub sends), over a pool of `connections`.
 * Written here because autocannon's fixed rate is a burst a second: each connection sends its
 * quota for the second back to back, then waits for the next second, so its latency "at
 * 1,000/s" is the latency of a 1,000-request burst. Latency runs from the time a delivery was
 * due, so one that waited for a free connection counts its wait (no coordinated omission).
 */
async function runPacedLoad(
  url: string,
  pushes: SignedPushes,
  o: { rate: number; connections: number; seconds: number },
): Promise<LoadResult> {
  const pool = new Pool(new URL(url).origin, { connections: o.connections, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const status = { "2xx": 0, "503": 0, "500": 0, other: 0, errors: 0, timeouts: 0 };
  const samples500: string[] = [];
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  const total = Math.round(o.rate * o.seconds);
  const start = performance.now() + 20;
  let lastAnswer = start;
  const send = (due: number) => {
    const d = pushes.next();
    const p = pool
      .request({ method: "POST", path: "/webhooks/github", headers: d.headers, body: d.body })
      .then(async (res) => {
        const body = await res.body.text();
        lastAnswer = performance.now();
        latencies.push(lastAnswer - due);
        const code = res.statusCode;
        if (code >= 200 && code < 300) status["2xx"]++;
        else if (code === 503) status["503"]++;
        else if (code === 500) {
          status["500"]++;
          if (samples500.length < 5) samples500.push(body.slice(0, 400));
        } else status.other++;
      })
      .catch((err: { code?: string }) => {
        if (err.code === "UND_ERR_HEADERS_TIMEOUT" || err.code === "UND_ERR_BODY_TIMEOUT") status.timeouts++;
        else status.errors++;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * o.rate) / 1000) + 1);
    for (; sent < due; sent++) send(start + (sent * 1000) / o.rate);
    await sleep(1);
  }
  await Promise.all(pending);
  await pool.close();
  const elapsedS = Math.max(o.seconds, (lastAnswer - start) / 1000);
  return {
    rate: o.rate,
    connections: o.connections,
    seconds: o.seconds,
    okPerS: status["2xx"] / elapsedS,
    p50Ms: round1(quantile(latencies, 0.5)),
    p99Ms: round1(quantile(latencies, 0.99)),
    status,
    samples500,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
