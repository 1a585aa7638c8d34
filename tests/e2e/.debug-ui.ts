import { writeFile } from 'node:fs/promises';

import type { Page } from 'puppeteer-core';

import { launchBrowser } from '../lib/browser.ts';
import { startTeamrom } from '../lib/teamrom.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const teamrom = await startTeamrom();
const browser = await launchBrowser();
const out = '/tmp/teamrom-debug';

async function shot(page: Page, name: string) {
  const el = await page.$('aside.careplan');
  await el?.screenshot({ path: `${out}/${name}.png` }).catch(async () => {
    await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  });
  const text = await page.$eval('aside.careplan', (a) => (a as HTMLElement).innerText).catch(String);
  await writeFile(`${out}/${name}.txt`, text);
}

async function clickText(page: Page, selector: string, text: string) {
  const handles = await page.$$(selector);
  for (const h of handles) {
    const t = await h.evaluate((e) => e.textContent ?? '');
    if (t.includes(text)) {
      await h.evaluate((e) => (e as HTMLElement).click());
      return;
    }
  }
  throw new Error(`no ${selector} with ${text}`);
}

try {
  const links = await teamrom.demoLinks();
  console.log(links.map((l) => `${l.role} ${l.name}`).join('\n'));
  const pages: Record<string, Page> = {};

  for (const role of ['coordinator', 'patient', 'physician', 'gp', 'relative']) {
    const link = links.find((l) => l.role === role);
    if (!link) continue;
    const context = await browser.createBrowserContext();
    const page = await context.newPage();

    page.on('pageerror', (e) => console.log(role, 'pageerror', String(e)));
    page.on('console', (m) => m.type() === 'error' && console.log(role, 'console', m.text()));
    await page.setViewport({ width: 1600, height: 1200 });
    await page.goto(`${link.url}&precheck=0`);
    pages[role] = page;
  }
  await sleep(6000);
  const c = pages.coordinator!;
  const p = pages.patient!;
  const d = pages.physician!;

  await shot(c, 'c-plan');
  await shot(p, 'p-plan');
  if (pages.relative) await shot(pages.relative, 'r-plan');

  // Conflict: the physician starts editing, the coordinator saves first.
  await clickText(d, '.what-matters button.edit', 'Endre');
  await clickText(c, '.what-matters button.edit', 'Endre');
  await c.type('.what-matters textarea', ' Koordinator skrev.');
  await clickText(c, '.what-matters button', 'Lagre');
  await sleep(1000);
  await d.type('.what-matters textarea', ' Legen skrev.');
  await shot(d, 'd-editing');
  await clickText(d, '.what-matters button', 'Lagre');
  await sleep(1500);
  await shot(d, 'd-conflict');

  // History and a version.
  await clickText(c, '.panel-tabs button', 'Historikk');
  await sleep(1500);
  await shot(c, 'c-history');
  await clickText(c, '.history-entry button', 'Vis planen');
  await sleep(1500);
  await shot(c, 'c-version');

  await clickText(c, '.panel-tabs button', 'Samtykker');
  await sleep(1500);
  await shot(c, 'c-consent');
  await clickText(c, '.panel-tabs button', 'Hvem har sett');
  await sleep(1500);
  await shot(c, 'c-accesslog');

  await clickText(p, '.panel-tabs button', 'Hvem har sett planen min');
  await sleep(1500);
  await shot(p, 'p-accesslog');
  await clickText(p, '.panel-tabs button', 'Hvem kan se');
  await sleep(1500);
  await shot(p, 'p-consent');

  // Withdraw the GP office's consent: the GP's plan closes.
  if (pages.gp) {
    await clickText(c, '.panel-tabs button', 'Samtykker');
    await sleep(1000);
    await clickText(c, '.consent button', 'Trekk tilbake');
    await sleep(300);
    await shot(c, 'c-confirm');
    const consents = await c.$$('.consent');
    for (const li of consents) {
      const text = await li.evaluate((e) => e.textContent ?? '');
      if (text.includes('legekontor')) {
        const yes = await li.$('button.danger');
        if (yes) await yes.evaluate((e) => (e as HTMLElement).click());
      }
    }
    await sleep(2000);
    await shot(c, 'c-after-withdraw');
    await shot(pages.gp, 'gp-closed');
  }
} finally {
  await browser.cleanup();
  await teamrom.stop();
}
