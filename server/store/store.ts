// The only code that talks to Redis about floor state: applies event batches (Lua) and reads what a snapshot needs.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { AcdEvent, AgentState } from '../../shared/events.js';
import { MINUTE_MS, floorTo } from '../../shared/time.js';
import { keyBuilder, type BucketKind, type Keys } from './keys.js';

/** An event ready for the store: validated, with the day periods of its ts and its thresholds resolved. */
export type StoreEvent = AcdEvent & {
  /** [previous, current, next] start of the "today" period around ts. */
  days: [number, number, number];
  /** Not-ready category (agent.state). */
  cat?: string;
  /** Service-level threshold and short-abandon limit in ms (call events). */
  T?: number;
  S?: number;
};

/** What became of one event; `{ failed }` carries the reason it could not be applied (it may be retried). */
export type ApplyStatus = 'applied' | 'duplicate' | 'late' | { failed: string };
const STATUS: ApplyStatus[] = ['applied', 'duplicate', 'late'];

export interface StoreOptions {
  keyPrefix: string;
  replay: boolean;
  latenessMs: number;
  dedupeSeconds: number;
}

/** Counters of one bucket (fields as in keys.ts), ms for durations. */
export type Counters = Record<string, number>;

export interface AgentRecord {
  agentId: string;
  teamId: string;
  name: string;
  state: AgentState | 'out';
  reason: string;
  category: string;
  since: number;
  /** Queues the agent serves, when the login named them. */
  queues: string[];
}

export interface EntityBuckets {
  /** Totals of each rolling window (summed in Redis from its minute buckets). */
  windows: Record<string, Counters>;
  today: Counters;
}

/** A rolling window to sum: the minutes firstMinuteIndex .. MINUTES_READ - 1 of those read (the last is the current). */
export interface WindowSpec {
  name: string;
  firstMinuteIndex: number;
}

export interface StoreMeta {
  maxTs: number | null;
  lastEventWall: number | null;
  accepted: number;
  duplicates: number;
  late: number;
  rejected: number;
  version: number;
}

export interface FloorState {
  meta: StoreMeta;
  agents: AgentRecord[];
  teamIds: string[];
  queueIds: string[];
  waiting: Map<string, { count: number; oldestTs: number | null }>;
  buckets: Record<BucketKind, Map<string, EntityBuckets>>;
}

/** The 60-minute window plus the current, partial minute. */
export const MINUTES_READ = 61;
/** Minute buckets live a little longer than the longest rolling window plus the lateness. */
const MINUTE_TTL_SEC = 2 * 3600;
const DAY_TTL_SEC = 3 * 86_400;
const CALL_TTL_SEC = 86_400;
/** Events per Lua call: keeps each call short so Redis stays responsive. */
const CHUNK = 250;

const applyScript = readFileSync(new URL('./lua/apply-batch-1.lua', import.meta.url), 'utf8');
const sumScript = readFileSync(new URL('./lua/sum-windows-0.lua', import.meta.url), 'utf8');
/** Entities per summing call: keeps each call short so event batches are not held up behind it. */
const SUM_CHUNK = 200;

type RedisWithScripts = Redis & {
  fwApplyBatch(meta: string, prefix: string, options: string, events: string): Promise<number[]>;
  fwSumWindows(prefix: string, firstMinute: number, dayStart: number, windows: string, entities: string): Promise<string>;
};

export class Store {
  readonly keys: Keys;
  private readonly redis: RedisWithScripts;

  /**
   * `reader` serves the snapshot reads (tens of thousands of commands on a large floor) so that event batches on
   * `redis` do not queue behind them; it defaults to the same connection.
   */
  constructor(
    redis: Redis,
    private readonly options: StoreOptions,
    private readonly reader: Redis = redis,
  ) {
    this.keys = keyBuilder(options.keyPrefix);
    // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT (e.g. after a Redis restart).
    if (!('fwApplyBatch' in redis)) redis.defineCommand('fwApplyBatch', { numberOfKeys: 1, lua: applyScript });
    if (!('fwSumWindows' in reader)) reader.defineCommand('fwSumWindows', { numberOfKeys: 0, lua: sumScript });
    this.redis = redis as RedisWithScripts;
  }

  /** Applies events (sorted by ts) atomically per chunk; returns one status per event, in order. */
  async apply(events: StoreEvent[], wallNow: number, waiveLateness = false): Promise<ApplyStatus[]> {
    if (events.length === 0) return [];
    const options = JSON.stringify({
      wallNow,
      replay: this.options.replay,
      lateMs: this.options.latenessMs,
      acceptLate: waiveLateness,
      dedupeSec: this.options.dedupeSeconds,
      minuteTtlSec: MINUTE_TTL_SEC,
      dayTtlSec: DAY_TTL_SEC,
      callTtlSec: CALL_TTL_SEC,
    });
    const pipeline = this.redis.pipeline() as unknown as RedisWithScripts & { exec(): Promise<[Error | null, unknown][] | null> };
    for (let i = 0; i < events.length; i += CHUNK) {
      pipeline.fwApplyBatch(this.keys.meta(), this.keys.prefix, options, JSON.stringify(events.slice(i, i + CHUNK)));
    }
    const results = (await pipeline.exec()) ?? [];
    const statuses: ApplyStatus[] = [];
    for (const [err, codes] of results) {
      if (err) throw err;
      for (const code of codes as (number | string)[]) statuses.push(typeof code === 'string' ? { failed: code } : STATUS[code]!);
    }
    return statuses;
  }

