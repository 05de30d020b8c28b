// Bench child: starts the real Floorwatch service in its own process (own event loop), configured from environment
// variables set by bench/run.ts, and prints one JSON line `{"port":N,"pid":N}` on stdout once it listens.
//
//   BENCH_REDIS_URL     redis://127.0.0.1:PORT (required)
//   BENCH_CONFIG_JSON   the config file object, as JSON (required; built by bench/floor.ts)
//   BENCH_LOG_LEVEL     pino level, default "warn" (logs go to stderr)
//   BENCH_INGEST_TOKEN, BENCH_SUPERVISOR_TOKEN   bearer tokens for POST /api/events and the screens' sockets
//   BENCH_USERS_FILE    the service's users file (kept out of the working tree)
//   BENCH_CLOCK         FLOORWATCH_CLOCK for the service: "replay" for a backfilled, simulated hour (default wall)
//
// Run it with `node --import tsx bench/serve.ts` (add --cpu-prof to profile). With an IPC channel it answers
// {type:'stats'} with its own CPU, memory and event-loop delay, {type:'snapshot-timing'} with the time of snapshot
// computations (see timeSnapshots), stops on {type:'stop'}, and exits if the parent goes.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { buildConfig } from '../server/config.js';
import { startFloorwatch, type Floorwatch } from '../server/floorwatch.js';
import { PushPacer } from '../server/push/pacer.js';

export interface ServeStats {
  type: 'stats';
  /** process.cpuUsage(), microseconds. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the last stats request, ms. */
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Per computation, ms (index i is run i), of what the push hub does for each push: SnapshotService.compute(). */
export interface SnapshotTiming {
  type: 'snapshot-timing';
  /** compute() from call to result. */
  totalMs: number[];
  /** Inside Store.readFloor, Redis round trips and the parsing of their replies (empty if compute no longer calls it). */
  readFloorMs: number[];
  /** With at least one Store / AlertsStore call outstanding (Redis, incl. alert states and reply parsing). */
  storeMs: number[];
  /** The rest: metrics (buildSnapshot), alert rules, assembling the snapshot, in Node. */
  nodeMs: number[];
  /** JSON.stringify of the result, each time the hub would push it to a supervisor's screen (PushPacer). */
  stringifyMs: number[];
  /** Each computation started this long after the one before (the push hub's tick), or at once when 0. */
  paceMs: number;
  bytes: number;
  agents: number;
  teams: number;
  queues: number;
  alerts: number;
  error?: string;
}

async function main() {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const configJson = process.env.BENCH_CONFIG_JSON;
  if (!redisUrl || !configJson) throw new Error('bench/serve.ts needs BENCH_REDIS_URL and BENCH_CONFIG_JSON');
  const env: NodeJS.ProcessEnv = { PORT: '0', FLOORWATCH_SIMULATOR: 'off' };
  if (process.env.BENCH_CLOCK) env.FLOORWATCH_CLOCK = process.env.BENCH_CLOCK;
  if (process.env.BENCH_USERS_FILE) env.FLOORWATCH_USERS_FILE = process.env.BENCH_USERS_FILE;
  const config = buildConfig(JSON.parse(configJson), env);
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  // A variable, not a literal: options this version of the service does not know are ignored, not a type error.
  const options = {
    config,
    redisUrl,
    log,
    host: '127.0.0.1',
    consumerName: `bench-${process.pid}`,
    ingestToken: process.env.BENCH_INGEST_TOKEN || undefined,
    supervisorToken: process.env.BENCH_SUPERVISOR_TOKEN || undefined,
  };
  const fw: Floorwatch = await startFloorwatch(options);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code || 1), 5000);
    force.unref();
    try {
      await fw.stop();
    } catch (err) {
      log.error({ err }, 'bench serve: stop failed');
    }
    loop.disable();
    // process.exit (not a hard kill) so that --cpu-prof writes its profile.
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  let timing = false;
  if (process.send) {
    process.on('message', (msg: { type?: string }) => {
      if (msg?.type === 'stop') void stop(0);
      else if (msg?.type === 'snapshot-timing' && !timing) {
        const { runs = 20, warmup = 2, budgetMs = 60_000, paceMs = 0 } = msg as { runs?: number; warmup?: number; budgetMs?: number; paceMs?: number };
        timing = true;
        void timeSnapshots(fw, runs, warmup, budgetMs, paceMs)
          .catch((err: Error): SnapshotTiming => ({ ...emptyTiming(), error: err.stack ?? err.message }))
          .then((r) => {
            timing = false;
            process.send?.(r);
          });
      } else if (msg?.type === 'stats') {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        const stats: ServeStats = {
          type: 'stats',
          cpuUserUs: cpu.user,
          cpuSystemUs: cpu.system,
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          loopDelayP50Ms: loop.percentile(50) / 1e6,
          loopDelayP99Ms: loop.percentile(99) / 1e6,
          loopDelayMaxMs: loop.max / 1e6,
        };
        loop.reset();
        process.send?.(stats);
      }
    });
    // The bench went away: do not linger.
    process.on('disconnect', () => void stop(0));
  }
  process.stdout.write(JSON.stringify({ port: fw.port, pid: process.pid }) + '\n');
}

