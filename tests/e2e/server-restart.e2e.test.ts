import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchBrowser, mediaFlowing } from '../lib/browser.ts';
import { joinDemoMeeting } from '../lib/meeting.ts';
import type { TeamromProcess } from '../lib/teamrom.ts';
import { startTeamrom } from '../lib/teamrom.ts';

describe('a meeting when the server restarts', () => {
  let teamrom: TeamromProcess;
  let browser: Browser & { cleanup(): Promise<void> };
  let pages: Page[] = [];

  beforeAll(async () => {
    teamrom = await startTeamrom();
    browser = await launchBrowser();

    pages = await joinDemoMeeting(browser, teamrom, ['gp', 'patient']);
  });

  afterAll(async () => {
    await browser?.cleanup();
    await teamrom?.stop();
  });

  it('comes back by itself for everyone, with the plan as it was', async () => {
    const gp = pages[0]!;
    const description = `Ny time hos fastlegen ${Date.now()}`;

    await gp.type('form.add-action input[name="description"]', description);
    // Enter sends the form; a click could land on the sticky meeting controls (see meeting.e2e).
    await gp.keyboard.press('Enter');
    await gp.waitForFunction(
      (text) =>
        document.querySelector('[data-testid="careplan-actions"]')?.textContent?.includes(text),
      { timeout: 5000 },
      description,
    );

    await teamrom.restart();

    const restartedAt = Date.now();

    for (const page of pages) await mediaFlowing(page, 1, 30_000);
    console.info(`media flowing again ${Date.now() - restartedAt} ms after the server was back`);

    for (const page of pages) {
      const text = await page.$eval('[data-testid="careplan-actions"]', (list) => list.textContent);

      expect(text).toContain(description);
    }
  });
});
