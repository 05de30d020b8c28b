// HTTP routes: sign-in, ingest, snapshot, health, duty log, and the built client. Thin: parsing, permissions and
// status codes; the work is done by the modules passed in.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serialize as serializeCookie } from 'cookie';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Page } from '../auth/accounts.js';
import { DEMO_PRINCIPAL, SESSION_COOKIE, type Auth } from '../auth/auth.js';
import { has, mayOpen, projectSnapshot, viewKey, type Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { invalidItem } from '../ingest/pipeline.js';
import type { SourceSink } from '../ingest/sources.js';
import type { SeriesService } from '../series.js';
import type { SnapshotService } from '../snapshots.js';
import type { AuthStore } from '../store/auth-store.js';
import type { DutyLog } from '../store/duty-log.js';

export interface AppDeps {
  config: Config;
  auth: Auth;
  authStore: AuthStore;
  dutyLog: DutyLog;
  /** Where POST /api/events goes (the "http" source). */
  ingestEvents: SourceSink;
  /** POST /api/connectors/amazon-connect: agent event stream records (JSON array, NDJSON or a Kinesis event). */
  amazonConnect: (body: string) => Promise<unknown>;
  snapshots: SnapshotService;
  series: SeriesService;
  log: Logger;
  /** Details for /api/health (sources' status), shown to supervisors. */
  health: () => Promise<Record<string, unknown>>;
  /** The newest stream entries parked in the dead-letter stream, with their reasons. */
  deadLetters: (count: number) => Promise<unknown[]>;
  clientDir?: string;
}

/** The screens, by path; the client routes on the same paths. */
export const PAGE_ROUTES: Record<string, Page> = { '/': 'wallboard', '/wallboard': 'wallboard', '/supervisor': 'supervisor', '/lead': 'lead' };

/** Splits a JSON array or NDJSON body into events; a line that is not JSON becomes a rejected entry. */
export function parseEventsBody(text: string): { items: unknown[]; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { items: [] };
  if (trimmed.startsWith('[')) {
    try {
      const items = JSON.parse(trimmed) as unknown;
      return Array.isArray(items) ? { items } : { items: [], error: 'body must be a JSON array or NDJSON' };
    } catch (e) {
      return { items: [], error: `body is not a valid JSON array: ${(e as Error).message}` };
    }
  }
  // NDJSON: one event per line; a bad line is kept as an invalid item so its index is reported.
  return {
    items: trimmed
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          return invalidItem('line is not valid JSON');
        }
      }),
  };
}

type AuthedRequest = Request & { principal?: Principal | null };

