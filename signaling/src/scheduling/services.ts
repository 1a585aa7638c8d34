import type { AuditLog } from '../audit/AuditLog.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Database } from '../db/index.ts';
import { WorklistService } from '../worklist/WorklistService.ts';
import { CoordinatorOverviewService } from './CoordinatorOverviewService.ts';
import { Invitations } from './Invitations.ts';
import { LinkSessions } from './LinkSessions.ts';
import { PersonalLinks } from './PersonalLinks.ts';
import { SchedulingChanges } from './SchedulingChanges.ts';
import { SchedulingService } from './SchedulingService.ts';

/** Everything the coordinator's side needs: meetings, invitations, links, overview, worklist. */
export interface SchedulingServices {
  meetings: SchedulingService;
  invitations: Invitations;
  links: PersonalLinks;
  overview: CoordinatorOverviewService;
  worklist: WorklistService;
  /** Every change of a scheduled meeting, once stored. */
  changes: SchedulingChanges;
  /** Whether sessions opened with a personal link may still be used. */
  sessions: LinkSessions;
}

/** Builds them on one clock; tests pass their own to move through a meeting's time. */
export function createSchedulingServices(deps: {
  db: Database;
  audit: AuditLog;
  tokens: TokenService;
  now?: () => Date;
}): SchedulingServices {
  const changes = new SchedulingChanges();
  const links = new PersonalLinks({ ...deps, changes });
  const sessions = new LinkSessions(deps.db);

  // Registered first: whoever else hears of a change finds the links checked anew.
  changes.on('changed', ({ meetingId }) => sessions.forgetMeeting(meetingId));

  return {
    meetings: new SchedulingService({ ...deps, links, changes }),
    invitations: new Invitations({ ...deps, links, changes }),
    links,
    overview: new CoordinatorOverviewService(deps),
    worklist: new WorklistService(deps),
    changes,
    sessions,
  };
}
