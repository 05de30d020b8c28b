// Floorwatch benchmark (`npm run bench`, `npm run bench -- --quick`). Starts its own redis-server and the real service
// in a child process (bench/serve.ts), then measures (phases selectable with --phases):
//   1. http: sustained HTTP ingest (concurrent clients POSTing batches, closed loop)
//   2. stream: sustained Redis Stream ingest (XADD at full speed with a bounded backlog; rate = events applied per second)
//   3. latency: event-to-screen latency: N socket.io screens (in child processes, bench/screens.ts), background HTTP load
//      at a fixed rate, and a marker call queued every ~200 ms; latency = marker POST sent -> first snapshot showing it
//   4. snapshot, 5. memory: after one simulated hour at 1,000 and 10,000 agents (bench/scale.ts, bench/hour.ts), the
//      time of a snapshot computation and Redis memory per 1,000 agents, by key family
//   6. popup: event-to-pop-up latency: team-lead clients get an alert of their team raised under the background load
// and CPU and memory of the service, Redis and the bench's own processes during each phase.
// Prints a table and writes bench/results/latest.json (plus a timestamped copy). Options: see `--help`.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { addUser } from '../server/auth/manage.js';
import { startPrivateRedis, type PrivateRedis } from '../server/redis-server.js';
import type { Snapshot } from '../shared/snapshot.js';
import { MARKER_QUEUE, benchConfigFile, makeGenerators, markerEvent, pad, type FloorGenerator, type FloorShape } from './floor.js';
import { summariseProfile } from './profile.js';
import { isWindowFamily, scalePhase, type ScaleResult } from './scale.js';
import type { AlertSeen, ScreensResult } from './screens.js';
import { startService, type Service } from './service.js';
import {
  ProcSampler,
  dist,
  httpAgent,
  ipcRequest,
  parseInfo,
  postEvents,
  request,
  round,
  roundDist,
  setBearer,
  signIn,
  sleep,
  type Dist,
  type MachineUsage,
  type ProcUsage,
} from './util.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');

// ------------------------------------------------------------------ options
const PHASES = ['http', 'stream', 'latency', 'snapshot', 'memory', 'popup'];
const OPTION_HELP: Record<string, [string, string, string]> = {
  // name: [default, quick default, help]
  agents: ['500', '500', 'agents on the floor'],
  teams: ['25', '25', 'teams'],
  queues: ['20', '20', 'queues (plus the marker queue)'],
  'http-seconds': ['15', '3', 'measured duration of the HTTP ingest phase'],
  'http-clients': ['8', '8', 'concurrent HTTP ingest clients (each owns 1/N of the agents)'],
  batch: ['500', '500', 'events per POST in the HTTP ingest phase'],
  'stream-seconds': ['15', '3', 'measured duration of the stream ingest phase'],
  'stream-backlog': ['10000', '5000', 'most stream entries written but not yet applied'],
  'latency-seconds': ['20', '5', 'duration of marker injection in the latency phase'],
  screens: ['200', '50', 'socket.io screens connected in the latency phase'],
  'screen-procs': ['2', '1', 'processes the screens are spread over'],
  rate: ['5000', '5000', 'background HTTP load in the latency phase, events/s (0: none)'],
  'load-batch': ['100', '100', 'events per POST of the background load'],
  'marker-ms': ['200', '200', 'interval between markers'],
  'warmup-seconds': ['2', '0.5', 'unmeasured warm-up before each phase'],
  phases: [PHASES.join(','), PHASES.join(','), 'phases to run'],
  'scale-agents': ['1000,10000', '1000', 'snapshot and memory phases: floor sizes (agents, comma-separated), each one simulated hour'],
  'scale-teams': ['200', '200', 'snapshot and memory phases: teams'],
  'scale-queues': ['50', '50', 'snapshot and memory phases: queues'],
  'snapshot-runs': ['100', '20', 'snapshot phase: timed computations per floor size (a p95 of 20 is the second slowest)'],
  'snapshot-seconds': ['60', '20', 'snapshot phase: most time spent timing per floor size (at least 3 runs)'],
  'snapshot-pace-ms': ['250', '250', 'snapshot phase: ms from one timed computation to the next, as the push hub ticks (0: back to back)'],
  'memory-sample': ['500', '200', 'memory phase: keys per key family whose MEMORY USAGE is read'],
  leads: ['10', '5', 'popup phase: team-lead socket.io clients (one session each)'],
  'popup-seconds': ['20', '8', 'popup phase: duration of alert triggering'],
  'popup-ms': ['500', '500', 'popup phase: interval between triggered alerts'],
  'popup-screens': ['200', '50', 'popup phase: wallboards connected besides the leads (0: none)'],
  view: ['board', 'board', 'what the screens sign in as: board (a wallboard display token) or full (a supervisor token)'],
  out: ['bench/results/latest.json', 'bench/results/latest.json', 'where to write the results'],
};

function readOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...Object.fromEntries(Object.keys(OPTION_HELP).map((k) => [k, { type: 'string' as const }])),
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log('npm run bench -- [--quick] [--cpu-prof] [--name value ...]   (or env BENCH_NAME=value)\n');
    console.log('  --quick            a ~1.5 min smoke run (shorter phases, 50 screens, 1,000 agents in the snapshot and memory phases)');
    console.log('  --cpu-prof         profile the service (node --cpu-prof) and print its hottest functions');
    for (const [k, [d, q, h]] of Object.entries(OPTION_HELP)) console.log(`  --${k.padEnd(17)}${h} (default ${d}${q !== d ? `, quick ${q}` : ''})`);
    process.exit(0);
  }
  const env = (k: string) => process.env[`BENCH_${k.toUpperCase().replaceAll('-', '_')}`];
  const quick = values.quick || env('quick') === '1';
  const cpuProf = values['cpu-prof'] || env('cpu-prof') === '1';
  const raw = values as Record<string, string | boolean | undefined>;
  const str = (k: string) => {
    const v = raw[k] ?? env(k);
    const [d, q] = OPTION_HELP[k]!;
    return typeof v === 'string' && v !== '' ? v : quick ? q : d;
  };
  const num = (k: string, min0 = false) => {
    const n = Number(str(k));
    if (!Number.isFinite(n) || n < 0 || (n === 0 && !min0)) throw new Error(`--${k} must be a ${min0 ? 'non-negative' : 'positive'} number, got "${str(k)}"`);
    return n;
  };
  const phases = new Set(str('phases').split(',').map((s) => s.trim()).filter(Boolean));
  const unknown = [...phases].filter((p) => !PHASES.includes(p));
  if (unknown.length) throw new Error(`--phases: unknown ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return {
    quick,
    cpuProf,
    shape: { agents: num('agents'), teams: num('teams'), queues: num('queues') } satisfies FloorShape,
    httpSeconds: num('http-seconds'),
    httpClients: Math.round(num('http-clients')),
    batch: Math.round(num('batch')),
    streamSeconds: num('stream-seconds'),
    streamBacklog: Math.round(num('stream-backlog')),
    latencySeconds: num('latency-seconds'),
    screens: Math.round(num('screens')),
    screenProcs: Math.round(num('screen-procs')),
    rate: num('rate', true),
    loadBatch: Math.round(num('load-batch')),
    markerMs: num('marker-ms'),
    warmupSeconds: num('warmup-seconds'),
    phases,
    view: str('view') === 'full' ? ('full' as const) : ('board' as const),
    scaleSizes: str('scale-agents')
      .split(',')
      .map((x) => Number(x.trim()))
      .filter((n) => Number.isInteger(n) && n > 0)
      .map((agents): FloorShape => ({ agents, teams: num('scale-teams'), queues: num('scale-queues') })),
    snapshotRuns: Math.round(num('snapshot-runs')),
    snapshotSeconds: num('snapshot-seconds'),
    snapshotPaceMs: num('snapshot-pace-ms', true),
    memorySample: Math.round(num('memory-sample')),
    leads: Math.round(num('leads')),
    popupSeconds: num('popup-seconds'),
    popupMs: num('popup-ms'),
    popupScreens: Math.round(num('popup-screens', true)),
    out: resolve(ROOT, str('out')),
  };
}
type Options = ReturnType<typeof readOptions>;

const TARGETS = {
  ingestPerSecond: 20_000,
  latencyP99Ms: 500,
  /** Issue #3: a snapshot at 10,000 agents (p95 of the timed computations). */
  snapshotP95Ms: 50,
  snapshotAtAgents: 10_000,
  /** Issue #3: Redis memory for one hour of windows. */
  redisMBPerThousandAgents: 2,
  /** Issue #4: an alert reaches the team lead's screen, at 5,000 events/s. */
  popupP99Ms: 1000,
};

// ------------------------------------------------------------------ children
interface ScreensProc {
  child: ChildProcess;
  request<T extends { type: string }>(msg: object, replyType: T['type'], timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

function forkScreens(): ScreensProc {
  const child = fork(join(BENCH_DIR, 'screens.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    async request<T extends { type: string }>(msg: object, replyType: string, timeoutMs: number) {
      const reply = await ipcRequest<T>(child, msg, replyType, timeoutMs);
      if (!reply) throw new Error(`screens process: no "${replyType}" reply within ${timeoutMs} ms`);
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

// ------------------------------------------------------------------ shared state of one run
interface Base {
  opt: Options;
  runId: string;
  redisUrl: string;
  /** Bearer tokens: ingest (POST /api/events) and supervisor (env tokens of the service), display (users file). */
  tokens: { ingest: string; supervisor: string; display: string };
  /** Folder for the service's users file. */
  dir: string;
  /** Admin connection to the private Redis (polls, INFO, FLUSHDB). */
  redis: Redis;
  sampler: ProcSampler;
  profDir: string | null;
}

/** One phase's floor: a fresh service process on a fresh Redis database, its agents logged in. */
interface Ctx extends Base {
  phase: string;
  prefix: string;
  streamKey: string;
  service: Service;
  agent: http.Agent;
  gens: FloorGenerator[];
}

/**
 * Runs a phase on a fresh floor: FLUSHDB, a new service process with a new key prefix and stream key, every agent
 * logged in. Each phase thus starts from the same state (the cost of an agent event grows with the agent's recent
 * transitions, so a phase must not inherit the history of the one before), and the service is stopped after it.
 */
async function withFloor<T>(
  base: Base,
  phase: string,
  body: (ctx: Ctx) => Promise<T>,
  configure: (file: ReturnType<typeof benchConfigFile>) => object = (file) => file,
): Promise<{ result: T; profile?: string[] }> {
  await base.redis.flushdb();
  const prefix = `bench${base.runId}${phase}`;
  const streamKey = `${prefix}:events`;
  const profDir = base.profDir ? join(base.profDir, phase) : null;
  const service = await startService(base.redisUrl, configure(benchConfigFile(base.opt.shape, prefix, streamKey)), profDir, {
    BENCH_INGEST_TOKEN: base.tokens.ingest,
    BENCH_SUPERVISOR_TOKEN: base.tokens.supervisor,
    BENCH_USERS_FILE: join(base.dir, 'users.json'),
  });
  const agent = httpAgent(base.opt.httpClients + 16);
  try {
    base.sampler.add('service', service.pid);
    const gens = makeGenerators(base.opt.shape, Math.max(1, base.opt.httpClients), `${base.runId}${phase}`);
    // The floor logs in first (every agent, before any state change).
    const logins = gens.flatMap((g) => g.logins(Date.now()));
    const { answer } = await postEvents(agent, service.port, logins);
    if (answer.accepted !== logins.length) throw new Error(`logins: ${JSON.stringify(answer).slice(0, 300)}`);
    const result = await body({ ...base, phase, prefix, streamKey, service, agent, gens });
    await service.stop();
    const profile = profDir ? profileSummary(profDir) : undefined;
    return profile ? { result, profile } : { result };
  } catch (e) {
    const tail = service.stderrTail().trim();
    if (tail) (e as Error).message += `\n--- service stderr (last lines) ---\n${tail}`;
    throw e;
  } finally {
    base.sampler.remove('service');
    agent.destroy();
    await service.stop();
  }
}

/** The service's CPU profile written to `dir` (--cpu-prof): its path, then its hottest functions. */
function profileSummary(dir: string): string[] | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? [join(dir, file), ...summariseProfile(join(dir, file), 25)] : undefined;
}

interface Meta {
  accepted: number;
  duplicates: number;
  rejected: number;
  late: number;
}
async function readMeta(ctx: Ctx): Promise<Meta> {
  const [a, d, r, l] = await ctx.redis.hmget(`${ctx.prefix}:meta`, 'accepted', 'duplicates', 'rejected', 'late');
  return { accepted: Number(a ?? 0), duplicates: Number(d ?? 0), rejected: Number(r ?? 0), late: Number(l ?? 0) };
}
const metaDiff = (a: Meta, b: Meta): Meta => ({ accepted: b.accepted - a.accepted, duplicates: b.duplicates - a.duplicates, rejected: b.rejected - a.rejected, late: b.late - a.late });

interface RedisFigures {
  usedMemoryMB: number;
  usedMemoryPeakMB: number;
  keys: number;
  /** Calls and total µs per command during the phase (top 8 by µs). */
  commands: Record<string, { calls: number; usec: number }>;
}

async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const info = parseInfo(await redis.info('commandstats'));
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const [k, v] of Object.entries(info)) {
    if (!k.startsWith('cmdstat_')) continue;
    const calls = /calls=(\d+)/.exec(v), usec = /usec=(\d+)/.exec(v);
    out[k.slice(8)] = { calls: Number(calls?.[1] ?? 0), usec: Number(usec?.[1] ?? 0) };
  }
  return out;
}

async function redisFigures(redis: Redis, before: Record<string, { calls: number; usec: number }>): Promise<RedisFigures> {
  const mem = parseInfo(await redis.info('memory'));
  const after = await commandStats(redis);
  const delta = Object.entries(after)
    .map(([k, v]) => [k, { calls: v.calls - (before[k]?.calls ?? 0), usec: v.usec - (before[k]?.usec ?? 0) }] as const)
    .filter(([, v]) => v.calls > 0)
    .sort((a, b) => b[1].usec - a[1].usec)
    .slice(0, 8);
  return {
    usedMemoryMB: round(Number(mem.used_memory) / 2 ** 20),
    usedMemoryPeakMB: round(Number(mem.used_memory_peak) / 2 ** 20),
    keys: await redis.dbsize(),
    commands: Object.fromEntries(delta),
  };
}

interface PhaseResources {
  procs: Record<string, ProcUsage>;
  machine: MachineUsage | null;
  /** CPU used by processes that are not the bench's (other work on a shared machine), % of one core. */
  othersCpuPct: number | null;
  serviceLoop: { p99Ms: number; maxMs: number } | null;
  redis: RedisFigures;
}

/** Runs `body` as a measured phase: CPU/RSS sampling, the service's event-loop delay, Redis memory and commands. */
async function measured<T>(ctx: Ctx, body: () => Promise<T>): Promise<{ result: T; resources: PhaseResources }> {
  const before = await commandStats(ctx.redis);
  await ctx.service.stats(); // resets its event-loop histogram
  ctx.sampler.begin();
  const result = await body();
  const machine = ctx.sampler.machine();
  const procs = ctx.sampler.end();
  const ours = Object.values(procs).reduce((sum, u) => sum + u.cpuAvgPct, 0);
  const othersCpuPct = machine ? round(Math.max(0, (machine.busyPct * cpus().length) - ours)) : null;
  const s = await ctx.service.stats();
  const redis = await redisFigures(ctx.redis, before);
  return { result, resources: { procs, machine, othersCpuPct, serviceLoop: s ? { p99Ms: round(s.loopDelayP99Ms), maxMs: round(s.loopDelayMaxMs) } : null, redis } };
}

/**
 * Samples a cumulative counter once a second until stop() and returns the per-second increments, so a rate that
 * drifts during a phase (it does: an agent's events cost more as its recent history grows) shows.
 */
function perSecond(read: () => number | Promise<number>) {
  const series: number[] = [];
  let stopped = false;
  const done = (async () => {
    let prev = await read();
    let at = performance.now();
    // Bounded by stop(), which every phase calls when its measured window ends.
    while (!stopped) {
      await sleep(Math.max(0, at + 1000 - performance.now()));
      if (stopped) break;
      const now = await read();
      const t = performance.now();
      series.push(Math.round((now - prev) / ((t - at) / 1000)));
      prev = now;
      at = t;
    }
  })();
  return {
    async stop(): Promise<number[]> {
      stopped = true;
      await done;
      return series;
    },
  };
}

/** Mean of the first and of the last `n` values of a series. */
function ends(series: number[], n = 3): { first: number; last: number } {
  const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : NaN);
  return { first: mean(series.slice(0, n)), last: mean(series.slice(-n)) };
}

// ------------------------------------------------------------------ phase 1: HTTP ingest
interface HttpPhase {
  /** CPU, memory, event-loop delay and Redis figures during the measured window. */
  resources: PhaseResources;
  clients: number;
  batch: number;
  seconds: number;
  eventsPerSecond: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  late: number;
  errors: number;
  postMs: Dist;
  serviceCounters: Meta;
  /** Events accepted in each second of the measured window. */
  perSecond: number[];
  firstSeconds: number;
  lastSeconds: number;
  luaUsPerEvent: number;
  /** CPU µs per event applied: Redis and the service. */
  redisCpuUsPerEvent: number;
  serviceCpuUsPerEvent: number;
  ok: boolean;
}

async function httpPhase(ctx: Ctx): Promise<HttpPhase> {
  const { opt } = ctx;
  const totals = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, late: 0, errors: 0 };
  const postMs: number[] = [];
  let measuring = false;
  let stop = false;
  let windowAccepted = 0;
  const firstError: string[] = [];
  const metaBefore = await readMeta(ctx);

  const client = async (gen: FloorGenerator) => {
    // Bounded: the loop ends at the deadline; each POST times out after 30 s.
    while (!stop) {
      const events = gen.next(opt.batch, Date.now());
      totals.sent += events.length;
      try {
        const { answer, ms } = await postEvents(ctx.agent, ctx.service.port, events);
        totals.accepted += answer.accepted;
        totals.duplicates += answer.duplicates;
        totals.rejected += answer.rejected.length - answer.late;
        totals.late += answer.late;
        if (answer.rejected.length && firstError.length < 3) firstError.push(JSON.stringify(answer.rejected[0]));
        if (measuring) {
          windowAccepted += answer.accepted;
          postMs.push(ms);
        }
      } catch (e) {
        totals.errors++;
        if (firstError.length < 3) firstError.push((e as Error).message);
        await sleep(100);
      }
    }
  };

  const clients = ctx.gens.slice(0, opt.httpClients).map((g) => client(g));
  await sleep(opt.warmupSeconds * 1000);
  const { resources, result: { seconds, series } } = await measured(ctx, async () => {
    measuring = true;
    const t0 = performance.now();
    const timeline = perSecond(() => windowAccepted);
    await sleep(opt.httpSeconds * 1000);
    measuring = false;
    const series = await timeline.stop();
    return { seconds: (performance.now() - t0) / 1000, series };
  });
  stop = true;
  await Promise.all(clients);
  const serviceCounters = metaDiff(metaBefore, await readMeta(ctx));
  if (firstError.length) console.warn('  HTTP ingest problems:', firstError.join(' | '));
  const ok = totals.errors === 0 && totals.accepted === totals.sent && serviceCounters.accepted === totals.sent;
  const phase: HttpPhase = {
    clients: opt.httpClients,
    batch: opt.batch,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(windowAccepted / seconds),
    ...totals,
    postMs: roundDist(dist(postMs)),
    serviceCounters,
    perSecond: series,
    firstSeconds: ends(series).first,
    lastSeconds: ends(series).last,
    luaUsPerEvent: luaUsPerEvent(resources, windowAccepted),
    redisCpuUsPerEvent: cpuUsPerEvent(resources, 'redis', seconds, windowAccepted),
    serviceCpuUsPerEvent: cpuUsPerEvent(resources, 'service', seconds, windowAccepted),
    ok,
    resources,
  };
  return phase;
}

// ------------------------------------------------------------------ phase 2: stream ingest
interface StreamPhase {
  /** CPU, memory, event-loop delay and Redis figures during the measured window. */
  resources: PhaseResources;
  seconds: number;
  backlogCap: number;
  eventsPerSecond: number;
  added: number;
  xaddPerSecond: number;
  applied: number;
  drainSeconds: number;
  serviceCounters: Meta;
  streamLength: number;
  perSecond: number[];
  firstSeconds: number;
  lastSeconds: number;
  luaUsPerEvent: number;
  redisCpuUsPerEvent: number;
  serviceCpuUsPerEvent: number;
  ok: boolean;
}

async function streamPhase(ctx: Ctx): Promise<StreamPhase> {
  const { opt } = ctx;
  const producer = ctx.redis.duplicate();
  try {
    const metaBefore = await readMeta(ctx);
    let added = 0;
    let xaddMs = 0;
    let g = 0;
    const appliedNow = async () => metaDiff(metaBefore, await readMeta(ctx)).accepted;

    const produceUntil = async (deadline: number) => {
      // Bounded by the deadline: each iteration adds a chunk or sleeps 10 ms.
      while (performance.now() < deadline) {
        const backlog = added - (await appliedNow());
        if (backlog >= opt.streamBacklog) {
          await sleep(10);
          continue;
        }
        const pipe = producer.pipeline();
        const n = Math.min(2000, opt.streamBacklog - backlog);
        let k = 0;
        while (k < n) {
          const gen = ctx.gens[g++ % ctx.gens.length]!;
          for (const e of gen.next(Math.min(250, n - k), Date.now())) {
            pipe.xadd(ctx.streamKey, '*', 'event', JSON.stringify(e));
            k++;
          }
        }
        const t = performance.now();
        await pipe.exec();
        xaddMs += performance.now() - t;
        added += k;
      }
    };

    await produceUntil(performance.now() + opt.warmupSeconds * 1000);
    const { result, resources } = await measured(ctx, async () => {
      const a0 = await appliedNow();
      const t0 = performance.now();
      const timeline = perSecond(appliedNow);
      await produceUntil(t0 + opt.streamSeconds * 1000);
      const a1 = await appliedNow();
      const seconds = (performance.now() - t0) / 1000;
      return { seconds, rate: (a1 - a0) / seconds, series: await timeline.stop() };
    });
    // Drain what is left (bounded: 60 s).
    const drainStart = performance.now();
    let counters = metaDiff(metaBefore, await readMeta(ctx));
    while (counters.accepted + counters.duplicates + counters.rejected + counters.late < added && performance.now() - drainStart < 60_000) {
      await sleep(50);
      counters = metaDiff(metaBefore, await readMeta(ctx));
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const phase: StreamPhase = {
      seconds: round(result.seconds, 2),
      backlogCap: opt.streamBacklog,
      eventsPerSecond: Math.round(result.rate),
      added,
      xaddPerSecond: Math.round(added / (xaddMs / 1000)),
      applied: counters.accepted,
      drainSeconds: round(drainSeconds, 2),
      serviceCounters: counters,
      streamLength: await ctx.redis.xlen(ctx.streamKey),
      perSecond: result.series,
      firstSeconds: ends(result.series).first,
      lastSeconds: ends(result.series).last,
      luaUsPerEvent: luaUsPerEvent(resources, result.rate * result.seconds),
      redisCpuUsPerEvent: cpuUsPerEvent(resources, 'redis', result.seconds, result.rate * result.seconds),
      serviceCpuUsPerEvent: cpuUsPerEvent(resources, 'service', result.seconds, result.rate * result.seconds),
      ok: counters.accepted === added && counters.rejected === 0 && counters.late === 0 && counters.duplicates === 0,
      resources,
    };
    return phase;
  } finally {
    producer.disconnect();
  }
}

// ------------------------------------------------------------------ phase 3: event-to-screen latency
interface LatencyPhase {
  /** CPU, memory, event-loop delay and Redis figures during the measured window. */
  resources: PhaseResources;
  screens: number;
  connected: number;
  rateTarget: number;
  rateAchieved: number;
  markers: number;
  samples: number;
  missed: number;
  latencyMs: Dist;
  /** Per marker, the first screen to show it: the service's part, without the screens' own queueing. */
  firstScreenMs: Dist;
  markerPostMs: Dist;
  pushesPerSecond: number;
  snapshotBytes: number;
  snapshotGetMs: Dist;
  screensLoopP99Ms: number;
  loadErrors: number;
  loadRejected: number;
  ok: boolean;
}

/**
 * Forks `procs` screens processes and connects `count` socket.io screens spread over them (`connect` carries the
 * credential and what to track; see bench/screens.ts). Resolves once each screen has its first snapshot.
 */
async function connectScreens(ctx: Ctx, screensProcs: ScreensProc[], count: number, procs: number, name: string, connect: object): Promise<{ procs: ScreensProc[]; connected: number }> {
  const per = Math.ceil(count / procs);
  const mine: ScreensProc[] = [];
  const connects = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const p = forkScreens();
      screensProcs.push(p);
      mine.push(p);
      ctx.sampler.add(`${name}${i + 1}`, p.child.pid!);
      const n = Math.max(0, Math.min(per, count - i * per));
      return p.request<{ type: 'connected'; connected: number; failed: number }>(
        { type: 'connect', url: `http://127.0.0.1:${ctx.service.port}`, clients: n, markerQueue: MARKER_QUEUE, timeoutMs: 60_000, ...connect },
        'connected',
        90_000,
      );
    }),
  );
  return { procs: mine, connected: connects.reduce((s, c) => s + c.connected, 0) };
}

