// One parser -> one frozen, typed config. File (FLOORWATCH_CONFIG, JSON) first, then environment variables override.
// Every default is written here once; docs/configuration.md explains each field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { NOT_READY_CATEGORIES, type NotReadyCategory } from '../shared/events.js';
import { parseTimeOfDay } from '../shared/time.js';
import { alertThresholdsSchema } from './alerts/thresholds.js';

/** Every Redis key of the site starts with this and a colon unless redis.keyPrefix says otherwise. */
export const DEFAULT_KEY_PREFIX = 'fw';

const seconds = z.number().nonnegative();
const fraction = z.number().min(0).max(1);

const queueSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  /** T of the service level: answered within T seconds counts as in service. */
  serviceLevelSeconds: seconds.default(20),
  serviceLevelTarget: fraction.default(0.8),
  /** Callers who hang up within S seconds are short abandons. */
  shortAbandonSeconds: seconds.default(5),
});

const teamSchema = z.object({ id: z.string().min(1), name: z.string().optional() });

/** How Asterisk member names, teams and pause reasons map to ours (server/ingest/ami/common.ts documents each field). */
const asteriskMapping = z
  .object({
    teams: z.record(z.string(), z.string()).optional(),
    agentIds: z.record(z.string(), z.string()).optional(),
    defaultTeam: z.string().optional(),
    reasons: z.record(z.string(), z.string()).optional(),
    passReasons: z.boolean().optional(),
    unavailable: z.enum(['not_ready', 'ignore']).optional(),
    exitTo: z.object({ timeout: z.string(), empty: z.string(), key: z.string(), lost: z.string() }).partial().optional(),
    callbackKeys: z.array(z.string()).optional(),
  })
  .strict()
  .default({});

