// The ACD event contract: what every source (HTTP, Redis Stream, simulator, ACD adapters) produces.
// Public API (docs/events.md): extend it, never rename. Validated with zod; unknown fields are stripped.
import { z } from 'zod';

export const AGENT_STATES = ['idle', 'ringing', 'talking', 'hold', 'wrap', 'outbound', 'not_ready'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const NOT_READY_CATEGORIES = ['break', 'meal', 'training', 'meeting', 'other'] as const;
export type NotReadyCategory = (typeof NOT_READY_CATEGORIES)[number];

const id = z.string().trim().min(1, 'must not be empty').max(200, 'longer than 200 characters');
const name = z.string().max(200, 'longer than 200 characters');

/** Event time at the ACD: ISO-8601 with an offset (or Z), or epoch milliseconds. Normalised to epoch ms. */
const timestamp = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true, local: false }).transform((s) => Date.parse(s)),
]);

const base = { id, ts: timestamp };

export const eventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('agent.login'), agentId: id, teamId: id, name: name.optional(), queues: z.array(id).max(500).optional() }),
  z.object({ ...base, type: z.literal('agent.logout'), agentId: id }),
  z.object({ ...base, type: z.literal('agent.state'), agentId: id, state: z.enum(AGENT_STATES), reason: z.string().max(100).optional() }),
  z.object({ ...base, type: z.literal('call.queued'), callId: id, queueId: id }),
  z.object({ ...base, type: z.literal('call.answered'), callId: id, queueId: id, agentId: id }),
  z.object({ ...base, type: z.literal('call.abandoned'), callId: id, queueId: id }),
  z.object({ ...base, type: z.literal('call.callback_requested'), callId: id, queueId: id }),
  z.object({ ...base, type: z.literal('call.overflowed'), callId: id, queueId: id, toQueueId: id }),
  z.object({ ...base, type: z.literal('call.ended'), callId: id, agentId: id.optional() }),
  z.object({ ...base, type: z.literal('call.callback_completed'), callId: id, queueId: id, agentId: id.optional() }),
]);

/** An event after validation: `ts` is epoch milliseconds. */
export type AcdEvent = z.output<typeof eventSchema>;
/** An event as a source may write it (`ts` as ISO string or epoch ms). */
export type AcdEventInput = z.input<typeof eventSchema>;
export type AcdEventType = AcdEvent['type'];
export const EVENT_TYPES = eventSchema.options.map((o) => o.shape.type.value) as AcdEventType[];

export type ParseResult = { ok: true; event: AcdEvent } | { ok: false; error: string };

/** Validates one raw event; the error names the field and the problem, e.g. `state: expected one of idle|...`. */
export function parseEvent(raw: unknown): ParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'event must be a JSON object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: 'type: required (one of ' + EVENT_TYPES.join(', ') + ')' };
  if (!EVENT_TYPES.includes(type as AcdEventType)) return { ok: false, error: `type: unknown event type "${type.slice(0, 60)}"` };
  const result = eventSchema.safeParse(raw);
  if (result.success) return { ok: true, event: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : 'event';
  return { ok: false, error: `${path}: ${issue?.message ?? 'invalid'}` };
}
