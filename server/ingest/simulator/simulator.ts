// A seeded discrete-event simulation of an ACD. Pure: no clock, no I/O; the same options give the same event stream
// however the time is sliced into advanceTo calls.
import type { AcdEventInput } from '../../../shared/events.js';
import {
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  callsPerHourAt,
  createDemoSite,
  maxCallsPerHour,
  surgeMultiplierAt,
  type AgentProfile,
  type QueueProfile,
  type SiteModel,
  type TeamProfile,
} from './profile.js';
import { Random } from './random.js';

export type SimulatorMode = 'demo' | 'erlang';

/** Erlang mode: one queue, one team, Poisson arrivals, exponential handle, no ringing, hold, wrap or breaks. */
export interface ErlangParameters {
  agents: number;
  arrivalsPerHour: number;
  meanHandleSeconds: number;
  /** Mean (exponential) caller patience; null for callers who never hang up. */
  meanPatienceSeconds: number | null;
}

export interface SimulatorOptions {
  seed: number;
  /** Epoch ms the simulated day starts: every agent logs in at this instant. */
  startMs: number;
  /** Demo mode only (erlang mode builds its own one-queue site); defaults to createDemoSite(). */
  site?: SiteModel;
  /** Not used by the simulator (pace is set by the clock given to the runner); accepted for callers' convenience. */
  speed?: number;
  mode?: SimulatorMode;
  /** Required in erlang mode. */
  erlang?: ErlangParameters;
}

/** Queue and team ids used in erlang mode. */
export const ERLANG_QUEUE_ID = 'erlang';
export const ERLANG_TEAM_ID = 'team-erlang';

/** Distributive Omit, so each event type keeps its own fields. */
type EventBody = AcdEventInput extends infer E ? (E extends unknown ? Omit<E, 'id' | 'ts'> : never) : never;

type AgentStatus = 'logged_out' | 'idle' | 'ringing' | 'talking' | 'hold' | 'wrap' | 'not_ready';
type ActivityKind = 'meal' | 'training' | 'meeting' | 'logout';

interface Activity {
  kind: ActivityKind;
  lengthMs: number;
}

interface QueueRuntime {
  profile: QueueProfile;
  /** Calls waiting for an agent, oldest first (calls already ringing at an agent are not here). */
  waiting: CallRuntime[];
  servedBy: AgentRuntime[];
  overflowTarget: QueueRuntime | null;
  maxRatePerMs: number;
}

interface CallRuntime {
  id: string;
  queue: QueueRuntime;
  queuedAt: number;
  /** When the caller hangs up if still waiting (Infinity: never). */
  giveUpAt: number;
  status: 'waiting' | 'assigned' | 'done';
  /** Calls that already overflowed once stay where they are (no ping-pong) and are not offered a callback again. */
  isOverflow: boolean;
}

interface CallInProgress {
  call: CallRuntime;
  answeredAt: number;
  talkMs: number;
  holdMs: number;
}

interface AgentRuntime {
  profile: AgentProfile;
  team: TeamProfile;
  queues: QueueRuntime[];
  status: AgentStatus;
  idleSince: number;
  current: CallInProgress | null;
  /** A break came due while the agent was busy: it starts as soon as the agent is free. */
  breakDue: boolean;
  /** Planned time of the next break (Infinity when the agent takes none). */
  nextBreakAt: number;
  breakEveryMs: number;
  /** Rota teams: how long before a planned break the agent stops taking new calls (0: never). */
  breakReserveMs: number;
  /** Inside that reserve: no new calls, so the break starts on time instead of after a call that overruns. */
  reservedForBreak: boolean;
  /** Reserved and done with wrap-up, staying in wrap until the break starts. */
  lingeringInWrap: boolean;
  pendingActivity: Activity | null;
}

type Happening =
  | { kind: 'login'; agent: AgentRuntime }
  | { kind: 'arrival'; queue: QueueRuntime }
  | { kind: 'answer' | 'holdStart' | 'holdEnd' | 'callEnd' | 'wrapEnd' | 'notReadyEnd'; agent: AgentRuntime }
  | { kind: 'breakReserve' | 'breakDue' | 'activityDue'; agent: AgentRuntime }
  | { kind: 'giveUp' | 'callbackOffer' | 'overflowCheck'; call: CallRuntime };

