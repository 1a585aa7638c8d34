import type { Page } from 'puppeteer-core';

/** What a page's Socket.io connection was told: every event packet, in order. */
export interface SignallingLog {
  /** Event name and JSON payload of each event received. */
  events: { name: string; payload: unknown }[];
}

interface Watched {
  __teamromEvents: { name: string; payload: unknown }[];
  __teamromSockets: WebSocket[];
  /** When set, a new Socket.io connection does not ask to recover the one before. */
  __teamromNoRecovery: boolean;
}

/**
 * Records every Socket.io event the page receives (window.__teamromEvents), and lets a test refuse
 * Socket.io's connection state recovery: with `refuseRecovery`, a reconnecting page leaves its
 * session id and offset out of its CONNECT packet, as a page whose recovery failed does.
 */
export async function watchSignalling(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as Watched;
    const Original = window.WebSocket;

    w.__teamromEvents = [];
    w.__teamromSockets = [];
    w.__teamromNoRecovery = false;

    const Watching = function (this: unknown, url: string | URL, protocols?: string | string[]) {
      const ws = new Original(url, protocols);
      const send = ws.send.bind(ws);

      w.__teamromSockets.push(ws);
      ws.send = (data) => {
        if (w.__teamromNoRecovery && typeof data === 'string' && data.startsWith('40{')) {
          const auth = JSON.parse(data.slice(2)) as Record<string, unknown>;

          delete auth.pid;
          delete auth.offset;
          send(`40${JSON.stringify(auth)}`);

          return;
        }
        send(data);
      };
      ws.addEventListener('message', (message: MessageEvent) => {
        const data: unknown = message.data;

        if (typeof data !== 'string' || !data.startsWith('42[')) return;

        const [name, payload] = JSON.parse(data.slice(2)) as [string, unknown];

        w.__teamromEvents.push({ name, payload });
      });

      return ws;
    } as unknown as typeof WebSocket;

    Watching.prototype = Original.prototype;
    Object.setPrototypeOf(Watching, Original);
    window.WebSocket = Watching;
  });
}

/** The events of these names the page received, from the `from`th event received on. */
export async function receivedEvents(page: Page, names: string[], from = 0) {
  const events = await page.evaluate(() => (window as unknown as Watched).__teamromEvents);

  return events.slice(from).filter((e) => names.includes(e.name));
}

/** How many events the page has received so far. */
export async function eventCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as Watched).__teamromEvents.length);
}

export async function refuseRecovery(page: Page, isRefused: boolean): Promise<void> {
  await page.evaluate((refused) => {
    (window as unknown as Watched).__teamromNoRecovery = refused;
  }, isRefused);
}

/**
 * Takes the page's network away until `restore` is called: DevTools network emulation, which
 * stops new connections (and turns navigator.onLine false) but leaves open WebSockets alone, so
 * the page's Socket.io WebSocket is first closed as a lost network closes it (with a code that
 * is not a page closing on purpose). WebRTC is not affected.
 */
export async function cutNetwork(page: Page): Promise<{ restore(): Promise<void> }> {
  const cdp = await page.createCDPSession();
  const conditions = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

  await cdp.send('Network.enable');
  // Closed before going offline, which would hold back the close frame too; Socket.io waits at
  // least a quarter of a second before it connects again.
  await page.evaluate(() => {
    for (const ws of (window as unknown as Watched).__teamromSockets) {
      if (ws.readyState === WebSocket.OPEN) ws.close(4000, 'network lost (test)');
    }
  });
  await cdp.send('Network.emulateNetworkConditions', { ...conditions, offline: true });

  return {
    async restore() {
      await cdp.send('Network.emulateNetworkConditions', { ...conditions, offline: false });
      await cdp.detach();
    },
  };
}
