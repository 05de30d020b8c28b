// Who is asking, what they may do, and what part of the snapshot they may see. Pure: no I/O.
import { BOARD_DISPERSION_WINDOW, WINDOW_NAMES, type PerWindow, type Snapshot, type TeamWindow, type WindowName } from '../../shared/snapshot.js';
import type { Page, Role } from './accounts.js';

export interface Principal {
  /** "user:wang", "token:t_x1", "env:supervisor", "demo", "first-run". */
  id: string;
  name: string;
  roles: Role[];
  /** Teams whose agent-level data a lead may see. */
  teams: string[];
  /** Pages a display may open. */
  pages: Page[];
}

export const has = (p: Principal | null | undefined, role: Role) => Boolean(p?.roles.includes(role));

/** Which snapshot a principal receives: everything, the floor board, or a lead's teams. */
export type ViewKey = 'full' | 'board' | `lead:${string}`;

export function viewKey(p: Principal): ViewKey | null {
  if (has(p, 'supervisor') || has(p, 'admin')) return 'full';
  if (has(p, 'lead')) return `lead:${[...p.teams].sort().join(',')}`;
  if (has(p, 'display')) return 'board';
  return null;
}

/** The pages a principal may open. */
export function mayOpen(p: Principal | null, page: Page): boolean {
  if (!p) return false;
  if (has(p, 'supervisor') || has(p, 'admin')) return true;
  if (page === 'lead') return has(p, 'lead');
  if (page === 'wallboard') return has(p, 'lead') || (has(p, 'display') && p.pages.includes('wallboard'));
  return has(p, 'display') && p.pages.includes(page);
}

/**
 * The snapshot cut to a view. The board (a TV, seen by the whole floor) shows who is on break and the break-rate
 * dots by design, but no agent table. A lead sees the floor and queue figures, every team's totals, and agent-level
 * data (agents, names on break, per-agent rates) only for their own teams.
 */
export function projectSnapshot(s: Snapshot, view: ViewKey): Snapshot {
  if (view === 'full') return s;
  if (view === 'board') {
    // The floor's board: floor, queue and team alerts (not one agent's long break), broadcasts to everyone, and the
    // agents' break rates only for the window its dispersion chart shows (they are most of a board message).
    return {
      ...s,
      agents: [],
      alerts: s.alerts.filter((a) => a.subject.kind !== 'agent'),
      broadcast: s.broadcast?.audience === 'all' ? s.broadcast : null,
      teams: s.teams.map((t) => ({ ...t, windows: withoutAgentRates(t.windows, BOARD_DISPERSION_WINDOW) })),
    };
  }
  const teams = new Set(view.slice('lead:'.length).split(',').filter(Boolean));
  const forTeams = (audience: 'all' | string[]) => audience === 'all' || audience.some((t) => teams.has(t));
  return {
    ...s,
    agents: s.agents.filter((a) => teams.has(a.teamId)),
    // A lead gets the alerts that concern their teams (and pop-ups for them), nothing about other teams.
    alerts: s.alerts.filter((a) => a.subject.teamId !== undefined && teams.has(a.subject.teamId)),
    broadcast: s.broadcast && forTeams(s.broadcast.audience) ? s.broadcast : null,
    teams: s.teams.map((t) => (teams.has(t.teamId) ? t : { ...t, onBreakAgents: [], windows: withoutAgentRates(t.windows) })),
  };
}

/** The team's windows with the per-agent break rates left out, except in the window `keep` (if given). */
function withoutAgentRates(windows: PerWindow<TeamWindow>, keep?: WindowName): PerWindow<TeamWindow> {
  const out = { ...windows };
  // (a spread copies a snapshot's team window without making its list: see TeamWindowFigures)
  for (const w of WINDOW_NAMES) if (w !== keep) out[w] = { ...windows[w], agentBreakRates: [] };
  return out;
}
