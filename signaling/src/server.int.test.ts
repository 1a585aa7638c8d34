import { randomUUID } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  ConsumerOptions,
  JoinReply,
  OpenedPlan,
  PlanOperationApplied,
  TransportOptions,
} from './protocol/index.ts';
import { reduce } from './protocol/index.ts';
import type { TestServer, TestSocket } from './testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from './testing/harness.ts';

const OPUS_PARAMETERS = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 22334455 }],
  rtcp: { cname: 'int-test' },
};

describe('Teamrom server', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const join = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId: 'demo' });

    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);

    return { socket, reply: ack.data };
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

  describe('authentication', () => {
    it('refuses a connection without a token', async () => {
      await expect(connectClient(server.url, undefined)).rejects.toMatchObject({
        data: { code: 'unauthorized' },
      });
    });

    it('refuses a forged token', async () => {
      const [header, payload] = server.tokenFor('person-ola').split('.');

      await expect(
        connectClient(server.url, `${header}.${payload}.c2lnbmF0dXJlLW1hZGUtdXA`),
      ).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    });

    it('refuses an expired token', async () => {
      await expect(
        connectClient(server.url, server.tokenFor('person-ola', { seconds: -10 })),
      ).rejects.toMatchObject({
        data: { code: 'unauthorized', message: 'the access token has expired' },
      });
    });

    it('refuses events once the token has expired on an open connection', async () => {
      const socket = await connectClient(server.url, server.tokenFor('person-ola', { seconds: 1 }));

      sockets.push(socket);
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const ack = await ask(socket, 'meeting:join', { meetingId: 'demo' });

      expect(ack).toEqual({
        ok: false,
        error: { code: 'unauthorized', message: 'the access token has expired' },
      });
      expect(server.meetings.meeting('demo')?.size ?? 0).toBe(0);
    });

    it('refuses a person outside the care team, and audits the refusal', async () => {
      const socket = await connectClient(server.url, server.tokenFor('person-stranger'));

      sockets.push(socket);

      const ack = await ask(socket, 'meeting:join', { meetingId: 'demo' });
      const audit = await server.db.query<{ outcome: string }>(
        `select outcome from audit_events where actor_id = 'person-stranger' and action = 'meeting.join'`,
      );

      expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(audit.map((a) => a.outcome)).toEqual(['denied']);
    });

    it('refuses a link made for another meeting, and audits the refusal', async () => {
      const socket = await connectClient(
        server.url,
        server.tokenFor('person-ola', { meetingId: 'another' }),
      );

      sockets.push(socket);

      expect(await ask(socket, 'meeting:join', { meetingId: 'demo' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });

      const audit = await server.db.query<{ outcome: string }>(
        `select outcome from audit_events where actor_id = 'person-ola' and action = 'meeting.join'`,
      );

      expect(audit.map((a) => a.outcome)).toEqual(['denied']);
    });
  });

  describe('meetings', () => {
    it('answers a join with the router capabilities and tells the others', async () => {
      const first = await join('person-kari');
      const joinedNotice = nextEvent<{ peerId: string; displayName: string }>(
        first.socket,
        'peer:joined',
      );
      const second = await join('person-ola');

      expect(first.reply.routerRtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(
        expect.arrayContaining(['audio/opus', 'video/VP8']),
      );
      expect(first.reply.carePlanId).toBe('plan-demo');
      expect(first.reply.self.role).toBe('coordinator');
      expect(second.reply.peers.map((p) => p.peerId)).toEqual([first.reply.self.peerId]);
      expect(await joinedNotice).toMatchObject({
        peerId: second.reply.self.peerId,
        displayName: 'Ola Hansen',
        role: 'physician',
        organisation: 'Medisinsk klinikk, Universitetssykehuset Demo',
      });
    });

    it('removes a peer whose connection closes and tells the others at once', async () => {
      const first = await join('person-kari');
      const second = await join('person-ingrid');
      const leftNotice = nextEvent<{ peerId: string }>(first.socket, 'peer:left', 2000);

      second.socket.close();

      expect(await leftNotice).toEqual({ peerId: second.reply.self.peerId });
      expect(server.meetings.meeting('demo')?.size).toBe(1);
    });

    it('replaces an older connection of the same person instead of keeping a ghost', async () => {
      const observer = await join('person-kari');
      const older = await join('person-per');
      const ended = nextEvent<{ reason: string }>(older.socket, 'meeting:ended');
      const left = nextEvent<{ peerId: string }>(observer.socket, 'peer:left');
      const newer = await join('person-per');

      expect(await ended).toEqual({ reason: 'replaced' });
      expect(await left).toEqual({ peerId: older.reply.self.peerId });
      expect(
        server.meetings
          .meeting('demo')
          ?.peers()
          .map((p) => p.id)
          .sort(),
      ).toEqual([observer.reply.self.peerId, newer.reply.self.peerId].sort());
    });

    it('lets a person who is alone take over from a second window, with a working room', async () => {
      const first = await join('person-ingrid');
      const ended = nextEvent<{ reason: string }>(first.socket, 'meeting:ended');
      const second = await join('person-ingrid');

      expect(await ended).toEqual({ reason: 'replaced' });
      expect(
        server.meetings
          .meeting('demo')
          ?.peers()
          .map((p) => p.id),
      ).toEqual([second.reply.self.peerId]);
      expect(
        await ask(second.socket, 'media:createTransport', { direction: 'recv' }),
      ).toMatchObject({
        ok: true,
      });
    });

    it('answers only one of two joins sent at once on one connection', async () => {
      const socket = await connectClient(server.url, server.tokenFor('person-per'));

      sockets.push(socket);

      const answers = await Promise.all([
        ask(socket, 'meeting:join', { meetingId: 'demo' }),
        ask(socket, 'meeting:join', { meetingId: 'demo' }),
      ]);

      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok)).toMatchObject([{ error: { code: 'invalid_request' } }]);
      expect(server.meetings.meeting('demo')?.size).toBe(1);
    });

    it('closes the media room when the last person leaves', async () => {
      const { socket } = await join('person-kari');

      expect(await ask(socket, 'meeting:leave', {})).toEqual({ ok: true, data: {} });
      expect(server.meetings.meeting('demo')).toBeUndefined();
      expect((await server.media.stats()).rooms).toBe(0);
    });
  });

  describe('media', () => {
    it('forwards a producer to another peer through a consumer that starts paused', async () => {
      const sender = await join('person-ola');
      const receiver = await join('person-ingrid');
      const sendTransport = await ask<TransportOptions>(sender.socket, 'media:createTransport', {
        direction: 'send',
      });
      const recvTransport = await ask<TransportOptions>(receiver.socket, 'media:createTransport', {
        direction: 'recv',
      });

      if (!sendTransport.ok || !recvTransport.ok) throw new Error('transport refused');

      expect(sendTransport.data.iceCandidates[0]).toMatchObject({ ip: '127.0.0.1' });

      const announced = nextEvent<{ producerId: string; source: string }>(
        receiver.socket,
        'producer:new',
      );
      const produced = await ask<{ producerId: string }>(sender.socket, 'media:produce', {
        transportId: sendTransport.data.id,
        kind: 'audio',
        rtpParameters: OPUS_PARAMETERS,
        source: 'microphone',
      });

      if (!produced.ok) throw new Error(`produce refused: ${produced.error.message}`);
      expect(await announced).toMatchObject({
        producerId: produced.data.producerId,
        source: 'microphone',
        peerId: sender.reply.self.peerId,
      });

      expect(
        await ask(receiver.socket, 'media:consume', {
          transportId: recvTransport.data.id,
          producerId: produced.data.producerId,
        }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

      await ask(receiver.socket, 'media:setRtpCapabilities', {
        rtpCapabilities: receiver.reply.routerRtpCapabilities,
      });

      const consumed = await ask<ConsumerOptions>(receiver.socket, 'media:consume', {
        transportId: recvTransport.data.id,
        producerId: produced.data.producerId,
      });

      expect(consumed).toMatchObject({
        ok: true,
        data: {
          producerId: produced.data.producerId,
          kind: 'audio',
          peerId: sender.reply.self.peerId,
        },
      });
      if (!consumed.ok) return;

      const closedNotice = nextEvent<{ consumerId: string }>(receiver.socket, 'consumer:closed');

      expect(
        await ask(receiver.socket, 'media:resumeConsumer', {
          consumerId: consumed.data.consumerId,
        }),
      ).toEqual({ ok: true, data: {} });

      // The producer's owner leaves: the receiver's consumer goes with it.
      sender.socket.close();
      expect(await closedNotice).toEqual({ consumerId: consumed.data.consumerId });
      await expect.poll(async () => (await server.media.stats()).producers).toBe(0);
    });

    it('leaves no consumer behind when a producer closes while it is being consumed, 200 times', async () => {
      const sender = await join('person-ola');
      const receiver = await join('person-ingrid');
      const send = await ask<TransportOptions>(sender.socket, 'media:createTransport', {
        direction: 'send',
      });
      const recv = await ask<TransportOptions>(receiver.socket, 'media:createTransport', {
        direction: 'recv',
      });

      if (!send.ok || !recv.ok) throw new Error('transport refused');
      await ask(receiver.socket, 'media:setRtpCapabilities', {
        rtpCapabilities: receiver.reply.routerRtpCapabilities,
      });

      const outcomes = new Map<string, number>();
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

      for (let i = 0; i < 200; i++) {
        const produced = await ask<{ producerId: string }>(sender.socket, 'media:produce', {
          transportId: send.data.id,
          kind: 'audio',
          rtpParameters: { ...OPUS_PARAMETERS, encodings: [{ ssrc: 1000 + i }] },
          source: 'microphone',
        });

        if (!produced.ok) throw new Error(`produce refused: ${produced.error.message}`);

        const { producerId } = produced.data;
        const [consumed] = await Promise.all([
          ask<ConsumerOptions>(receiver.socket, 'media:consume', {
            transportId: recv.data.id,
            producerId,
          }),
          // Half the time the close goes out a moment later, to hit other points of the set-up.
          new Promise((resolve) => setTimeout(resolve, i % 2)).then(() =>
            ask(sender.socket, 'media:closeProducer', { producerId }),
          ),
        ]);

        if (consumed.ok) {
          const resumed = await ask(receiver.socket, 'media:resumeConsumer', {
            consumerId: consumed.data.consumerId,
          });

          count(resumed.ok ? 'resumed' : `resume ${resumed.error.code}`);
        } else {
          count(`consume ${consumed.error.code}`);
        }
      }

      const codes = [...outcomes.keys()].filter((k) => k !== 'resumed');

      expect(
        codes.every((code) => code.endsWith('not_found')),
        codes.join(', '),
      ).toBe(true);
      await expect.poll(async () => (await server.media.stats()).consumers).toBe(0);
      expect((await server.media.stats()).producers).toBe(0);
      console.info('outcomes of 200 consume/close races:', Object.fromEntries(outcomes));
    });

    it('does not let a peer close, pause or consume through media that is not its own', async () => {
      const owner = await join('person-ola');
      const other = await join('person-per');
      const transport = await ask<TransportOptions>(owner.socket, 'media:createTransport', {
        direction: 'send',
      });

      if (!transport.ok) throw new Error('transport refused');

      const produced = await ask<{ producerId: string }>(owner.socket, 'media:produce', {
        transportId: transport.data.id,
        kind: 'audio',
        rtpParameters: OPUS_PARAMETERS,
        source: 'microphone',
      });

      if (!produced.ok) throw new Error('produce refused');

      for (const event of ['media:closeProducer', 'media:pauseProducer', 'media:resumeProducer']) {
        expect(
          await ask(other.socket, event, { producerId: produced.data.producerId }),
        ).toMatchObject({
          ok: false,
          error: { code: 'not_found' },
        });
      }
      expect(
        await ask(other.socket, 'media:connectTransport', {
          transportId: transport.data.id,
          dtlsParameters: {
            role: 'client',
            fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }],
          },
        }),
      ).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect((await server.media.stats()).producers).toBe(1);
    });

    it('answers malformed and hostile payloads with invalid_request and keeps the worker alive', async () => {
      const { socket } = await join('person-ola');
      const { workerPids } = await server.media.stats();
      const transport = await ask<TransportOptions>(socket, 'media:createTransport', {
        direction: 'send',
      });

      if (!transport.ok) throw new Error('transport refused');

      const hostile: [string, unknown][] = [
        ['media:createTransport', { direction: 'sideways' }],
        ['media:createTransport', null],
        ['media:connectTransport', { transportId: transport.data.id, dtlsParameters: {} }],
        [
          'media:connectTransport',
          { transportId: transport.data.id, dtlsParameters: { role: 'boss', fingerprints: [] } },
        ],
        ['media:produce', { transportId: transport.data.id, kind: 'audio', source: 'microphone' }],
        [
          'media:produce',
          {
            transportId: transport.data.id,
            kind: 'video',
            source: 'camera',
            rtpParameters: {
              codecs: [{ mimeType: 'video/H265', payloadType: 96, clockRate: 90000 }],
            },
          },
        ],
        ['media:setRtpCapabilities', { rtpCapabilities: { codecs: 'all of them' } }],
        ['careplan:apply', { planId: 'plan-demo' }],
        ['meeting:join', { meetingId: 'x'.repeat(1000) }],
      ];

      for (const [event, payload] of hostile) {
        const ack = await ask(socket, event, payload);

        expect(ack, event).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      }

      expect((await server.media.stats()).workerPids).toEqual(workerPids);
      expect((await server.media.stats()).producers).toBe(0);
      expect(await ask(socket, 'media:createTransport', { direction: 'recv' })).toMatchObject({
        ok: true,
      });
    });

    it('closes only the connection of a client that sends more than the message limit', async () => {
      const bystander = await join('person-kari');
      const sender = await join('person-ola');
      const disconnected = new Promise<string>((resolve) =>
        sender.socket.once('disconnect', resolve),
      );

      (sender.socket as unknown as { emit: (...args: unknown[]) => void }).emit(
        'media:setRtpCapabilities',
        { rtpCapabilities: { codecs: [], junk: 'x'.repeat(400_000) } },
        () => {},
      );

      expect(await disconnected).toBe('transport close');
      expect(bystander.socket.connected).toBe(true);
      expect(
        await ask(bystander.socket, 'media:createTransport', { direction: 'recv' }),
      ).toMatchObject({
        ok: true,
      });
    });
  });

  describe('care plan', () => {
    const addAction = (description: string) => ({
      planId: 'plan-demo',
      baseVersion: 0,
      idempotencyKey: randomUUID(),
      operation: {
        type: 'action.add',
        actionId: randomUUID(),
        description,
        responsible: { kind: 'organisation', id: 'org-gp' },
        goalId: 'goal-breath',
      },
    });

    it('sends an added action to everyone who has the plan open, once per key', async () => {
      const author = await join('person-ingrid');
      const viewer = await join('person-per');

      await ask(author.socket, 'careplan:open', { planId: 'plan-demo' });

      const opened = await ask<OpenedPlan>(viewer.socket, 'careplan:open', {
        planId: 'plan-demo',
      });

      if (!opened.ok) throw new Error('open refused');

      const change = nextEvent<PlanOperationApplied>(viewer.socket, 'careplan:changed');
      const request = addAction('Bestille hjelpemiddel til badet');
      const first = await ask<PlanOperationApplied>(author.socket, 'careplan:apply', request);
      const replay = await ask<PlanOperationApplied>(author.socket, 'careplan:apply', request);
      const seen = await change;

      const version = opened.data.plan.version + 1;

      expect(first).toMatchObject({ ok: true, data: { version } });
      expect(replay).toEqual(first);
      expect(seen).toEqual({ ...(first.ok ? first.data : {}), version });
      expect(
        reduce(opened.data.plan, seen.operation, seen).actions.filter(
          (a) => a.description === 'Bestille hjelpemiddel til badet',
        ),
      ).toHaveLength(1);
      // Nobody else's change slipped in between: a second change event would mean a duplicate.
      await expect(nextEvent(viewer.socket, 'careplan:changed', 300)).rejects.toThrow();
    });

    it('refuses a stale change to the same action with plan_conflict and the current value', async () => {
      const { socket } = await join('person-ola');
      const opened = await ask<OpenedPlan>(socket, 'careplan:open', { planId: 'plan-demo' });

      if (!opened.ok) throw new Error('open refused');

      const base = opened.data.plan.version;
      const setStatus = (status: string) => ({
        planId: 'plan-demo',
        baseVersion: base,
        idempotencyKey: randomUUID(),
        operation: { type: 'action.setStatus', actionId: 'action-meds', status },
      });

      expect(await ask(socket, 'careplan:apply', setStatus('done'))).toMatchObject({ ok: true });
      expect(await ask(socket, 'careplan:apply', setStatus('open'))).toEqual({
        ok: false,
        error: {
          code: 'plan_conflict',
          message: 'someone changed this meanwhile',
          details: { field: 'actions.action-meds.status', current: 'done', version: base + 1 },
        },
      });
    });

    it('does not open the plan with a link made for a meeting of another patient', async () => {
      await server.db.exec(
        `insert into persons (id, kind, display_name) values ('person-other', 'patient', 'Test Testesen');
         insert into patients (id, person_id, identifier_system, identifier_value, birth_date)
           values ('patient-other', 'person-other', 'urn:oid:2.16.578.1.12.4.1.4.1', '01817000000', '1970-01-01');
         insert into care_team_members (patient_id, person_id, role, organisation_id) values ('patient-other', 'person-ola', 'physician', 'org-hospital');
         insert into meetings (id, patient_id, title) values ('meeting-other', 'patient-other', 'Møte')`,
      );

      const socket = await connectClient(
        server.url,
        server.tokenFor('person-ola', { meetingId: 'meeting-other' }),
      );

      sockets.push(socket);

      expect(await ask(socket, 'careplan:open', { planId: 'plan-demo' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(
        await ask(socket, 'careplan:apply', addAction('Via en lenke til et annet møte')),
      ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });

    it('lets the patient read the plan but not change it', async () => {
      const socket = await connectClient(server.url, server.tokenFor('person-astrid'));

      sockets.push(socket);
      // The patient waits to be let in; the plan is theirs to read meanwhile.
      expect(await ask(socket, 'meeting:enter', { meetingId: 'demo' })).toMatchObject({
        ok: true,
        data: { status: 'waiting' },
      });
      expect(await ask(socket, 'careplan:open', { planId: 'plan-demo' })).toMatchObject({
        ok: true,
      });
      expect(await ask(socket, 'careplan:apply', addAction('Patient tries to add'))).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    });

    it('keeps care-plan text out of the audit trail', async () => {
      const rows = await server.db.query<Record<string, unknown>>('select * from audit_events');
      const text = JSON.stringify(rows);

      expect(rows.length).toBeGreaterThan(0);
      expect(text).not.toContain('Bestille hjelpemiddel');
      expect(text).not.toContain('Astrid');
    });
  });

  describe('HTTP API', () => {
    it('reports health with the number of workers', async () => {
      const res = await fetch(`${server.url}/healthz`);

      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', workers: 1, database: 'ok' });
    });

    it('lists one join link per demo person, and the staff pages of each team member', async () => {
      const links = (await (await fetch(`${server.url}/api/demo/links`)).json()) as {
        name: string;
        role: string;
        url: string;
        homeUrl?: string;
      }[];

      expect(links.map((l) => l.role)).toEqual([
        'patient',
        'coordinator',
        'physician',
        'nurse',
        'gp',
        'relative',
      ]);
      expect(links[0]!.url).toMatch(
        new RegExp(`^${server.url}/m/demo#token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
      );
      expect(links.filter((l) => l.homeUrl).map((l) => l.role)).toEqual([
        'coordinator',
        'physician',
        'nurse',
        'gp',
      ]);

      const coordinator = links.find((l) => l.role === 'coordinator')!;
      const token = /^(.+)\/#token=(.+)$/.exec(coordinator.homeUrl!);

      expect(token?.[1]).toBe(server.url);
      // The coordinator's own token, for no one meeting, as signing in would give.
      expect(server.tokens.verify(token![2])).toMatchObject({
        sub: 'person-kari',
        role: 'coordinator',
        demo: true,
      });
      expect(server.tokens.verify(token![2]).meetingId).toBeUndefined();
    });

    it('serves the care plan only with a valid bearer token', async () => {
      const url = `${server.url}/api/careplans/plan-demo`;
      const anonymous = await fetch(url);
      const stranger = await fetch(url, {
        headers: { authorization: `Bearer ${server.tokenFor('person-stranger')}` },
      });
      const gp = await fetch(url, {
        headers: { authorization: `Bearer ${server.tokenFor('person-per')}` },
      });

      expect(anonymous.status).toBe(401);
      expect(stranger.status).toBe(403);
      expect(gp.status).toBe(200);
      expect(((await gp.json()) as OpenedPlan).plan.goals).toHaveLength(3);
    });

    it('sends the web client compressed once at build time, as the browser accepts it', async () => {
      const page = await fetch(`${server.url}/m/demo`, { headers: { 'accept-encoding': 'br' } });
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];

      expect(page.headers.get('content-encoding')).toBe('br');
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(script).toBeDefined();

      for (const [accept, expected] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
        ['identity', null],
      ] as const) {
        const res = await fetch(`${server.url}${script}`, {
          headers: { 'accept-encoding': accept },
        });

        expect(res.status, accept).toBe(200);
        expect(res.headers.get('content-encoding'), accept).toBe(expected);
        expect(res.headers.get('content-type'), accept).toContain('javascript');
        expect(res.headers.get('vary'), accept).toContain('Accept-Encoding');
        expect(res.headers.get('cache-control'), accept).toContain('immutable');
        expect((await res.text()).length, accept).toBeGreaterThan(1000);
      }
    });

    it('answers a path that is not valid percent-encoding with 400', async () => {
      for (const path of ['/m/%ZZ', '/api/careplans/%E0%A4%A']) {
        const res = await fetch(`${server.url}${path}`);

        expect(res.status, path).toBe(400);
        expect(await res.json()).toMatchObject({ code: 'invalid_request' });
      }
    });

    it('answers a body that is not JSON with 400 and changes nothing', async () => {
      const before = (
        await server.db.query<{ version: number }>('select version from care_plans')
      )[0];
      const res = await fetch(`${server.url}/api/careplans/plan-demo/operations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.tokenFor('person-per')}`,
          'content-type': 'application/json',
        },
        body: '{"baseVersion": 1,',
      });
      const after = (
        await server.db.query<{ version: number }>('select version from care_plans')
      )[0];

      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'invalid_request' });
      expect(after).toEqual(before);
    });
  });
});

describe('Teamrom across a restart', () => {
  it('keeps an added action after the server restarts on the same data directory', async () => {
    const first = await startTestServer();
    const socket = await connectClient(first.url, first.tokenFor('person-kari'));
    const actionId = randomUUID();

    await ask(socket, 'careplan:open', { planId: 'plan-demo' });
    expect(
      await ask(socket, 'careplan:apply', {
        planId: 'plan-demo',
        baseVersion: 0,
        idempotencyKey: randomUUID(),
        operation: {
          type: 'action.add',
          actionId,
          description: 'Kontroll hos fastlegen',
          responsible: { kind: 'organisation', id: 'org-gp' },
        },
      }),
    ).toMatchObject({ ok: true });
    socket.close();
    await first.close();

    const second = await startTestServer({ dataDir: first.dataDir });

    try {
      const res = await fetch(`${second.url}/api/careplans/plan-demo`, {
        headers: { authorization: `Bearer ${second.tokenFor('person-kari')}` },
      });
      const { plan } = (await res.json()) as OpenedPlan;

      expect(plan.actions.find((a) => a.id === actionId)).toMatchObject({
        description: 'Kontroll hos fastlegen',
        status: 'open',
        responsible: { kind: 'organisation', id: 'org-gp' },
      });
    } finally {
      await second.close();
    }
  });
});
