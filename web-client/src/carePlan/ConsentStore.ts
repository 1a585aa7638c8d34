import type { Consent, GrantConsent, ServerToClientEvents } from '@teamrom/signaling/protocol';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import { RemoteValue } from './RemoteValue.ts';

export interface ConsentActionState {
  isBusy: boolean;
  /** The outcome of the last grant or withdrawal, for a live region: an i18n key. */
  message: { key: string; isError: boolean } | null;
}

/**
 * A patient's consents: listed, recorded and withdrawn. The list is fetched again whenever the
 * server says they changed, whoever changed them.
 */
export class ConsentStore {
  readonly list: RemoteValue<Consent[]>;
  readonly action = new Store<ConsentActionState>({ isBusy: false, message: null });
  readonly #socket: TeamromSocket;
  readonly #patientId: string;

  constructor(socket: TeamromSocket, patientId: string) {
    this.#socket = socket;
    this.#patientId = patientId;
    this.list = new RemoteValue(() => request(socket, 'consent:list', { patientId }));
    socket.on('consent:changed', this.#onChanged);
    socket.on('connect', this.#onConnect);
    void this.list.load();
  }

  dispose(): void {
    this.#socket.off('consent:changed', this.#onChanged);
    this.#socket.off('connect', this.#onConnect);
  }

  grant(input: Omit<GrantConsent, 'patientId'>): Promise<boolean> {
    return this.#run(
      () => request(this.#socket, 'consent:grant', { ...input, patientId: this.#patientId }),
      'consent.granted',
    );
  }

  withdraw(consentId: string): Promise<boolean> {
    return this.#run(
      () => request(this.#socket, 'consent:withdraw', { consentId }),
      'consent.withdrawn',
    );
  }

  async #run(send: () => Promise<Consent>, doneKey: string): Promise<boolean> {
    this.action.update({ isBusy: true, message: null });

    try {
      await send();
      this.action.update({ isBusy: false, message: { key: doneKey, isError: false } });
      void this.list.load();

      return true;
    } catch (error) {
      const code = error instanceof RequestError ? error.code : 'internal';
      const key =
        code === 'forbidden'
          ? 'consent.forbidden'
          : code === 'timeout'
            ? 'errors.timeout'
            : 'consent.failed';

      this.action.update({ isBusy: false, message: { key, isError: true } });

      return false;
    }
  }

  #onChanged: ServerToClientEvents['consent:changed'] = ({ patientId }) => {
    if (patientId === this.#patientId) void this.list.load();
  };

  #onConnect = () => {
    void this.list.load();
  };
}
