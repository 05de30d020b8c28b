// Page rotation on the TV wallboard, set by URL: `?rotate=N` changes page every N seconds (0 or absent: no rotation),
// `?pages=overview,teams,queues` picks the pages and their order (default all three). Pure: parsed once at start.

export const WALLBOARD_PAGES = ['overview', 'teams', 'queues'] as const;
export type WallboardPage = (typeof WALLBOARD_PAGES)[number];

/** Shortest and longest time a page may stay, seconds: quicker than 2 s cannot be read, longer is never a rotation. */
export const MIN_ROTATE_SECONDS = 2;
export const MAX_ROTATE_SECONDS = 3600;

export interface RotationSettings {
  /** Seconds per page; 0 = no rotation (the first page stays). */
  seconds: number;
  /** The pages in order (at least one). */
  pages: WallboardPage[];
}

/**
 * Reads `rotate` and `pages` from a query string. A bad or non-positive `rotate` is no rotation; a positive one is
 * kept between MIN_ROTATE_SECONDS and MAX_ROTATE_SECONDS. Unknown page names are ignored, a repeated one counts once;
 * with no known page left, every page is shown. Without rotation the first listed page (by default the overview) is
 * shown; with a single page there is nothing to rotate.
 */
export function parseRotation(search: string): RotationSettings {
  const params = new URLSearchParams(search);
  const raw = Number(params.get('rotate') ?? '');
  const wanted = (params.get('pages') ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p): p is WallboardPage => (WALLBOARD_PAGES as readonly string[]).includes(p));
  const pages = wanted.length ? [...new Set(wanted)] : [...WALLBOARD_PAGES];
  const seconds =
    Number.isFinite(raw) && raw > 0 && pages.length > 1 ? Math.min(MAX_ROTATE_SECONDS, Math.max(MIN_ROTATE_SECONDS, raw)) : 0;
  return { seconds, pages };
}
