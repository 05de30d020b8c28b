// Queueing formulas for checking measured call-centre figures against theory.
//
// Erlang C: M/M/c, callers never hang up (A. K. Erlang, "Solution of some problems in the theory of probabilities of
// significance in automatic telephone exchanges", 1917; as in D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris,
// "Fundamentals of Queueing Theory", 4th ed., Wiley 2008, section 2.3, and L. Kleinrock, "Queueing Systems", vol. 1,
// Wiley 1975, section 3.5). Closed forms.
//
// Erlang A: M/M/c+M, callers hang up after an exponential patience (O. Garnett, A. Mandelbaum, M. Reiman, "Designing a
// call center with impatient customers", Manufacturing & Service Operations Management 4(3):208-227, 2002). Computed
// here by the method that is easiest to check rather than by their closed forms in incomplete gamma functions:
//   1. the number of callers in the system is a birth-death chain (births lambda; deaths n*mu for n <= c and
//      c*mu + (n - c)*theta above, theta = 1 / mean patience), solved exactly and truncated where a geometric bound
//      on the remaining probability is below 1e-16 (death rates never decrease, so the tail falls at least
//      geometrically once they exceed lambda);
//   2. an arriving caller sees the chain's stationary law (PASTA). One who finds k callers queued ahead (FCFS) reaches
//      an agent after V = the sum of k + 1 exponential phases with rates r_j = c*mu + j*theta (j = k..0: the next
//      service completion or an abandonment of one of the j ahead), and is served if V < own patience ~ Exp(theta).
//      So P(served) = E[exp(-theta V)] = prod r_j / (r_j + theta), E[V; served] = P(served) * sum 1 / (r_j + theta), and
//      P(served by t) = P(served) * P(V' <= t) with V' the sum of phases with rates r_j + theta (exponential tilting).
//      Distribution functions of such sums ("hypoexponential") are computed by uniformisation (a Poisson mixture of
//      the jump chain), which only adds positive terms and so is numerically stable.
// The two routes give the same P(abandon) and mean wait (abandon rate = theta * E[queue] by rate balance; mean wait =
// E[queue] / lambda by Little's law); the tests check that, and the limits theta -> 0 (Erlang C) and theta = mu
// (the number in system is then Poisson(a) exactly, as in M/M/infinity).

export interface QueueParameters {
  agents: number;
  arrivalsPerHour: number;
  meanHandleSeconds: number;
}

/** What both models give; times in seconds, t is the service-level threshold T. */
export interface QueueFigures {
  /** Probability an arriving caller has to wait (finds every agent busy). */
  pWait: number;
  /** Probability a caller abandons (0 for Erlang C). */
  pAbandon: number;
  /** Mean wait of served callers (the wallboard's ASA). */
  asaSeconds: number;
  /** Mean wait of all callers (served or not). */
  meanWaitSeconds: number;
  /** Share of agents' logged-in time spent talking: carried load / agents = lambda (1 - pAbandon) / (c mu). */
  utilisation: number;
  /** P(served with wait <= t). */
  pAnsweredWithin(t: number): number;
  /** P(abandoned with wait > t). */
  pAbandonedAfter(t: number): number;
  /** Floorwatch's service level: answered within t / (answered + abandoned after t) (docs/metrics.md). */
  serviceLevel(t: number): number;
}

const load = (p: QueueParameters) => (p.arrivalsPerHour * p.meanHandleSeconds) / 3600;

