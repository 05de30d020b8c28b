// Makes the snapshot: reads the floor from the store, applies the metric formulas, evaluates the alert rules (whose
// lifecycle lives in Redis) and adds the supervisor's controls (callback mode, broadcast).
import type { Snapshot } from '../shared/snapshot.js';
import { dayPeriodStart, type Clock } from '../shared/time.js';
import { evaluateRules } from './alerts/rules.js';
import { alertSettings, effectiveThresholds, type AlertThresholds } from './alerts/thresholds.js';
import type { Config } from './config.js';
import { buildSnapshot, rollingWindowSpecs } from './metrics/snapshot.js';
import type { AlertsStore } from './store/alerts-store.js';
import type { SeriesService } from './series.js';
import type { FloorClock, Store, StoreMeta } from './store/store.js';

export class SnapshotService {
  constructor(
    private readonly store: Store,
    private readonly alerts: AlertsStore,
    private readonly config: Config,
    private readonly wall: Clock,
    private readonly series: SeriesService,
  ) {}

  /** The service clock: wall time, or with the replay clock the latest event time seen (wall time before any event). */
  async now(): Promise<{ now: number; version: number }> {
    const meta = await this.store.readMeta();
    return { now: this.clockNow(meta, this.wall.now()), version: meta.version };
  }

  private clockNow(meta: StoreMeta, wallNow: number): number {
    return this.config.clock === 'replay' && meta.maxTs !== null ? meta.maxTs : wallNow;
  }

  /** The thresholds in force now: the config file's, with the supervisor's live changes on top. */
  async thresholds(): Promise<AlertThresholds> {
    const controls = await this.alerts.readControls(this.wall.now());
    return effectiveThresholds(this.config.alerts, controls.thresholdOverrides);
  }

  async compute(): Promise<Snapshot> {
    const wallNow = this.wall.now();
    // The clock is read from the same meta hash as the floor (one round trip fewer than asking now() first).
    const clock = (meta: StoreMeta): FloorClock => {
      const now = this.clockNow(meta, wallNow);
      return { now, dayStart: dayPeriodStart(now, this.config.site.timeZone, this.config.dayResetMinutes) };
    };
    const [floor, controls] = await Promise.all([
      this.store.readFloor(
        clock,
        rollingWindowSpecs(),
        this.config.queues.map((q) => q.id),
        this.config.teams.map((t) => t.id),
      ),
      this.alerts.readControls(wallNow),
    ]);
    const { now, dayStart } = floor;
    const thresholds = effectiveThresholds(this.config.alerts, controls.thresholdOverrides);
    const metrics = buildSnapshot({ floor, now, wallNow, dayStart, config: this.config, alertSettings: alertSettings(thresholds) });
    const runs = await this.series.currentRuns(now, floor.queueIds, floor.teamIds, thresholds, floor.meta.history);
    for (const q of metrics.queues) q.ahtRun = runs.queues.get(q.queueId) ?? null;
    for (const t of metrics.teams) t.ahtRun = runs.teams.get(t.teamId) ?? null;
    const alerts = await this.alerts.step(evaluateRules(metrics, thresholds, controls.callbackModes, now), now);
    return { ...metrics, alerts, callbackModes: controls.callbackModes, broadcast: controls.broadcast };
  }
}