interface Scheduled {
  at: number;
  /** Insertion order: breaks ties so same-time happenings run in the order they were scheduled. */
  seq: number;
  what: Happening;
}

/** Binary min-heap on (at, seq). */
class Agenda {
  private readonly items: Scheduled[] = [];
  private seq = 0;

  push(at: number, what: Happening): void {
    const item: Scheduled = { at, seq: this.seq++, what };
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, items[parent] as Scheduled)) break;
      items[i] = items[parent] as Scheduled;
      i = parent;
    }
    items[i] = item;
  }

  peekTime(): number {
    return this.items[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  pop(): Scheduled | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right] as Scheduled, items[left] as Scheduled) ? right : left;
      if (!before(items[child] as Scheduled, last)) break;
      items[i] = items[child] as Scheduled;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** What differs between demo and erlang mode; every draw goes through the simulator's single Random. */
interface Behaviour {
  ratePerMs(queue: QueueRuntime, atMs: number): number;
  talkMs(queue: QueueRuntime): number;
  /** Hold inside the talk: starts this far into the talk and lasts this long, or null for no hold. */
  hold(talkMs: number): { afterMs: number; lengthMs: number } | null;
  ringMs(): number;
  wrapMs(): number;
  maxWrapMs: number;
  patienceMs(queue: QueueRuntime): number;
  callbackOffer: { afterMs: number; acceptShare: number } | null;
  overflow: { afterMs: number; minWaiting: number } | null;
  breaks: boolean;
  activitiesPerMs: number;
}

// Non-break activities. Only started when they end well before the agent's next planned break, so they never push
// a break back (that is what keeps the disciplined teams' hourly break rates steady).
const ACTIVITY_MIX: { kind: ActivityKind; weight: number; minutes: [number, number] }[] = [
  { kind: 'logout', weight: 0.35, minutes: [2, 6] },
  { kind: 'meeting', weight: 0.25, minutes: [10, 20] },
  { kind: 'training', weight: 0.25, minutes: [15, 25] },
  { kind: 'meal', weight: 0.15, minutes: [28, 32] },
];
const ACTIVITY_MARGIN_MS = 5 * MINUTE_MS;
const OVERFLOW_MIN_GAIN = 3;

export class AcdSimulator {
  /** The site being simulated (in erlang mode, a one-queue, one-team site built from the parameters). */
  readonly site: SiteModel;
  readonly mode: SimulatorMode;
  private readonly startMs: number;
  private readonly random: Random;
  private readonly behaviour: Behaviour;
  private readonly agenda = new Agenda();
  private readonly queues: QueueRuntime[];
  private readonly agents: AgentRuntime[];
  private readonly idPrefix: string;
  private nextEventNumber = 1;
  private nextCallNumber = 1;
  /** Time of the happening being processed: the ts of every event it emits. */
  private clock: number;
  private processedUpTo: number;
  private output: AcdEventInput[] = [];