const sourcesSchema = z
  .object({
    /** Asterisk Manager Interface. The secret may come from FLOORWATCH_AMI_SECRET instead of the file. */
    ami: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(5038),
        username: z.string().min(1),
        secret: z.string().optional(),
        md5: z.boolean().default(false),
        mapping: asteriskMapping,
      })
      .strict()
      .optional(),
    /** Asterisk queue_log, followed like `tail -F`. */
    queueLog: z
      .object({
        path: z.string().min(1),
        from: z.enum(['start', 'end']).default('end'),
        pollMs: z.number().int().min(50).default(500),
        mapping: asteriskMapping,
      })
      .strict()
      .optional(),
    /** Amazon Connect agent event stream, POSTed to /api/connectors/amazon-connect (docs/amazon-connect.md). */
    amazonConnect: z
      .object({
        teams: z.record(z.string(), z.string()).optional(),
        teamFrom: z.enum(['routingProfile', 'hierarchyLevel1', 'hierarchyLevel2', 'hierarchyLevel3', 'hierarchyLevel4', 'hierarchyLevel5']).optional(),
        defaultTeam: z.string().optional(),
        agentIds: z.record(z.string(), z.string()).optional(),
        queues: z.record(z.string(), z.string()).optional(),
        reasons: z.record(z.string(), z.string()).optional(),
        passReasons: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .prefault({});

const fileSchema = z
  .object({
    site: z
      .object({
        name: z.string().default('Floorwatch'),
        /** IANA time zone of the site; "today" and report times use it. */
        timeZone: z.string().default(Intl.DateTimeFormat().resolvedOptions().timeZone),
        /** Local time at which "today" restarts. */
        dayResetTime: z.string().default('00:00'),
      })
      .prefault({}),
    queues: z.array(queueSchema).default([]),
    teams: z.array(teamSchema).default([]),
    /** Defaults for queues that are not listed but appear in events. */
    queueDefaults: z
      .object({ serviceLevelSeconds: seconds.default(20), serviceLevelTarget: fraction.default(0.8), shortAbandonSeconds: seconds.default(5) })
      .prefault({}),
    /** Leave short abandons out of the abandon rate and service level (the industry's usual choice). */
    excludeShortAbandons: z.boolean().default(true),
    /** ACD not-ready reason code -> category. Codes not listed are "other". */
    reasonCategories: z.record(z.string(), z.enum(NOT_READY_CATEGORIES)).default({ break: 'break' }),
    thresholds: z
      .object({
        breakCvLimit: z.number().positive().default(0.16),
        breakShareLimit: fraction.default(1 / 6),
        breakRateTarget: z.tuple([fraction, fraction]).default([0.08, 0.09]),
        utilisationBand: z.tuple([fraction, fraction]).default([0.69, 0.74]),
        /** Agents logged in for less than this within a window are left out of the team's CV (and counted). */
        minLoggedInMinutesForCv: seconds.default(10),
      })
      .prefault({}),
    /** The interval series (charts, hourly figures, AHT run rules): 15-minute buckets, shown as 15, 30 or 60 minutes. */
    series: z
      .object({
        /** How long interval buckets are kept (at least 48 hours). */
        keepHours: z.number().min(48).max(24 * 14).default(48),
        /** Interval lengths offered (minutes): multiples of 15 that divide a day. */
        intervals: z.array(z.union([z.literal(15), z.literal(30), z.literal(60)])).min(1).default([15, 30, 60]),
      })
      .prefault({}),
    ingest: z
      .object({
        /** Events older than this (against the service clock) are rejected as late. */
        latenessSeconds: seconds.default(60),
        /** How long event ids are remembered to drop duplicates; must exceed the lateness (an older repeat is late). */
        dedupeSeconds: seconds.default(300),
        /** Largest accepted POST /api/events body. */
        maxBodyBytes: z.number().int().positive().default(5 * 1024 * 1024),
        /** The feed is stale when no event arrived for this long. */
        feedStaleSeconds: seconds.default(60),
        /**
         * A call waiting longer than this is taken for one whose outcome was lost (an ACD or connector gap): it no
         * longer counts as waiting, so that it cannot hold up "longest wait" and the alerts for hours.
         */
        maxWaitMinutes: z.number().int().positive().default(240),
        /** Redis Stream input: connectors XADD events (field `event`) here. */
        stream: z
          .object({
            enabled: z.boolean().default(true),
            key: z.string().default('floorwatch:events'),
            group: z.string().default('floorwatch'),
            batchSize: z.number().int().positive().default(500),
            /** Entries pending longer than this with a dead consumer are claimed. */
            claimIdleMs: z.number().int().positive().default(30_000),
          })
          .prefault({}),
      })
      .prefault({}),
    push: z.object({ intervalMs: z.number().int().min(50).default(250) }).prefault({}),
    /** Alert thresholds (server/alerts/thresholds.ts); a supervisor can change them live. */
    alerts: alertThresholdsSchema.prefault({}),
    redis: z.object({ keyPrefix: z.string().default(DEFAULT_KEY_PREFIX) }).prefault({}),
    sources: sourcesSchema,
    auth: z
      .object({
        /** Users and tokens (hashed), managed with `npm run users`. Relative paths are from the working directory. */
        usersFile: z.string().default('.floorwatch/users.json'),
        sessionHours: z.number().positive().default(12),
        displaySessionDays: z.number().positive().default(30),
        /** Failed sign-ins allowed per user name in the window (four times that per address). */
        signInAttempts: z.number().int().positive().default(5),
        signInWindowMinutes: z.number().positive().default(15),
        /** POST requests per second one ingest credential may make. */
        ingestRequestsPerSecond: z.number().int().positive().default(200),
      })
      .prefault({}),
    simulator: z
      .object({
        seed: z.number().int().default(1),
        tickMs: z.number().int().positive().default(500),
        /** Minutes of simulated history fed in at start, so the demo board has windows to show at once. */
        historyMinutes: z.number().int().min(0).max(180).default(60),
      })
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    try {
      parseTimeOfDay(c.site.dayResetTime);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['site', 'dayResetTime'], message: (e as Error).message });
    }
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: c.site.timeZone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['site', 'timeZone'], message: `unknown IANA time zone "${c.site.timeZone}"` });
    }
    if (c.ingest.dedupeSeconds <= c.ingest.latenessSeconds)
      ctx.addIssue({ code: 'custom', path: ['ingest', 'dedupeSeconds'], message: 'must be larger than ingest.latenessSeconds' });
  });

