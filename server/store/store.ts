// The only code that talks to Redis about floor state: applies event batches (Lua) and reads what a snapshot needs.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { AcdEvent, AgentState } from '../../shared/events.js';
import { MINUTE_MS, floorTo } from '../../shared/time.js';
import { keyBuilder, type BucketKind, type Keys } from './keys.js';
import { RING_LAYOUT, RING_SLOTS, sumRing, type Counters } from './rings.js';

export type { Counters } from './rings.js';

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
  /** How long the series' interval buckets are kept. */
  seriesKeepHours: number;
}


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
  /** Totals of each rolling window (summed from the entity's minute ring). */
  windows: Record<string, Counters>;
  today: Counters;
}

/** A rolling window: the `minutes` whole minutes before the current one, plus the current one. */
export interface WindowSpec {
  name: string;
  minutes: number;
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

/** An agent is listed while logged in, and for 65 minutes after the minute of its latest event. */
const AGENT_LISTED_MS = 65 * MINUTE_MS;
/** A ring outlives its latest write by a little more than it covers (64 minutes). */
const RING_TTL_SEC = 2 * 3600;
const DAY_TTL_SEC = 3 * 86_400;
/** A call still in queue or in progress; one that is over is kept a while longer than the lateness (late events). */
const CALL_TTL_SEC = 86_400;
const CALL_DONE_EXTRA_SEC = 300;
/** The series' interval buckets are 15 minutes; 30- and 60-minute series add them up. */
export const SERIES_BASE_MS = 15 * MINUTE_MS;
/** Events per Lua call: keeps each call short so Redis stays responsive. */
const CHUNK = 250;

const applyScript = readFileSync(new URL('./lua/apply-batch-2.lua', import.meta.url), 'utf8');

type RedisWithScripts = Redis & {
  fwApplyBatch(meta: string, prefix: string, options: string, events: string): Promise<number[]>;
};

export class Store {
  readonly keys: Keys;
  private readonly redis: RedisWithScripts;