  constructor(options: SimulatorOptions) {
    if (!Number.isFinite(options.seed)) throw new RangeError('seed must be a finite number');
    if (!Number.isInteger(options.startMs) || options.startMs < 0) throw new RangeError('startMs must be a non-negative integer (epoch ms)');
    this.startMs = options.startMs;
    this.clock = options.startMs;
    this.processedUpTo = options.startMs - 1;
    this.mode = options.mode ?? 'demo';
    this.random = new Random(options.seed);
    // The start time is in the ids so two runs with the same seed (e.g. after a restart) do not reuse ids.
    this.idPrefix = `${options.seed}-${options.startMs.toString(36)}`;

    if (this.mode === 'erlang') {
      if (!options.erlang) throw new TypeError("mode 'erlang' needs the erlang parameters");
      validateErlang(options.erlang);
      this.site = erlangSite(options.erlang);
      this.behaviour = erlangBehaviour(options.erlang, this.random);
    } else {
      this.site = options.site ?? createDemoSite();
      this.behaviour = demoBehaviour(this.site, this.random, options.seed, options.startMs);
    }

    this.queues = this.site.queues.map((profile) => ({
      profile,
      waiting: [],
      servedBy: [],
      overflowTarget: null,
      maxRatePerMs: this.mode === 'erlang' ? profile.peakCallsPerHour / HOUR_MS : maxCallsPerHour(this.site, profile) / HOUR_MS,
    }));
    const queueById = new Map(this.queues.map((q) => [q.profile.id, q]));
    for (const queue of this.queues) {
      const target = queue.profile.overflowTo;
      queue.overflowTarget = target !== undefined && target !== queue.profile.id ? (queueById.get(target) ?? null) : null;
    }

    this.agents = [];
    for (const team of this.site.teams) {
      const teamQueues = team.queues.map((id) => {
        const queue = queueById.get(id);
        if (!queue) throw new RangeError(`team ${team.id} serves unknown queue ${id}`);
        return queue;
      });
      for (const profile of team.agents) {
        const agent: AgentRuntime = {
          profile,
          team,
          queues: teamQueues,
          status: 'logged_out',
          idleSince: options.startMs,
          current: null,
          breakDue: false,
          nextBreakAt: Number.POSITIVE_INFINITY,
          breakEveryMs: profile.breakHabit.everyMinutes * MINUTE_MS,
          breakReserveMs: team.breakRota ? this.site.handling.breakReserveMinutes * MINUTE_MS : 0,
          reservedForBreak: false,
          lingeringInWrap: false,
          pendingActivity: null,
        };
        this.agents.push(agent);
        for (const queue of teamQueues) queue.servedBy.push(agent);
      }
    }

    for (const agent of this.agents) this.schedule(options.startMs, { kind: 'login', agent });
    if (this.behaviour.breaks) this.planFirstBreaks();
    if (this.behaviour.activitiesPerMs > 0) {
      for (const agent of this.agents) this.schedule(this.random.nextArrival(options.startMs, this.behaviour.activitiesPerMs), { kind: 'activityDue', agent });
    }
    for (const queue of this.queues) this.scheduleNextArrival(queue, options.startMs);
  }

  /**
   * Runs every happening up to and including `nowMs` and returns the events they produced, in ts order.
   * Times at or before an earlier call return nothing.
   */
  advanceTo(nowMs: number): AcdEventInput[] {
    const events: AcdEventInput[] = [];
    if (!(nowMs > this.processedUpTo)) return events;
    this.output = events;
    while (this.agenda.peekTime() <= nowMs) {
      const next = this.agenda.pop() as Scheduled;
      this.clock = next.at;
      this.run(next.what);
    }
    this.processedUpTo = nowMs;
    this.output = [];
    // Already in order (happenings run in time order); the stable sort only guards that promise.
    return events.sort((a, b) => (a.ts as number) - (b.ts as number));
  }

  // ---- scheduling ---------------------------------------------------------------------------------------------

  private schedule(at: number, what: Happening): void {
    if (at === Number.POSITIVE_INFINITY) return;
    this.agenda.push(Math.max(this.clock, Math.round(at)), what);
  }

  private scheduleNextArrival(queue: QueueRuntime, fromMs: number): void {
    this.schedule(this.random.nextArrival(fromMs, queue.maxRatePerMs), { kind: 'arrival', queue });
  }

  /**
   * Rota teams: first breaks spread evenly (in a seeded order) over the first 80% of the break period, so every
   * agent's first break ends inside the first period and the very first hour already has one break per agent.
   * Other teams: anywhere in the period.
   */
  private planFirstBreaks(): void {
    for (const team of this.site.teams) {
      const members = this.random.shuffle(this.agents.filter((a) => a.team === team && a.profile.breakHabit.share > 0 && a.breakEveryMs > 0));
      members.forEach((agent, index) => {
        const position = team.breakRota
          ? 0.02 + (0.8 * (index + this.random.uniform(0.2, 0.8))) / members.length
          : this.random.next();
        this.planBreak(agent, this.startMs + Math.round(position * agent.breakEveryMs));
      });
    }
  }

  private planBreak(agent: AgentRuntime, at: number): void {
    agent.nextBreakAt = at;
    if (agent.breakReserveMs > 0) this.schedule(at - agent.breakReserveMs, { kind: 'breakReserve', agent });
    this.schedule(at, { kind: 'breakDue', agent });
  }

  // ---- event output -------------------------------------------------------------------------------------------

  private emit(body: EventBody): void {
    this.output.push({ id: `sim-${this.idPrefix}-${this.nextEventNumber++}`, ts: this.clock, ...body } as AcdEventInput);
  }