/** RFC 4180 CSV, oldest first; the time also in the site's zone, for the handover report. */
export function dutyLogCsv(rows: { at: number; kind: string; actor: string; detail: Record<string, unknown> }[], timeZone: string): string {
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' });
  // Cells that a spreadsheet would read as a formula are prefixed with ' (CSV injection).
  const cell = (v: string) => {
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [['time (UTC)', `time (${timeZone})`, 'kind', 'actor', 'detail'].join(',')];
  for (const r of rows) lines.push([new Date(r.at).toISOString(), local.format(r.at), r.kind, r.actor, JSON.stringify(r.detail)].map(cell).join(','));
  return lines.join('\r\n') + '\r\n';
}
const problem = (res: Response, status: number, error: string, message: string) => res.status(status).json({ error, message });

export function createApp(deps: AppDeps) {
  const { config, auth, authStore, dutyLog, ingestEvents, snapshots, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Svelte sets a few style attributes (positions, colours); style elements stay limited to our own files.
          styleSrc: ["'self'"],
          styleSrcAttr: ["'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // The wallboard runs on plain HTTP on many floors; HSTS would lock them out.
      strictTransportSecurity: false,
    }),
  );

  /** Resolves the caller once per request. */
  const principal = async (req: AuthedRequest): Promise<Principal | null> => {
    if (req.principal === undefined) req.principal = await auth.principal(auth.credentialFrom(req.headers));
    return req.principal;
  };
  /** 401 without credentials, 403 with the wrong ones (and a duty-log line), else on to the route. */
  const allow =
    (what: string, check: (p: Principal) => boolean): RequestHandler =>
    async (req: AuthedRequest, res, next) => {
      try {
        const p = await principal(req);
        // The demo's anonymous viewer is no credential: what it may not do needs a sign-in (401), not another role.
        if (!p || (p.id === DEMO_PRINCIPAL.id && !check(p))) return void problem(res, 401, 'unauthorized', 'sign in or send a valid bearer token');
        if (!check(p)) {
          await auth.denied(p, what, { path: req.path });
          return void problem(res, 403, 'forbidden', 'your role may not do this');
        }
        next();
      } catch (e) {
        next(e);
      }
    };
  const setSession = (res: Response, id: string, maxAgeSeconds: number, req: Request) =>
    res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: maxAgeSeconds }));

  // ---- sign-in
  const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });
  app.post('/api/auth/login', express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const body = loginBody.safeParse(req.body);
      if (!body.success) return void problem(res, 400, 'bad_request', 'username and password are required');
      const result = await auth.signIn(body.data.username, body.data.password, req.ip ?? 'unknown');
      if (!result.ok) {
        if (result.reason === 'rate_limited') {
          res.setHeader('Retry-After', String(result.retryAfterSeconds));
          return void problem(res, 429, 'too_many_attempts', `too many sign-in attempts; try again in ${result.retryAfterSeconds} s`);
        }
        return void problem(res, 401, 'unauthorized', 'wrong user name or password');
      }
      setSession(res, result.sessionId, config.auth.sessionHours * 3600, req);
      res.json({ name: result.principal.name, roles: result.principal.roles, teams: result.principal.teams });
    } catch (e) {
      next(e);
    }
  });
  app.post('/api/auth/logout', async (req: AuthedRequest, res, next) => {
    try {
      const c = auth.credentialFrom(req.headers);
      if (c.kind === 'session') await auth.signOut(c.id, (await principal(req))?.id ?? 'unknown');
      res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 }));
      res.json({ ok: true });
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/auth/me', async (req: AuthedRequest, res, next) => {
    try {
      const p = await principal(req);
      if (!p) return void problem(res, 401, 'unauthorized', 'not signed in');
      res.json({ id: p.id, name: p.name, roles: p.roles, teams: p.teams, pages: p.pages, demo: auth.demo });
    } catch (e) {
      next(e);
    }
  });
  app.get('/login', async (req, res, next) => {
    try {
      const first = typeof req.query.first === 'string' ? req.query.first : null;
      if (!first) return next(); // the sign-in page itself (client)
      const sid = await auth.firstRun(first, req.ip ?? 'unknown');
      if (!sid) return void res.status(403).type('text').send('This first-run link was used already or has expired.');
      setSession(res, sid, config.auth.sessionHours * 3600, req);
      res.redirect(303, '/supervisor');
    } catch (e) {
      next(e);
    }
  });

  // ---- ingest: connector tokens only, rate limited per credential
  const ingestLimit: RequestHandler = async (req: AuthedRequest, res, next) => {
    try {
      const h = await authStore.hit('ingest', req.principal!.id, config.auth.ingestRequestsPerSecond, 1);
      if (!h.allowed) {
        res.setHeader('Retry-After', '1');
        return void problem(res, 429, 'rate_limited', `more than ${config.auth.ingestRequestsPerSecond} requests per second`);
      }
      next();
    } catch (e) {
      next(e);
    }
  };
  app.post(
    '/api/events',
    allow('ingest', (p) => has(p, 'ingest')),
    ingestLimit,
    express.text({ type: () => true, limit: config.ingest.maxBodyBytes }),
    async (req, res, next) => {
      try {
        const { items, error } = parseEventsBody(typeof req.body === 'string' ? req.body : '');
        if (error) return void problem(res, 400, 'bad_request', error);
        res.json(await ingestEvents(items));
      } catch (e) {
        next(e);
      }
    },
  );

  app.post(
    '/api/connectors/amazon-connect',
    allow('ingest', (p) => has(p, 'ingest')),
    ingestLimit,
    express.text({ type: () => true, limit: config.ingest.maxBodyBytes }),
    async (req, res, next) => {
      try {
        res.json(await deps.amazonConnect(typeof req.body === 'string' ? req.body : ''));
      } catch (e) {
        next(e);
      }
    },
  );

  // ---- reading
  app.get('/api/snapshot', allow('snapshot', (p) => viewKey(p) !== null), async (req: AuthedRequest, res, next) => {
    try {
      res.json(projectSnapshot(await snapshots.compute(), viewKey(req.principal!)!));
    } catch (e) {
      next(e);
    }
  });
  // Series and sparklines hold queue and team totals only (no agent's figures): every viewer may read them.
  const seriesQuery = z.object({
    kind: z.enum(['queue', 'team', 'floor']),
    id: z.string().min(1).max(200).optional(),
    interval: z.coerce.number().pipe(z.union([z.literal(15), z.literal(30), z.literal(60)])).default(60),
    hours: z.coerce.number().int().min(1).max(config.series.keepHours).default(24),
  });
  app.get('/api/series', allow('series', (p) => viewKey(p) !== null), async (req, res, next) => {
    try {
      const q = seriesQuery.safeParse(req.query);
      const bad = (message: string) => void res.status(400).json({ error: 'bad_request', message });
      if (!q.success) return bad(q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const { kind, id, interval, hours } = q.data;
      if (kind !== 'floor' && !id) return bad(`id: a ${kind} series needs the ${kind}'s id`);
      if (!config.series.intervals.includes(interval)) return bad(`interval: this site offers ${config.series.intervals.join(', ')} minutes`);
      const { now } = await snapshots.now();
      res.json(await deps.series.series(kind, id ?? 'floor', interval, hours, now, await snapshots.thresholds()));
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/sparklines', allow('sparklines', (p) => viewKey(p) !== null), async (req, res, next) => {
    try {
      const minutes = Math.min(60, Math.max(1, Number(req.query.minutes ?? 60) || 60));
      const { now } = await snapshots.now();
      res.json(await deps.series.sparklines(now, minutes));
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/duty-log', allow('duty-log', (p) => has(p, 'supervisor') || has(p, 'admin')), async (req, res, next) => {
    try {
      const count = Math.min(1000, Math.max(1, Number(req.query.count ?? 200) || 200));
      res.json({ entries: await dutyLog.latest(count) });
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/dead-letters', allow('dead-letters', (p) => has(p, 'supervisor') || has(p, 'admin')), async (req, res, next) => {
    try {
      res.json({ entries: await deps.deadLetters(Math.min(500, Math.max(1, Number(req.query.count ?? 100) || 100))) });
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/thresholds', allow('thresholds', (p) => has(p, 'supervisor') || has(p, 'admin')), async (_req, res, next) => {
    try {
      res.json({ thresholds: await snapshots.thresholds() });
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/duty-log.csv', allow('duty-log', (p) => has(p, 'supervisor') || has(p, 'admin')), async (req, res, next) => {
    try {
      const count = Math.min(100_000, Math.max(1, Number(req.query.count ?? 10_000) || 10_000));
      const rows = (await dutyLog.latest(count)).reverse();
      res.type('text/csv').attachment('duty-log.csv').send(dutyLogCsv(rows, config.site.timeZone));
    } catch (e) {
      next(e);
    }
  });
  app.get('/api/health', async (req: AuthedRequest, res) => {
    try {
      const p = await principal(req);
      const details = p && (has(p, 'supervisor') || has(p, 'admin')) ? await deps.health() : {};
      res.json({ ok: true, ...details });
    } catch (e) {
      res.status(503).json({ ok: false, error: 'unavailable' });
      log.error({ err: e }, 'health check failed');
    }
  });
  app.use('/api', (_req, res) => problem(res, 404, 'not_found', 'no such endpoint'));

  // ---- the screens: a display token in the kiosk URL becomes a cookie; pages need a principal that may open them
  const clientDir = deps.clientDir ?? fileURLToPath(new URL('../../dist/client', import.meta.url));
  const built = existsSync(clientDir);
  if (built) app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
  app.get([...Object.keys(PAGE_ROUTES), '/login'], async (req: AuthedRequest, res, next) => {
    try {
      const page = PAGE_ROUTES[req.path];
      const token = typeof req.query.token === 'string' ? req.query.token : null;
      if (page && token) {
        const exchanged = await auth.exchangeDisplayToken(token, req.ip ?? 'unknown');
        if (!exchanged) return void res.status(403).type('text').send('This display token is not valid (revoked or expired).');
        setSession(res, exchanged.sessionId, config.auth.displaySessionDays * 86_400, req);
        // drop the token from the address bar and history; keep the screen's options (rotate, pages, lang)
        const kept = new URLSearchParams(Object.entries(req.query).flatMap(([k, v]) => (k !== 'token' && typeof v === 'string' ? [[k, v]] : [])));
        return void res.redirect(303, kept.size ? `${req.path}?${kept}` : req.path);
      }
      if (page) {
        const p = await principal(req);
        // Not signed in (the demo's anonymous viewer included, for the pages it may not open): to the sign-in page.
        if (!p || (p.id === DEMO_PRINCIPAL.id && !mayOpen(p, page))) return void res.redirect(303, `/login?next=${encodeURIComponent(req.path)}`);
        if (!mayOpen(p, page)) {
          await auth.denied(p, `page:${page}`);
          return void res.status(403).type('text').send('Your sign-in may not open this page.');
        }
      }
      if (!built) return void res.status(503).type('text').send('The client is not built: run `npm run build` (npm start does it for you).');
      res.sendFile('index.html', { root: clientDir, maxAge: 0 });
    } catch (e) {
      next(e);
    }
  });

  // Errors: a too-large body is the sender's fault; anything else is logged and answered without details.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') return void problem(res, 413, 'payload_too_large', 'the body is too large');
    if (err.status && err.status < 500) return void problem(res, err.status, 'bad_request', 'the request could not be read');
    log.error({ err }, 'request failed');
    problem(res, 500, 'internal_error', 'something went wrong; see the server log');
  });
  return app;
}
