// Helpers for tests against the real redis-server started by global-redis.ts.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test uses. */
export function randomPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a prefix (SCAN, so it is safe on a shared server). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export function newRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: 3 });
}
