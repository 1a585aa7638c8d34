import { MEDIA_ERROR_CODES, MediaError } from '../errors.ts';
import type { MediaErrorCode } from '../errors.ts';
import type { MediaNode, MediaNodeEvents } from '../MediaNode.ts';

/*
 * The wire format of the MediaNode interface over Redis. Every method of MediaNode but `close`
 * (which belongs to whoever runs the node, never to a caller) and `releaseRoom` (which concerns
 * only the caller) is a request; every event is a
 * message on the node's event channel. Everything is JSON, as the interface already is.
 */

/** The methods a caller may ask a media node to run. */
export type MediaNodeMethod = Exclude<keyof MediaNode, 'events' | 'close' | 'releaseRoom'>;

/** What a method takes: a room id, a request naming room and peer, or nothing. */
type ArgumentShape = 'roomId' | 'peerRef' | 'none';

/** Every callable method and its argument: a Record, so a method added to MediaNode must be listed. */
const METHOD_ARGUMENTS: Record<MediaNodeMethod, ArgumentShape> = {
  openRoom: 'roomId',
  closeRoom: 'roomId',
  roomLinkStats: 'roomId',
  createWebRtcTransport: 'peerRef',
  connectTransport: 'peerRef',
  restartIce: 'peerRef',
  createPlainTransport: 'peerRef',
  connectPlainTransport: 'peerRef',
  produce: 'peerRef',
  closeProducer: 'peerRef',
  pauseProducer: 'peerRef',
  resumeProducer: 'peerRef',
  consume: 'peerRef',
  resumeConsumer: 'peerRef',
  pauseConsumer: 'peerRef',
  closeTransport: 'peerRef',
  closeConsumer: 'peerRef',
  setPreferredLayers: 'peerRef',
  setConsumerPriority: 'peerRef',
  describePeer: 'peerRef',
  closePeer: 'peerRef',
  stats: 'none',
  usage: 'none',
};

export const MEDIA_NODE_METHODS = Object.keys(METHOD_ARGUMENTS) as MediaNodeMethod[];

export type MediaNodeEventName = keyof MediaNodeEvents;

const EVENT_NAMES: Record<MediaNodeEventName, true> = {
  consumerclosed: true,
  transportfailed: true,
  roomclosed: true,
  producerclosed: true,
  consumerlayerschange: true,
  activespeaker: true,
};

export const MEDIA_NODE_EVENTS = Object.keys(EVENT_NAMES) as MediaNodeEventName[];

export type MethodArgs<M extends MediaNodeMethod> = Parameters<MediaNode[M]>;
export type MethodResult<M extends MediaNodeMethod> = Awaited<ReturnType<MediaNode[M]>>;

export interface RpcRequest {
  /** Unique per caller; the reply carries it back. */
  id: string;
  /** The channel the caller listens on for the reply. */
  replyTo: string;
  method: MediaNodeMethod;
  args: unknown[];
  /** How long the caller waits for the answer; a node that took longer closes what it made. */
  timeoutMs?: number;
}

export interface RpcErrorBody {
  name: string;
  message: string;
  /** Set for a MediaError: the caller gets a MediaError with the same code. */
  code?: MediaErrorCode;
}

export type RpcReply =
  { id: string; ok: true; result: unknown } | { id: string; ok: false; error: RpcErrorBody };

export interface EventMessage {
  event: MediaNodeEventName;
  payload: unknown;
}

/** The room ids, ids and strings a request may carry are bounded; a room id is not a document. */
const MAX_ID_LENGTH = 200;

/**
 * Reads a request off the wire, or says why it cannot be served. Only the envelope and the room and
 * peer ids are checked here; LocalMediaNode checks the media parameters as it does in-process.
 */
export function parseRequest(
  raw: string,
  replyPrefix: string,
):
  { ok: true; request: RpcRequest } | { ok: false; replyTo?: string; id?: string; reason: string } {
  let message: unknown;

  try {
    message = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(message)) return { ok: false, reason: 'not an object' };

  const { id, replyTo, method, args, timeoutMs } = message;

  if (typeof id !== 'string' || typeof replyTo !== 'string' || id === '' || id.length > 100) {
    return { ok: false, reason: 'no id or reply channel' };
  }
  // A reply goes only to a caller's reply channel, never to another node's requests or events.
  if (!replyTo.startsWith(replyPrefix) || replyTo.length > replyPrefix.length + 100) {
    return { ok: false, reason: 'reply channel outside the cluster' };
  }

  const fail = (reason: string) => ({ ok: false as const, id, replyTo, reason });

  if (typeof method !== 'string' || !Object.hasOwn(METHOD_ARGUMENTS, method)) {
    return fail('unknown method');
  }
  if (!Array.isArray(args)) return fail('args must be an array');

  const shape = METHOD_ARGUMENTS[method as MediaNodeMethod];
  const argumentError = checkArguments(shape, args);

  if (argumentError) return fail(argumentError);
  if (
    timeoutMs !== undefined &&
    !(
      Number.isInteger(timeoutMs) &&
      (timeoutMs as number) > 0 &&
      (timeoutMs as number) <= 3_600_000
    )
  ) {
    return fail('timeoutMs must be a whole number of milliseconds, up to an hour');
  }

  const request: RpcRequest = { id, replyTo, method: method as MediaNodeMethod, args };

  if (timeoutMs !== undefined) request.timeoutMs = timeoutMs as number;

  return { ok: true, request };
}

function checkArguments(shape: ArgumentShape, args: unknown[]): string | null {
  switch (shape) {
    case 'none':
      return args.length === 0 ? null : 'takes no arguments';
    case 'roomId':
      return args.length === 1 && isId(args[0]) ? null : 'takes one room id';
    case 'peerRef': {
      const [request] = args;

      if (args.length !== 1 || !isObject(request)) return 'takes one request object';
      if (!isId(request.roomId) || !isId(request.peerId)) {
        return 'the request must name a room and a peer';
      }

      return null;
    }
  }
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the caller learns of an error: a MediaError keeps its code; others only name and text. */
export function errorToBody(error: unknown): RpcErrorBody {
  if (error instanceof MediaError) {
    return { name: error.name, message: error.message, code: error.code };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };

  return { name: 'Error', message: String(error) };
}

/** The caller's side of errorToBody. */
export function bodyToError(body: RpcErrorBody): Error {
  if (body.code !== undefined && MEDIA_ERROR_CODES.includes(body.code)) {
    return new MediaError(body.code, body.message);
  }

  const error = new Error(body.message);

  error.name = typeof body.name === 'string' ? body.name : 'Error';

  return error;
}

export function parseReply(raw: string): RpcReply | null {
  try {
    const reply: unknown = JSON.parse(raw);

    if (!isObject(reply) || typeof reply.id !== 'string' || typeof reply.ok !== 'boolean') {
      return null;
    }
    if (!reply.ok && !isObject(reply.error)) return null;

    return reply as RpcReply;
  } catch {
    return null;
  }
}

export function parseEvent(raw: string): EventMessage | null {
  try {
    const message: unknown = JSON.parse(raw);

    if (
      !isObject(message) ||
      typeof message.event !== 'string' ||
      !Object.hasOwn(EVENT_NAMES, message.event) ||
      !isObject(message.payload)
    ) {
      return null;
    }

    return message as unknown as EventMessage;
  } catch {
    return null;
  }
}
