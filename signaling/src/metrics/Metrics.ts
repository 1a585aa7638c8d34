import type { MediaNode } from '@teamrom/sfu-server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read from the rest of the server at each scrape. */
export interface MetricSources {
  media: MediaNode;
  meetingCount: () => number;
  participantCount: () => number;
  connectionCount: () => number;
}

/**
 * Teamrom's Prometheus metrics. Counts are read from their owners when Prometheus scrapes, so no
 * hot path keeps a second copy of them; only events (joins, first media) are recorded as they
 * happen. Each server has its own registry, so that several can run in one process (tests).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly joinToFirstMedia: Histogram;
  readonly joins: Counter<'outcome'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];

    // Process CPU and memory, and event-loop lag (nodejs_eventloop_lag_seconds and percentiles).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });

    this.joinToFirstMedia = new Histogram({
      name: 'teamrom_join_to_first_media_seconds',
      help: 'Time from a join being answered to the participant confirming its first consumer',
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.joins = new Counter({
      name: 'teamrom_joins_total',
      help: 'Meeting joins by outcome',
      labelNames: ['outcome'] as const,
      registers,
    });
    new Gauge({
      name: 'teamrom_meetings',
      help: 'Meetings with at least one participant on this node',
      registers,
      collect() {
        this.set(sources.meetingCount());
      },
    });
    new Gauge({
      name: 'teamrom_participants',
      help: 'Participants in meetings on this node',
      registers,
      collect() {
        this.set(sources.participantCount());
      },
    });
    new Gauge({
      name: 'teamrom_socketio_connections',
      help: 'Open Socket.io connections',
      registers,
      collect() {
        this.set(sources.connectionCount());
      },
    });

    const mediaGauge = (
      name: string,
      help: string,
      key: 'workers' | 'transports' | 'producers' | 'consumers',
    ) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set((await sources.media.stats())[key]);
        },
      });

    mediaGauge('teamrom_media_workers', 'Live mediasoup workers', 'workers');
    mediaGauge('teamrom_media_transports', 'WebRTC transports', 'transports');
    mediaGauge('teamrom_media_producers', 'Producers (media sent by participants)', 'producers');
    mediaGauge(
      'teamrom_media_consumers',
      'Consumers (media forwarded to participants)',
      'consumers',
    );

    let usage: ReturnType<MediaNode['usage']> | null = null;
    // Three metrics share one round trip to the workers per scrape.
    const currentUsage = () => (usage ??= sources.media.usage().finally(() => (usage = null)));

    new Gauge({
      name: 'teamrom_media_worker_cpu_seconds_total',
      help: 'CPU time used by each mediasoup worker process',
      labelNames: ['pid'] as const,
      registers,
      async collect() {
        this.reset();
        for (const worker of (await currentUsage()).workers) {
          this.set({ pid: String(worker.pid) }, worker.cpuSeconds);
        }
      },
    });
    new Gauge({
      name: 'teamrom_media_bitrate_in_bits_per_second',
      help: 'Bitrate received from participants, all transports',
      registers,
      async collect() {
        this.set((await currentUsage()).bitrateIn);
      },
    });
    new Gauge({
      name: 'teamrom_media_bitrate_out_bits_per_second',
      help: 'Bitrate sent to participants, all transports',
      registers,
      async collect() {
        this.set((await currentUsage()).bitrateOut);
      },
    });
  }
}
