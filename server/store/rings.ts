// Minute rings: each queue, team and agent keeps its recent minutes of counters in one Redis string, written by the
// apply script with BITFIELD and read here. One read per entity replaces 61 minute hashes, and the string is a few
// hundred bytes instead of 61 keys (docs/performance.md). The layout is defined here only and handed to the Lua script.
//
// Layout (key RING_KEY in keys.ts: r2:q:<id>; r3:t:<id>, the team ring with folded fields; r3:a:<id>, the agent ring
// with a day section): a header, u32 = the latest minute index written (epoch ms / 60000; 0 = empty), then
// RING_SLOTS slots of the kind's fields, untagged. The ring holds exactly the minutes top - RING_SLOTS + 1 .. top,
// minute m in slot m % RING_SLOTS: when top advances, the writer zeroes the slots of the minutes it skips over, so a
// slot can never hold a stale minute and needs no tag of its own. A write to a minute at or before
// top - RING_SLOTS is dropped (no window reaches it). Integers are big-endian, fields packed at bit offsets
// (BITFIELD's bit order), so a field need not fill whole bytes.
//
// An agent ring ends with a day section: u32 = the start of the day period it holds (minute index), then that day's
// totals ("today", once the day is the reader's). A write for a later day starts it afresh; one for an earlier day
// is dropped (nothing reads a day gone by). It saves each agent a day hash of its own: 130 bytes an agent, in the
// ring's spare bytes. The apply script keeps such a ring until its day is over, however quiet the agent.
import { MINUTE_MS } from '../../shared/time.js';
import { MAXIMA } from '../metrics/formulas.js';
import type { BucketKind } from './keys.js';

/**
 * Minutes a ring holds (top - 65 .. top). The longest window is the 60 whole minutes before the current one plus the
 * current one, cur - 60 .. cur, which lies in the ring whenever top <= cur + 5: the reader's clock may be behind the
 * latest minute written, as on the wall clock the ingest accepts events up to 5 minutes ahead of the server clock
 * (server/ingest/pipeline.ts); on the replay clock top <= cur. Lateness needs no slot: a late event's minute is before
 * top, and one past the ring is past every window. (61 slots would do without the clock lead; 66 still keep the agent
 * ring within a 512-byte allocation.)
 */
export const RING_SLOTS = 66;
/** Bits before the first slot: the u32 latest-minute header. */
export const RING_HEADER_BITS = 32;
/** Bits of a day section before its totals: the u32 start of its day period (minute index). */
const DAY_START_BITS = 32;

/** BITFIELD unsigned types used by the layouts (u1..u32 are read by readField). */
type FieldType = `u${number}`;
type Fields = readonly (readonly [name: string, type: FieldType])[];
interface KindLayout {
  fields: Fields;
  /** Counter fields written into another ring field (their sum is all any window needs). */
  folds?: Record<string, string>;
  /** The day section's totals, after its u32 day start. */
  day?: Fields;
}

// Queue fields: en entered, ans answered, ansK answered with a known wait, ansT answered within T, wait (ms, of the
// answered with a known wait), ab abandoned (not short), abS short abandons, abT abandoned after T, cb callbacks
// requested, cbd callbacks made, ovo / ovi overflowed out / in, end calls ended, hand talk+hold ms, wrap ms, mw max
// wait ms, mq most calls waiting at once (seen when a call queued). Maxima are kept plus one, so that 0 is "nothing
// seen" and 1 a call that did not wait. Durations are u32, counts u16 (65,535 calls a minute in one queue; more
// saturates): a queue ring fits 3 KB instead of 5, which counts on a small site with many queues.
// Team fields: time (ms) in each state, not-ready time by category, answered and ended calls of its agents. Ringing
// and outbound time are only ever read together (time on the phone), as are meal and other not-ready time (logged-in
// time), so each pair is folded into one field: 9 durations of u30 (17,000 agent-minutes a minute) and 2 counts put
// the ring in a 2,560-byte allocation instead of 3,584 (which outweighed the rings of a team's agents at 5 a team).
// Agent fields: li logged-in ms, brk break ms, talk ms (u16: a minute holds at most 60,000 ms), answered, ended (u5:
// up to 31 calls in one minute, one every two seconds; more saturates). 58 bits a slot and a 145-bit day section
// (ms as u27: 37 hours; calls as u16) keep the agent ring within a 512-byte allocation (there are as many agent
// rings as agents).
const MS_FIELDS = new Set(['wait', 'hand', 'wrap', 'mw']);
const LAYOUTS: Record<BucketKind, KindLayout> = {
  q: {
    fields: ['en', 'ans', 'ansK', 'ansT', 'wait', 'ab', 'abS', 'abT', 'cb', 'cbd', 'ovo', 'ovi', 'end', 'hand', 'wrap', 'mw', 'mq'].map(
      (f) => [f, MS_FIELDS.has(f) ? 'u32' : 'u16'] as const,
    ),
  },
  t: {
    fields: [
      ...['s:idle', 's:talking', 's:hold', 's:wrap', 's:ringing+outbound', 'c:break', 'c:training', 'c:meeting', 'c:meal+other'].map(
        (f) => [f, 'u30'] as const,
      ),
      ['ans', 'u16'],
      ['end', 'u16'],
    ],
    folds: { 's:ringing': 's:ringing+outbound', 's:outbound': 's:ringing+outbound', 'c:meal': 'c:meal+other', 'c:other': 'c:meal+other' },
  },
  a: {
    fields: [['li', 'u16'], ['brk', 'u16'], ['talk', 'u16'], ['ans', 'u5'], ['end', 'u5']],
    day: [['li', 'u27'], ['brk', 'u27'], ['talk', 'u27'], ['ans', 'u16'], ['end', 'u16']],
  },
};

