// Reads the floor from the store and turns it into a snapshot with the metric functions.
import type { Snapshot } from '../shared/snapshot.js';
import { dayPeriodStart, type Clock } from '../shared/time.js';
import type { Config } from './config.js';
import { buildSnapshot } from './metrics/snapshot.js';
import type { Store } from './store/store.js';

export class SnapshotService {
  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly wall: Clock,
  ) {}

  /** The service clock: wall time, or with the replay clock the latest event time seen (wall time before any event). */
  async now(): Promise<{ now: number; version: number }> {
    const meta = await this.store.readMeta();
    const wallNow = this.wall.now();
    return { now: this.config.clock === 'replay' && meta.maxTs !== null ? meta.maxTs : wallNow, version: meta.version };
  }

  async compute(): Promise<Snapshot> {
    const { now } = await this.now();
    const dayStart = dayPeriodStart(now, this.config.site.timeZone, this.config.dayResetMinutes);
    const floor = await this.store.readFloor(now, dayStart, this.config.queues.map((q) => q.id), this.config.teams.map((t) => t.id));
    return buildSnapshot({ floor, now, wallNow: this.wall.now(), dayStart, config: this.config });
  }
}
