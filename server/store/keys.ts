// The one place that names Redis keys (the Lua scripts in ./lua build the same names from the prefix they are given).
//
//   <p>meta                     hash   maxTs, lastEventWall, accepted, duplicates, late, rejected, version (of the latest
//                                      apply call that changed something), epoch (when this store began)
//   <p>changed                  zset   "<kind>:<id>" -> version of the latest apply call that wrote the entity; a
//                                      full read lists the agents from it, and forgets one logged out for a day
//   <p>seen:<minute>            set    event ids seen with ts in that minute (dedupe; TTL ingest.dedupeSeconds)
//   <p>agent:<agentId>          hash   team, name, st, r (reason), c (category), since, lq (last queue), at (latest event
//                                      ts), qs (queues JSON, from agent.login), t1, t2, ... the recent transitions
//                                      (MessagePack in chunks of <= 64 bytes, the apply script). Values are kept short so
//                                      that Redis stores the hash as a listpack; a record of an earlier version (its
//                                      timeline in one field, tl) is rewritten whole at the agent's next state change
//   <p>queues                   set    queue ids seen in events
//   <p>call:<callId>            hash   per leg (the call's stay in one queue) qt:<q> (queued), o:<q> / ot:<q> / od:<q>
//                                      (outcome, its ts and day periods), T:<q> / S:<q> (thresholds), to:<q> (overflowed
//                                      to); per call aq / at / ag (answer: queue, ts, agent), end / ed / eag. A record of
//                                      an earlier layout holds one leg unprefixed, with its queue in q
//   <p>waiting:<queueId>        zset   callId -> queued ts (calls in queue now)
//   <p>r2:q:<id>, r3:t:<id>,    string the entity's last 66 minutes of counters (queue, team, agent), a BITFIELD ring
//   <p>r3:a:<id>                       laid out in rings.ts; TTL 2 h after its latest minute began (an agent's: also
//                                      until its day section's day is over). "r2": layout 2 (latest-minute header,
//                                      untagged slots); "r3": the team ring with folded fields, the agent ring with
//                                      the agent's "today" totals. Rings of an earlier layout (r:<kind>:<id>,
//                                      r2:t:<id>, r2:a:<id>) are not read and expire by themselves (RING_KEY)
//   <p>d:<kind>:<id>:<dayStart> hash   "today" counters of a queue or team for the day period starting at dayStart;
//                                      TTL 3 days (an agent's are in its ring; d:a:... of earlier versions expire)
//   <p>i:<kind>:<id>:<start>    hash   15-minute interval counters of queues and teams (the series), kept
//                                      series.keepHours; a team's also hold l:<agentId> and b:<agentId>, each agent's
//                                      logged-in and break ms in the interval
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
// Counter fields (rings, day and interval buckets): queue en, ans, ansK, ansT, wait, ab, abS, abT, cb, cbd, ovo, ovi,
// end, hand, wrap, mw; team s:<state> ms (not not_ready), c:<category> ms (not-ready time by category), ans, end, with
// logged-in time their sum (derived when reading, server/metrics/snapshot.ts); agent li, brk, talk (ms), ans, end.
export type BucketKind = 'q' | 't' | 'a';
/** The ring key of each kind, before the id: its layout's version and the kind (the apply script is handed these). */
export const RING_KEY: Record<BucketKind, string> = { q: 'r2:q:', t: 'r3:t:', a: 'r3:a:' };

// The event stream's key is the site's choice (ingest.stream.key); its dead-letter stream sits beside it.
//   <stream>:dead               stream entries that failed to apply twice: entry, reason, and the original fields
export const deadLetterKey = (streamKey: string) => `${streamKey}:dead`;

export function keyBuilder(prefix: string) {
  const p = prefix.endsWith(':') ? prefix : `${prefix}:`;
  return {
    prefix: p,
    meta: () => `${p}meta`,
    agent: (agentId: string) => `${p}agent:${agentId}`,
    queues: () => `${p}queues`,
    waiting: (queueId: string) => `${p}waiting:${queueId}`,
    call: (callId: string) => `${p}call:${callId}`,
    changed: () => `${p}changed`,
    ring: (kind: BucketKind, id: string) => `${p}${RING_KEY[kind]}${id}`,
    dayBucket: (kind: 'q' | 't', id: string, dayStart: number) => `${p}d:${kind}:${id}:${dayStart}`,
    intervalBucket: (kind: 'q' | 't', id: string, start: number) => `${p}i:${kind}:${id}:${start}`,
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
