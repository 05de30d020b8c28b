// Every source feeds the one ingest pipeline through a sink that also keeps its health figures; the configured ACD
// adapters (AMI, queue_log) are started and stopped here.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { startAmiClient, type AmiClient } from './ami/index.js';
import type { IngestResult, Ingest } from './pipeline.js';
import { followQueueLog, type QueueLogFollower } from './queue-log/index.js';
import { SourceStats, type SourceHealth } from './source-stats.js';

export type SourceSink = (events: readonly unknown[]) => Promise<IngestResult>;

interface Entry {
  stats: SourceStats;
  connected: () => boolean | null;
  detail?: () => Record<string, unknown>;
}

export class SourceRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ingest: Ingest,
    private readonly now: () => number,
  ) {}

  /**
   * A sink for the named source. `backfill` is for sources that deliver strictly in time order and may report
   * things older than the lateness (an AMI resync lists calls that have waited for minutes; a queue_log replay).
   */
  register(name: string, options: { connected?: () => boolean | null; detail?: () => Record<string, unknown>; backfill?: boolean } = {}): SourceSink {
    const stats = new SourceStats(this.now);
    this.entries.set(name, { stats, connected: options.connected ?? (() => null), detail: options.detail });
    return async (events) => {
      const result = await this.ingest.ingest(events, { backfill: options.backfill ?? false });
      stats.record(result);
      return result;
    };
  }

  health(): Record<string, SourceHealth> {
    const out: Record<string, SourceHealth> = {};
    for (const [name, e] of this.entries) out[name] = e.stats.health(e.connected(), e.detail?.());
    return out;
  }
}

/** Starts the adapters named in config.sources; returns their stop. */
export function startConfiguredSources(config: Config, registry: SourceRegistry, log: Logger, now: () => number): () => Promise<void> {
  let ami: AmiClient | null = null;
  let queueLog: QueueLogFollower | null = null;
  const { sources } = config;

  if (sources.ami) {
    const a = sources.ami;
    const sink = registry.register('ami', {
      connected: () => ami?.status().connected ?? false,
      detail: () => {
        const s = ami!.status();
        return { host: `${a.host}:${a.port}`, banner: s.banner, reconnects: s.reconnects, errors: s.errors, lastError: s.lastError };
      },
      backfill: true,
    });
    ami = startAmiClient({ host: a.host, port: a.port, username: a.username, secret: a.secret!, md5: a.md5, config: a.mapping, sink, now, log: log.child({ source: 'ami' }) });
    log.info({ host: a.host, port: a.port }, 'AMI source started');
  }
  if (sources.queueLog) {
    const q = sources.queueLog;
    const sink = registry.register('queue-log', {
      connected: () => queueLog?.status().open ?? false,
      detail: () => {
        const s = queueLog!.status();
        return { path: s.path, offset: s.offset, rotations: s.rotations, errors: s.errors, counts: s.counts };
      },
      backfill: q.from === 'start',
    });
    queueLog = followQueueLog({ path: q.path, from: q.from, pollMs: q.pollMs, config: q.mapping, sink, now, log: log.child({ source: 'queue-log' }) });
    log.info({ path: q.path }, 'queue_log source started');
  }
  return async () => {
    await Promise.all([ami?.stop(), queueLog?.stop()]);
  };
}
