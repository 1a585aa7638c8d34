import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { benchCarePlanFanout } from './careplan-fanout.ts';
import { benchCarePlanLoad } from './careplan-load.ts';
import { benchForwarding } from './forwarding.ts';
import { benchJoinStorm } from './join-storm.ts';
import { benchJoinStormCluster } from './join-storm-cluster.ts';
import { benchJoinTime } from './join-time.ts';
import { benchPipeOverhead } from './pipe-overhead.ts';
import { benchWebWeight } from './web-weight.ts';

/*
 * Every benchmark of `npm run bench` at a tiny size, so that none can rot. A smoke run's figures
 * mean nothing: these tests check that each benchmark ran, and wrote well-formed results and a
 * chart with sane figures. Speed is never asserted here; `npm run bench` measures it.
 */

let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-bench-smoke-'));
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

/** The JSON on disk is the result, stamped with machine and commit; the SVG is a chart. */
async function expectWritten(name: string, result: object): Promise<void> {
  const json = JSON.parse(await readFile(path.join(outDir, `${name}.json`), 'utf8')) as unknown;
  const svg = await readFile(path.join(outDir, `${name}.svg`), 'utf8');

  expect(json).toEqual(JSON.parse(JSON.stringify(result)));
  expect(json).toMatchObject({
    machine: { cores: expect.any(Number), memoryGiB: expect.any(Number) },
    commit: expect.stringMatching(/^[0-9a-f]{7,}$/),
    at: expect.any(String),
    smoke: true,
  });
  expect((json as { machine: { cores: number } }).machine.cores).toBeGreaterThan(0);
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
  expect(svg).toContain('<text');
  expect(svg).toContain('SMOKE RUN');
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  expect(unbalancedTags(svg)).toEqual([]);
}

/** Tags opened and never closed, or closed without being opened. */
function unbalancedTags(svg: string): string[] {
  const open: string[] = [];
  const wrong: string[] = [];

  for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (!closing) open.push(name!);
    else if (open.pop() !== name) wrong.push(`</${name}>`);
  }

  return [...wrong, ...open];
}