  private setState(agent: AgentRuntime, status: Exclude<AgentStatus, 'logged_out'>, reason?: string): void {
    agent.status = status;
    agent.lingeringInWrap = false;
    this.emit(reason === undefined ? { type: 'agent.state', agentId: agent.profile.id, state: status } : { type: 'agent.state', agentId: agent.profile.id, state: status, reason });
  }

  // ---- the happenings -----------------------------------------------------------------------------------------

  private run(what: Happening): void {
    switch (what.kind) {
      case 'login':
        return this.login(what.agent);
      case 'arrival':
        return this.arrival(what.queue);
      case 'answer':
        return this.answer(what.agent);
      case 'holdStart':
        return this.holdStart(what.agent);
      case 'holdEnd':
        return this.holdEnd(what.agent);
      case 'callEnd':
        return this.callEnd(what.agent);
      case 'wrapEnd':
      case 'notReadyEnd':
        return this.becomeAvailable(what.agent);
      case 'breakReserve':
        what.agent.reservedForBreak = true;
        return;
      case 'breakDue':
        return this.breakDue(what.agent);
      case 'activityDue':
        return this.activityDue(what.agent);
      case 'giveUp':
        return this.giveUp(what.call);
      case 'callbackOffer':
        return this.callbackOffer(what.call);
      case 'overflowCheck':
        return this.overflowCheck(what.call);
    }
  }

  private login(agent: AgentRuntime): void {
    this.emit({
      type: 'agent.login',
      agentId: agent.profile.id,
      teamId: agent.team.id,
      name: agent.profile.name,
      queues: agent.queues.map((q) => q.profile.id),
    });
    // Always idle first (what an ACD reports at log-in), then straight on to a break that came due meanwhile.
    agent.idleSince = this.clock;
    this.setState(agent, 'idle');
    if (agent.breakDue) this.startBreak(agent);
    else this.serveNextCall(agent);
  }

  private arrival(queue: QueueRuntime): void {
    // Thinning: candidates come at the queue's maximum rate and are kept with probability rate(t) / max.
    const rate = this.behaviour.ratePerMs(queue, this.clock);
    const accepted = rate >= queue.maxRatePerMs || this.random.next() * queue.maxRatePerMs < rate;
    this.scheduleNextArrival(queue, this.clock);
    if (!accepted) return;
    const call: CallRuntime = {
      id: `call-${this.idPrefix}-${this.nextCallNumber++}`,
      queue,
      queuedAt: this.clock,
      giveUpAt: this.clock + this.behaviour.patienceMs(queue),
      status: 'waiting',
      isOverflow: false,
    };
    this.enqueue(call);
  }

  private enqueue(call: CallRuntime): void {
    const queue = call.queue;
    this.emit({ type: 'call.queued', callId: call.id, queueId: queue.profile.id });
    const agent = this.longestIdleAgent(queue);
    if (agent) return this.assign(agent, call);
    queue.waiting.push(call);
    this.schedule(call.giveUpAt, { kind: 'giveUp', call });
    const { callbackOffer, overflow } = this.behaviour;
    if (callbackOffer && !call.isOverflow) this.schedule(call.queuedAt + callbackOffer.afterMs, { kind: 'callbackOffer', call });
    if (overflow && !call.isOverflow && queue.overflowTarget) this.schedule(call.queuedAt + overflow.afterMs, { kind: 'overflowCheck', call });
  }

  private longestIdleAgent(queue: QueueRuntime): AgentRuntime | null {
    let best: AgentRuntime | null = null;
    for (const agent of queue.servedBy) {
      if (takesCalls(agent) && (best === null || agent.idleSince < best.idleSince)) best = agent;
    }
    return best;
  }

  /** An idle agent takes the oldest call waiting in any of the agent's queues. */
  private serveNextCall(agent: AgentRuntime): void {
    if (!takesCalls(agent)) return;
    let oldest: CallRuntime | null = null;
    for (const queue of agent.queues) {
      const head = queue.waiting[0];
      if (head && (oldest === null || head.queuedAt < oldest.queuedAt)) oldest = head;
    }
    if (oldest) this.assign(agent, oldest);
  }

  private assign(agent: AgentRuntime, call: CallRuntime): void {
    if (agent.status !== 'idle') throw new Error(`simulator bug: ${agent.profile.id} given a call while ${agent.status}`);
    removeFrom(call.queue.waiting, call);
    call.status = 'assigned';
    agent.current = { call, answeredAt: Number.NaN, talkMs: 0, holdMs: 0 };
    const ringMs = this.behaviour.ringMs();
    if (ringMs <= 0) return this.answer(agent);
    this.setState(agent, 'ringing');
    this.schedule(this.clock + ringMs, { kind: 'answer', agent });
  }

