// Snapshot scale and Redis memory (the `snapshot` and `memory` phases of `npm run bench`). For each floor size: a fresh,
// dedicated redis-server and a fresh service on the replay clock ("now" is the latest event time), one simulated hour
// of a realistic floor (bench/hour.ts) backfilled over HTTP in time order as fast as ingest allows, then
//   - memory: used_memory of the fresh server before and after the hour, and where it went by key family;
//   - snapshot: SnapshotService.compute() (what the push hub calls) timed in the service process while the floor goes
//     on at its own pace (events at real-time speed), so a snapshot that only re-reads what changed is measured as
//     it would run on a live floor, not on a frozen one.
// Only public entry points are used (POST /api/events, the service's objects in bench/serve.ts, Redis SCAN and
// MEMORY USAGE), so the phases keep working while the store's key layout changes.
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULT_KEY_PREFIX } from '../server/config.js';
import { startPrivateRedis } from '../server/redis-server.js';
import type { AcdEventInput } from '../shared/events.js';
import { MARKER_QUEUE, benchConfigFile, type FloorShape } from './floor.js';
import { HourFloor } from './hour.js';
import type { SnapshotTiming } from './serve.js';
import { startService, type Service } from './service.js';
import { ProcSampler, dist, httpAgent, parseInfo, postEvents, round, roundDist, sleep, type Dist, type ProcUsage } from './util.js';

/** The simulated hour starts here (a weekday morning, UTC = the bench site's time zone), the same every run. */
const HOUR_START = Date.UTC(2026, 2, 2, 8, 0, 0);
const HOUR_MS = 3_600_000;
/** Simulated time posted per round; all senders finish a round before the next, so events are never more than this
 * out of order, well inside the service's lateness (60 s). */
const STEP_MS = 30_000;
/** Events an agent produces in the hour, about (bench/hour.ts): to size the senders to the floor. */
const EVENTS_PER_AGENT_HOUR = 100;
const MB = 2 ** 20;

export interface ScaleOptions {
  runId: string;
  sizes: FloorShape[];
  /** Parallel senders (each owns 1/N of the agents). */
  senders: number;
  batch: number;
  snapshot: boolean;
  memory: boolean;
  /** Timed snapshot computations per size, and the most time spent on them. */
  runs: number;
  budgetSeconds: number;
  /** From one timed computation to the next (the push hub's tick), ms; 0: back to back. */
  paceMs: number;
  /** Keys per family whose MEMORY USAGE is read. */
  memorySample: number;
  tokens: { ingest: string; supervisor: string };
  usersFile: string;
  profDir: string | null;
  /** Registers a cleanup with the bench (run on Ctrl-C too); returns a function that unregisters it. */
  track(cleanup: () => Promise<void>): () => void;
}

export interface KeyFamily {
  /** The key pattern after the prefix: first segment, two when the first is a one- or two-letter kind (m:a, r:q, d:t). */
  family: string;
  keys: number;
  sampled: number;
  /** MEMORY USAGE (SAMPLES 0) of the sampled keys, scaled to all keys of the family. */
  bytes: number;
  bytesPerKey: number;
  /** Median TTL of the sampled keys when read, seconds (null: most have none). */
  ttlSeconds: number | null;
  /**
   * About the bytes this family would hold at the end of a live hour. The hour was replayed in a few minutes, so
   * keys that expire sooner than an hour (dedupe sets, finished calls) are nearly all still there, where live only
   * those written in the last TTL would be: such keys count TTL / 1 h of their size, TTL being the longest one left
   * among them (the key written last; earlier ones have used some of theirs up). Keys with no TTL or a longer one count
   * in full. Redis's own overhead per key is not scaled.
   */
  liveBytes: number;
}

