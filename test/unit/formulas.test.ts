import { describe, expect, it } from 'vitest';
import { dispersion, queueWindow, ratio } from '../../server/metrics/formulas.js';

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

describe('dispersion', () => {
  it('gives the coefficient of variation with the population standard deviation', () => {
    // rates 0.05, 0.10, 0.15: mean 0.10, variance (0.0025 + 0 + 0.0025) / 3, sd = 0.05 * sqrt(2/3).
    const d = dispersion([0.05, 0.1, 0.15]);
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.sd).toBeCloseTo(0.05 * Math.sqrt(2 / 3), 12);
    expect(d.cv).toBeCloseTo(0.408248, 6);
  });

  it('is null for no agents and the CV is null when the mean is 0', () => {
    expect(dispersion([])).toEqual({ mean: null, sd: null, cv: null });
    expect(dispersion([0, 0, 0])).toEqual({ mean: 0, sd: 0, cv: null });
  });

  it('works a team of 5 with known break minutes to 4 decimals', () => {
    // Break minutes in 60 logged-in minutes: 3, 4, 5, 6, 12 -> mean 6 min (rate 0.1); deviations -3 -2 -1 0 6 min
    // -> variance (9 + 4 + 1 + 0 + 36) / 5 = 10 min^2 -> sd sqrt(10) min; CV = sqrt(10) / 6 = 0.52705.
    const d = dispersion([3, 4, 5, 6, 12].map((m) => m / 60));
    expect(d.mean!).toBeCloseTo(0.1, 12);
    expect(d.cv!).toBeCloseTo(0.52705, 4);
  });

  it('ratio divides or gives null', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
  });
});
