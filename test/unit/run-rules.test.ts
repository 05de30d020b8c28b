import { describe, expect, it } from 'vitest';
import { findRuns, type RunRuleOptions } from '../../server/metrics/run-rules.js';
import { ahtRunsOf, buildSeries, intervalStart, teamPoint } from '../../server/metrics/series.js';
import { Random } from '../../server/ingest/simulator/random.js';

const rules: RunRuleOptions = { trendLength: 6, shiftLength: 9, baseline: 16, minBaseline: 8 };

describe('AHT run rules', () => {
  it('flags 6 points in a row steadily rising, not 5', () => {
    expect(findRuns([300, 310, 320, 330, 340], rules)).toEqual([]);
    expect(findRuns([300, 310, 320, 330, 340, 350], rules)).toEqual([{ rule: 'trend', direction: 'up', first: 0, last: 5, centre: null }]);
  });

  it('flags a falling run at its full length, starting at the turning point', () => {
    // 200 is the peak: the fall 200 > 190 > ... > 130 has 8 points, indexes 2..9
    expect(findRuns([150, 160, 200, 190, 180, 170, 160, 150, 140, 130], rules)).toEqual([
      { rule: 'trend', direction: 'down', first: 2, last: 9, centre: null },
    ]);
  });

  it('a tie or a missing interval ends a trend', () => {
    expect(findRuns([1, 2, 3, 3, 4, 5, 6], rules)).toEqual([]);
    expect(findRuns([1, 2, 3, null, 4, 5, 6, 7, 8], rules)).toEqual([]);
  });

  it('flags 9 points in a row above the mean of the 8+ before them, not 8', () => {
    // baseline: 8 points alternating 100 / 120 -> centre line 110 (none of them makes a trend)
    const base = [100, 120, 100, 120, 100, 120, 100, 120];
    const above = [115, 125, 118, 130, 112, 126, 119, 121, 117]; // 9 points above 110, up and down (no trend of 6)
    expect(findRuns([...base, ...above.slice(0, 8)], rules)).toEqual([]);
    expect(findRuns([...base, ...above], rules)).toEqual([{ rule: 'shift', direction: 'up', first: 8, last: 16, centre: 110 }]);
  });

  it('needs a baseline of at least minBaseline points for a shift', () => {
    const base = [100, 120, 100, 120, 100, 120, 100]; // 7 points only
    expect(findRuns([...base, 115, 125, 118, 130, 112, 126, 119, 121, 117], rules).filter((r) => r.rule === 'shift')).toEqual([]);
  });

  it('a point on the centre line ends a shift', () => {
    const base = [100, 120, 100, 120, 100, 120, 100, 120];
    expect(findRuns([...base, 115, 125, 118, 130, 110, 126, 119, 121, 117], rules).filter((r) => r.rule === 'shift')).toEqual([]);
  });
});

describe('series intervals', () => {
  it('align 60-minute intervals to the local hour, also in a half-hour zone', () => {
    const q = Date.parse('2026-05-04T06:45:00Z');
    expect(new Date(intervalStart(q, 60, 'UTC')).toISOString()).toBe('2026-05-04T06:00:00.000Z');
    // Kolkata is UTC+05:30: 06:45Z is 12:15 local, its hour starts 12:00 local = 06:30Z
    expect(new Date(intervalStart(q, 60, 'Asia/Kolkata')).toISOString()).toBe('2026-05-04T06:30:00.000Z');
    expect(new Date(intervalStart(q, 30, 'Asia/Kolkata')).toISOString()).toBe('2026-05-04T06:30:00.000Z');
    expect(new Date(intervalStart(q, 15, 'Asia/Kolkata')).toISOString()).toBe('2026-05-04T06:45:00.000Z');
  });

  it("a team interval's CV comes from each agent's logged-in and break time in it", () => {
    // 4 agents logged in 900 s each; break 90, 60, 60, 30 s -> rates 0.1, 0.0667, 0.0667, 0.0333
    // mean 0.0667, deviations +0.0333, 0, 0, -0.0333 -> variance 2 * 0.0333^2 / 4 = 0.000556, sd 0.02357, CV 0.35355
    const t = {
      's:idle': 4 * 900_000 - 240_000, 'c:break': 240_000, end: 0,
      'l:a': 900_000, 'l:b': 900_000, 'l:c': 900_000, 'l:d': 900_000,
      'b:a': 90_000, 'b:b': 60_000, 'b:c': 60_000, 'b:d': 30_000,
    };
    const p = teamPoint(t, 600_000, 0.16);
    expect(p.agentsCounted).toBe(4);
    expect(p.meanAgentBreakRate!).toBeCloseTo(0.0667, 4);
    expect(p.breakRateCv!).toBeCloseTo(0.3536, 4);
    expect(p.inControl).toBe(false);
    expect(p.breakRate!).toBeCloseTo(240 / 3600, 9);
    expect(p.loggedInSeconds).toBe(3600);
  });
});

