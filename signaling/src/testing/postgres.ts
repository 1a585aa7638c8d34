import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { freePort } from './ports.ts';

export interface TestPostgres {
  /** A database made for this test file, empty. */
  url: string;
  /** Makes another empty database on the same server, for a test that needs one of its own. */
  createDatabase(): Promise<string>;
  /** Drops what was made; a cluster started here is stopped and its directory removed. */
  stop(): Promise<void>;
}

const DEBIAN_POSTGRES = '/usr/lib/postgresql';

const START_ATTEMPTS = 3;

/**
 * A PostgreSQL server for integration tests. With `TEST_DATABASE_URL`, a uniquely named database
 * on that server; otherwise a throwaway cluster from Debian's `postgresql` package on a free port
 * of 127.0.0.1, with trust authentication, removed by `stop()`.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;

  return external ? useServer(external, null) : startCluster();
}

/** Creates databases through `adminUrl` and drops them again on stop. */
async function useServer(adminUrl: string, cluster: Cluster | null): Promise<TestPostgres> {
  const created: string[] = [];

  const createDatabase = async () => {
    const name = `teamrom_test_${process.pid}_${randomBytes(4).toString('hex')}`;

    await withClient(adminUrl, (client) => client.query(`create database "${name}"`));
    created.push(name);

    return withDatabase(adminUrl, name);
  };

  try {
    const url = await createDatabase();

    return {
      url,
      createDatabase,
      async stop() {
        try {
          // A cluster of our own goes away whole; on a shared server every database we made must.
          if (!cluster) {
            await withClient(adminUrl, async (client) => {
              for (const name of created.splice(0)) {
                await client.query(`drop database if exists "${name}" with (force)`);
              }
            });
          }
        } finally {
          await cluster?.remove();
        }
      },
    };
  } catch (error) {
    await cluster?.remove();
    throw error;
  }
}

interface Cluster {
  /** Stops the server at once and deletes its files; safe to call twice. */
  remove(): Promise<void>;
}

async function startCluster(): Promise<TestPostgres> {
  const bin = await findBinaries();
  const root = await mkdtemp(path.join(os.tmpdir(), 'teamrom-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'server.log');
  const asPostgres = await postgresUser();
  let removed = false;

  const run = (program: string, args: string[], timeoutMs: number) =>
    runCommand(path.join(bin, program), args, { cwd: root, timeoutMs, asPostgres });

  const remove = async () => {
    if (removed) return;
    removed = true;
    process.off('exit', removeOnExit);

    try {
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
        await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop'], 15_000);
      }
    } catch {
      killPostmaster(dataDir);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };

  // A test run that ends without calling stop() must not leave a server running behind it.
  const removeOnExit = () => {
    killPostmaster(dataDir);
    rmSync(root, { recursive: true, force: true });
  };

  process.on('exit', removeOnExit);

  try {
    await mkdir(socketDir);
    if (asPostgres) await chownTree(root, asPostgres);

    await run(
      'initdb',
      [
        '-D',
        dataDir,
        '--auth=trust',
        '--username=postgres',
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
        '--no-instructions',
      ],
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`initdb failed: ${messageOf(error)}`);
    });

    const port = await startServer(run, dataDir, socketDir, logFile);
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;

    return await useServer(adminUrl, { remove });
  } catch (error) {
    await remove();
    throw error;
  }
}

type Run = (program: string, args: string[], timeoutMs: number) => Promise<string>;

/** Starts the server on a free port; another process may take the port first, so it retries. */
async function startServer(
  run: Run,
  dataDir: string,
  socketDir: string,
  logFile: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      `-p ${port}`,
      `-k ${socketDir}`,
      '-c listen_addresses=127.0.0.1',
      // A throwaway cluster needs no durability; skipping it makes every commit cheap.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');

    try {
      await run(
        'pg_ctl',
        ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '30', 'start'],
        40_000,
      );

      return port;
    } catch (error) {
      const log = await tail(logFile);

      if (attempt < START_ATTEMPTS && /could not bind|address already in use/i.test(log)) continue;

      killPostmaster(dataDir);
      throw new Error(
        `PostgreSQL did not start: ${messageOf(error)}\n--- end of the server log ---\n${log}`,
      );
    }
  }
}

/** Debian installs each major version under /usr/lib/postgresql/<major>/bin; the newest wins. */
async function findBinaries(): Promise<string> {
  const versions = (await readdir(DEBIAN_POSTGRES).catch(() => []))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const bin = versions
    .map((version) => path.join(DEBIAN_POSTGRES, version, 'bin'))
    .find((dir) => existsSync(path.join(dir, 'initdb')));

  if (!bin) {
    throw new Error(
      `no PostgreSQL server binaries under ${DEBIAN_POSTGRES}: install Debian's postgresql ` +
        'package (`bash infra/setup.sh --test` does) or set TEST_DATABASE_URL',
    );
  }

  return bin;
}

interface SystemUser {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root, the cluster belongs to and runs as `postgres`. */
async function postgresUser(): Promise<SystemUser | null> {
  if (process.getuid?.() !== 0) return null;

  const line = (await readFile('/etc/passwd', 'utf8'))
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];

  if (uid === undefined || gid === undefined) {
    throw new Error('running as root, but there is no `postgres` user to run PostgreSQL as');
  }

  return { uid: Number(uid), gid: Number(gid) };
}

async function chownTree(dir: string, user: SystemUser): Promise<void> {
  await chown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);

    if (entry.isDirectory()) await chownTree(child, user);
    else await chown(child, user.uid, user.gid);
  }
}

function runCommand(
  program: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; asPostgres: SystemUser | null },
): Promise<string> {
  const [file, argv] = options.asPostgres
    ? ['runuser', ['-u', 'postgres', '--', program, ...args]]
    : [program, args];

  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { cwd: options.cwd, timeout: options.timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);

        const output = `${stdout}${stderr}`.trim();
        const reason = error.killed
          ? `timed out after ${options.timeoutMs} ms`
          : `exited with ${error.code ?? error.signal}`;

        reject(new Error(`${path.basename(program)} ${reason}${output ? `:\n${output}` : ''}`));
      },
    );
  });
}

/** The last resort when pg_ctl cannot stop the server: the postmaster's own pid, and SIGQUIT. */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

    // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its backends down with it.
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // No pid file, or the process is gone already: nothing is left to stop.
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no server log was written)');

  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });

  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);

  parsed.pathname = `/${name}`;

  return parsed.toString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
