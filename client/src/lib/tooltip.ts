// One floating tooltip for a whole screen: any element inside the screen with a `data-tip` attribute shows that text
// on mouse hover AND on keyboard focus (a native `title` shows on hover only). Delegated: one listener set per screen,
// so a virtualised table with thousands of rows costs nothing extra. Screen readers get the same text through
// aria-describedby (see Explain in the tables); the tooltip element itself is aria-hidden to avoid reading it twice.
// Escape hides it (WCAG 1.4.13).

let tipEl: HTMLDivElement | null = null;
let owner: HTMLElement | null = null;

function element(): HTMLDivElement {
  if (!tipEl) {
    tipEl = document.createElement('div');
    tipEl.className = 'fw-tooltip';
    tipEl.setAttribute('aria-hidden', 'true');
    tipEl.hidden = true;
    document.body.appendChild(tipEl);
  }
  return tipEl;
}

function show(target: HTMLElement): void {
  const text = target.dataset.tip;
  if (!text) return hide();
  const el = element();
  owner = target;
  el.textContent = text;
  el.hidden = false;
  const r = target.getBoundingClientRect();
  const w = el.offsetWidth;
  const h = el.offsetHeight;
  const margin = 8;
  let left = Math.min(Math.max(margin, r.left + r.width / 2 - w / 2), window.innerWidth - w - margin);
  let top = r.bottom + 6;
  if (top + h > window.innerHeight - margin) top = Math.max(margin, r.top - h - 6);
  left = Math.max(margin, left);
  el.style.left = `${Math.round(left)}px`;
  el.style.top = `${Math.round(top)}px`;
}

function hide(): void {
  owner = null;
  if (tipEl) tipEl.hidden = true;
}

function tipTarget(node: HTMLElement, e: Event): HTMLElement | null {
  const t = e.target;
  if (!(t instanceof Element)) return null;
  const found = t.closest<HTMLElement>('[data-tip]');
  return found && node.contains(found) ? found : null;
}

/** Svelte action for a screen's root element. */
export function tips(node: HTMLElement) {
  const over = (e: Event) => {
    const t = tipTarget(node, e);
    if (t && t !== owner) show(t);
    else if (!t && owner && !owner.contains(document.activeElement)) hide();
  };
  const focus = (e: Event) => {
    const t = tipTarget(node, e);
    if (t) show(t);
  };
  const leave = () => hide();
  const key = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && owner) hide();
  };
  // A focused figure keeps its tooltip through scrolling (arrow keys scroll the table); a hovered one loses it.
  const scroll = () => {
    if (!owner) return;
    const active = document.activeElement;
    if (active && (owner === active || owner.contains(active))) show(owner);
    else hide();
  };
  node.addEventListener('mouseover', over);
  node.addEventListener('mouseleave', leave);
  node.addEventListener('focusin', focus);
  node.addEventListener('focusout', leave);
  node.addEventListener('keydown', key);
  window.addEventListener('scroll', scroll, true);
  return {
    destroy() {
      node.removeEventListener('mouseover', over);
      node.removeEventListener('mouseleave', leave);
      node.removeEventListener('focusin', focus);
      node.removeEventListener('focusout', leave);
      node.removeEventListener('keydown', key);
      window.removeEventListener('scroll', scroll, true);
      hide();
    },
  };
}

/**
 * Arrow-key movement between the cells of a table (the ARIA grid keys, without making every cell a tab stop):
 * Up/Down/Left/Right, Home/End in a row, Ctrl+Home/End for the first/last row. A header cell's button takes the
 * focus for it. Rows marked `data-spacer` (virtualisation) are skipped.
 */
export function gridKeys(table: HTMLTableElement) {
  const onKey = (e: KeyboardEvent) => {
    if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    const target = e.target as Element | null;
    if (!target || target.closest('input, select, textarea')) return;
    const cell = target.closest<HTMLTableCellElement>('td, th');
    if (!cell || !table.contains(cell)) return;
    const row = cell.parentElement as HTMLTableRowElement;
    const rows = Array.from(table.rows).filter((r) => !r.hasAttribute('data-spacer') && r.cells.length > 0);
    const ri = rows.indexOf(row);
    const ci = cell.cellIndex;
    let next: HTMLTableCellElement | undefined;
    if (e.key === 'ArrowDown') next = rows[ri + 1]?.cells[Math.min(ci, (rows[ri + 1]?.cells.length ?? 1) - 1)];
    else if (e.key === 'ArrowUp') next = rows[ri - 1]?.cells[Math.min(ci, (rows[ri - 1]?.cells.length ?? 1) - 1)];
    else if (e.key === 'ArrowLeft') next = row.cells[ci - 1];
    else if (e.key === 'ArrowRight') next = row.cells[ci + 1];
    else if (e.key === 'Home') next = e.ctrlKey ? rows[1]?.cells[0] : row.cells[0];
    else if (e.key === 'End') next = e.ctrlKey ? rows.at(-1)?.cells[0] : row.cells[row.cells.length - 1];
    if (!next) return;
    e.preventDefault();
    const focusable = next.querySelector<HTMLElement>('button, a, input, select');
    if (focusable) focusable.focus();
    else {
      if (!next.hasAttribute('tabindex')) next.tabIndex = -1;
      next.focus();
    }
    next.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  };
  table.addEventListener('keydown', onKey);
  return {
    destroy() {
      table.removeEventListener('keydown', onKey);
    },
  };
}
