import { useStore } from '../lib/useStore.ts';
import type { StaffConnection } from '../staff/StaffConnection.ts';
import { staffConnection } from '../staff/StaffConnection.ts';
import { RingCallStatus } from './staff/RingCallStatus.tsx';

/** In a meeting someone rang people into: how each call stands, for the one who made them. */
export function MeetingCallStatus({ meetingId }: { meetingId: string }) {
  const connection = staffConnection();

  return connection ? <ForMeeting connection={connection} meetingId={meetingId} /> : null;
}

function ForMeeting(props: { connection: StaffConnection; meetingId: string }) {
  const state = useStore(props.connection.outgoing.state);

  if (state.meetingId !== props.meetingId) return null;

  return <RingCallStatus ring={props.connection.outgoing} />;
}
