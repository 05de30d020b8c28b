// Starts the real Floorwatch in-process for a test: real Redis, random key prefix, free port, injected clock.
import pino from 'pino';
import { buildConfig, type ConfigFile } from '../../server/config.js';
import { startFloorwatch, type Floorwatch } from '../../server/floorwatch.js';
import type { Clock } from '../../shared/time.js';
import { deletePrefix, newRedis, randomPrefix, redisUrl } from './redis.js';

export interface TestFloorwatch extends Floorwatch {
  prefix: string;
  /** Stops the service and deletes its keys. */
  close(): Promise<void>;
}

export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now() {
    return this.ms;
  }
  set(ms: number) {
    this.ms = ms;
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

export async function startTestFloorwatch(
  file: ConfigFile = {},
  env: Record<string, string> = {},
  options: { clock?: Clock; ingestToken?: string; consumerName?: string; /** reuse another instance's keys */ prefix?: string } = {},
): Promise<TestFloorwatch> {
  const prefix = options.prefix ?? randomPrefix();
  const config = buildConfig(
    { ...file, site: { timeZone: 'UTC', ...file.site }, redis: { keyPrefix: prefix }, ingest: { ...file.ingest, stream: { key: `${prefix}:events`, ...file.ingest?.stream } } },
    { PORT: '0', FLOORWATCH_SIMULATOR: 'off', ...env },
  );
  const fw = await startFloorwatch({
    config,
    redisUrl: redisUrl(),
    clock: options.clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    host: '127.0.0.1',
    ingestToken: options.ingestToken,
    consumerName: options.consumerName,
  });
  return {
    ...fw,
    prefix,
    async close() {
      await fw.stop();
      const r = newRedis();
      await deletePrefix(r, prefix);
      await r.quit();
    },
  };
}
