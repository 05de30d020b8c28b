// The one page (index.html) is served at /, /wallboard, /supervisor, /lead and /login: pick the view from the path.
// The server decides who may open which page (redirect to /login, or 403) before the page is ever sent.
export type ViewName = 'wallboard' | 'login' | 'supervisor' | 'lead';

const ROUTES: Record<string, ViewName> = {
  '/': 'wallboard',
  '/wallboard': 'wallboard',
  '/login': 'login',
  '/supervisor': 'supervisor',
  '/lead': 'lead',
};

/** The view for a location.pathname. Unknown paths fall back to the wallboard. */
export function route(pathname: string): ViewName {
  const path = pathname.replace(/\/+$/, '') || '/';
  return ROUTES[path.toLowerCase()] ?? 'wallboard';
}

/** The TV (fixed 16:9 board that scales with the screen) or an ordinary scrolling page (laptop, phone). */
export function screenOf(view: ViewName): 'tv' | 'app' {
  return view === 'wallboard' ? 'tv' : 'app';
}
