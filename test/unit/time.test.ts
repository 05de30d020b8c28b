import { describe, expect, it } from 'vitest';
import { windowRanges } from '../../server/metrics/snapshot.js';
import { dayPeriodBounds, dayPeriodStart, parseTimeOfDay, zonedTimeToUtc } from '../../shared/time.js';

const utc = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();

describe('rolling windows', () => {
  it('start on the minute and cover W whole minutes plus the current one', () => {
    const now = utc('2026-05-04T20:46:59.999Z');
    const r = windowRanges(now, utc('2026-05-04T00:00:00Z'));
    const w15 = r.find((x) => x.name === '15m')!;
    expect(iso(w15.from)).toBe('2026-05-04T20:31:00.000Z');
    // minutes 20:31 .. 20:46: 15 whole minutes before the current one, plus the current one
    expect(w15.minutes).toBe(15);
    expect(iso(r.find((x) => x.name === '60m')!.from)).toBe('2026-05-04T19:46:00.000Z');
    expect(r.find((x) => x.name === '60m')!.minutes).toBe(60);
    expect(r.find((x) => x.name === 'today')).toMatchObject({ from: utc('2026-05-04T00:00:00Z'), minutes: null });
  });

  it('move on exactly at the minute edge', () => {
    const before = windowRanges(utc('2026-05-04T20:46:59.999Z'), 0).find((x) => x.name === '30m')!;
    const after = windowRanges(utc('2026-05-04T20:47:00.000Z'), 0).find((x) => x.name === '30m')!;
    expect(iso(before.from)).toBe('2026-05-04T20:16:00.000Z');
    expect(iso(after.from)).toBe('2026-05-04T20:17:00.000Z');
  });
});

describe('the "today" reset', () => {
  it('restarts at the reset time in the site time zone', () => {
    // Shanghai is UTC+8 all year: a 06:00 reset is 22:00Z the day before.
    expect(iso(dayPeriodStart(utc('2026-03-02T06:15:00Z'), 'Asia/Shanghai', 6 * 60))).toBe('2026-03-01T22:00:00.000Z');
    expect(iso(dayPeriodStart(utc('2026-03-01T21:59:59Z'), 'Asia/Shanghai', 6 * 60))).toBe('2026-02-28T22:00:00.000Z');
    expect(iso(dayPeriodStart(utc('2026-03-01T22:00:00Z'), 'Asia/Shanghai', 6 * 60))).toBe('2026-03-01T22:00:00.000Z');
  });

  it('is right across daylight-saving changes (New York, spring forward 2026-03-08, fall back 2026-11-01)', () => {
    // Midnight resets: EST (UTC-5) before, EDT (UTC-4) after; the day of the change lasts 23 h.
    const [prev, cur, next] = dayPeriodBounds(utc('2026-03-08T12:00:00Z'), 'America/New_York', 0);
    expect([prev, cur, next].map(iso)).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect((next - cur) / 3_600_000).toBe(23);
    const fall = dayPeriodBounds(utc('2026-11-01T12:00:00Z'), 'America/New_York', 0);
    expect((fall[2] - fall[1]) / 3_600_000).toBe(25);
  });

  it('maps a reset time skipped by the jump forward by the gap, and a repeated one to its first occurrence', () => {
    // 02:30 does not exist on 2026-03-08 in New York: it reads as 03:30 EDT = 07:30Z.
    expect(iso(zonedTimeToUtc(2026, 3, 8, 2, 30, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 2026-11-01: first in EDT = 05:30Z.
    expect(iso(zonedTimeToUtc(2026, 11, 1, 1, 30, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('parses HH:MM and explains a bad value', () => {
    expect(parseTimeOfDay('06:30')).toBe(390);
    expect(() => parseTimeOfDay('25:00')).toThrow(/not a time of day/);
  });
});
