import type { EventEmitter } from 'node:events';

import type { GatewaySocket } from './context.ts';

/** WebSocket close codes of a page that closed on purpose: normal, going away, no code given. */
const CLOSED_ON_PURPOSE = new Set([1000, 1001, 1005]);

/**
 * Notes the WebSocket close code the connection ends with, in `socket.data.closeCode`, before
 * Socket.io reports the disconnect. Engine.io calls every closed WebSocket a "transport close";
 * the code tells a tab that was closed (the browser says 1001, going away) from a network that
 * vanished (1006: no close frame at all).
 */
export function watchCloseCode(socket: GatewaySocket): void {
  socket.data.closeCode = null;

  const watch = (transport: unknown) => {
    // NOTE: engine.io keeps the `ws` WebSocket of its websocket transport as `socket`. That is not
    // public API; without it every close counts as a lost network, which is safe, only slower.
    const ws = (transport as { name?: string; socket?: EventEmitter }).socket;

    if ((transport as { name?: string }).name !== 'websocket') return;
    if (typeof ws?.prependOnceListener !== 'function') return;

    ws.prependOnceListener('close', (code: unknown) => {
      socket.data.closeCode = typeof code === 'number' ? code : null;
    });
  };

  watch(socket.conn.transport);
  socket.conn.on('upgrade', watch);
}

/** Whether the client's page closed the connection on purpose, rather than losing it. */
export function isClosedOnPurpose(closeCode: number | null): boolean {
  return closeCode !== null && CLOSED_ON_PURPOSE.has(closeCode);
}
