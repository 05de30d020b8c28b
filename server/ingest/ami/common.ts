// Pieces shared by the two Asterisk adapters (AMI in this folder, queue_log in ../queue-log): the mapping options,
// id helpers, a size-capped map for per-connection state, the agent bookkeeping both mappers use, and the retrying
// delivery to the sink. Nothing here touches the network or files.
import { createHash } from 'node:crypto';
import type { AcdEventInput, AgentState } from '../../../shared/events.js';

/** Where adapters deliver events, in order, one batch at a time. */
export type EventSink = (events: AcdEventInput[]) => Promise<unknown>;

/** The pino-compatible subset adapters log with. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Default waits between attempts when the sink fails: then the batch is dropped (and counted). */
export const DEFAULT_RETRY_DELAYS_MS = [250, 1000, 4000];

/**
 * Calls the sink, retrying after each delay in `delaysMs` while `keepTrying()` holds. Resolves true when delivered,
 * false when given up; never rejects. `onError` is called for every failure.
 */
export async function deliver(
  sink: EventSink,
  batch: AcdEventInput[],
  delaysMs: readonly number[],
  onError: (err: unknown, attempt: number, givingUp: boolean) => void,
  keepTrying: () => boolean = () => true,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await sink(batch);
      return true;
    } catch (err) {
      const givingUp = attempt >= delaysMs.length || !keepTrying();
      onError(err, attempt, givingUp);
      if (givingUp) return false;
      await new Promise((resolve) => setTimeout(resolve, delaysMs[attempt]));
    }
  }
}

/** How Asterisk names are turned into Floorwatch ids. Every field is optional. */
export interface AsteriskMappingConfig {
  /**
   * Member -> team id. The key may be the agent id, the interface (`PJSIP/201`, `Local/201@agents`) or the member
   * name. A member that is not listed belongs to the team named like the first queue it was seen in.
   */
  teams?: Record<string, string>;
  /**
   * Interface or member name -> agent id. Use it when AMI (interfaces) and queue_log (member names, with
   * `log_membername_as_agent = yes`) must produce the same agent ids. Unlisted members keep their interface
   * (AMI) or the queue_log agent column.
   */
  agentIds?: Record<string, string>;
  /** Team for agents seen outside any queue (queue_log AGENTLOGIN lines). @default 'unassigned' */
  defaultTeam?: string;
  /** Asterisk pause reason -> reason code sent to Floorwatch. Unlisted reasons pass through unless `passReasons` is false. */
  reasons?: Record<string, string>;
  /** Send pause reasons that are not in `reasons` unchanged (cut to 100 characters). @default true */
  passReasons?: boolean;
  /**
   * A member whose device is unavailable (AMI Status 5: phone unregistered or unreachable) stays in its queues but
   * cannot take calls. 'not_ready' shows it as not ready with reason 'unavailable'; 'ignore' leaves its state as it was.
   * @default 'not_ready'
   */
  unavailable?: 'not_ready' | 'ignore';
  /**
   * Destination ids (`toQueueId` of call.overflowed) for calls that leave a queue without an agent and without
   * hanging up. Use the id of the backup queue your dialplan sends them to, if there is one.
   * @default { timeout: 'timeout', empty: 'empty', key: 'exitkey', lost: 'lost' }
   */
  exitTo?: { timeout?: string; empty?: string; key?: string; lost?: string };
  /** queue_log EXITWITHKEY digits that mean "call me back": such exits become call.callback_requested. @default [] */
  callbackKeys?: string[];
}

export const DEFAULT_EXIT_TO = { timeout: 'timeout', empty: 'empty', key: 'exitkey', lost: 'lost' } as const;

export function exitTarget(config: AsteriskMappingConfig, kind: keyof typeof DEFAULT_EXIT_TO): string {
  return cleanId(config.exitTo?.[kind]) ?? DEFAULT_EXIT_TO[kind];
}

const ID_MAX = 200;
const REASON_MAX = 100;
const NAME_MAX = 200;

/** A usable id (trimmed, 1..200 characters) or undefined. Longer ids are shortened with a hash so they stay unique. */
export function cleanId(raw: string | undefined | null): string | undefined {
  if (raw == null) return undefined;
  const s = raw.trim();
  if (s === '') return undefined;
  return s.length <= ID_MAX ? s : s.slice(0, ID_MAX - 17) + '~' + shortHash(s, 16);
}

export function cleanName(raw: string | undefined): string | undefined {
  const s = raw?.trim();
  return s ? s.slice(0, NAME_MAX) : undefined;
}

/** The reason code sent for an Asterisk pause reason, or undefined when there is none (or it is not passed). */
export function mapReason(config: AsteriskMappingConfig, raw: string | undefined): string | undefined {
  const s = raw?.trim();
  if (!s) return undefined;
  const mapped = config.reasons?.[s];
  if (mapped !== undefined) return mapped.trim().slice(0, REASON_MAX) || undefined;
  if (config.passReasons === false) return undefined;
  return s.slice(0, REASON_MAX);
}

