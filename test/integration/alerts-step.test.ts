// The alerts step sends in full only the conditions that can move (entering, entered at this process's last step, or
// of an active alert) and the others as keys (server/store/alerts-store.ts): quiet ones, and pending ones not yet due;
// the script looks up only conditions that enter or have a state, and asks for everything when a condition sent as a
// key is not as the process believed. Checked against
// the lifecycle as documented (alerts-step-1.lua's header), modelled in memory, on random evaluations by two processes
// (out of order now and then), step by step: the same states, alerts and duty-log entries.
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { AlertSubject } from '../../shared/snapshot.js';
import type { Condition } from '../../server/alerts/rules.js';
import { AlertsStore } from '../../server/store/alerts-store.js';
import type { DutyLog } from '../../server/store/duty-log.js';
import { keyBuilder } from '../../server/store/keys.js';
import { deletePrefix, newRedis, randomPrefix } from '../support/redis.js';
import { Random } from '../../server/ingest/simulator/random.js';

let redis: Redis | null = null;
let other: Redis | null = null;
let prefix = '';
afterEach(async () => {
  if (prefix) await deletePrefix(redis!, prefix);
  await Promise.all([redis?.quit(), other?.quit()]);
  redis = other = null;
  prefix = '';
});

/** A seeded uniform [0, 1) source: the simulator's PRNG. */
function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

const SUBJECTS: AlertSubject[] = [
  { kind: 'queue', id: 'q1' },
  { kind: 'team', id: 't1', teamId: 't1' },
  { kind: 'agent', id: 'a1', teamId: 't1' },
  { kind: 'floor', id: 'floor' },
];
const RULES = ['overflow', 'too_many_on_break', 'utilisation_low'] as const;

/** One process's evaluation: each (rule, subject) produced or not, entering, leaving or in between. */
function evaluation(r: () => number): Condition[] {
  const out: Condition[] = [];
  for (const rule of RULES) {
    for (const subject of SUBJECTS) {
      if (r() < 0.15) continue; // not produced (e.g. the agent is back from break)
      const x = r();
      out.push({
        key: `${rule}:${subject.kind}:${subject.id}`,
        rule,
        subject,
        subjectName: subject.id,
        severity: r() < 0.5 ? 'warning' : 'critical',
        enter: x < 0.35,
        exit: x > 0.65,
        forMs: rule === 'overflow' ? 0 : 20_000,
        clearForMs: rule === 'utilisation_low' ? 0 : 30_000,
        value: Math.round(r() * 100) / 100,
        threshold: 0.5,
      });
    }
  }
  return out;
}

const noLog = {} as DutyLog;

/** What a prefix holds of the alerts: every state, every alert, the duty log's alert entries. */
async function state(r: Redis, prefix: string) {
  const keys = (await r.smembers(`${prefix}:alertstates`)).sort();
  const states = await Promise.all(keys.map(async (k) => [k, await r.hgetall(`${prefix}:alertstate:${k}`)]));
  const ids = await r.zrange(`${prefix}:alerts:active`, 0, -1);
  const cleared = await r.zrange(`${prefix}:alerts:cleared`, 0, -1);
  const alerts = await Promise.all([...ids, ...cleared].map(async (id) => await r.hgetall(`${prefix}:alert:${id}`)));
  const log = (await r.xrange(`${prefix}:dutylog`, '-', '+')).map(([, f]) => f);
  return { states, ids, cleared, alerts, log };
}

/** The lifecycle as documented, in memory. */
class Lifecycle {
  states = new Map<string, { phase: 'pending' | 'raised' | 'clearing'; since: number; id?: string }>();
  alerts = new Map<string, { key: string; rule: string; severity: string; value: string; raisedAt: number; clearedAt?: number }>();
  log: string[] = [];
  private seq = 0;
  private lastEval = 0;