  /**
   * `reader` serves the snapshot reads so that event batches on `redis` do not queue behind them; it defaults to the
   * same connection.
   */
  constructor(
    redis: Redis,
    private readonly options: StoreOptions,
    private readonly reader: Redis = redis,
  ) {
    this.keys = keyBuilder(options.keyPrefix);
    // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT (e.g. after a Redis restart).
    if (!('fwApplyBatch' in redis)) redis.defineCommand('fwApplyBatch', { numberOfKeys: 1, lua: applyScript });
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
      ringTtlSec: RING_TTL_SEC,
      ringSlots: RING_SLOTS,
      ring: RING_LAYOUT,
      dayTtlSec: DAY_TTL_SEC,
      intervalMs: SERIES_BASE_MS,
      seriesTtlSec: Math.round(this.options.seriesKeepHours * 3600 + SERIES_BASE_MS / 1000),
      callTtlSec: CALL_TTL_SEC,
      callDoneTtlSec: Math.round(this.options.latenessMs / 1000) + CALL_DONE_EXTRA_SEC,
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

  /**
   * Everything a snapshot at `now` needs: agents, waiting calls, and window and "today" totals per entity. Rings and
   * day buckets are cached and only what changed since the last read is fetched again (see FloorCache).
   */
  async readFloor(now: number, dayStart: number, windows: readonly WindowSpec[], extraQueueIds: readonly string[], extraTeamIds: readonly string[]): Promise<FloorState> {
    const k = this.keys;
    const cache = this.cache;
    const first = await this.reader
      .multi()
      .hgetall(k.meta())
      .smembers(k.queues())
      .zrangebyscore(k.changed(), `(${cache.version}`, '+inf')
      .exec();
    const [metaRaw, queueSet, changedList] = unwrap(first) as [Record<string, string>, string[], string[]];
    const meta = parseMeta(metaRaw);
    const epoch = metaRaw.epoch ?? '';
    // everything is read again when the store is new, the day rolled over, or (first read) nothing is cached
    const full = cache.epoch !== epoch || cache.dayStart !== dayStart || meta.version < cache.version;
    if (full) cache.reset(epoch, dayStart);
    const changed = new Set(full ? [] : changedList);
    const stale = (kind: BucketKind, id: string) => full || changed.has(`${kind}:${id}`) || !cache.entities[kind].has(id);

    // Agents to consider: on a full read those logged in or active within the hour (the indexes); afterwards the ones
    // cached plus any the apply script wrote since (an agent becomes active only through an event of its own).
    const since = now - AGENT_LISTED_MS;
    let candidates: string[];
    if (full) {
      const lists = unwrap(await this.reader.multi().smembers(k.agentsOn()).zrangebyscore(k.agents(), since, '+inf').exec()) as [string[], string[]];
      candidates = [...new Set([...lists[0], ...lists[1]])];
    } else {
      candidates = [...new Set([...cache.entities.a.keys(), ...changedList.filter((e) => e.startsWith('a:')).map((e) => e.slice(2))])];
    }
    const queueIds = [...new Set([...extraQueueIds, ...queueSet])].sort();
    const agentPipe = this.reader.pipeline();
    const agentsToRead = candidates.filter((id) => stale('a', id));
    for (const id of agentsToRead) {
      agentPipe.hmget(k.agent(id), 'team', 'name', 'st', 'r', 'c', 'since', 'qs', 'at').getBuffer(k.ring('a', id)).hgetall(k.dayBucket('a', id, dayStart));
    }
    for (const q of queueIds) agentPipe.zcard(k.waiting(q)).zrange(k.waiting(q), 0, 0, 'WITHSCORES');
    const second = unwrap(await agentPipe.exec());
    agentsToRead.forEach((agentId, i) => {
      const [team, name, st, r, c, since, qs, at] = second[3 * i] as (string | null)[];
      const record: AgentRecord | null = st
        ? {
            agentId,
            teamId: team ?? 'unassigned',
            name: name ?? agentId,
            state: st as AgentRecord['state'],
            reason: r ?? '',
            category: c ?? '',
            since: Number(since),
            // Lua's cjson writes an empty list as {}: anything but a list is no queues
            queues: qs ? [JSON.parse(qs)].flatMap((x: unknown) => (Array.isArray(x) ? (x as string[]) : [])) : [],
          }
        : null;
      // listed until the end of the minute of its latest event plus 65 minutes (as the activity index scores it)
      const activeUntil = at ? Math.floor(Number(at) / MINUTE_MS) * MINUTE_MS + MINUTE_MS - 1 : 0;
      cache.put('a', agentId, second[3 * i + 1] as Buffer | null, numbers(second[3 * i + 2] as Record<string, string>), record, activeUntil);
    });
    const agentIds = candidates
      .filter((id) => {
        const e = cache.entities.a.get(id);
        return e?.record && (e.record.state !== 'out' || e.activeUntil >= since);
      })
      .sort();
    const waiting = new Map<string, { count: number; oldestTs: number | null }>();
    const w0 = 3 * agentsToRead.length;
    queueIds.forEach((q, i) => {
      const count = Number(second[w0 + 2 * i]);
      const oldest = second[w0 + 2 * i + 1] as string[];
      waiting.set(q, { count, oldestTs: oldest.length === 2 ? Number(oldest[1]) : null });
    });
    const agents = agentIds.flatMap((id) => cache.entities.a.get(id)?.record ?? []);

    // Teams: the configured ones and any with an agent logged in or active within the hour.
    const teamIds = [...new Set([...extraTeamIds, ...agents.map((a) => a.teamId)])].sort();
    const entities: [BucketKind, string[]][] = [['q', queueIds], ['t', teamIds]];
    const toRead = entities.flatMap(([kind, ids]) => ids.filter((id) => stale(kind, id)).map((id) => [kind, id] as const));
    const third = this.reader.pipeline();
    for (const [kind, id] of toRead) third.getBuffer(k.ring(kind, id)).hgetall(k.dayBucket(kind, id, dayStart));
    const thirdResults = toRead.length ? unwrap(await third.exec()) : [];
    toRead.forEach(([kind, id], i) => cache.put(kind, id, thirdResults[2 * i] as Buffer | null, numbers(thirdResults[2 * i + 1] as Record<string, string>)));
    cache.keepOnly({ q: queueIds, t: teamIds, a: agentIds });
    cache.version = meta.version;

    const currentMinute = Math.floor(now / MINUTE_MS);
    const buckets: FloorState['buckets'] = { q: new Map(), t: new Map(), a: new Map() };
    for (const kind of ['q', 't', 'a'] as const) {
      for (const [id, e] of cache.entities[kind]) buckets[kind].set(id, { windows: e.sums(kind, currentMinute, windows), today: e.day });
    }
    return { meta, agents, teamIds, queueIds, waiting, buckets };
  }

  /** The 15-minute interval buckets (the series) of queues or teams, by id and bucket start. */
  async readIntervals(kind: 'q' | 't', ids: readonly string[], starts: readonly number[]): Promise<Map<string, Map<number, Counters>>> {
    const pipe = this.reader.pipeline();
    for (const id of ids) for (const start of starts) pipe.hgetall(this.keys.intervalBucket(kind, id, start));
    const results = ids.length && starts.length ? unwrap(await pipe.exec()) : [];
    const out = new Map<string, Map<number, Counters>>();
    ids.forEach((id, i) => {
      const byStart = new Map<number, Counters>();
      starts.forEach((start, j) => {
        const raw = results[i * starts.length + j] as Record<string, string>;
        if (Object.keys(raw).length) byStart.set(start, numbers(raw));
      });
      out.set(id, byStart);
    });
    return out;
  }

  /** The minute rings of entities (null where there is none), for per-minute figures. */
  async readRings(kind: BucketKind, ids: readonly string[]): Promise<(Buffer | null)[]> {
    const pipe = this.reader.pipeline();
    for (const id of ids) pipe.getBuffer(this.keys.ring(kind, id));
    return ids.length ? (unwrap(await pipe.exec()) as (Buffer | null)[]) : [];
  }

  /** Queue ids seen in events. */
  async knownQueueIds(): Promise<string[]> {
    return (await this.reader.smembers(this.keys.queues())).sort();
  }

  private readonly cache = new FloorCache();
}

/**
 * What one process has read of the floor: each entity's ring and day totals (and an agent's record), with its window
 * sums for the current minute. The apply script lists every entity it writes in the `changed` index with its version,
 * so a read fetches only the entities changed since the version it last saw; a ring's minutes carry their minute, so
 * sums of an unchanged ring stay right as time moves on (they are recomputed once a minute).
 */
class FloorCache {
  version = 0;
  epoch: string | null = null;
  dayStart = -1;
  entities: Record<BucketKind, Map<string, CachedEntity>> = { q: new Map(), t: new Map(), a: new Map() };