/** Background HTTP load at opt.rate: one paced sender per generator, so every agent's events stay in order. */
function startLoad(ctx: Ctx) {
  const { opt } = ctx;
  const senders = ctx.gens.length;
  const intervalMs = (senders * opt.loadBatch * 1000) / opt.rate;
  let stopped = false;
  const counts = { sent: 0, errors: 0, rejected: 0 };
  const loops = (opt.rate > 0 ? ctx.gens : []).map(async (gen, i) => {
    let next = performance.now() + (i * intervalMs) / senders;
    // Bounded by stop().
    while (!stopped) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopped) break;
      // Behind by more than a second (the service is too slow): do not try to catch up in a burst.
      next = Math.max(next + intervalMs, performance.now() - 1000);
      const events = gen.next(opt.loadBatch, Date.now());
      try {
        const { answer } = await postEvents(ctx.agent, ctx.service.port, events);
        counts.sent += events.length;
        counts.rejected += answer.rejected.length;
      } catch {
        counts.errors++;
      }
    }
  });
  return {
    counts,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function latencyPhase(ctx: Ctx, screensProcs: ScreensProc[]): Promise<LatencyPhase> {
  const { opt } = ctx;
  // Screens: spread over processes, each connects its share and waits for its first snapshot.
  const screens = await connectScreens(ctx, screensProcs, opt.screens, opt.screenProcs, 'screens', { token: opt.view === 'board' ? ctx.tokens.display : ctx.tokens.supervisor });
  const connected = screens.connected;
  console.log(`  ${connected}/${opt.screens} screens connected`);

  const load = startLoad(ctx);
  const sent: number[] = [];
  const markerPostMs: number[] = [];
  let markerErrors = 0;
  try {
    await sleep(Math.max(1, opt.warmupSeconds) * 1000);
    const { result, resources } = await measured(ctx, async () => {
      await Promise.all(screens.procs.map((p) => p.request({ type: 'reset' }, 'reset', 10_000)));
      const loadSent0 = load.counts.sent;
      const t0 = performance.now();
      const markerPosts: Promise<void>[] = [];
      const count = Math.floor((opt.latencySeconds * 1000) / opt.markerMs);
      for (let i = 0; i < count; i++) {
        const at = t0 + i * opt.markerMs;
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        const { seq, event } = markerEvent(ctx.runId, Date.now());
        sent[seq] = Date.now();
        markerPosts.push(
          postEvents(ctx.agent, ctx.service.port, [event]).then(
            ({ answer, ms }) => {
              markerPostMs.push(ms);
              if (answer.accepted !== 1) markerErrors++;
            },
            () => void markerErrors++,
          ),
        );
      }
      await Promise.all(markerPosts);
      // Wait (bounded: 10 s) until every screen saw the last marker.
      const tailStart = performance.now();
      let results: ScreensResult[] = [];
      for (;;) {
        results = await Promise.all(screens.procs.map((p) => p.request<ScreensResult>({ type: 'collect' }, 'result', 30_000)));
        const allSeen = results.every((r) => r.recv.every((recv) => recv[count] != null));
        if (allSeen || performance.now() - tailStart > 10_000) break;
        await sleep(250);
      }
      const seconds = (performance.now() - t0) / 1000;
      return { results, seconds, count, rate: (load.counts.sent - loadSent0) / seconds };
    });
    await load.stop();

    const latencies: number[] = [];
    const first: number[] = Array.from({ length: result.count + 1 }, () => Infinity);
    let missed = 0;
    const snapshots: number[] = [];
    for (const r of result.results) {
      for (const recv of r.recv) {
        for (let seq = 1; seq <= result.count; seq++) {
          const at = recv[seq];
          if (at == null || sent[seq] === undefined) missed++;
          else {
            latencies.push(at - sent[seq]!);
            first[seq] = Math.min(first[seq]!, at - sent[seq]!);
          }
        }
      }
      snapshots.push(...r.snapshots);
    }
    const firstScreen = first.slice(1).filter((x) => Number.isFinite(x));
    // The snapshot as GET /api/snapshot returns it, after the load: its size and the time to compute and send it.
    const getMs: number[] = [];
    let snapshotBytes = 0;
    for (let i = 0; i < 5; i++) {
      const res = await request(ctx.agent, ctx.service.port, 'GET', '/api/snapshot', undefined, 30_000, ctx.tokens.supervisor);
      if (res.status !== 200) {
        console.warn(`  GET /api/snapshot answered ${res.status}: ${res.body.slice(0, 200)}`);
        break;
      }
      getMs.push(res.ms);
      snapshotBytes = Buffer.byteLength(res.body);
      const snap = JSON.parse(res.body) as Snapshot;
      if (i === 0 && snap.agents.length !== opt.shape.agents) console.warn(`  snapshot has ${snap.agents.length} agents, expected ${opt.shape.agents}`);
    }
    const frameBytes = Math.max(...result.results.map((r) => r.frameBytes));
    const latencyMs = roundDist(dist(latencies));
    const phase: LatencyPhase = {
      screens: opt.screens,
      connected,
      rateTarget: opt.rate,
      rateAchieved: Math.round(result.rate),
      markers: result.count,
      samples: latencies.length,
      missed,
      latencyMs,
      firstScreenMs: roundDist(dist(firstScreen)),
      markerPostMs: roundDist(dist(markerPostMs)),
      pushesPerSecond: round(snapshots.reduce((a, b) => a + b, 0) / Math.max(1, snapshots.length) / result.seconds, 2),
      snapshotBytes: frameBytes || snapshotBytes,
      snapshotGetMs: roundDist(dist(getMs)),
      screensLoopP99Ms: round(Math.max(...result.results.map((r) => r.loopP99Ms))),
      loadErrors: load.counts.errors,
      loadRejected: load.counts.rejected,
      ok: missed === 0 && markerErrors === 0 && connected === opt.screens && load.counts.errors === 0 && load.counts.rejected === 0,
      resources,
    };
    return phase;
  } finally {
    await load.stop();
    await Promise.all(screens.procs.map((p) => p.stop()));
    screens.procs.forEach((_, i) => ctx.sampler.remove(`screens${i + 1}`));
  }
}

// ------------------------------------------------------------------ phase 6: alert pop-up latency for team leads
/** The team whose lead gets the pop-ups: its own agents, driven only by the probe (the background load never touches it). */
const LEAD_TEAM = 'bench-lead';
/** The long-break alert fires for an agent on break this long (config alerts.longBreak.minutes = 0.1)... */
const LONG_BREAK_S = 6;
/** ...so a break event dated this far back raises it at the next evaluation; within the lateness (60 s). */
const BACKDATE_S = 8;
/** A probe not seen by every lead within this long counts as missed for those that did not see it. */
const POPUP_HOLD_MS = 5000;
/** Agents in the lead's team: one is put on break per probe and back once every lead saw the alert. */
const LEAD_AGENTS = 24;

interface PopupPhase {
  resources: PhaseResources;
  leads: number;
  leadsConnected: number;
  screens: number;
  screensConnected: number;
  rateTarget: number;
  rateAchieved: number;
  /** Alerts triggered (a lead-team agent put on break BACKDATE_S ago, past the long-break limit). */
  probes: number;
  /** Probes not triggered because no agent was free yet (each must be back from its last break for BACKDATE_S). */
  skipped: number;
  samples: number;
  missed: number;
  /** Per lead client per probe: POST of the triggering event sent -> the alert in that client's snapshot. */
  latencyMs: Dist;
  /** Per probe, the first lead client to show it. */
  firstLeadMs: Dist;
  triggerPostMs: Dist;
  longBreakSeconds: number;
  loadErrors: number;
  loadRejected: number;
  ok: boolean;
}

/**
 * Event-to-pop-up latency: team-lead clients (signed in as a lead of LEAD_TEAM through the users file, as a lead's
 * browser would) and wallboards are connected while the background load runs; every popupMs a lead-team agent goes
 * on break with a ts BACKDATE_S in the past, which is past the long-break limit, so the next snapshot raises a
 * long_break alert that only that team's lead gets. Latency = POST sent -> the alert first in a lead's snapshot (what
 * the lead page pops up). Once every lead saw it, the agent comes back (the alert clears) and rests until its next
 * break can be dated after its return.
 */
async function popupPhase(ctx: Ctx, screensProcs: ScreensProc[]): Promise<PopupPhase> {
  const { opt } = ctx;
  const usersFile = join(ctx.dir, 'users.json');
  const username = `lead-${ctx.runId}`;
  const password = randomBytes(12).toString('hex');
  await addUser(usersFile, { username, password, roles: ['lead'], teams: [LEAD_TEAM] });
  // One session per lead client, as separate browsers would have.
  const cookies: string[] = [];
  for (let i = 0; i < opt.leads; i++) cookies.push(await signIn(ctx.agent, ctx.service.port, username, password));

  // The lead's team logs in, dated before any break the probe will date back.
  const agentIds = Array.from({ length: LEAD_AGENTS }, (_, i) => `lead-agent-${pad(i + 1)}`);
  const loginTs = Date.now() - 30_000;
  let eventSeq = 0;
  const eventId = () => `${ctx.runId}.p.${++eventSeq}`;
  const logins = agentIds.map((agentId) => ({ id: eventId(), ts: loginTs, type: 'agent.login' as const, agentId, teamId: LEAD_TEAM, name: `Lead agent ${agentId}` }));
  const { answer } = await postEvents(ctx.agent, ctx.service.port, logins);
  if (answer.accepted !== logins.length) throw new Error(`lead team logins: ${JSON.stringify(answer).slice(0, 300)}`);

  const screens = opt.popupScreens > 0
    ? await connectScreens(ctx, screensProcs, opt.popupScreens, opt.screenProcs, 'screens', { token: opt.view === 'board' ? ctx.tokens.display : ctx.tokens.supervisor })
    : { procs: [], connected: 0 };
  const leads = await connectScreens(ctx, screensProcs, opt.leads, 1, 'leads', { cookies, trackAlerts: true });
  console.log(`  ${leads.connected}/${opt.leads} lead clients and ${screens.connected}/${opt.popupScreens} wallboards connected`);

  interface Probe {
    agentId: string;
    sentAt: number;
    alertId: string | null;
    /** Date.now() at which each lead client (by index) first showed the alert. */
    seen: Map<number, number>;
    done: boolean;
  }
  const probes: Probe[] = [];
  const open = new Map<string, Probe>(); // agentId -> its probe still waiting to be seen by every lead
  /** When each agent may go on break again (its next break, dated BACKDATE_S back, must fall after its return). */
  const freeAt = new Map(agentIds.map((id) => [id, 0]));
  const triggerPostMs: number[] = [];
  let postErrors = 0;

  const finish = (p: Probe) => {
    if (p.done) return;
    p.done = true;
    open.delete(p.agentId);
    freeAt.set(p.agentId, Date.now() + (BACKDATE_S + 1) * 1000);
    const back = [{ id: eventId(), ts: Date.now(), type: 'agent.state' as const, agentId: p.agentId, state: 'idle' as const }];
    postEvents(ctx.agent, ctx.service.port, back).catch(() => void postErrors++);
  };
  const onSeen = (m: AlertSeen) => {
    if (m?.type !== 'alert-seen' || m.rule !== 'long_break') return;
    const p = open.get(m.subjectId);
    if (!p) return; // an alert of an earlier probe, seen after it was given up
    p.alertId ??= m.id;
    if (m.id !== p.alertId || p.seen.has(m.client)) return;
    p.seen.set(m.client, m.at);
    if (p.seen.size >= leads.connected) finish(p);
  };
  for (const l of leads.procs) l.child.on('message', onSeen);
  // Probes not seen by every lead in time are given up (and the agent sent back), so the floor keeps moving.
  const reaper = setInterval(() => {
    for (const p of open.values()) if (Date.now() - p.sentAt > POPUP_HOLD_MS) finish(p);
  }, 100);

  const load = startLoad(ctx);
  try {
    await sleep(Math.max(1, opt.warmupSeconds) * 1000);
    const { result, resources } = await measured(ctx, async () => {
      const loadSent0 = load.counts.sent;
      const t0 = performance.now();
      const count = Math.floor((opt.popupSeconds * 1000) / opt.popupMs);
      let skipped = 0;
      const posts: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const wait = t0 + i * opt.popupMs - performance.now();
        if (wait > 0) await sleep(wait);
        const agentId = agentIds.filter((id) => !open.has(id) && freeAt.get(id)! <= Date.now()).sort((a, b) => freeAt.get(a)! - freeAt.get(b)!)[0];
        if (!agentId) {
          skipped++;
          continue;
        }
        const probe: Probe = { agentId, sentAt: Date.now(), alertId: null, seen: new Map(), done: false };
        probes.push(probe);
        open.set(agentId, probe);
        const event = { id: eventId(), ts: probe.sentAt - BACKDATE_S * 1000, type: 'agent.state' as const, agentId, state: 'not_ready' as const, reason: 'break' };
        posts.push(
          postEvents(ctx.agent, ctx.service.port, [event]).then(
            ({ answer: a, ms }) => {
              triggerPostMs.push(ms);
              if (a.accepted !== 1) postErrors++;
            },
            () => void postErrors++,
          ),
        );
      }
      await Promise.all(posts);
      // Bounded: every open probe is finished by the reaper within POPUP_HOLD_MS.
      while (open.size > 0) await sleep(50);
      const seconds = (performance.now() - t0) / 1000;
      return { skipped, seconds, rate: (load.counts.sent - loadSent0) / seconds };
    });
    await load.stop();

    const latencies: number[] = [];
    const firstLead: number[] = [];
    let missed = 0;
    for (const p of probes) {
      const ms = [...p.seen.values()].map((at) => at - p.sentAt);
      latencies.push(...ms);
      missed += leads.connected - ms.length;
      if (ms.length) firstLead.push(Math.min(...ms));
    }
    return {
      leads: opt.leads,
      leadsConnected: leads.connected,
      screens: opt.popupScreens,
      screensConnected: screens.connected,
      rateTarget: opt.rate,
      rateAchieved: Math.round(result.rate),
      probes: probes.length,
      skipped: result.skipped,
      samples: latencies.length,
      missed,
      latencyMs: roundDist(dist(latencies)),
      firstLeadMs: roundDist(dist(firstLead)),
      triggerPostMs: roundDist(dist(triggerPostMs)),
      longBreakSeconds: LONG_BREAK_S,
      loadErrors: load.counts.errors,
      loadRejected: load.counts.rejected,
      ok: missed === 0 && postErrors === 0 && leads.connected === opt.leads && screens.connected === opt.popupScreens && load.counts.errors === 0 && load.counts.rejected === 0,
      resources,
    };
  } finally {
    clearInterval(reaper);
    await load.stop();
    for (const l of leads.procs) l.child.off('message', onSeen);
    await Promise.all([...screens.procs, ...leads.procs].map((p) => p.stop()));
    screens.procs.forEach((_, i) => ctx.sampler.remove(`screens${i + 1}`));
    ctx.sampler.remove('leads1');
  }
}

