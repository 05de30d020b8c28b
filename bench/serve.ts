// Bench child: starts the real Floorwatch service in its own process (own event loop), configured from environment
// variables set by bench/run.ts, and prints one JSON line `{"port":N,"pid":N}` on stdout once it listens.
//
//   BENCH_REDIS_URL     redis://127.0.0.1:PORT (required)
//   BENCH_CONFIG_JSON   the config file object, as JSON (required; built by bench/floor.ts)
//   BENCH_LOG_LEVEL     pino level, default "warn" (logs go to stderr)
//   BENCH_INGEST_TOKEN, BENCH_SUPERVISOR_TOKEN   bearer tokens for POST /api/events and the screens' sockets
//   BENCH_USERS_FILE    the service's users file (kept out of the working tree)
//
// Run it with `node --import tsx bench/serve.ts` (add --cpu-prof to profile). With an IPC channel it answers
// {type:'stats'} with its own CPU, memory and event-loop delay, stops on {type:'stop'}, and exits if the parent goes.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { buildConfig } from '../server/config.js';
import { startFloorwatch, type Floorwatch } from '../server/floorwatch.js';

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

async function main() {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const configJson = process.env.BENCH_CONFIG_JSON;
  if (!redisUrl || !configJson) throw new Error('bench/serve.ts needs BENCH_REDIS_URL and BENCH_CONFIG_JSON');
  const env: NodeJS.ProcessEnv = { PORT: '0', FLOORWATCH_SIMULATOR: 'off' };
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
  if (process.send) {
    process.on('message', (msg: { type?: string }) => {
      if (msg?.type === 'stop') void stop(0);
      else if (msg?.type === 'stats') {
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

main().catch((err) => {
  console.error('bench serve failed:', err);
  process.exit(1);
});
