// Debian's chromium driven by playwright-core (no browser download): launch, sign in, screenshots.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { DASHBOARD_DIR } from "../../apps/api/test/harness";

const CHROMIUM = "/usr/bin/chromium";
/** Test artifacts (git-ignored with .slipway/). */
const SCREENSHOT_DIR = join(import.meta.dirname, "../../.slipway/test/screenshots");

export const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: infra/install.sh installs Debian's chromium package`);
  if (!existsSync(join(DASHBOARD_DIR, "index.html")))
    throw new Error(`the dashboard is not built (${DASHBOARD_DIR}): npm test builds it, or run npm run build -w @slipway/dashboard`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A fresh browser profile (own cookies) at a viewport, light or dark. */
export async function newContext(
  browser: Browser,
  viewport: keyof typeof VIEWPORTS = "desktop",
  colorScheme: "light" | "dark" = "light",
): Promise<BrowserContext> {
  return browser.newContext({ viewport: VIEWPORTS[viewport], colorScheme, deviceScaleFactor: viewport === "phone" ? 2 : 1 });
}

/** Signs in through the dashboard's own form and waits for the builds list. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Builds" }).waitFor();
}

/** Saves a PNG under .slipway/test/screenshots/ and returns its path (non-empty, checked). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  if (statSync(path).size < 1000) throw new Error(`screenshot ${path} is empty`);
  return path;
}