  private answer(agent: AgentRuntime): void {
    const current = agent.current as CallInProgress;
    const call = current.call;
    this.emit({ type: 'call.answered', callId: call.id, queueId: call.queue.profile.id, agentId: agent.profile.id });
    this.setState(agent, 'talking');
    current.answeredAt = this.clock;
    const { talkMs, hold } = this.drawCallLength(agent, call.queue);
    current.talkMs = talkMs;
    if (hold) {
      current.holdMs = hold.lengthMs;
      this.schedule(this.clock + hold.afterMs, { kind: 'holdStart', agent });
    } else {
      this.schedule(this.clock + current.talkMs, { kind: 'callEnd', agent });
    }
  }

  /**
   * Talk (and hold) for a call just answered. On a rota team a call must leave room for wrap-up before the
   * agent's planned break: agents keep calls short before a break, and one overrunning call would otherwise make
   * the break late and swing that agent's hourly break rate by half. Drawn by rejection, so calls that fit keep
   * their natural distribution; capped in the rare case no draw fits.
   */
  private drawCallLength(agent: AgentRuntime, queue: QueueRuntime): { talkMs: number; hold: { afterMs: number; lengthMs: number } | null } {
    const roomMs = agent.breakReserveMs > 0 ? agent.nextBreakAt - this.clock - this.behaviour.maxWrapMs : Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 30; attempt++) {
      const talkMs = this.behaviour.talkMs(queue);
      const hold = this.behaviour.hold(talkMs);
      if (talkMs + (hold?.lengthMs ?? 0) <= roomMs) return { talkMs, hold };
    }
    return { talkMs: Math.max(roomMs, 20 * SECOND_MS), hold: null };
  }

  private holdStart(agent: AgentRuntime): void {
    const current = agent.current as CallInProgress;
    this.setState(agent, 'hold');
    this.schedule(this.clock + current.holdMs, { kind: 'holdEnd', agent });
  }

  private holdEnd(agent: AgentRuntime): void {
    const current = agent.current as CallInProgress;
    this.setState(agent, 'talking');
    this.schedule(current.answeredAt + current.talkMs + current.holdMs, { kind: 'callEnd', agent });
  }

  private callEnd(agent: AgentRuntime): void {
    const current = agent.current as CallInProgress;
    current.call.status = 'done';
    agent.current = null;
    this.emit({ type: 'call.ended', callId: current.call.id, agentId: agent.profile.id });
    const wrapMs = this.behaviour.wrapMs();
    if (wrapMs <= 0) return this.becomeAvailable(agent);
    this.setState(agent, 'wrap');
    this.schedule(this.clock + wrapMs, { kind: 'wrapEnd', agent });
  }

  /** After wrap or a not-ready spell: a due break first, then a pending activity, else idle and take a call. */
  private becomeAvailable(agent: AgentRuntime): void {
    if (agent.breakDue) return this.startBreak(agent);
    if (agent.reservedForBreak && agent.status === 'wrap') {
      // Agents about to go on break stretch their wrap-up to the break rather than sit idle refusing calls.
      agent.lingeringInWrap = true;
      return;
    }
    const activity = agent.pendingActivity;
    agent.pendingActivity = null;
    if (activity && this.activityFits(agent, activity)) return this.startActivity(agent, activity);
    agent.idleSince = this.clock;
    this.setState(agent, 'idle');
    this.serveNextCall(agent);
  }

  private breakDue(agent: AgentRuntime): void {
    if (agent.status === 'idle' || agent.lingeringInWrap) this.startBreak(agent);
    else agent.breakDue = true;
  }

  private startBreak(agent: AgentRuntime): void {
    agent.breakDue = false;
    agent.reservedForBreak = false;
    const habit = agent.profile.breakHabit;
    const lengthMs = habit.share * agent.breakEveryMs * (1 + this.random.uniform(-habit.lengthJitter, habit.lengthJitter));
    // The next break keeps to the plan (not to when this one really started), so the agent does one break per
    // period and a late break is followed by a normally timed one. Resynchronise only if this one ran very late.
    const planned = agent.nextBreakAt + agent.breakEveryMs;
    this.planBreak(agent, planned >= this.clock + lengthMs ? planned : this.clock + agent.breakEveryMs);
    this.setState(agent, 'not_ready', 'break');
    this.schedule(this.clock + lengthMs, { kind: 'notReadyEnd', agent });
  }

  private activityDue(agent: AgentRuntime): void {
    this.schedule(this.random.nextArrival(this.clock, this.behaviour.activitiesPerMs), { kind: 'activityDue', agent });
    const activity = this.drawActivity();
    if (agent.status === 'idle') {
      if (this.activityFits(agent, activity)) this.startActivity(agent, activity);
    } else if (agent.pendingActivity === null) {
      agent.pendingActivity = activity;
    }
  }

  private drawActivity(): Activity {
    let pick = this.random.next();
    let chosen = ACTIVITY_MIX[ACTIVITY_MIX.length - 1] as (typeof ACTIVITY_MIX)[number];
    for (const option of ACTIVITY_MIX) {
      if (pick < option.weight) {
        chosen = option;
        break;
      }
      pick -= option.weight;
    }
    return { kind: chosen.kind, lengthMs: this.random.uniform(chosen.minutes[0], chosen.minutes[1]) * MINUTE_MS };
  }

  private activityFits(agent: AgentRuntime, activity: Activity): boolean {
    const breakClaimsAgentAt = agent.nextBreakAt - agent.breakReserveMs;
    return !agent.breakDue && !agent.reservedForBreak && this.clock + activity.lengthMs + ACTIVITY_MARGIN_MS <= breakClaimsAgentAt;
  }

  private startActivity(agent: AgentRuntime, activity: Activity): void {
    if (activity.kind === 'logout') {
      agent.status = 'logged_out';
      this.emit({ type: 'agent.logout', agentId: agent.profile.id });
      this.schedule(this.clock + activity.lengthMs, { kind: 'login', agent });
      return;
    }
    this.setState(agent, 'not_ready', activity.kind);
    this.schedule(this.clock + activity.lengthMs, { kind: 'notReadyEnd', agent });
  }

  private giveUp(call: CallRuntime): void {
    if (call.status !== 'waiting') return;
    this.leaveQueue(call);
    this.emit({ type: 'call.abandoned', callId: call.id, queueId: call.queue.profile.id });
  }

  private callbackOffer(call: CallRuntime): void {
    const offer = this.behaviour.callbackOffer;
    if (call.status !== 'waiting' || !offer || !this.random.chance(offer.acceptShare)) return;
    this.leaveQueue(call);
    this.emit({ type: 'call.callback_requested', callId: call.id, queueId: call.queue.profile.id });
  }

  /**
   * A call waiting long in a deep queue moves to the overflow queue when that one is clearly shorter. It re-enters
   * as a new call `<callId>-o` (with the caller's original patience), so every callId is queued exactly once.
   */
  private overflowCheck(call: CallRuntime): void {
    const overflow = this.behaviour.overflow;
    const from = call.queue;
    const to = from.overflowTarget;
    if (call.status !== 'waiting' || !overflow || !to) return;
    // Only into a clearly shorter queue, so a floor-wide surge does not just shuffle calls around.
    if (from.waiting.length < overflow.minWaiting || to.waiting.length + OVERFLOW_MIN_GAIN > from.waiting.length) return;
    this.leaveQueue(call);
    this.emit({ type: 'call.overflowed', callId: call.id, queueId: from.profile.id, toQueueId: to.profile.id });
    this.enqueue({ id: `${call.id}-o`, queue: to, queuedAt: this.clock, giveUpAt: call.giveUpAt, status: 'waiting', isOverflow: true });
  }

  private leaveQueue(call: CallRuntime): void {
    call.status = 'done';
    removeFrom(call.queue.waiting, call);
  }
}

