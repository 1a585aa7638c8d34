import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { crc32 } from 'node:zlib';

/*
 * Just enough of STUN (RFC 8489) and TURN (RFC 8656) over UDP to ask a TURN server for an
 * allocation with the long-term credential mechanism, as a browser does first. The tests use it to
 * check what coturn itself says of Teamrom's credentials, without a browser.
 */

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const ALLOCATE_REQUEST = 0x0003;
const REFRESH_REQUEST = 0x0004;
const CREATE_PERMISSION_REQUEST = 0x0008;
const SUCCESS_CLASS = 0x0100;
const ERROR_CLASS = 0x0110;

const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  requestedTransport: 0x0019,
  fingerprint: 0x8028,
} as const;

/** What a TURN server answered: success, or its error code (401 Unauthorized, ...). */
export type TurnAnswer = { ok: true } | { ok: false; code: number; reason: string };

interface Message {
  type: number;
  attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);

  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);

  return Buffer.concat([header, value, padding]);
}

function header(type: number, bodyLength: number, transactionId: Buffer): Buffer {
  const buffer = Buffer.alloc(20);

  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(bodyLength, 2);
  buffer.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(buffer, 8);

  return buffer;
}

/**
 * A request with the given attributes; with a key, MESSAGE-INTEGRITY over everything before it
 * (its length field already counting the integrity attribute), then a FINGERPRINT.
 */
function encode(type: number, attributes: Buffer[], key: Buffer | null): Buffer {
  const transactionId = randomBytes(12);
  let body = Buffer.concat(attributes);

  if (key) {
    const signed = Buffer.concat([header(type, body.length + 24, transactionId), body]);
    const integrity = createHmac('sha1', key).update(signed).digest();

    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, integrity)]);
  }

  const unsigned = Buffer.concat([header(type, body.length + 8, transactionId), body]);
  const fingerprint = Buffer.alloc(4);

  fingerprint.writeUInt32BE((crc32(unsigned) ^ 0x5354554e) >>> 0);

  return Buffer.concat([unsigned, attribute(ATTR.fingerprint, fingerprint)]);
}

