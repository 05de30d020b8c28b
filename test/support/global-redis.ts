// Vitest global setup: a real redis-server for the whole run. Uses REDIS_URL when given (as .ci/run does), otherwise
// starts a private one on a free loopback port and stops it at the end. Tests isolate themselves by key prefix.
import type { TestProject } from 'vitest/node';
import { REDIS_INSTALL_HELP, redisServerInstalled, startPrivateRedis } from '../../server/redis-server.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  if (!redisServerInstalled()) throw new Error(REDIS_INSTALL_HELP);
  const redis = await startPrivateRedis(mkdtempSync(join(tmpdir(), 'fw-test-redis-')), { persist: false });
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
