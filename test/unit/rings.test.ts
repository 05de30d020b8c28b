// The minute-ring reader (server/store/rings.ts) on rings built here bit by bit, as BITFIELD lays them out.
import { describe, expect, it } from 'vitest';
import { RING_HEADER_BITS, RING_LAYOUT, RING_SLOTS, ringDay, ringMinutes, ringTop, sumRing } from '../../server/store/rings.js';
import type { BucketKind } from '../../server/store/keys.js';

/** Writes an unsigned big-endian value of `bits` bits at bit offset `at` (BITFIELD's bit order). */
function put(buf: Buffer, at: number, bits: number, value: number) {
  for (let i = 0; i < bits; i++) {
    const bit = Math.floor(value / 2 ** (bits - 1 - i)) % 2;
    const pos = at + i;
    const mask = 0x80 >> (pos & 7);
    buf[pos >> 3] = bit ? buf[pos >> 3]! | mask : buf[pos >> 3]! & ~mask;
  }
}

/** A ring whose latest minute is `top`, holding the given minutes (each must be within the ring). */
function ring(kind: BucketKind, top: number, minutes: Record<number, Record<string, number>>): Buffer {
  const { bytes, slotBits, fields } = RING_LAYOUT[kind];
  const buf = Buffer.alloc(bytes);
  put(buf, 0, 32, top);
  for (const [m, values] of Object.entries(minutes)) {
    const base = RING_HEADER_BITS + (Number(m) % RING_SLOTS) * slotBits;
    for (const [f, v] of Object.entries(values)) {
      const [bit, type] = fields[f]!;
      put(buf, base + bit, Number(type.slice(1)), v);
    }
  }
  return buf;
}

const TOP = 29_500_000; // a minute index in 2026

