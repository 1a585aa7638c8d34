import type { Browser, Page } from 'puppeteer-core';

import { mediaFlowing, recordPeerConnections } from './browser.ts';
import type { TeamromProcess } from './teamrom.ts';

/**
 * Opens the demo meeting for each role, each in its own browser context, through the join-at-once
 * link, and resolves when every page receives flowing media from all the others. `browser` may
 * name a browser per role, for people who need devices of their own (such as a microphone playing
 * a sound of its own, which Chromium sets per process).
 */
export async function joinDemoMeeting(
  browser: Browser | ((role: string) => Browser),
  teamrom: TeamromProcess,
  roles: string[],
  /** Runs on each page before it opens the meeting, e.g. to install a recorder. */
  prepare: (page: Page) => Promise<void> = async () => {},
): Promise<Page[]> {
  const links = await teamrom.demoLinks();
  const pages: Page[] = [];
  const problems = new Map<Page, string[]>();

  for (const role of roles) {
    const link = links.find((l) => l.role === role);

    if (!link) throw new Error(`no demo link for ${role}`);

    const browserOfRole = typeof browser === 'function' ? browser(role) : browser;
    const page = await (await browserOfRole.createBrowserContext()).newPage();

    const seen: string[] = [];

    problems.set(page, seen);
    page.on('pageerror', (error) => seen.push(`page error: ${String(error)}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') {
        seen.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    await recordPeerConnections(page);
    await prepare(page);
    await page.goto(`${link.url}&precheck=0`);
    pages.push(page);
  }
  for (const [index, page] of pages.entries()) {
    try {
      await mediaFlowing(page, roles.length - 1, 30_000);
    } catch (error) {
      // What the page showed and complained of, so that a failure that happens once in many
      // runs can be understood from its report alone.
      const shown = await page
        .evaluate(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 600))
        .catch((e: unknown) => `(page unreadable: ${String(e)})`);

      throw new Error(
        `${roles[index]}: ${(error as Error).message}\nshown: ${shown}\n` +
          (problems.get(page)!.slice(-20).join('\n') || 'no console errors'),
        { cause: error },
      );
    }
  }

  return pages;
}

/** Clicks the meeting toolbar's button with this label, once it is there and enabled. */
export async function clickButton(page: Page, label: string): Promise<void> {
  const selector = `xpath/.//nav//button[normalize-space()="${label}" and not(@disabled)]`;
  const button = await page.waitForSelector(selector, { timeout: 15_000 });

  await button!.click();
}
