import { createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { crc32 } from 'node:zlib';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;

/**
 * Asks a WebRTC transport's ICE server over UDP whether it knows the given ICE credentials, as a
 * browser's first connectivity check does (RFC 8445, RFC 5389). Resolves with the STUN response
 * type, or null when nothing answers: mediasoup drops checks for a username it does not know.
 */
export async function iceCheck(
  target: { ip: string; port: number },
  ice: { usernameFragment: string; password: string },
  timeoutMs = 500,
): Promise<'success' | 'error' | null> {
  const socket = dgram.createSocket('udp4');
  const transactionId = randomBytes(12);
  const request = bindingRequest(ice, transactionId);

  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);

      socket.on('error', reject);
      socket.on('message', (packet) => {
        if (packet.length < 20 || !packet.subarray(8, 20).equals(transactionId)) return;

        clearTimeout(timer);
        resolve(packet.readUInt16BE(0) === BINDING_SUCCESS ? 'success' : 'error');
      });
      socket.send(request, target.port, target.ip);
    });
  } finally {
    socket.close();
  }
}

/**
 * The same check over TCP, as a browser makes it when UDP is blocked: STUN messages framed with a
 * two-byte length (RFC 4571), on the transport's TCP candidate.
 */
export async function iceCheckTcp(
  target: { ip: string; port: number },
  ice: { usernameFragment: string; password: string },
  timeoutMs = 500,
): Promise<'success' | 'error' | null> {
  const transactionId = randomBytes(12);
  const request = bindingRequest(ice, transactionId);
  const framed = Buffer.concat([Buffer.alloc(2), request]);
  const socket = net.connect(target.port, target.ip);

  framed.writeUInt16BE(request.length, 0);

  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      let received = Buffer.alloc(0);

      socket.on('error', reject);
      socket.on('connect', () => socket.write(framed));
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;

        const packet = received.subarray(2, 2 + received.readUInt16BE(0));

        if (packet.length < 20 || !packet.subarray(8, 20).equals(transactionId)) return;

        clearTimeout(timer);
        resolve(packet.readUInt16BE(0) === BINDING_SUCCESS ? 'success' : 'error');
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  } finally {
    socket.destroy();
  }
}

function bindingRequest(
  ice: { usernameFragment: string; password: string },
  transactionId: Buffer,
): Buffer {
  const priority = Buffer.alloc(4);
  const tieBreaker = randomBytes(8);

  priority.writeUInt32BE(0x6e7f1eff);

  let attributes = Buffer.concat([
    attribute(0x0006, Buffer.from(`${ice.usernameFragment}:teamromtest`)),
    attribute(0x0024, priority),
    attribute(0x802a, tieBreaker),
  ]);

  // MESSAGE-INTEGRITY covers the message with a length that already counts itself (24 bytes).
  const integrity = createHmac('sha1', ice.password)
    .update(Buffer.concat([header(transactionId, attributes.length + 24), attributes]))
    .digest();

  attributes = Buffer.concat([attributes, attribute(0x0008, integrity)]);

  // FINGERPRINT likewise, over everything before it.
  const fingerprint = Buffer.alloc(4);

  fingerprint.writeUInt32BE(
    (crc32(Buffer.concat([header(transactionId, attributes.length + 8), attributes])) ^
      0x5354554e) >>>
      0,
  );
  attributes = Buffer.concat([attributes, attribute(0x8028, fingerprint)]);

  return Buffer.concat([header(transactionId, attributes.length), attributes]);
}

function header(transactionId: Buffer, length: number): Buffer {
  const buffer = Buffer.alloc(20);

  buffer.writeUInt16BE(BINDING_REQUEST, 0);
  buffer.writeUInt16BE(length, 2);
  buffer.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(buffer, 8);

  return buffer;
}

function attribute(type: number, value: Buffer): Buffer {
  const buffer = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);

  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(value.length, 2);
  value.copy(buffer, 4);

  return buffer;
}
