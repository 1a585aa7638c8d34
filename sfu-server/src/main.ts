/*
 * A media node on its own, for a cluster: `REDIS_URL=redis://… node --import tsx sfu-server/src/main.ts`.
 * It registers in Redis and serves the signalling nodes there; see infra/cluster/README.md.
 */
import { StandaloneMediaNode } from './cluster/StandaloneMediaNode.ts';
import { MediaConfigError, MediaError } from './errors.ts';
import { logger } from './logger.ts';
import { loadNodeConfig, NodeConfigError } from './nodeConfig.ts';

function refuse(error: unknown): never {
  const isRedisAway = error instanceof MediaError && error.code === 'unavailable';

  if (!(error instanceof NodeConfigError) && !(error instanceof MediaConfigError) && !isRedisAway) {
    throw error;
  }

  process.stderr.write(`Teamrom media node cannot start: ${error.message}\n`);
  process.exit(2);
}

let config;

try {
  config = loadNodeConfig();
} catch (error) {
  refuse(error);
}

const log = logger.child({ nodeId: config.nodeId });
const node = await StandaloneMediaNode.start({ ...config, log }).catch(refuse);
let stopping = false;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;

    stopping = true;
    log.info({ signal }, 'deregistering and shutting down');
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
