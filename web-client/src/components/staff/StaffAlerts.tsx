import '../../styles/staff.css';

import { staffConnection } from '../../staff/StaffConnection.ts';
import { IncomingRingDialog } from './IncomingRingDialog.tsx';
import { ReminderNotice } from './ReminderNotice.tsx';

/** What reaches a signed-in team member on any page: calls that ring them, and reminders. */
export default function StaffAlerts() {
  const connection = staffConnection();

  if (!connection) return null;

  return (
    <>
      <ReminderNotice reminders={connection.reminders} />
      <IncomingRingDialog inbox={connection.inbox} />
    </>
  );
}
