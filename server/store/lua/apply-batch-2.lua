--[[
  Applies a batch of validated, normalised ACD events atomically.

  KEYS[1]  the meta hash (<prefix>meta): maxTs, lastEventWall, accepted, duplicates, late, version
  ARGV[1]  key prefix, e.g. "fw:" (every key below is <prefix>...; the layout is documented in server/store/keys.ts)
  ARGV[2]  JSON options: { wallNow, replay (bool), lateMs, acceptLate (bool: backfill in time order), dedupeSec,
                          ringTtlSec, ringSlots, ring (the minute-ring layout of server/store/rings.ts), ringKeys
                          (each kind's ring key before the id, server/store/keys.ts), dayTtlSec,
                          intervalMs, seriesTtlSec, callTtlSec, callDoneTtlSec }
  ARGV[3]  JSON array of events sorted by ts; besides the contract's fields each carries
             days = [previousDayStart, dayStart, nextDayStart] of its ts,
             cat  = not-ready category (agent.state), T / S = service-level and short-abandon thresholds in ms (call.*)

  Returns an array with one status per event: 0 applied, 1 duplicate, 2 late, or the error message (a string) of an
  event that failed to apply (e.g. a corrupted key). A failed event is not marked seen, so it can be retried; the
  writes it made before failing are not undone (Redis scripts do not roll back).

  Counters go to three places: the entity's minute ring (ringKeys, its last 66 minutes, for the rolling windows),
  its "today" totals (a queue's or team's day bucket d:...; an agent's in its ring's day section), and for queues and
  teams its interval bucket (i:..., the 48-hour series). Every
  queue, team and agent written is added to the `changed` index with this call's version, so that a snapshot reader
  re-reads only what changed since its last read.

  Time in state is kept per agent as a short timeline of transitions (in its hash). A transition arriving out of order (ts
  before the agent's current state began, but within the lateness) only changes the interval it falls into: that part
  is taken from the old state and given to the new one, so buckets end up as if the events had come in order.
]]
-- globals used in hot paths, as locals (each use of a global is a table lookup)
local mfloor, mmax, mmin, ssub = math.floor, math.max, math.min, string.sub
local rcall = redis.call

local meta = KEYS[1]
local P = ARGV[1]
local opt = cjson.decode(ARGV[2])
local events = cjson.decode(ARGV[3])

local MIN = 60000
local lateMs = opt.lateMs
local SLOTS = opt.ringSlots
local RING = opt.ring
for _, L in pairs(RING) do
  -- a counter field folded into a ring field (rings.ts) is added where that one is
  for from, into in pairs(L.folds) do L.fields[from] = L.fields[into] end
  if L.day == cjson.null then L.day = nil end -- a kind without a day section
end
local ringKeepMs = SLOTS * MIN
local intervalMs = opt.intervalMs
local seriesKeepMs = opt.seriesTtlSec * 1000

-- This call's version: a snapshot reader that has read up to version v re-reads what changed with a later one.
local version = tonumber(rcall('HGET', meta, 'version') or '0') + 1
-- by kind, then id (the index's members, kind:id, are built once at the end)
local changed = { a = {}, q = {}, t = {} }
local function markChanged(kind, id)
  local byId = changed[kind]
  if not byId then byId = {}; changed[kind] = byId end
  byId[id] = true
end

local maxTs = tonumber(rcall('HGET', meta, 'maxTs') or '0')
local statuses = {}
local applied, dups, late = 0, 0, 0

-- Sets a key's time to live once per script call.
local expired = {}
local function expireOnce(key, ttl)
  if not expired[key] then
    rcall('EXPIRE', key, ttl)
    expired[key] = true
  end
end

-- Counter writes are combined: each bucket field's increments are summed over the batch and written once at the end.
-- A batch hits the same team, queue and day buckets again and again, so this saves most of the writes. A failed event
-- must leave no counts: every change an event makes to these sums is noted in an undo journal (table, key, value
-- before), which is forgotten when the event succeeds and played back when it fails (rare).
local pending, pendingMax = {}, {}
local journal, jn = {}, 0
local function note(t, k, old)
  journal[jn + 1] = t; journal[jn + 2] = k; journal[jn + 3] = old; jn = jn + 3
end
local function rollback()
  for i = jn - 2, 1, -3 do journal[i][journal[i + 1]] = journal[i + 2] end
  jn = 0
end

-- The table at t[k], made when missing; and a sum t[field] added to: both journalled.
local function child(t, k)
  local c = t[k]
  if not c then c = {}; t[k] = c; note(t, k, nil) end
  return c
end
local function add(t, field, amount)
  local old = t[field]
  note(t, field, old)
  t[field] = (old or 0) + amount
end

local function incr(key, field, amount, ttl)
  local p = pending[key]
  if not p then p = { ttl = ttl, f = {} }; pending[key] = p; note(pending, key, nil) end
  add(p.f, field, amount)
end

local function keepMax(key, field, value, ttl)
  local p = pendingMax[key]
  if not p then p = { ttl = ttl, f = {} }; pendingMax[key] = p; note(pendingMax, key, nil) end
  local f = p.f
  local old = f[field]
  if value > (old or -1) then note(f, field, old); f[field] = value end
end

-- Ring increments are summed the same way, per kind, entity and minute (no key strings to build and parse).
local pendingRing = { a = {}, q = {}, t = {} }

local function ringSlot(kind, id, minute)
  local e = child(child(pendingRing, kind), id)
  local s = e[minute]
  if not s then s = { inc = {}, max = {} }; e[minute] = s; note(e, minute, nil) end
  return s
end

local function ringIncr(kind, id, minute, field, amount)
  add(ringSlot(kind, id, minute).inc, field, amount)
end

local function ringMax(kind, id, minute, field, value)
  local max = ringSlot(kind, id, minute).max
  local old = max[field]
  if value > (old or -1) then note(max, field, old); max[field] = value end
end

-- An agent ring's day section (rings.ts) is staged the same way, per day start. Every day amount comes with minute
-- amounts of the same agent (spend and bump stage both), so writeRing writes both.
local pendingDay = {}
local function ringDayIncr(kind, id, day, field, amount)
  add(child(child(child(pendingDay, kind), id), day), field, amount)
end

-- Writes one entity's staged minutes (and an agent's staged days) into its ring (layout in server/store/rings.ts: a
-- u32 header with the latest minute, untagged slots, an agent's day section) with two BITFIELD calls: read the
-- header, the day section's day and the current maxima; then advance the header, zero the slots of the minutes it
-- moves over, add the increments, raise the maxima and add to the day section. A new ring is first SET to zeros of
-- its full length: allocated once at its exact size (BITFIELD growing a string allocates about twice what it needs).
local RING_HEADER = 32
local DAY_MINUTES_MAX = 25 * 60 -- the longest day period (daylight saving's 25-hour day)
local function writeRing(kind, id, minutes, staged)
  local L = RING[kind]
  local key = P .. opt.ringKeys[kind] .. id
  local list = {}
  for m in pairs(minutes) do list[#list + 1] = m end
  table.sort(list)
  local slotBits = L.slotBits
  local D = L.day
  local gets, maxAt = { 'GET', 'u32', 0 }, {}
  if D then gets[4] = 'GET'; gets[5] = 'u32'; gets[6] = D.bit end
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
  local read = rcall('BITFIELD', key, unpack(gets))
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
    -- a new ring, or every slot is past: all are zeroed (a day section stays)
    if top == 0 then rcall('SET', key, string.rep('\0', L.bytes)) else zero(RING_HEADER, RING_HEADER + SLOTS * slotBits) end
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
  -- the day section: days in order; a later day than the one held starts it afresh, an earlier one is dropped
  local ttl = opt.ringTtlSec
  if D then
    local held = read[2]
    if staged then
      local days = {}
      for d in pairs(staged) do days[#days + 1] = d end
      table.sort(days)
      for _, d in ipairs(days) do
        local dm = mfloor(d / MIN)
        if dm > held then
          zero(D.bit, D.bit + D.bits)
          op('SET', 'u32', D.bit, dm)
          held, advanced = dm, true
        end
        if dm == held then
          for field, amount in pairs(staged[d]) do
            local f = D.fields[field]
            if f and amount ~= 0 then op('INCRBY', f[2], D.bit + f[1], amount) end
          end
        end
      end
    end
    -- kept until its day is over (at most 25 hours after it began), however long the agent stays in one state: the
    -- time to live set as the minute moves on covers the writes after it that minute
    if held > 0 then ttl = ttl + mmax(0, (held + DAY_MINUTES_MAX - top) * 60) end
  end
  if n > 2 then
    rcall('BITFIELD', key, unpack(ops))
    -- the time to live is renewed when the ring moves on to a new minute: at least once a minute while it is written
    if advanced then rcall('EXPIRE', key, ttl) end
  end
  markChanged(kind, id)
end

local function flush()
  for key, p in pairs(pending) do
    for field, amount in pairs(p.f) do
      if amount ~= 0 then rcall('HINCRBY', key, field, amount) end
    end
    rcall('EXPIRE', key, p.ttl)
  end
  for key, p in pairs(pendingMax) do
    for field, value in pairs(p.f) do
      if value > tonumber(rcall('HGET', key, field) or '-1') then rcall('HSET', key, field, value) end
    end
    rcall('EXPIRE', key, p.ttl)
  end
  for kind, byId in pairs(pendingRing) do
    local days = pendingDay[kind] or {}
    for id, minutes in pairs(byId) do writeRing(kind, id, minutes, days[id]) end
  end
end

-- Queues seen: the set is written once per queue per call.
local queuesAdded = {}
local function addQueue(q)
  if not queuesAdded[q] then
    rcall('SADD', P .. 'queues', q)
    queuesAdded[q] = true
  end
end

-- ---------------------------------------------------------------- buckets
local function dayOf(at, days)
  if at >= days[3] then return days[3] elseif at >= days[2] then return days[2] elseif at >= days[1] then return days[1] end
  return nil
end

-- Bucket key names are built once per call: cache[kind][id][start] (the same few are used again and again).
local function keyCache(prefix)
  local byKind = {}
  return function(kind, id, start)
    local byId = byKind[kind]
    if not byId then byId = {}; byKind[kind] = byId end
    local byStart = byId[id]
    if not byStart then byStart = {}; byId[id] = byStart end
    local key = byStart[start]
    if not key then key = P .. prefix .. kind .. ':' .. id .. ':' .. start; byStart[start] = key end
    return key
  end
end
local dayKey = keyCache('d:')
local intervalKeyAt = keyCache('i:') -- start: the interval's start

local function intervalKey(kind, id, at) return intervalKeyAt(kind, id, mfloor(at / intervalMs) * intervalMs) end

-- Adds to fields of the minute of `at` in the entity's ring, of the day bucket that contains it, and (queues and
-- teams) of its interval bucket.
local function bump(kind, id, fields, at, days, amount)
  local minute = mfloor(at / MIN)
  local day = dayOf(at, days)
  local ikey = nil
  if kind ~= 'a' then ikey = intervalKey(kind, id, at) end
  for i = 1, #fields do
    ringIncr(kind, id, minute, fields[i], amount)
    if day then
      if kind == 'a' then ringDayIncr(kind, id, day, fields[i], amount)
      else incr(dayKey(kind, id, day), fields[i], amount, opt.dayTtlSec) end
    end
    if ikey then incr(ikey, fields[i], amount, opt.seriesTtlSec) end
  end
  markChanged(kind, id)
end

local function setMax(kind, id, field, at, days, value)
  -- the ring keeps a maximum plus one, so that 0 tells "no call" from a call that did not wait
  ringMax(kind, id, mfloor(at / MIN), field, value + 1)
  local day = dayOf(at, days)
  if day then keepMax(dayKey(kind, id, day), field, value, opt.dayTtlSec) end
  if kind ~= 'a' then keepMax(intervalKey(kind, id, at), field, value, opt.seriesTtlSec) end
end

-- The agent's day fields for ms spent in a state: logged-in time always, break and talk time when it is one of those
-- (the minutes get the same, in spend).
local function agentDay(id, day, field, state, ms)
  ringDayIncr('a', id, day, 'li', ms)
  if field == 'c:break' then ringDayIncr('a', id, day, 'brk', ms) end
  if state == 'talking' then ringDayIncr('a', id, day, 'talk', ms) end
end

-- Spreads the interval [a, b) of an agent's state over the agent's and its team's minute rings, day buckets and the
-- team's interval buckets (which also keep each agent's logged-in and break time, for the interval's dispersion).
-- sign is +1 to add, -1 to take back. Minutes older than the ring, and intervals older than the series, are skipped.
-- The team gets one field per interval: s:<state>, or c:<category> for not_ready; logged-in time (their sum) and
-- not-ready time (the sum of the categories) are derived when the snapshot is made.
local stateFields, catFields, agentFieldNames = {}, {}, {}
local function spend(ag, state, cat, a, b, sign, days)
  if state == 'out' or b <= a then return end
  local field
  if state == 'not_ready' then
    field = catFields[cat]
    if not field then field = 'c:' .. cat; catFields[cat] = field end
  else
    field = stateFields[state]
    if not field then field = 's:' .. state; stateFields[state] = field end
  end
  local names = agentFieldNames[ag.id]
  if not names then names = { 'l:' .. ag.id, 'b:' .. ag.id }; agentFieldNames[ag.id] = names end
  local from = mmax(a, b - ringKeepMs)
  local m = mfloor(from / MIN) * MIN
  while m < b do
    local lo, hi = mmax(from, m), mmin(b, m + MIN)
    if hi > lo then
      local ms, minute = sign * (hi - lo), m / MIN
      ringIncr('a', ag.id, minute, 'li', ms)
      if field == 'c:break' then ringIncr('a', ag.id, minute, 'brk', ms) end
      if state == 'talking' then ringIncr('a', ag.id, minute, 'talk', ms) end
      ringIncr('t', ag.team, minute, field, ms)
    end
    m = m + MIN
  end
  from = mmax(a, b - seriesKeepMs)
  m = mfloor(from / intervalMs) * intervalMs
  while m < b do
    local lo, hi = mmax(from, m), mmin(b, m + intervalMs)
    if hi > lo then
      local ikey = intervalKeyAt('t', ag.team, m)
      incr(ikey, field, sign * (hi - lo), opt.seriesTtlSec)
      incr(ikey, names[1], sign * (hi - lo), opt.seriesTtlSec)
      if field == 'c:break' then incr(ikey, names[2], sign * (hi - lo), opt.seriesTtlSec) end
    end
    m = m + intervalMs
  end
  -- day buckets: split at the day boundaries; time before the previous day is not kept
  for d = 1, 3 do
    local lo = mmax(a, days[d])
    local hi = b
    if d < 3 then hi = mmin(b, days[d + 1]) end
    if hi > lo then
      agentDay(ag.id, days[d], field, state, sign * (hi - lo))
      incr(dayKey('t', ag.team, days[d]), field, sign * (hi - lo), opt.dayTtlSec)
    end
  end
  markChanged('a', ag.id)
  markChanged('t', ag.team)
end

-- After-call work [a, b) belongs to the handle time of q, the queue of the last call the agent answered before the wrap
-- began (in event time), counted in the minute the wrap ends.
local function wrapTime(q, a, b, sign, days)
  if q and q ~= '' and b > a then bump('q', q, { 'wrap' }, b - 1, days, sign * (b - a)) end
end

-- ---------------------------------------------------------------- agents
-- At most this many transitions are kept per agent: enough for any human pace of state changes within the
-- lateness (8 in 60 s), and it bounds the work per event (logins that changed nothing may add a few, see saveAgent).
-- A late event older than the oldest one kept is rejected as late.
local MAX_TIMELINE = 8

-- The timeline is stored in the agent's hash in two parts, so that an event in order (nearly all) neither decodes nor
-- re-encodes the transitions kept (unpacking and packing the whole list took several µs an event): tx, an index of 8 bytes per
-- transition (ts u48, length of its payload u16: 64 bytes at most), and the payloads one after another (MessagePack:
-- state code, reason, category; a wrap also the queue it counts for and the ts of the answer that chose it; a login,
-- code 9, only its code), split over fields t1, t2, ... of 64 bytes. With no value over 64 bytes
-- Redis keeps the hash a listpack (one longer value turns it into a table about three times the size:
-- hash-max-listpack-value). Chunk fields past the payload's length may hold ''. Earlier versions kept the whole
-- timeline in one field, tl.
local TL_CHUNK = 64
local TX_ENTRY = '>I6I2'
local TX_FORMATS = {}
for n = 1, MAX_TIMELINE do TX_FORMATS[n] = '>' .. string.rep('I6I2', n) end
local TL_FIELDS = {}
for i = 1, 16 do TL_FIELDS[i] = 't' .. i end
-- login: an agent.login, kept even while logged in (then it changes nothing) because a late logout before it makes it count
local STATE_CODE = { idle = 1, ringing = 2, talking = 3, hold = 4, wrap = 5, outbound = 6, not_ready = 7, out = 8, login = 9 }
local LOGIN = 9
local STATE_NAME = {}
for name, code in pairs(STATE_CODE) do STATE_NAME[code] = name end

local function decodeLegacyTimeline(raw)
  if raw == '' then return {} end
  local first = ssub(raw, 1, 1)
  if first == '[' or first == '{' then return cjson.decode(raw) end -- JSON, older still
  return cmsgpack.unpack(raw)
end

local agentKeys = {}
local function agentKey(agentId)
  local key = agentKeys[agentId]
  if not key then key = P .. 'agent:' .. agentId; agentKeys[agentId] = key end
  return key
end

local function loadAgent(agentId)
  local key = agentKey(agentId)
  local h = rcall('HMGET', key, 'team', 'name', 'st', 'r', 'c', 'since', 'lq', 'at', 'tl', 'tx', 't1', 't2', 't3', 't4', 'aq')
  if not h[3] then
    return { key = key, id = agentId, team = 'unassigned', name = agentId, st = 'out', r = '', c = '', since = nil, lq = '', tl = {},
             prevAt = 0, chunks = 0, new = true, aqRaw = '' }
  end
  -- lq: the queue of the agent's latest answer; aq: the agent's recent answers (see answerAt)
  local ag = { key = key, id = agentId, team = h[1], name = h[2], st = h[3], r = h[4] or '', c = h[5] or '', since = tonumber(h[6]),
               lq = h[7] or '', prevAt = tonumber(h[8] or '0'), team0 = h[1], name0 = h[2], chunks = 0, stored = h,
               aqRaw = h[15] or '' }
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
    for i = 1, mmin(chunks, 4) do parts[i] = h[10 + i] end
    if chunks > 4 then
      local names = {}
      for i = 5, chunks do names[#names + 1] = 't' .. i end
      local more = rcall('HMGET', key, unpack(names))
      for i = 1, #more do parts[#parts + 1] = more[i] end
    end
    ag.tx, ag.tts, ag.tlens, ag.tpay, ag.tnew, ag.chunks, ag.parts = tx, tts, tlens, table.concat(parts), {}, chunks, parts
  end
  -- full: older transitions were dropped, so what came before the first one kept is not known
  ag.full = #(ag.tl or ag.tts) >= MAX_TIMELINE
  return ag
end

-- The agent's transitions as a list of { ts, state, reason, category, wrap queue, ts of the answer that chose it },
-- decoded on first use (a late event).
local function timeline(ag)
  if not ag.tl then
    local tl, off = {}, 1
    for i = 1, #ag.tts do
      local len = ag.tlens[i]
      local code, r, cat, lq, lqt = cmsgpack.unpack(ssub(ag.tpay, off, off + len - 1))
      if lqt == -1 then lqt = nil end
      tl[i] = { ag.tts[i], STATE_NAME[code] or code, r or '', cat or '', lq or '', lqt }
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

-- The ts of the agent's last transition (a login that changed nothing may follow the current state's start).
local function lastTs(ag)
  if ag.tl then if #ag.tl > 0 then return ag.tl[#ag.tl][1] end
  elseif #ag.tnew > 0 then return ag.tnew[#ag.tnew][1]
  elseif #ag.tts > 0 then return ag.tts[#ag.tts] end
  return ag.since
end

local function packEntry(e)
  local code = STATE_CODE[e[2]] or e[2]
  if code == LOGIN then return cmsgpack.pack(code) end
  if e[2] == 'wrap' then return cmsgpack.pack(code, e[3], e[4], e[5] or '', e[6] or -1) end
  return cmsgpack.pack(code, e[3], e[4])
end

-- Transitions older than this can no longer be preceded by an event: any such event is late.
local function horizonOf(ts)
  local horizon = ts - lateMs
  if not opt.replay then horizon = mmin(horizon, opt.wallNow - lateMs) end
  return horizon
end

-- The agent's recent answers, { ts1, queue1, ts2, queue2, ... } in event time (answers with the same ts in the order
-- applied): those a late wrap may still follow, plus the one before them. Stored as MessagePack split over fields
-- aq, aq2, ... of 64 bytes like the timeline (read past aq only when decoded).
local MAX_ANSWERS = 8
local AQ_FIELDS = { 'aq' }
for i = 2, 16 do AQ_FIELDS[i] = 'aq' .. i end
local function answers(ag)
  if not ag.aq then
    local raw, chunks = ag.aqRaw, 0
    if raw ~= '' then chunks = 1 end
    if #raw >= TL_CHUNK then
      local parts = { raw }
      local more = rcall('HMGET', ag.key, unpack(AQ_FIELDS, 2))
      for i = 1, #more do
        if not more[i] or more[i] == '' then break end
        parts[#parts + 1] = more[i]; chunks = chunks + 1
        if #more[i] < TL_CHUNK then break end
      end
      raw = table.concat(parts)
    end
    ag.aqChunks = chunks
    if raw == '' then ag.aq = {} else ag.aq = { cmsgpack.unpack(raw) } end
  end
  return ag.aq
end

-- The queue of the agent's last answer at or before ts, and that answer's ts; '' when none is known.
local function answerAt(ag, ts)
  local list = answers(ag)
  for i = #list - 1, 1, -2 do
    if list[i] <= ts then return list[i + 1], list[i] end
  end
  return '', nil
end

local function addAnswer(ag, ts, q)
  local list = answers(ag)
  local at = #list + 1
  while at > 1 and list[at - 2] > ts do at = at - 2 end
  table.insert(list, at, q)
  table.insert(list, at, ts)
  local horizon = horizonOf(ts)
  while #list > 2 * MAX_ANSWERS or (#list >= 4 and list[3] < horizon) do
    table.remove(list, 1); table.remove(list, 1)
  end
  ag.aqChanged = true
  ag.lq = list[#list]
end

-- The queue the current state counts for when it is a wrap: that of the transition that began it (the last one but
-- logins, which change nothing while logged in). Decodes one payload at most.
local function currentWrapQueue(ag)
  if ag.tl then
    for i = #ag.tl, 1, -1 do if ag.tl[i][2] ~= 'login' then return ag.tl[i][5] or '' end end
    return ''
  end
  for i = #ag.tnew, 1, -1 do if ag.tnew[i][2] ~= 'login' then return ag.tnew[i][5] or '' end end
  local off = #ag.tpay + 1
  for i = #ag.tts, 1, -1 do
    off = off - ag.tlens[i]
    if string.byte(ag.tpay, off) ~= LOGIN then
      local _, _, _, lq = cmsgpack.unpack(ssub(ag.tpay, off, off + ag.tlens[i] - 1))
      return lq or ''
    end
  end
  return ''
end

-- An agent's team (for counting a call's end), without its timeline.
local function agentTeam(agentId)
  local h = rcall('HMGET', agentKey(agentId), 'team', 'st')
  if not h[2] then return 'unassigned' end
  return h[1]
end

-- Adds field and value to an HSET's arguments unless the hash already holds that value (stored, from HMGET: false
-- when missing). Returns the new count of arguments.
local function putChanged(args, n, field, value, stored)
  if stored and (value == stored or (type(value) == 'number' and tonumber(stored) == value)) then return n end
  args[n + 1] = field; args[n + 2] = value
  return n + 2
end

-- Adds the answers' fields to an HSET's arguments (h: as in saveAgent).
local function putAnswers(ag, args, n, h)
  local list, packed = ag.aq, ''
  while #list > 0 do
    packed = cmsgpack.pack(unpack(list))
    if #packed <= #AQ_FIELDS * TL_CHUNK then break end
    table.remove(list, 1); table.remove(list, 1); packed = ''
  end
  local c = 0
  for i = 1, #packed, TL_CHUNK do
    c = c + 1
    local stored = false
    if c == 1 then stored = h[15] end
    n = putChanged(args, n, AQ_FIELDS[c], ssub(packed, i, i + TL_CHUNK - 1), stored)
  end
  if c == 0 then n = putChanged(args, n, 'aq', '', h[15]); c = 1 end
  for k = c + 1, ag.aqChunks or 0 do n = putChanged(args, n, AQ_FIELDS[k], '', false) end
  return n
end

-- The first transition to keep of tl (decoded), count of them.
local function keepFromOf(count, tsAt, horizon)
  local keepFrom = mmax(1, count - MAX_TIMELINE + 1)
  for i = keepFrom, count do
    if tsAt(i) < horizon then keepFrom = i end
  end
  return keepFrom
end

local function saveAgent(ag, ts)
  -- keep the transitions a late event may still fall between: those within the lateness, plus the one before them
  local horizon = horizonOf(ts)
  -- the transitions: decoded (tl), or those stored still encoded followed by the new ones (tnew)
  local tl = ag.tl
  local stored, count = 0, 0
  if tl then count = #tl else stored = #ag.tts; count = stored + #ag.tnew end
  local function tsAt(i)
    if tl then return tl[i][1] elseif i <= stored then return ag.tts[i] end
    return ag.tnew[i - stored][1]
  end
  local keepFrom = keepFromOf(count, tsAt, horizon)
  local isLogin = false
  if keepFrom == 1 then -- the agent's first transition: what came before is logged out
  elseif tl then isLogin = tl[keepFrom][2] == 'login'
  elseif keepFrom <= stored then
    local off = 1
    for i = 1, keepFrom - 1 do off = off + ag.tlens[i] end
    isLogin = string.byte(ag.tpay, off) == LOGIN
  else isLogin = ag.tnew[keepFrom - stored][2] == 'login' end
  if isLogin then
    -- The first transition kept must tell the state from there on, and a login first reads as one that logged the
    -- agent in: keep from the start of the state it continued. A login that changed nothing before the horizon never
    -- will (nothing can come before it any more): dropped, so that a stream of them does not pile up.
    tl = timeline(ag)
    local kept, noop, cur = {}, {}, nil
    for i = 1, #tl do
      local e = tl[i]
      local changes = e[2] ~= 'login' or cur == nil or cur == 'out'
      if changes then cur = e[2] end
      if changes or e[1] >= horizon then kept[#kept + 1] = e; noop[#kept] = not changes end
    end
    ag.tl, tl, stored, count = kept, kept, 0, #kept
    keepFrom = keepFromOf(count, tsAt, horizon)
    while keepFrom > 1 and noop[keepFrom] do keepFrom = keepFrom - 1 end
  end
  local tx, pay = {}, {}
  if keepFrom <= stored then
    -- the stored transitions kept: their bytes as they are
    local off = 1
    for i = 1, keepFrom - 1 do off = off + ag.tlens[i] end
    tx[1] = ssub(ag.tx, (keepFrom - 1) * 8 + 1)
    pay[1] = ssub(ag.tpay, off)
  end
  local list, from = tl, keepFrom
  if not tl then list, from = ag.tnew, mmax(1, keepFrom - stored) end
  for i = from, #list do
    local e = list[i]
    local p = packEntry(e)
    tx[#tx + 1] = struct.pack(TX_ENTRY, e[1], #p)
    pay[#pay + 1] = p
  end
  local payload = table.concat(pay)
  if ag.legacy then
    -- rewritten whole: Redis never turns a table-encoded hash back into a listpack
    local qs = rcall('HGET', ag.key, 'qs')
    rcall('DEL', ag.key)
    if qs then rcall('HSET', ag.key, 'qs', qs) end
    ag.new, ag.legacy = true, false
  end
  -- only the fields whose value changes are written (h: what loadAgent read; nothing for a new or rewritten hash)
  local h = {}
  if not ag.new then h = ag.stored end
  local parts = ag.parts or {}
  local args = {}
  local n = putChanged(args, 0, 'st', ag.st, h[3])
  n = putChanged(args, n, 'r', ag.r, h[4])
  n = putChanged(args, n, 'c', ag.c, h[5])
  n = putChanged(args, n, 'since', ag.since or ts, h[6])
  n = putChanged(args, n, 'lq', ag.lq, h[7])
  n = putChanged(args, n, 'at', mmax(ts, ag.prevAt), h[8])
  n = putChanged(args, n, 'tx', table.concat(tx), h[10])
  if ag.aqChanged then n = putAnswers(ag, args, n, h) end
  if ag.new or ag.team ~= ag.team0 then args[n + 1] = 'team'; args[n + 2] = ag.team; n = n + 2 end
  if ag.new or ag.name ~= ag.name0 then args[n + 1] = 'name'; args[n + 2] = ag.name; n = n + 2 end
  local chunks = 0
  for i = 1, #payload, TL_CHUNK do
    chunks = chunks + 1
    local stored = false
    if not ag.new and chunks <= ag.chunks then stored = parts[chunks] end
    n = putChanged(args, n, TL_FIELDS[chunks] or ('t' .. chunks), ssub(payload, i, i + TL_CHUNK - 1), stored)
  end
  for c = chunks + 1, ag.chunks do
    local stored = false
    if not ag.new then stored = parts[c] end
    n = putChanged(args, n, TL_FIELDS[c] or ('t' .. c), '', stored)
  end
  if n > 0 then rcall('HSET', ag.key, unpack(args, 1, n)) end
  markChanged('a', ag.id)
end

-- The states an agent's timeline makes, in order: { from, to (nil for the current one), state, category, wrap queue,
-- reason }. A login only makes the agent idle when logged out.
local function spells(tl)
  local list, cur = {}, nil
  for i = 1, #tl do
    local e = tl[i]
    local st, cat, lq, r = e[2], e[4], '', e[3]
    if st == 'login' then
      if cur and cur[3] ~= 'out' then st = nil else st, cat, r = 'idle', '', '' end
    elseif st == 'wrap' then lq = e[5] or '' end
    if st then
      if cur then cur[2] = e[1] end
      cur = { e[1], nil, st, cat, lq, r }
      list[#list + 1] = cur
    end
  end
  return list
end

local function spendSpell(ag, s, a, b, sign, days)
  spend(ag, s[3], s[4], a, b, sign, days)
  if s[3] == 'wrap' then wrapTime(s[5], s[1], s[2], sign, days) end
end

-- Re-spreads the agent's time after change(tl) altered its timeline at or after ts: the states that ended at or after ts
-- are taken back and the new ones counted (a state with the same start only for the time its end moved; a wrap wholly, in
-- the minute it now ends). The current state (not counted yet) becomes the new timeline's last.
local function retime(ag, ts, days, change)
  local tl = timeline(ag)
  local old = spells(tl)
  change(tl)
  local new = spells(tl)
  local byStart = {}
  for _, s in ipairs(old) do
    if s[2] and s[2] >= ts then byStart[s[1] .. '|' .. s[3] .. '|' .. s[4] .. '|' .. s[5]] = s end
  end
  for _, s in ipairs(new) do
    if s[2] and s[2] >= ts then
      local k = s[1] .. '|' .. s[3] .. '|' .. s[4] .. '|' .. s[5]
      local o = byStart[k]
      if o and o[2] - o[1] >= s[2] - s[1] and o[2] - o[1] > 0 then
        byStart[k] = nil
        spend(ag, s[3], s[4], s[2], o[2], -1, days)
        if s[3] == 'wrap' and o[2] ~= s[2] then wrapTime(s[5], s[1], o[2], -1, days); wrapTime(s[5], s[1], s[2], 1, days) end
      elseif o and o[2] - o[1] > 0 then
        byStart[k] = nil
        spend(ag, s[3], s[4], o[2], s[2], 1, days)
        if s[3] == 'wrap' then wrapTime(s[5], s[1], o[2], -1, days); wrapTime(s[5], s[1], s[2], 1, days) end
      else
        spendSpell(ag, s, s[1], s[2], 1, days)
      end
    end
  end
  for _, o in pairs(byStart) do spendSpell(ag, o, o[1], o[2], -1, days) end
  local cur = new[#new]
  ag.st, ag.c, ag.since, ag.r = cur[3], cur[4], cur[1], cur[6]
end

-- A transition of an agent at ts: st in idle|ringing|talking|hold|wrap|outbound|not_ready|out, or login. Returns 'late'
-- when it is older than every transition kept and some were dropped.
local function transition(ag, ts, st, r, cat, days)
  local e = { ts, st, r, cat, '', nil }
  if st == 'wrap' then e[5], e[6] = answerAt(ag, ts) end
  if ag.since == nil then
    if st == 'login' then st, r, cat = 'idle', '', '' end
    ag.st, ag.r, ag.c, ag.since = st, r, cat, ts
    ag.tl = { e }
    return
  end
  if ts >= lastTs(ag) then
    if st == 'login' then
      if ag.st ~= 'out' then appendTransition(ag, e); return end -- changes nothing (unless a late logout comes before it)
      st, r, cat = 'idle', '', ''
    end
    spend(ag, ag.st, ag.c, ag.since, ts, 1, days)
    if ag.st == 'wrap' then wrapTime(currentWrapQueue(ag), ag.since, ts, 1, days) end
    ag.st, ag.r, ag.c, ag.since = st, r, cat, ts
    appendTransition(ag, e)
    return
  end
  -- late: inserted after the transitions at or before ts, and the time from there on re-spread
  local tl = timeline(ag)
  local j = 0
  for i = 1, #tl do if tl[i][1] <= ts then j = i end end
  if j == 0 and ag.full then return 'late' end
  retime(ag, ts, days, function(list) table.insert(list, j + 1, e) end)
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

-- A call's legs share its hash: a leg is its stay in one queue (an overflow ends one and starts another), and its
-- fields are named '<field>:<queueId>', so that the events of each leg find it in whatever order they arrive. The
-- answer (aq, at, ag) and the end (end, ed, eag) are the call's. A record of an earlier version kept one leg, its
-- fields unprefixed with its queue in q: it is read and written in that layout until it expires.
local LEG_FIELDS = { 'qt', 'o', 'ot', 'od', 'T', 'S', 'to' }
-- The call's leg in queue q; with withEnd, the call's end too (one read for both).
local function readLeg(key, q, withEnd)
  local names = {}
  for i, f in ipairs(LEG_FIELDS) do names[i] = f .. ':' .. q end
  names[8] = 'q'
  if withEnd then names[9], names[10], names[11] = 'end', 'ed', 'eag' end
  local v = rcall('HMGET', key, unpack(names))
  local sfx = ':' .. q
  if not v[1] and not v[2] and v[8] == q then
    local old = rcall('HMGET', key, unpack(LEG_FIELDS))
    for i = 1, 7 do v[i] = old[i] end
    sfx = ''
  end
  return { qt = tonumber(v[1]), o = v[2], ot = tonumber(v[3]), od = v[4], T = tonumber(v[5]), S = tonumber(v[6]), to = v[7], sfx = sfx,
    ended = tonumber(v[9]), endDays = v[10], endAgent = v[11] }
end

-- Takes back the queue's counts of a leg's outcome (to count it again with its wait known, or an earlier one instead).
local function takeBackOutcome(leg, q)
  local wait = nil
  if leg.qt then wait = mmax(0, leg.ot - leg.qt) end
  local days = cjson.decode(leg.od)
  countOutcome(leg.o, q, leg.ot, days, wait, leg.T, leg.S, -1)
  return days
end

local function onQueued(e)
  local key = callKey(e.callId)
  local q = e.queueId
  local leg = readLeg(key, q)
  local sfx = leg.sfx
  -- the call comes back to a queue it overflowed from: a new leg there (a queued event up to the overflow's time is
  -- the leg's own, arriving after it)
  local newLeg = leg.o == 'overflowed' and e.ts > leg.ot
  if leg.qt and not newLeg then return end -- queued twice in one leg: the first counts
  if newLeg then
    rcall('HDEL', key, 'qt' .. sfx, 'o' .. sfx, 'ot' .. sfx, 'od' .. sfx, 'T' .. sfx, 'S' .. sfx, 'to' .. sfx)
    leg = { sfx = sfx }
  end
  addQueue(q)
  bump('q', q, { 'en' }, e.ts, e.days, 1)
  if leg.o then
    -- the outcome came first (out of order): count it again now that the wait is known
    local days = takeBackOutcome(leg, q)
    leg.qt = e.ts
    countOutcome(leg.o, q, leg.ot, days, mmax(0, leg.ot - e.ts), leg.T, leg.S, 1)
    rcall('HSET', key, 'qt' .. sfx, e.ts)
  else
    rcall('HSET', key, 'qt' .. sfx, e.ts)
    rcall('ZADD', P .. 'waiting:' .. q, e.ts, e.callId)
    -- a queue is deepest right after a call joins it: the minute's peak is seen here
    setMax('q', q, 'mq', e.ts, e.days, rcall('ZCARD', P .. 'waiting:' .. q))
  end
  rcall('EXPIRE', key, opt.callTtlSec)
end

-- Counts a call's end: talk + hold from the answer to the end, and a call ended for the agent and their team.
local function countEnded(q, agentId, answeredAt, endedAt, days)
  bump('q', q, { 'end' }, endedAt, days, 1)
  bump('q', q, { 'hand' }, endedAt, days, mmax(0, endedAt - answeredAt))
  if agentId and agentId ~= '' then
    bump('a', agentId, { 'end' }, endedAt, days, 1)
    bump('t', agentTeam(agentId), { 'end' }, endedAt, days, 1)
  end
end

-- The day periods as stored with a call (JSON): encoded once for the events that share them.
local daysJson, daysJsonOf = nil, nil
local function encodeDays(days)
  local k = daysJsonOf
  if not (k and k[1] == days[1] and k[2] == days[2] and k[3] == days[3] and #days == 3) then
    daysJson = cjson.encode(days)
    daysJsonOf = { days[1], days[2], days[3] }
  end
  return daysJson
end

local function onOutcome(e, kind)
  local key = callKey(e.callId)
  local q = e.queueId
  local leg = readLeg(key, q, kind == 'answered')
  local sfx = leg.sfx
  if leg.o then
    -- a leg ends once: of two outcomes the earlier counts (one that arrived first but happened later is taken back),
    -- except that an answer, once counted for the agent, stands
    if leg.o == 'answered' or e.ts >= leg.ot then return end
    local days = takeBackOutcome(leg, q)
    if leg.o == 'overflowed' then bump('q', leg.to, { 'ovi' }, leg.ot, days, -1) end
  end
  addQueue(q)
  local wait = nil
  if leg.qt then
    wait = mmax(0, e.ts - leg.qt)
    if not leg.o then rcall('ZREM', P .. 'waiting:' .. q, e.callId) end
  end
  local od = encodeDays(e.days)
  if kind == 'overflowed' then
    rcall('HSET', key, 'o' .. sfx, kind, 'ot' .. sfx, e.ts, 'od' .. sfx, od, 'T' .. sfx, e.T, 'S' .. sfx, e.S, 'to' .. sfx, e.toQueueId)
  else
    rcall('HSET', key, 'o' .. sfx, kind, 'ot' .. sfx, e.ts, 'od' .. sfx, od, 'T' .. sfx, e.T, 'S' .. sfx, e.S)
  end
  countOutcome(kind, q, e.ts, e.days, wait, e.T, e.S, 1)
  if kind == 'answered' then
    rcall('HSET', key, 'aq', q, 'at', e.ts, 'ag', e.agentId)
    local ag = loadAgent(e.agentId)
    if ag.since == nil then transition(ag, e.ts, 'talking', '', '', e.days) end
    addAnswer(ag, e.ts, q)
    if e.ts < lastTs(ag) then
      -- answered before wraps already known (out of order): those begun after it, and after the answer they count for,
      -- count for this call's queue
      local function later(w) return w[2] == 'wrap' and w[1] > e.ts and (w[6] == nil or w[6] <= e.ts) end
      local hit = false
      for _, w in ipairs(timeline(ag)) do if later(w) then hit = true end end
      if hit then
        retime(ag, e.ts, e.days, function(tl)
          for _, w in ipairs(tl) do if later(w) then w[5], w[6] = q, e.ts end end
        end)
      end
    end
    bump('a', ag.id, { 'ans' }, e.ts, e.days, 1)
    bump('t', ag.team, { 'ans' }, e.ts, e.days, 1)
    saveAgent(ag, e.ts)
    -- the end came first (out of order): counted now that the answer time is known
    if leg.ended then
      local eag = leg.endAgent
      if not eag or eag == '' then eag = e.agentId end
      countEnded(q, eag, e.ts, leg.ended, cjson.decode(leg.endDays))
    end
  elseif kind == 'overflowed' then
    addQueue(e.toQueueId)
    bump('q', e.toQueueId, { 'ovi' }, e.ts, e.days, 1)
  end
  -- a leg that ended is only kept for late events about it (an answered call until it ends), unless the call
  -- overflowed on: its next leg waits
  if (kind == 'answered' and not leg.ended) or kind == 'overflowed' then
    rcall('EXPIRE', key, opt.callTtlSec)
  else
    rcall('EXPIRE', key, opt.callDoneTtlSec)
  end
end

local function onEnded(e)
  local key = callKey(e.callId)
  local c = rcall('HMGET', key, 'aq', 'at', 'ag', 'end', 'q')
  if c[4] then return end
  rcall('HSET', key, 'end', e.ts, 'ed', encodeDays(e.days), 'eag', e.agentId or '')
  if c[2] then rcall('EXPIRE', key, opt.callDoneTtlSec) else rcall('EXPIRE', key, opt.callTtlSec) end
  -- ended before the answer arrived (out of order): counted when the answer comes
  local q = c[1] or c[5] -- an answer stored by an earlier version named its queue q
  if q and c[2] then countEnded(q, e.agentId or c[3], tonumber(c[2]), e.ts, e.days) end
end

-- ---------------------------------------------------------------- the batch
local function applyOne(e)
  local t = e.type
  if t == 'agent.login' then
    local ag = loadAgent(e.agentId)
    ag.team = e.teamId
    if e.name then ag.name = e.name end
    if e.queues then rcall('HSET', ag.key, 'qs', cjson.encode(e.queues)) end
    -- logging in makes an agent ready; a login while already logged in changes nothing
    if transition(ag, e.ts, 'login', '', '', e.days) == 'late' then return 'late' end
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

local seenKeys = {}
for i = 1, #events do
  local e = events[i]
  local ref = maxTs
  if not opt.replay then ref = opt.wallNow end
  local seenMinute = mfloor(e.ts / MIN)
  local seenKey = seenKeys[seenMinute]
  if not seenKey then seenKey = P .. 'seen:' .. seenMinute; seenKeys[seenMinute] = seenKey end
  -- marked seen first (one command for the check); taken back if the event turns out late or fails, so that a
  -- retry is not taken for a duplicate
  if rcall('SADD', seenKey, e.id) == 0 then
    statuses[i] = 1; dups = dups + 1
  elseif e.ts < ref - lateMs and not opt.acceptLate then
    rcall('SREM', seenKey, e.id)
    statuses[i] = 2; late = late + 1
  else
    expireOnce(seenKey, opt.dedupeSec)
    local ok, err = pcall(applyOne, e)
    if ok and err ~= 'late' then
      jn = 0 -- keeps its counts
      if e.ts > maxTs then maxTs = e.ts end
      statuses[i] = 0; applied = applied + 1
    else
      rollback()
      rcall('SREM', seenKey, e.id)
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
for kind, byId in pairs(changed) do
  for id in pairs(byId) do changes[#changes + 1] = version; changes[#changes + 1] = kind .. ':' .. id end
end
for i = 1, #changes, 2000 do
  rcall('ZADD', P .. 'changed', unpack(changes, i, mmin(i + 1999, #changes)))
end
if applied > 0 or #changes > 0 then
  rcall('HSET', meta, 'version', version)
  -- a new store (first call, or after the keys were deleted): readers drop what they cached from an older one
  if version == 1 then rcall('HSET', meta, 'epoch', opt.wallNow) end
end
if applied > 0 then
  rcall('HSET', meta, 'maxTs', maxTs, 'lastEventWall', opt.wallNow)
  rcall('HINCRBY', meta, 'accepted', applied)
end
if dups > 0 then rcall('HINCRBY', meta, 'duplicates', dups) end
if late > 0 then rcall('HINCRBY', meta, 'late', late) end
return statuses
