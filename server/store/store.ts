// The only code that talks to Redis about floor state: applies event batches (Lua) and reads what a snapshot needs.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { AcdEvent, AgentState } from '../../shared/events.js';
import { MINUTE_MS } from '../../shared/time.js';
import { AGENT_SUM_FIELDS, MAXIMA } from '../metrics/formulas.js';
import { RING_KEY, keyBuilder, type BucketKind, type Keys } from './keys.js';
import { RING_FIELDS, RING_LAYOUT, RING_SLOTS, addMinutes, countersOf, readMinute, ringDay, type Counters } from './rings.js';

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
  /** A call waiting longer than this no longer counts as waiting: its outcome was lost (ingest.maxWaitMinutes). */
  maxWaitMs: number;
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
  /** `since` as an ISO string, made when the record is read (the snapshot shows it for every agent). */
  sinceIso: string;
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
  /** Calls dropped from the waiting sets as lost (see dropLostCalls). */
  lostCalls: number;
  version: number;
  /** Changes when settled history may have been rewritten: the store was cleared, or events were backfilled with the
   * lateness waived (readers that keep settled intervals forget them). */
  history: string;
}

/** A snapshot's time, from the store's meta (see Store.readFloor). */
export interface FloorClock {
  now: number;
  dayStart: number;
}

export interface FloorState extends FloorClock {
  meta: StoreMeta;
  /** The agents listed (logged in, or active within the hour), by id. */
  agents: AgentRecord[];
  /**
   * Each agent's closed totals (from its ring and day bucket), in one array the reader may keep and change: for agent
   * i, window j (the windows asked for, in order, then "today") and field k of AGENT_SUM_FIELDS, at
   * (i * agentWindows.length + j) * AGENT_SUM_FIELDS.length + k.
   */
  agentSums: Float64Array;
  /** The windows of agentSums, in order: the names of the rolling windows asked for, then 'today'. */
  agentWindows: string[];
  /** Each team's agents, as indexes into `agents`. */
  teamMembers: ReadonlyMap<string, readonly number[]>;
  teamIds: string[];
  queueIds: string[];
  waiting: Map<string, { count: number; oldestTs: number | null }>;
  buckets: Record<'q' | 't', Map<string, EntityBuckets>>;
}

/** An agent is listed while logged in, and for 65 minutes after the minute of its latest event. */
const AGENT_LISTED_MS = 65 * MINUTE_MS;
/** A logged-out agent with no event for this long leaves the change index at a full read, so that full reads do not
 * read every agent the site has ever had; its next event puts it back (its record stays). */
const AGENT_FORGOTTEN_MS = 24 * 3_600_000;
/** A ring outlives its latest minute by a little more than it covers (RING_SLOTS minutes); renewed when that moves on. */
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
  fwForget(changed: string, ...memberVersionPairs: string[]): Promise<number>;
};

