// The one place that names Redis keys (the Lua scripts in ./lua build the same names from the prefix they are given).
//
//   <p>meta                     hash   maxTs, lastEventWall, accepted, duplicates, late, rejected, version
//   <p>seen:<minute>            set    event ids seen with ts in that minute (dedupe; TTL ingest.dedupeSeconds)
//   <p>agent:<agentId>          hash   team, name, st, r (reason), c (category), since, lq (last queue), tl (timeline, MessagePack),
//                                      qs (queues JSON, from agent.login)
//   <p>agents                   zset   agentId -> ts of its latest event
//   <p>agents:on                set    agents logged in now
//   <p>queues                   set    queue ids seen in events
//   <p>call:<callId>            hash   q, qt (queued), o/ot (outcome, its ts), at (answered), ag (agent), end
//   <p>waiting:<queueId>        zset   callId -> queued ts (calls in queue now)
//   <p>m:<kind>:<id>:<minute>   hash   minute bucket counters (kind q = queue, t = team, a = agent); TTL ~2 h
//   <p>d:<kind>:<id>:<dayStart> hash   "today" counters for the day period starting at dayStart; TTL 3 days
//
//   <p>session:<sha256(id)>     string JSON { sub, exp } of a signed-in session (TTL = its life)
//   <p>firstrun:<sha256(code)>  string the one-time first-run sign-in code (TTL 24 h)
//   <p>rate:<name>:<subject>    string hits in the current fixed window (TTL = the window)
//   <p>dutylog                  stream the duty log: kind, actor, detail (JSON), capped at ~100,000 entries
//   <p>alert:<id>               hash   id, key, rule, severity, subject, subjectName, value, threshold, raisedAt,
//                                      clearedAt, ackBy, ackAt, ackNote; <p>alert:seq the id counter
//   <p>alertstate:<rule:kind:id> hash  phase (pending|raised|clearing), since, id; <p>alertstates: the set of them
//   <p>alerts:active / :cleared zset   alert ids by raise / clear time
//   <p>callbackmode             hash   "<scope>:<id>" -> JSON { scope, id, on, since, by }
//   <p>broadcast                string JSON of the broadcast message, expiring with it
//   <p>thresholds               string JSON of the supervisor's live alert-threshold changes
//
// Bucket fields: queue en, ans, ansK, ansT, wait, ab, abS, abT, cb, cbd, ovo, ovi, end, hand, wrap, mw;
// agent and team s:<state> ms (not not_ready), c:<category> ms (not-ready time by category), ans, end; logged-in time
// is their sum (derived when reading, server/metrics/snapshot.ts).
export type BucketKind = 'q' | 't' | 'a';

// The event stream's key is the site's choice (ingest.stream.key); its dead-letter stream sits beside it.
//   <stream>:dead               stream entries that failed to apply twice: entry, reason, and the original fields
export const deadLetterKey = (streamKey: string) => `${streamKey}:dead`;

export function keyBuilder(prefix: string) {
  const p = prefix.endsWith(':') ? prefix : `${prefix}:`;
  return {
    prefix: p,
    meta: () => `${p}meta`,
    agent: (agentId: string) => `${p}agent:${agentId}`,
    agents: () => `${p}agents`,
    agentsOn: () => `${p}agents:on`,
    queues: () => `${p}queues`,
    waiting: (queueId: string) => `${p}waiting:${queueId}`,
    minuteBucket: (kind: BucketKind, id: string, minuteStart: number) => `${p}m:${kind}:${id}:${minuteStart}`,
    dayBucket: (kind: BucketKind, id: string, dayStart: number) => `${p}d:${kind}:${id}:${dayStart}`,
    session: (idHash: string) => `${p}session:${idHash}`,
    firstRun: (codeHash: string) => `${p}firstrun:${codeHash}`,
    rate: (name: string, subject: string) => `${p}rate:${name}:${subject}`,
    dutyLog: () => `${p}dutylog`,
    alert: (id: string) => `${p}alert:${id}`,
    callbackModes: () => `${p}callbackmode`,
    broadcast: () => `${p}broadcast`,
    thresholds: () => `${p}thresholds`,
    /** Every key of this prefix, for tests and `npm run reset`. */
    pattern: () => `${p}*`,
  };
}
export type Keys = ReturnType<typeof keyBuilder>;
