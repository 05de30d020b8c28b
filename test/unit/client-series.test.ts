// The client's GET helpers for the interval series and sparklines (client/src/lib/series.ts): the URL, the cookie,
// and what a refusal (400, 401, 403, 5xx, network) becomes; the trend charts' formula text; both dictionaries have
// the new labels.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SeriesError, fetchSeries, fetchSparklines, seriesErrorText, seriesUrl } from '../../client/src/lib/series.js';
import { createI18n, missingKeys } from '../../client/src/lib/i18n.js';
import { explainInterval } from '../../client/src/lib/formulas.js';
import type { Thresholds } from '../../shared/snapshot.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('seriesUrl', () => {
  it('asks for a team series with its id, interval and span (defaults 60 min, 24 h)', () => {
    expect(seriesUrl({ kind: 'team', id: 'team-delta' })).toBe('/api/series?kind=team&id=team-delta&interval=60&hours=24');
    expect(seriesUrl({ kind: 'queue', id: 'a b', interval: 15, hours: 2 })).toBe('/api/series?kind=queue&id=a+b&interval=15&hours=2');
    expect(seriesUrl({ kind: 'floor', id: 'ignored', interval: 30 })).toBe('/api/series?kind=floor&interval=30&hours=24');
  });

  it('refuses a queue or team series without an id, and a span that is no whole number of hours', () => {
    expect(() => seriesUrl({ kind: 'team' })).toThrow(SeriesError);
    expect(() => seriesUrl({ kind: 'queue', id: '' })).toThrow(/needs the queue's id/);
    expect(() => seriesUrl({ kind: 'team', id: 't', hours: 0 })).toThrow(/hours/);
    expect(() => seriesUrl({ kind: 'team', id: 't', hours: 1.5 })).toThrow(/hours/);
  });
});

describe('fetchSeries and fetchSparklines', () => {
  it('send the session cookie (same origin) and return the body', async () => {
    const fetch = vi.fn(async () => json(200, { kind: 'team', id: 't', points: [], ahtRuns: [] }));
    vi.stubGlobal('fetch', fetch);
    const s = await fetchSeries({ kind: 'team', id: 't', interval: 30 });
    expect(s.id).toBe('t');
    expect(fetch).toHaveBeenCalledWith('/api/series?kind=team&id=t&interval=30&hours=24', expect.objectContaining({ credentials: 'same-origin' }));
    await fetchSparklines(90);
    expect(fetch).toHaveBeenLastCalledWith('/api/sparklines?minutes=60', expect.objectContaining({ credentials: 'same-origin' }));
  });

  it.each([
    [401, { error: 'unauthorized', message: 'sign in or send a valid bearer token' }, 'unauthorized', 'sign in or send a valid bearer token'],
    [403, { error: 'forbidden', message: 'your role may not do this' }, 'forbidden', 'your role may not do this'],
    [400, { error: 'interval: this site offers 15, 60 minutes' }, 'bad_request', 'interval: this site offers 15, 60 minutes'],
    [500, { error: 'internal' }, 'server', 'internal'],
  ] as const)('turn a %i into a SeriesError of kind %s with the server\'s reason', async (status, body, kind, reason) => {
    vi.stubGlobal('fetch', vi.fn(async () => json(status, body)));
    const err = await fetchSeries({ kind: 'team', id: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeriesError);
    expect(err).toMatchObject({ kind, status, reason });
  });

  it('turn a network failure into kind network, and let an abort through as it is', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(fetchSparklines()).rejects.toMatchObject({ kind: 'network', status: null });

    const ctrl = new AbortController();
    ctrl.abort();
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new DOMException('aborted', 'AbortError'))));
    await expect(fetchSparklines(60, ctrl.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('say what went wrong in the screen\'s language', () => {
    const en = createI18n('en');
    const zh = createI18n('zh-CN');
    expect(seriesErrorText(new SeriesError('unauthorized', 401, 'x'), en)).toMatch(/sign in again/);
    expect(seriesErrorText(new SeriesError('forbidden', 403, 'x'), zh)).toBe('当前登录无权读取。');
    expect(seriesErrorText(new SeriesError('bad_request', 400, 'hours: too big'), en)).toContain('hours: too big');
    expect(seriesErrorText(new SeriesError('server', 502, 'bad gateway'), en)).toContain('502');
  });
});

describe('trend chart texts', () => {
  const thresholds: Thresholds = {
    breakCvLimit: 0.16,
    breakShareLimit: 1 / 6,
    breakRateTarget: [0.08, 0.09],
    utilisationBand: [0.69, 0.74],
    minLoggedInSecondsForCv: 600,
    excludeShortAbandons: true,
    alertWindows: { breakControl: '60m', utilisation: '30m', abandonRate: '15m', ahtIntervalMinutes: 15 },
    ahtRunRules: { trendLength: 6, shiftLength: 9, baseline: 16, minCalls: 5 },
  };

  it('explain a figure per interval with the server\'s limits, in English and Chinese', () => {
    const en = explainInterval('en', 'utilisation', 30, 24, { thresholds, timeZone: 'Asia/Shanghai' });
    expect(en).toContain('Healthy band 69%–74%');
    expect(en).toContain('one 30-min interval on the site clock (Asia/Shanghai), over the last 24 h');
    const zh = explainInterval('zh-CN', 'cv', 15, 24, { thresholds });
    expect(zh).toContain('0.16');
    expect(zh).toContain('15 分钟区间');
  });

  it('have every label in Chinese', () => {
    expect(missingKeys('zh-CN')).toEqual([]);
  });
});
