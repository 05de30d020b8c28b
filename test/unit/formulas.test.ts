import { describe, expect, it } from 'vitest';
import { AgentTimesList, BreakRates, queueWindow, ratio } from '../../server/metrics/formulas.js';

describe('queue formulas', () => {
  it('are null, never 0% or 100%, when there are no calls', () => {
    const w = queueWindow({}, true);
    expect(w).toMatchObject({ offered: 0, answerRate: null, abandonRate: null, serviceLevel: null, asaSeconds: null, ahtSeconds: null, maxWaitSeconds: null });
  });

  it('leave short abandons out of the abandon rate when the option is on, and count them when it is off', () => {
    // 8 answered, 2 abandoned after 5 s, 2 short abandons.
    const totals = { ans: 8, ansK: 8, ab: 2, abS: 2 };
    expect(queueWindow(totals, true).abandonRate).toBeCloseTo(2 / 10, 12);
    expect(queueWindow(totals, true).abandoned).toBe(2);
    expect(queueWindow(totals, false).abandonRate).toBeCloseTo(4 / 12, 12);
    expect(queueWindow(totals, false).abandoned).toBe(4);
    // Offered counts every call that left the queue, short abandons included.
    expect(queueWindow(totals, true).offered).toBe(12);
  });

  it('computes service level over answered plus abandoned after T, and ASA/AHT in seconds', () => {
    // 10 answered (7 within T, total wait 150 s), 3 abandoned of which 2 after T, 1 callback, 1 overflow;
    // 9 calls ended with 2700 s talk+hold and 300 s wrap.
    const t = { ans: 10, ansK: 10, ansT: 7, wait: 150_000, ab: 3, abT: 2, cb: 1, ovo: 1, end: 9, hand: 2_700_000, wrap: 300_000, mw: 95_000 };
    const w = queueWindow(t, true);
    expect(w.serviceLevel).toBeCloseTo(7 / 12, 12);
    expect(w.asaSeconds).toBe(15);
    expect(w.ahtSeconds).toBeCloseTo(3000 / 9, 9);
    expect(w.offered).toBe(15);
    expect(w.answerRate).toBeCloseTo(10 / 15, 12);
    expect(w.maxWaitSeconds).toBe(95);
  });

  it('leaves answered calls with an unknown wait out of service level and ASA', () => {
    // 4 answered, but the queue entry of one was never seen (ansK = 3).
    const w = queueWindow({ ans: 4, ansK: 3, ansT: 3, wait: 30_000 }, true);
    expect(w.serviceLevel).toBe(1);
    expect(w.asaSeconds).toBe(10);
    expect(w.answered).toBe(4);
  });
});

describe('break-rate dispersion', () => {
  const HOUR = 3_600_000;
  /** A team whose agents were logged in for `loggedInMinutes` each, with these break minutes. */
  const team = (breakMinutes: number[], loggedInMinutes = breakMinutes.map(() => 60), minLoggedInMs = 10 * 60_000) => {
    const ids = breakMinutes.map((_, k) => `a${k}`);
    const times = new AgentTimesList(ids, ids, loggedInMinutes.map((m) => m * 60_000), breakMinutes.map((m) => m * 60_000));
    return new BreakRates(minLoggedInMs, times);
  };

  it('gives the coefficient of variation with the population standard deviation', () => {
    // 3, 6 and 9 break minutes in an hour: rates 0.05, 0.10, 0.15; mean 0.10, variance (0.0025 + 0 + 0.0025) / 3,
    // sd = 0.05 * sqrt(2/3), CV = sd / mean = 0.408248.
    const d = team([3, 6, 9]).summary(0.16);
    expect(d.meanAgentBreakRate).toBeCloseTo(0.1, 12);
    expect(d.breakRateSd).toBeCloseTo(0.05 * Math.sqrt(2 / 3), 12);
    expect(d.breakRateCv).toBeCloseTo(0.408248, 6);
    expect(d.inControl).toBe(false);
  });

  it('is null for no agents, and the CV is null when the mean is 0', () => {
    expect(team([]).summary(0.16)).toEqual({ agentsCounted: 0, agentsExcluded: 0, meanAgentBreakRate: null, breakRateSd: null, breakRateCv: null, inControl: null });
    expect(team([0, 0, 0]).summary(0.16)).toMatchObject({ agentsCounted: 3, meanAgentBreakRate: 0, breakRateSd: 0, breakRateCv: null, inControl: null });
  });

  it('works a team of 5 with known break minutes to 4 decimals', () => {
    // Break minutes in 60 logged-in minutes: 3, 4, 5, 6, 12 -> mean 6 min (rate 0.1); deviations -3 -2 -1 0 6 min
    // -> variance (9 + 4 + 1 + 0 + 36) / 5 = 10 min^2 -> sd sqrt(10) min; CV = sqrt(10) / 6 = 0.52705.
    const d = team([3, 4, 5, 6, 12]).summary(0.16);
    expect(d.meanAgentBreakRate!).toBeCloseTo(0.1, 12);
    expect(d.breakRateCv!).toBeCloseTo(0.52705, 4);
  });

  it('leaves out agents under the minimum logged-in time (counted as excluded) and agents not logged in at all', () => {
    // a0 and a1: 60 min with 6 and 3 break minutes (rates 0.1, 0.05: mean 0.075, sd 0.025, CV 1/3); a2: 9 logged-in
    // minutes, under the 10-minute minimum; a3: not logged in within the window.
    const rates = team([6, 3, 9, 0], [60, 60, 9, 0]);
    expect(rates.summary(0.5)).toMatchObject({ agentsCounted: 2, agentsExcluded: 1, inControl: true });
    expect(rates.summary(0.5).breakRateCv).toBeCloseTo(1 / 3, 12);
    expect(rates.list()).toEqual([
      { agentId: 'a0', name: 'a0', breakRate: 0.1, loggedInSeconds: HOUR / 1000 },
      { agentId: 'a1', name: 'a1', breakRate: 0.05, loggedInSeconds: HOUR / 1000 },
    ]);
  });
});

describe('ratio', () => {
  it('divides or gives null', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
  });
});