  /** Deletes every key of this store's prefix (the demo starts from a clean floor). */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.pattern(), 'COUNT', 1000);
      if (keys.length) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async countRejected(n: number): Promise<void> {
    if (n > 0) await this.redis.hincrby(this.keys.meta(), 'rejected', n);
  }

  async readMeta(): Promise<StoreMeta> {
    return parseMeta(await this.redis.hgetall(this.keys.meta()));
  }

  /** Everything a snapshot at `now` needs: agents, waiting calls, and minute and "today" buckets per entity. */
  async readFloor(now: number, dayStart: number, windows: readonly WindowSpec[], extraQueueIds: readonly string[], extraTeamIds: readonly string[]): Promise<FloorState> {
    const k = this.keys;
    const first = await this.redis
      .multi()
      .hgetall(k.meta())
      .smembers(k.agentsOn())
      .zrangebyscore(k.agents(), now - 65 * MINUTE_MS, '+inf')
      .smembers(k.queues())
      .exec();
    const [metaRaw, onIds, recentIds, queueSet] = (first ?? []).map(([err, v]) => {
      if (err) throw err;
      return v;
    }) as [Record<string, string>, string[], string[], string[]];

    const agentIds = [...new Set([...onIds, ...recentIds])].sort();
    const queueIds = [...new Set([...extraQueueIds, ...queueSet])].sort();
    const agentPipe = this.reader.pipeline();
    for (const id of agentIds) agentPipe.hmget(k.agent(id), 'team', 'name', 'st', 'r', 'c', 'since', 'qs');
    for (const q of queueIds) agentPipe.zcard(k.waiting(q)).zrange(k.waiting(q), 0, 0, 'WITHSCORES');
    const second = (await agentPipe.exec()) ?? [];
    const agents: AgentRecord[] = [];
    agentIds.forEach((agentId, i) => {
      const [team, name, st, r, c, since, qs] = second[i]![1] as (string | null)[];
      if (!st) return;
      agents.push({
        agentId,
        teamId: team ?? 'unassigned',
        name: name ?? agentId,
        state: st as AgentRecord['state'],
        reason: r ?? '',
        category: c ?? '',
        since: Number(since),
        // Lua's cjson writes an empty list as {}: anything but a list is no queues
        queues: qs ? [JSON.parse(qs)].flatMap((x: unknown) => (Array.isArray(x) ? (x as string[]) : [])) : [],
      });
    });
    const waiting = new Map<string, { count: number; oldestTs: number | null }>();
    queueIds.forEach((q, i) => {
      const count = Number(second[agentIds.length + 2 * i]![1]);
      const oldest = second[agentIds.length + 2 * i + 1]![1] as string[];
      waiting.set(q, { count, oldestTs: oldest.length === 2 ? Number(oldest[1]) : null });
    });

    // Teams: the configured ones and any with an agent logged in or active within the hour.
    const teamIds = [...new Set([...extraTeamIds, ...agents.map((a) => a.teamId)])].sort();
    const entities: [BucketKind, string][] = [
      ...queueIds.map((id) => ['q', id] as [BucketKind, string]),
      ...teamIds.map((id) => ['t', id] as [BucketKind, string]),
      ...agents.map((a) => ['a', a.agentId] as [BucketKind, string]),
    ];
    const firstMinute = floorTo(now, MINUTE_MS) - (MINUTES_READ - 1) * MINUTE_MS;
    const spec = JSON.stringify(windows.map((w) => [w.name, w.firstMinuteIndex]));
    const sumPipe = this.reader.pipeline() as unknown as RedisWithScripts & { exec(): Promise<[Error | null, unknown][] | null> };
    for (let i = 0; i < entities.length; i += SUM_CHUNK) {
      const chunk = entities.slice(i, i + SUM_CHUNK).map(([kind, id]) => `${kind}:${id}`);
      sumPipe.fwSumWindows(k.prefix, firstMinute, dayStart, spec, JSON.stringify(chunk));
    }
    const sums: { today: Counters; [window: string]: Counters }[] = [];
    for (const [err, json] of (await sumPipe.exec()) ?? []) {
      if (err) throw err;
      sums.push(...(JSON.parse(json as string) as typeof sums));
    }
    const buckets: FloorState['buckets'] = { q: new Map(), t: new Map(), a: new Map() };
    entities.forEach(([kind, id], e) => {
      const { today, ...rolling } = sums[e]!;
      buckets[kind].set(id, { windows: rolling, today });
    });
    return { meta: parseMeta(metaRaw), agents, teamIds, queueIds, waiting, buckets };
  }
}

function parseMeta(raw: Record<string, string>): StoreMeta {
  const n = (f: string) => (raw[f] === undefined ? 0 : Number(raw[f]));
  return {
    maxTs: raw.maxTs === undefined ? null : Number(raw.maxTs),
    lastEventWall: raw.lastEventWall === undefined ? null : Number(raw.lastEventWall),
    accepted: n('accepted'),
    duplicates: n('duplicates'),
    late: n('late'),
    rejected: n('rejected'),
    version: n('version'),
  };
}
