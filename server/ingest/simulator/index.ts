// The ACD simulator: a seeded, deterministic event source for demos, development and metric checks.
export { AcdSimulator, ERLANG_QUEUE_ID, ERLANG_TEAM_ID } from './simulator.js';
export type { ErlangParameters, SimulatorMode, SimulatorOptions } from './simulator.js';
export { startSimulator, scaledClock } from './runner.js';
export type { SimulatorRunnerOptions } from './runner.js';
export {
  createDemoSite,
  callsPerHourAt,
  dayShapeAt,
  maxCallsPerHour,
  minuteOfDay,
  surgeMultiplierAt,
} from './profile.js';
export type {
  AgentProfile,
  BreakHabit,
  DemoSiteOptions,
  HandlingProfile,
  QueueProfile,
  SiteModel,
  SurgeProfile,
  TeamProfile,
} from './profile.js';
export { Random, hashToUnit } from './random.js';