function takesCalls(agent: AgentRuntime): boolean {
  return agent.status === 'idle' && !agent.reservedForBreak;
}

function removeFrom<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}

function demoBehaviour(site: SiteModel, random: Random, seed: number, startMs: number): Behaviour {
  const h = site.handling;
  const seconds = ([min, max]: [number, number]) => random.uniform(min, max) * SECOND_MS;
  return {
    ratePerMs: (queue, atMs) => (callsPerHourAt(site, queue.profile, atMs) * surgeMultiplierAt(site, seed, startMs, atMs)) / HOUR_MS,
    // Log-normal talk, clipped to 20 s .. 30 min so the odd extreme draw stays believable.
    talkMs: (queue) => Math.min(30 * MINUTE_MS, Math.max(20 * SECOND_MS, random.lognormal(queue.profile.medianHandleSeconds * SECOND_MS, h.talkSigma))),
    hold: (talkMs) => (random.chance(h.holdProbability) ? { afterMs: talkMs * random.uniform(0.25, 0.75), lengthMs: seconds(h.holdSeconds) } : null),
    ringMs: () => seconds(h.ringSeconds),
    wrapMs: () => seconds(h.wrapSeconds),
    maxWrapMs: h.wrapSeconds[1] * SECOND_MS,
    patienceMs: (queue) => random.exponential(queue.profile.meanPatienceSeconds * SECOND_MS),
    callbackOffer: { afterMs: h.callbackOfferAfterSeconds * SECOND_MS, acceptShare: h.callbackAcceptShare },
    overflow: { afterMs: h.overflowAfterSeconds * SECOND_MS, minWaiting: h.overflowMinWaiting },
    breaks: true,
    activitiesPerMs: h.activitiesPerAgentHour / HOUR_MS,
  };
}