describe('the benchmarks at smoke size', () => {
  it('forwarding delivers video and audio through Teamrom and bare mediasoup, and compares them', async () => {
    const result = await benchForwarding({ outDir, smoke: true });

    for (const name of ['teamrom', 'bare'] as const) {
      const { steps, keyFramesSent } = result.paths[name];

      expect(steps.length).toBeGreaterThan(0);
      expect(keyFramesSent).toBeGreaterThan(0);
      for (const step of steps) {
        expect(step.consumers).toBe(step.receivers * 2);
        expect(step.packetsExpected).toBeGreaterThan(0);
        expect(step.receivedByKind.video).toBeGreaterThan(0);
        expect(step.receivedByKind.audio).toBeGreaterThan(0);
        expect(step.packetsReceived).toBeLessThanOrEqual(step.packetsExpected);
        expect(step.workerCpuPercent).toBeGreaterThan(0);
        expect(step.cpuPerConsumerPercent).toBeGreaterThan(0);
      }
    }
    expect(result.headline.efficiencyRatio?.value).toBeGreaterThan(0);
    expect(result.headline.consumersPerWorkerCore.teamrom).toBeGreaterThan(0);
    await expectWritten('forwarding', result);
  });

  it('pipe overhead forwards to near and piped receivers and compares with one worker', async () => {
    const result = await benchPipeOverhead({ outDir, smoke: true });
    const piped = result.rounds.filter((r) => r.lane === 'piped');
    const local = result.rounds.filter((r) => r.lane === 'local');

    expect(piped.length).toBeGreaterThan(0);
    expect(local.length).toBe(piped.length);
    for (const round of piped) {
      expect(round.cpuByWorkerPercent).toHaveLength(2);
      expect(round.near.receivers).toBe(result.load.receivers / 2);
      expect(round.far?.receivers).toBe(result.load.receivers / 2);
      expect(round.far?.latencyMs.p50).toBeGreaterThan(0);
      expect(round.lossPercent).toBeLessThan(100);
    }
    for (const round of local) {
      expect(round.cpuByWorkerPercent).toHaveLength(1);
      expect(round.far).toBeNull();
    }
    expect(result.headline.cpuRatio).toBeGreaterThan(0);
    expect(result.headline.latencyRatioP50).toBeGreaterThan(0);
    await expectWritten('pipe-overhead', result);
  });

  it('join time measures each join to a decoded remote frame in Chromium', async () => {
    const result = await benchJoinTime({ outDir, smoke: true });

    expect(result.timesMs).toHaveLength(result.joins);
    expect(Math.min(...result.timesMs)).toBeGreaterThan(0);
    expect(result.p95Ms).toBeGreaterThanOrEqual(result.p50Ms);
    await expectWritten('join-time', result);
  });

  it('the join storm has every synthetic person join the meeting', async () => {
    const result = await benchJoinStorm({ outDir, smoke: true });

    expect(result.failures).toBe(0);
    expect(result.joinAckMs.p50).toBeGreaterThan(0);
    expect(result.joinAckMs.p95).toBeGreaterThanOrEqual(result.joinAckMs.p50);
    await expectWritten('join-storm', result);
  });

  it('the join storm over a cluster spreads its clients over both signalling nodes', async () => {
    const result = await benchJoinStormCluster({ outDir, smoke: true });

    expect(result.failures).toBe(0);
    expect(result.perNode.a.clients + result.perNode.b.clients).toBe(result.clients);
    // Each client's WebSocket went to the node its cookie named, through nginx.
    expect(result.connectionsAtEnd).toEqual(
      Object.fromEntries(Object.entries(result.perNode).map(([node, n]) => [node, n.clients])),
    );
    expect(result.joinAckMs.p95).toBeGreaterThanOrEqual(result.joinAckMs.p50);
    await expectWritten('join-storm-cluster', result);
  });

  it('care-plan edits reach all six viewers, and each viewer ends with the server plan', async () => {
    const result = await benchCarePlanFanout({ outDir, smoke: true });

    expect(result).toMatchObject({
      viewers: 6,
      failures: 0,
      failedEdits: 0,
      viewersDiffering: 0,
      viewersMatching: 6,
    });
    expect(result.slowestViewerMsPerEdit).toHaveLength(result.edits);
    expect(result.deliveryMs.p50).toBeGreaterThan(0);
    expect(result.deliveryMs.p95).toBeGreaterThanOrEqual(result.deliveryMs.p50);
    // Every kind of edit was made, and the demo plan's four actions grew by each action.add.
    for (const type of [
      'action.add',
      'action.setStatus',
      'section.set',
      'goal.evaluate',
    ] as const) {
      expect(result.operations[type]).toBeGreaterThan(0);
      expect(result.changeBytesByType[type]).toBeGreaterThan(0);
    }
    expect(result.actionsAtEnd).toBe(4 + result.operations['action.add']);
    // A change carries one operation, never the whole plan.
    expect(result.changeBytesMax).toBeLessThan(result.planBytesAtEnd);
    await expectWritten('careplan-fanout', result);
  });

  it('loading a large care plan is timed beside the demo plan, over the socket and in-process', async () => {
    const result = await benchCarePlanLoad({ outDir, smoke: true });
    const { size } = result;

    expect(result.failures).toBe(0);
    expect(result.largePlan).toMatchObject({
      version: size.history,
      goals: size.goals,
      actions: size.actions,
      historyEntries: size.history,
    });
    expect(result.built).toMatchObject({ version: size.history, snapshots: 2 });
    // One audit event per applied operation, and one for creating the plan.
    expect(result.built.auditEvents).toBe(size.history + 1);
    expect(result.largePlan.openBytes).toBeGreaterThan(result.baselinePlan.openBytes);
    expect(result.versions.late).toBeGreaterThan(result.versions.early);
    for (const comparison of Object.values(result.timingsMs)) {
      for (const spread of [comparison.large, comparison.baseline]) {
        expect(spread.count).toBe(result.repetitions);
        expect(spread.p50).toBeGreaterThan(0);
        expect(spread.p95).toBeGreaterThanOrEqual(spread.p50);
        expect(spread.max).toBeGreaterThanOrEqual(spread.p95);
      }
      expect(comparison.ratio.p50).toBeGreaterThan(0);
      expect(comparison.ratio.p95).toBeGreaterThan(0);
    }
    expect(result.largeOpenMsInOrder).toHaveLength(result.repetitions);
    await expectWritten('careplan-load', result);
  });

  it('web weight finds mediasoup-client in the meeting chunk only', async () => {
    const result = await benchWebWeight({ outDir, smoke: true });

    expect(result.mediasoupClient).toEqual({ inEntry: false, inMeetingChunks: true });
    expect(result.chunks.map((c) => c.role)).toContain('meeting');
    expect(result.meetingPage.brotli).toBeGreaterThan(0);
    expect(result.meetingPage.gzip).toBeLessThan(result.meetingPage.raw);
    expect(result.meetingPage.raw).toBeGreaterThan(result.entry.raw);
    await expectWritten('web-weight', result);
  });
});
