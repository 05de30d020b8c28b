// Resolves who is calling (bearer token, session cookie, or the demo's anonymous viewer), signs people in, and writes
// what matters to the duty log. Transport-neutral: HTTP and socket.io both hand it headers.
import { parse as parseCookies } from 'cookie';
import type { Logger } from 'pino';
import type { AuthStore } from '../store/auth-store.js';
import type { DutyLog } from '../store/duty-log.js';
import type { Accounts, TokenRecord, UserRecord } from './accounts.js';
import { DUMMY_PASSWORD_HASH, sameSecret, verifyPassword } from './credentials.js';
import type { Principal } from './principal.js';

export const SESSION_COOKIE = 'fw_session';

export interface AuthOptions {
  accounts: Accounts;
  store: AuthStore;
  dutyLog: DutyLog;
  now: () => number;
  log: Logger;
  /** FLOORWATCH_INGEST_TOKEN and FLOORWATCH_SUPERVISOR_TOKEN, for automation. */
  envTokens: { ingest?: string | undefined; supervisor?: string | undefined };
  /** The demo (built-in simulator): anyone may look at the wallboard without signing in. */
  demo: boolean;
  sessionHours: number;
  displaySessionDays: number;
  signIn: { attempts: number; windowMinutes: number };
}

/** How a caller proved who they are; kept on a socket so the proof can be checked again later. */
export type Credential = { kind: 'bearer'; token: string } | { kind: 'session'; id: string } | { kind: 'demo' } | { kind: 'none' };

export type SignInResult =
  | { ok: true; sessionId: string; principal: Principal }
  | { ok: false; reason: 'invalid' | 'rate_limited'; retryAfterSeconds?: number };

export const DEMO_PRINCIPAL: Principal = { id: 'demo', name: 'demo viewer', roles: ['display'], teams: [], pages: ['wallboard'] };

function userPrincipal(u: UserRecord): Principal {
  return { id: `user:${u.username}`, name: u.name ?? u.username, roles: [...u.roles], teams: [...u.teams], pages: [] };
}
function tokenPrincipal(t: TokenRecord): Principal {
  return { id: `token:${t.id}`, name: t.name, roles: [t.role], teams: [], pages: [...t.pages] };
}

export class Auth {
  constructor(private readonly o: AuthOptions) {}

  get demo(): boolean {
    return this.o.demo;
  }

  /** The credential a request or handshake carries: a bearer token first, then the session cookie. */
  credentialFrom(headers: { authorization?: string | undefined; cookie?: string | undefined }, handshakeToken?: unknown): Credential {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? (typeof handshakeToken === 'string' ? handshakeToken : undefined);
    if (bearer) return { kind: 'bearer', token: bearer };
    const sid = headers.cookie ? parseCookies(headers.cookie)[SESSION_COOKIE] : undefined;
    if (sid) return { kind: 'session', id: sid };
    return this.o.demo ? { kind: 'demo' } : { kind: 'none' };
  }

  /** Who the credential belongs to now (null when it is unknown, expired or revoked). */
  async principal(c: Credential): Promise<Principal | null> {
    const now = this.o.now();
    switch (c.kind) {
      case 'bearer': {
        const { ingest, supervisor } = this.o.envTokens;
        if (ingest && sameSecret(c.token, ingest)) return { id: 'env:ingest', name: 'ingest token', roles: ['ingest'], teams: [], pages: [] };
        if (supervisor && sameSecret(c.token, supervisor)) return { id: 'env:supervisor', name: 'supervisor token', roles: ['supervisor'], teams: [], pages: [] };
        const t = this.o.accounts.token(c.token, now);
        return t ? tokenPrincipal(t) : null;
      }
      case 'session': {
        const s = await this.o.store.session(c.id, now);
        if (!s) return null;
        if (s.sub === 'first-run') return { id: 'first-run', name: 'first-run supervisor', roles: ['supervisor', 'admin'], teams: [], pages: [] };
        const [kind, ...rest] = s.sub.split(':');
        const key = rest.join(':');
        if (kind === 'user') {
          const u = this.o.accounts.user(key);
          return u ? userPrincipal(u) : null;
        }
        const t = kind === 'token' ? this.o.accounts.tokenById(key, now) : undefined;
        return t ? tokenPrincipal(t) : null;
      }
      case 'demo':
        return DEMO_PRINCIPAL;
      case 'none':
        return null;
    }
  }

