// A realistic hour on a large floor, for the snapshot-scale and Redis-memory phases: every agent logs in during the
// first minutes, then takes calls (queued -> ringing -> answered/talking -> ended/wrap -> idle) at ~14 calls an hour,
// goes on break about once an hour (some agents more, some less) and now and then to lunch, training, a meeting or
// coaching; some callers abandon. Events come out in time order, split into parts so that each agent's and each
// call's events stay in one part (posted in order by one sender). Unlike bench/floor.ts, which fires events as fast
// as it can at Date.now(), time here is simulated: ts runs from `startMs` through the hour.
import type { AcdEventInput } from '../shared/events.js';
import { pad, queueIds, rng, teamIds, type FloorShape } from './floor.js';

/** Seconds: means, or [low, high] of uniform ranges; chosen so an agent handles ~14 calls an hour at ~68 % talk time. */
const RATES = {
  loginSpreadS: 180, // every agent logs in within the first 3 minutes
  idleGapS: 15, // idle before the next call is offered (exponential)
  waitS: 12, // caller's wait in queue before the agent's phone rings (exponential, capped)
  ringS: [1, 5] as const, // ringing
  talkS: 170, // talk time (log-normal)
  wrapS: [10, 40] as const, // after-call work
  abandonShare: 0.06, // per call offered to an agent, another caller who hangs up in the queue
  patienceS: 45, // how long the abandoning caller waits (exponential)
  breakPerCall: 0.07, // ~1 break an hour ...
  breakS: [180, 420] as const, // ... of 3-7 minutes (break rate ~8 %)
  otherPerCall: 0.015, // training, meeting, coaching: ~1 in 5 agents an hour ...
  otherS: [300, 900] as const, // ... for 5-15 minutes
  lunchPerCall: 0.006, // ~1 in 12 agents goes to lunch in the hour ...
  lunchS: 1800, // ... for 30 minutes
};
const OTHER_REASONS = ['training', 'meeting', 'coaching'];
/** Queues a team serves. */
const QUEUES_PER_TEAM = 3;

/** An event without its id (emit adds it); Omit over each member of the union. */
type EventBody = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id'> : never) : never;

type Step = 'login' | 'offer' | 'ring' | 'answer' | 'end' | 'wrapdone' | 'back' | 'abandon';

interface Agent {
  id: string;
  team: string;
  queues: string[];
  part: number;
  /** How much more (or less) than average this agent takes breaks: break rates differ within a team. */
  breakiness: number;
  callId: string;
  queueId: string;
}

interface Scheduled {
  at: number;
  seq: number;
  step: Step;
  agent?: Agent;
  /** For 'abandon': the call and its queue and part. */
  call?: { callId: string; queueId: string; part: number };
}

