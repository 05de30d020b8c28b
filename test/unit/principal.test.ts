// The snapshot cut per view: what a TV and a team lead receive of the full snapshot.
import { describe, expect, it } from 'vitest';
import { projectSnapshot } from '../../server/auth/principal.js';
import { AgentTimesList, BreakRates, TeamWindowFigures, teamFigures } from '../../server/metrics/formulas.js';
import { BOARD_DISPERSION_WINDOW, WINDOW_NAMES, type Snapshot } from '../../shared/snapshot.js';

const rate = (agentId: string) => ({ agentId, name: `Agent ${agentId}`, breakRate: 0.1, loggedInSeconds: 900 });
// Only the parts the projection looks at; every window of both teams starts with its agents' rates.
const team = (teamId: string, agentIds: string[]) => ({
  teamId,
  onBreakAgents: [{ agentId: agentIds[0], name: 'x', teamId, since: '2026-01-01T00:00:00Z' }],
  windows: Object.fromEntries(WINDOW_NAMES.map((w) => [w, { breakRateCv: 0.2, agentBreakRates: agentIds.map(rate) }])),
});
const full = {
  agents: [{ agentId: 'A1', teamId: 'team-a' }, { agentId: 'B1', teamId: 'team-b' }],
  alerts: [
    { id: 'x', subject: { kind: 'agent', id: 'A1', teamId: 'team-a' } },
    { id: 'y', subject: { kind: 'team', id: 'team-b', teamId: 'team-b' } },
  ],
  broadcast: null,
  teams: [team('team-a', ['A1', 'A2']), team('team-b', ['B1'])],
} as unknown as Snapshot;

const ratesByWindow = (s: Snapshot, teamId: string) =>
  Object.fromEntries(WINDOW_NAMES.map((w) => [w, s.teams.find((t) => t.teamId === teamId)!.windows[w].agentBreakRates.map((a) => a.agentId)]));

describe('projectSnapshot', () => {
  it('board: no agent table, no agent alerts, and agent break rates only in the dispersion chart window', () => {
    expect(BOARD_DISPERSION_WINDOW).toBe('60m');
    const board = projectSnapshot(full, 'board');
    expect(board.agents).toEqual([]);
    expect(board.alerts.map((a) => a.id)).toEqual(['y']);
    expect(ratesByWindow(board, 'team-a')).toEqual({ '15m': [], '30m': [], '60m': ['A1', 'A2'], today: [] });
    expect(ratesByWindow(board, 'team-b')).toEqual({ '15m': [], '30m': [], '60m': ['B1'], today: [] });
    // the team figures beside the rates stay, and the full snapshot is not changed
    expect(board.teams[0]!.windows['15m'].breakRateCv).toBe(0.2);
    expect(ratesByWindow(full, 'team-a')['15m']).toEqual(['A1', 'A2']);
  });

  it("lead: their team's agents and rates in every window, other teams' totals without agents", () => {
    const lead = projectSnapshot(full, 'lead:team-a');
    expect(lead.agents.map((a) => a.agentId)).toEqual(['A1']);
    expect(lead.alerts.map((a) => a.id)).toEqual(['x']);
    expect(ratesByWindow(lead, 'team-a')).toEqual({ '15m': ['A1', 'A2'], '30m': ['A1', 'A2'], '60m': ['A1', 'A2'], today: ['A1', 'A2'] });
    expect(ratesByWindow(lead, 'team-b')).toEqual({ '15m': [], '30m': [], '60m': [], today: [] });
    expect(lead.teams[1]!.onBreakAgents).toEqual([]);
  });

  it("board, as sent: a snapshot's team windows (their lists made when read) keep the list only in the chart window", () => {
    // agents a1 (logged in 3600 s, on break 360 s: rate 0.1) and a2 (1800 s, 90 s: 0.05); a3 under the 600-s minimum
    const window = () => {
      const times = new AgentTimesList(['a1', 'a2', 'a3'], ['Ann', 'Bo', 'Cy'], [3_600_000, 1_800_000, 300_000], [360_000, 90_000, 0]);
      const rates = new BreakRates(600_000, times);
      return new TeamWindowFigures(teamFigures({ li: 0 }), rates, 0.16);
    };
    const snap = { ...full, teams: [{ teamId: 'team-a', onBreakAgents: [], windows: Object.fromEntries(WINDOW_NAMES.map((w) => [w, window()])) }] } as unknown as Snapshot;
    const sent = JSON.parse(JSON.stringify(projectSnapshot(snap, 'board'))) as Snapshot;
    const w = sent.teams[0]!.windows;
    expect(w['60m'].agentBreakRates).toEqual([
      { agentId: 'a1', name: 'Ann', breakRate: 0.1, loggedInSeconds: 3600 },
      { agentId: 'a2', name: 'Bo', breakRate: 0.05, loggedInSeconds: 1800 },
    ]);
    expect(w['15m'].agentBreakRates).toEqual([]);
    // mean 0.075, sd 0.025: CV 1/3; two counted, one left out
    expect(w['15m']).toMatchObject({ agentsCounted: 2, agentsExcluded: 1 });
    expect(w['15m'].breakRateCv).toBeCloseTo(1 / 3, 12);
    expect(w['15m'].inControl).toBe(false);
  });
});

