// The demo: the built-in simulator's site, set so that its day is at the morning peak whenever the demo starts, and a
// configuration that names its queues and teams.
import type { ConfigFile } from './config.js';
import { createDemoSite } from './ingest/simulator/index.js';
import type { SiteModel } from './ingest/simulator/profile.js';

/** Local time of the simulated site when the demo starts: the morning peak, so the board is busy at once. */
const DEMO_START_LOCAL_MINUTES = 10 * 60;

export function demoSite(startMs: number): SiteModel {
  const utcMinuteOfDay = Math.floor(startMs / 60_000) % 1440;
  return createDemoSite({ utcOffsetMinutes: (DEMO_START_LOCAL_MINUTES - utcMinuteOfDay + 1440) % 1440 });
}

/** Display names for the demo's queues and teams; the rest of the configuration keeps its defaults. */
export function demoConfigFile(site: SiteModel, base: ConfigFile = {}): ConfigFile {
  return {
    ...base,
    site: { name: 'Floorwatch demo', ...base.site },
    queues: base.queues ?? site.queues.map((q) => ({ id: q.id, name: q.name })),
    teams: base.teams ?? site.teams.map((t) => ({ id: t.id, name: t.name })),
  };
}
