// Reads the interval series and sparklines from the store and applies the formulas (server/metrics/series.ts); keeps
// each queue's and team's current AHT run (the AHT special-cause alert and the screens' flags), recomputed once per
// interval and once more when late events can no longer change the interval just completed.
import type { IntervalMinutes, RunFlag, Series, SeriesKind, Sparklines } from '../shared/series.js';
import { MINUTE_MS } from '../shared/time.js';
import type { AlertThresholds } from './alerts/thresholds.js';
import type { Config } from './config.js';
import { AHT_FIELDS } from './metrics/formulas.js';
import { BASE_MINUTES, ahtRunsOf, baseStarts, buildSeries, intervalStart } from './metrics/series.js';
import { ringMinutes, type Counters } from './store/rings.js';
import type { Store } from './store/store.js';

export interface CurrentRuns {
  queues: Map<string, RunFlag>;
  teams: Map<string, RunFlag>;
}

export class SeriesService {
  private runs: { key: string; value: CurrentRuns } | null = null;
  private readonly settledBuckets: AhtBuckets;

  constructor(
    private readonly store: Store,
    private readonly config: Config,
  ) {
    this.settledBuckets = new AhtBuckets(store);
  }

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
   * The AHT run going on now for each queue and team (absent: none). Worked out again when a new interval completes
   * and once more when the lateness has passed after it; in between the same answer is given. `history` changes when
   * settled intervals may have been rewritten (Store: StoreMeta.history).
   */
  async currentRuns(now: number, queueIds: readonly string[], teamIds: readonly string[], thresholds: AlertThresholds, history: string): Promise<CurrentRuns> {
    const a = thresholds.ahtSpecialCause;
    const intervalMs = a.intervalMinutes * MINUTE_MS;
    const latenessMs = this.config.ingest.latenessSeconds * 1000;
    const settled = now - latenessMs >= Math.floor(now / intervalMs) * intervalMs;
    const key = JSON.stringify([Math.floor(now / intervalMs), settled, a, queueIds, teamIds, history]);
    if (this.runs?.key === key) return this.runs.value;
    const value: CurrentRuns = { queues: new Map(), teams: new Map() };
    if (a.enabled) {
      const hours = ((a.baseline + Math.max(a.trendLength, a.shiftLength) + 1) * a.intervalMinutes) / 60;
      const { base, starts } = this.span(a.intervalMinutes, hours, now);
      const wanted = { queue: a.queues ? [...queueIds] : [], team: a.teams ? [...teamIds] : [] };
      const [queues, teams] = await Promise.all([
        this.settledBuckets.read('q', wanted.queue, base, now - latenessMs, history),
        this.settledBuckets.read('t', wanted.team, base, now - latenessMs, history),
      ]);
      const current = (kind: 'queue' | 'team', buckets: Map<number, Counters>) =>
        // the longest run still going on
        ahtRunsOf(kind, buckets, starts, a.intervalMinutes, now, a.minCalls, a)
          .filter((r) => r.current)
          .sort((x, y) => y.length - x.length)[0];
      for (const [id, b] of queues) {
        const r = current('queue', b);
        if (r) value.queues.set(id, r);
      }
      for (const [id, b] of teams) {
        const r = current('team', b);
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

/**
 * The AHT fields of queues' and teams' 15-minute buckets, for the run rules. A bucket whose end is older than the
 * lateness can no longer change (later events for it are rejected), so it is read once and kept; only the newer ones
 * are read again. At 250 queues and teams over the rules' 4.5 hours that is some 500 reads instead of 4,500, which had
 * made every 15th minute's snapshot 100-200 ms slower. A backfill (lateness waived) or a cleared store changes
 * `history`, which forgets them all.
 */
export class AhtBuckets {
  private history = '';
  private readonly kept = { q: new Map<string, Map<number, Counters>>(), t: new Map<string, Map<number, Counters>>() };

  constructor(private readonly store: Store) {}

  /** Each id's buckets at `starts` (those with data); buckets that end at or before `settledBefore` are kept. */
  async read(kind: 'q' | 't', ids: readonly string[], starts: readonly number[], settledBefore: number, history: string): Promise<Map<string, Map<number, Counters>>> {
    if (history !== this.history) {
      this.kept.q.clear();
      this.kept.t.clear();
      this.history = history;
    }
    const kept = this.kept[kind];
    const missing = starts.filter((start) => ids.some((id) => !kept.get(id)?.has(start)));
    const fresh = await this.store.readIntervals(kind, ids, missing, AHT_FIELDS[kind === 'q' ? 'queue' : 'team']);
    const out = new Map<string, Map<number, Counters>>();
    for (const id of ids) {
      let mine = kept.get(id);
      if (!mine) kept.set(id, (mine = new Map()));
      const read = fresh.get(id) ?? new Map<number, Counters>();
      const buckets = new Map<number, Counters>();
      for (const start of starts) {
        const known = mine.get(start);
        const b = missing.includes(start) ? read.get(start) : known === EMPTY ? undefined : known;
        if (b) buckets.set(start, b);
        // kept: settled buckets (an empty one too, so it is not read again)
        if (missing.includes(start) && start + BASE_MINUTES * MINUTE_MS <= settledBefore) mine.set(start, b ?? EMPTY);
      }
      // forget buckets older than the span
      for (const start of mine.keys()) if (start < starts[0]!) mine.delete(start);
      out.set(id, buckets);
    }
    for (const id of kept.keys()) if (!ids.includes(id)) kept.delete(id);
    return out;
  }
}

/** A settled bucket with no data. */
const EMPTY: Counters = Object.freeze({}) as Counters;
