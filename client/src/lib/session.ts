// Who is signed in, signing in and out, and where to go afterwards. The server decides every permission (pages,
// socket data); the client only mirrors the page rules to choose a sensible landing page.
import type { Page, Role } from '../../../server/auth/accounts.js';
import { withLang, type Lang } from './i18n.js';

export type { Page, Role };

/** GET /api/auth/me. */
export interface Me {
  id: string;
  name: string;
  roles: Role[];
  teams: string[];
  pages: Page[];
  /** The anonymous viewer of the demo (built-in simulator). */
  demo: boolean;
}

/** The signed-in principal, or null when not signed in (401). Throws on network or server errors. */
export async function fetchMe(): Promise<Me | null> {
  const res = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`GET /api/auth/me: ${res.status}`);
  return (await res.json()) as Me;
}

export type SignInResult =
  | { ok: true; name: string; roles: Role[]; teams: string[] }
  | { ok: false; reason: 'invalid' | 'missing' }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number }
  | { ok: false; reason: 'network' }
  | { ok: false; reason: 'server'; status: number };

export async function signIn(username: string, password: string): Promise<SignInResult> {
  let res: Response;
  try {
    res = await fetch('/api/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    return { ok: false, reason: 'network' };
  }
  if (res.ok) {
    const body = (await res.json()) as { name: string; roles: Role[]; teams: string[] };
    return { ok: true, name: body.name, roles: body.roles, teams: body.teams };
  }
  if (res.status === 401) return { ok: false, reason: 'invalid' };
  if (res.status === 400) return { ok: false, reason: 'missing' };
  if (res.status === 429) return { ok: false, reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(res.headers.get('retry-after')) };
  return { ok: false, reason: 'server', status: res.status };
}

/** Retry-After as seconds (delta-seconds or an HTTP date); 60 when missing or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (!header) return 60;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(1, Math.ceil((at - now) / 1000)) : 60;
}

/** Ends the session (the server clears the cookie), then shows the sign-in page. */
export async function signOut(lang: Lang): Promise<void> {
  try {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
  } finally {
    location.assign(withLang('/login', lang));
  }
}

const hasRole = (roles: readonly Role[], role: Role) => roles.includes(role);

/** The page a role starts on: supervisor/admin -> /supervisor, lead -> /lead, anything else -> /wallboard. */
export function homeFor(roles: readonly Role[]): string {
  if (hasRole(roles, 'supervisor') || hasRole(roles, 'admin')) return '/supervisor';
  if (hasRole(roles, 'lead')) return '/lead';
  return '/wallboard';
}

const PAGE_OF: Record<string, Page> = { '/': 'wallboard', '/wallboard': 'wallboard', '/supervisor': 'supervisor', '/lead': 'lead' };

/** Mirrors the server's page rule (server/auth/principal.ts mayOpen) for a signed-in user; unknown paths: true. */
export function mayOpenPath(pathname: string, roles: readonly Role[], pages: readonly Page[] = []): boolean {
  const page = PAGE_OF[pathname.replace(/\/+$/, '') || '/'];
  if (!page) return true;
  if (hasRole(roles, 'supervisor') || hasRole(roles, 'admin')) return true;
  if (page === 'lead') return hasRole(roles, 'lead');
  if (page === 'wallboard') return hasRole(roles, 'lead') || (hasRole(roles, 'display') && pages.includes('wallboard'));
  return hasRole(roles, 'display') && pages.includes(page);
}

/**
 * `next` when it is a path on this site (not another origin, not protocol-relative "//x", not the sign-in page
 * itself), as path + query + hash; otherwise null.
 */
export function safeNext(next: string | null | undefined, origin: string): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  // Control characters (tab, newline) are stripped by URL parsing and could hide a "//": refuse them.
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  if (url.pathname === '/login' || url.pathname.startsWith('/api/')) return null;
  return url.pathname + url.search + url.hash;
}

/** Where to go after signing in: `next` when it is safe and the role may open it, else the role's page. */
export function afterSignIn(next: string | null | undefined, origin: string, roles: readonly Role[], lang: Lang): string {
  const safe = safeNext(next, origin);
  const target = safe && mayOpenPath(new URL(safe, origin).pathname, roles) ? safe : homeFor(roles);
  // Keep the language the user chose on the sign-in page unless the target names one.
  return new URL(target, origin).searchParams.has('lang') ? target : withLang(target, lang);
}

/** The sign-in page, coming back to `path` afterwards. */
export function loginUrl(path: string, lang: Lang): string {
  return withLang(`/login?next=${encodeURIComponent(path)}`, lang);
}