const emptyTiming = (): SnapshotTiming => ({ type: 'snapshot-timing', totalMs: [], readFloorMs: [], storeMs: [], nodeMs: [], stringifyMs: [], paceMs: 0, bytes: 0, agents: 0, teams: 0, queues: 0, alerts: 0 });

/**
 * Times `runs` computations of the snapshot as the push hub makes them (fw.snapshots.compute()), after `warmup`
 * untimed ones, stopping early once budgetMs is spent (at least 3 runs). Like the hub, one computation per tick of
 * `paceMs`, the push interval (the hub never computes back to back), serialised when the hub would push it to a
 * supervisor's screen. To split Redis from Node without touching the service, every method of fw.store and fw.alerts is wrapped on the instance for the duration: the time during which
 * one of their promises is outstanding is the store's share, the rest of compute() is Node's. Whatever the store's
 * internals become, this keeps measuring.
 */
async function timeSnapshots(fw: Floorwatch, runs: number, warmup: number, budgetMs: number, paceMs: number): Promise<SnapshotTiming> {
  let outstanding = 0, busySince = 0, storeMs = 0, readFloorMs = 0, readFloorCalls = 0;
  const restore: (() => void)[] = [];
  for (const target of [fw.store, fw.alerts] as object[]) {
    const proto = Object.getPrototypeOf(target) as object;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const wrapped = function (this: unknown, ...args: unknown[]) {
        const result = (fn as (...a: unknown[]) => unknown).apply(this, args);
        if (!(result instanceof Promise)) return result;
        const t0 = performance.now();
        if (outstanding++ === 0) busySince = t0;
        return result.finally(() => {
          const t1 = performance.now();
          if (name === 'readFloor') {
            readFloorMs += t1 - t0;
            readFloorCalls++;
          }
          if (--outstanding === 0) storeMs += t1 - busySince;
        });
      };
      Object.defineProperty(target, name, { value: wrapped, configurable: true, writable: true });
      restore.push(() => delete (target as Record<string, unknown>)[name]);
    }
  }
  const out = emptyTiming();
  const profile = process.env.BENCH_SNAPSHOT_PROFILE ? await startProfile() : null;
  let held: unknown = null;
  const pacer = new PushPacer<unknown>(paceMs / 2);
  try {
    for (let i = 0; i < warmup; i++) await fw.snapshots.compute();
    const start = performance.now();
    for (let i = 0; i < runs && (i < 3 || performance.now() - start < budgetMs); i++) {
      storeMs = readFloorMs = readFloorCalls = 0;
      const t0 = performance.now();
      const snap = await fw.snapshots.compute();
      const total = performance.now() - t0;
      held = snap; // the hub keeps its last snapshot (for clients that connect) until the next one, and lets the one
      // before go before it pushes (PushHub: latest = snap; broadcast(snap))
      // a supervisor's screen is pushed the whole snapshot when its turn comes, as the hub paces it (PushPacer)
      const pushAt = performance.now();
      if (pacer.due('full', snap, pushAt)) {
        const sent = serialise(snap);
        pacer.sent('full', snap, pushAt, performance.now());
        out.stringifyMs.push(sent.ms);
        out.bytes = sent.bytes;
      }
      out.totalMs.push(total);
      out.storeMs.push(storeMs);
      out.nodeMs.push(Math.max(0, total - storeMs));
      if (readFloorCalls > 0) out.readFloorMs.push(readFloorMs);
      Object.assign(out, { paceMs, agents: snap.agents.length, teams: snap.teams.length, queues: snap.queues.length, alerts: snap.alerts.length });
      const wait = t0 + paceMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    for (const r of restore) r();
    if (profile) await profile.stop(process.env.BENCH_SNAPSHOT_PROFILE!);
  }
  return out;
}

/**
 * Serialises a snapshot as a push does (the hub's socket.io emit), timed. The string is dropped here, as a push drops
 * it once written: kept in the timing loop's frame across its wait, a 12 MB string per tick outlived the next
 * computation and was promoted by the scavenge inside it, garbage the service does not make.
 */
function serialise(snap: unknown): { ms: number; bytes: number } {
  const t0 = performance.now();
  const json = JSON.stringify(snap);
  const ms = performance.now() - t0;
  return { ms, bytes: Buffer.byteLength(json) };
}

/** A CPU profile of this process from now until stop(file) (BENCH_SNAPSHOT_PROFILE: the timed snapshots only, where
 * --cpu-prof would also take in the hour's loading). */
async function startProfile() {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

main().catch((err) => {
  console.error('bench serve failed:', err);
  process.exit(1);
});
