// Users and tokens live in a JSON file (auth.usersFile) managed by `npm run users`; passwords and tokens are stored
// only as hashes. Every server process reloads the file when it changes, so a revoked token stops working everywhere
// within a few seconds.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { hashToken } from './credentials.js';

export const ROLES = ['supervisor', 'lead', 'display', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const PAGES = ['wallboard', 'supervisor', 'lead'] as const;
export type Page = (typeof PAGES)[number];

const userSchema = z.object({
  username: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits and . _ @ - only'),
  name: z.string().max(200).optional(),
  roles: z.array(z.enum(['supervisor', 'lead', 'admin'])).min(1),
  /** Teams a lead sees; ignored for supervisors. */
  teams: z.array(z.string()).default([]),
  password: z.string(),
});
const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['display', 'ingest', 'supervisor']),
  /** Pages a display token may open. */
  pages: z.array(z.enum(PAGES)).default(['wallboard']),
  hash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable().default(null),
});
const fileSchema = z.object({ users: z.array(userSchema).default([]), tokens: z.array(tokenSchema).default([]) });

export type UserRecord = z.output<typeof userSchema>;
export type TokenRecord = z.output<typeof tokenSchema>;
export type AccountsFile = z.output<typeof fileSchema>;

export function readAccounts(path: string): AccountsFile {
  if (!existsSync(path)) return { users: [], tokens: [] };
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Writes atomically (temp file + rename) with owner-only permissions. */
export function writeAccounts(path: string, accounts: AccountsFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(accounts, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** The accounts as this process knows them, reloaded when the file's modification time changes. */
export class Accounts {
  private data: AccountsFile = { users: [], tokens: [] };
  private mtime = -1;
  private checkedAt = 0;
  private byTokenHash = new Map<string, TokenRecord>();

  constructor(private readonly path: string) {
    this.reload();
  }

  /**
   * Re-reads the file if it changed. The file is looked at most once a second: every request asks, and a change
   * (a revoked token) still takes effect within seconds.
   */
  reload(options: { force?: boolean } = {}): boolean {
    const now = Date.now();
    if (!options.force && now - this.checkedAt < 1000) return false;
    this.checkedAt = now;
    const mtime = existsSync(this.path) ? statSync(this.path).mtimeMs : 0;
    if (mtime === this.mtime) return false;
    this.data = readAccounts(this.path);
    this.mtime = mtime;
    this.byTokenHash = new Map(this.data.tokens.map((t) => [t.hash, t]));
    return true;
  }

  /** Looks something up in the accounts as last read; on a miss, reads the file again at once and looks again. */
  private find<T>(lookup: () => T | undefined): T | undefined {
    this.reload();
    return lookup() ?? (this.reload({ force: true }) ? lookup() : undefined);
  }

  user(username: string): UserRecord | undefined {
    return this.find(() => this.data.users.find((u) => u.username === username));
  }

  /** The stored token a presented secret matches, if it exists and has not expired. */
  token(secret: string, now: number): TokenRecord | undefined {
    const hash = hashToken(secret);
    return this.find(() => live(this.byTokenHash.get(hash), now));
  }

  tokenById(id: string, now: number): TokenRecord | undefined {
    return this.find(() => live(this.data.tokens.find((x) => x.id === id), now));
  }

  get hasUsers(): boolean {
    this.reload({ force: true });
    return this.data.users.length > 0;
  }
}

function live(t: TokenRecord | undefined, now: number): TokenRecord | undefined {
  return t && !(t.expiresAt && Date.parse(t.expiresAt) <= now) ? t : undefined;
}
