// HTTP routes: ingest, snapshot, health, and the built client. Thin: parsing and status codes only.
import { timingSafeEqual, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SourceSink } from '../ingest/sources.js';
import type { SnapshotService } from '../snapshots.js';

export interface AppDeps {
  config: Config;
  /** Where POST /api/events goes (the "http" source). */
  ingestEvents: SourceSink;
  snapshots: SnapshotService;
  log: Logger;
  /** Extra fields for /api/health (sources' status). */
  health: () => Promise<Record<string, unknown>>;
  /** Bearer token required on POST /api/events when set (FLOORWATCH_INGEST_TOKEN). */
  ingestToken?: string | undefined;
  clientDir?: string;
}

export const CLIENT_ROUTES = ['/', '/wallboard', '/supervisor', '/lead'];

/** Splits a JSON array or NDJSON body into events; a line that is not JSON becomes a rejected entry. */
export function parseEventsBody(text: string): { items: unknown[]; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { items: [] };
  if (trimmed.startsWith('[')) {
    try {
      return { items: JSON.parse(trimmed) as unknown[] };
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
          return { __line: 'not valid JSON' };
        }
      }),
  };
}

const hash = (s: string) => createHash('sha256').update(s).digest();
function bearerMatches(req: Request, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
  return m !== null && timingSafeEqual(hash(m[1]!), hash(token));
}

export function createApp(deps: AppDeps) {
  const { config, ingestEvents, snapshots, log } = deps;
  const app = express();
  app.disable('x-powered-by');

  app.post(
    '/api/events',
    (req, res, next) => {
      if (deps.ingestToken && !bearerMatches(req, deps.ingestToken)) {
        res.status(401).json({ error: 'unauthorized', message: 'a valid ingest bearer token is required' });
        return;
      }
      next();
    },
    express.text({ type: () => true, limit: config.ingest.maxBodyBytes }),
    async (req, res, next) => {
      try {
        const { items, error } = parseEventsBody(typeof req.body === 'string' ? req.body : '');
        if (error) {
          res.status(400).json({ error: 'bad_request', message: error });
          return;
        }
        if (!Array.isArray(items)) {
          res.status(400).json({ error: 'bad_request', message: 'body must be a JSON array or NDJSON' });
          return;
        }
        const result = await ingestEvents(items);
        res.json(result);
      } catch (e) {
        next(e);
      }
    },
  );

  app.get('/api/snapshot', async (_req, res, next) => {
    try {
      res.json(await snapshots.compute());
    } catch (e) {
      next(e);
    }
  });

  app.get('/api/health', async (_req, res) => {
    try {
      res.json({ ok: true, ...(await deps.health()) });
    } catch (e) {
      res.status(503).json({ ok: false, error: (e as Error).message });
    }
  });

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  const clientDir = deps.clientDir ?? fileURLToPath(new URL('../../dist/client', import.meta.url));
  if (existsSync(clientDir)) {
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    app.get(CLIENT_ROUTES, (_req, res) => res.sendFile('index.html', { root: clientDir, maxAge: 0 }));
  } else {
    app.get(CLIENT_ROUTES, (_req, res) => {
      res.status(503).type('text').send('The client is not built: run `npm run build` (npm start does it for you).');
    });
  }

  // Errors: a too-large body is the sender's fault; anything else is logged and answered without details.
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') {
      res.status(413).json({ error: 'payload_too_large', message: `body larger than ${config.ingest.maxBodyBytes} bytes` });
      return;
    }
    log.error({ err }, 'request failed');
    res.status(err.status && err.status < 500 ? err.status : 500).json({ error: 'internal_error' });
  });
  return app;
}
