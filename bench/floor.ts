// The bench's call-centre floor: the service config (teams, queues, reason codes) and a load generator that produces a
// valid, coherent event stream for it. Each FloorGenerator owns a disjoint set of agents, so the events of one agent
// always come from one generator, in order (as long as its batches are sent one after another).
import type { AcdEventInput } from '../shared/events.js';

export const MARKER_QUEUE = 'bench-marker';

export interface FloorShape {
  agents: number;
  teams: number;
  queues: number;
}

export const pad = (n: number, width = 2) => String(n).padStart(width, '0');
export const queueIds = (shape: FloorShape) => Array.from({ length: shape.queues }, (_, i) => `q${pad(i + 1)}`);
export const teamIds = (shape: FloorShape) => Array.from({ length: shape.teams }, (_, i) => `t${pad(i + 1)}`);

/** The config file object the bench service runs with. */
export function benchConfigFile(shape: FloorShape, keyPrefix: string, streamKey: string) {
  return {
    site: { name: 'Floorwatch bench', timeZone: 'UTC' },
    queues: [
      ...queueIds(shape).map((id, i) => ({ id, name: `Queue ${i + 1}`, serviceLevelSeconds: 20, serviceLevelTarget: 0.8 })),
      { id: MARKER_QUEUE, name: 'Bench marker' },
    ],
    teams: teamIds(shape).map((id, i) => ({ id, name: `Team ${i + 1}` })),
    reasonCategories: { break: 'break', lunch: 'meal', training: 'training', meeting: 'meeting' },
    redis: { keyPrefix },
    ingest: { stream: { key: streamKey } },
  } as const;
}

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A set with O(1) add, remove and random pick. */
class Bag {
  private items: string[] = [];
  private index = new Map<string, number>();
  get size() {
    return this.items.length;
  }
  add(x: string) {
    if (this.index.has(x)) return;
    this.index.set(x, this.items.length);
    this.items.push(x);
  }
  remove(x: string) {
    const i = this.index.get(x);
    if (i === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(x);
    if (last !== x) {
      this.items[i] = last;
      this.index.set(last, i);
    }
  }
  pick(r: () => number): string {
    return this.items[Math.floor(r() * this.items.length)]!;
  }
}

const NOT_READY_REASONS = ['break', 'break', 'lunch', 'training', 'meeting', 'coaching'];
/** Calls waiting at once per generator, at most. */
const MAX_WAITING = 30;

/**
 * Produces events for its agents: logins first, then a mix of calls queued / answered / abandoned / ended and the
 * matching agent state changes (talking -> wrap -> idle), and breaks. Every event has a unique id.
 */
export class FloorGenerator {
  private seq = 0;
  private callSeq = 0;
  private readonly r: () => number;
  private readonly idle = new Bag();
  private readonly talking = new Bag();
  private readonly wrap = new Bag();
  private readonly notReady = new Bag();
  /** agentId -> callId of the call it is on. */
  private readonly callOf = new Map<string, string>();
  /** Calls in queue, oldest first. */
  private waiting: { callId: string; queueId: string }[] = [];
  private loggedIn = false;
  /** Events produced, by type. */
  readonly counts: Record<string, number> = {};

  constructor(
    private readonly runId: string,
    readonly part: number,
    private readonly agentIds: string[],
    private readonly teamOf: (agentId: string) => string,
    private readonly queues: string[],
    seed: number,
  ) {
    this.r = rng(seed);
  }

  get agents(): number {
    return this.agentIds.length;
  }

  private id(): string {
    return `${this.runId}.${this.part}.${++this.seq}`;
  }

  private push(out: AcdEventInput[], e: AcdEventInput) {
    out.push(e);
    this.counts[e.type] = (this.counts[e.type] ?? 0) + 1;
  }

  /** The login of every agent (once). */
  logins(ts: number): AcdEventInput[] {
    if (this.loggedIn) return [];
    this.loggedIn = true;
    const out: AcdEventInput[] = [];
    for (const agentId of this.agentIds) {
      this.push(out, { id: this.id(), ts, type: 'agent.login', agentId, teamId: this.teamOf(agentId), name: `Agent ${agentId}`, queues: this.queues });
      this.idle.add(agentId);
    }
    return out;
  }