/** The popup phase's floor: the bench floor plus the lead's team, and a long-break limit of LONG_BREAK_S. */
const popupConfig = (file: ReturnType<typeof benchConfigFile>) => ({
  ...file,
  teams: [...file.teams, { id: LEAD_TEAM, name: 'Bench lead team' }],
  alerts: { longBreak: { minutes: LONG_BREAK_S / 60 } },
});

/** Redis time spent in the apply script per event applied in the window (wall time inside Redis, so CPU contention on
 * the machine inflates it; compare with Redis CPU). */
function luaUsPerEvent(r: PhaseResources, events: number): number {
  const usec = Object.entries(r.redis.commands).find(([k]) => k === 'evalsha' || k === 'eval')?.[1].usec ?? 0;
  return events > 0 ? round(usec / events) : NaN;
}

/** CPU time (µs) a process spent per event applied in the window: unlike rates and latencies, hardly changed by other
 * work on the machine. 1e6 / the Redis figure is the most a single-threaded Redis could apply. */
function cpuUsPerEvent(r: PhaseResources, name: string, seconds: number, events: number): number {
  const u = r.procs[name];
  return u && events > 0 ? Math.round(((u.cpuAvgPct / 100) * seconds * 1e6) / events) : NaN;
}

// ------------------------------------------------------------------ report
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));
/** Two significant-ish decimals for small figures (ms of a snapshot, MB). */
const fmt2 = (n: number) => (Number.isFinite(n) ? (Math.abs(n) >= 100 ? fmt(n) : String(round(n, 2))) : String(n));
const passFail = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function printReport(results: Results) {
  const rows: [string, string, string, string][] = [];
  const { http: h, stream: s, latency: l } = results;
  if (h) {
    rows.push(['HTTP ingest, events/s', fmt(h.eventsPerSecond), `>= ${fmt(TARGETS.ingestPerSecond)}`, passFail(h.eventsPerSecond >= TARGETS.ingestPerSecond && h.ok)]);
    rows.push(['  accepted / sent (rejected, errors)', `${fmt(h.accepted)} / ${fmt(h.sent)} (${h.rejected + h.late}, ${h.errors})`, 'all accepted', passFail(h.ok)]);
    rows.push([`  POST of ${h.batch} events, ms p50/p99`, `${h.postMs.p50} / ${h.postMs.p99}`, '', '']);
    rows.push([`  first 3 s / last 3 s, events/s`, `${fmt(h.firstSeconds)} / ${fmt(h.lastSeconds)}`, '', '']);
    rows.push([`  Redis time in the apply script per event, µs`, String(h.luaUsPerEvent), '', '']);
    rows.push([`  CPU per event, µs: Redis / service`, `${h.redisCpuUsPerEvent} / ${h.serviceCpuUsPerEvent}`, '', '']);
  }
  if (s) {
    rows.push(['Stream ingest, events/s', fmt(s.eventsPerSecond), `>= ${fmt(TARGETS.ingestPerSecond)}`, passFail(s.eventsPerSecond >= TARGETS.ingestPerSecond && s.ok)]);
    rows.push(['  applied / added (drain after, s)', `${fmt(s.applied)} / ${fmt(s.added)} (${s.drainSeconds})`, 'all applied', passFail(s.ok)]);
    rows.push([`  first 3 s / last 3 s, events/s`, `${fmt(s.firstSeconds)} / ${fmt(s.lastSeconds)}`, '', '']);
    rows.push([`  Redis time in the apply script per event, µs`, String(s.luaUsPerEvent), '', '']);
    rows.push([`  CPU per event, µs: Redis / service`, `${s.redisCpuUsPerEvent} / ${s.serviceCpuUsPerEvent}`, '', '']);
  }
  if (l) {
    rows.push([
      `Event-to-screen latency, ms p50/p95/p99/max`,
      `${fmt(l.latencyMs.p50)} / ${fmt(l.latencyMs.p95)} / ${fmt(l.latencyMs.p99)} / ${fmt(l.latencyMs.max)}`,
      `p99 <= ${TARGETS.latencyP99Ms}`,
      passFail(l.latencyMs.p99 <= TARGETS.latencyP99Ms && l.ok),
    ]);
    rows.push([`  first screen per marker, ms p50/p99`, `${fmt(l.firstScreenMs.p50)} / ${fmt(l.firstScreenMs.p99)}`, '', '']);
    rows.push([`  samples (markers x screens), missed`, `${fmt(l.samples)} (${l.markers} x ${l.connected}), ${l.missed}`, 'none missed', passFail(l.missed === 0)]);
    rows.push([`  background load, events/s`, `${fmt(l.rateAchieved)} of ${fmt(l.rateTarget)}`, '', '']);
    rows.push([`  marker POST, ms p50/p99`, `${l.markerPostMs.p50} / ${l.markerPostMs.p99}`, '', '']);
    rows.push([`  pushes per second per screen`, String(l.pushesPerSecond), '', '']);
    rows.push([`  snapshot size, KB`, round(l.snapshotBytes / 1024).toString(), '', '']);
    rows.push([`  GET /api/snapshot after load, ms p50/max`, `${l.snapshotGetMs.p50} / ${l.snapshotGetMs.max}`, '', '']);
    rows.push([`  screens' event-loop delay p99, ms`, String(l.screensLoopP99Ms), '', '']);
  }
  const scaled = (results.scale ?? []).map((r) => [r, `${fmt(r.agents)} agents`] as const);
  for (const [r, who] of scaled) {
    const sn = r.snapshot;
    if (!sn) continue;
    const judged = r.agents >= TARGETS.snapshotAtAgents;
    rows.push([
      `Snapshot compute(), ${who} (${r.teams} teams, ${r.queues} queues), ms p50/p95/max`,
      `${fmt2(sn.totalMs.p50)} / ${fmt2(sn.totalMs.p95)} / ${fmt2(sn.totalMs.max)} (${sn.runs} runs${sn.paceMs ? `, one per ${sn.paceMs} ms tick` : ''})`,
      judged ? `p95 <= ${TARGETS.snapshotP95Ms}` : '',
      judged ? passFail(sn.totalMs.p95 <= TARGETS.snapshotP95Ms && r.ok) : '',
    ]);
    rows.push([`  Redis read (Store.readFloor), ms p50/p95`, sn.readFloorMs ? `${fmt2(sn.readFloorMs.p50)} / ${fmt2(sn.readFloorMs.p95)}` : 'not called', '', '']);
    rows.push([`  all store calls (Redis) / rest in Node, ms p50`, `${fmt2(sn.storeMs.p50)} / ${fmt2(sn.nodeMs.p50)}`, '', '']);
    rows.push([`  first after the hour was loaded (cold), ms`, fmt2(sn.firstMs), '', '']);
    rows.push([`  Redis time / commands per snapshot (with the live events)`, `${fmt2(sn.redisUsecPerSnapshot / 1000)} ms / ${fmt(sn.redisCallsPerSnapshot)}`, '', '']);
    rows.push([`  pushes to a supervisor (paced): n; serialise ms p50; size KB; alerts`, `${sn.stringifyMs.n}; ${fmt2(sn.stringifyMs.p50)}; ${fmt(sn.bytes / 1024)}; ${sn.alerts}`, '', '']);
    rows.push([`  floor's own events while timing, events/s`, fmt(sn.liveEventsPerSecond), '', '']);
  }
  for (const [r, who] of scaled) {
    const m = r.memory;
    if (!m) continue;
    rows.push([`Redis memory for one hour of windows, ${who}, MB per 1,000 agents`, fmt2(m.windowsPerThousandAgentsMB), `<= ${TARGETS.redisMBPerThousandAgents}`, passFail(m.windowsPerThousandAgentsMB <= TARGETS.redisMBPerThousandAgents && r.ok)]);
    rows.push([`  all of Redis's used_memory growth over the hour, MB per 1,000 agents`, fmt2(m.perThousandAgentsMB), '', '']);
    rows.push([`  used_memory before / after, MB; keys`, `${fmt2(m.usedBeforeMB)} / ${fmt2(m.usedAfterMB)}; ${fmt(m.keys)}`, '', '']);
    rows.push([`  as on a live floor (keys with TTL < 1 h scaled), MB per 1,000`, fmt2(m.liveEstimatePerThousandAgentsMB), '', '']);
  }
  for (const [r, who] of scaled) {
    rows.push([`  hour of ${who}: events, calls per agent; load s (events/s)`, `${fmt(r.events)}, ${r.callsPerAgent}; ${r.fillSeconds} (${fmt(r.fillEventsPerSecond)})`, 'all accepted', passFail(r.ok)]);
  }
  const pu = results.popup;
  if (pu) {
    rows.push([
      `Event-to-pop-up latency (team lead), ms p50/p95/p99/max`,
      `${fmt(pu.latencyMs.p50)} / ${fmt(pu.latencyMs.p95)} / ${fmt(pu.latencyMs.p99)} / ${fmt(pu.latencyMs.max)}`,
      `p99 <= ${fmt(TARGETS.popupP99Ms)}`,
      passFail(pu.latencyMs.p99 <= TARGETS.popupP99Ms && pu.ok),
    ]);
    rows.push([`  first lead per alert, ms p50/p99`, `${fmt(pu.firstLeadMs.p50)} / ${fmt(pu.firstLeadMs.p99)}`, '', '']);
    rows.push([`  samples (alerts x leads), missed; skipped`, `${fmt(pu.samples)} (${pu.probes} x ${pu.leadsConnected}), ${pu.missed}; ${pu.skipped}`, 'none missed', passFail(pu.missed === 0)]);
    rows.push([`  background load, events/s; wallboards`, `${fmt(pu.rateAchieved)} of ${fmt(pu.rateTarget)}; ${pu.screensConnected}`, '', '']);
    rows.push([`  triggering POST, ms p50/p99`, `${pu.triggerPostMs.p50} / ${pu.triggerPostMs.p99}`, '', '']);
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['Metric', 'Value', 'Target', ''][i]!.length));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  console.log('\n' + line(['Metric', 'Value', 'Target', 'Result']));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));

  console.log('\nResources per phase (machine busy: % of all cores; process CPU: % of one core, mean / highest 1-s sample; RSS in MB)');
  if (results.machineLoad) console.log(`  load average at the start / end of the run (1 min): ${results.machineLoad.start} / ${results.machineLoad.end} on ${cpus().length} CPUs`);
  const res = [
    ['HTTP ingest', h?.resources],
    ['Stream ingest', s?.resources],
    ['Latency', l?.resources],
    ['Pop-up', results.popup?.resources],
  ] as const;
  const head = ['Phase', 'machine busy %', 'service CPU', 'service RSS', 'svc loop p99/max ms', 'redis CPU', 'redis used_memory', 'bench CPU', 'screens CPU', 'other procs CPU'];
  const body = res
    .filter(([, r]) => r)
    .map(([name, r]) => {
      const p = r!.procs;
      const cpu = (u?: ProcUsage) => (u ? `${u.cpuAvgPct} / ${u.cpuMaxPct}` : '-');
      const screens = Object.entries(p).filter(([k]) => k.startsWith('screens'));
      return [
        name,
        r!.machine ? `${r!.machine.busyPct}${r!.machine.stealPct >= 1 ? ` (steal ${r!.machine.stealPct})` : ''}` : '-',
        cpu(p.service),
        p.service ? String(p.service.rssMaxMB) : '-',
        r!.serviceLoop ? `${r!.serviceLoop.p99Ms} / ${r!.serviceLoop.maxMs}` : '-',
        cpu(p.redis),
        `${r!.redis.usedMemoryMB} MB`,
        cpu(p.bench),
        screens.length ? screens.map(([, u]) => u.cpuAvgPct).join(' + ') : '-',
        r!.othersCpuPct === null ? '-' : String(r!.othersCpuPct),
      ];
    });
  const w2 = head.map((hd, i) => Math.max(hd.length, ...body.map((b) => b[i]!.length)));
  const line2 = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w2[i]!)).join(' | ') + ' |';
  if (body.length) {
    console.log(line2(head));
    console.log('|' + w2.map((x) => '-'.repeat(x + 2)).join('|') + '|');
    for (const b of body) console.log(line2(b));
  }
  for (const [name, r] of res) {
    if (!r) continue;
    const top = Object.entries(r.redis.commands)
      .slice(0, 5)
      .map(([k, v]) => `${k} ${fmt(v.calls)} calls ${fmt(v.usec / 1000)} ms`)
      .join(', ');
    console.log(`  Redis busiest commands, ${name}: ${top}`);
  }
  for (const [r, who] of scaled) {
    const cpu = (u?: ProcUsage) => (u ? `${u.cpuAvgPct} %` : '-');
    console.log(`  Loading the hour of ${who}: service CPU ${cpu(r.fillCpu.service)}, Redis CPU ${cpu(r.fillCpu.redis)}, bench CPU ${cpu(r.fillCpu.bench)}` +
      (r.snapshot ? `; while timing snapshots: service ${cpu(r.snapshot.cpu.service)}, Redis ${cpu(r.snapshot.cpu.redis)}` : ''));
  }
  for (const [r, who] of scaled) {
    const m = r.memory;
    if (!m) continue;
    console.log(`\nRedis memory by key family, ${who} after one simulated hour (MEMORY USAGE SAMPLES 0 of up to ${results.options.memorySample} keys per family, scaled to all; TTL when read)`);
    const head = ['Key family', 'keys', 'bytes/key', 'MB', '% of used_memory growth', 'MB per 1,000 agents', 'median TTL s', 'live-floor MB per 1,000'];
    const growth = m.usedAfterMB - m.usedBeforeMB;
    const perK = (bytes: number) => fmt2(bytes / 2 ** 20 / (r.agents / 1000));
    const body = m.families.map((f) => [`${isWindowFamily(f.family) ? '* ' : ''}${f.family}`, fmt(f.keys), fmt(f.bytesPerKey), fmt2(f.bytes / 2 ** 20), fmt2((f.bytes / 2 ** 20 / growth) * 100), perK(f.bytes), f.ttlSeconds === null ? '-' : fmt(f.ttlSeconds), perK(f.liveBytes)]);
    const overhead = (growth - m.accountedMB) * 2 ** 20;
    body.push(['(Redis overhead: dicts, expires, clients, scripts)', '', '', fmt2(overhead / 2 ** 20), fmt2((overhead / 2 ** 20 / growth) * 100), perK(overhead), '', '']);
    const w3 = head.map((hd, i) => Math.max(hd.length, ...body.map((b) => b[i]!.length)));
    const line3 = (row: string[]) => '| ' + row.map((c, i) => (i === 0 ? c.padEnd(w3[i]!) : c.padStart(w3[i]!))).join(' | ') + ' |';
    console.log(line3(head));
    console.log('|' + w3.map((x) => '-'.repeat(x + 2)).join('|') + '|');
    for (const b of body) console.log(line3(b));
    console.log(`* the windows: ${fmt2(m.windowsPerThousandAgentsMB)} MB per 1,000 agents on a live floor`);
  }
}

