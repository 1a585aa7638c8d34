import type { Socket } from 'socket.io-client';

import type { AccessToken } from '../lib/AccessToken.ts';
import { recoverTokenWith, request } from '../lib/request.ts';

/**
 * Keeps the access token of a Socket.io connection fresh. Each renewed token is handed to the live
 * connection (auth:renew), which carries on as the same peer instead of connecting and joining
 * again; every (re)connection presents the latest token. A request refused because the
 * connection's token expired regains one and is sent again (see recoverTokenWith).
 */
export class ConnectionToken {
  readonly #socket: Socket;
  readonly #token: AccessToken;
  readonly #letGo: () => void;
  readonly #stopHandingOver: () => void;
  #recovering: Promise<void> | null = null;
  /** A refused connection is tried again once with a renewed token, not over and over. */
  #hasRenewedForConnect = false;

  constructor(socket: Socket, token: AccessToken) {
    this.#socket = socket;
    this.#token = token;
    socket.auth = (callback) => callback({ token: this.#token.current });
    socket.on('connect', this.#onConnect);
    recoverTokenWith(socket, () => this.#recover());
    this.#stopHandingOver = token.onRenewed((fresh) => void this.#handOver(fresh));
    this.#letGo = token.hold();
  }

  /**
   * The server refused to connect with the current token: it may have run out while the
   * connection was down (a laptop that slept). Renews it, once until a connection succeeds;
   * resolves true when connecting again is worth it.
   */
  async renewForReconnect(): Promise<boolean> {
    if (this.#hasRenewedForConnect) return false;

    this.#hasRenewedForConnect = true;

    try {
      await this.#token.renew();

      return true;
    } catch {
      return false;
    }
  }

  /** Stops renewing for this connection. */
  close(): void {
    this.#stopHandingOver();
    this.#letGo();
    this.#socket.off('connect', this.#onConnect);
  }

  #onConnect = () => {
    this.#hasRenewedForConnect = false;
  };

  async #handOver(token: string): Promise<void> {
    if (!this.#socket.connected) return;

    try {
      await request(this.#socket, 'auth:renew', { token });
    } catch {
      // The next request the server refuses recovers the token; see #recover.
    }
  }

  /**
   * A request was refused because the connection's token had expired: the connection missed a
   * hand-over, or the tab slept past the renewal. Hands it the token in hand if that is still
   * good, else a renewed one. Requests refused together share one recovery.
   */
  #recover(): Promise<void> {
    this.#recovering ??= (async () => {
      if (!this.#token.hasExpired) {
        const isAccepted = await request(this.#socket, 'auth:renew', {
          token: this.#token.current,
        }).then(
          () => true,
          () => false,
        );

        if (isAccepted) return;
      }

      await request(this.#socket, 'auth:renew', { token: await this.#token.renew() });
    })().finally(() => {
      this.#recovering = null;
    });

    return this.#recovering;
  }
}
