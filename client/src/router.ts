// The one page (index.html) is served at /, /wallboard and later /supervisor, /lead: pick the view from the path.
export type ViewName = 'wallboard';

const ROUTES: Record<string, ViewName> = {
  '/': 'wallboard',
  '/wallboard': 'wallboard',
};

/** The view for a location.pathname. Unknown paths fall back to the wallboard (for now). */
export function route(pathname: string): ViewName {
  const path = pathname.replace(/\/+$/, '') || '/';
  return ROUTES[path.toLowerCase()] ?? 'wallboard';
}