export function resolveAgentId(config: AsteriskMappingConfig, ...keys: Array<string | undefined>): string | undefined {
  for (const k of keys) {
    const mapped = k !== undefined ? config.agentIds?.[k] : undefined;
    if (mapped !== undefined && cleanId(mapped)) return cleanId(mapped);
  }
  for (const k of keys) {
    const id = cleanId(k);
    if (id) return id;
  }
  return undefined;
}

export function resolveTeam(config: AsteriskMappingConfig, fallback: string | undefined, ...keys: Array<string | undefined>): string {
  for (const k of keys) {
    if (k === undefined) continue;
    const t = cleanId(config.teams?.[k]);
    if (t) return t;
  }
  return cleanId(fallback) ?? cleanId(config.defaultTeam) ?? 'unassigned';
}

export function shortHash(text: string, length = 10): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/** A Map that forgets its oldest entries beyond `max` (insertion order; `touch` moves an entry to the end). */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    super.set(key, value);
    while (this.size > this.max) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      super.delete(oldest.value);
    }
    return this;
  }
}

/**
 * Makes event ids unique within one mapper state: the first use of a base id keeps it, later uses get `#2`, `#3`...
 * Bases are built from what the event is (call id + outcome, agent + state + time), so the same input replayed into a
 * fresh state gives the same ids and Floorwatch drops the copies.
 */
export function uniqueId(seen: BoundedMap<string, number>, base: string): string {
  const id = base.length <= ID_MAX ? base : base.slice(0, ID_MAX - 17) + '~' + shortHash(base, 16);
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  return n === 1 ? id : `${id}#${n}`.slice(-ID_MAX);
}

// ------------------------------------------------------------------------------------------------ agent tracking
// Both adapters keep the same small record per agent so that they never send an unchanged state twice and never send
// a state for an agent they have not logged in.

export interface AgentTrack {
  agentId: string;
  name?: string;
  teamId: string;
  queues: string[];
  /** Last state sent (undefined right after a login, so the next state is always sent). */
  sent?: { state: AgentState; reason?: string };
  paused: boolean;
  pausedReason?: string;
}

export interface AgentBook {
  agents: Map<string, AgentTrack>;
  ids: BoundedMap<string, number>;
}

export function newAgentBook(): AgentBook {
  return { agents: new Map(), ids: new BoundedMap(20_000) };
}

/** Builds the id of an agent event: `kind` is login, logout or state (`detail` is then the state). */
export type AgentEventId = (kind: 'login' | 'logout' | 'state', agentId: string, detail?: string) => string;

/**
 * Makes sure the agent is logged in and serves `queue` (when given). Emits agent.login for a new agent or when its
 * queue list grew. Returns the record and whether it is new.
 */
export function ensureAgent(
  book: AgentBook,
  out: AcdEventInput[],
  ts: number,
  idOf: AgentEventId,
  agentId: string,
  teamId: string,
  queue: string | undefined,
  name: string | undefined,
): { agent: AgentTrack; isNew: boolean } {
  let a = book.agents.get(agentId);
  const isNew = !a;
  let changed = isNew;
  if (!a) {
    a = { agentId, teamId, queues: [], paused: false };
    book.agents.set(agentId, a);
  }
  if (name && a.name !== name) {
    a.name = name;
    changed = true;
  }
  if (queue && !a.queues.includes(queue)) {
    a.queues.push(queue);
    changed = true;
  }
  if (changed) out.push(loginEvent(a, ts, idOf));
  return { agent: a, isNew };
}

function loginEvent(a: AgentTrack, ts: number, idOf: AgentEventId): AcdEventInput {
  const ev: AcdEventInput = { id: idOf('login', a.agentId), ts, type: 'agent.login', agentId: a.agentId, teamId: a.teamId };
  if (a.name) ev.name = a.name;
  if (a.queues.length) ev.queues = a.queues.slice(0, 500);
  return ev;
}

/**
 * Removes `queue` from the agent (every queue when undefined). Emits agent.logout when none is left, else agent.login
 * with the shorter queue list.
 */
export function dropAgentQueue(book: AgentBook, out: AcdEventInput[], ts: number, idOf: AgentEventId, agentId: string, queue: string | undefined): void {
  const a = book.agents.get(agentId);
  if (!a) return;
  const before = a.queues.length;
  a.queues = queue === undefined ? [] : a.queues.filter((q) => q !== queue);
  if (a.queues.length > 0) {
    if (a.queues.length !== before) out.push(loginEvent(a, ts, idOf));
    return;
  }
  book.agents.delete(agentId);
  out.push({ id: idOf('logout', agentId), ts, type: 'agent.logout', agentId });
}

/** Emits agent.state unless it equals the last one sent. */
export function sendState(out: AcdEventInput[], ts: number, idOf: AgentEventId, a: AgentTrack, state: AgentState, reason?: string): void {
  if (a.sent && a.sent.state === state && a.sent.reason === reason) return;
  a.sent = reason === undefined ? { state } : { state, reason };
  const ev: AcdEventInput = { id: idOf('state', a.agentId, state), ts, type: 'agent.state', agentId: a.agentId, state };
  if (reason !== undefined) ev.reason = reason;
  out.push(ev);
}