describe('minute rings', () => {
  it('lays out every kind in whole bytes, the agent ring within a 512-byte allocation', () => {
    expect(RING_SLOTS).toBeGreaterThanOrEqual(61 + 5); // the 60-minute window and the ingest's 5 minutes of clock lead
    // Redis's string header for 256..65535 bytes is 5 bytes, plus the terminating zero
    expect(RING_LAYOUT.a.bytes + 6).toBeLessThanOrEqual(512);
    for (const kind of ['q', 't', 'a'] as const) {
      const dayBits = RING_LAYOUT[kind].day?.bits ?? 0;
      expect(RING_LAYOUT[kind].bytes).toBe(Math.ceil((RING_HEADER_BITS + RING_SLOTS * RING_LAYOUT[kind].slotBits + dayBits) / 8));
    }
    // only the agent ring has a day section, after its slots: u32 day start, three u27 durations, two u16 counts
    expect(RING_LAYOUT.a.day).toMatchObject({ bit: RING_HEADER_BITS + RING_SLOTS * RING_LAYOUT.a.slotBits, bits: 32 + 3 * 27 + 2 * 16 });
    expect(RING_LAYOUT.q.day).toBeNull();
    expect(RING_LAYOUT.t.day).toBeNull();
  });

  it('sums the window minutes held, fields at any bit offset, and no minute outside the window or the ring', () => {
    // agent slots are 58 bits, so they start at every even bit offset of a byte in turn
    const minutes: Record<number, Record<string, number>> = {};
    for (let m = TOP - RING_SLOTS + 1; m <= TOP; m++) minutes[m] = { li: 60_000 - (m % 7), brk: m % 1000, talk: 65_535, ans: m % 32, end: 31 };
    const buf = ring('a', TOP, minutes);
    const expected = (from: number, to: number) => {
      const out: Record<string, number> = {};
      for (let m = Math.max(from, TOP - RING_SLOTS + 1); m <= Math.min(to, TOP); m++)
        for (const [f, v] of Object.entries(minutes[m]!)) if (v) out[f] = (out[f] ?? 0) + v;
      return out;
    };
    for (const [from, to] of [
      [TOP - 60, TOP],
      [TOP - 15, TOP],
      [TOP, TOP],
      [TOP - 100, TOP - 50],
      [TOP - RING_SLOTS - 5, TOP - RING_SLOTS + 1],
      [TOP - 3, TOP + 10],
    ] as const) {
      expect(sumRing('a', buf, from, to), `${from - TOP}..${to - TOP}`).toEqual(expected(from, to));
    }
    // minutes past the ring or after its latest are never read, whatever their slot holds
    expect(sumRing('a', buf, TOP - RING_SLOTS, TOP - RING_SLOTS)).toEqual({});
    expect(sumRing('a', buf, TOP + 1, TOP + RING_SLOTS)).toEqual({});
  });

  it('takes maxima (kept plus one) as maxima and skips zeros', () => {
    const buf = ring('q', TOP, { [TOP]: { en: 3, mw: 1, mq: 5 }, [TOP - 1]: { en: 65_535, mw: 40_001, wait: 4_000_000_000 } });
    expect(sumRing('q', buf, TOP - 1, TOP)).toEqual({ en: 65_538, mw: 40_000, mq: 4, wait: 4_000_000_000 });
    expect(sumRing('q', buf, TOP, TOP)).toEqual({ en: 3, mw: 0, mq: 4 });
    expect(ringMinutes('q', buf, TOP - 2, TOP)).toEqual([{}, { en: 65_535, mw: 40_000, wait: 4_000_000_000 }, { en: 3, mw: 0, mq: 4 }]);
  });

  it('keeps the team ring within a 2,560-byte allocation and reads its 30-bit fields wherever they start in a byte', () => {
    expect(RING_LAYOUT.t.bytes + 6).toBeLessThanOrEqual(2560);
    // 302-bit slots of 30-bit fields: eight minutes in a row start their fields at each even bit offset of a byte
    const minutes: Record<number, Record<string, number>> = {};
    for (let m = TOP - 7; m <= TOP; m++) minutes[m] = { 's:idle': 2 ** 30 - 1 - m % 8, 's:ringing+outbound': 123_456_789 + m % 8, 'c:meal+other': 1, end: 65_535 };
    const buf = ring('t', TOP, minutes);
    for (let m = TOP - 7; m <= TOP; m++) expect(sumRing('t', buf, m, m), `minute ${m - TOP}`).toEqual(minutes[m]);
    // (302 = 37 * 8 + 6: the slots start at offsets 0, 6, 4 and 2 within a byte in turn)
    expect(new Set(Array.from({ length: 8 }, (_, i) => (RING_HEADER_BITS + ((TOP - i) % RING_SLOTS) * RING_LAYOUT.t.slotBits) % 8)).size).toBe(4);
    // the folded fields take the counters written into them; the layout has no field of their own
    expect(RING_LAYOUT.t.folds).toEqual({ 's:ringing': 's:ringing+outbound', 's:outbound': 's:ringing+outbound', 'c:meal': 'c:meal+other', 'c:other': 'c:meal+other' });
    expect(RING_LAYOUT.t.fields['s:ringing']).toBeUndefined();
  });

  it("reads an agent ring's day section for its own day only", () => {
    const day = Date.UTC(2026, 2, 2); // a day period's start, ms
    const buf = ring('a', TOP, { [TOP]: { li: 5 } });
    const { bit, fields } = RING_LAYOUT.a.day!;
    put(buf, bit, 32, day / 60_000);
    const totals = { li: 2 ** 27 - 1, brk: 3_600_001, talk: 1, ans: 65_535, end: 300 };
    for (const [f, v] of Object.entries(totals)) put(buf, bit + fields[f]![0], Number(fields[f]![1].slice(1)), v);
    expect(ringDay('a', buf, day)).toEqual(totals);
    expect(ringDay('a', buf, day + 86_400_000)).toEqual({}); // the next day: nothing yet
    expect(ringDay('a', buf, day - 86_400_000)).toEqual({}); // a day gone by is not kept
    expect(ringDay('a', null, day)).toEqual({});
    // the slots are not touched by it
    expect(sumRing('a', buf, TOP, TOP)).toEqual({ li: 5 });
  });

  it('reads a missing, empty or short ring as nothing', () => {
    expect(sumRing('t', null, TOP - 60, TOP)).toEqual({});
    expect(sumRing('t', Buffer.alloc(RING_LAYOUT.t.bytes), TOP - 60, TOP)).toEqual({});
    expect(ringTop(Buffer.alloc(2))).toBe(0);
    const short = ring('t', TOP, { [TOP]: { 's:idle': 5 } }).subarray(0, 4);
    expect(sumRing('t', short, TOP - 60, TOP)).toEqual({});
  });
});
