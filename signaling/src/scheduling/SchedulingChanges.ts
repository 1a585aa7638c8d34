import { EventEmitter } from 'node:events';

import type { SchedulingChanged } from '../protocol/index.ts';

/**
 * Tells whoever listens that a scheduled meeting changed, once the change is stored: the gateway
 * passes it on to the connections that have the meeting open (`scheduling:changed`), so that a
 * page shows an answer as it comes instead of asking again and again.
 */
export class SchedulingChanges extends EventEmitter<{ changed: [event: SchedulingChanged] }> {
  notify(event: SchedulingChanged): void {
    this.emit('changed', event);
  }
}