export type ConfigFile = z.input<typeof fileSchema>;
type FileConfig = z.output<typeof fileSchema>;
export type QueueConfig = Required<Omit<z.output<typeof queueSchema>, 'name'>> & { name: string };

export interface Config extends FileConfig {
  port: number;
  redisUrl: string | null;
  simulatorOn: boolean;
  clock: 'wall' | 'replay';
  /** Minutes after midnight of site.dayResetTime. */
  dayResetMinutes: number;
  configPath: string | null;
  /** Settings for a queue, listed or not. */
  queue(queueId: string): QueueConfig;
  /** Category of an ACD not-ready reason code. */
  categoryOf(reason: string | undefined): NotReadyCategory;
  teamName(teamId: string): string;
}

export class ConfigError extends Error {}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}

/** Builds the config from a parsed file object and the environment. Throws ConfigError with every problem listed. */
export function buildConfig(file: unknown, env: NodeJS.ProcessEnv = {}, configPath: string | null = null): Config {
  const parsed = fileSchema.safeParse(file ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, configPath ?? 'the configuration'));
  const c = parsed.data;

  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const clock = env.FLOORWATCH_CLOCK ?? 'wall';
  if (clock !== 'wall' && clock !== 'replay') throw new ConfigError(`FLOORWATCH_CLOCK must be "wall" or "replay", got "${clock}"`);
  const sim = env.FLOORWATCH_SIMULATOR;
  if (sim !== undefined && sim !== '' && sim !== 'on' && sim !== 'off')
    throw new ConfigError(`FLOORWATCH_SIMULATOR must be "on" or "off", got "${sim}"`);
  // The simulator is the embedded default: on unless another source is configured or it is switched off.
  const otherSourceConfigured = Boolean(c.sources.ami || c.sources.queueLog);
  const simulatorOn = sim === 'on' || ((sim === undefined || sim === '') && !otherSourceConfigured);
  if (env.FLOORWATCH_REDIS_PREFIX) c.redis.keyPrefix = env.FLOORWATCH_REDIS_PREFIX;
  if (env.FLOORWATCH_USERS_FILE) c.auth.usersFile = env.FLOORWATCH_USERS_FILE;
  if (c.sources.ami) {
    c.sources.ami.secret = env.FLOORWATCH_AMI_SECRET || c.sources.ami.secret;
    if (!c.sources.ami.secret) throw new ConfigError('sources.ami needs a secret: set sources.ami.secret or FLOORWATCH_AMI_SECRET');
  }

  const queues = new Map(c.queues.map((q) => [q.id, q]));
  const teams = new Map(c.teams.map((t) => [t.id, t]));
  const config: Config = {
    ...c,
    port,
    redisUrl: env.REDIS_URL || null,
    simulatorOn,
    clock,
    dayResetMinutes: parseTimeOfDay(c.site.dayResetTime),
    configPath,
    queue(queueId) {
      const q = queues.get(queueId);
      return { ...c.queueDefaults, ...(q ?? {}), id: queueId, name: q?.name ?? queueId };
    },
    categoryOf(reason) {
      if (reason === undefined || reason === '') return 'other';
      return c.reasonCategories[reason] ?? c.reasonCategories[reason.toLowerCase()] ?? 'other';
    },
    teamName(teamId) {
      return teams.get(teamId)?.name ?? teamId;
    },
  };
  return deepFreeze(config);
}

/** Reads FLOORWATCH_CONFIG (if set) and the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const path = env.FLOORWATCH_CONFIG || null;
  let file: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`Cannot read FLOORWATCH_CONFIG file ${path}: ${(e as Error).message}`);
    }
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`FLOORWATCH_CONFIG file ${path} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return buildConfig(file, env, path);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