describe('AHT runs from buckets (what the snapshot flags and alerts use)', () => {
  const BASE = 15 * 60_000;
  const T0 = Date.parse('2026-05-04T06:00:00Z');
  const starts = Array.from({ length: 20 }, (_, i) => T0 + i * BASE);
  const now = T0 + 20 * BASE + 30_000; // 11:00:30: the 20 intervals 06:00 .. 10:45 are complete
  const aht = { ...rules, minCalls: 2 };

  it('a queue whose AHT rises for the last 6 intervals has a current trend run of 6', () => {
    // 14 intervals at 200 s AHT, then 210, 220, ... 260 s (the run starts at the last 200: 7 points 200 < 210 < ... < 260)
    const ahtSeconds = [...Array<number>(14).fill(200), 210, 220, 230, 240, 250, 260];
    const buckets = new Map(starts.map((s, i) => [s, { ans: 4, end: 4, hand: 4 * ahtSeconds[i]! * 1000, wrap: 0 }]));
    const runs = ahtRunsOf('queue', buckets, starts, 15, now, 2, aht);
    expect(runs).toEqual([
      { rule: 'trend', direction: 'up', from: '2026-05-04T09:15:00.000Z', to: '2026-05-04T11:00:00.000Z', length: 7, centreSeconds: null, current: true },
    ]);
  });

  it('gives the same runs as the whole series, for queues and teams, with sparse intervals', () => {
    const random = new Random(11);
    let flagged = 0;
    for (let round = 0; round < 40; round++) {
      const walk = (i: number) => 400 + 20 * i * (round % 3 === 0 ? 1 : round % 3 === 1 ? -0.5 : 0) + random.uniform(-12, 12);
      const queue = new Map<number, Record<string, number>>();
      const team = new Map<number, Record<string, number>>();
      starts.forEach((s, i) => {
        if (random.chance(0.03)) return; // no calls at all
        const calls = random.chance(0.03) ? 1 : random.int(2, 6); // now and then under minCalls
        const ms = calls * walk(i) * 1000;
        queue.set(s, { ans: calls, end: calls, hand: ms * 0.9, wrap: ms * 0.1 });
        team.set(s, { end: calls, 's:talking': ms * 0.8, 's:hold': ms * 0.1, 's:wrap': ms * 0.1 });
      });
      const common = { intervalMinutes: 15 as const, timeZone: 'UTC', now, excludeShortAbandons: true, minLoggedInMs: 600_000, breakCvLimit: 0.16, runMinCalls: 2, runRules: aht, starts };
      const wholeQueue = buildSeries({ ...common, kind: 'queue', id: 'q', name: 'q', queueBuckets: [queue], teamBuckets: [] });
      const wholeTeam = buildSeries({ ...common, kind: 'team', id: 't', name: 't', queueBuckets: [], teamBuckets: [team] });
      expect(ahtRunsOf('queue', queue, starts, 15, now, 2, aht)).toEqual(wholeQueue.ahtRuns);
      expect(ahtRunsOf('team', team, starts, 15, now, 2, aht)).toEqual(wholeTeam.ahtRuns);
      flagged += wholeQueue.ahtRuns.length + wholeTeam.ahtRuns.length;
    }
    expect(flagged).toBeGreaterThan(10); // the comparison is not only of empty lists
  });
});