  step(conditions: Condition[], now: number): void {
    if (now < this.lastEval) return; // an older evaluation than one applied changes nothing
    this.lastEval = now;
    const seen = new Set<string>();
    for (const c of conditions) {
      seen.add(c.key);
      const st = this.states.get(c.key);
      if (!st) {
        if (c.enter && c.forMs <= 0) this.raise(c, now);
        else if (c.enter) this.states.set(c.key, { phase: 'pending', since: now });
      } else if (st.phase === 'pending') {
        if (!c.enter) this.states.delete(c.key);
        else if (now - st.since >= c.forMs) this.raise(c, now);
      } else if (st.phase === 'raised') {
        if (c.exit && c.clearForMs <= 0) this.clear(c.key, now);
        else if (c.exit) Object.assign(st, { phase: 'clearing', since: now });
        else Object.assign(this.alerts.get(st.id!)!, { value: JSON.stringify(c.value), severity: c.severity }); // the figure kept current
      } else if (!c.exit) st.phase = 'raised';
      else if (now - st.since >= c.clearForMs) this.clear(c.key, now);
    }
    // a condition no longer produced ends: a raised (or clearing) alert clears, a pending one is forgotten
    for (const [key, st] of this.states) {
      if (seen.has(key)) continue;
      if (st.phase === 'pending') this.states.delete(key);
      else this.clear(key, now);
    }
  }

  private raise(c: Condition, now: number): void {
    const id = `a${++this.seq}`;
    this.alerts.set(id, { key: c.key, rule: c.rule, severity: c.severity, value: JSON.stringify(c.value), raisedAt: now });
    this.states.set(c.key, { phase: 'raised', since: now, id });
    this.log.push(`alert.raised ${id}`);
  }

  private clear(key: string, now: number): void {
    const id = this.states.get(key)!.id!;
    this.alerts.get(id)!.clearedAt = now;
    this.states.delete(key);
    this.log.push(`alert.cleared ${id}`);
  }
}

/** What Redis holds, in the model's terms. */
async function stored(r: Redis, p: string) {
  const keys = await r.smembers(`${p}:alertstates`);
  const states = new Map<string, { phase: string; since: number; id?: string }>();
  for (const key of keys) {
    const h = await r.hgetall(`${p}:alertstate:${key}`);
    states.set(key, { phase: h.phase!, since: Number(h.since), ...(h.id ? { id: h.id } : {}) });
  }
  const alerts = new Map<string, { key: string; rule: string; severity: string; value: string; raisedAt: number; clearedAt?: number }>();
  const ids = [...(await r.zrange(`${p}:alerts:active`, 0, -1)), ...(await r.zrange(`${p}:alerts:cleared`, 0, -1))];
  for (const id of ids) {
    const h = await r.hgetall(`${p}:alert:${id}`);
    alerts.set(id, { key: h.key!, rule: h.rule!, severity: h.severity!, value: h.value!, raisedAt: Number(h.raisedAt), ...(h.clearedAt ? { clearedAt: Number(h.clearedAt) } : {}) });
  }
  const log = (await r.xrange(`${p}:dutylog`, '-', '+')).map(([, f]) => `${f[f.indexOf('kind') + 1]} ${JSON.parse(f[f.indexOf('detail') + 1]!).id}`);
  return { states, alerts, log };
}

const sortById = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));

