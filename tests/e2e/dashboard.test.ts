// The dashboard in a real browser (Debian's chromium) on a real farm: api, worker, publisher,
// git server, buildx. Sign in, watch a push go to succeeded live, read its steps and log, see
// a failed step, retry, cancel, run a build by hand. The pages follow GET /api/v1/events: the
// main page's fallback poll is set to 10 minutes, so whatever changes on it came through the
// event stream. Screenshots go to .slipway/test/screenshots/.
import { createApiToken } from "@slipway/auth";
import { testEnv } from "@slipway/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { launchChromium, newContext, screenshot, signIn } from "./browser";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;

let farm: TestFarm;
let browser: Browser;
let page: Page;
const tokens = { write: "", read: "" };
const ids = { succeeded: "", failed: "" };

beforeAll(async () => {
  farm = await startTestFarm({ buildAttempts: 1 });
  browser = await launchChromium();
  tokens.write = (await createApiToken(farm.api.db, { name: "Ada (write)", scopes: ["write"] })).token;
  tokens.read = (await createApiToken(farm.api.db, { name: "Reader", scopes: ["read"] })).token;
  page = await (await streamOnlyContext()).newPage();
});
afterAll(async () => {
  await browser?.close();
  await farm?.close();
});

/** A browser profile whose pages poll every 10 minutes: only the event stream updates them in a test. */
async function streamOnlyContext() {
  const ctx = await newContext(browser, "desktop");
  await ctx.addInitScript("window.slipwayFallbackPollMs = 600000");
  return ctx;
}

const buildRow = (p: Page, id: string) => p.locator(`li[data-build-id="${id}"]`);
const push = async (dockerfile: string) =>
  pushCommit(farm.api.url, farm.git.commit(REPO, { ".slipway.yml": null, Dockerfile: dockerfile }, { branch: BRANCH }));

