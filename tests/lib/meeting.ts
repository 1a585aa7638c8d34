import type { Browser, Page } from 'puppeteer-core';

import { mediaFlowing, recordPeerConnections } from './browser.ts';
import type { TeamromProcess } from './teamrom.ts';

/**
 * Opens the demo meeting for each role, each in its own browser context, through the join-at-once
 * link, and resolves when every page receives flowing media from all the others.
 */
export async function joinDemoMeeting(
  browser: Browser,
  teamrom: TeamromProcess,
  roles: string[],
  /** Runs on each page before it opens the meeting, e.g. to install a recorder. */
  prepare: (page: Page) => Promise<void> = async () => {},
): Promise<Page[]> {
  const links = await teamrom.demoLinks();
  const pages: Page[] = [];

  for (const role of roles) {
    const link = links.find((l) => l.role === role);

    if (!link) throw new Error(`no demo link for ${role}`);

    const page = await (await browser.createBrowserContext()).newPage();

    await recordPeerConnections(page);
    await prepare(page);
    await page.goto(`${link.url}&precheck=0`);
    pages.push(page);
  }
  for (const page of pages) await mediaFlowing(page, roles.length - 1, 30_000);

  return pages;
}
