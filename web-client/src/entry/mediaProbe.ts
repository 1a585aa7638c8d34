import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';

import type { ProbeOptions } from '@teamrom/signaling/protocol';

import { REQUEST_TIMEOUT_MS, RequestError, request } from '../lib/request.ts';

/**
 * `mediaBlocked`: the media server could not be reached, or what was sent did not arrive;
 * `untested`: the server could not run a check now (busy, or too many checks in a minute).
 */
export type MediaProbeResult = 'ok' | 'mediaBlocked' | 'untested' | 'unsupported';

/**
 * How long the test connection may take. A meeting waits 15 seconds before it says media is slow;
 * the check says so sooner, as the person is waiting for it.
 */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long the server waits for the test video to arrive before it says none did. */
const ARRIVAL_WAIT_MS = 3000;
/** How long closing the check may hold up the result. */
const CLOSE_TIMEOUT_MS = 2000;
const PATTERN_FPS = 10;
/** A small, slowly changing picture: enough to be sent as video, little for a weak uplink. */
const PATTERN_SIZE = { width: 160, height: 120 };

/**
 * Checks the way to the media server as a meeting uses it: a connection check of its own on the
 * server (`media:probe`, see protocol/probe.ts), a send transport made as a meeting makes it (with
 * TURN when the server has one), a small test video sent through it for a few seconds, and the
 * server's word on whether the video arrived. Needs no camera or microphone: the video is drawn on
 * a canvas, and a silent sound goes first.
 */
export async function probeMedia(socket: Socket): Promise<MediaProbeResult> {
  // LIMITATION: the check proves that media gets through, not that there is bandwidth enough for
  // good video: a link that lets a little through passes, and the meeting then shows weak video.
  let options: ProbeOptions;

  try {
    options = await request(socket, 'media:probe', {});
  } catch (error) {
    if (error instanceof RequestError && ['capacity', 'rate_limited'].includes(error.code)) {
      return 'untested';
    }
    throw error;
  }

  const pattern = testPattern();
  const silence = silentSound();
  let transport: types.Transport | null = null;

  try {
    const device = new Device();

    await device.load({
      routerRtpCapabilities: options.routerRtpCapabilities as types.RtpCapabilities,
    });
    if (!device.canProduce('video') || !pattern || !silence) return 'unsupported';

    transport = device.createSendTransport({
      id: options.transport.id,
      iceParameters: options.transport.iceParameters,
      iceCandidates: options.transport.iceCandidates as types.IceCandidate[],
      dtlsParameters: options.transport.dtlsParameters as types.DtlsParameters,
      iceServers: options.ice.iceServers,
      iceTransportPolicy: options.ice.iceTransportPolicy,
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(socket, 'media:probeConnect', { dtlsParameters: dtlsParameters as never }).then(
        () => callback(),
        errback,
      );
    });
    transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      request(socket, 'media:probeProduce', { kind, rtpParameters: rtpParameters as never }).then(
        ({ producerId }) => callback({ id: producerId }),
        errback,
      );
    });

    const isConnecting = connectedWithin(transport, CONNECT_TIMEOUT_MS);

    // Sound first, then the picture, in the order a meeting sends them.
    await transport.produce({ track: silence.track, stopTracks: false });
    await transport.produce({
      track: pattern.track,
      encodings: [{ maxBitrate: 150_000 }],
      stopTracks: false,
    });
    if (!(await isConnecting)) return 'mediaBlocked';

    const result = await request(
      socket,
      'media:probeResult',
      { waitMs: ARRIVAL_WAIT_MS },
      ARRIVAL_WAIT_MS + REQUEST_TIMEOUT_MS,
    );

    return result.hasMediaArrived ? 'ok' : 'mediaBlocked';
  } catch (error) {
    // mediasoup-client knows no way to make WebRTC connections in this browser.
    if ((error as Error).name === 'UnsupportedError') return 'unsupported';
    throw error;
  } finally {
    // The server's end first: a transport closed by the browser would look lost to the server.
    // The server closes the check with the connection anyway; this frees it a moment sooner.
    await request(socket, 'media:probeClose', {}, CLOSE_TIMEOUT_MS).catch(() => {});
    transport?.close();
    pattern?.stop();
    silence?.stop();
  }
}

/** Whether the transport connects within `ms`; false once it fails or closes. */
function connectedWithin(transport: types.Transport, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (isConnected: boolean) => {
      clearTimeout(timer);
      transport.off('connectionstatechange', onState);
      resolve(isConnected);
    };
    const onState = (state: types.ConnectionState) => {
      if (state === 'connected') finish(true);
      else if (state === 'failed' || state === 'closed') finish(false);
    };
    const timer = setTimeout(() => finish(false), ms);

    transport.on('connectionstatechange', onState);
  });
}

/** A silent audio track; no RTP is measured from it, and no autoplay rule stops it. */
function silentSound(): { track: MediaStreamTrack; stop(): void } | null {
  if (typeof AudioContext !== 'function') return null;

  const context = new AudioContext();
  const track = context.createMediaStreamDestination().stream.getAudioTracks()[0];

  if (!track) {
    void context.close();

    return null;
  }

  return {
    track,
    stop() {
      track.stop();
      void context.close().catch(() => {});
    },
  };
}

/** A video track of changing colours drawn on a canvas; null where canvases cannot be streamed. */
function testPattern(): { track: MediaStreamTrack; stop(): void } | null {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d');

  if (!context || typeof canvas.captureStream !== 'function') return null;

  let frame = 0;
  const draw = () => {
    frame += 1;
    context.fillStyle = `hsl(${(frame * 7) % 360} 50% 50%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  };

  canvas.width = PATTERN_SIZE.width;
  canvas.height = PATTERN_SIZE.height;
  draw();

  // A canvas stream sends a frame only when something was drawn.
  const timer = setInterval(draw, 1000 / PATTERN_FPS);
  const track = canvas.captureStream(PATTERN_FPS).getVideoTracks()[0];

  if (!track) {
    clearInterval(timer);

    return null;
  }

  return {
    track,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}
