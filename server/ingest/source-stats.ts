// Per-source health: connected or not, last event, events/s, rejections with their recent reasons. Kept in memory
// by each process (diagnostics, not floor state), shown on /api/health.
import type { SourceHealth } from '../../shared/health.js';
import type { IngestResult } from './pipeline.js';

export type { SourceHealth };

const RATE_WINDOW_MS = 10_000;
const RECENT_REASONS = 10;


export class SourceStats {
  private eventsTotal = 0;
  private rejectedTotal = 0;
  private lastEventAt: number | null = null;
  private recent: { at: number; error: string }[] = [];
  /** (time, events) per batch within the rate window. */
  private batches: [number, number][] = [];

  constructor(private readonly now: () => number = Date.now) {}

  record(result: IngestResult): void {
    const at = this.now();
    const n = result.accepted + result.duplicates + result.rejected.length;
    this.eventsTotal += n;
    this.rejectedTotal += result.rejected.length;
    if (n > 0) this.lastEventAt = at;
    this.batches.push([at, n]);
    for (const r of result.rejected.slice(-RECENT_REASONS)) this.recent.push({ at, error: r.error });
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT_REASONS));
  }

  health(connected: boolean | null, detail?: Record<string, unknown>): SourceHealth {
    const now = this.now();
    this.batches = this.batches.filter(([t]) => now - t < RATE_WINDOW_MS);
    const inWindow = this.batches.reduce((s, [, n]) => s + n, 0);
    return {
      connected,
      lastEventAt: this.lastEventAt === null ? null : new Date(this.lastEventAt).toISOString(),
      eventsPerSecond: Math.round((inWindow / RATE_WINDOW_MS) * 1000 * 10) / 10,
      eventsTotal: this.eventsTotal,
      rejectedTotal: this.rejectedTotal,
      recentRejections: this.recent.map((r) => ({ at: new Date(r.at).toISOString(), error: r.error })),
      ...(detail ? { detail } : {}),
    };
  }
}
