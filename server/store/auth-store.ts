// Sessions, the first-run sign-in code and rate-limit counters in Redis, so every server process shares them.
import type { Redis } from 'ioredis';
import { hashToken, newToken } from '../auth/credentials.js';
import type { Keys } from './keys.js';

export interface SessionRecord {
  /** Whose session: "user:<username>", "token:<id>" or "first-run". */
  sub: string;
  /** Epoch ms it ends. */
  exp: number;
}

export class AuthStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Starts a session; returns the secret id for the cookie (only its hash is stored). */
  async createSession(sub: string, ttlSeconds: number, now: number): Promise<string> {
    const id = newToken();
    const record: SessionRecord = { sub, exp: now + ttlSeconds * 1000 };
    await this.redis.set(this.keys.session(hashToken(id)), JSON.stringify(record), 'EX', ttlSeconds);
    return id;
  }

  async session(id: string, now: number): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.keys.session(hashToken(id)));
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    return record.exp > now ? record : null;
  }

  async endSession(id: string): Promise<void> {
    await this.redis.del(this.keys.session(hashToken(id)));
  }

  async createFirstRunCode(): Promise<string> {
    const code = newToken();
    await this.redis.set(this.keys.firstRun(hashToken(code)), '1', 'EX', 24 * 3600);
    return code;
  }

  /** True once per code: GETDEL makes it single-use across processes. */
  async consumeFirstRunCode(code: string): Promise<boolean> {
    return (await this.redis.getdel(this.keys.firstRun(hashToken(code)))) !== null;
  }

  /** Counts a hit in a fixed window; says whether it is within the limit and when to retry. */
  async hit(name: string, subject: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const key = this.keys.rate(name, subject);
    const [[, count], , [, ttl]] = (await this.redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec()) as [[null, number], [null, number], [null, number]];
    return { allowed: count <= limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  /** Whether the hits counted so far reach the limit (without counting one), and when to retry. */
  async limited(name: string, subject: string, limit: number): Promise<{ limited: boolean; retryAfterSeconds: number }> {
    const key = this.keys.rate(name, subject);
    const [[, count], [, ttl]] = (await this.redis.multi().get(key).ttl(key).exec()) as [[null, string | null], [null, number]];
    return { limited: Number(count ?? 0) >= limit, retryAfterSeconds: Math.max(1, ttl) };
  }

  async clearHits(name: string, subject: string): Promise<void> {
    await this.redis.del(this.keys.rate(name, subject));
  }
}
