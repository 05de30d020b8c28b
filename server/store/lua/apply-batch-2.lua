--[[
  Applies a batch of validated, normalised ACD events atomically.

  KEYS[1]  the meta hash (<prefix>meta): maxTs, lastEventWall, accepted, duplicates, late, version
  ARGV[1]  key prefix, e.g. "fw:" (every key below is <prefix>...; the layout is documented in server/store/keys.ts)
  ARGV[2]  JSON options: { wallNow, replay (bool), lateMs, acceptLate (bool: backfill in time order), dedupeSec,
                          ringTtlSec, ringSlots, ring (the minute-ring layout of server/store/rings.ts), dayTtlSec,
                          intervalMs, seriesTtlSec, callTtlSec, callDoneTtlSec }
  ARGV[3]  JSON array of events sorted by ts; besides the contract's fields each carries
             days = [previousDayStart, dayStart, nextDayStart] of its ts,
             cat  = not-ready category (agent.state), T / S = service-level and short-abandon thresholds in ms (call.*)

  Returns an array with one status per event: 0 applied, 1 duplicate, 2 late, or the error message (a string) of an
  event that failed to apply (e.g. a corrupted key). A failed event is not marked seen, so it can be retried; the
  writes it made before failing are not undone (Redis scripts do not roll back).

  Counters go to three places: the entity's minute ring (r2:<kind>:<id>, its last 66 minutes, for the rolling windows),
  its day bucket (d:..., "today"), and for queues and teams its interval bucket (i:..., the 48-hour series). Every
  queue, team and agent written is added to the `changed` index with this call's version, so that a snapshot reader
  re-reads only what changed since its last read.

  Time in state is kept per agent as a short timeline of transitions (in its hash). A transition arriving out of order (ts
  before the agent's current state began, but within the lateness) only changes the interval it falls into: that part
  is taken from the old state and given to the new one, so buckets end up as if the events had come in order.
]]
local meta = KEYS[1]
local P = ARGV[1]
local opt = cjson.decode(ARGV[2])
local events = cjson.decode(ARGV[3])

local MIN = 60000
local lateMs = opt.lateMs
local SLOTS = opt.ringSlots
local RING = opt.ring
local ringKeepMs = SLOTS * MIN
local intervalMs = opt.intervalMs
local seriesKeepMs = opt.seriesTtlSec * 1000

-- This call's version: a snapshot reader that has read up to version v re-reads what changed with a later one.
local version = tonumber(redis.call('HGET', meta, 'version') or '0') + 1
local changed = {}
local function markChanged(kind, id) changed[kind .. ':' .. id] = true end

local maxTs = tonumber(redis.call('HGET', meta, 'maxTs') or '0')
local statuses = {}
local applied, dups, late = 0, 0, 0

-- Sets a key's time to live once per script call.
local expired = {}
local function expireOnce(key, ttl)
  if not expired[key] then
    redis.call('EXPIRE', key, ttl)
    expired[key] = true
  end
end

-- Counter writes are combined: each event's increments are staged, added to the batch's on success (a failed event
-- leaves no counts), and written once per bucket field at the end. A batch hits the same team, queue and day
-- buckets again and again, so this saves most of the writes.
local pending, pendingMax = {}, {}
local staged, stagedMax = {}, {}

local function incr(key, field, amount, ttl)
  local k = staged[key]
  if not k then k = { ttl = ttl, f = {} }; staged[key] = k end
  k.f[field] = (k.f[field] or 0) + amount
end

local function keepMax(key, field, value, ttl)
  local k = stagedMax[key]
  if not k then k = { ttl = ttl, f = {} }; stagedMax[key] = k end
  if value > (k.f[field] or -1) then k.f[field] = value end
end

-- Ring increments are staged the same way, per entity and minute (no key strings to build and parse).
local stagedRing, pendingRing = {}, {}

local function ringSlot(t, kind, id, minute)
  local ek = kind .. ':' .. id
  local e = t[ek]
  if not e then e = { kind = kind, id = id, m = {} }; t[ek] = e end
  local s = e.m[minute]
  if not s then s = { inc = {}, max = {} }; e.m[minute] = s end
  return s
end

local function ringIncr(kind, id, minute, field, amount)
  local s = ringSlot(stagedRing, kind, id, minute)
  s.inc[field] = (s.inc[field] or 0) + amount
end

local function ringMax(kind, id, minute, field, value)
  local s = ringSlot(stagedRing, kind, id, minute)
  if value > (s.max[field] or -1) then s.max[field] = value end
end

local function commitStaged()
  for _, e in pairs(stagedRing) do
    for m, s in pairs(e.m) do
      local p = ringSlot(pendingRing, e.kind, e.id, m)
      for f, a in pairs(s.inc) do p.inc[f] = (p.inc[f] or 0) + a end
      for f, v in pairs(s.max) do if v > (p.max[f] or -1) then p.max[f] = v end end
    end
  end
  stagedRing = {}
  for key, k in pairs(staged) do
    local p = pending[key]
    if not p then p = { ttl = k.ttl, f = {} }; pending[key] = p end
    for field, amount in pairs(k.f) do p.f[field] = (p.f[field] or 0) + amount end
  end
  for key, k in pairs(stagedMax) do
    local p = pendingMax[key]
    if not p then p = { ttl = k.ttl, f = {} }; pendingMax[key] = p end
    for field, value in pairs(k.f) do if value > (p.f[field] or -1) then p.f[field] = value end end
  end
  staged, stagedMax = {}, {}
end

-- Writes one entity's staged minutes into its ring (layout in server/store/rings.ts: a u32 header with the latest
-- minute, then untagged slots) with two BITFIELD calls: read the header and the current maxima; then advance the
-- header, zero the slots of the minutes it moves over, add the increments and raise the maxima. A ring that is new,
-- or whose every minute is past the ring, is first SET to zeros of its full length: allocated once at its exact size
-- (BITFIELD growing a string allocates about twice what it needs).
local RING_HEADER = 32
local function writeRing(kind, id, minutes)
  local L = RING[kind]
  local key = P .. 'r2:' .. kind .. ':' .. id
  local list = {}
  for m in pairs(minutes) do list[#list + 1] = m end
  table.sort(list)
  local slotBits = L.slotBits
  local gets, maxAt = { 'GET', 'u32', 0 }, {}
  for _, m in ipairs(list) do
    local base = RING_HEADER + (m % SLOTS) * slotBits
    for field in pairs(minutes[m].max) do
      local f = L.fields[field]
      if f then
        gets[#gets + 1] = 'GET'; gets[#gets + 1] = f[2]; gets[#gets + 1] = base + f[1]
        maxAt[m .. ':' .. field] = #gets / 3
      end
    end
  end
  local read = redis.call('BITFIELD', key, unpack(gets))
  local top, newest = read[1], list[#list]
  local ops, n = { 'OVERFLOW', 'SAT' }, 2
  local function op(a, t, offset, v) ops[n + 1] = a; ops[n + 2] = t; ops[n + 3] = offset; ops[n + 4] = v; n = n + 4 end
  local function zero(from, to) -- bits [from, to)
    while to - from >= 64 do op('SET', 'i64', from, 0); from = from + 64 end
    if to > from then op('SET', 'u' .. (to - from), from, 0) end
  end
  -- minutes above `cleared` hold zeros now (whatever was read of them is void)
  local cleared, advanced = top, false
  if top == 0 or newest - top >= SLOTS then
    redis.call('SET', key, string.rep('\0', L.bytes))
    cleared, top, advanced = newest - SLOTS, newest, true
    op('SET', 'u32', 0, top)
  elseif newest > top then
    local first, count = (top + 1) % SLOTS, newest - top
    if first + count <= SLOTS then
      zero(RING_HEADER + first * slotBits, RING_HEADER + (first + count) * slotBits)
    else
      zero(RING_HEADER + first * slotBits, RING_HEADER + SLOTS * slotBits)
      zero(RING_HEADER, RING_HEADER + (first + count - SLOTS) * slotBits)
    end
    top, advanced = newest, true
    op('SET', 'u32', 0, top)
  end
  for _, m in ipairs(list) do
    -- a minute at or before top - SLOTS is past the ring (and past every window)
    if m > top - SLOTS then
      local base = RING_HEADER + (m % SLOTS) * slotBits
      for field, amount in pairs(minutes[m].inc) do
        local f = L.fields[field]
        if f and amount ~= 0 then op('INCRBY', f[2], base + f[1], amount) end
      end
      for field, value in pairs(minutes[m].max) do
        local f = L.fields[field]
        if f then
          local current = 0
          if m <= cleared then current = read[maxAt[m .. ':' .. field]] end
          if value > current then op('SET', f[2], base + f[1], value) end
        end
      end
    end
  end
  if n > 2 then
    redis.call('BITFIELD', key, unpack(ops))
    -- the time to live is renewed when the ring moves on to a new minute: at least once a minute while it is written
    if advanced then redis.call('EXPIRE', key, opt.ringTtlSec) end
  end
  markChanged(kind, id)
end

local function flush()
  for key, p in pairs(pending) do
    for field, amount in pairs(p.f) do
      if amount ~= 0 then redis.call('HINCRBY', key, field, amount) end
    end
    redis.call('EXPIRE', key, p.ttl)
  end
  for key, p in pairs(pendingMax) do
    for field, value in pairs(p.f) do
      if value > tonumber(redis.call('HGET', key, field) or '-1') then redis.call('HSET', key, field, value) end
    end
    redis.call('EXPIRE', key, p.ttl)
  end
  for _, e in pairs(pendingRing) do writeRing(e.kind, e.id, e.m) end
end

-- Queues seen: the set is written once per queue per call.
local queuesAdded = {}
local function addQueue(q)
  if not queuesAdded[q] then
    redis.call('SADD', P .. 'queues', q)
    queuesAdded[q] = true
  end
end

-- ---------------------------------------------------------------- buckets
local function dayOf(at, days)
  if at >= days[3] then return days[3] elseif at >= days[2] then return days[2] elseif at >= days[1] then return days[1] end
  return nil
end

local function intervalKey(kind, id, at) return P .. 'i:' .. kind .. ':' .. id .. ':' .. (math.floor(at / intervalMs) * intervalMs) end

-- Adds to fields of the minute of `at` in the entity's ring, of the day bucket that contains it, and (queues and
-- teams) of its interval bucket.
local function bump(kind, id, fields, at, days, amount)
  local minute = math.floor(at / MIN)
  local day = dayOf(at, days)
  local ikey = nil
  if kind ~= 'a' then ikey = intervalKey(kind, id, at) end
  for i = 1, #fields do
    ringIncr(kind, id, minute, fields[i], amount)
    if day then incr(P .. 'd:' .. kind .. ':' .. id .. ':' .. day, fields[i], amount, opt.dayTtlSec) end
    if ikey then incr(ikey, fields[i], amount, opt.seriesTtlSec) end
  end
  markChanged(kind, id)
end

local function setMax(kind, id, field, at, days, value)
  -- the ring keeps a maximum plus one, so that 0 tells "no call" from a call that did not wait
  ringMax(kind, id, math.floor(at / MIN), field, value + 1)
  local day = dayOf(at, days)
  if day then keepMax(P .. 'd:' .. kind .. ':' .. id .. ':' .. day, field, value, opt.dayTtlSec) end
  if kind ~= 'a' then keepMax(intervalKey(kind, id, at), field, value, opt.seriesTtlSec) end
end

-- The agent's day-bucket fields for ms spent in a state: logged-in time always, break and talk time when it is one
-- of those (the ring gets the same, in spend).
local function agentFields(key, field, state, ms, ttl)
  incr(key, 'li', ms, ttl)
  if field == 'c:break' then incr(key, 'brk', ms, ttl) end
  if state == 'talking' then incr(key, 'talk', ms, ttl) end
end

-- Spreads the interval [a, b) of an agent's state over the agent's and its team's minute rings, day buckets and the
-- team's interval buckets (which also keep each agent's logged-in and break time, for the interval's dispersion).
-- sign is +1 to add, -1 to take back. Minutes older than the ring, and intervals older than the series, are skipped.
-- The team gets one field per interval: s:<state>, or c:<category> for not_ready; logged-in time (their sum) and
-- not-ready time (the sum of the categories) are derived when the snapshot is made.
local function spend(ag, state, cat, lq, a, b, sign, days)
  if state == 'out' or b <= a then return end
  local field = 's:' .. state
  if state == 'not_ready' then field = 'c:' .. cat end
  local from = math.max(a, b - ringKeepMs)
  local m = math.floor(from / MIN) * MIN
  while m < b do
    local lo, hi = math.max(from, m), math.min(b, m + MIN)
    if hi > lo then
      local ms, minute = sign * (hi - lo), m / MIN
      ringIncr('a', ag.id, minute, 'li', ms)
      if field == 'c:break' then ringIncr('a', ag.id, minute, 'brk', ms) end
      if state == 'talking' then ringIncr('a', ag.id, minute, 'talk', ms) end
      ringIncr('t', ag.team, minute, field, ms)
    end
    m = m + MIN
  end
  from = math.max(a, b - seriesKeepMs)
  m = math.floor(from / intervalMs) * intervalMs
  while m < b do
    local lo, hi = math.max(from, m), math.min(b, m + intervalMs)
    if hi > lo then
      local ikey = P .. 'i:t:' .. ag.team .. ':' .. m
      incr(ikey, field, sign * (hi - lo), opt.seriesTtlSec)
      incr(ikey, 'l:' .. ag.id, sign * (hi - lo), opt.seriesTtlSec)
      if field == 'c:break' then incr(ikey, 'b:' .. ag.id, sign * (hi - lo), opt.seriesTtlSec) end
    end
    m = m + intervalMs
  end
  -- day buckets: split at the day boundaries; time before the previous day is not kept
  for d = 1, 3 do
    local lo = math.max(a, days[d])
    local hi = b
    if d < 3 then hi = math.min(b, days[d + 1]) end
    if hi > lo then
      agentFields(P .. 'd:a:' .. ag.id .. ':' .. days[d], field, state, sign * (hi - lo), opt.dayTtlSec)
      incr(P .. 'd:t:' .. ag.team .. ':' .. days[d], field, sign * (hi - lo), opt.dayTtlSec)
    end
  end
  markChanged('a', ag.id)
  markChanged('t', ag.team)
  -- after-call work belongs to the handle time of the queue of the agent's last call, counted when the wrap ends
  if state == 'wrap' and lq and lq ~= '' then bump('q', lq, { 'wrap' }, b - 1, days, sign * (b - a)) end
end

-- ---------------------------------------------------------------- agents
-- At most this many transitions are kept per agent: enough for any human pace of state changes within the
-- lateness (8 in 60 s), and it bounds the work per event. A late event older than the oldest one kept is rejected as
-- late.
local MAX_TIMELINE = 8

-- The timeline is stored in the agent's hash in two parts, so that an event in order (nearly all) neither decodes nor
-- re-encodes the transitions kept (unpacking and packing the whole list took several µs an event): tx, an index of 8 bytes per
-- transition (ts u48, length of its payload u16: 64 bytes at most), and the payloads one after another (MessagePack:
-- state code, reason, category, last queue), split over fields t1, t2, ... of 64 bytes. With no value over 64 bytes
-- Redis keeps the hash a listpack (one longer value turns it into a table about three times the size:
-- hash-max-listpack-value). Chunk fields past the payload's length may hold ''. Earlier versions kept the whole
-- timeline in one field, tl.
local TL_CHUNK = 64
local TX_ENTRY = '>I6I2'
local TX_FORMATS = {}
for n = 1, MAX_TIMELINE do TX_FORMATS[n] = '>' .. string.rep('I6I2', n) end
local STATE_CODE = { idle = 1, ringing = 2, talking = 3, hold = 4, wrap = 5, outbound = 6, not_ready = 7, out = 8 }
local STATE_NAME = {}
for name, code in pairs(STATE_CODE) do STATE_NAME[code] = name end

local function decodeLegacyTimeline(raw)
  if raw == '' then return {} end
  local first = string.sub(raw, 1, 1)
  if first == '[' or first == '{' then return cjson.decode(raw) end -- JSON, older still
  return cmsgpack.unpack(raw)
end

local function loadAgent(agentId)
  local key = P .. 'agent:' .. agentId
  local h = redis.call('HMGET', key, 'team', 'name', 'st', 'r', 'c', 'since', 'lq', 'at', 'tl', 'tx', 't1', 't2', 't3', 't4')
  if not h[3] then
    return { key = key, id = agentId, team = 'unassigned', name = agentId, st = 'out', r = '', c = '', since = nil, lq = '', tl = {},
             prevSt = 'out', prevAt = 0, chunks = 0, new = true }
  end
  local ag = { key = key, id = agentId, team = h[1], name = h[2], st = h[3], r = h[4] or '', c = h[5] or '', since = tonumber(h[6]),
               lq = h[7] or '', prevSt = h[3], prevAt = tonumber(h[8] or '0'), team0 = h[1], name0 = h[2], chunks = 0 }
  if h[9] then
    ag.legacy = true
    ag.tl = decodeLegacyTimeline(h[9])
  else
    -- the stored transitions stay encoded: ts and payload lengths from the index, the payloads as one string
    local tx = h[10] or ''
    local n = #tx / 8
    local tts, tlens, total = {}, {}, 0
    if n > 0 then
      local v = { struct.unpack(TX_FORMATS[n] or ('>' .. string.rep('I6I2', n)), tx) }
      for i = 1, n do tts[i] = v[2 * i - 1]; tlens[i] = v[2 * i]; total = total + v[2 * i] end
    end
    local chunks = math.ceil(total / TL_CHUNK)
    local parts = {}
    for i = 1, math.min(chunks, 4) do parts[i] = h[10 + i] end
    if chunks > 4 then
      local names = {}
      for i = 5, chunks do names[#names + 1] = 't' .. i end
      local more = redis.call('HMGET', key, unpack(names))
      for i = 1, #more do parts[#parts + 1] = more[i] end
    end
    ag.tx, ag.tts, ag.tlens, ag.tpay, ag.tnew, ag.chunks = tx, tts, tlens, table.concat(parts), {}, chunks
  end
  -- full: older transitions were dropped, so what came before the first one kept is not known
  ag.full = #(ag.tl or ag.tts) >= MAX_TIMELINE
  return ag
end

-- The agent's transitions as a list of { ts, state, reason, category, last queue }, decoded on first use (a late event).
local function timeline(ag)
  if not ag.tl then
    local tl, off = {}, 1
    for i = 1, #ag.tts do
      local len = ag.tlens[i]
      local code, r, cat, lq = cmsgpack.unpack(string.sub(ag.tpay, off, off + len - 1))
      tl[i] = { ag.tts[i], STATE_NAME[code] or code, r, cat, lq }
      off = off + len
    end
    for i = 1, #ag.tnew do tl[#tl + 1] = ag.tnew[i] end
    ag.tl = tl
  end
  return ag.tl
end

local function appendTransition(ag, entry)
  if ag.tl then ag.tl[#ag.tl + 1] = entry else ag.tnew[#ag.tnew + 1] = entry end
end

-- An agent's team (for counting a call's end), without its timeline.
local function agentTeam(agentId)
  local h = redis.call('HMGET', P .. 'agent:' .. agentId, 'team', 'st')
  if not h[2] then return 'unassigned' end
  return h[1]
end

local function saveAgent(ag, ts)
  -- keep the transitions a late event may still fall between: those within the lateness, plus the one before them
  local horizon = ts - lateMs
  if not opt.replay then horizon = math.min(horizon, opt.wallNow - lateMs) end
  -- the transitions: decoded (tl), or those stored still encoded followed by the new ones (tnew)
  local tl = ag.tl
  local stored, count = 0, 0
  if tl then count = #tl else stored = #ag.tts; count = stored + #ag.tnew end
  local keepFrom = math.max(1, count - MAX_TIMELINE + 1)
  for i = keepFrom, count do
    local at
    if tl then at = tl[i][1] elseif i <= stored then at = ag.tts[i] else at = ag.tnew[i - stored][1] end
    if at < horizon then keepFrom = i end
  end
  local tx, pay = {}, {}
  if keepFrom <= stored then
    -- the stored transitions kept: their bytes as they are
    local off = 1
    for i = 1, keepFrom - 1 do off = off + ag.tlens[i] end
    tx[1] = string.sub(ag.tx, (keepFrom - 1) * 8 + 1)
    pay[1] = string.sub(ag.tpay, off)
  end
  local list, from = tl, keepFrom
  if not tl then list, from = ag.tnew, math.max(1, keepFrom - stored) end
  for i = from, #list do
    local e = list[i]
    local p = cmsgpack.pack(STATE_CODE[e[2]] or e[2], e[3], e[4], e[5])
    tx[#tx + 1] = struct.pack(TX_ENTRY, e[1], #p)
    pay[#pay + 1] = p
  end
  local payload = table.concat(pay)
  if ag.legacy then
    -- rewritten whole: Redis never turns a table-encoded hash back into a listpack
    local qs = redis.call('HGET', ag.key, 'qs')
    redis.call('DEL', ag.key)
    if qs then redis.call('HSET', ag.key, 'qs', qs) end
    ag.new, ag.legacy = true, false
  end
  local args = { 'st', ag.st, 'r', ag.r, 'c', ag.c, 'since', ag.since or ts, 'lq', ag.lq, 'at', math.max(ts, ag.prevAt), 'tx', table.concat(tx) }
  local n = #args
  if ag.new or ag.team ~= ag.team0 then args[n + 1] = 'team'; args[n + 2] = ag.team; n = n + 2 end
  if ag.new or ag.name ~= ag.name0 then args[n + 1] = 'name'; args[n + 2] = ag.name; n = n + 2 end
  local chunks = 0
  for i = 1, #payload, TL_CHUNK do
    chunks = chunks + 1
    args[n + 1] = 't' .. chunks; args[n + 2] = string.sub(payload, i, i + TL_CHUNK - 1); n = n + 2
  end
  for c = chunks + 1, ag.chunks do args[n + 1] = 't' .. c; args[n + 2] = ''; n = n + 2 end
  redis.call('HSET', ag.key, unpack(args))
  -- the activity index only needs minutes, and the logged-in set only changes at a login or logout
  -- scored with the end of the minute, so an agent stays listed for at least 65 minutes after its latest event
  if math.floor(ts / MIN) > math.floor(ag.prevAt / MIN) then redis.call('ZADD', P .. 'agents', 'GT', math.floor(ts / MIN) * MIN + MIN - 1, ag.id) end
  markChanged('a', ag.id)
  if (ag.st == 'out') ~= (ag.prevSt == 'out') then
    if ag.st == 'out' then redis.call('SREM', P .. 'agents:on', ag.id) else redis.call('SADD', P .. 'agents:on', ag.id) end
  end
end

-- The agent's state at ts according to its timeline ('out' before anything is known).
local function stateAt(ag, ts)
  if ag.since == nil then return 'out' end
  if ts >= ag.since then return ag.st end
  local tl = timeline(ag)
  local st = 'out'
  for i = 1, #tl do if tl[i][1] <= ts then st = tl[i][2] end end
  return st
end

-- A state transition of an agent at ts: st in idle|ringing|talking|hold|wrap|outbound|not_ready|out.
local function transition(ag, ts, st, r, cat, days)
  if ag.since == nil then
    ag.st, ag.r, ag.c, ag.since = st, r, cat, ts
    ag.tl = { { ts, st, r, cat, ag.lq } }
    return
  end
  if ts >= ag.since then
    spend(ag, ag.st, ag.c, ag.lq, ag.since, ts, 1, days)
    ag.st, ag.r, ag.c, ag.since = st, r, cat, ts
    appendTransition(ag, { ts, st, r, cat, ag.lq })
    return
  end
  -- late: find the last transition at or before ts and the one after it
  local tl = timeline(ag)
  local j = 0
  for i = 1, #tl do if tl[i][1] <= ts then j = i end end
  if j == 0 and ag.full then return 'late' end
  local nextTs = tl[j + 1][1]
  if j > 0 then
    local prev = tl[j]
    spend(ag, prev[2], prev[4], prev[5], ts, nextTs, -1, days)
  end
  spend(ag, st, cat, ag.lq, ts, nextTs, 1, days)
  table.insert(tl, j + 1, { ts, st, r, cat, ag.lq })
end

-- ---------------------------------------------------------------- calls
-- Counts a call leaving the queue (answered / abandoned / callback / overflowed). wait is nil when the queue entry
-- was never seen; sign -1 takes a count back (used when the entry arrives after the outcome).
local function countOutcome(kind, q, at, days, wait, T, S, sign)
  if kind == 'answered' then
    local f = { 'ans' }
    if wait then
      f[#f + 1] = 'ansK'
      if wait <= T then f[#f + 1] = 'ansT' end
      bump('q', q, { 'wait' }, at, days, sign * wait)
    end
    bump('q', q, f, at, days, sign)
  elseif kind == 'abandoned' then
    local f = {}
    if wait and wait < S then f[1] = 'abS' else f[1] = 'ab' end
    if wait and wait > T then f[#f + 1] = 'abT' end
    bump('q', q, f, at, days, sign)
  elseif kind == 'callback_requested' then
    bump('q', q, { 'cb' }, at, days, sign)
  elseif kind == 'overflowed' then
    bump('q', q, { 'ovo' }, at, days, sign)
  end
  if wait and sign > 0 then setMax('q', q, 'mw', at, days, wait) end
end

local function callKey(callId) return P .. 'call:' .. callId end

local function onQueued(e)
  local key = callKey(e.callId)
  local c = redis.call('HMGET', key, 'q', 'qt', 'o', 'ot')
  local q, qt, o, ot = c[1], tonumber(c[2]), c[3], tonumber(c[4])
  if qt and not (o == 'overflowed' and ot <= e.ts) then return end -- the same call queued twice: keep the first
  if o == 'overflowed' and qt then
    -- the call re-enters (on another queue) after overflowing: a new leg
    redis.call('DEL', key)
    o, ot = nil, nil
  end
  addQueue(e.queueId)
  bump('q', e.queueId, { 'en' }, e.ts, e.days, 1)
  if o then
    -- the outcome came first (out of order): recount it now that the wait is known
    local days = cjson.decode(redis.call('HGET', key, 'od'))
    local T, S = tonumber(redis.call('HGET', key, 'T')), tonumber(redis.call('HGET', key, 'S'))
    countOutcome(o, q, ot, days, nil, T, S, -1)
    countOutcome(o, q, ot, days, ot - e.ts, T, S, 1)
    redis.call('HSET', key, 'qt', e.ts)
  else
    redis.call('HSET', key, 'q', e.queueId, 'qt', e.ts)
    redis.call('ZADD', P .. 'waiting:' .. e.queueId, e.ts, e.callId)
    -- a queue is deepest right after a call joins it: the minute's peak is seen here
    setMax('q', e.queueId, 'mq', e.ts, e.days, redis.call('ZCARD', P .. 'waiting:' .. e.queueId))
  end
  redis.call('EXPIRE', key, opt.callTtlSec)
end

-- Counts a call's end: talk + hold from the answer to the end, and a call ended for the agent and their team.
local function countEnded(q, agentId, answeredAt, endedAt, days)
  bump('q', q, { 'end' }, endedAt, days, 1)
  bump('q', q, { 'hand' }, endedAt, days, math.max(0, endedAt - answeredAt))
  if agentId and agentId ~= '' then
    bump('a', agentId, { 'end' }, endedAt, days, 1)
    bump('t', agentTeam(agentId), { 'end' }, endedAt, days, 1)
  end
end

local function onOutcome(e, kind)
  local key = callKey(e.callId)
  local c = redis.call('HMGET', key, 'q', 'qt', 'o')
  if c[3] then return end -- the call already left the queue
  local q = c[1] or e.queueId
  local qt = tonumber(c[2])
  addQueue(q)
  local wait = nil
  if qt then
    wait = math.max(0, e.ts - qt)
    redis.call('ZREM', P .. 'waiting:' .. q, e.callId)
  end
  redis.call('HSET', key, 'q', q, 'o', kind, 'ot', e.ts, 'od', cjson.encode(e.days), 'T', e.T, 'S', e.S)
  countOutcome(kind, q, e.ts, e.days, wait, e.T, e.S, 1)
  if kind == 'answered' then
    redis.call('HSET', key, 'at', e.ts, 'ag', e.agentId)
    local ag = loadAgent(e.agentId)
    ag.lq = q
    if ag.since == nil then transition(ag, e.ts, 'talking', '', '', e.days) end
    bump('a', ag.id, { 'ans' }, e.ts, e.days, 1)
    bump('t', ag.team, { 'ans' }, e.ts, e.days, 1)
    saveAgent(ag, e.ts)
    -- the end came first (out of order): count it now that the answer time is known
    local ended = redis.call('HMGET', key, 'end', 'ed', 'eag')
    if ended[1] then
      local eag = ended[3]
      if not eag or eag == '' then eag = e.agentId end
      countEnded(q, eag, e.ts, tonumber(ended[1]), cjson.decode(ended[2]))
    end
  elseif kind == 'overflowed' then
    addQueue(e.toQueueId)
    bump('q', e.toQueueId, { 'ovi' }, e.ts, e.days, 1)
  end
  -- a call that left the queue for good is only kept for late events about it; an answered one until it ends
  if kind == 'answered' and not redis.call('HGET', key, 'end') then
    redis.call('EXPIRE', key, opt.callTtlSec)
  else
    redis.call('EXPIRE', key, opt.callDoneTtlSec)
  end
end

local function onEnded(e)
  local key = callKey(e.callId)
  local c = redis.call('HMGET', key, 'q', 'at', 'ag', 'end')
  if c[4] then return end
  redis.call('HSET', key, 'end', e.ts, 'ed', cjson.encode(e.days), 'eag', e.agentId or '')
  if c[2] then redis.call('EXPIRE', key, opt.callDoneTtlSec) else redis.call('EXPIRE', key, opt.callTtlSec) end
  -- ended before the answer arrived (out of order): counted when the answer comes
  if c[1] and c[2] then countEnded(c[1], e.agentId or c[3], tonumber(c[2]), e.ts, e.days) end
end

-- ---------------------------------------------------------------- the batch
local function applyOne(e)
  local t = e.type
  if t == 'agent.login' then
    local ag = loadAgent(e.agentId)
    ag.team = e.teamId
    if e.name then ag.name = e.name end
    if e.queues then redis.call('HSET', ag.key, 'qs', cjson.encode(e.queues)) end
    -- logging in makes an agent ready; a login while already logged in changes nothing
    if stateAt(ag, e.ts) == 'out' and transition(ag, e.ts, 'idle', '', '', e.days) == 'late' then return 'late' end
    saveAgent(ag, e.ts)
  elseif t == 'agent.logout' then
    local ag = loadAgent(e.agentId)
    if transition(ag, e.ts, 'out', '', '', e.days) == 'late' then return 'late' end
    saveAgent(ag, e.ts)
  elseif t == 'agent.state' then
    local ag = loadAgent(e.agentId)
    if transition(ag, e.ts, e.state, e.reason or '', e.cat or '', e.days) == 'late' then return 'late' end
    saveAgent(ag, e.ts)
  elseif t == 'call.queued' then onQueued(e)
  elseif t == 'call.answered' then onOutcome(e, 'answered')
  elseif t == 'call.abandoned' then onOutcome(e, 'abandoned')
  elseif t == 'call.callback_requested' then onOutcome(e, 'callback_requested')
  elseif t == 'call.overflowed' then onOutcome(e, 'overflowed')
  elseif t == 'call.ended' then onEnded(e)
  elseif t == 'call.callback_completed' then
    addQueue(e.queueId)
    bump('q', e.queueId, { 'cbd' }, e.ts, e.days, 1)
  end
end

for i = 1, #events do
  local e = events[i]
  local ref = maxTs
  if not opt.replay then ref = opt.wallNow end
  local seenKey = P .. 'seen:' .. math.floor(e.ts / MIN)
  -- marked seen first (one command for the check); taken back if the event turns out late or fails, so that a
  -- retry is not taken for a duplicate
  if redis.call('SADD', seenKey, e.id) == 0 then
    statuses[i] = 1; dups = dups + 1
  elseif e.ts < ref - lateMs and not opt.acceptLate then
    redis.call('SREM', seenKey, e.id)
    statuses[i] = 2; late = late + 1
  else
    expireOnce(seenKey, opt.dedupeSec)
    local ok, err = pcall(applyOne, e)
    if ok and err ~= 'late' then
      commitStaged()
      if e.ts > maxTs then maxTs = e.ts end
      statuses[i] = 0; applied = applied + 1
    else
      staged, stagedMax, stagedRing = {}, {}, {}
      redis.call('SREM', seenKey, e.id)
      if ok then
        statuses[i] = 2; late = late + 1
      else
        if type(err) == 'table' then err = err.err or cjson.encode(err) end
        statuses[i] = 'failed: ' .. tostring(err)
      end
    end
  end
end

flush()
local changes = {}
for entity in pairs(changed) do changes[#changes + 1] = version; changes[#changes + 1] = entity end
for i = 1, #changes, 2000 do
  redis.call('ZADD', P .. 'changed', unpack(changes, i, math.min(i + 1999, #changes)))
end
if applied > 0 or #changes > 0 then
  redis.call('HSET', meta, 'version', version)
  -- a new store (first call, or after the keys were deleted): readers drop what they cached from an older one
  if version == 1 then redis.call('HSET', meta, 'epoch', opt.wallNow) end
end
if applied > 0 then
  redis.call('HSET', meta, 'maxTs', maxTs, 'lastEventWall', opt.wallNow)
  redis.call('HINCRBY', meta, 'accepted', applied)
end
if dups > 0 then redis.call('HINCRBY', meta, 'duplicates', dups) end
if late > 0 then redis.call('HINCRBY', meta, 'late', late) end
return statuses
