import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { round } from './report.ts';

/** The unit of /proc/stat; 100 on every Linux architecture Teamrom runs on. */
const USER_HZ = 100;

/*
 * What the kernel knows about the benchmark's processes, sockets and machine (Linux only): CPU
 * time, and where datagrams were dropped.
 */

/**
 * CPU seconds a process has used, user and system, summed over its threads. The scheduler counts
 * this in nanoseconds; /proc/<pid>/stat counts 10 ms ticks, too coarse for short windows.
 */
export function cpuSeconds(pid: number): number {
  let nanoseconds = 0;

  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(
        readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0],
      );
    } catch {
      // The thread ended between listing and reading.
    }
  }

  return nanoseconds / 1e9;
}

/** Datagrams the kernel dropped at UDP sockets bound to the given local ports, since they opened. */
export function udpDrops(ports: ReadonlySet<number>): number {
  const lines = readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1);
  let drops = 0;

  for (const line of lines) {
    const columns = line.trim().split(/\s+/);
    const port = parseInt(columns[1]!.split(':')[1]!, 16);

    if (ports.has(port)) drops += Number(columns.at(-1));
  }

  return drops;
}

/**
 * Packets the kernel dropped because a CPU's input backlog (net.core.netdev_max_backlog) was
 * full. Loopback traffic passes through it, so a burst larger than the backlog loses packets here.
 */
export function backlogDrops(): number {
  return readFileSync('/proc/net/softnet_stat', 'utf8')
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + parseInt(line.trim().split(/\s+/)[1]!, 16), 0);
}

/**
 * CPU seconds the whole machine spent busy, over all cores, from /proc/stat; and of those, the
 * seconds in software interrupts, where the kernel moves loopback packets between sockets.
 */
export function machineBusySeconds(): { busy: number; softirq: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);

  return {
    busy: (user! + nice! + system! + irq! + softirq! + steal!) / USER_HZ,
    softirq: softirq! / USER_HZ,
  };
}

/**
 * Starts watching CPU; the returned function tells how much the given processes used since, and
 * how much every other process on the machine used, both in percent of one core. The kernel's
 * packet handling (software interrupts) counts as neither, since the processes watched cause it.
 */
export function watchCpu(pids: number[]): () => { ownPercent: number; othersPercent: number } {
  const started = performance.now();
  const own = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const ownBefore = own();
  const machineBefore = machineBusySeconds();

  return () => {
    const seconds = (performance.now() - started) / 1000;
    const ownSeconds = own() - ownBefore;
    const machine = machineBusySeconds();
    const othersSeconds =
      machine.busy - machineBefore.busy - (machine.softirq - machineBefore.softirq) - ownSeconds;

    return {
      ownPercent: round((ownSeconds / seconds) * 100),
      // /proc/stat counts in 10 ms ticks, so a small negative remainder is rounding.
      othersPercent: round(Math.max(0, (othersSeconds / seconds) * 100)),
    };
  };
}
