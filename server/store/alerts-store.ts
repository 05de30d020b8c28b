// Alerts, callback mode, the broadcast message and live threshold changes in Redis. Every change is written to the
// duty log and bumps the meta version so the screens update at once.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Alert, AlertRule, AlertSeverity, AlertSubject, Broadcast, CallbackModeState } from '../../shared/snapshot.js';
import type { Condition } from '../alerts/rules.js';
import type { DutyLog } from './duty-log.js';
import type { Keys } from './keys.js';

const stepScript = readFileSync(new URL('./lua/alerts-step-1.lua', import.meta.url), 'utf8');
type RedisWithAlerts = Redis & { fwAlertsStep(meta: string, prefix: string, now: number, input: string, keepClearedMs: number): Promise<string> };

/** Cleared alerts stay listed (greyed) this long. */
const KEEP_CLEARED_MS = 30 * 60_000;

export interface FloorControls {
  callbackModes: CallbackModeState[];
  broadcast: Broadcast | null;
  /** The supervisor's live threshold changes (merged over the config file's by the caller). */
  thresholdOverrides: Record<string, unknown>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AlertsStore {
  private readonly redis: RedisWithAlerts;
  /**
   * The conditions that entered at this process's last step, with the step from which they have entered in a row (this
   * process's view: another may have seen one enter earlier), and the keys of the alerts active after it.
   */
  private entered = new Map<string, number>();
  private activeKeys = new Set<string>();

  constructor(
    redis: Redis,
    private readonly keys: Keys,
    private readonly dutyLog: DutyLog,
  ) {
    if (!('fwAlertsStep' in redis)) redis.defineCommand('fwAlertsStep', { numberOfKeys: 1, lua: stepScript });
    this.redis = redis as RedisWithAlerts;
  }

  /**
   * Runs the lifecycle for this evaluation and returns the alerts to show (active, then recently cleared). Only the
   * conditions that can move are sent in full: those entering (unless pending and not yet due), those that entered at
   * this process's last step (a pending state ends) and those of active alerts. The others go as keys only: quiet
   * ones, which the script checks have no state, and pending ones (with their forMs), which it checks are pending and
   * not due. Another process's evaluation may have changed them: then the script asks for everything, which is sent.
   * (At 10,000 agents some 450 conditions wait out their forMs at any time: sent in full, they were 140 KB a step.)
   */
  async step(conditions: Condition[], now: number): Promise<Alert[]> {
    const since = (c: Condition) => this.entered.get(c.key);
    const holding = (c: Condition) => c.enter && c.forMs > 0 && !this.activeKeys.has(c.key) && since(c) !== undefined && now - since(c)! < c.forMs;
    const moving = (c: Condition) => (c.enter || this.entered.has(c.key) || this.activeKeys.has(c.key)) && !holding(c);
    const pending = conditions.filter(holding).map((c): [string, number] => [c.key, c.forMs]);
    const quiet = conditions.filter((c) => !moving(c) && !holding(c)).map((c) => c.key);
    let raw = await this.runStep(conditions.filter(moving), quiet, pending, now);
    if (!Array.isArray(raw) && (raw as { retry?: boolean }).retry) raw = await this.runStep(conditions, [], [], now);
    this.entered = new Map(conditions.filter((c) => c.enter).map((c) => [c.key, since(c) ?? now]));
    if (!Array.isArray(raw)) {
      this.activeKeys = new Set();
      return []; // an empty Lua table encodes as {}
    }
    const hashes = raw as Record<string, string>[];
    this.activeKeys = new Set(hashes.flatMap((h) => (h.clearedAt ? [] : [h.key!])));
    return hashes.map((h) => ({
      id: h.id!,
      rule: h.rule as AlertRule,
      severity: h.severity as AlertSeverity,
      subject: JSON.parse(h.subject!) as AlertSubject,
      subjectName: h.subjectName ?? '',
      value: JSON.parse(h.value ?? 'null') as number | null,
      threshold: JSON.parse(h.threshold ?? 'null') as number | null,
      raisedAt: iso(Number(h.raisedAt)),
      clearedAt: h.clearedAt ? iso(Number(h.clearedAt)) : null,
      ack: h.ackBy ? { by: h.ackBy, at: iso(Number(h.ackAt)), note: h.ackNote ?? '' } : null,
    }));
  }

  private async runStep(conditions: Condition[], quiet: string[], pending: [string, number][], now: number): Promise<unknown> {
    return JSON.parse(await this.redis.fwAlertsStep(this.keys.meta(), this.keys.prefix, now, JSON.stringify({ conditions, quiet, pending }), KEEP_CLEARED_MS)) as unknown;
  }

  /** The alert's subject, for permission checks; null when there is no such alert. */
  async subjectOf(id: string): Promise<AlertSubject | null> {
    const raw = await this.redis.hget(this.keys.alert(id), 'subject');
    return raw ? (JSON.parse(raw) as AlertSubject) : null;
  }

  /** Acknowledges once: false when the alert does not exist or was acknowledged already. */
  async acknowledge(id: string, by: string, note: string, now: number): Promise<boolean> {
    const key = this.keys.alert(id);
    const [[, exists], [, set]] = (await this.redis.multi().exists(key).hsetnx(key, 'ackBy', by).exec()) as [[null, number], [null, number]];
    if (!exists || !set) {
      if (!exists) await this.redis.del(key); // HSETNX created it
      return false;
    }
    await this.redis.multi().hset(key, 'ackAt', now, 'ackNote', note).hincrby(this.keys.meta(), 'version', 1).exec();
    await this.dutyLog.append('alert.acknowledged', by, { id, note });
    return true;
  }

  async setCallbackMode(scope: 'queue' | 'team', id: string, on: boolean, by: string, now: number): Promise<void> {
    const state: CallbackModeState = { scope, id, on, since: iso(now), by };
    await this.redis.multi().hset(this.keys.callbackModes(), `${scope}:${id}`, JSON.stringify(state)).hincrby(this.keys.meta(), 'version', 1).exec();
    await this.dutyLog.append(on ? 'callback.on' : 'callback.off', by, { scope, id });
  }

  async setBroadcast(b: Broadcast | null, by: string, now: number): Promise<void> {
    const key = this.keys.broadcast();
    const m = this.redis.multi();
    // A relative expiry: the service clock may be pinned or replayed, Redis's is the machine's.
    if (b) m.set(key, JSON.stringify(b), 'PX', Math.max(1, Date.parse(b.expiresAt) - now));
    else m.del(key);
    await m.hincrby(this.keys.meta(), 'version', 1).exec();
    await this.dutyLog.append(b ? 'broadcast.set' : 'broadcast.cleared', by, b ? { text: b.text, audience: b.audience, expiresAt: b.expiresAt } : { at: iso(now) });
  }

  async setThresholdOverrides(overrides: Record<string, unknown>, change: Record<string, unknown>, by: string): Promise<void> {
    await this.redis.multi().set(this.keys.thresholds(), JSON.stringify(overrides)).hincrby(this.keys.meta(), 'version', 1).exec();
    await this.dutyLog.append('thresholds.changed', by, { change });
  }

  async readControls(now: number): Promise<FloorControls> {
    const [[, modes], [, broadcast], [, thresholds]] = (await this.redis
      .multi()
      .hgetall(this.keys.callbackModes())
      .get(this.keys.broadcast())
      .get(this.keys.thresholds())
      .exec()) as [[null, Record<string, string>], [null, string | null], [null, string | null]];
    const b = broadcast ? (JSON.parse(broadcast) as Broadcast) : null;
    return {
      callbackModes: Object.values(modes).map((v) => JSON.parse(v) as CallbackModeState).filter((m) => m.on),
      broadcast: b && Date.parse(b.expiresAt) > now ? b : null,
      thresholdOverrides: thresholds ? (JSON.parse(thresholds) as Record<string, unknown>) : {},
    };
  }
}