// Removes members of the change index that still have the version they were read with: a member written since (the
// apply script gave it a later version) stays.
const FORGET_SCRIPT = `local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return n`;

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
    if (!('fwForget' in redis)) redis.defineCommand('fwForget', { numberOfKeys: 1, lua: FORGET_SCRIPT });
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
      ringKeys: RING_KEY,
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
    if (waiveLateness) pipeline.hincrby(this.keys.meta(), 'backfills', 1);
    const results = (await pipeline.exec()) ?? [];
    if (waiveLateness) results.pop();
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
   * Everything a snapshot needs: agents, waiting calls, and window and "today" totals per entity. `clock` gives the
   * snapshot's time and day period from the meta hash read here (the replay clock's "now" is the latest event time).
   * Rings and day buckets are cached and only what changed since the last read is fetched again (see FloorCache); reads
   * take turns, so that two snapshots computed at once never mix their updates of the cache.
   */
  readFloor(clock: (meta: StoreMeta) => FloorClock, windows: readonly WindowSpec[], extraQueueIds: readonly string[], extraTeamIds: readonly string[]): Promise<FloorState> {
    const read = this.reading.then(() => this.readFloorNow(clock, windows, extraQueueIds, extraTeamIds));
    this.reading = read.catch(() => {});
    return read;
  }

  /**
   * Calls waiting longer than maxWaitMs had their outcome lost: they leave the waiting sets, are counted in meta's
   * lostCalls, and the queues' counts are read again (a third round trip, only when there is such a call). Returns
   * how many were dropped.
   */
  private async dropLostCalls(waiting: Map<string, Waiting>, now: number): Promise<number> {
    const before = now - this.options.maxWaitMs;
    const lost = [...waiting].filter(([, w]) => w.oldestTs !== null && w.oldestTs < before).map(([q]) => q);
    if (!lost.length) return 0;
    const k = this.keys;
    const drop = this.reader.pipeline();
    for (const q of lost) drop.zremrangebyscore(k.waiting(q), '-inf', `(${before}`).zcard(k.waiting(q)).zrange(k.waiting(q), 0, 0, 'WITHSCORES');
    const r = unwrap(await drop.exec());
    lost.forEach((q, i) => waiting.set(q, waitingOf(r[3 * i + 1], r[3 * i + 2])));
    const dropped = lost.reduce((sum, _q, i) => sum + Number(r[3 * i]), 0);
    if (dropped) await this.reader.hincrby(k.meta(), 'lostCalls', dropped);
    return dropped;
  }

  private async readFloorNow(clock: (meta: StoreMeta) => FloorClock, windows: readonly WindowSpec[], extraQueueIds: readonly string[], extraTeamIds: readonly string[]): Promise<FloorState> {
    const k = this.keys;
    const cache = this.cache;
    // First round trip: meta, then (after it, so that nothing changed up to meta's version is missed) the entities
    // changed since the cached version, and the waiting calls of the queues known at the last read.
    const queuesBefore = cache.queueIds.length ? cache.queueIds : sortedUnique(extraQueueIds);
    const first = this.reader.pipeline().hgetall(k.meta()).smembers(k.queues()).zrangebyscore(k.changed(), `(${cache.version}`, '+inf', 'WITHSCORES');
    for (const q of queuesBefore) first.zcard(k.waiting(q)).zrange(k.waiting(q), 0, 0, 'WITHSCORES');
    const r1 = unwrap(await first.exec());
    const metaRaw = r1[0] as Record<string, string>;
    const meta = parseMeta(metaRaw);
    const { now, dayStart } = clock(meta);
    const epoch = metaRaw.epoch ?? '';
    // everything is read again when the store is new, the day rolled over, or (first read) nothing is cached
    const full = cache.epoch !== epoch || cache.dayStart !== dayStart || meta.version < cache.version;
    const readSince = cache.version;
    if (full) cache.reset(epoch, dayStart);
    const queueIds = sortedUnique([...extraQueueIds, ...(r1[1] as string[])]);
    const waitingRead = new Map<string, Waiting>();
    queuesBefore.forEach((q, i) => waitingRead.set(q, waitingOf(r1[3 + 2 * i], r1[4 + 2 * i])));

    // What changed, by kind ("<kind>:<id>"; the kind is one letter), from members and their versions.
    const changed: Record<BucketKind, Set<string>> = { q: new Set(), t: new Set(), a: new Set() };
    const sinceRead = r1[2] as string[];
    if (!full) for (let i = 0; i < sinceRead.length; i += 2) changed[sinceRead[i]![0] as BucketKind]?.add(sinceRead[i]!.slice(2));

    // Agents to read: on a full read every agent the change index holds (listAgents keeps those logged in or active
    // within the hour, by their records); afterwards the ones the apply script wrote since (an agent becomes active
    // only through an event of its own).
    const since = now - AGENT_LISTED_MS;
    let agentsToRead = [...changed.a];
    // on a full read, each agent's version in the index (to forget the long gone, below)
    const indexed = new Map<string, string>();
    if (full) {
      const index = readSince === 0 ? sinceRead : await this.reader.zrange(k.changed(), 0, -1, 'WITHSCORES');
      for (let i = 0; i < index.length; i += 2) if (index[i]!.startsWith('a:')) indexed.set(index[i]!.slice(2), index[i + 1]!);
      agentsToRead = [...indexed.keys()];
    }
    // Queues and teams: those changed or not cached yet (teams first seen through an agent read now follow below).
    const stale = (kind: 'q' | 't', ids: Iterable<string>) => [...ids].filter((id) => changed[kind].has(id) || !cache.entities[kind].has(id));
    const entitiesToRead: (readonly ['q' | 't', string])[] = [
      ...stale('q', queueIds).map((id) => ['q', id] as const),
      ...stale('t', new Set([...extraTeamIds, ...changed.t, ...cache.entities.t.keys()])).map((id) => ['t', id] as const),
    ];
    const newQueues = queueIds.filter((q) => !waitingRead.has(q));
    const second = this.reader.pipeline();
    for (const id of agentsToRead) second.hmget(k.agent(id), ...AGENT_FIELDS).getBuffer(k.ring('a', id));
    for (const [kind, id] of entitiesToRead) second.getBuffer(k.ring(kind, id)).hgetall(k.dayBucket(kind, id, dayStart));
    for (const q of newQueues) second.zcard(k.waiting(q)).zrange(k.waiting(q), 0, 0, 'WITHSCORES');
    const r2 = agentsToRead.length || entitiesToRead.length || newQueues.length ? unwrap(await second.exec()) : [];
    const forgotten: string[] = [];
    agentsToRead.forEach((id, i) => {
      const { record, activeUntil } = agentRecord(id, r2[2 * i] as (string | null)[]);
      const ring = r2[2 * i + 1] as Buffer | null;
      cache.entities.a.set(id, new CachedEntity('a', ring, ringDay('a', ring, dayStart), record, activeUntil));
      const gone = !record || record.state === 'out';
      if (gone && indexed.has(id) && activeUntil < now - AGENT_FORGOTTEN_MS) forgotten.push(`a:${id}`, indexed.get(id)!);
    });
    if (forgotten.length) await this.redis.fwForget(k.changed(), ...forgotten);
    const e0 = 2 * agentsToRead.length;
    entitiesToRead.forEach(([kind, id], i) => cache.entities[kind].set(id, new CachedEntity(kind, r2[e0 + 2 * i] as Buffer | null, numbers(r2[e0 + 2 * i + 1] as Record<string, string>))));
    const w0 = e0 + 2 * entitiesToRead.length;
    newQueues.forEach((q, i) => waitingRead.set(q, waitingOf(r2[w0 + 2 * i], r2[w0 + 2 * i + 1])));
    meta.lostCalls += await this.dropLostCalls(waitingRead, now);
    const waiting = new Map(queueIds.map((q) => [q, waitingRead.get(q)!]));

    const currentMinute = Math.floor(now / MINUTE_MS);
    const nested = [...windows].sort((a, b) => a.minutes - b.minutes);
    const listing = cache.listAgents(agentsToRead, since, currentMinute, windows, nested);

    // Teams: the configured ones and any with an agent listed.
    const teamIds = sortedUnique([...extraTeamIds, ...listing.members.keys()]);
    const missing = teamIds.filter((id) => !cache.entities.t.has(id));
    if (missing.length) {
      const third = this.reader.pipeline();
      for (const id of missing) third.getBuffer(k.ring('t', id)).hgetall(k.dayBucket('t', id, dayStart));
      const r3 = unwrap(await third.exec());
      missing.forEach((id, i) => cache.entities.t.set(id, new CachedEntity('t', r3[2 * i] as Buffer | null, numbers(r3[2 * i + 1] as Record<string, string>))));
    }
    const buckets = { q: new Map<string, EntityBuckets>(), t: new Map<string, EntityBuckets>() };
    for (const [kind, ids] of [['q', queueIds], ['t', teamIds]] as const) {
      // every id listed is cached: more cached means some are no longer listed
      if (cache.entities[kind].size > ids.length) {
        const keep = new Set(ids);
        for (const id of cache.entities[kind].keys()) if (!keep.has(id)) cache.entities[kind].delete(id);
      }
      for (const id of ids) buckets[kind].set(id, cache.entities[kind].get(id)!.bucketsAt(currentMinute, nested));
    }
    cache.version = meta.version;
    cache.queueIds = queueIds;
    // copies: the cache's listing is patched in place by the next read (its members only change in a new listing)
    const agentWindows = [...windows.map((w) => w.name), 'today'];
    return { meta, now, dayStart, agents: listing.agents.slice(), agentSums: listing.sums.slice(), agentWindows, teamMembers: listing.members, teamIds, queueIds, waiting, buckets };
  }

  /**
   * The 15-minute interval buckets (the series) of queues or teams, by id and bucket start; only `fields` of each when
   * given (a team's buckets also hold two fields per agent, which most readers do not need).
   */
  async readIntervals(kind: 'q' | 't', ids: readonly string[], starts: readonly number[], fields?: readonly string[]): Promise<Map<string, Map<number, Counters>>> {
    const pipe = this.reader.pipeline();
    for (const id of ids) {
      for (const start of starts) {
        if (fields) pipe.hmget(this.keys.intervalBucket(kind, id, start), ...fields);
        else pipe.hgetall(this.keys.intervalBucket(kind, id, start));
      }
    }
    const results = ids.length && starts.length ? unwrap(await pipe.exec()) : [];
    const out = new Map<string, Map<number, Counters>>();
    ids.forEach((id, i) => {
      const byStart = new Map<number, Counters>();
      starts.forEach((start, j) => {
        const reply = results[i * starts.length + j];
        const raw = fields ? present(fields, reply as (string | null)[]) : (reply as Record<string, string>);
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
  /** The latest readFloor (the next one waits for it). */
  private reading: Promise<unknown> = Promise.resolve();
}

/**
 * What one process has read of the floor: each entity's ring and day totals (and an agent's record), with its window
 * sums for the current minute. The apply script lists every entity it writes in the `changed` index with its version,
 * so a read fetches only the entities changed since the version it last saw; a ring knows which minutes it holds, so
 * sums of an unchanged ring stay right as time moves on (they are recomputed once a minute).
 */
class FloorCache {
  version = 0;
  epoch: string | null = null;
  dayStart = -1;
  /** Every agent cached is listed (see listAgents); queues and teams are those of the last read. */
  entities: Record<BucketKind, Map<string, CachedEntity>> = { q: new Map(), t: new Map(), a: new Map() };
  /** The queues of the last read: their waiting calls are read in the first round trip. */
  queueIds: string[] = [];
  private listing: Listing | null = null;

  reset(epoch: string, dayStart: number): void {
    this.version = 0;
    this.epoch = epoch;
    this.dayStart = dayStart;
    this.entities = { q: new Map(), t: new Map(), a: new Map() };
    this.listing = null;
  }

  /**
   * The agents listed (logged in, or active within the hour: activeUntil >= since), by id, with their totals at
   * `currentMinute` in one array (Listing.sums). The listing is kept between reads: when the minute turns, every
   * agent's sums move on in place (no object made for 10,000 agents); the agents just read (`read`) are patched in;
   * it is made again when an agent joins or leaves it or changes team, or a logged-out agent's hour runs out (rows of
   * agents not read are copied over). Agents not listed leave the cache (an event of theirs brings them back).
   */
  listAgents(read: readonly string[], since: number, currentMinute: number, windows: readonly WindowSpec[], nested: readonly WindowSpec[]): Listing {
    const listed = (e: CachedEntity | undefined): e is CachedEntity & { record: AgentRecord } =>
      !!e?.record && (e.record.state !== 'out' || e.activeUntil >= since);
    const layout = windows.map((w) => `${w.name}:${w.minutes}`).join();
    const row = (windows.length + 1) * AGENT_SUM_FIELDS.length;
    const l = this.listing?.layout === layout ? this.listing : null;
    if (l && l.minute !== currentMinute) {
      // the minute turned: a ring's sums move on by a minute, or are summed again after a longer gap (the agents
      // read now get theirs below)
      const shift = l.minute === currentMinute - 1;
      l.ids.forEach((id, i) => {
        const e = this.entities.a.get(id)!;
        if (shift) shiftAgentSums(e.ring, currentMinute, windows, l.sums, i * row);
        else writeAgentSums(e, currentMinute, windows, nested, l.sums, i * row);
      });
      l.minute = currentMinute;
    }
    const patch =
      l !== null &&
      since <= l.firstExpiry &&
      read.every((id) => {
        const i = l.index.get(id);
        const e = this.entities.a.get(id);
        return i === undefined ? !listed(e) : listed(e) && e.record.teamId === l.agents[i]!.teamId;
      });
    if (patch) {
      for (const id of read) {
        const i = l.index.get(id);
        const e = this.entities.a.get(id)!;
        if (i === undefined) {
          this.entities.a.delete(id);
          continue;
        }
        l.agents[i] = e.record!;
        writeAgentSums(e, currentMinute, windows, nested, l.sums, i * row);
        if (e.record!.state === 'out') l.firstExpiry = Math.min(l.firstExpiry, e.activeUntil);
      }
      return l;
    }
    const known = l?.index ?? new Map<string, number>();
    const added = read.filter((id) => !known.has(id));
    const order = added.length ? [...(l?.ids ?? []), ...added].sort() : (l?.ids ?? []);
    const ids = order.filter((id) => {
      const keep = listed(this.entities.a.get(id));
      if (!keep) this.entities.a.delete(id);
      return keep;
    });
    const fresh = new Set(read);
    const next: Listing = { layout, minute: currentMinute, ids, index: new Map(), agents: [], sums: new Float64Array(ids.length * row), members: new Map(), firstExpiry: Infinity };
    ids.forEach((id, i) => {
      const e = this.entities.a.get(id) as CachedEntity & { record: AgentRecord };
      next.index.set(id, i);
      next.agents.push(e.record);
      const before = l?.index.get(id);
      if (l && before !== undefined && !fresh.has(id)) next.sums.set(l.sums.subarray(before * row, (before + 1) * row), i * row);
      else writeAgentSums(e, currentMinute, windows, nested, next.sums, i * row);
      const members = next.members.get(e.record.teamId);
      if (members) members.push(i);
      else next.members.set(e.record.teamId, [i]);
      if (e.record.state === 'out') next.firstExpiry = Math.min(next.firstExpiry, e.activeUntil);
    });
    this.listing = next;
    return next;
  }
}

/** The agents listed at a read (FloorCache.listAgents). */
interface Listing {
  /** The rolling windows of `sums` (names and lengths): a read asking for others makes a new listing. */
  layout: string;
  /** The minute their totals are for. */
  minute: number;
  /** Agent ids, sorted, and each one's index in the arrays. */
  ids: string[];
  index: Map<string, number>;
  agents: AgentRecord[];
  /** Each agent's totals, laid out as FloorState.agentSums. */
  sums: Float64Array;
  /** Each team's agents, as indexes into the arrays. */
  members: Map<string, number[]>;
  /** The earliest activeUntil of a logged-out agent listed: past it, that agent leaves the listing. */
  firstExpiry: number;
}

class CachedEntity {
  private summedAt = -1;
  private buckets: EntityBuckets | null = null;
  constructor(
    private readonly kind: BucketKind,
    readonly ring: Buffer | null,
    readonly day: Counters,
    readonly record: AgentRecord | null = null,
    /** An agent's latest event's minute end (it is listed for 65 minutes after it). */
    readonly activeUntil = 0,
  ) {}

  /**
   * A queue's or team's window sums at the current minute; a new object when they change (a snapshot may still hold
   * the old one). When the minute has just turned, sums without maxima move on by one minute: each window drops its
   * first minute and takes the new one (two minutes read instead of all 61). (An agent's sums are kept in the
   * listing: writeAgentSums.)
   */
  bucketsAt(currentMinute: number, nested: readonly WindowSpec[]): EntityBuckets {
    if (this.summedAt !== currentMinute || !this.buckets) {
      const windows =
        this.buckets && this.summedAt === currentMinute - 1 && SUMS_ONLY[this.kind]
          ? shiftedSums(this.kind, this.ring, this.buckets.windows, currentMinute, nested)
          : windowSums(this.kind, this.ring, currentMinute, nested);
      this.buckets = { windows, today: this.day };
      this.summedAt = currentMinute;
    }
    return this.buckets;
  }
}

/** Kinds whose ring fields are all sums (no maxima): their window sums can move on a minute by subtraction. */
const SUMS_ONLY = Object.fromEntries(
  (['q', 't', 'a'] as const).map((kind) => [kind, Object.keys(RING_LAYOUT[kind].fields).every((f) => !MAXIMA.has(f))]),
) as Record<BucketKind, boolean>;

/** One minute's values of a ring, as readMinute writes them (reused: a shift is done in one go). */
const addedMinute = new Float64Array(32);
const droppedMinute = new Float64Array(32);

/** Window sums at `currentMinute` from those at the minute before (sums only: see SUMS_ONLY). */
function shiftedSums(kind: BucketKind, ring: Buffer | null, before: Record<string, Counters>, currentMinute: number, nested: readonly WindowSpec[]): Record<string, Counters> {
  const fields = RING_FIELDS[kind];
  readMinute(kind, ring, currentMinute, addedMinute);
  const out: Record<string, Counters> = {};
  for (const w of nested) {
    const was = before[w.name] ?? {};
    readMinute(kind, ring, currentMinute - 1 - w.minutes, droppedMinute);
    // a field that sums to 0 is left out, as a sum made afresh leaves it out
    const t: Counters = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = (was[f] ?? 0) - droppedMinute[i]! + addedMinute[i]!;
      if (v !== 0) t[f] = v;
    }
    out[w.name] = t;
  }
  return out;
}

/**
 * The rolling windows' totals of a ring at `currentMinute`, handed to `take` shortest first, in RING_FIELDS order
 * (maxima stored plus one: see countersOf; the array is reused). The windows all end at the current minute, so each
 * is the one before plus the minutes that one leaves out: every minute is read once.
 */
function eachWindowSum(kind: BucketKind, ring: Buffer | null, currentMinute: number, nested: readonly WindowSpec[], take: (w: WindowSpec, values: Float64Array) => void): void {
  const acc = windowScratch.fill(0, 0, RING_FIELDS[kind].length);
  let summedFrom = currentMinute + 1;
  for (const w of nested) {
    const first = currentMinute - w.minutes;
    addMinutes(kind, ring, first, summedFrom - 1, acc);
    summedFrom = Math.min(summedFrom, first);
    take(w, acc);
  }
}

/** The running totals of eachWindowSum (reused: it makes no object). */
const windowScratch = new Float64Array(32);

/** The rolling windows' totals of a ring at `currentMinute`, by window name. */
function windowSums(kind: BucketKind, ring: Buffer | null, currentMinute: number, nested: readonly WindowSpec[]): Record<string, Counters> {
  const out: Record<string, Counters> = {};
  eachWindowSum(kind, ring, currentMinute, nested, (w, values) => (out[w.name] = countersOf(kind, values)));
  return out;
}

/** Where each of AGENT_SUM_FIELDS is in readMinute's output for an agent ring. */
const AGENT_RING_AT = AGENT_SUM_FIELDS.map((f) => RING_FIELDS.a.indexOf(f));

/** Writes an agent's totals at `at` of `into` (one row of FloorState.agentSums), the windows summed afresh from its
 * ring (an agent's fields are all sums: the values are the totals). */
function writeAgentSums(e: CachedEntity, currentMinute: number, windows: readonly WindowSpec[], nested: readonly WindowSpec[], into: Float64Array, at: number): void {
  const F = AGENT_SUM_FIELDS.length;
  eachWindowSum('a', e.ring, currentMinute, nested, (w, values) => {
    const j = windows.indexOf(w);
    for (let k = 0; k < F; k++) into[at + j * F + k] = values[AGENT_RING_AT[k]!]!;
  });
  for (let k = 0; k < F; k++) into[at + windows.length * F + k] = e.day[AGENT_SUM_FIELDS[k]!] ?? 0;
}

/** Moves an agent's window sums at `at` of `into` on from the minute before `currentMinute` (its day total stays):
 * each window takes the new minute and drops the one it no longer covers. */
function shiftAgentSums(ring: Buffer | null, currentMinute: number, windows: readonly WindowSpec[], into: Float64Array, at: number): void {
  const F = AGENT_SUM_FIELDS.length;
  readMinute('a', ring, currentMinute, addedMinute);
  for (let j = 0; j < windows.length; j++) {
    readMinute('a', ring, currentMinute - 1 - windows[j]!.minutes, droppedMinute);
    for (let k = 0; k < F; k++) {
      const i = at + j * F + k;
      into[i] = into[i]! + addedMinute[AGENT_RING_AT[k]!]! - droppedMinute[AGENT_RING_AT[k]!]!;
    }
  }
}

/** The agent hash fields a snapshot reads (server/store/keys.ts). */
const AGENT_FIELDS = ['team', 'name', 'st', 'r', 'c', 'since', 'qs', 'at'] as const;

/** An agent's record from its hash (AGENT_FIELDS; null without a state), and until when it is listed though logged out. */
function agentRecord(agentId: string, [team, name, st, r, c, since, qs, at]: (string | null)[]): { record: AgentRecord | null; activeUntil: number } {
  const record: AgentRecord | null = st
    ? {
        agentId,
        teamId: team ?? 'unassigned',
        name: name ?? agentId,
        state: st as AgentRecord['state'],
        reason: r ?? '',
        category: c ?? '',
        since: Number(since),
        sinceIso: new Date(Number(since)).toISOString(),
        // Lua's cjson writes an empty list as {}: anything but a list is no queues
        queues: qs ? [JSON.parse(qs)].flatMap((x: unknown) => (Array.isArray(x) ? (x as string[]) : [])) : [],
      }
    : null;
  // the end of the minute of its latest event: listed until 65 minutes after it
  const activeUntil = at ? Math.floor(Number(at) / MINUTE_MS) * MINUTE_MS + MINUTE_MS - 1 : 0;
  return { record, activeUntil };
}

type Waiting = { count: number; oldestTs: number | null };

/** A queue's waiting calls from ZCARD and ZRANGE 0 0 WITHSCORES of its waiting set. */
function waitingOf(count: unknown, oldest: unknown): Waiting {
  const o = oldest as string[];
  return { count: Number(count), oldestTs: o.length === 2 ? Number(o[1]) : null };
}

const sortedUnique = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

/** The fields an HMGET found (null: absent), by name. */
function present(fields: readonly string[], values: readonly (string | null)[]): Record<string, string> {
  const out: Record<string, string> = {};
  fields.forEach((f, i) => {
    if (values[i] !== null) out[f] = values[i]!;
  });
  return out;
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
    lostCalls: n('lostCalls'),
    version: n('version'),
    history: `${raw.epoch ?? ''}:${n('backfills')}`,
  };
}