function decode(buffer: Buffer): Message {
  const attributes = new Map<number, Buffer>();
  let offset = 20;

  while (offset + 4 <= buffer.length) {
    const type = buffer.readUInt16BE(offset);
    const length = buffer.readUInt16BE(offset + 2);

    attributes.set(type, buffer.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }

  return { type: buffer.readUInt16BE(0), attributes };
}

function answerOf(message: Message): TurnAnswer {
  if ((message.type & 0x0110) === SUCCESS_CLASS) return { ok: true };

  const error = message.attributes.get(ATTR.errorCode);

  if ((message.type & 0x0110) !== ERROR_CLASS || !error) {
    throw new Error(`unexpected STUN message type 0x${message.type.toString(16)}`);
  }

  return {
    ok: false,
    code: (error[2]! & 0x07) * 100 + error[3]!,
    reason: error.subarray(4).toString('utf8'),
  };
}

async function exchange(
  socket: dgram.Socket,
  port: number,
  request: Buffer,
  timeoutMs: number,
): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      reject(new Error(`no STUN answer from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: Buffer) => {
      // Only the answer to this request (same transaction id) counts.
      if (data.length < 20 || !data.subarray(8, 20).equals(request.subarray(8, 20))) return;

      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(decode(data));
    };

    socket.on('message', onMessage);
    socket.send(request, port, '127.0.0.1');
  });
}

async function withSocket<T>(run: (socket: dgram.Socket) => Promise<T>): Promise<T> {
  const socket = dgram.createSocket('udp4');

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));

  try {
    return await run(socket);
  } finally {
    socket.close();
  }
}

/** Resolves once a STUN binding request to 127.0.0.1:port is answered. */
export async function stunAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return withSocket(async (socket) => {
    try {
      await exchange(socket, port, encode(BINDING_REQUEST, [], null), timeoutMs);

      return true;
    } catch {
      return false;
    }
  });
}

/** An IPv4 address as XOR-PEER-ADDRESS carries it (RFC 8489, 14.2); the port does not matter. */
function xorPeerAddress(address: string): Buffer {
  const value = Buffer.alloc(8);
  const cookie = Buffer.alloc(4);

  cookie.writeUInt32BE(MAGIC_COOKIE);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(9 ^ (MAGIC_COOKIE >>> 16), 2);
  address.split('.').forEach((octet, i) => value.writeUInt8(Number(octet) ^ cookie[i]!, 4 + i));

  return value;
}

/**
 * Asks the TURN server on 127.0.0.1:port for a UDP relay allocation with these credentials: first
 * without them, to learn the realm and nonce, then signed, as RFC 8489's long-term credential
 * mechanism goes. The allocation is left to expire with the server.
 */
export async function allocate(
  port: number,
  credentials: { username: string; credential: string },
): Promise<TurnAnswer> {
  return withSocket(async (socket) => (await openAllocation(socket, port, credentials)).answer);
}

/**
 * Allocates, then asks for a permission to relay to each IPv4 address: what the server's peer
 * rules allow (`ok`) or forbid (403). A permission only opens the relay; nothing is sent to
 * the addresses.
 */
export async function permissions(
  port: number,
  credentials: { username: string; credential: string },
  peers: string[],
): Promise<Record<string, TurnAnswer>> {
  return withSocket(async (socket) => {
    const { answer, signedWith } = await openAllocation(socket, port, credentials);
    const answers: Record<string, TurnAnswer> = {};

    if (!answer.ok) throw new Error(`allocation refused: ${JSON.stringify(answer)}`);

    for (const peer of peers) {
      const request = encode(
        CREATE_PERMISSION_REQUEST,
        [attribute(ATTR.xorPeerAddress, xorPeerAddress(peer)), ...signedWith.attributes],
        signedWith.key,
      );

      answers[peer] = answerOf(await exchange(socket, port, request, 2000));
    }

    return answers;
  });
}

/** An allocation kept open on its own socket, to be refreshed later as a browser does. */
export interface OpenRelay {
  answer: TurnAnswer;
  /** Refreshes the allocation for 10 minutes, answering a stale-nonce (438) challenge once. */
  refresh(): Promise<TurnAnswer>;
  close(): void;
}

export async function openRelay(
  port: number,
  credentials: { username: string; credential: string },
): Promise<OpenRelay> {
  const socket = dgram.createSocket('udp4');

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));

  const { answer, signedWith } = await openAllocation(socket, port, credentials).catch((error) => {
    socket.close();
    throw error;
  });
  const lifetime = Buffer.alloc(4);

  lifetime.writeUInt32BE(600);

  const refresh = async (isRetry: boolean): Promise<TurnAnswer> => {
    const request = encode(
      REFRESH_REQUEST,
      [attribute(ATTR.lifetime, lifetime), ...signedWith.attributes],
      signedWith.key,
    );
    const reply = await exchange(socket, port, request, 2000);
    const result = answerOf(reply);
    const nonce = reply.attributes.get(ATTR.nonce);

    if (result.ok || result.code !== 438 || !nonce || isRetry) return result;

    signedWith.attributes[2] = attribute(ATTR.nonce, nonce);

    return refresh(true);
  };

  return { answer, refresh: () => refresh(false), close: () => socket.close() };
}

async function openAllocation(
  socket: dgram.Socket,
  port: number,
  credentials: { username: string; credential: string },
): Promise<{ answer: TurnAnswer; signedWith: { attributes: Buffer[]; key: Buffer } }> {
  const udp = Buffer.from([17, 0, 0, 0]);
  const challenge = await exchange(
    socket,
    port,
    encode(ALLOCATE_REQUEST, [attribute(ATTR.requestedTransport, udp)], null),
    2000,
  );
  const first = answerOf(challenge);
  const realm = challenge.attributes.get(ATTR.realm);
  const nonce = challenge.attributes.get(ATTR.nonce);

  if (first.ok || first.code !== 401 || !realm || !nonce) {
    throw new Error(`expected a 401 challenge, got ${JSON.stringify(first)}`);
  }

  const key = createHash('md5')
    .update(`${credentials.username}:${realm.toString('utf8')}:${credentials.credential}`)
    .digest();
  const attributes = [
    attribute(ATTR.username, Buffer.from(credentials.username, 'utf8')),
    attribute(ATTR.realm, realm),
    attribute(ATTR.nonce, nonce),
  ];
  const signed = encode(
    ALLOCATE_REQUEST,
    [attribute(ATTR.requestedTransport, udp), ...attributes],
    key,
  );

  return {
    answer: answerOf(await exchange(socket, port, signed, 2000)),
    signedWith: { attributes, key },
  };
}