describe("dashboard", () => {
  it("signs in with a token, into an http-only cookie that scripts cannot read", async () => {
    await page.goto(`${farm.api.url}/builds/some-build`);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByLabel("API token").fill("slw_not-a-real-token-000000000000000000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "invalid, expired or revoked API token" }).waitFor();
    await screenshot(page, "sign-in-desktop");

    await signIn(page, farm.api.url, tokens.write);
    expect(await page.getByTestId("session-name").textContent()).toContain("Ada (write)");
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([["slipway_session", true, "Strict"]]);
    expect(cookies[0]!.value).not.toContain(tokens.write.slice(4));
    expect(await page.evaluate("[document.cookie, localStorage.length, sessionStorage.length]")).toEqual(["", 0, 0]);
  });

  it("a push appears in the list and goes to succeeded without a reload, through the event stream", async () => {
    await page.goto(`${farm.api.url}/`);
    await page.getByRole("heading", { name: "Builds" }).waitFor();
    const loads: string[] = [];
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) loads.push(f.url());
    });
    const listFetches: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname === "/api/v1/builds" && r.method() === "GET") listFetches.push(r.url());
    });
    // The control: the same long poll without the event stream sees nothing of the push.
    const blind = await (await streamOnlyContext()).newPage();
    await blind.route("**/api/v1/events*", (route) => route.abort());
    await signIn(blind, farm.api.url, tokens.write);
    await blind.getByTestId("no-builds").waitFor();

    ids.succeeded = await push(`FROM ${BASE}\nRUN echo "hello-dashboard ${Date.now()}" && printf '\\033[32mgreen ok\\033[0m\\n'\n`);
    await buildRow(page, ids.succeeded).waitFor({ timeout: 30_000 });
    await page.locator(`li[data-build-id="${ids.succeeded}"][data-status="succeeded"]`).waitFor({ timeout: 180_000 });
    expect(loads).toEqual([]);
    // Refetched on events (queued, started, finished), debounced: a handful, no 3 s poll.
    expect(listFetches.length).toBeGreaterThanOrEqual(2);
    expect(listFetches.length).toBeLessThanOrEqual(6);
    expect(await blind.getByTestId("no-builds").count()).toBe(1);
    expect(await buildRow(blind, ids.succeeded).count()).toBe(0);
    await blind.context().close();
    const row = await buildRow(page, ids.succeeded).textContent();
    expect(row).toContain(REPO);
    expect(row).toContain(BRANCH);
    await screenshot(page, "builds-desktop");
  }, 240_000);

  it("the build page shows the steps and the log, with colours, search and line links", async () => {
    await buildRow(page, ids.succeeded).click();
    await page.waitForURL(new RegExp(`/builds/${ids.succeeded}$`));
    await page.locator('[data-testid="build-page"][data-status="succeeded"]').waitFor();
    const steps = page.getByTestId("steps");
    await steps
      .getByText(/RUN echo "hello-dashboard/)
      .first()
      .waitFor();
    expect(await page.getByTestId("digest").textContent()).toMatch(/^sha256:[0-9a-f]{64}$/);
    await page.getByText(/lines · ended/).waitFor();

    await page.getByLabel("Search the log").fill("green ok");
    await page.getByTestId("log-matches").filter({ hasText: "1 of" }).waitFor();
    await page.keyboard.press("Enter");
    const green = page.locator(".ansi-green-fg", { hasText: "green ok" }).first();
    await green.waitFor();
    // A line link: the number sets #L<n>; a fresh load of that URL highlights and shows the line.
    const line = page.locator("[data-line]").filter({ has: green });
    const n = await line.getAttribute("data-line");
    await line.locator("a").click();
    await page.waitForURL(new RegExp(`#L${n}$`));
    await page.reload();
    await page.locator(`[data-line="${n}"]`).filter({ hasText: "green ok" }).waitFor();
    expect(await page.locator(`[data-line="${n}"]`).getAttribute("class")).toContain("bg-amber-100");
    await page.getByLabel("Search the log").fill("");
    await screenshot(page, "build-desktop");

    const phone = await (await newContext(browser, "phone")).newPage();
    await signIn(phone, farm.api.url, tokens.write);
    await screenshot(phone, "builds-phone");
    await phone.goto(`${farm.api.url}/builds/${ids.succeeded}`);
    await phone.getByText(/lines · ended/).waitFor();
    await screenshot(phone, "build-phone");
    await phone.context().close();
  });

  it("the step timeline fills from build.step events while the build runs", async () => {
    await page.goto(`${farm.api.url}/`);
    await page.getByRole("heading", { name: "Builds" }).waitFor();
    const stamp = Date.now();
    const id = await push(`FROM ${BASE}\nRUN echo "quick-step ${stamp}"\nRUN echo "slow-step ${stamp}" && sleep 25\n`);
    // Opened from the list (in the app): the stream has been following the build since it was queued.
    await buildRow(page, id).click();
    await page.waitForURL(new RegExp(`/builds/${id}$`));
    const steps = page.locator('[data-testid="steps"][data-live="true"]');
    await steps.getByText(`RUN echo "quick-step ${stamp}"`).waitFor({ timeout: 120_000 });
    expect(await page.getByTestId("build-page").getAttribute("data-status")).toBe("running");
    // Stored steps only come when the attempt ends: what is shown came from the stream.
    expect(await farm.api.db.buildStep.count({ where: { buildId: id } })).toBe(0);
    await page.getByTestId("steps-running").waitFor();
    expect(await steps.getByText("slow-step").count()).toBe(0);
    await screenshot(page, "build-running-desktop");

    // Opened by URL mid-build (a fresh load, no events seen): the steps finished so far are there.
    await page.goto(`${farm.api.url}/builds/${id}`);
    await page.locator('[data-testid="steps"][data-live="true"]').getByText(`RUN echo "quick-step ${stamp}"`).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("build-page").getAttribute("data-status")).toBe("running");

    await page.locator('[data-testid="build-page"][data-status="succeeded"]').waitFor({ timeout: 120_000 });
    const done = page.getByTestId("steps");
    // The step names (a step's "ran because ..." line may quote its Dockerfile line too).
    await done.locator(`span[title$='RUN echo "slow-step ${stamp}" && sleep 25']`).waitFor();
    expect(await done.locator(`span[title$='RUN echo "quick-step ${stamp}"']`).count()).toBe(1);
    expect(await page.getByTestId("steps-running").count()).toBe(0);
  }, 240_000);

  it("Run build queues a build by hand; a bad ref shows the API's message", async () => {
    await page.goto(`${farm.api.url}/`);
    await page.getByRole("button", { name: "Run build" }).click();
    const form = page.getByTestId("run-build");
    await form.getByLabel("Build repository").fill(REPO);
    await form.getByLabel("Branch or tag").fill("no-such-branch");
    await form.getByRole("button", { name: "Queue build" }).click();
    await page
      .getByTestId("run-build-error")
      .filter({ hasText: `${REPO} has no branch or tag "no-such-branch"` })
      .waitFor();
    await form.getByLabel("Commit").fill("not-a-sha");
    await form.getByLabel("Branch or tag").fill(BRANCH);
    await form.getByRole("button", { name: "Queue build" }).click();
    await page.getByTestId("run-build-error").filter({ hasText: "40-character hex commit sha" }).waitFor();
    await screenshot(page, "run-build-desktop");

    await form.getByLabel("Commit").fill("");
    await form.getByRole("button", { name: "Queue build" }).click();
    await page.waitForURL(/\/builds\/[^/]+$/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    const stored = await farm.api.db.build.findUniqueOrThrow({ where: { id } });
    expect([stored.trigger, stored.refName, stored.pusher]).toEqual(["manual", BRANCH, "token:Ada (write)"]);
    await page.getByText("started by hand").waitFor();
    await page.locator('[data-testid="build-page"][data-status="succeeded"]').waitFor({ timeout: 180_000 });
  }, 240_000);

  it("a failing build shows its failed step; Retry makes attempt 2", async () => {
    ids.failed = await push(`FROM ${BASE}\nRUN echo "about to fail ${Date.now()}" && exit 3\n`);
    await page.goto(`${farm.api.url}/builds/${ids.failed}`);
    await page.locator('[data-testid="build-page"][data-status="failed"]').waitFor({ timeout: 180_000 });
    expect(await page.getByTestId("build-error").textContent()).toMatch(/RUN echo "about to fail \d+" && exit 3 failed with exit code 3/);
    const failedStep = page.locator('[data-testid="steps"] [data-failed="true"]');
    await failedStep.waitFor();
    expect(await failedStep.textContent()).toContain('RUN echo "about to fail');
    // In the log the failed step's group is open and marked.
    await page.locator("[data-group]", { hasText: 'RUN echo "about to fail' }).waitFor();
    expect(await page.locator("[data-group]", { hasText: 'RUN echo "about to fail' }).getAttribute("aria-expanded")).toBe("true");
    await screenshot(page, "build-failed-desktop");

    await page.getByRole("button", { name: "Retry" }).click();
    await page.getByTestId("action-result").filter({ hasText: "Queued as attempt 2." }).waitFor();
    await page.getByTestId("attempts").getByRole("button", { name: "2" }).waitFor();
    await eventually(
      async () => (await farm.api.db.buildAttempt.count({ where: { buildId: ids.failed } })) === 2,
      10_000,
      "attempt 2 stored",
    );
    await page.locator('[data-testid="build-page"][data-status="failed"]').waitFor({ timeout: 180_000 });
    expect((await farm.api.db.build.findUniqueOrThrow({ where: { id: ids.failed } })).attempt).toBe(2);
    // Attempt 1 is still there to read.
    await page.getByTestId("attempts").getByRole("button", { name: "1" }).click();
    await page.waitForURL(/\?attempt=1$/);
    await page.getByText(/lines · ended/).waitFor();
  }, 240_000);

  it("Cancel stops a running build", async () => {
    const id = await push(`FROM ${BASE}\nRUN echo "long ${Date.now()}" && sleep 120\n`);
    await page.goto(`${farm.api.url}/builds/${id}`);
    await page.locator('[data-testid="build-page"][data-status="running"]').waitFor({ timeout: 120_000 });
    await page
      .getByText(/sleep 120/)
      .first()
      .waitFor();
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByTestId("action-result").filter({ hasText: "Cancelled." }).waitFor();
    await page.locator('[data-testid="build-page"][data-status="cancelled"]').waitFor();
    expect(await page.getByRole("button", { name: "Cancel", exact: true }).count()).toBe(0);
    const ended = await farm.waitForEnd(id);
    expect(ended.status).toBe("cancelled");
    await eventually(
      async () => (await (await farm.apiFetch(`/builds/${id}/logs`)).text()).includes("slipway: build cancelled"),
      30_000,
      "cancel logged",
    );
  }, 240_000);

  it("a read-only token sees builds but no Retry or Cancel", async () => {
    const ctx = await newContext(browser, "desktop", "dark");
    const reader = await ctx.newPage();
    await signIn(reader, farm.api.url, tokens.read);
    await buildRow(reader, ids.failed).waitFor();
    await reader.goto(`${farm.api.url}/builds/${ids.failed}`);
    await reader.locator('[data-testid="build-page"][data-status="failed"]').waitFor();
    await reader.getByText(/lines · ended/).waitFor();
    expect(await reader.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await reader.goto(`${farm.api.url}/`);
    await buildRow(reader, ids.failed).waitFor();
    expect(await reader.getByRole("button", { name: "Run build" }).count()).toBe(0);
    await reader.goto(`${farm.api.url}/builds/${ids.failed}`);
    await reader.getByText(/lines · ended/).waitFor();
    expect(await reader.getByText("read-only").count()).toBe(1);
    await screenshot(reader, "build-failed-dark-desktop");
    await reader.goto(`${farm.api.url}/farm`);
    await reader.getByTestId("failures").locator(`[data-build-id="${ids.failed}"]`).waitFor();
    // Queues and worker hosts come from GET /api/v1/queues and /workers.
    await reader.getByTestId("queues").locator("[data-queue]").first().waitFor();
    await reader.getByTestId("workers").waitFor();
    await screenshot(reader, "farm-dark-desktop");
    await ctx.close();
  });

  it("signing out ends the session", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    expect(await page.context().cookies()).toEqual([]);
    await page.goto(`${farm.api.url}/`);
    await page.waitForURL(/\/sign-in/);
  });
});