  reset(epoch: string, dayStart: number): void {
    this.version = 0;
    this.epoch = epoch;
    this.dayStart = dayStart;
    this.entities = { q: new Map(), t: new Map(), a: new Map() };
  }

  put(kind: BucketKind, id: string, ring: Buffer | null, day: Counters, record: AgentRecord | null = null, activeUntil = 0): void {
    this.entities[kind].set(id, new CachedEntity(ring, day, record, activeUntil));
  }

  keepOnly(ids: Record<BucketKind, string[]>): void {
    for (const kind of ['q', 't', 'a'] as const) {
      const keep = new Set(ids[kind]);
      for (const id of this.entities[kind].keys()) if (!keep.has(id)) this.entities[kind].delete(id);
    }
  }
}

class CachedEntity {
  private summedAt = -1;
  private summed: Record<string, Counters> = {};
  constructor(
    readonly ring: Buffer | null,
    readonly day: Counters,
    readonly record: AgentRecord | null,
    /** An agent's latest event's minute end (it is listed for 65 minutes after it). */
    readonly activeUntil: number,
  ) {}

  sums(kind: BucketKind, currentMinute: number, windows: readonly WindowSpec[]): Record<string, Counters> {
    if (this.summedAt !== currentMinute) {
      this.summed = Object.fromEntries(windows.map((w) => [w.name, sumRing(kind, this.ring, currentMinute - w.minutes, currentMinute)]));
      this.summedAt = currentMinute;
    }
    return this.summed;
  }
}

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  return (results ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

function numbers(raw: Record<string, string>): Counters {
  const out: Counters = {};
  for (const [f, v] of Object.entries(raw)) out[f] = Number(v);
  return out;
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