export interface RingLayout {
  slotBits: number;
  /** Length of the whole ring string: header, RING_SLOTS slots and the day section. */
  bytes: number;
  /** field -> [bit offset within the slot, BITFIELD type] */
  fields: Record<string, [number, FieldType]>;
  /** counter field -> the ring field it is written into (KindLayout.folds) */
  folds: Record<string, string>;
  /** The day section: its bit offset in the ring (its u32 day start there), its length, and field -> [bit offset
   * within the section, type]; null for a kind without one. */
  day: { bit: number; bits: number; fields: Record<string, [number, FieldType]> } | null;
}

const width = (type: FieldType) => Number(type.slice(1));

/** Fields packed one after another from bit `from`: name -> [offset, type], and the bit after the last. */
function pack(list: Fields, from: number): [Record<string, [number, FieldType]>, number] {
  let bit = from;
  const fields: Record<string, [number, FieldType]> = {};
  for (const [name, type] of list) {
    fields[name] = [bit, type];
    bit += width(type);
  }
  return [fields, bit];
}

function layout(kind: BucketKind): RingLayout {
  const { fields: slot, folds = {}, day: dayFields } = LAYOUTS[kind];
  const [fields, slotBits] = pack(slot, 0);
  const dayAt = RING_HEADER_BITS + RING_SLOTS * slotBits;
  const [dayOffsets, dayBits] = dayFields ? pack(dayFields, DAY_START_BITS) : [{}, 0];
  const day = dayFields ? { bit: dayAt, bits: dayBits, fields: dayOffsets } : null;
  return { slotBits, bytes: Math.ceil((dayAt + dayBits) / 8), fields, folds, day };
}

export const RING_LAYOUT: Record<BucketKind, RingLayout> = { q: layout('q'), t: layout('t'), a: layout('a') };

/** Per kind: [field, bit offset in the slot, bits, is a maximum], for the readers' inner loop. */
const READ_FIELDS = Object.fromEntries(
  (['q', 't', 'a'] as const).map((kind) => [
    kind,
    Object.entries(RING_LAYOUT[kind].fields).map(([name, [bit, type]]) => [name, bit, width(type), MAXIMA.has(name)] as const),
  ]),
) as Record<BucketKind, (readonly [string, number, number, boolean])[]>;

/** Totals of one window, by field (ms for durations). */
export type Counters = Record<string, number>;

/** The unsigned big-endian integer of `bits` bits (1..32) at bit offset `at` (0 past the end of the string). */
function readField(ring: Buffer, at: number, bits: number): number {
  const byte = at >>> 3, shift = at & 7;
  // the 32 bits from the field's first byte, moved up past the bits before the field and topped up from the fifth
  // byte, then down to the field's width
  const w = ((ring[byte] ?? 0) << 24) | ((ring[byte + 1] ?? 0) << 16) | ((ring[byte + 2] ?? 0) << 8) | (ring[byte + 3] ?? 0);
  return ((w << shift) | ((ring[byte + 4] ?? 0) >>> (8 - shift))) >>> (32 - bits);
}

/** The latest minute written to a ring (0: none). */
export function ringTop(ring: Buffer | null): number {
  return ring && ring.length >= 4 ? ring.readUInt32BE(0) : 0;
}

/**
 * Sums the minutes firstMinute .. lastMinute (minute indexes, inclusive) of a ring; `mw` and `mq` are maxima. A
 * missing ring (never written, or expired) sums to {}.
 */
