// Typed GETs of the interval series (GET /api/series) and the per-minute sparklines (GET /api/sparklines), with the
// session cookie (same origin). The types are shared/series.ts's; a refusal becomes a SeriesError whose `kind` says
// what went wrong (signed out, not allowed, bad request, server, network) so the screen can say it plainly.
import type { IntervalMinutes, Series, SeriesKind, Sparklines } from '../../../shared/series.js';
import type { I18n } from './i18n.js';

export type SeriesErrorKind = 'unauthorized' | 'forbidden' | 'bad_request' | 'server' | 'network';

export class SeriesError extends Error {
  constructor(
    readonly kind: SeriesErrorKind,
    /** HTTP status; null for a network error or a request refused before sending. */
    readonly status: number | null,
    /** The server's reason (its `message` or `error`), or ours. */
    readonly reason: string,
  ) {
    super(`${kind}${status === null ? '' : ` (${status})`}: ${reason}`);
    this.name = 'SeriesError';
  }
}

export interface SeriesRequest {
  kind: SeriesKind;
  /** The queue's or team's id; not used for the floor. */
  id?: string | undefined;
  /** Interval length, minutes (one of the site's series.intervals; default 60). */
  interval?: IntervalMinutes;
  /** How far back, hours (1..series.keepHours; default 24). */
  hours?: number;
}

/** The URL of a series request; throws a SeriesError (bad_request) for one the server would refuse anyway. */
export function seriesUrl(req: SeriesRequest): string {
  if (req.kind !== 'floor' && !req.id) throw new SeriesError('bad_request', null, `a ${req.kind} series needs the ${req.kind}'s id`);
  if (req.hours !== undefined && !(Number.isInteger(req.hours) && req.hours >= 1)) {
    throw new SeriesError('bad_request', null, `hours must be a whole number from 1, not ${req.hours}`);
  }
  const q = new URLSearchParams({ kind: req.kind });
  if (req.kind !== 'floor' && req.id) q.set('id', req.id);
  q.set('interval', String(req.interval ?? 60));
  q.set('hours', String(req.hours ?? 24));
  return `/api/series?${q.toString()}`;
}

const KIND_OF_STATUS: Record<number, SeriesErrorKind> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden' };

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (e) {
    // An abort is the caller's own doing: let it through as it is.
    if (signal?.aborted) throw e;
    throw new SeriesError('network', null, e instanceof Error ? e.message : String(e));
  }
  if (res.ok) return (await res.json()) as T;
  let reason = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    const text = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : null;
    if (text) reason = text;
  } catch {
    // not JSON: keep the status text
  }
  throw new SeriesError(KIND_OF_STATUS[res.status] ?? 'server', res.status, reason);
}

/** GET /api/series: a queue's, team's or the floor's figures per interval, with the AHT run flags. */
export function fetchSeries(req: SeriesRequest, signal?: AbortSignal): Promise<Series> {
  return getJson<Series>(seriesUrl(req), signal);
}

/** GET /api/sparklines: every queue's last `minutes` (1-60) minutes, minute by minute. */
export function fetchSparklines(minutes = 60, signal?: AbortSignal): Promise<Sparklines> {
  const m = Math.min(60, Math.max(1, Math.round(minutes)));
  return getJson<Sparklines>(`/api/sparklines?minutes=${m}`, signal);
}

/**
 * Fetches the sparklines now and every `everyMs` (a minute's figures change slowly; snapshot pushes do not carry
 * them). Failures other than an abort go to `onError`. Returns the function that stops it (an $effect's cleanup).
 */
export function pollSparklines(onData: (s: Sparklines) => void, onError: (e: unknown) => void, everyMs = 30_000): () => void {
  const c = new AbortController();
  const load = () =>
    fetchSparklines(60, c.signal).then(
      (s) => void (c.signal.aborted || onData(s)),
      (e: unknown) => void (isAbort(e) || c.signal.aborted || onError(e)),
    );
  void load();
  const timer = setInterval(() => void load(), everyMs);
  return () => {
    clearInterval(timer);
    c.abort();
  };
}

/** True for the error an aborted fetch rejects with (a newer request replaced it, or the view closed). */
export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** What to tell the user about a failed GET, in the screen's language. */
export function seriesErrorText(e: unknown, i18n: I18n): string {
  if (!(e instanceof SeriesError)) return i18n.t('apiServer', { status: e instanceof Error ? e.message : String(e) });
  switch (e.kind) {
    case 'unauthorized':
      return i18n.t('apiUnauthorized');
    case 'forbidden':
      return i18n.t('apiForbidden');
    case 'bad_request':
      return i18n.t('apiBadRequest', { reason: e.reason });
    case 'network':
      return i18n.t('loginNetwork');
    default:
      return i18n.t('apiServer', { status: e.status ?? e.reason });
  }
}