  /** About n events (a step may produce two), all with the given ts. */
  next(n: number, ts: number): AcdEventInput[] {
    const out = this.logins(ts);
    // Bounded: every iteration either produces an event or is one of at most n * 4 attempts.
    for (let attempts = 0; out.length < n && attempts < n * 4; attempts++) {
      const x = this.r();
      if (x < 0.2) {
        // a call enters a queue
        if (this.waiting.length >= MAX_WAITING) continue;
        const callId = `${this.runId}.${this.part}.c${++this.callSeq}`;
        const queueId = this.queues[Math.floor(this.r() * this.queues.length)]!;
        this.waiting.push({ callId, queueId });
        this.push(out, { id: this.id(), ts, type: 'call.queued', callId, queueId });
      } else if (x < 0.4) {
        // the oldest waiting call is answered by an idle agent
        if (this.waiting.length === 0 || this.idle.size === 0) continue;
        const call = this.waiting.shift()!;
        const agentId = this.idle.pick(this.r);
        this.idle.remove(agentId);
        this.talking.add(agentId);
        this.callOf.set(agentId, call.callId);
        this.push(out, { id: this.id(), ts, type: 'call.answered', callId: call.callId, queueId: call.queueId, agentId });
        this.push(out, { id: this.id(), ts, type: 'agent.state', agentId, state: 'talking' });
      } else if (x < 0.43) {
        // a caller hangs up in the queue
        if (this.waiting.length === 0) continue;
        const call = this.waiting.splice(Math.floor(this.r() * this.waiting.length), 1)[0]!;
        this.push(out, { id: this.id(), ts, type: 'call.abandoned', callId: call.callId, queueId: call.queueId });
      } else if (x < 0.63) {
        // a call ends; the agent goes to after-call work
        if (this.talking.size === 0) continue;
        const agentId = this.talking.pick(this.r);
        this.talking.remove(agentId);
        this.wrap.add(agentId);
        const callId = this.callOf.get(agentId)!;
        this.callOf.delete(agentId);
        this.push(out, { id: this.id(), ts, type: 'call.ended', callId, agentId });
        this.push(out, { id: this.id(), ts, type: 'agent.state', agentId, state: 'wrap' });
      } else if (x < 0.83) {
        // after-call work done
        if (this.wrap.size === 0) continue;
        const agentId = this.wrap.pick(this.r);
        this.wrap.remove(agentId);
        this.idle.add(agentId);
        this.push(out, { id: this.id(), ts, type: 'agent.state', agentId, state: 'idle' });
      } else if (x < 0.9) {
        // an idle agent goes not ready (break, lunch, ...); keep most of the floor available
        if (this.idle.size === 0 || this.notReady.size * 5 > this.agentIds.length) continue;
        const agentId = this.idle.pick(this.r);
        this.idle.remove(agentId);
        this.notReady.add(agentId);
        const reason = NOT_READY_REASONS[Math.floor(this.r() * NOT_READY_REASONS.length)]!;
        this.push(out, { id: this.id(), ts, type: 'agent.state', agentId, state: 'not_ready', reason });
      } else {
        // back from not ready
        if (this.notReady.size === 0) continue;
        const agentId = this.notReady.pick(this.r);
        this.notReady.remove(agentId);
        this.idle.add(agentId);
        this.push(out, { id: this.id(), ts, type: 'agent.state', agentId, state: 'idle' });
      }
    }
    return out;
  }
}

/** Splits the floor's agents over `parts` generators (agent i belongs to generator i % parts; team i % teams). */
export function makeGenerators(shape: FloorShape, parts: number, runId: string, seed = 1): FloorGenerator[] {
  const teams = teamIds(shape);
  const queues = queueIds(shape);
  const agentIds = Array.from({ length: shape.agents }, (_, i) => `a${pad(i + 1, 4)}`);
  const teamOf = (agentId: string) => teams[(Number(agentId.slice(1)) - 1) % teams.length]!;
  return Array.from(
    { length: parts },
    (_, p) => new FloorGenerator(runId, p, agentIds.filter((_, i) => i % parts === p), teamOf, queues, seed * 1000 + p),
  );
}

let markerSeq = 0;
/** A marker: a new call in the marker queue, so the queue's `waiting` count equals the number of markers sent. */
export function markerEvent(runId: string, ts: number): { seq: number; event: AcdEventInput } {
  const seq = ++markerSeq;
  return { seq, event: { id: `${runId}.m.${seq}`, ts, type: 'call.queued', callId: `${runId}.mc.${seq}`, queueId: MARKER_QUEUE } };
}
