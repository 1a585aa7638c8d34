import { randomUUID } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { applyPlanOperationSchema } from './careplan.ts';
import { requestSchemas } from './events.ts';

const FINGERPRINT = { algorithm: 'sha-256', value: `${'AB:'.repeat(31)}AB` } as const;

const OPUS_CAPABILITY = {
  kind: 'audio',
  mimeType: 'audio/opus',
  preferredPayloadType: 111,
  clockRate: 48000,
  channels: 2,
  parameters: { useinbandfec: 1 },
  rtcpFeedback: [{ type: 'transport-cc' }],
} as const;

function addAction(overrides: Record<string, unknown> = {}) {
  return {
    planId: 'plan-1',
    baseVersion: 3,
    idempotencyKey: randomUUID(),
    operation: {
      type: 'action.add',
      actionId: randomUUID(),
      description: 'Hjemmesykepleien kommer innom to ganger i uka',
      responsible: { kind: 'organisation', id: 'org-municipality' },
      ...overrides,
    },
  };
}

function connectTransport(dtlsParameters: unknown) {
  return { transportId: 'transport-1', dtlsParameters };
}

describe('request schemas', () => {
  it('accept well-formed media requests', () => {
    expect(requestSchemas['meeting:join'].safeParse({ meetingId: 'demo' }).success).toBe(true);
    expect(requestSchemas['media:createTransport'].safeParse({ direction: 'recv' }).success).toBe(
      true,
    );
    expect(
      requestSchemas['media:connectTransport'].safeParse(
        connectTransport({ role: 'client', fingerprints: [FINGERPRINT] }),
      ).success,
    ).toBe(true);
    expect(
      requestSchemas['media:setRtpCapabilities'].safeParse({
        rtpCapabilities: { codecs: [OPUS_CAPABILITY], headerExtensions: [] },
      }).success,
    ).toBe(true);
    expect(
      requestSchemas['media:produce'].safeParse({
        transportId: 'transport-1',
        kind: 'audio',
        rtpParameters: {
          mid: '0',
          codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
          encodings: [{ ssrc: 11111111, dtx: true }],
          rtcp: { cname: 'test', reducedSize: true },
        },
        source: 'microphone',
      }).success,
    ).toBe(true);
  });

  it('refuse a transport direction or media source they do not know', () => {
    expect(requestSchemas['media:createTransport'].safeParse({ direction: 'both' }).success).toBe(
      false,
    );
    expect(
      requestSchemas['media:produce'].safeParse({
        transportId: 'transport-1',
        kind: 'audio',
        rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000 }] },
        source: 'speaker',
      }).success,
    ).toBe(false);
  });

  it('refuse a producer whose kind does not fit its source', () => {
    const produce = (kind: string, source: string) =>
      requestSchemas['media:produce'].safeParse({
        transportId: 'transport-1',
        kind,
        rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000 }] },
        source,
      }).success;

    expect(produce('audio', 'camera')).toBe(false);
    expect(produce('audio', 'screen')).toBe(false);
    expect(produce('video', 'microphone')).toBe(false);
    expect(produce('audio', 'microphone')).toBe(true);
    expect(produce('video', 'screen')).toBe(true);
  });
});

describe('dtlsParameters', () => {
  const schema = requestSchemas['media:connectTransport'];

  it('accept a role-less fingerprint list', () => {
    expect(schema.safeParse(connectTransport({ fingerprints: [FINGERPRINT] })).success).toBe(true);
  });

  it('are refused without fingerprints', () => {
    expect(schema.safeParse(connectTransport({ role: 'client' })).success).toBe(false);
    expect(schema.safeParse(connectTransport({ role: 'client', fingerprints: [] })).success).toBe(
      false,
    );
  });

  it('are refused with a role other than auto, client or server', () => {
    expect(
      schema.safeParse(connectTransport({ role: 'master', fingerprints: [FINGERPRINT] })).success,
    ).toBe(false);
  });

  it('are refused with an unknown fingerprint algorithm', () => {
    expect(
      schema.safeParse(
        connectTransport({ fingerprints: [{ algorithm: 'md5', value: FINGERPRINT.value }] }),
      ).success,
    ).toBe(false);
  });
});

