import { execFileSync } from 'node:child_process';
import os from 'node:os';

/*
 * Network conditions for the browser tests, made with iptables on loopback: this kernel has no tc
 * netem. Every rule names loopback and the media port of a server the test started, and the test
 * removes it again in its clean-up, whether it passed or not. Needs root and iptables, which
 * `infra/setup.sh --test` installs.
 */

/** Whether iptables can be used here; the tests throw rather than skip when it cannot. */
export function iptablesUsable(): boolean {
  try {
    execFileSync('iptables', ['-S', 'INPUT'], { stdio: 'ignore' });

    return true;
  } catch {
    return false;
  }
}

/**
 * Drops the media server's packets on loopback, for its one media port only (each test server
 * gets a free one), as a network that lost its media path does.
 */
export class MediaOutage {
  readonly #rules: string[][] = [];
  readonly #port: number;

  constructor(port: number) {
    this.#port = port;
  }

  block(protocol: 'udp' | 'tcp'): void {
    for (const side of ['--dport', '--sport']) {
      const rule = ['INPUT', '-i', 'lo', '-p', protocol, side, String(this.#port), '-j', 'DROP'];

      execFileSync('iptables', ['-I', ...rule]);
      this.#rules.push(rule);
    }
  }

  /** Lifts every block, or only those of one protocol. */
  lift(protocol?: 'udp' | 'tcp'): void {
    for (const rule of [...this.#rules]) {
      if (protocol && rule[4] !== protocol) continue;

      execFileSync('iptables', ['-D', ...rule]);
      this.#rules.splice(this.#rules.indexOf(rule), 1);
    }
  }
}

/**
 * One UDP flow on loopback: from the media server (listening on 127.0.0.1) to one browser
 * connection. The browser may take any address of this machine as its candidate, e.g. that of its
 * network interface rather than 127.0.0.1; packets to it still go over loopback.
 */
export interface LoopbackFlow {
  serverPort: number;
  clientAddress: string;
  clientPort: number;
}

/** Whether `address` is one of this machine's own IPv4 addresses. */
function isOwnIpv4(address: string): boolean {
  return Object.values(os.networkInterfaces())
    .flat()
    .some((info) => info?.family === 'IPv4' && info.address === address);
}

/** What went through a policed flow and what the policer dropped, as iptables counted it. */
export interface PolicedCounts {
  packets: number;
  bytes: number;
  droppedPackets: number;
  droppedBytes: number;
}

/**
 * Polices one media flow from the server to a browser to a byte rate, as a slow access link does:
 * what exceeds the rate (after a burst of one second's worth, the least iptables allows) is
 * dropped. The hashlimit match counts whole IP packets, headers included. A second rule, without
 * a target, counts every packet of the flow, so that the share dropped can be told.
 */
export class DownlinkLimit {
  readonly #flow: LoopbackFlow;
  readonly #bitsPerSecond: number;
  /** The rules in place, to be deleted as they were inserted. */
  readonly #rules: string[][] = [];

  constructor(flow: LoopbackFlow, bitsPerSecond: number) {
    this.#flow = flow;
    this.#bitsPerSecond = bitsPerSecond;
  }

  apply(): void {
    if (this.#rules.length > 0) return;

    const { serverPort, clientAddress, clientPort } = this.#flow;

    // Never a rule for traffic that could leave this machine.
    if (!isOwnIpv4(clientAddress)) {
      throw new Error(`${clientAddress} is not an IPv4 address of this machine`);
    }

    const bytesPerSecond = `${Math.round(this.#bitsPerSecond / 8)}b`;
    const flow = ['OUTPUT', '-o', 'lo', '-p', 'udp', '-s', '127.0.0.1', '-d', clientAddress];
    const ports = ['--sport', String(serverPort), '--dport', String(clientPort)];
    const policing = [
      ...flow,
      ...ports,
      '-m',
      'hashlimit',
      '--hashlimit-above',
      `${bytesPerSecond}/s`,
      '--hashlimit-burst',
      bytesPerSecond,
      '--hashlimit-mode',
      'srcport,dstport',
      // At most 15 characters; one name per flow, so that no two flows share a bucket.
      '--hashlimit-name',
      `teamrom-${clientPort}`,
      '-j',
      'DROP',
    ];

    // Inserted in this order, the counting rule comes first and sees every packet.
    for (const rule of [policing, [...flow, ...ports]]) {
      execFileSync('iptables', ['-I', ...rule]);
      this.#rules.push(rule);
    }
  }

  /** The counters since `apply`; they go with the rules. */
  counts(): PolicedCounts {
    const { serverPort, clientPort } = this.#flow;
    const lines = execFileSync('iptables', ['-v', '-S', 'OUTPUT'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`--sport ${serverPort} `) && l.includes(`--dport ${clientPort} `));
    const countersOf = (isPolicing: boolean) => {
      const line = lines.find((l) => l.includes('hashlimit') === isPolicing);
      const counters = line?.match(/ -c (\d+) (\d+)/);

      if (!counters) throw new Error('the rules of the downlink limit are not in place');

      return { packets: Number(counters[1]), bytes: Number(counters[2]) };
    };
    const all = countersOf(false);
    const dropped = countersOf(true);

    return {
      packets: all.packets,
      bytes: all.bytes,
      droppedPackets: dropped.packets,
      droppedBytes: dropped.bytes,
    };
  }

  /** Removes the rules; nothing to do when they are not in place. */
  lift(): void {
    while (this.#rules.length > 0) {
      execFileSync('iptables', ['-D', ...this.#rules.at(-1)!]);
      this.#rules.pop();
    }
  }
}
