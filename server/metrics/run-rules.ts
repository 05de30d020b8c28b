// Run rules of statistical process control on a series (docs/metrics.md, "AHT run rules"). Pure.
//
// The seed handbook asks to watch AHT's trend for special causes with the "6, 9" rules (Nelson's rules 3 and 2):
// - trend: 6 points in a row, each strictly higher (or lower) than the one before;
// - shift: 9 points in a row strictly on one side of the centre line.
// The centre line is the trailing mean: the mean of the (up to `baseline`) points just before the run, so the run
// itself does not pull the line towards it; a shift needs at least `minBaseline` of them. A missing point (an interval
// with too few calls) ends a run. Runs longer than the minimum are reported once, at full length.

export interface RunRuleOptions {
  trendLength: number;
  shiftLength: number;
  baseline: number;
  minBaseline: number;
}

export const DEFAULT_RUN_RULES: RunRuleOptions = { trendLength: 6, shiftLength: 9, baseline: 16, minBaseline: 8 };

export interface Run {
  rule: 'trend' | 'shift';
  direction: 'up' | 'down';
  /** Index of the first and last point of the run. */
  first: number;
  last: number;
  /** The centre line of a shift. */
  centre: number | null;
}

export function findRuns(values: readonly (number | null)[], o: RunRuleOptions = DEFAULT_RUN_RULES): Run[] {
  return [...trends(values, o.trendLength), ...shifts(values, o)].sort((a, b) => a.first - b.first || a.last - b.last);
}

function trends(values: readonly (number | null)[], length: number): Run[] {
  const runs: Run[] = [];
  let start = 0;
  let direction: 'up' | 'down' | null = null;
  const close = (end: number) => {
    if (direction && end - start + 1 >= length) runs.push({ rule: 'trend', direction, first: start, last: end, centre: null });
  };
  for (let i = 1; i <= values.length; i++) {
    const prev = values[i - 1];
    const cur = i < values.length ? values[i] : null;
    const step: 'up' | 'down' | null = prev === null || prev === undefined || cur === null || cur === undefined || cur === prev ? null : cur > prev ? 'up' : 'down';
    if (step !== null && step === direction) continue;
    close(i - 1);
    // a change of direction: the turning point starts the new run
    direction = step;
    start = step === null ? i : i - 1;
  }
  return runs;
}

function shifts(values: readonly (number | null)[], o: RunRuleOptions): Run[] {
  const runs: Run[] = [];
  let i = 0;
  while (i < values.length) {
    const centre = trailingMean(values, i, o);
    const v = values[i];
    if (centre === null || v === null || v === undefined || v === centre) {
      i++;
      continue;
    }
    // extend the run while points stay on the same side of this run's centre line
    const direction = v > centre ? 'up' : 'down';
    let j = i;
    while (j + 1 < values.length) {
      const next = values[j + 1];
      if (next === null || next === undefined || next === centre || (next > centre ? 'up' : 'down') !== direction) break;
      j++;
    }
    if (j - i + 1 >= o.shiftLength) {
      runs.push({ rule: 'shift', direction, first: i, last: j, centre });
      i = j + 1;
    } else {
      i++;
    }
  }
  return runs;
}

/** The mean of the up to `baseline` non-missing points before index i, or null with fewer than `minBaseline`. */
function trailingMean(values: readonly (number | null)[], i: number, o: RunRuleOptions): number | null {
  const before = values.slice(Math.max(0, i - o.baseline), i).filter((v): v is number => v !== null);
  if (before.length < o.minBaseline) return null;
  return before.reduce((a, b) => a + b, 0) / before.length;
}