export function sumRing(kind: BucketKind, ring: Buffer | null, firstMinute: number, lastMinute: number): Counters {
  const values = sumScratch.fill(0, 0, READ_FIELDS[kind].length);
  addMinutes(kind, ring, firstMinute, lastMinute, values);
  return countersOf(kind, values);
}

/** sumRing's running totals (reused: a sparkline sums 60 minutes of every queue one by one). */
const sumScratch = new Float64Array(32);

/**
 * Adds the stored values of the minutes firstMinute .. lastMinute of a ring into `into`, in RING_FIELDS order: sums
 * added, maxima the largest (stored plus one, see countersOf). Makes no object: a window's sum of an entity with 17
 * fields reads some 1,000 of them.
 */
export function addMinutes(kind: BucketKind, ring: Buffer | null, firstMinute: number, lastMinute: number, into: Float64Array): void {
  const top = ringTop(ring);
  if (!ring || top === 0) return;
  const { slotBits } = RING_LAYOUT[kind];
  const entries = READ_FIELDS[kind];
  const last = Math.min(lastMinute, top);
  for (let m = Math.max(firstMinute, top - RING_SLOTS + 1); m <= last; m++) {
    const base = RING_HEADER_BITS + (m % RING_SLOTS) * slotBits;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const v = readField(ring, base + e[1], e[2]);
      if (v === 0) continue;
      into[i] = e[3] ? Math.max(into[i]!, v) : into[i]! + v;
    }
  }
}

/** The totals in values added by addMinutes: every field seen (a sum that is not 0; a maximum, less the one it is
 * stored plus). */
export function countersOf(kind: BucketKind, values: Float64Array): Counters {
  const out: Counters = {};
  const entries = READ_FIELDS[kind];
  for (let i = 0; i < entries.length; i++) {
    const v = values[i]!;
    if (v !== 0) out[entries[i]![0]] = entries[i]![3] ? v - 1 : v;
  }
  return out;
}

/** Each kind's slot fields, in the order readMinute writes them. */
const fieldNames = (kind: BucketKind) => READ_FIELDS[kind].map(([name]) => name);
export const RING_FIELDS: Record<BucketKind, readonly string[]> = { q: fieldNames('q'), t: fieldNames('t'), a: fieldNames('a') };

/**
 * Writes one minute's stored values of a ring into `into`, in RING_FIELDS order (zeros when the ring does not hold the
 * minute). Makes no object: the snapshot moves every agent's window sums on by a minute with it, 10,000 agents at
 * once when the minute turns. Maxima are stored plus one (see sumRing).
 */
export function readMinute(kind: BucketKind, ring: Buffer | null, minute: number, into: Float64Array): void {
  const entries = READ_FIELDS[kind];
  const top = ringTop(ring);
  if (!ring || top === 0 || minute > top || minute <= top - RING_SLOTS) {
    into.fill(0, 0, entries.length);
    return;
  }
  const base = RING_HEADER_BITS + (minute % RING_SLOTS) * RING_LAYOUT[kind].slotBits;
  for (let i = 0; i < entries.length; i++) into[i] = readField(ring, base + entries[i]![1], entries[i]![2]);
}

/** Per kind with a day section: [field, bit offset in the ring, bits] (a full read reads 10,000 agents' days). */
const DAY_FIELDS = Object.fromEntries(
  (['q', 't', 'a'] as const).map((kind) => {
    const day = RING_LAYOUT[kind].day;
    return [kind, day ? Object.entries(day.fields).map(([name, [bit, type]]) => [name, day.bit + bit, width(type)] as const) : []];
  }),
) as Record<BucketKind, (readonly [string, number, number])[]>;

/** The totals of the day period starting at dayStart (ms) in a ring's day section: {} when it holds another day. */
export function ringDay(kind: BucketKind, ring: Buffer | null, dayStart: number): Counters {
  const day = RING_LAYOUT[kind].day;
  const out: Counters = {};
  if (!ring || !day || readField(ring, day.bit, DAY_START_BITS) !== Math.floor(dayStart / MINUTE_MS)) return out;
  for (const [name, at, bits] of DAY_FIELDS[kind]) {
    const v = readField(ring, at, bits);
    if (v !== 0) out[name] = v;
  }
  return out;
}

/** The per-minute values of a ring for minutes firstMinute .. lastMinute (a sparkline's points); absent minutes are {}. */
export function ringMinutes(kind: BucketKind, ring: Buffer | null, firstMinute: number, lastMinute: number): Counters[] {
  const out: Counters[] = [];
  for (let m = firstMinute; m <= lastMinute; m++) out.push(sumRing(kind, ring, m, m));
  return out;
}
