// The column definitions of the console's sortable tables (queues, teams, duty log): label, the formula shown on
// hover and focus, the first sort direction, and the value to sort by.
import type { Thresholds } from '../../../../shared/snapshot.js';
import type { Lang, MessageKey } from '../i18n.js';
import { explain, type FormulaWindow, type MetricKey } from '../formulas.js';
import { sortRows, type SortDir, type SortState, type SortValue } from '../sort.js';

export interface ColDef<R> {
  label: MessageKey;
  /** The figure's formula (tooltip and description); labels have none. */
  metric?: MetricKey;
  window?: FormulaWindow;
  firstDir?: SortDir;
  /** Right-aligned figure (default: every column but the first). */
  num?: boolean;
  value: (row: R) => SortValue;
}

export type Columns<C extends string, R> = [C, ColDef<R>][];

/** Each figure column's formula and window, in the screen's language. */
export function columnTips<C extends string, R>(
  cols: Columns<C, R>,
  lang: Lang,
  ctx: { thresholds?: Thresholds | undefined; timeZone?: string | undefined },
): Partial<Record<C, string>> {
  const out: Partial<Record<C, string>> = {};
  for (const [c, d] of cols) if (d.metric) out[c] = explain(lang, d.metric, d.window ?? 'now', ctx);
  return out;
}

/** Rows sorted by the sorted column (the first column when the key is unknown). */
export function sortByColumn<C extends string, R>(
  rows: readonly R[],
  cols: Columns<C, R>,
  sort: SortState,
  locale: string,
  tieBreak?: (row: R) => SortValue,
): R[] {
  const def = cols.find(([c]) => c === sort.key)?.[1] ?? cols[0]![1];
  return sortRows(rows, def.value, sort.dir, locale, tieBreak);
}
