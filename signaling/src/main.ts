import { MediaConfigError } from '@teamrom/sfu-server';

import { ConfigError, loadConfig } from './config.ts';
import { logger } from './logger.ts';
import { startServer } from './server.ts';

let config;

try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`Teamrom cannot start: ${error.message}\n`);
  process.exit(2);
}

const server = await startServer(config).catch((error: unknown) => {
  // A setting that cannot work (an address this machine does not have) is the operator's to fix:
  // say which, without a stack trace.
  if (!(error instanceof MediaConfigError)) throw error;
  process.stderr.write(`Teamrom cannot start: ${error.message}\n`);
  process.exit(2);
});

if (!server.demoLinks) {
  process.stderr.write(`\nTeamrom is running at ${server.url}\n\n`);
} else {
  const links = server.demoLinks();
  const lines = links.map((link) => `  ${link.role.padEnd(12)} ${link.name}\n    ${link.url}`);
  const staffLines = links.flatMap((link) =>
    link.homeUrl ? [`  ${link.role.padEnd(12)} ${link.name}\n    ${link.homeUrl}`] : [],
  );

  process.stderr.write(
    `\nTeamrom is running at ${server.url}\n\n` +
      'Demo meeting: open these links in separate browser windows (each link is one person):\n\n' +
      `${lines.join('\n\n')}\n\n` +
      'Staff pages (patients, meetings, worklist), signed in as each team member:\n\n' +
      `${staffLines.join('\n\n')}\n\n` +
      // Run by a terminal; a cluster script or a service manager stops it by other means.
      (process.stdin.isTTY ? 'Press Ctrl+C to stop.\n\n' : ''),
  );
}

let stopping = false;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;

    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
