// Cost of the store's Lua batch apply per event as the agents' recent history grows (`npx tsx bench/lua-cost.ts
// [--seconds 75] [--agents 500] [--rate 5000]`). In-process, no HTTP server, no snapshots: one Ingest feeding a private
// redis-server at a fixed rate. Every few seconds it prints the Redis time per event (INFO commandstats, evalsha) and
// the length of an agent's timeline, which the script keeps for the lateness window (60 s by default): stored in the
// agent's hash as an index `tx` (8 bytes per transition: ts u48, payload length u16) and the payloads in fields t1, t2,
// ... (older versions of the script kept the whole timeline in one field, `tl`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { buildConfig } from '../server/config.js';
import { Ingest } from '../server/ingest/pipeline.js';
import { startPrivateRedis } from '../server/redis-server.js';
import { Store } from '../server/store/store.js';
import { wallClock } from '../shared/time.js';
import { benchConfigFile, makeGenerators } from './floor.js';
import { parseInfo, procCpuSeconds, sleep } from './util.js';

/** Entries and bytes (index + payloads) of a stored timeline, from its index `tx`; or of a legacy `tl` field. */
function timelineSize(tx: Buffer | null, tl: Buffer | null): { entries: number | string; bytes: number } {
  if (!tx && tl) return { entries: legacyTimelineLength(tl), bytes: tl.length };
  if (!tx) return { entries: 0, bytes: 0 };
  const entries = Math.floor(tx.length / 8);
  let bytes = tx.length;
  for (let i = 0; i < entries; i++) bytes += tx.readUInt16BE(i * 8 + 6);
  return { entries, bytes };
}

/** Entries of a legacy timeline (field `tl`): JSON in the oldest versions of the script, then MessagePack (an array header). */
function legacyTimelineLength(raw: Buffer | null): number | string {
  if (!raw || raw.length === 0) return 0;
  const b = raw[0]!;
  if (b === 0x5b) return (JSON.parse(raw.toString('utf8')) as unknown[]).length; // '['
  if (b >= 0x90 && b <= 0x9f) return b - 0x90; // fixarray
  if (b === 0xdc) return raw.readUInt16BE(1); // array 16
  return '?';
}

async function main() {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '75' }, agents: { type: 'string', default: '500' }, rate: { type: 'string', default: '5000' } },
  });
  const seconds = Number(values.seconds), agents = Number(values.agents), rate = Number(values.rate);
  const dir = mkdtempSync(join(tmpdir(), 'floorwatch-luacost-'));
  const redisServer = await startPrivateRedis(dir, { persist: false });
  const redis = new Redis(redisServer.url);
  try {
    const shape = { agents, teams: 25, queues: 20 };
    const config = buildConfig(benchConfigFile(shape, 'lc', 'lc:events'), { PORT: '0', FLOORWATCH_SIMULATOR: 'off' });
    const store = new Store(redis, { keyPrefix: 'lc', replay: false, latenessMs: config.ingest.latenessSeconds * 1000, dedupeSeconds: config.ingest.dedupeSeconds, maxWaitMs: config.ingest.maxWaitMinutes * 60_000, seriesKeepHours: config.series.keepHours });
    const ingest = new Ingest(store, config, wallClock);
    const [gen] = makeGenerators(shape, 1, 'lc');
    const redisPid = Number(parseInfo(await redis.info('server')).process_id);
    // CPU time is hardly changed by other work on the machine; time inside the script (commandstats) is.
    const redisCpu = () => procCpuSeconds(redisPid) ?? NaN;
    const evalsha = async () => {
      const v = parseInfo(await redis.info('commandstats')).cmdstat_evalsha ?? '';
      return { calls: Number(/calls=(\d+)/.exec(v)?.[1] ?? 0), usec: Number(/usec=(\d+)/.exec(v)?.[1] ?? 0) };
    };
    console.log(`${agents} agents, ${rate} events/s offered (${((rate * 0.54) / agents).toFixed(1)} agent state changes per agent per second), ${seconds} s`);
    console.log('  t s   events   Lua µs/event   Redis CPU µs/event   events/s applied   tl entries (agent a0001)');
    const batch = 500;
    const start = performance.now();
    let last = await evalsha(), lastCpu = redisCpu(), lastEvents = 0, events = 0, lastAt = start, nextReport = start + 5000;
    // Bounded by `seconds`.
    while (performance.now() - start < seconds * 1000) {
      const due = start + (events / rate) * 1000;
      if (due > performance.now()) await sleep(due - performance.now());
      const evs = gen!.next(batch, Date.now());
      const r = await ingest.ingest(evs);
      if (r.rejected.length) throw new Error(`rejected: ${JSON.stringify(r.rejected[0])}`);
      events += evs.length;
      if (performance.now() >= nextReport) {
        const now = await evalsha();
        const cpu = redisCpu();
        const [tx, tl] = await redis.hmgetBuffer('lc:agent:a0001', 'tx', 'tl');
        const size = timelineSize(tx ?? null, tl ?? null);
        const t = performance.now();
        const perEvent = (now.usec - last.usec) / Math.max(1, events - lastEvents);
        console.log(
          `${((t - start) / 1000).toFixed(0).padStart(4)} ${String(events).padStart(8)} ${perEvent.toFixed(0).padStart(14)} ${(((cpu - lastCpu) * 1e6) / Math.max(1, events - lastEvents)).toFixed(0).padStart(20)} ${Math.round((events - lastEvents) / ((t - lastAt) / 1000)).toString().padStart(18)}   ${size.entries} (${size.bytes} bytes)`,
        );
        last = now;
        lastCpu = cpu;
        lastEvents = events;
        lastAt = t;
        nextReport = t + 5000;
      }
    }
  } finally {
    redis.disconnect();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
