// Queueing theory as an oracle: the simulator's erlang mode is an M/M/c (+M) queue, so over many simulated hours its
// calls must show the waits and abandonment Erlang C and Erlang A predict (test/support/erlang.ts), and the engine,
// fed a simulated day, must report the same figures as the events themselves and agree with the theory.
//
// Tolerances: every comparison allows 4 standard errors. Successive callers' waits are correlated, so the standard
// errors come from batch means: one batch per simulated hour (the queue forgets its state within minutes here, so
// hourly batches are close to independent), for a ratio R = sum(x) / sum(y) SE = sqrt(sum_b (x_b - R y_b)^2 /
// (B (B - 1))) / mean(y_b) (the delta method over batches). 4 SE is exceeded by chance about once in 16,000 comparisons
// if the batch means are normal; the seeds are fixed, so the test is deterministic, and the margin is what keeps it
// passing when the simulator's random stream changes. Each check also requires the SE to be small enough for the
// comparison to mean something. Bias: batches count callers by arrival, after a one-hour warm-up from an empty floor,
// and the run goes on one more hour so every counted caller has left the queue; event times are whole milliseconds.
import { describe, expect, it } from 'vitest';
import { AcdSimulator, ERLANG_QUEUE_ID, ERLANG_TEAM_ID, type ErlangParameters } from '../../server/ingest/simulator/index.js';
import type { AcdEventInput } from '../../shared/events.js';
import type { Snapshot } from '../../shared/snapshot.js';
import { erlangA, erlangB, erlangC, hypoexponentialCdfs, type QueueFigures } from '../support/erlang.js';
import { startTestFloorwatch } from '../support/floorwatch.js';

const HOUR = 3_600_000;
const T = 20; // service-level threshold, seconds
type Event = AcdEventInput & { ts: number };

interface Call {
  queuedAt: number;
  leftAt: number | null;
  answered: boolean;
  answeredAt: number | null;
  endedAt: number | null;
}

function calls(events: Event[]): Call[] {
  const byId = new Map<string, Call>();
  for (const e of events) {
    if (e.type === 'call.queued') byId.set(e.callId, { queuedAt: e.ts, leftAt: null, answered: false, answeredAt: null, endedAt: null });
    const c = 'callId' in e ? byId.get(e.callId) : undefined;
    if (!c) continue;
    if (e.type === 'call.answered') Object.assign(c, { leftAt: e.ts, answered: true, answeredAt: e.ts });
    if (e.type === 'call.abandoned') c.leftAt = e.ts;
    if (e.type === 'call.ended') c.endedAt = e.ts;
  }
  return [...byId.values()];
}

/** Per-batch sums behind each figure (numerator x, denominator y). */
interface Batch {
  pWait: [number, number];
  pAbandon: [number, number];
  asa: [number, number];
  serviceLevel: [number, number];
}
function batchOf(cs: Call[]): Batch {
  const b: Batch = { pWait: [0, 0], pAbandon: [0, 0], asa: [0, 0], serviceLevel: [0, 0] };
  for (const c of cs) {
    if (c.leftAt === null) throw new Error('a counted caller is still waiting');
    const wait = (c.leftAt - c.queuedAt) / 1000;
    b.pWait[0] += wait > 0 ? 1 : 0;
    b.pWait[1]++;
    b.pAbandon[0] += c.answered ? 0 : 1;
    b.pAbandon[1]++;
    if (c.answered) {
      b.asa[0] += wait;
      b.asa[1]++;
    }
    b.serviceLevel[0] += c.answered && wait <= T ? 1 : 0;
    b.serviceLevel[1] += c.answered || wait > T ? 1 : 0;
  }
  return b;
}

/** Ratio estimate over all batches and its batch-means standard error (see the head of the file). */
function estimate(batches: Batch[], key: keyof Batch): { value: number; se: number } {
  const xs = batches.map((b) => b[key][0]);
  const ys = batches.map((b) => b[key][1]);
  const B = batches.length;
  const value = xs.reduce((a, b) => a + b, 0) / ys.reduce((a, b) => a + b, 0);
  const meanY = ys.reduce((a, b) => a + b, 0) / B;
  const s2 = xs.reduce((acc, x, i) => acc + (x - value * ys[i]!) ** 2, 0) / (B * (B - 1));
  return { value, se: Math.sqrt(s2) / meanY };
}

