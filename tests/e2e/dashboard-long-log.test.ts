// A 100,000-line log in the browser: stored straight in build_log_chunks (as the worker
// stores them: chunks of 1,000 whole lines), then streamed to the dashboard, which keeps only
// the rows on screen in the DOM and scrolls to the last line and to a linked one.
import { insertTestBuild } from "@slipway/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "../../apps/api/test/harness";
import { launchChromium, newContext, screenshot, signIn } from "./browser";

const LINES = 100_000;
const PER_CHUNK = 1_000;

let api: TestApi;
let browser: Browser;
let page: Page;
let buildId = "";

/** BuildKit-shaped lines: a step header, numbered output (every 1,000th in colour), DONE. */
function line(n: number): string {
  if (n === 1) return "#5 [2/2] RUN seq 1 100000";
  if (n === LINES) return "#5 DONE 12.3s";
  return n % 1000 === 0 ? `#5 \u001b[36mline ${n}\u001b[0m` : `#5 line ${n}`;
}

beforeAll(async () => {
  api = await startTestApi();
  ({ buildId } = await insertTestBuild(api.db, "succeeded"));
  const chunks = [];
  for (let seq = 0; seq < LINES / PER_CHUNK; seq++) {
    const first = seq * PER_CHUNK + 1;
    const content = Array.from({ length: PER_CHUNK }, (_, i) => line(first + i)).join("\n");
    chunks.push({ buildId, attempt: 1, seq, firstLine: first, lineCount: PER_CHUNK, content });
  }
  await api.db.buildLogChunk.createMany({ data: chunks });
  browser = await launchChromium();
  page = await (await newContext(browser, "desktop")).newPage();
  await signIn(page, api.url, API_TOKEN);
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe("a 100,000-line log", () => {
  it("loads whole, keeps the DOM small and scrolls to its end", async () => {
    await page.goto(`${api.url}/builds/${buildId}`);
    await page.getByTestId("log-line-count").filter({ hasText: "100,000 lines · ended" }).waitFor({ timeout: 120_000 });
    const rendered = await page.locator("[data-line]").count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(200);

    await page.getByRole("button", { name: "Follow" }).click();
    const last = page.locator(`[data-line="${LINES}"]`);
    await last.waitFor();
    expect(await last.textContent()).toBe(`${LINES}DONE 12.3s`);
    expect(await last.isVisible()).toBe(true);
    const scroll = page.getByTestId("log-scroll");
    const atBottom = await scroll.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(atBottom).toBeLessThan(40);
    await screenshot(page, "build-long-log-desktop");
  }, 180_000);

  it("a link to line 50,000 opens with that line in view, highlighted", async () => {
    await page.goto(`${api.url}/builds/${buildId}#L50000`);
    const target = page.locator('[data-line="50000"]');
    await target.waitFor({ timeout: 120_000 });
    expect(await target.isVisible()).toBe(true);
    expect(await target.getAttribute("class")).toContain("bg-amber-100");
    expect(await target.locator(".ansi-cyan-fg").textContent()).toBe("line 50000");
  }, 180_000);
});