export interface MemoryFigures {
  usedBeforeMB: number;
  usedAfterMB: number;
  /** used_memory growth over the hour per 1,000 agents. */
  perThousandAgentsMB: number;
  datasetMB: number;
  keys: number;
  /** Sum of the families' MEMORY USAGE estimates (excludes Redis's own overhead: dict tables, expires, clients). */
  accountedMB: number;
  /** The same growth with keys that expire within the hour counted as on a live floor (KeyFamily.liveBytes). */
  liveEstimatePerThousandAgentsMB: number;
  /**
   * What the windows take (issue #3's "Redis memory for one hour of windows"): the MEMORY USAGE of the window
   * families (isWindowFamily) per 1,000 agents. Left out: event ids kept for dedupe and calls in progress, which grow
   * with the event rate rather than the agents, alerts, sessions, and Redis's own tables.
   */
  windowsPerThousandAgentsMB: number;
  families: KeyFamily[];
}

export interface SnapshotFigures {
  runs: number;
  /** From one timed computation to the next, ms (0: back to back). */
  paceMs: number;
  /** The first computation after the hour was loaded (nothing cached, code not warmed up), ms. */
  firstMs: number;
  totalMs: Dist;
  /** Inside Store.readFloor (null when compute no longer calls it). */
  readFloorMs: Dist | null;
  /** Store and alert-store calls outstanding (Redis round trips, reply parsing). */
  storeMs: Dist;
  /** The rest of compute(): metrics, rules, assembly in Node. */
  nodeMs: Dist;
  stringifyMs: Dist;
  /** Redis's own time per snapshot (INFO commandstats, all commands, incl. the live events' apply calls). */
  redisUsecPerSnapshot: number;
  redisCallsPerSnapshot: number;
  /** Events posted while timing (the floor at its own pace), events/s. */
  liveEventsPerSecond: number;
  bytes: number;
  agents: number;
  teams: number;
  queues: number;
  alerts: number;
  cpu: Record<string, ProcUsage>;
}

export interface ScaleResult {
  agents: number;
  teams: number;
  queues: number;
  simulatedMinutes: number;
  events: number;
  /** Events by type in the hour (agent.state by state). */
  eventTypes: Record<string, number>;
  /** Answered calls per agent in the hour. */
  callsPerAgent: number;
  fillSeconds: number;
  fillEventsPerSecond: number;
  accepted: number;
  notAccepted: number;
  errors: number;
  fillCpu: Record<string, ProcUsage>;
  memory?: MemoryFigures;
  snapshot?: SnapshotFigures;
  ok: boolean;
  /** Folder of the service's CPU profile (--cpu-prof). */
  profile?: string;
}

/** Posts each part's events in order (batches of `batch`), the parts in parallel. */
async function postParts(agent: http.Agent, port: number, parts: AcdEventInput[][], batch: number, tally: { sent: number; accepted: number; errors: number; firstError: string }) {
  await Promise.all(
    parts.map(async (events) => {
      for (let i = 0; i < events.length; i += batch) {
        const chunk = events.slice(i, i + batch);
        tally.sent += chunk.length;
        try {
          const { answer } = await postEvents(agent, port, chunk, 120_000);
          tally.accepted += answer.accepted;
          if (answer.accepted !== chunk.length && !tally.firstError) tally.firstError = JSON.stringify(answer).slice(0, 300);
        } catch (e) {
          tally.errors++;
          tally.firstError ||= (e as Error).message;
        }
      }
    }),
  );
}

/** Groups a key by its family (see KeyFamily.family); keys outside the prefix are grouped as "(other) <first>". */
export function familyOf(key: string, prefix: string): string {
  const p = prefix.endsWith(':') ? prefix : `${prefix}:`;
  if (!key.startsWith(p)) return `(other) ${key.split(':')[0]}`;
  const segs = key.slice(p.length).split(':');
  const n = segs[0]!.length <= 2 && segs.length > 2 ? 2 : 1;
  return segs.slice(0, n).join(':') + (segs.length > n ? ':*' : '');
}

/**
 * The families that hold the windows: counter rings (r2:, r3:, of any layout), day and interval buckets (d:, i:), the
 * agent records with their recent transitions, and the indexes and meta the reader walks (queues, changed, meta; and
 * agents, agents:on of earlier versions).
 */