/** A binary min-heap on (at, seq): the next thing to happen on the floor. */
class Agenda {
  private h: Scheduled[] = [];
  private seq = 0;
  get size() {
    return this.h.length;
  }
  push(x: Omit<Scheduled, 'seq'>) {
    const h = this.h;
    h.push(Object.assign(x, { seq: this.seq++ }));
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  peek(): Scheduled | undefined {
    return this.h[0];
  }
  pop(): Scheduled | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (a: Scheduled, b: Scheduled) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class HourFloor {
  private readonly r: () => number;
  private readonly agenda = new Agenda();
  private eventSeq = 0;
  private callSeq = 0;
  private out: AcdEventInput[][] = [];
  /** Events produced so far, by type (agent.state by state). */
  readonly counts: Record<string, number> = {};
  readonly agentIds: string[] = [];

  /**
   * `tag` makes event and call ids unique per run (ids look like a connector's: "<tag>-<n>", ~12-16 characters;
   * longer ids, e.g. UUIDs, make the dedupe sets and call hashes larger).
   */
  constructor(
    readonly shape: FloorShape,
    readonly startMs: number,
    readonly parts: number,
    private readonly tag: string,
    seed = 7,
  ) {
    this.r = rng(seed);
    const teams = teamIds(shape);
    const queues = queueIds(shape);
    // One team in ten keeps no break rota: its agents' break habits differ much more (out of statistical control).
    const unruly = (t: number) => t % 10 === 3;
    for (let i = 0; i < shape.agents; i++) {
      const t = i % teams.length;
      const id = `a${pad(i + 1, 5)}`;
      const agent: Agent = {
        id,
        team: teams[t]!,
        queues: Array.from({ length: Math.min(QUEUES_PER_TEAM, queues.length) }, (_, k) => queues[(t * QUEUES_PER_TEAM + k) % queues.length]!),
        part: i % parts,
        breakiness: unruly(t) ? 0.2 + this.r() * 2.3 : 0.6 + this.r() * 0.8,
        callId: '',
        queueId: '',
      };
      this.agentIds.push(id);
      this.agenda.push({ at: startMs + Math.floor(this.r() * RATES.loginSpreadS * 1000), step: 'login', agent });
    }
  }

  /** Exponential with the given mean, in ms. */
  private exp(meanS: number, capS = Infinity): number {
    return Math.round(Math.min(-Math.log(1 - this.r()) * meanS, capS) * 1000);
  }
  private uniform(lo: number, hi: number): number {
    return Math.round((lo + this.r() * (hi - lo)) * 1000);
  }
  /** Log-normal with the given mean (sigma 0.6, a typical spread of talk times), at least 20 s. */
  private talk(): number {
    const sigma = 0.6;
    const z = Math.sqrt(-2 * Math.log(1 - this.r())) * Math.cos(2 * Math.PI * this.r());
    return Math.round(Math.max(20, RATES.talkS * Math.exp(sigma * z - (sigma * sigma) / 2)) * 1000);
  }

  private emit(part: number, e: EventBody) {
    const event = Object.assign(e, { id: `${this.tag}-${(++this.eventSeq).toString(36)}` }) as AcdEventInput;
    this.out[part]!.push(event);
    const key = event.type === 'agent.state' ? `agent.state ${event.state}` : event.type;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private state(a: Agent, ts: number, state: 'idle' | 'ringing' | 'talking' | 'wrap' | 'not_ready', reason?: string) {
    this.emit(a.part, { ts, type: 'agent.state', agentId: a.id, state, ...(reason ? { reason } : {}) });
  }

  /** Everything that happens before `untilMs`, one array per part, each in time order. */
  advance(untilMs: number): AcdEventInput[][] {
    this.out = Array.from({ length: this.parts }, () => []);
    // Bounded: each iteration removes one scheduled item, and an item only schedules items later than itself.
    for (let next = this.agenda.peek(); next && next.at < untilMs; next = this.agenda.peek()) {
      this.agenda.pop();
      this.run(next);
    }
    return this.out;
  }

  private run({ at, step, agent: a, call }: Scheduled) {
    if (step === 'abandon') {
      this.emit(call!.part, { ts: at, type: 'call.abandoned', callId: call!.callId, queueId: call!.queueId });
      return;
    }
    const next = (after: number, s: Step) => this.agenda.push({ at: at + after, step: s, agent: a! });
    switch (step) {
      case 'login':
        this.emit(a!.part, { ts: at, type: 'agent.login', agentId: a!.id, teamId: a!.team, name: `Agent ${a!.id}`, queues: a!.queues });
        next(this.exp(RATES.idleGapS), 'offer');
        break;
      case 'offer': {
        // A call for this agent enters one of its team's queues; the agent's phone rings when the caller's turn comes.
        a!.queueId = a!.queues[Math.floor(this.r() * a!.queues.length)]!;
        a!.callId = `${this.tag}-c${(++this.callSeq).toString(36)}`;
        this.emit(a!.part, { ts: at, type: 'call.queued', callId: a!.callId, queueId: a!.queueId });
        if (this.r() < RATES.abandonShare) {
          // another caller in the same queue gives up; its events go with this agent's part (any part would do)
          const callId = `${this.tag}-c${(++this.callSeq).toString(36)}`;
          this.emit(a!.part, { ts: at, type: 'call.queued', callId, queueId: a!.queueId });
          this.agenda.push({ at: at + 1000 + this.exp(RATES.patienceS, 600), step: 'abandon', call: { callId, queueId: a!.queueId, part: a!.part } });
        }
        next(this.exp(RATES.waitS, 180), 'ring');
        break;
      }
      case 'ring':
        this.state(a!, at, 'ringing');
        next(this.uniform(...RATES.ringS), 'answer');
        break;
      case 'answer':
        this.emit(a!.part, { ts: at, type: 'call.answered', callId: a!.callId, queueId: a!.queueId, agentId: a!.id });
        this.state(a!, at, 'talking');
        next(this.talk(), 'end');
        break;
      case 'end':
        this.emit(a!.part, { ts: at, type: 'call.ended', callId: a!.callId, agentId: a!.id });
        this.state(a!, at, 'wrap');
        next(this.uniform(...RATES.wrapS), 'wrapdone');
        break;
      case 'wrapdone': {
        // After a call: ready again, or not ready for a while (break, lunch, training, ...).
        const x = this.r();
        const pBreak = RATES.breakPerCall * a!.breakiness;
        if (x < pBreak) {
          this.state(a!, at, 'not_ready', 'break');
          next(this.uniform(...RATES.breakS), 'back');
        } else if (x < pBreak + RATES.otherPerCall) {
          this.state(a!, at, 'not_ready', OTHER_REASONS[Math.floor(this.r() * OTHER_REASONS.length)]!);
          next(this.uniform(...RATES.otherS), 'back');
        } else if (x < pBreak + RATES.otherPerCall + RATES.lunchPerCall) {
          this.state(a!, at, 'not_ready', 'lunch');
          next(RATES.lunchS * 1000, 'back');
        } else {
          this.state(a!, at, 'idle');
          next(this.exp(RATES.idleGapS), 'offer');
        }
        break;
      }
      case 'back':
        this.state(a!, at, 'idle');
        next(this.exp(RATES.idleGapS), 'offer');
        break;
    }
  }
}
