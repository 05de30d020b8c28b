// Minute rings: each queue, team and agent keeps its last 64 minutes of counters in one Redis string, written by the
// apply script with BITFIELD and read here. One read per entity replaces 61 minute hashes, and the string is a few
// hundred bytes instead of 61 keys (docs/performance.md). The layout is defined here only and handed to the Lua script.
//
// A slot is [tag u32 = minute index (epoch ms / 60000), then the kind's fields]; minute m lives in slot m % SLOTS. A
// write to minute m resets the slot when its tag is older and is dropped when it is newer (m is then past the ring).
// Integers are big-endian (BITFIELD's bit order).
import { MAXIMA } from '../metrics/formulas.js';
import type { BucketKind } from './keys.js';

export const RING_SLOTS = 64;

type FieldType = 'u16' | 'u32';
interface KindLayout {
  fields: readonly (readonly [name: string, type: FieldType])[];
}

// Queue fields: en entered, ans answered, ansK answered with a known wait, ansT answered within T, wait (ms, of the
// answered with a known wait), ab abandoned (not short), abS short abandons, abT abandoned after T, cb callbacks
// requested, cbd callbacks made, ovo / ovi overflowed out / in, end calls ended, hand talk+hold ms, wrap ms, mw max
// wait ms, mq most calls waiting at once (seen when a call queued). Maxima are kept plus one, so that 0 is "nothing
// seen" and 1 a call that did not wait.
// Team fields: time (ms) in each state, not-ready time by category, answered and ended calls of its agents.
// Agent fields (u16: a minute holds at most 60,000 ms): li logged-in ms, brk break ms, talk ms, answered, ended.
const LAYOUTS: Record<BucketKind, KindLayout> = {
  q: {
    fields: ['en', 'ans', 'ansK', 'ansT', 'wait', 'ab', 'abS', 'abT', 'cb', 'cbd', 'ovo', 'ovi', 'end', 'hand', 'wrap', 'mw', 'mq'].map(
      (f) => [f, 'u32'] as const,
    ),
  },
  t: {
    fields: [
      's:idle', 's:ringing', 's:talking', 's:hold', 's:wrap', 's:outbound',
      'c:break', 'c:meal', 'c:training', 'c:meeting', 'c:other', 'ans', 'end',
    ].map((f) => [f, 'u32'] as const),
  },
  a: { fields: [['li', 'u16'], ['brk', 'u16'], ['talk', 'u16'], ['ans', 'u16'], ['end', 'u16']] },
};

const BITS: Record<FieldType, number> = { u16: 16, u32: 32 };

export interface RingLayout {
  slotBytes: number;
  /** field -> [bit offset within the slot, BITFIELD type] */
  fields: Record<string, [number, FieldType]>;
}

function layout(kind: BucketKind): RingLayout {
  let bit = 32; // after the tag
  const fields: RingLayout['fields'] = {};
  for (const [name, type] of LAYOUTS[kind].fields) {
    fields[name] = [bit, type];
    bit += BITS[type];
  }
  return { slotBytes: bit / 8, fields };
}

export const RING_LAYOUT: Record<BucketKind, RingLayout> = { q: layout('q'), t: layout('t'), a: layout('a') };

/** Totals of one window, by field (ms for durations). */
export type Counters = Record<string, number>;

/**
 * Sums the minutes firstMinute .. lastMinute (minute indexes, inclusive) of a ring; `mw` is a maximum. A missing ring
 * (never written, or expired) sums to {}.
 */
export function sumRing(kind: BucketKind, ring: Buffer | null, firstMinute: number, lastMinute: number): Counters {
  const out: Counters = {};
  if (!ring) return out;
  const { slotBytes, fields } = RING_LAYOUT[kind];
  const entries = Object.entries(fields);
  for (let s = 0; s < RING_SLOTS; s++) {
    const base = s * slotBytes;
    if (base + slotBytes > ring.length) break;
    const tag = ring.readUInt32BE(base);
    if (tag < firstMinute || tag > lastMinute || tag === 0) continue;
    for (const [name, [bit, type]] of entries) {
      const at = base + bit / 8;
      const v = type === 'u16' ? ring.readUInt16BE(at) : ring.readUInt32BE(at);
      if (v === 0) continue;
      if (MAXIMA.has(name)) out[name] = Math.max(out[name] ?? 0, v - 1);
      else out[name] = (out[name] ?? 0) + v;
    }
  }
  return out;
}

/** The per-minute values of a ring for minutes firstMinute .. lastMinute (a sparkline's points); absent minutes are {}. */
export function ringMinutes(kind: BucketKind, ring: Buffer | null, firstMinute: number, lastMinute: number): Counters[] {
  const out: Counters[] = [];
  for (let m = firstMinute; m <= lastMinute; m++) out.push(sumRing(kind, ring, m, m));
  return out;
}
