/**
 * The JavaScript a patient downloads before the meeting page is usable: the entry chunk, the lazy
 * meeting chunk, and every chunk they import statically. Raw, gzip and brotli sizes, and which
 * chunks hold mediasoup-client (it belongs in the meeting chunks only, never in the entry). Reads
 * the production build in web-client/dist (its .vite/manifest.json and source maps); `npm run
 * bench` builds it first through infra/setup.sh.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import { REPO_ROOT } from '../lib/teamrom.ts';
import type { BenchOptions } from './lib/report.ts';
import { round, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { startBenchServer } from './server/process.ts';

const DIST = path.join(REPO_ROOT, 'web-client', 'dist');
/** The lazy route that holds the meeting page, as named in the manifest. */
const MEETING_MODULE = /MeetingRoute/;
const MEDIASOUP_CLIENT_SOURCE = /node_modules\/mediasoup-client\//;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface WebWeightResult extends ReturnType<typeof stamp> {
  benchmark: 'web-weight';
  summary: string;
  compression: { gzip: string; brotli: string };
  /** Every JavaScript file downloaded before the meeting page is usable, in load order. */
  chunks: (Sizes & { file: string; role: 'entry' | 'meeting'; hasMediasoupClient: boolean })[];
  /** Bytes before the home page runs: the entry and its static imports. */
  entry: Sizes;
  /** Bytes before the meeting page is usable: all of the chunks above. */
  meetingPage: Sizes;
  mediasoupClient: { inEntry: boolean; inMeetingChunks: boolean };
  /** What Teamrom's own server sends when a browser offers gzip and brotli. */
  servedContentEncoding: string;
}

export async function benchWebWeight(options: BenchOptions): Promise<WebWeightResult> {
  const manifestPath = path.join(DIST, '.vite', 'manifest.json');

  if (!existsSync(manifestPath)) {
    throw new Error(
      `${manifestPath} is missing: build the web client (npm run build -w web-client)`,
    );
  }

  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const entryKey = Object.keys(manifest).find((key) => manifest[key]!.isEntry);
  const meetingKey = manifest[entryKey ?? '']?.dynamicImports?.find((k) => MEETING_MODULE.test(k));

  if (!entryKey || !meetingKey)
    throw new Error('no entry or no lazy meeting chunk in the manifest');

  const entryKeys = withStaticImports(manifest, [entryKey]);
  const meetingKeys = withStaticImports(manifest, [meetingKey]).filter(
    (k) => !entryKeys.includes(k),
  );
  const planned: { key: string; role: 'entry' | 'meeting' }[] = [
    ...entryKeys.map((key) => ({ key, role: 'entry' as const })),
    ...meetingKeys.map((key) => ({ key, role: 'meeting' as const })),
  ];
  const chunks = await Promise.all(
    planned.map(async ({ key, role }) => {
      const file = manifest[key]!.file;
      const code = await readFile(path.join(DIST, file));

      return {
        file,
        role,
        ...compressed(code),
        hasMediasoupClient: await holdsMediasoupClient(file),
      };
    }),
  );
  const total = (role?: 'entry') => {
    const picked = chunks.filter((c) => role === undefined || c.role === role);

    return {
      raw: picked.reduce((n, c) => n + c.raw, 0),
      gzip: picked.reduce((n, c) => n + c.gzip, 0),
      brotli: picked.reduce((n, c) => n + c.brotli, 0),
    };
  };
  const meetingPage = total();
  const entry = total('entry');
  const mediasoupClient = {
    inEntry: chunks.some((c) => c.role === 'entry' && c.hasMediasoupClient),
    inMeetingChunks: chunks.some((c) => c.role === 'meeting' && c.hasMediasoupClient),
  };
  const servedContentEncoding = await servedEncoding(manifest[entryKey]!.file);
  const kb = (bytes: number) => `${round(bytes / 1024)} KiB`;
  const result: WebWeightResult = {
    benchmark: 'web-weight',
    summary:
      `JavaScript before the meeting page is usable: ${kb(meetingPage.raw)} raw, ` +
      `${kb(meetingPage.gzip)} gzip, ${kb(meetingPage.brotli)} brotli (entry alone ` +
      `${kb(entry.brotli)} brotli); mediasoup-client in entry: ${mediasoupClient.inEntry}, in ` +
      `meeting chunk: ${mediasoupClient.inMeetingChunks}; served with content-encoding ` +
      `'${servedContentEncoding}'`,
    ...stamp(options.smoke),
    compression: { gzip: 'zlib level 6 (the default)', brotli: 'quality 11 (the default)' },
    chunks,
    entry,
    meetingPage,
    mediasoupClient,
    servedContentEncoding,
  };

  await writeResult(options.outDir, 'web-weight', result, weightChart(result));

  return result;
}

