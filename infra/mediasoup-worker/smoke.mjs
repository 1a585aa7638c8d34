// Smoke test for the worker binary that build.sh links into node_modules:
// starts a worker, a router and a WebRtcTransport on loopback, then shuts
// everything down. Exit 0 on success, 1 on any failure.
//
// Usage: node infra/mediasoup-worker/smoke.mjs
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Resolve mediasoup from the repo root, not from this file's directory, so the
// test exercises exactly the package the app uses.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const mediasoup = require('mediasoup');

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

// A hung worker would otherwise keep the process alive forever.
const timeout = setTimeout(() => {
  console.error('smoke: timed out after 15 s');
  process.exit(1);
}, 15_000);

let worker;
try {
  worker = await mediasoup.createWorker({ logLevel: 'warn' });
  worker.on('died', (error) => {
    console.error('smoke: worker died:', error);
    process.exit(1);
  });
  console.log(`mediasoup ${mediasoup.version}, worker pid ${worker.pid}`);

  const router = await worker.createRouter({ mediaCodecs });
  const transport = await router.createWebRtcTransport({
    listenIps: [{ ip: '127.0.0.1' }],
    enableUdp: true,
    enableTcp: true,
    // Also exercises usrsctp (data channels), one of the swapped-in libraries.
    enableSctp: true,
  });
  const candidates = transport.iceCandidates
    .map((c) => `${c.protocol}:${c.ip}:${c.port}`)
    .join(' ');
  console.log(`router codecs: ${router.rtpCapabilities.codecs.map((c) => c.mimeType).join(', ')}`);
  console.log(`transport ${transport.id} candidates: ${candidates}`);

  transport.close();
  router.close();
  worker.close();
  clearTimeout(timeout);
  console.log('ok');
} catch (error) {
  console.error('smoke: failed:', error);
  worker?.close();
  process.exit(1);
}
