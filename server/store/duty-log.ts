// The duty log (值班日志): every sign-in, failed sign-in, permission denial and action, with time and author, in a
// Redis Stream shared by every server process.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

export interface DutyLogEntry {
  id: string;
  /** Epoch ms. */
  at: number;
  kind: string;
  actor: string;
  detail: Record<string, unknown>;
}

const MAX_ENTRIES = 100_000;

export class DutyLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  async append(kind: string, actor: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.redis.xadd(this.keys.dutyLog(), 'MAXLEN', '~', MAX_ENTRIES, '*', 'at', this.now(), 'kind', kind, 'actor', actor, 'detail', JSON.stringify(detail));
  }

  /** The newest entries first. */
  async latest(count = 200): Promise<DutyLogEntry[]> {
    const rows = await this.redis.xrevrange(this.keys.dutyLog(), '+', '-', 'COUNT', count);
    return rows.map(([id, fields]) => {
      const f = Object.fromEntries(fields.reduce<[string, string][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, fields[i + 1]!]]), []));
      return { id, at: Number(f.at), kind: f.kind ?? '', actor: f.actor ?? '', detail: JSON.parse(f.detail ?? '{}') as Record<string, unknown> };
    });
  }
}