function simulate(seed: number, params: ErlangParameters, startMs: number, untilMs: number): Event[] {
  return new AcdSimulator({ seed, startMs, mode: 'erlang', erlang: params }).advanceTo(untilMs) as Event[];
}

/** Hourly batches of callers by arrival, after a warm-up hour; the run goes on an hour past the last batch. */
function hourlyBatches(seed: number, params: ErlangParameters, hours: number): Batch[] {
  const start = Date.UTC(2026, 4, 4, 0, 0, 0);
  const cs = calls(simulate(seed, params, start, start + (hours + 2) * HOUR));
  return Array.from({ length: hours }, (_, h) => batchOf(cs.filter((c) => c.queuedAt >= start + (h + 1) * HOUR && c.queuedAt < start + (h + 2) * HOUR)));
}

const theoryOf: Record<keyof Batch, (f: QueueFigures) => number> = {
  pWait: (f) => f.pWait,
  pAbandon: (f) => f.pAbandon,
  asa: (f) => f.asaSeconds,
  serviceLevel: (f) => f.serviceLevel(T),
};

/** Measured vs theory within 4 SE, for the figures given with the largest SE that still makes a sharp test. */
function compareWithTheory(
  measured: Record<keyof Batch, number>,
  batches: Batch[],
  theory: QueueFigures,
  maxSe: Partial<Record<keyof Batch, number>>,
  seen: Record<string, string>,
  label = 'measured',
) {
  for (const [key, limit] of Object.entries(maxSe) as [keyof Batch, number][]) {
    const { se } = estimate(batches, key);
    const expected = theoryOf[key](theory);
    seen[key] = `${label} ${measured[key].toFixed(4)} ± ${se.toFixed(4)}, theory ${expected.toFixed(4)}`;
    expect(se, `${key}: standard error too large to compare`).toBeLessThan(limit);
    expect(Math.abs(measured[key] - expected), `${key}: ${seen[key]}`).toBeLessThan(4 * se);
  }
}
const measuredFrom = (batches: Batch[]) =>
  Object.fromEntries((Object.keys(theoryOf) as (keyof Batch)[]).map((k) => [k, estimate(batches, k).value])) as Record<keyof Batch, number>;

describe('Erlang formulas (test support)', () => {
  it('give textbook values and the known limits, and the two Erlang A routes agree', () => {
    // Erlang B(3, 2) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19; Erlang C(3, 2) = 4/9 (Gross et al. 2008, M/M/3 at a = 2).
    expect(erlangB(3, 2)).toBeCloseTo(4 / 19, 14);
    const c32 = erlangC({ agents: 3, arrivalsPerHour: 72, meanHandleSeconds: 100 });
    expect(c32.pWait).toBeCloseTo(4 / 9, 14);
    expect(c32.asaSeconds).toBeCloseTo(4 / 9 / (1 / 100), 10); // C / (c mu - lambda), c mu - lambda = 0.01 /s
    // A sum of k + 1 equal phases is Erlang(k + 1): P(<= t) = 1 - sum_{i <= k} e^-x x^i / i!.
    const cdf = hypoexponentialCdfs([0.5, 0.5, 0.5], 3);
    const x = 1.5;
    expect(cdf[2]).toBeCloseTo(1 - Math.exp(-x) * (1 + x + (x * x) / 2), 12);

    const base = { agents: 10, arrivalsPerHour: 300, meanHandleSeconds: 100 };
    const c = erlangC(base);
    const nearC = erlangA({ ...base, meanPatienceSeconds: 1e9 });
    expect(nearC.pWait).toBeCloseTo(c.pWait, 5);
    expect(nearC.asaSeconds).toBeCloseTo(c.asaSeconds, 3);
    expect(nearC.serviceLevel(T)).toBeCloseTo(c.serviceLevel(T), 5);
    expect(nearC.pAbandon).toBeLessThan(1e-6);

    // Patience = handle time: the number in system is Poisson(a) (every caller leaves at rate mu whatever happens).
    const poisson = erlangA({ agents: 10, arrivalsPerHour: 360, meanHandleSeconds: 100, meanPatienceSeconds: 100 });
    let term = Math.exp(-10), below = 0, queueMean = 0;
    for (let n = 0; n < 200; n++) {
      if (n < 10) below += term;
      else queueMean += (n - 10) * term;
      term *= 10 / (n + 1);
    }
    expect(poisson.pWait).toBeCloseTo(1 - below, 12);
    expect(poisson.meanQueue).toBeCloseTo(queueMean, 12);

    for (const patience of [30, 120, 600]) {
      const a = erlangA({ agents: 10, arrivalsPerHour: 380, meanHandleSeconds: 100, meanPatienceSeconds: patience });
      expect(a.pAbandon).toBeCloseTo(a.pAbandonByRateBalance, 12); // tagged caller vs theta E[Q] / lambda
      expect(a.meanWaitSeconds).toBeCloseTo(a.meanWaitByLittle, 9); // tagged caller vs E[Q] / lambda
      expect(a.utilisation).toBeCloseTo((380 / 3600) * (1 - a.pAbandon) * 100 / 10, 12);
      expect(a.pAnsweredWithin(3600)).toBeCloseTo(1 - a.pAbandon, 9); // nobody waits an hour (P < 1e-12 here)
      expect(a.pAbandonedAfter(0)).toBeCloseTo(a.pAbandon, 9);
    }
  });
});