/** The chunks and, depth first, every chunk they import statically; each once. */
function withStaticImports(manifest: Record<string, ManifestChunk>, keys: string[]): string[] {
  const seen: string[] = [];
  const visit = (key: string) => {
    if (seen.includes(key)) return;

    seen.push(key);
    for (const imported of manifest[key]?.imports ?? []) visit(imported);
  };

  keys.forEach(visit);

  return seen;
}

function compressed(code: Buffer): Sizes {
  return {
    raw: code.length,
    gzip: gzipSync(code).length,
    brotli: brotliCompressSync(code).length,
  };
}

/** Whether the chunk's source map names any file of mediasoup-client among its sources. */
async function holdsMediasoupClient(file: string): Promise<boolean> {
  const mapPath = path.join(DIST, `${file}.map`);

  if (!existsSync(mapPath)) {
    // Without a source map, the package's name in its own log namespaces is the next best sign.
    return (await readFile(path.join(DIST, file), 'utf8')).includes('mediasoup-client');
  }

  const map = JSON.parse(await readFile(mapPath, 'utf8')) as { sources: string[] };

  return map.sources.some((source) => MEDIASOUP_CLIENT_SOURCE.test(source));
}

/** Asks a running Teamrom for the entry chunk as a browser would, and reads the encoding it used. */
async function servedEncoding(file: string): Promise<string> {
  const server = await startBenchServer(0);

  try {
    const res = await fetch(`${server.url}/${file}`, {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });

    await res.arrayBuffer();
    if (!res.ok) return `HTTP ${res.status}`;

    return res.headers.get('content-encoding') ?? 'identity';
  } finally {
    await server.stop();
  }
}

function weightChart(result: WebWeightResult): string {
  const { meetingPage: m, entry: e } = result;
  const kib = (bytes: number) => round(bytes / 1024);

  return chart({
    title: 'JavaScript a patient downloads before the meeting page is usable',
    subtitle:
      `Entry + lazy meeting chunk and their static imports (${result.chunks.length} files). ` +
      `mediasoup-client only in the meeting chunk: ` +
      `${result.mediasoupClient.inMeetingChunks && !result.mediasoupClient.inEntry ? 'yes' : 'NO'}. ` +
      (result.servedContentEncoding === 'identity'
        ? "Teamrom's server sends it uncompressed."
        : `Teamrom's server sends it as ${result.servedContentEncoding}.`),
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'Meeting page (entry + meeting chunks)',
        unit: 'KiB',
        bars: [
          { label: 'uncompressed', value: kib(m.raw), color: COLORS.bare },
          { label: 'gzip', value: kib(m.gzip) },
          { label: 'brotli', value: kib(m.brotli) },
        ],
      },
      {
        kind: 'bar',
        title: 'Entry chunk alone (the home page; no mediasoup-client)',
        unit: 'KiB',
        bars: [
          { label: 'uncompressed', value: kib(e.raw), color: COLORS.bare },
          { label: 'gzip', value: kib(e.gzip), color: COLORS.neutral },
          { label: 'brotli', value: kib(e.brotli), color: COLORS.neutral },
        ],
      },
    ],
  });
}
