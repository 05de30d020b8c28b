// Starts the real Floorwatch in-process for a test: real Redis, random key prefix, free port, injected clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Snapshot } from '../../shared/snapshot.js';
import { buildConfig, type ConfigFile } from '../../server/config.js';
import { startFloorwatch, type Floorwatch } from '../../server/floorwatch.js';
import type { Clock } from '../../shared/time.js';
import { deletePrefix, newRedis, randomPrefix, redisUrl } from './redis.js';

/** Bearer tokens every test instance accepts (FLOORWATCH_INGEST_TOKEN / FLOORWATCH_SUPERVISOR_TOKEN). */
export const TEST_TOKENS = { ingest: 'test-ingest-token', supervisor: 'test-supervisor-token' };
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  late: number;
  rejected: { index: number; error: string }[];
  failed: { index: number; error: string }[];
}

export interface TestFloorwatch extends Floorwatch {
  prefix: string;
  /** The users file of this instance (empty at start). */
  usersFile: string;
  /** POST /api/events with the ingest token; `body` is sent as is when it is a string. */
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: IngestAnswer }>;
  /** GET a JSON endpoint with the supervisor token. */
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<T>;
  snapshot(): Promise<Snapshot>;
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
  options: { clock?: Clock; consumerName?: string; /** reuse another instance's keys */ prefix?: string; usersFile?: string } = {},
): Promise<TestFloorwatch> {
  const prefix = options.prefix ?? randomPrefix();
  const usersFile = options.usersFile ?? join(mkdtempSync(join(tmpdir(), 'fw-users-')), 'users.json');
  const config = buildConfig(
    { ...file, site: { timeZone: 'UTC', ...file.site }, redis: { keyPrefix: prefix }, auth: { usersFile, ...file.auth }, ingest: { ...file.ingest, stream: { key: `${prefix}:events`, ...file.ingest?.stream } } },
    { PORT: '0', FLOORWATCH_SIMULATOR: 'off', ...env },
  );
  const fw = await startFloorwatch({
    config,
    redisUrl: redisUrl(),
    clock: options.clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    host: '127.0.0.1',
    ingestToken: TEST_TOKENS.ingest,
    supervisorToken: TEST_TOKENS.supervisor,
    consumerName: options.consumerName,
  });
  const get = async <T>(path: string, headers: Record<string, string> = bearer(TEST_TOKENS.supervisor)) => {
    const res = await fetch(`${fw.url}${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...fw,
    prefix,
    usersFile,
    async post(body, headers = bearer(TEST_TOKENS.ingest)) {
      const res = await fetch(`${fw.url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as IngestAnswer };
    },
    get,
    snapshot: () => get<Snapshot>('/api/snapshot'),
    async close() {
      await fw.stop();
      const r = newRedis();
      await deletePrefix(r, prefix);
      await r.quit();
    },
  };
}
