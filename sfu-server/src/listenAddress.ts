import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';

import { MediaConfigError } from './errors.ts';

/*
 * The addresses media listens on and announces are checked once, when the node starts. A wrong one
 * is otherwise found only by the first person whose call connects its signalling but never its
 * media, and then reported as a network problem on their side.
 */

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Throws MediaConfigError naming the setting when media could not listen or be reached so. */
export async function checkListenAddresses(settings: {
  listenIp: string;
  announcedIp: string | undefined;
}): Promise<void> {
  const { listenIp, announcedIp } = settings;

  if (net.isIP(listenIp) === 0) {
    throw new MediaConfigError(
      'MEDIASOUP_LISTEN_IP',
      `"${listenIp}" is not an IP address; give one of this machine's (${localAddresses()})`,
    );
  }

  if (WILDCARDS.has(listenIp) && announcedIp === undefined) {
    throw new MediaConfigError(
      'MEDIASOUP_ANNOUNCED_IP',
      `must be set when media listens on every interface (${listenIp}): browsers cannot send ` +
        'media to a wildcard address',
    );
  }

  if (!WILDCARDS.has(listenIp)) await checkBindable(listenIp);
  if (announcedIp !== undefined) checkAnnounced(announcedIp);
}

/** Binding a UDP socket to port 0 is what the kernel refuses for an address it does not hold. */
async function checkBindable(ip: string): Promise<void> {
  const socket = dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, ip, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';

    throw new MediaConfigError(
      'MEDIASOUP_LISTEN_IP',
      `${ip} is not an address of this machine (${code}); its addresses are ${localAddresses()}`,
    );
  } finally {
    socket.close();
  }
}

function checkAnnounced(announced: string): void {
  const version = net.isIP(announced);

  if (version === 0 && !isHostname(announced)) {
    throw new MediaConfigError(
      'MEDIASOUP_ANNOUNCED_IP',
      `"${announced}" is neither an IP address nor a host name`,
    );
  }

  if (WILDCARDS.has(announced) || isBroadcastOrMulticast(announced, version)) {
    throw new MediaConfigError(
      'MEDIASOUP_ANNOUNCED_IP',
      `${announced} is not an address a browser can send media to; give the address people reach ` +
        'this server at',
    );
  }
}

/*
 * The host name is deliberately not looked up here: the browser resolves it, and the server's own
 * resolver may know the name by another address or not at all (split DNS).
 *
 * LIMITATION: Firefox ignores ICE candidates that carry a host name; with a host name announced,
 * people on Firefox connect their signalling but get no media. Announce an IP address for them.
 */
function isHostname(name: string): boolean {
  const labels = name.replace(/\.$/, '').split('.');

  return (
    name.length <= 253 &&
    labels.every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(label)) &&
    // A name ending in a number is a mistyped IPv4 address (10.0.0.300), not a host name.
    !/^[0-9]+$/.test(labels.at(-1) ?? '')
  );
}

function isBroadcastOrMulticast(ip: string, version: number): boolean {
  if (version === 4) {
    const first = Number(ip.split('.')[0]);

    return ip === '255.255.255.255' || (first >= 224 && first <= 239);
  }

  return version === 6 && /^ff/i.test(ip);
}

function localAddresses(): string {
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => entry.address);

  return addresses.join(', ') || 'none found';
}