interface Results {
  startedAt: string;
  machine: Record<string, unknown>;
  options: Record<string, unknown> & { memorySample?: number };
  targets: typeof TARGETS;
  http?: HttpPhase;
  stream?: StreamPhase;
  latency?: LatencyPhase;
  /** 1-minute load average when the run started and ended: other work on a shared machine. */
  machineLoad?: { start: number; end: number };
  /** Snapshot and memory phases: one entry per floor size. */
  scale?: ScaleResult[];
  popup?: PopupPhase;
  pass?: boolean;
  /** Per phase: the profile file, then its summary lines (with --cpu-prof). */
  profiles?: Record<string, string[]>;
}

/** The commit measured, and whether the service's sources differ from it (others may be editing them). */
function gitInfo(): { commit: string; serviceSourcesModified: number } | Record<string, never> {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'shared'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, serviceSourcesModified: dirty.split('\n').filter(Boolean).length };
  } catch {
    return process.env.BENCH_COMMIT ? { commit: process.env.BENCH_COMMIT, serviceSourcesModified: 0 } : {};
  }
}

// ------------------------------------------------------------------ main
async function main() {
  const opt = readOptions();
  const started = Date.now();
  const loadStart = loadavg()[0]!;
  const runId = randomBytes(4).toString('hex');
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    while (cleanups.length) await cleanups.pop()!().catch((e) => console.error('cleanup failed:', (e as Error).message));
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('\ninterrupted: stopping the bench children');
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const dir = mkdtempSync(join(tmpdir(), 'floorwatch-bench-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const profDir = opt.cpuProf ? join(ROOT, 'bench/results/prof', runId) : null;
  try {
    const privateRedis: PrivateRedis = await startPrivateRedis(dir, { persist: false });
    cleanups.push(() => privateRedis.stop());
    const redis = new Redis(privateRedis.url, { maxRetriesPerRequest: 3 });
    cleanups.push(async () => void redis.disconnect());
    const server = parseInfo(await redis.info('server'));
    const redisPid = Number(server.process_id);
    const screensProcs: ScreensProc[] = [];
    cleanups.push(async () => void (await Promise.all(screensProcs.map((p) => p.stop()))));
    const sampler = new ProcSampler(new Map([['redis', redisPid], ['bench', process.pid]]));
    sampler.start(1000);
    cleanups.push(async () => sampler.stop());
    const tokens = { ingest: randomBytes(24).toString('hex'), supervisor: randomBytes(24).toString('hex'), display: randomBytes(24).toString('hex') };
    // A wallboard display token, in the users file format of server/auth/accounts.ts (versions without it ignore it).
    writeFileSync(
      join(dir, 'users.json'),
      JSON.stringify({
        users: [],
        tokens: [{ id: 'bench-display', name: 'bench screens', role: 'display', pages: ['wallboard'], hash: createHash('sha256').update(tokens.display).digest('hex'), createdAt: new Date().toISOString(), expiresAt: null }],
      }),
      { mode: 0o600 },
    );
    setBearer(tokens.ingest);
    const base: Base = { opt, runId, redisUrl: privateRedis.url, tokens, dir, redis, sampler, profDir };

    const machine = {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGB: round(totalmem() / 2 ** 30),
      freeMemoryGB: round(freemem() / 2 ** 30),
      node: process.version,
      redis: server.redis_version,
      platform: `${process.platform} ${process.arch}`,
      ...gitInfo(),
    };
    console.log(
      `Floorwatch bench${opt.quick ? ' (quick)' : ''}: ${opt.shape.agents} agents, ${opt.shape.teams} teams, ${opt.shape.queues} queues; ` +
        `redis ${machine.redis} pid ${redisPid}; ${machine.nproc} CPUs, node ${machine.node}; each phase on a fresh service and database` +
        ('commit' in machine ? `; commit ${machine.commit}${machine.serviceSourcesModified ? ` + ${machine.serviceSourcesModified} modified files in server/ shared/` : ''}` : ''),
    );

    const results: Results = {
      startedAt: new Date(started).toISOString(),
      machine,
      options: { ...opt, phases: [...opt.phases], shape: opt.shape },
      targets: TARGETS,
      profiles: {},
    };
    if (opt.phases.has('http')) {
      console.log(`1. HTTP ingest: ${opt.httpClients} clients x ${opt.batch} events per POST, ${opt.httpSeconds} s`);
      const r = await withFloor(base, 'h', httpPhase);
      results.http = r.result;
      if (r.profile) results.profiles!.http = r.profile;
      console.log(`   ${fmt(results.http.eventsPerSecond)} events/s`);
    }
    if (opt.phases.has('stream')) {
      console.log(`2. Stream ingest: XADD with a backlog of at most ${fmt(opt.streamBacklog)} entries, ${opt.streamSeconds} s`);
      const r = await withFloor(base, 's', streamPhase);
      results.stream = r.result;
      if (r.profile) results.profiles!.stream = r.profile;
      console.log(`   ${fmt(results.stream.eventsPerSecond)} events/s`);
    }
    if (opt.phases.has('latency')) {
      console.log(`3. Event-to-screen latency: ${opt.screens} screens (${opt.view} view), ${fmt(opt.rate)} events/s background, a marker every ${opt.markerMs} ms for ${opt.latencySeconds} s`);
      const r = await withFloor(base, 'l', (ctx) => latencyPhase(ctx, screensProcs));
      results.latency = r.result;
      if (r.profile) results.profiles!.latency = r.profile;
      console.log(`   p99 ${fmt(results.latency.latencyMs.p99)} ms`);
    }
    if (opt.phases.has('snapshot') || opt.phases.has('memory')) {
      const what = [opt.phases.has('snapshot') && 'snapshot compute time', opt.phases.has('memory') && 'Redis memory'].filter(Boolean).join(' and ');
      console.log(`4/5. ${what} after one simulated hour at ${opt.scaleSizes.map((x) => fmt(x.agents)).join(' and ')} agents`);
      results.scale = await scalePhase({
        runId,
        sizes: opt.scaleSizes,
        senders: Math.max(1, opt.httpClients),
        batch: opt.batch,
        snapshot: opt.phases.has('snapshot'),
        memory: opt.phases.has('memory'),
        runs: opt.snapshotRuns,
        budgetSeconds: opt.snapshotSeconds,
        paceMs: opt.snapshotPaceMs,
        memorySample: opt.memorySample,
        tokens,
        usersFile: join(dir, 'users.json'),
        profDir,
        track: (fn) => {
          cleanups.push(fn);
          return () => {
            const i = cleanups.indexOf(fn);
            if (i >= 0) cleanups.splice(i, 1);
          };
        },
      });
      for (const r of results.scale) {
        const profile = r.profile ? profileSummary(r.profile) : undefined;
        if (profile) results.profiles![`snapshot ${r.agents} agents`] = profile;
      }
    }
    if (opt.phases.has('popup')) {
      console.log(`6. Event-to-pop-up latency: ${opt.leads} team-lead clients and ${opt.popupScreens} wallboards, ${fmt(opt.rate)} events/s background, a long-break alert every ${opt.popupMs} ms for ${opt.popupSeconds} s`);
      const r = await withFloor(base, 'p', (ctx) => popupPhase(ctx, screensProcs), popupConfig);
      results.popup = r.result;
      if (r.profile) results.profiles!.popup = r.profile;
      console.log(`   p99 ${fmt(results.popup.latencyMs.p99)} ms`);
    }
    const snapshotSize = results.scale?.find((r) => r.snapshot && r.agents >= TARGETS.snapshotAtAgents);
    const checks = [
      results.http ? results.http.ok && results.http.eventsPerSecond >= TARGETS.ingestPerSecond : true,
      results.stream ? results.stream.ok && results.stream.eventsPerSecond >= TARGETS.ingestPerSecond : true,
      results.latency ? results.latency.ok && results.latency.latencyMs.p99 <= TARGETS.latencyP99Ms : true,
      snapshotSize ? snapshotSize.ok && snapshotSize.snapshot!.totalMs.p95 <= TARGETS.snapshotP95Ms : true,
      ...(results.scale ?? []).map((r) => r.ok && (!r.memory || r.memory.windowsPerThousandAgentsMB <= TARGETS.redisMBPerThousandAgents)),
      results.popup ? results.popup.ok && results.popup.latencyMs.p99 <= TARGETS.popupP99Ms : true,
    ];
    results.pass = checks.every(Boolean);
    results.machineLoad = { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) };
    await cleanup();
    for (const [phase, lines] of Object.entries(results.profiles ?? {})) {
      console.log(`\nService CPU profile, ${phase} phase (${lines[0]}): hottest functions by self time`);
      for (const l of lines.slice(1)) console.log('  ' + l);
    }
    printReport(results);
    console.log(`\nOverall: ${passFail(results.pass)}   (${round((Date.now() - started) / 1000)} s)`);
    mkdirSync(dirname(opt.out), { recursive: true });
    const json = JSON.stringify(results, null, 2);
    writeFileSync(opt.out, json);
    writeFileSync(join(dirname(opt.out), `run-${new Date(started).toISOString().replaceAll(':', '-').slice(0, 19)}.json`), json);
    console.log(`Results written to ${opt.out}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