describe('simulator erlang mode vs queueing theory (figures from the events)', () => {
  it('M/M/c: the share who wait, ASA and service level agree with Erlang C', () => {
    // 10 agents, 270 calls/h, 100 s handle: a = 7.5 erlangs, 75% occupancy; Erlang C: 31% wait, ASA 12.3 s, SL 81%.
    const params: ErlangParameters = { agents: 10, arrivalsPerHour: 270, meanHandleSeconds: 100, meanPatienceSeconds: null };
    const batches = hourlyBatches(11, params, 400);
    const seen: Record<string, string> = {};
    compareWithTheory(measuredFrom(batches), batches, erlangC(params), { pWait: 0.015, asa: 1, serviceLevel: 0.015 }, seen);
    expect(batches.reduce((s, b) => s + b.pAbandon[0], 0)).toBe(0); // nobody hangs up
    console.log('Erlang C, 400 simulated hours:', seen);
  });

  it('M/M/c+M: abandonment, the share who wait, ASA and service level agree with Erlang A', () => {
    // 10 agents, 380 calls/h, 100 s handle, 120 s mean patience: a = 10.6 erlangs offered to 10 agents (over capacity
    // without abandonment); Erlang A: 63% wait, 14.3% abandon, ASA 16.3 s, SL 63%.
    const params: ErlangParameters = { agents: 10, arrivalsPerHour: 380, meanHandleSeconds: 100, meanPatienceSeconds: 120 };
    const batches = hourlyBatches(12, params, 300);
    const seen: Record<string, string> = {};
    compareWithTheory(measuredFrom(batches), batches, erlangA({ ...params, meanPatienceSeconds: 120 }), { pWait: 0.015, pAbandon: 0.005, asa: 0.6, serviceLevel: 0.015 }, seen);
    console.log('Erlang A, 300 simulated hours:', seen);
  });
});

