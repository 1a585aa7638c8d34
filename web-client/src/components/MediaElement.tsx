import { useEffect, useRef } from 'react';

type Props = {
  kind: 'video' | 'audio';
  peerId?: string;
  muted?: boolean;
  mirror?: boolean;
  label?: string;
} & ({ track: MediaStreamTrack; stream?: never } | { stream: MediaStream; track?: never });

/** A <video> or <audio> element playing one track or stream; carries data-peer-id for remote ones. */
export function MediaElement({ kind, peerId, muted, mirror, label, track, stream }: Props) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);

  useEffect(() => {
    const element = ref.current;

    if (!element) return;

    element.srcObject = stream ?? new MediaStream([track!]);
    element.play().catch(() => {
      // Autoplay refused until the user interacts; the element starts on the next attempt.
    });

    return () => {
      element.srcObject = null;
    };
  }, [track, stream]);

  if (kind === 'audio') return <audio ref={ref} autoPlay data-peer-id={peerId} />;

  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted={muted ?? true}
      data-peer-id={peerId}
      aria-label={label}
      className={mirror ? 'mirror' : undefined}
    />
  );
}
