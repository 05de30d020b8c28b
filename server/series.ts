// Reads the interval series and sparklines from the store and applies the formulas (server/metrics/series.ts); keeps
// each queue's and team's current AHT run (the AHT special-cause alert and the screens' flags), recomputed once per
// interval and once more when late events can no longer change the interval just completed.
import type { IntervalMinutes, RunFlag, Series, SeriesKind, Sparklines } from '../shared/series.js';
import { MINUTE_MS } from '../shared/time.js';
import type { AlertThresholds } from './alerts/thresholds.js';
import type { Config } from './config.js';
import { AHT_FIELDS } from './metrics/formulas.js';
import { BASE_MINUTES, baseStarts, buildSeries, intervalStart } from './metrics/series.js';
import { ringMinutes, type Counters } from './store/rings.js';
import type { Store } from './store/store.js';

export interface CurrentRuns {
  queues: Map<string, RunFlag>;
  teams: Map<string, RunFlag>;
}

export class SeriesService {
  private runs: { key: string; value: CurrentRuns } | null = null;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {}

  /** The base bucket starts and interval starts of `hours` back from `now`, on the site's clock. */
  private span(intervalMinutes: IntervalMinutes, hours: number, now: number) {
    const tz = this.config.site.timeZone;
    const baseMs = BASE_MINUTES * MINUTE_MS;
    const first = intervalStart(Math.floor((now - hours * 3_600_000) / baseMs) * baseMs, intervalMinutes, tz);
    const base = baseStarts(first, now);
    return { base, starts: [...new Set(base.map((b) => intervalStart(b, intervalMinutes, tz)))] };
  }

  private build(kind: SeriesKind, id: string, intervalMinutes: IntervalMinutes, starts: number[], now: number, thresholds: AlertThresholds, buckets: { queues: Map<number, Counters>[]; teams: Map<number, Counters>[] }): Series {
    const a = thresholds.ahtSpecialCause;
    return buildSeries({
      kind,
      id,
      name: kind === 'queue' ? this.config.queue(id).name : kind === 'team' ? this.config.teamName(id) : this.config.site.name,
      intervalMinutes,
      timeZone: this.config.site.timeZone,
      now,
      queueBuckets: buckets.queues,
      teamBuckets: buckets.teams,
      excludeShortAbandons: this.config.excludeShortAbandons,
      minLoggedInMs: this.config.thresholds.minLoggedInMinutesForCv * MINUTE_MS,
      breakCvLimit: this.config.thresholds.breakCvLimit,
      runMinCalls: a.minCalls,
      runRules: a,
      starts,
    });
  }

  /** A series of `hours` back from `now`, in intervals of `intervalMinutes` on the site's clock. */
  async series(kind: SeriesKind, id: string, intervalMinutes: IntervalMinutes, hours: number, now: number, thresholds: AlertThresholds): Promise<Series> {
    const { base, starts } = this.span(intervalMinutes, hours, now);
    const queueIds = kind === 'queue' ? [id] : kind === 'floor' ? await this.allQueueIds() : [];
    const teamIds = kind === 'team' ? [id] : kind === 'floor' ? this.config.teams.map((t) => t.id) : [];
    const [queues, teams] = await Promise.all([this.store.readIntervals('q', queueIds, base), this.store.readIntervals('t', teamIds, base)]);
    return this.build(kind, id, intervalMinutes, starts, now, thresholds, { queues: [...queues.values()], teams: [...teams.values()] });
  }

  /**
   * The AHT run going on now for each queue and team (absent: none). Read again when a new interval completes and once
   * more when the lateness has passed after it; in between the same answer is given.
   */
  async currentRuns(now: number, queueIds: readonly string[], teamIds: readonly string[], thresholds: AlertThresholds): Promise<CurrentRuns> {
    const a = thresholds.ahtSpecialCause;
    const intervalMs = a.intervalMinutes * MINUTE_MS;
    const settled = now - this.config.ingest.latenessSeconds * 1000 >= Math.floor(now / intervalMs) * intervalMs;
    const key = JSON.stringify([Math.floor(now / intervalMs), settled, a, queueIds, teamIds]);
    if (this.runs?.key === key) return this.runs.value;
    const value: CurrentRuns = { queues: new Map(), teams: new Map() };
    if (a.enabled) {
      const hours = ((a.baseline + Math.max(a.trendLength, a.shiftLength) + 1) * a.intervalMinutes) / 60;
      const { base, starts } = this.span(a.intervalMinutes, hours, now);
      const wanted = { queue: a.queues ? [...queueIds] : [], team: a.teams ? [...teamIds] : [] };
      // only the fields the AHT comes from: a team's buckets also hold two fields per agent
      const [queues, teams] = await Promise.all([
        this.store.readIntervals('q', wanted.queue, base, AHT_FIELDS.queue),
        this.store.readIntervals('t', wanted.team, base, AHT_FIELDS.team),
      ]);
      const current = (kind: 'queue' | 'team', id: string, buckets: Map<number, Counters>) => {
        const s = this.build(kind, id, a.intervalMinutes, starts, now, thresholds, kind === 'queue' ? { queues: [buckets], teams: [] } : { queues: [], teams: [buckets] });
        // the longest run still going on
        return s.ahtRuns.filter((r) => r.current).sort((x, y) => y.length - x.length)[0];
      };
      for (const [id, b] of queues) {
        const r = current('queue', id, b);
        if (r) value.queues.set(id, r);
      }
      for (const [id, b] of teams) {
        const r = current('team', id, b);
        if (r) value.teams.set(id, r);
      }
    }
    this.runs = { key, value };
    return value;
  }

  /** The configured queues and any seen in events (as the snapshot lists them). */
  private async allQueueIds(): Promise<string[]> {
    return [...new Set([...this.config.queues.map((q) => q.id), ...(await this.store.knownQueueIds())])].sort();
  }

  /** The last `minutes` minutes of every queue, minute by minute (the wallboard's sparklines). */
  async sparklines(now: number, minutes = 60): Promise<Sparklines> {
    const queueIds = await this.allQueueIds();
    const rings = await this.store.readRings('q', queueIds);
    const current = Math.floor(now / MINUTE_MS);
    return {
      generatedAt: new Date(now).toISOString(),
      minutes,
      queues: queueIds.map((queueId, i) => ({
        queueId,
        points: ringMinutes('q', rings[i] ?? null, current - minutes + 1, current).map((c, j) => ({
          from: new Date((current - minutes + 1 + j) * MINUTE_MS).toISOString(),
          entered: c.en ?? 0,
          answered: c.ans ?? 0,
          abandoned: (c.ab ?? 0) + (c.abS ?? 0),
          peakWaiting: c.mq === undefined ? null : c.mq,
        })),
      })),
    };
  }
}
