// Sorting for the screens' tables: one comparator for text and numbers, missing values (null, NaN) always last
// whichever the direction, and a stable tie-break so rows don't jump between pushes.

export type SortDir = 'asc' | 'desc';

export interface SortState<K extends string = string> {
  key: K;
  dir: SortDir;
}

export type SortValue = string | number | null | undefined;

const collators = new Map<string, Intl.Collator>();
function collator(locale: string): Intl.Collator {
  let c = collators.get(locale);
  if (!c) {
    c = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' });
    collators.set(locale, c);
  }
  return c;
}

const missing = (v: SortValue): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** Compares two values ascending; missing values compare as "after everything". */
export function compareValues(a: SortValue, b: SortValue, locale = 'en'): number {
  const ma = missing(a);
  const mb = missing(b);
  if (ma || mb) return ma === mb ? 0 : ma ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator(locale).compare(String(a), String(b));
}

/**
 * A sorted copy of `rows` by `value(row)` in `dir`; missing values last in both directions; ties keep the order of
 * `tieBreak` (ascending), then the input order.
 */
export function sortRows<T>(
  rows: readonly T[],
  value: (row: T) => SortValue,
  dir: SortDir,
  locale = 'en',
  tieBreak?: (row: T) => SortValue,
): T[] {
  const keyed = rows.map((row, i) => ({ row, i, v: value(row), t: tieBreak?.(row) }));
  const sign = dir === 'asc' ? 1 : -1;
  keyed.sort((a, b) => {
    const ma = missing(a.v);
    const mb = missing(b.v);
    let c = ma || mb ? (ma === mb ? 0 : ma ? 1 : -1) : sign * compareValues(a.v, b.v, locale);
    if (c === 0 && tieBreak) c = compareValues(a.t, b.t, locale);
    return c || a.i - b.i;
  });
  return keyed.map((k) => k.row);
}

/** The next sort state after activating column `key`: same column flips, a new one starts in its natural direction. */
export function nextSort<K extends string>(current: SortState<K>, key: K, firstDir: SortDir = 'asc'): SortState<K> {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: firstDir };
}

/** aria-sort for a header: set only on the sorted column. */
export function ariaSort<K extends string>(state: SortState<K>, key: K): 'ascending' | 'descending' | undefined {
  if (state.key !== key) return undefined;
  return state.dir === 'asc' ? 'ascending' : 'descending';
}