export function isWindowFamily(family: string): boolean {
  return /^(r\d*:|d:|i:)/.test(family) || ['agent:*', 'agents', 'agents:*', 'queues', 'changed', 'meta'].includes(family);
}

/** SCANs every key, groups by family, and reads MEMORY USAGE and TTL of up to `sample` keys per family. */
export async function keyFamilies(redis: Redis, prefix: string, sample: number): Promise<KeyFamily[]> {
  const fams = new Map<string, { keys: number; sample: string[] }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 5000);
    cursor = next;
    for (const key of keys) {
      const name = familyOf(key, prefix);
      let f = fams.get(name);
      if (!f) fams.set(name, (f = { keys: 0, sample: [] }));
      f.keys++;
      // reservoir sampling: every key of the family equally likely to be read
      if (f.sample.length < sample) f.sample.push(key);
      else {
        const j = Math.floor(Math.random() * f.keys);
        if (j < sample) f.sample[j] = key;
      }
    }
  } while (cursor !== '0');
  const out: KeyFamily[] = [];
  for (const [family, f] of fams) {
    const pipe = redis.pipeline();
    for (const k of f.sample) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0').pttl(k);
    const replies = ((await pipe.exec()) ?? []).map(([, v]) => Number(v));
    let bytes = 0, shortBytes = 0, shortTtl = 0;
    const ttls: number[] = [];
    for (let i = 0; i < replies.length; i += 2) {
      const b = replies[i] || 0, ttl = replies[i + 1]!; // PTTL: -1 no expiry, -2 gone
      bytes += b;
      ttls.push(ttl);
      if (ttl >= 0 && ttl < HOUR_MS) {
        shortBytes += b;
        shortTtl = Math.max(shortTtl, ttl);
      }
    }
    const live = bytes - shortBytes * (1 - shortTtl / HOUR_MS);
    const n = Math.max(1, f.sample.length);
    const median = ttls.sort((a, b) => a - b)[Math.floor(ttls.length / 2)] ?? -1;
    out.push({
      family,
      keys: f.keys,
      sampled: f.sample.length,
      bytes: Math.round((bytes / n) * f.keys),
      bytesPerKey: Math.round(bytes / n),
      ttlSeconds: median >= 0 ? Math.round(median / 1000) : null,
      liveBytes: Math.round((live / n) * f.keys),
    });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

async function usedMemory(redis: Redis): Promise<{ used: number; dataset: number }> {
  const m = parseInfo(await redis.info('memory'));
  return { used: Number(m.used_memory), dataset: Number(m.used_memory_dataset) };
}

async function redisTotals(redis: Redis): Promise<{ calls: number; usec: number }> {
  const info = parseInfo(await redis.info('commandstats'));
  let calls = 0, usec = 0;
  for (const [k, v] of Object.entries(info)) {
    if (!k.startsWith('cmdstat_')) continue;
    calls += Number(/calls=(\d+)/.exec(v)?.[1] ?? 0);
    usec += Number(/usec=(\d+)/.exec(v)?.[1] ?? 0);
  }
  return { calls, usec };
}

/** One floor size: fresh Redis and service, the hour, then memory and snapshot timings. */
async function scaleSize(o: ScaleOptions, shape: FloorShape, log: (s: string) => void): Promise<ScaleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'floorwatch-bench-scale-'));
  const cleanups: (() => Promise<unknown> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const redisServer = await startPrivateRedis(dir, { persist: false });
    const untrack = o.track(() => redisServer.stop());
    cleanups.push(() => redisServer.stop().then(untrack));
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
    cleanups.push(() => redis.disconnect());
    const redisPid = Number(parseInfo(await redis.info('server')).process_id);
    const before = await usedMemory(redis);

    // the product's default key prefix: key names count in the memory measured (the server is this size's own)
    const prefix = DEFAULT_KEY_PREFIX;
    const base = benchConfigFile(shape, prefix, `${prefix}:events`);
    const config = {
      ...base,
      // the floor's own queues only (no latency marker queue)
      queues: base.queues.filter((q) => q.id !== MARKER_QUEUE),
      // the backfill posts as fast as the service answers: more requests per second than one connector is allowed
      auth: { ingestRequestsPerSecond: 100_000 },
    };
    const profDir = o.profDir ? join(o.profDir, `scale-${shape.agents}`) : null;
    const service: Service = await startService(redisServer.url, config, profDir, {
      BENCH_CLOCK: 'replay',
      BENCH_INGEST_TOKEN: o.tokens.ingest,
      BENCH_SUPERVISOR_TOKEN: o.tokens.supervisor,
      BENCH_USERS_FILE: o.usersFile,
    });
    cleanups.push(() => service.stop());
    const agent = httpAgent(o.senders + 4);
    cleanups.push(() => agent.destroy());
    const sampler = new ProcSampler(new Map([['redis', redisPid], ['service', service.pid], ['bench', process.pid]]));
    sampler.start(1000);
    cleanups.push(() => sampler.stop());

    // ---- the hour, in time order, as fast as the service takes it. A round waits for its slowest sender, so a small
    // floor gets fewer senders with fuller batches rather than many half-empty POSTs.
    const perRound = (shape.agents * EVENTS_PER_AGENT_HOUR * STEP_MS) / HOUR_MS;
    const senders = Math.max(1, Math.min(o.senders, Math.ceil(perRound / o.batch)));
    const hour = new HourFloor(shape, HOUR_START, senders, `h${o.runId}`);
    const tally = { sent: 0, accepted: 0, errors: 0, firstError: '' };
    sampler.begin();
    const t0 = performance.now();
    for (let t = HOUR_START + STEP_MS; t <= HOUR_START + HOUR_MS; t += STEP_MS) {
      await postParts(agent, service.port, hour.advance(t), o.batch, tally);
      if ((t - HOUR_START) % (10 * 60_000) === 0) {
        const s = (performance.now() - t0) / 1000;
        log(`   ${(t - HOUR_START) / 60_000} min simulated: ${tally.sent.toLocaleString('en-US')} events in ${round(s)} s (${Math.round(tally.accepted / s).toLocaleString('en-US')} events/s)`);
      }
      if (tally.errors > 20) throw new Error(`the hour's events are failing: ${tally.firstError}`);
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const fillCpu = sampler.end();
    if (tally.firstError) console.warn(`   not every event was accepted: ${tally.firstError}`);

    const result: ScaleResult = {
      ...shape,
      simulatedMinutes: 60,
      events: tally.sent,
      eventTypes: { ...hour.counts },
      callsPerAgent: round((hour.counts['call.answered'] ?? 0) / shape.agents, 1),
      fillSeconds: round(fillSeconds),
      fillEventsPerSecond: Math.round(tally.accepted / fillSeconds),
      accepted: tally.accepted,
      notAccepted: tally.sent - tally.accepted,
      errors: tally.errors,
      fillCpu,
      ok: tally.errors === 0 && tally.accepted === tally.sent,
    };

    // The first snapshot after the load: nothing cached yet; it also creates the alert states a live floor has.
    const first = await service.request<SnapshotTiming>({ type: 'snapshot-timing', runs: 1, warmup: 0 }, 'snapshot-timing', 300_000);
    if (!first || first.error) throw new Error(`snapshot timing failed: ${first?.error ?? 'no answer within 300 s'}`);

    if (o.memory) {
      const after = await usedMemory(redis);
      const families = await keyFamilies(redis, prefix, o.memorySample);
      const growth = after.used - before.used;
      const replayExcess = families.reduce((sum, f) => sum + f.bytes - f.liveBytes, 0);
      result.memory = {
        usedBeforeMB: round(before.used / MB, 2),
        usedAfterMB: round(after.used / MB, 2),
        perThousandAgentsMB: round(growth / MB / (shape.agents / 1000), 2),
        datasetMB: round(after.dataset / MB, 2),
        keys: families.reduce((s, f) => s + f.keys, 0),
        accountedMB: round(families.reduce((s, f) => s + f.bytes, 0) / MB, 2),
        liveEstimatePerThousandAgentsMB: round((growth - replayExcess) / MB / (shape.agents / 1000), 2),
        windowsPerThousandAgentsMB: round(families.filter((f) => isWindowFamily(f.family)).reduce((s, f) => s + f.liveBytes, 0) / MB / (shape.agents / 1000), 2),
        families,
      };
    }

    if (o.snapshot) {
      // The floor goes on at real-time speed while the snapshots are timed (sim time = end of the hour + elapsed).
      let stop = false;
      const live = { sent: 0, accepted: 0, errors: 0, firstError: '' };
      const liveStart = performance.now();
      const feeder = (async () => {
        // Bounded by `stop`, set when the timing answer arrives (or fails).
        while (!stop) {
          await sleep(250);
          await postParts(agent, service.port, hour.advance(HOUR_START + HOUR_MS + (performance.now() - liveStart)), o.batch, live);
        }
      })();
      const cmdBefore = await redisTotals(redis);
      sampler.begin();
      let timing: SnapshotTiming | null;
      try {
        timing = await service.request<SnapshotTiming>({ type: 'snapshot-timing', runs: o.runs, warmup: 1, budgetMs: o.budgetSeconds * 1000, paceMs: o.paceMs }, 'snapshot-timing', o.budgetSeconds * 1000 + 300_000);
      } finally {
        stop = true;
        await feeder;
      }
      const cpu = sampler.end();
      const cmdAfter = await redisTotals(redis);
      const liveSeconds = (performance.now() - liveStart) / 1000;
      if (!timing || timing.error) throw new Error(`snapshot timing failed: ${timing?.error ?? 'no answer'}`);
      const n = timing.totalMs.length;
      const d = (xs: number[]) => roundDist(dist(xs));
      result.snapshot = {
        runs: n,
        paceMs: timing.paceMs,
        firstMs: round(first.totalMs[0] ?? NaN),
        totalMs: d(timing.totalMs),
        readFloorMs: timing.readFloorMs.length ? d(timing.readFloorMs) : null,
        storeMs: d(timing.storeMs),
        nodeMs: d(timing.nodeMs),
        stringifyMs: d(timing.stringifyMs),
        // +1: the warm-up computation also ran inside the window
        redisUsecPerSnapshot: Math.round((cmdAfter.usec - cmdBefore.usec) / (n + 1)),
        redisCallsPerSnapshot: Math.round((cmdAfter.calls - cmdBefore.calls) / (n + 1)),
        liveEventsPerSecond: Math.round(live.accepted / liveSeconds),
        bytes: timing.bytes,
        agents: timing.agents,
        teams: timing.teams,
        queues: timing.queues,
        alerts: timing.alerts,
        cpu,
      };
      if (live.errors || live.accepted !== live.sent) {
        console.warn(`   live events while timing: ${live.accepted} of ${live.sent} accepted, ${live.errors} errors ${live.firstError}`);
        result.ok = false;
      }
    }
    await service.stop();
    if (profDir) result.profile = profDir;
    return result;
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}

export async function scalePhase(o: ScaleOptions, log: (s: string) => void = console.log): Promise<ScaleResult[]> {
  const out: ScaleResult[] = [];
  for (const shape of o.sizes) {
    log(`   ${shape.agents.toLocaleString('en-US')} agents, ${shape.teams} teams, ${shape.queues} queues: a fresh redis-server and service (replay clock), one simulated hour`);
    const r = await scaleSize(o, shape, log);
    out.push(r);
    const parts = [`${r.events.toLocaleString('en-US')} events (${r.callsPerAgent} calls per agent) in ${r.fillSeconds} s`];
    if (r.memory) parts.push(`Redis: windows ${r.memory.windowsPerThousandAgentsMB} MB, all ${r.memory.perThousandAgentsMB} MB per 1,000 agents`);
    if (r.snapshot) parts.push(`snapshot p50 ${r.snapshot.totalMs.p50} ms, p95 ${r.snapshot.totalMs.p95} ms`);
    log(`   -> ${parts.join('; ')}`);
  }
  return out;
}
