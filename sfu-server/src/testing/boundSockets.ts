import { readdir, readFile, readlink } from 'node:fs/promises';

export interface BoundSocket {
  protocol: 'udp' | 'tcp';
  port: number;
  /** A TCP socket waiting for connections; UDP sockets are never listening. */
  isListening: boolean;
}

const TCP_LISTEN = '0A';

/**
 * The UDP and TCP sockets a process holds, read from Linux's /proc: its file descriptors name
 * socket inodes, and /proc/net lists each inode's local port. Tests count a worker's ports so.
 */
export async function boundSockets(pid: number): Promise<BoundSocket[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const links = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
  );
  const inodes = new Set(links.flatMap((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1] ?? []));
  const tables = await Promise.all(
    (['udp', 'udp6', 'tcp', 'tcp6'] as const).map(async (table) => ({
      protocol: table.startsWith('udp') ? ('udp' as const) : ('tcp' as const),
      rows: (await readFile(`/proc/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1),
    })),
  );

  return tables.flatMap(({ protocol, rows }) =>
    rows.flatMap((row) => {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = row.trim().split(/\s+/);
      const [, local, , state] = fields;

      if (!local || !inodes.has(fields[9] ?? '')) return [];

      return [
        {
          protocol,
          port: parseInt(local.split(':')[1] ?? '0', 16),
          isListening: protocol === 'tcp' && state === TCP_LISTEN,
        },
      ];
    }),
  );
}