describe('the alerts step, with quiet conditions sent as keys', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`moves every alert as the documented lifecycle does, two processes (seed ${seed})`, async () => {
      redis = newRedis();
      other = redis.duplicate();
      prefix = randomPrefix();
      const r = rng(seed);
      // two processes on one Redis, each with its own memory of what it sent
      const processes = [new AlertsStore(redis, keyBuilder(prefix), noLog), new AlertsStore(other, keyBuilder(prefix), noLog)];
      const model = new Lifecycle();
      let now = Date.parse('2026-05-04T10:00:00Z');
      for (let step = 0; step < 150; step++) {
        now += Math.floor(r() * 15_000);
        // now and then a slow process finishes an older evaluation
        const at = r() < 0.1 ? now - 5_000 : now;
        const conditions = evaluation(r);
        const shown = await processes[r() < 0.5 ? 0 : 1]!.step(conditions, at);
        model.step(conditions, at);
        const s = await stored(redis, prefix);
        expect(s.states).toEqual(model.states);
        expect(s.alerts).toEqual(model.alerts);
        expect(s.log.sort()).toEqual([...model.log].sort()); // the ones ended in one step come in the states set's order
        // shown: the active alerts and those cleared within the last 30 minutes
        const expected = [...model.alerts].filter(([, a]) => a.clearedAt === undefined || a.clearedAt >= at - 30 * 60_000);
        expect(sortById(shown).map((a) => [a.id, a.rule, a.clearedAt])).toEqual(
          sortById(expected.map(([id, a]) => ({ id, ...a }))).map((a) => [a.id, a.rule, a.clearedAt === undefined ? null : new Date(a.clearedAt).toISOString()]),
        );
      }
      expect(model.log.length).toBeGreaterThan(10); // the run did raise and clear
    });
  }
});

describe('the alerts step, with pending conditions sent as keys', () => {
  it('sends a condition waiting out its forMs as a key, and raises it on time though another process began the wait', async () => {
    redis = newRedis();
    other = redis.duplicate();
    prefix = randomPrefix();
    const [a, b] = [new AlertsStore(redis, keyBuilder(prefix), noLog), new AlertsStore(other, keyBuilder(prefix), noLog)];
    // what each process sends: the conditions in full and the pending keys, per call of the script
    const sent: { by: string; full: string[]; pending: string[] }[] = [];
    for (const [name, r] of [['A', redis], ['B', other]] as const) {
      const run = (r as unknown as { fwAlertsStep: (...a: unknown[]) => Promise<string> }).fwAlertsStep.bind(r);
      (r as unknown as { fwAlertsStep: (...a: unknown[]) => Promise<string> }).fwAlertsStep = (...a: unknown[]) => {
        const input = JSON.parse(a[3] as string) as { conditions: Condition[]; pending: [string, number][] };
        sent.push({ by: name, full: input.conditions.map((c) => c.key), pending: input.pending.map(([k]) => k) });
        return run(...a);
      };
    }
    const t0 = Date.parse('2026-05-04T10:00:00Z');
    const c: Condition = {
      key: 'utilisation_low:team:t1', rule: 'utilisation_low', subject: { kind: 'team', id: 't1', teamId: 't1' }, subjectName: 't1',
      severity: 'warning', enter: true, exit: false, forMs: 20_000, clearForMs: 0, value: 0.5, threshold: 0.6,
    };
    const at = (s: number) => t0 + s * 1000;
    expect(await a.step([c], at(0))).toEqual([]); // A: pending from 0, sent in full
    expect(await a.step([c], at(5))).toEqual([]); // A: pending, 5 s of 20: a key
    expect(await b.step([c], at(10))).toEqual([]); // B has not seen it enter: in full (still pending from 0)
    expect(await b.step([c], at(15))).toEqual([]); // B: pending from 10 as far as B knows: a key
    // B still thinks 10 s of 20; the script finds the wait began at 0 and asks for everything: raised at 20 s
    const shown = await b.step([c], at(20));
    expect(shown.map((x) => [x.rule, x.raisedAt])).toEqual([['utilisation_low', new Date(at(20)).toISOString()]]);
    expect(sent).toEqual([
      { by: 'A', full: [c.key], pending: [] },
      { by: 'A', full: [], pending: [c.key] },
      { by: 'B', full: [c.key], pending: [] },
      { by: 'B', full: [], pending: [c.key] },
      { by: 'B', full: [], pending: [c.key] },
      { by: 'B', full: [c.key], pending: [] },
    ]);
  });
});