function erlangBehaviour(params: ErlangParameters, random: Random): Behaviour {
  const patience = params.meanPatienceSeconds;
  return {
    ratePerMs: () => params.arrivalsPerHour / HOUR_MS,
    talkMs: () => random.exponential(params.meanHandleSeconds * SECOND_MS),
    hold: () => null,
    ringMs: () => 0,
    wrapMs: () => 0,
    maxWrapMs: 0,
    patienceMs: () => (patience === null ? Number.POSITIVE_INFINITY : random.exponential(patience * SECOND_MS)),
    callbackOffer: null,
    overflow: null,
    breaks: false,
    activitiesPerMs: 0,
  };
}

function validateErlang(p: ErlangParameters): void {
  if (!Number.isInteger(p.agents) || p.agents < 1) throw new RangeError('erlang.agents must be a positive integer');
  if (!(p.arrivalsPerHour > 0)) throw new RangeError('erlang.arrivalsPerHour must be positive');
  if (!(p.meanHandleSeconds > 0)) throw new RangeError('erlang.meanHandleSeconds must be positive');
  if (p.meanPatienceSeconds !== null && !(p.meanPatienceSeconds > 0)) throw new RangeError('erlang.meanPatienceSeconds must be positive or null');
}

/** The site erlang mode simulates: queue 'erlang', team 'team-erlang', agents erlang-01.., nobody takes breaks. */
function erlangSite(p: ErlangParameters): SiteModel {
  const width = String(p.agents).length < 2 ? 2 : String(p.agents).length;
  const agents: AgentProfile[] = Array.from({ length: p.agents }, (_, i) => {
    const number = String(i + 1).padStart(width, '0');
    return { id: `erlang-${number}`, name: `Agent ${number}`, breakHabit: { share: 0, everyMinutes: 60, lengthJitter: 0 } };
  });
  return {
    name: 'Erlang test site',
    utcOffsetMinutes: 0,
    hourlyShape: new Array<number>(24).fill(1),
    surge: { everyMinutes: 30, lengthMinutes: 0, multiplier: 1, rampMinutes: 0 },
    handling: {
      talkSigma: 0,
      holdProbability: 0,
      holdSeconds: [0, 0],
      wrapSeconds: [0, 0],
      ringSeconds: [0, 0],
      callbackOfferAfterSeconds: 0,
      callbackAcceptShare: 0,
      overflowAfterSeconds: 0,
      overflowMinWaiting: 0,
      activitiesPerAgentHour: 0,
      breakReserveMinutes: 0,
    },
    queues: [
      {
        id: ERLANG_QUEUE_ID,
        name: 'Erlang queue',
        peakCallsPerHour: p.arrivalsPerHour,
        medianHandleSeconds: p.meanHandleSeconds * Math.LN2,
        meanPatienceSeconds: p.meanPatienceSeconds ?? Number.POSITIVE_INFINITY,
      },
    ],
    teams: [{ id: ERLANG_TEAM_ID, name: 'Erlang', queues: [ERLANG_QUEUE_ID], breakRota: false, agents }],
  };
}