describe('rtpCapabilities', () => {
  const schema = requestSchemas['media:setRtpCapabilities'];
  const codecs = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ ...OPUS_CAPABILITY, preferredPayloadType: i }));

  it('accept up to 64 codecs', () => {
    expect(schema.safeParse({ rtpCapabilities: { codecs: codecs(64) } }).success).toBe(true);
  });

  it('are refused with more than 64 codecs', () => {
    expect(schema.safeParse({ rtpCapabilities: { codecs: codecs(65) } }).success).toBe(false);
  });
});

describe('careplan:apply', () => {
  const schema = requestSchemas['careplan:apply'];

  it('is the care plan operation schema', () => {
    expect(schema).toBe(applyPlanOperationSchema);
  });

  it('accepts an action.add, trimming its description and defaulting goal and due date', () => {
    const parsed = schema.parse(addAction({ description: '  Ringe fastlegen  ' }));

    expect(parsed.operation).toEqual({
      type: 'action.add',
      actionId: expect.any(String),
      description: 'Ringe fastlegen',
      responsible: { kind: 'organisation', id: 'org-municipality' },
      goalId: null,
      dueDate: null,
    });
  });

  it('accepts an action.add with goal, due date and a 500-character description', () => {
    const result = schema.safeParse(
      addAction({ description: 'x'.repeat(500), goalId: 'goal-1', dueDate: '2027-01-31' }),
    );

    expect(result.success).toBe(true);
  });

  it('accepts an action.setStatus', () => {
    const result = schema.safeParse({
      planId: 'plan-1',
      baseVersion: 0,
      idempotencyKey: randomUUID(),
      operation: { type: 'action.setStatus', actionId: 'action-1', status: 'done' },
    });

    expect(result.success).toBe(true);
  });

  it('refuses an action.add with an empty or blank description', () => {
    expect(schema.safeParse(addAction({ description: '' })).success).toBe(false);
    expect(schema.safeParse(addAction({ description: ' \t\n ' })).success).toBe(false);
  });

  it('refuses an action.add whose description is only invisible characters', () => {
    expect(schema.safeParse(addAction({ description: '\u200b\u200b' })).success).toBe(false);
    expect(schema.safeParse(addAction({ description: '\ufeff \u00ad' })).success).toBe(false);
  });

  it('refuses a due date outside the years a plan can hold', () => {
    expect(schema.safeParse(addAction({ dueDate: '0000-01-01' })).success).toBe(false);
    expect(schema.safeParse(addAction({ dueDate: '2027-02-30' })).success).toBe(false);
    expect(schema.safeParse(addAction({ dueDate: '2199-12-31' })).success).toBe(true);
  });

  it('refuses an action.add with a description over 500 characters', () => {
    expect(schema.safeParse(addAction({ description: 'x'.repeat(501) })).success).toBe(false);
  });

  it('refuses an action.add whose description holds control characters', () => {
    for (const control of [
      '\u0000',
      '\u0007',
      '\u001b[31m',
      '\u000b',
      '\u007f',
      '\u0085',
      '\u202e',
    ]) {
      expect(
        schema.safeParse(addAction({ description: `Ringe ${control}fastlegen` })).success,
      ).toBe(false);
    }
  });

  it('refuses an action.add whose responsible is not a person or an organisation', () => {
    for (const responsible of [
      'municipality',
      { kind: 'police', id: 'x' },
      { kind: 'person' },
      { kind: 'person', id: '' },
      { kind: 'organisation', id: 'x'.repeat(65) },
    ]) {
      expect(
        schema.safeParse(addAction({ responsible })).success,
        JSON.stringify(responsible),
      ).toBe(false);
    }
  });

  it('refuses an action.add whose actionId is not a uuid', () => {
    expect(schema.safeParse(addAction({ actionId: 'action-1' })).success).toBe(false);
  });

  it('refuses an operation whose idempotencyKey is not a uuid', () => {
    expect(schema.safeParse({ ...addAction(), idempotencyKey: 'again-and-again' }).success).toBe(
      false,
    );
  });

  it('refuses a negative or fractional base version', () => {
    expect(schema.safeParse({ ...addAction(), baseVersion: -1 }).success).toBe(false);
    expect(schema.safeParse({ ...addAction(), baseVersion: 1.5 }).success).toBe(false);
  });

  it('refuses an operation type it does not know', () => {
    expect(schema.safeParse(addAction({ type: 'action.delete' })).success).toBe(false);
  });
});