describe('engine vs events vs queueing theory', () => {
  it("reports a simulated day's figures exactly as the events give them, in line with Erlang A", async () => {
    // A day through the real engine (HTTP, replay clock): the simulation starts at 23:00 the evening before, so the
    // "today" window (from 00:00) begins on a warmed-up floor. Short abandons are off (S = 0) so abandonRate is every
    // abandon, as in Erlang A; T = 20 s.
    const params: ErlangParameters = { agents: 10, arrivalsPerHour: 380, meanHandleSeconds: 100, meanPatienceSeconds: 120 };
    const day = Date.UTC(2026, 4, 4);
    const events = simulate(13, params, day - HOUR, day + 24 * HOUR - 1);
    const fw = await startTestFloorwatch(
      {
        queues: [{ id: ERLANG_QUEUE_ID, serviceLevelSeconds: T, shortAbandonSeconds: 0 }],
        teams: [{ id: ERLANG_TEAM_ID }],
        auth: { ingestRequestsPerSecond: 1_000_000 },
      },
      { FLOORWATCH_CLOCK: 'replay' },
    );
    let snapshot: Snapshot;
    try {
      for (let i = 0; i < events.length; i += 5000) {
        const batch = events.slice(i, i + 5000);
        const { status, body } = await fw.post(batch);
        expect(status).toBe(200);
        expect(body).toMatchObject({ accepted: batch.length, duplicates: 0, late: 0, rejected: [], failed: [] });
      }
      snapshot = await fw.snapshot();
    } finally {
      await fw.close();
    }
    const now = events[events.length - 1]!.ts;
    expect(snapshot.generatedAt).toBe(new Date(now).toISOString());
    expect(snapshot.windows.today.from).toBe(new Date(day).toISOString());
    const q = snapshot.queues.find((x) => x.queueId === ERLANG_QUEUE_ID)!.windows.today;
    const team = snapshot.teams.find((x) => x.teamId === ERLANG_TEAM_ID)!.windows.today;

    // 1. Exactly the figures of the events: calls counted where they left the queue, between 00:00 and now.
    const cs = calls(events);
    const left = cs.filter((c) => c.leftAt !== null && c.leftAt >= day);
    const wait = (c: Call) => c.leftAt! - c.queuedAt;
    const answered = left.filter((c) => c.answered);
    const abandoned = left.filter((c) => !c.answered);
    const within = answered.filter((c) => wait(c) <= T * 1000).length;
    const abandonedAfter = abandoned.filter((c) => wait(c) > T * 1000).length;
    const ended = cs.filter((c) => c.endedAt !== null && c.endedAt >= day);
    const exact = {
      entered: cs.filter((c) => c.queuedAt >= day).length,
      offered: left.length,
      answered: answered.length,
      abandoned: abandoned.length,
      shortAbandoned: 0,
      answeredWithinThreshold: within,
      abandonedAfterThreshold: abandonedAfter,
      abandonRate: abandoned.length / left.length,
      serviceLevel: within / (answered.length + abandonedAfter),
      asaSeconds: answered.reduce((s, c) => s + wait(c), 0) / answered.length / 1000,
      ahtSeconds: ended.reduce((s, c) => s + (c.endedAt! - c.answeredAt!), 0) / ended.length / 1000,
      maxWaitSeconds: Math.max(...left.map(wait)) / 1000,
    };
    for (const [k, v] of Object.entries(exact)) expect(q[k as keyof typeof q] as number, k).toBeCloseTo(v, 9);
    // Talk time: every call's answer-to-end time that falls in the window (calls still going on count up to now).
    const talkMs = cs.reduce((s, c) => (c.answeredAt === null ? s : s + Math.max(0, Math.min(c.endedAt ?? now, now) - Math.max(c.answeredAt, day))), 0);
    expect(team.loggedInSeconds).toBeCloseTo((params.agents * (now - day)) / 1000, 6);
    expect(team.talkSeconds).toBeCloseTo(talkMs / 1000, 6);
    expect(team.utilisation!).toBeCloseTo(talkMs / (params.agents * (now - day)), 12);

    // 2. In line with Erlang A: hourly batches by the hour the call left (as the engine counts), 24 of them.
    const theory = erlangA({ ...params, meanPatienceSeconds: 120 });
    const batches = Array.from({ length: 24 }, (_, h) => batchOf(left.filter((c) => c.leftAt! >= day + h * HOUR && c.leftAt! < day + (h + 1) * HOUR)));
    const seen: Record<string, string> = {};
    const engine = { pWait: NaN, pAbandon: q.abandonRate!, asa: q.asaSeconds!, serviceLevel: q.serviceLevel! };
    // A day has 24 batches, not 300: the limits on the SE are looser (about sqrt(300 / 24) = 3.5 times).
    compareWithTheory(engine, batches, theory, { pAbandon: 0.02, asa: 2, serviceLevel: 0.04 }, seen, 'engine');
    // Utilisation: talk / logged-in time = carried load / agents; its batch SE from hourly talk time.
    const talkIn = (h: number) => cs.reduce((s, c) => (c.answeredAt === null ? s : s + Math.max(0, Math.min(c.endedAt ?? now, now, day + (h + 1) * HOUR) - Math.max(c.answeredAt, day + h * HOUR))), 0);
    const hourly = Array.from({ length: 24 }, (_, h) => talkIn(h) / (params.agents * HOUR));
    const mean = hourly.reduce((a, b) => a + b, 0) / hourly.length;
    const seU = Math.sqrt(hourly.reduce((a, b) => a + (b - mean) ** 2, 0) / (hourly.length - 1) / hourly.length);
    seen.utilisation = `engine ${team.utilisation!.toFixed(4)} ± ${seU.toFixed(4)}, theory ${theory.utilisation.toFixed(4)}`;
    expect(Math.abs(team.utilisation! - theory.utilisation), seen.utilisation).toBeLessThan(4 * seU);
    console.log('Erlang A, one day through the engine:', seen);
  }, 60_000);
});
