import { randomUUID } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  EnterReply,
  IntroductionsConfirmation,
  JoinReply,
  MeetingRecord,
  PlanOperationApplied,
  PlanOperationInput,
  Roster,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

describe('the roster, the introductions and the meeting record', () => {
  let server: TestServer;
  let meetingId: string;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  const join = async (personId: string) => {
    const socket = await connect(personId);
    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId });

    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);

    return { socket, self: ack.data.self };
  };

  /** The patient, let in from the waiting room by `member`. */
  const letPatientIn = async (member: TestSocket) => {
    const socket = await connect('person-astrid');
    const entered = await ask<EnterReply>(socket, 'meeting:enter', { meetingId });

    if (!entered.ok || entered.data.status !== 'waiting')
      throw new Error('the patient did not wait');

    const admitted = nextEvent<JoinReply>(socket, 'lobby:admitted');

    await ask(member, 'lobby:admit', { peerId: entered.data.peerId });

    return { socket, self: (await admitted).self };
  };

  const applyToPlan = async (socket: TestSocket, operation: PlanOperationInput) => {
    const [{ version }] = (await server.db.query<{ version: number }>(
      `select version from care_plans where id = 'plan-demo'`,
    )) as [{ version: number }];
    const ack = await ask<PlanOperationApplied>(socket, 'careplan:apply', {
      planId: 'plan-demo',
      baseVersion: version,
      idempotencyKey: randomUUID(),
      operation,
    });

    if (!ack.ok) throw new Error(`plan change refused: ${ack.error.code}`);
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  const freshMeeting = async () => {
    meetingId = randomUUID();
    await server.db.query(
      `insert into meetings (id, patient_id, title) values ($1, 'patient-demo', 'Teammøte')`,
      [meetingId],
    );
  };

  describe('the roster', () => {
    it('shows every participant with name, role and organisation, and the coordinator leads', async () => {
      await freshMeeting();

      const physician = await join('person-ola');
      const coordinator = await join('person-kari');
      const patient = await letPatientIn(coordinator.socket);
      const roster = await ask<Roster>(patient.socket, 'meeting:roster', {});

      expect(roster).toMatchObject({
        ok: true,
        data: {
          meetingId,
          leaderPeerId: coordinator.self.peerId,
          introductions: null,
          participants: [
            {
              peerId: physician.self.peerId,
              displayName: 'Ola Hansen',
              role: 'physician',
              organisation: 'Medisinsk klinikk, Universitetssykehuset Demo',
              isIntroduced: false,
            },
            {
              peerId: coordinator.self.peerId,
              displayName: 'Kari Nordmann',
              role: 'coordinator',
              organisation: 'Koordinerende enhet, Fjellvik kommune',
              isIntroduced: false,
            },
            {
              peerId: patient.self.peerId,
              displayName: 'Astrid Solberg',
              role: 'patient',
              organisation: null,
              isIntroduced: false,
            },
          ],
        },
      });
    });

    it('is given only to someone in the meeting', async () => {
      const socket = await connect('person-kari');

      expect(await ask(socket, 'meeting:roster', {})).toMatchObject({
        ok: false,
        error: { code: 'not_in_meeting' },
      });
    });

    it('has the team member in the meeting longest lead when no coordinator is there', async () => {
      await freshMeeting();

      const nurse = await join('person-ingrid');
      const gp = await join('person-per');
      const roster = await ask<Roster>(gp.socket, 'meeting:roster', {});

      expect(roster).toMatchObject({ ok: true, data: { leaderPeerId: nurse.self.peerId } });
    });
  });

  describe('the confirmation of introductions', () => {
    it('is recorded with who and when, audited, and shown to everyone in the meeting', async () => {
      await freshMeeting();

      const coordinator = await join('person-kari');
      const physician = await join('person-ola');
      const shown = nextEvent<IntroductionsConfirmation>(physician.socket, 'meeting:introductions');
      const before = Date.now();
      const ack = await ask<IntroductionsConfirmation>(
        coordinator.socket,
        'meeting:confirmIntroductions',
        {},
      );

      if (!ack.ok) throw new Error(ack.error.code);
      expect(ack.data).toMatchObject({
        meetingId,
        confirmedBy: { personId: 'person-kari', displayName: 'Kari Nordmann', role: 'coordinator' },
        personIds: ['person-kari', 'person-ola'],
      });
      expect(Date.parse(ack.data.confirmedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(await shown).toEqual(ack.data);
      expect(
        await server.db.query(
          `select confirmed_by, person_ids from meeting_introductions where meeting_id = $1`,
          [meetingId],
        ),
      ).toEqual([{ confirmed_by: 'person-kari', person_ids: ['person-kari', 'person-ola'] }]);
      expect(
        await server.db.query(
          `select actor_id, outcome from audit_events
            where meeting_id = $1 and action = 'meeting.introductions'`,
          [meetingId],
        ),
      ).toEqual([{ actor_id: 'person-kari', outcome: 'success' }]);

      const roster = await ask<Roster>(physician.socket, 'meeting:roster', {});

      expect(roster).toMatchObject({
        ok: true,
        data: {
          introductions: ack.data,
          participants: [{ isIntroduced: true }, { isIntroduced: true }],
        },
      });
    });

    it('marks someone who came after the confirmation as not introduced yet', async () => {
      await freshMeeting();

      const coordinator = await join('person-kari');

      await ask(coordinator.socket, 'meeting:confirmIntroductions', {});

      const nurse = await join('person-ingrid');
      const roster = await ask<Roster>(nurse.socket, 'meeting:roster', {});

      expect(roster).toMatchObject({
        ok: true,
        data: {
          participants: [
            { personId: 'person-kari', isIntroduced: true },
            { personId: 'person-ingrid', isIntroduced: false },
          ],
        },
      });
    });

    it('is refused to anyone but the leader, and the refusal is audited', async () => {
      await freshMeeting();

      await join('person-kari');

      const physician = await join('person-ola');

      expect(await ask(physician.socket, 'meeting:confirmIntroductions', {})).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(
        await server.db.query(
          `select actor_id, outcome from audit_events
            where meeting_id = $1 and action = 'meeting.introductions'`,
          [meetingId],
        ),
      ).toEqual([{ actor_id: 'person-ola', outcome: 'denied' }]);
    });
  });

  describe('the meeting record', () => {
    it('lists the stays with times, the introductions, and what was written in the plan for the meeting', async () => {
      await freshMeeting();

      const coordinator = await join('person-kari');
      const physician = await join('person-ola');
      const patient = await letPatientIn(coordinator.socket);

      await ask(coordinator.socket, 'meeting:confirmIntroductions', {});
      await applyToPlan(coordinator.socket, {
        type: 'note.add',
        noteId: randomUUID(),
        kind: 'note',
        text: 'Astrid har sovet bedre siden forrige møte.',
        meetingId,
      });
      await applyToPlan(physician.socket, {
        type: 'note.add',
        noteId: randomUUID(),
        kind: 'decision',
        text: 'Vi prøver ny inhalator i fire uker.',
        meetingId,
      });
      // A note may name only a meeting of the same patient: here, another one of Astrid's.
      await server.db.query(
        `insert into meetings (id, patient_id, title) values ('another-meeting', 'patient-demo', 'Møte')
         on conflict do nothing`,
      );
      await applyToPlan(coordinator.socket, {
        type: 'note.add',
        noteId: randomUUID(),
        kind: 'note',
        text: 'Et notat fra et annet møte.',
        meetingId: 'another-meeting',
      });

      const actionId = randomUUID();
      const homeCareActionId = randomUUID();

      await applyToPlan(physician.socket, {
        type: 'action.add',
        actionId,
        description: 'Følge opp ny inhalator',
        responsible: { kind: 'person', id: 'person-per' },
      });
      await applyToPlan(coordinator.socket, {
        type: 'action.add',
        actionId: homeCareActionId,
        description: 'Hjelp med inhalatoren morgen og kveld',
        responsible: { kind: 'organisation', id: 'org-municipality' },
      });
      await ask(coordinator.socket, 'lobby:return', { peerId: patient.self.peerId });
      await ask(physician.socket, 'meeting:leave', {});

      const record = await ask<MeetingRecord>(coordinator.socket, 'meeting:record', { meetingId });

      if (!record.ok) throw new Error(record.error.code);
      expect(record.data).toMatchObject({
        meetingId,
        patientId: 'patient-demo',
        title: 'Teammøte',
      });
      expect(
        record.data.attendance.map(({ personId, role, leftAt, leaveReason }) => ({
          personId,
          role,
          hasLeft: leftAt !== null,
          leaveReason,
        })),
      ).toEqual([
        { personId: 'person-kari', role: 'coordinator', hasLeft: false, leaveReason: null },
        { personId: 'person-ola', role: 'physician', hasLeft: true, leaveReason: 'left' },
        { personId: 'person-astrid', role: 'patient', hasLeft: true, leaveReason: 'returned' },
      ]);
      for (const stay of record.data.attendance.filter((s) => s.leftAt !== null)) {
        expect(Date.parse(stay.leftAt!)).toBeGreaterThanOrEqual(Date.parse(stay.joinedAt));
      }
      expect(record.data.introductions).toMatchObject([
        { confirmedBy: { personId: 'person-kari' }, personIds: expect.any(Array) },
      ]);
      expect(record.data.notes.map((n) => [n.kind, n.authorId, n.text])).toEqual([
        ['note', 'person-kari', 'Astrid har sovet bedre siden forrige møte.'],
        ['decision', 'person-ola', 'Vi prøver ny inhalator i fire uker.'],
      ]);
      expect(record.data.actions).toMatchObject([
        {
          id: actionId,
          description: 'Følge opp ny inhalator',
          responsible: { kind: 'person', id: 'person-per' },
          status: 'open',
        },
        { id: homeCareActionId, responsible: { kind: 'organisation', id: 'org-municipality' } },
      ]);
    });

    it('names whom its notes and actions refer to, and no one else', async () => {
      await freshMeeting();

      const coordinator = await join('person-kari');

      await applyToPlan(coordinator.socket, {
        type: 'note.add',
        noteId: randomUUID(),
        kind: 'decision',
        text: 'Fastlegen følger opp blodtrykket.',
        meetingId,
      });
      await applyToPlan(coordinator.socket, {
        type: 'action.add',
        actionId: randomUUID(),
        description: 'Måle blodtrykket hver uke',
        responsible: { kind: 'person', id: 'person-per' },
      });
      await applyToPlan(coordinator.socket, {
        type: 'action.add',
        actionId: randomUUID(),
        description: 'Hjelp med medisinene',
        responsible: { kind: 'organisation', id: 'org-municipality' },
      });

      const record = await ask<MeetingRecord>(coordinator.socket, 'meeting:record', { meetingId });

      if (!record.ok) throw new Error(record.error.code);
      expect(record.data.directory).toEqual({
        persons: {
          'person-kari': {
            name: 'Kari Nordmann',
            role: 'coordinator',
            organisation: 'Koordinerende enhet, Fjellvik kommune',
          },
          'person-per': { name: 'Per Lie', role: 'gp', organisation: 'Fjellvik legekontor' },
        },
        organisations: { 'org-municipality': { name: 'Hjemmesykepleien, Fjellvik kommune' } },
      });
    });

    it('is read only by team members who may read the plan, and each read is audited', async () => {
      await freshMeeting();

      const coordinator = await join('person-kari');
      const patient = await connect('person-astrid');
      const relative = await connect('person-liv');

      expect(await ask(coordinator.socket, 'meeting:record', { meetingId })).toMatchObject({
        ok: true,
      });
      for (const socket of [patient, relative]) {
        expect(await ask(socket, 'meeting:record', { meetingId })).toMatchObject({
          ok: false,
          error: { code: 'forbidden' },
        });
      }
      expect(
        await server.db.query(
          `select actor_id, outcome from audit_events
            where meeting_id = $1 and action = 'careplan.read' order by id`,
          [meetingId],
        ),
      ).toEqual([
        { actor_id: 'person-kari', outcome: 'success' },
        { actor_id: 'person-astrid', outcome: 'denied' },
        { actor_id: 'person-liv', outcome: 'denied' },
      ]);
    });

    it('is not given through a link made for another meeting', async () => {
      await freshMeeting();

      const socket = await connectClient(
        server.url,
        server.tokenFor('person-kari', { meetingId: 'demo' }),
      );

      sockets.push(socket);
      expect(await ask(socket, 'meeting:record', { meetingId })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    });
  });
});