/** Erlang B blocking probability by the standard stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)). */
export function erlangB(agents: number, offeredLoad: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/**
 * Erlang C (M/M/c, no abandonment). With a = lambda/mu < c: C = c B / (c - a (1 - B)); the wait is 0 with probability
 * 1 - C and otherwise exponential with rate c mu - lambda, so P(W > t) = C exp(-(c mu - lambda) t) and
 * E[W] = C / (c mu - lambda) (Gross et al. 2008, eqs. 2.30-2.33).
 */
export function erlangC(p: QueueParameters): QueueFigures {
  const a = load(p);
  const c = p.agents;
  if (!(a < c)) throw new RangeError(`Erlang C needs a load below the number of agents (a = ${a}, c = ${c})`);
  const b = erlangB(c, a);
  const C = (c * b) / (c - a * (1 - b));
  const drain = (c - a) / p.meanHandleSeconds; // c mu - lambda, per second
  const asa = C / drain;
  return {
    pWait: C,
    pAbandon: 0,
    asaSeconds: asa,
    meanWaitSeconds: asa,
    utilisation: a / c,
    pAnsweredWithin: (t) => 1 - C * Math.exp(-drain * t),
    pAbandonedAfter: () => 0,
    serviceLevel: (t) => 1 - C * Math.exp(-drain * t),
  };
}

/**
 * P(sum of exponential phases with rates rates[k], rates[k-1], ..., rates[0] <= t), for every k at once, by
 * uniformisation: with L >= every rate, the number of jumps by t is Poisson(L t) and each jump finishes the current
 * phase with probability rate / L. Terms are added until the Poisson tail is below 1e-15.
 */
export function hypoexponentialCdfs(rates: readonly number[], t: number): number[] {
  const L = Math.max(...rates);
  const K = rates.length;
  const cdf = new Array<number>(K).fill(0);
  if (t <= 0) return cdf;
  const lt = L * t;
  // done[k] = P(all phases from k down to 0 finished within m jumps); done[-1] = 1.
  let done = new Array<number>(K).fill(0);
  let logWeight = -lt; // log Poisson(m; L t), m = 0
  let mass = 0;
  for (let m = 0; ; m++) {
    if (m > 0) {
      const next = new Array<number>(K);
      for (let k = 0; k < K; k++) {
        const q = rates[k]! / L;
        next[k] = q * (k === 0 ? 1 : done[k - 1]!) + (1 - q) * done[k]!;
      }
      done = next;
      logWeight += Math.log(lt / m);
    }
    const w = Math.exp(logWeight);
    mass += w;
    for (let k = 0; k < K; k++) cdf[k]! += w * done[k]!;
    if (m > lt && 1 - mass < 1e-15) break;
    if (m > lt + 50 * Math.sqrt(lt) + 100) break; // the tail is far below 1e-15 by then
  }
  return cdf;
}

export interface ErlangAParameters extends QueueParameters {
  meanPatienceSeconds: number;
}

/** Erlang A (M/M/c+M): see the head of this file for the method. */
export function erlangA(p: ErlangAParameters): QueueFigures & { meanQueue: number; pAbandonByRateBalance: number; meanWaitByLittle: number } {
  const c = p.agents;
  const lambda = p.arrivalsPerHour / 3600;
  const mu = 1 / p.meanHandleSeconds;
  const theta = 1 / p.meanPatienceSeconds;
  if (!(theta > 0)) throw new RangeError('Erlang A needs a finite, positive mean patience');

  // 1. the birth-death chain, unnormalised weights w[n] = prod lambda / death(i), i = 1..n
  const death = (n: number) => (n <= c ? n * mu : c * mu + (n - c) * theta);
  const w = [1];
  let sum = 1;
  for (let n = 1; ; n++) {
    w.push((w[n - 1]! * lambda) / death(n));
    sum += w[n]!;
    // from here on each weight is at most `ratio` times the one before, so the rest is below w[n] ratio / (1 - ratio)
    const ratio = lambda / death(n + 1);
    if (n > c && ratio < 1 && (w[n]! * ratio) / (1 - ratio) < 1e-16 * sum) break;
  }
  const total = w.reduce((s, x) => s + x, 0);
  const pi = w.map((x) => x / total);
  const K = pi.length - c; // queue lengths 0..K-1 seen by arrivals who wait
  const ahead = (k: number) => pi[c + k] ?? 0; // P(an arrival finds k callers queued, all agents busy)
  const meanQueue = pi.reduce((s, x, n) => s + x * Math.max(0, n - c), 0);

  // 2. the tagged caller
  const r = Array.from({ length: K }, (_, j) => c * mu + j * theta);
  const served: number[] = []; // P(served | k ahead)
  const servedWait: number[] = []; // E[V; served | k ahead]
  const meanWaitAll: number[] = []; // E[min(V, patience) | k ahead]
  let prod = 1;
  let sumInv = 0;
  for (let k = 0; k < K; k++) {
    // phases run k, k-1, ..., 0: phase j is reached with probability prod_{i > j} r_i / (r_i + theta)
    prod *= r[k]! / (r[k]! + theta);
    sumInv += 1 / (r[k]! + theta);
    served.push(prod);
    servedWait.push(prod * sumInv);
  }
  for (let k = 0; k < K; k++) {
    let reach = 1;
    let m = 0;
    for (let j = k; j >= 0; j--) {
      m += reach / (r[j]! + theta);
      reach *= r[j]! / (r[j]! + theta);
    }
    meanWaitAll.push(m);
  }
  const pWait = pi.slice(c).reduce((s, x) => s + x, 0);
  const pServedNoWait = 1 - pWait;
  let pServed = pServedNoWait;
  let waitServed = 0;
  let waitAll = 0;
  for (let k = 0; k < K; k++) {
    pServed += ahead(k) * served[k]!;
    waitServed += ahead(k) * servedWait[k]!;
    waitAll += ahead(k) * meanWaitAll[k]!;
  }
  const pAbandon = 1 - pServed;

  const cache = new Map<number, { within: number; abandonedAfter: number }>();
  const at = (t: number) => {
    let v = cache.get(t);
    if (v) return v;
    const tilted = hypoexponentialCdfs(r.map((x) => x + theta), t); // P(V' <= t)
    const plain = hypoexponentialCdfs(r, t); // P(V <= t)
    let within = pServedNoWait;
    let abandonedAfter = 0;
    for (let k = 0; k < K; k++) {
      const servedByT = served[k]! * tilted[k]!;
      const waitingAtT = Math.exp(-theta * t) * (1 - plain[k]!);
      const abandonedByT = 1 - servedByT - waitingAtT;
      within += ahead(k) * servedByT;
      abandonedAfter += ahead(k) * (1 - served[k]! - abandonedByT);
    }
    v = { within, abandonedAfter };
    cache.set(t, v);
    return v;
  };

  return {
    pWait,
    pAbandon,
    asaSeconds: waitServed / pServed,
    meanWaitSeconds: waitAll,
    utilisation: pi.reduce((s, x, n) => s + x * Math.min(n, c), 0) / c,
    pAnsweredWithin: (t) => at(t).within,
    pAbandonedAfter: (t) => at(t).abandonedAfter,
    serviceLevel: (t) => at(t).within / (pServed + at(t).abandonedAfter),
    meanQueue,
    pAbandonByRateBalance: (theta * meanQueue) / lambda,
    meanWaitByLittle: meanQueue / lambda,
  };
}