  /** Password sign-in, limited per user name and per address so guessing is slowed to a crawl. */
  async signIn(username: string, password: string, address: string): Promise<SignInResult> {
    const { attempts, windowMinutes } = this.o.signIn;
    const window = windowMinutes * 60;
    // Failures are counted per user name and per address; at the limit even the right password is refused.
    const limits: [string, number][] = [[`user:${username.toLowerCase()}`, attempts], [`ip:${address}`, attempts * 4]];
    for (const [subject, limit] of limits) {
      const l = await this.o.store.limited('signin', subject, limit);
      if (l.limited) {
        await this.o.dutyLog.append('auth.signin.blocked', username, { address, retryAfterSeconds: l.retryAfterSeconds });
        return { ok: false, reason: 'rate_limited', retryAfterSeconds: l.retryAfterSeconds };
      }
    }
    const user = this.o.accounts.user(username);
    // Hash even for an unknown user, so the answer takes the same time either way.
    const good = await verifyPassword(password, user?.password ?? DUMMY_PASSWORD_HASH);
    if (!user || !good) {
      for (const [subject, limit] of limits) await this.o.store.hit('signin', subject, limit, window);
      await this.o.dutyLog.append('auth.signin.failed', username, { address });
      return { ok: false, reason: 'invalid' };
    }
    await this.o.store.clearHits('signin', `user:${username.toLowerCase()}`);
    const sessionId = await this.o.store.createSession(`user:${user.username}`, this.o.sessionHours * 3600, this.o.now());
    await this.o.dutyLog.append('auth.signin', user.username, { address, roles: user.roles });
    return { ok: true, sessionId, principal: userPrincipal(user) };
  }

  /** A display token from a kiosk URL, exchanged once for a long session cookie. */
  async exchangeDisplayToken(token: string, address: string): Promise<{ sessionId: string; principal: Principal } | null> {
    const t = this.o.accounts.token(token, this.o.now());
    if (!t || t.role !== 'display') {
      await this.o.dutyLog.append('auth.display.rejected', 'unknown', { address });
      return null;
    }
    const sessionId = await this.o.store.createSession(`token:${t.id}`, this.o.displaySessionDays * 86_400, this.o.now());
    await this.o.dutyLog.append('auth.display.signin', t.name, { address, token: t.id });
    return { sessionId, principal: tokenPrincipal(t) };
  }

  /** The one-time first-run link: a supervisor session, when no user exists yet. */
  async firstRun(code: string, address: string): Promise<string | null> {
    if (!(await this.o.store.consumeFirstRunCode(code))) return null;
    await this.o.dutyLog.append('auth.firstrun.signin', 'first-run', { address });
    return this.o.store.createSession('first-run', this.o.sessionHours * 3600, this.o.now());
  }

  /** Prints the first-run link when nobody could sign in otherwise. */
  async announceFirstRun(baseUrl: string): Promise<void> {
    if (this.o.accounts.hasUsers || this.o.envTokens.supervisor) return;
    const code = await this.o.store.createFirstRunCode();
    this.o.log.warn(
      `No users yet. Sign in once as supervisor with ${baseUrl}/login?first=${code} (valid 24 h, single use), then add users with \`npm run users -- add <name> --role supervisor\`.`,
    );
  }

  async signOut(sessionId: string, actor: string): Promise<void> {
    await this.o.store.endSession(sessionId);
    await this.o.dutyLog.append('auth.signout', actor);
  }

  async denied(p: Principal | null, what: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.o.dutyLog.append('auth.denied', p?.id ?? 'anonymous', { what, ...detail });
  }
}
