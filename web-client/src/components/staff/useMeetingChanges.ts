import { useEffect, useRef } from 'react';

import type { MeetingChange } from '@teamrom/signaling/protocol';

import type { StaffConnection } from '../../staff/StaffConnection.ts';

/**
 * Why the meeting may have changed: the server said so (`scheduling:changed`), the connection came
 * back without the notices missed meanwhile, or the slow fallback asked.
 */
export type MeetingChangeCause = MeetingChange | 'reconnected' | 'poll';

/**
 * How often the page asks anyway while in sight, for a change no notice told of. Each ask is an
 * audited read; the notices do the work.
 */
const FALLBACK_MS = 2 * 60 * 1000;

/**
 * Calls `onChange` when the meeting changes, as the server tells the connections that fetched it
 * with `scheduling:get`, and stops those notices when the page goes.
 */
export function useMeetingChanges(
  connection: StaffConnection,
  meetingId: string,
  onChange: (cause: MeetingChangeCause) => void,
): void {
  const latest = useRef(onChange);

  latest.current = onChange;

  useEffect(() => {
    const { socket } = connection;
    let hasConnected = socket.connected;
    const onChanged = (event: { meetingId: string; change: MeetingChange }) => {
      if (event.meetingId === meetingId) latest.current(event.change);
    };
    const onConnect = () => {
      // A connection Socket.io recovered kept its rooms and was handed what it missed.
      if (hasConnected && !socket.recovered) latest.current('reconnected');
      hasConnected = true;
    };
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current('poll');
    }, FALLBACK_MS);

    socket.on('scheduling:changed', onChanged);
    socket.on('connect', onConnect);

    return () => {
      clearInterval(timer);
      socket.off('scheduling:changed', onChanged);
      socket.off('connect', onConnect);
      if (socket.connected) connection.ask('scheduling:unwatch', { meetingId }).catch(() => {});
    };
  }, [connection, meetingId]);
}
