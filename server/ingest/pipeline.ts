// One path for every source: validate -> resolve site rules (reason category, day periods, queue thresholds) ->
// order by event time -> apply atomically in Redis. Bad events are rejected with a reason; the good ones beside them
// are applied.
import { parseEvent, type AcdEvent } from '../../shared/events.js';
import { dayPeriodBounds, type Clock } from '../../shared/time.js';
import type { Config } from '../config.js';
import type { Store, StoreEvent } from '../store/store.js';

export interface Rejection {
  /** Position of the event in the batch it came in. */
  index: number;
  error: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Events refused: invalid (with the field and problem) or later than the allowed lateness. */
  rejected: Rejection[];
  late: number;
  /** Valid events that could not be applied (a storage error); not marked seen, so sending them again is safe. */
  failed: Rejection[];
}

const INVALID = Symbol('invalid item');
/** Stands for an item a transport could not even decode (a bad NDJSON line, a stream entry without JSON). */
export function invalidItem(reason: string): unknown {
  return { [INVALID]: reason };
}
function invalidReason(item: unknown): string | undefined {
  return item !== null && typeof item === 'object' && INVALID in item ? String((item as Record<symbol, unknown>)[INVALID]) : undefined;
}

/** Events further ahead of the wall clock than this are refused (a misset ACD clock would otherwise freeze windows). */
const MAX_FUTURE_MS = 5 * 60_000;

export class Ingest {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly wall: Clock,
  ) {}

  /**
   * Applies a batch of raw events (already JSON-decoded). Never throws on bad input; throws only if Redis fails.
   * `backfill` waives the lateness limit, for sources that replay history in time order (the simulator's pre-roll).
   */
  async ingest(raw: readonly unknown[], options: { backfill?: boolean } = {}): Promise<IngestResult> {
    const wallNow = this.wall.now();
    const rejected: Rejection[] = [];
    const good: { index: number; event: StoreEvent }[] = [];
    raw.forEach((item, index) => {
      const undecodable = invalidReason(item);
      if (undecodable) return rejected.push({ index, error: undecodable });
      const parsed = parseEvent(item);
      if (!parsed.ok) return rejected.push({ index, error: parsed.error });
      if (this.config.clock === 'wall' && parsed.event.ts > wallNow + MAX_FUTURE_MS)
        return rejected.push({ index, error: `ts: ${new Date(parsed.event.ts).toISOString()} is more than 5 minutes ahead of the server clock` });
      good.push({ index, event: this.resolve(parsed.event) });
    });
    // Stable sort: events with the same ts keep the order they were sent in.
    good.sort((a, b) => a.event.ts - b.event.ts);
    const statuses = await this.store.apply(
      good.map((g) => g.event),
      wallNow,
      options.backfill ?? false,
    );
    let accepted = 0, duplicates = 0, late = 0;
    const failed: Rejection[] = [];
    statuses.forEach((status, i) => {
      if (status === 'applied') accepted++;
      else if (status === 'duplicate') duplicates++;
      else if (typeof status === 'object') failed.push({ index: good[i]!.index, error: status.failed });
      else {
        late++;
        const { index, event } = good[i]!;
        rejected.push({ index, error: `ts: ${new Date(event.ts).toISOString()} is later than the allowed lateness of ${this.config.ingest.latenessSeconds} s` });
      }
    });
    rejected.sort((a, b) => a.index - b.index);
    await this.store.countRejected(rejected.length - late);
    return { accepted, duplicates, rejected, late, failed };
  }

  /** The day periods around the latest event: computing them takes Intl calls, and nearly every event shares them. */
  private days: [number, number, number] = [0, 0, 0];

  private dayBounds(ts: number): [number, number, number] {
    if (ts < this.days[1] || ts >= this.days[2]) this.days = dayPeriodBounds(ts, this.config.site.timeZone, this.config.dayResetMinutes);
    return this.days;
  }

  private resolve(event: AcdEvent): StoreEvent {
    const days = this.dayBounds(event.ts);
    if (event.type === 'agent.state') return { ...event, days, cat: event.state === 'not_ready' ? this.config.categoryOf(event.reason) : '' };
    if ('queueId' in event) {
      const q = this.config.queue(event.queueId);
      return { ...event, days, T: q.serviceLevelSeconds * 1000, S: q.shortAbandonSeconds * 1000 };
    }
    return { ...event, days };
  }
}
