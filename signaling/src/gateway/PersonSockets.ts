import type { GatewaySocket } from './context.ts';

// LIMITATION: only connections to this node are known; with several signalling nodes, a person
// connected to another node is reported offline when rung.
/**
 * The connections of each person to this signalling node, so that a call rings on every device
 * they have open.
 */
export class PersonSockets {
  readonly #byPerson = new Map<string, Set<GatewaySocket>>();

  add(socket: GatewaySocket): void {
    const personId = socket.data.token.sub;
    let sockets = this.#byPerson.get(personId);

    if (!sockets) {
      sockets = new Set();
      this.#byPerson.set(personId, sockets);
    }
    sockets.add(socket);
  }

  remove(socket: GatewaySocket): void {
    const personId = socket.data.token.sub;
    const sockets = this.#byPerson.get(personId);

    sockets?.delete(socket);
    if (sockets?.size === 0) this.#byPerson.delete(personId);
  }

  of(personId: string): GatewaySocket[] {
    return [...(this.#byPerson.get(personId) ?? [])].filter((s) => s.connected);
  }
}
