// A small seeded PRNG (sfc32, seeded through splitmix32) and the few distributions the simulator needs.
// Deterministic across platforms: only 32-bit integer maths and Math.log/exp/sqrt/cos on the results.

/** splitmix32 step: turns any 32-bit seed (including 0 and small neighbours) into well-spread words. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** Normalises any finite number (negative, fractional, huge) to a 32-bit seed word. */
function seedWord(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  // Fold the high bits in so seeds that differ only above 2^32 still differ.
  return (whole % 0x100000000 ^ Math.floor(whole / 0x100000000)) >>> 0;
}

/** A pure hash of integers to [0, 1): for values that must be a function of (seed, index), not of draw order. */
export function hashToUnit(...parts: number[]): number {
  let state = 0x2545f491;
  for (const part of parts) {
    let [next, out] = splitmix32(state ^ seedWord(part));
    [next, out] = splitmix32(next ^ out);
    state = next ^ out;
  }
  return splitmix32(state)[1] / 0x100000000;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seedWord(seed);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(state);
      state = next;
      words.push(out);
    }
    [this.a, this.b, this.c, this.d] = words as [number, number, number, number];
    // Warm up so the first outputs do not echo the seeding.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 0x100000000;
  }

  /** Uniform in [min, max). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    // 1 - next() lies in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.next());
  }

  /** Normal (Box-Muller; uses two uniforms per draw so the stream never depends on a cached spare). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal given its median (exp of the mean log) and the sd of the log. Right-skewed like real handle times. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Next arrival time of a Poisson process with `ratePerMs` events per millisecond, after `fromMs`. */
  nextArrival(fromMs: number, ratePerMs: number): number {
    if (!(ratePerMs > 0)) return Number.POSITIVE_INFINITY;
    return fromMs + this.exponential(1 / ratePerMs);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Fisher-Yates on a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
