--[[
  One evaluation step of every alert rule: moves each (rule, subject) through its lifecycle and returns the alerts
  to show. Atomic, so with several server processes evaluating the same floor an alert is raised (and logged) once.

  KEYS[1]  the meta hash (its version is bumped when an alert is raised, cleared or changed, so screens update)
  ARGV[1]  key prefix, e.g. "fw:"
  ARGV[2]  now, epoch ms
  ARGV[3]  JSON { conditions, quiet, pending }: conditions is an array of { key, rule, subject, subjectName, severity,
           enter, exit, forMs, clearForMs, value, threshold } (server/alerts/rules.ts); quiet lists the keys of the
           other conditions evaluated, which do not enter and which the caller believes have no state (so they would
           not move); pending lists [key, forMs] of conditions that enter and which the caller believes pending and not
           yet due (so they would not move either). If one of those is not so after all (another process's evaluation
           changed it, or it is due), nothing is done and {"retry":true} is returned: the caller sends every condition
           in full.
  ARGV[4]  how long cleared alerts stay listed, ms

  Per condition the state (<prefix>alertstate:<key>, a hash: phase, since, id) moves:
    idle     --enter-->  pending (since now), or raised at once when forMs is 0
    pending  --not enter--> idle;  --enter held forMs--> raised (a new alert <prefix>alert:<id>)
    raised   --exit--> clearing (since now), or cleared at once when clearForMs is 0
    clearing --not exit--> raised;  --exit held clearForMs--> cleared (the alert gets clearedAt)
  A raised alert whose condition is no longer produced at all (e.g. the agent came back from break) counts as exit.
  An evaluation older than the latest one applied (a slow process finishing late) changes nothing: otherwise it
  could clear what a newer evaluation raised, and the alert would be raised twice.
  Returns the JSON of the alerts to show: active ones and those cleared within ARGV[4], newest first.
]]
local meta = KEYS[1]
local P = ARGV[1]
local now = tonumber(ARGV[2])
local input = cjson.decode(ARGV[3])
local conditions, quiet, pending = input.conditions, input.quiet, input.pending or {}
local keepClearedMs = tonumber(ARGV[4])

local statesKey = P .. 'alertstates'
local activeKey = P .. 'alerts:active'
local clearedKey = P .. 'alerts:cleared'
local changed = false
-- the keys in the states set (kept in step with it below)
local hasState = {}

local function log(kind, detail)
  redis.call('XADD', P .. 'dutylog', 'MAXLEN', '~', 100000, '*', 'at', now, 'kind', kind, 'actor', 'system', 'detail', cjson.encode(detail))
end

local function raise(c, sk)
  local id = 'a' .. redis.call('INCR', P .. 'alert:seq')
  redis.call('HSET', P .. 'alert:' .. id, 'id', id, 'key', c.key, 'rule', c.rule, 'severity', c.severity, 'subject', cjson.encode(c.subject),
    'subjectName', c.subjectName, 'value', cjson.encode(c.value), 'threshold', cjson.encode(c.threshold), 'raisedAt', now)
  redis.call('ZADD', activeKey, now, id)
  redis.call('HSET', sk, 'phase', 'raised', 'since', now, 'id', id)
  redis.call('SADD', statesKey, c.key)
  hasState[c.key] = true
  log('alert.raised', { id = id, rule = c.rule, subject = c.subject, subjectName = c.subjectName, value = c.value, threshold = c.threshold })
  changed = true
end

local function clear(key, sk, id)
  local akey = P .. 'alert:' .. id
  redis.call('HSET', akey, 'clearedAt', now)
  redis.call('ZREM', activeKey, id)
  redis.call('ZADD', clearedKey, now, id)
  redis.call('EXPIRE', akey, 86400)
  redis.call('DEL', sk)
  redis.call('SREM', statesKey, key)
  hasState[key] = nil
  local h = redis.call('HMGET', akey, 'rule', 'subjectName')
  log('alert.cleared', { id = id, rule = h[1], subjectName = h[2] })
  changed = true
end

local function step(c, enter, exit)
  local sk = P .. 'alertstate:' .. c.key
  local st = redis.call('HMGET', sk, 'phase', 'since', 'id')
  local phase, since, id = st[1] or 'idle', tonumber(st[2]), st[3]
  if phase == 'idle' then
    if enter then
      if c.forMs <= 0 then raise(c, sk)
      else
        redis.call('HSET', sk, 'phase', 'pending', 'since', now)
        redis.call('SADD', statesKey, c.key)
        hasState[c.key] = true
      end
    end
  elseif phase == 'pending' then
    if not enter then
      redis.call('DEL', sk)
      redis.call('SREM', statesKey, c.key)
      hasState[c.key] = nil
    elseif now - since >= c.forMs then raise(c, sk) end
  elseif phase == 'raised' then
    if exit then
      if c.clearForMs <= 0 then clear(c.key, sk, id)
      else redis.call('HSET', sk, 'phase', 'clearing', 'since', now) end
    elseif c.value ~= nil then
      -- keep the figure on the alert current
      redis.call('HSET', P .. 'alert:' .. id, 'value', cjson.encode(c.value), 'severity', c.severity)
    end
  elseif phase == 'clearing' then
    if not exit then redis.call('HSET', sk, 'phase', 'raised')
    elseif now - since >= c.clearForMs then clear(c.key, sk, id) end
  end
end

local lastEval = tonumber(redis.call('HGET', meta, 'alertsEvaluatedAt') or '0')
local current = now >= lastEval
if current then
  for _, key in ipairs(redis.call('SMEMBERS', statesKey)) do hasState[key] = true end
  for _, key in ipairs(quiet) do
    if hasState[key] then return cjson.encode({ retry = true }) end
  end
  for _, p in ipairs(pending) do
    local st = redis.call('HMGET', P .. 'alertstate:' .. p[1], 'phase', 'since')
    if st[1] ~= 'pending' or now - tonumber(st[2]) >= p[2] then return cjson.encode({ retry = true }) end
  end
  redis.call('HSET', meta, 'alertsEvaluatedAt', now)
end

-- Only subjects with a state (pending, raised, clearing) or whose enter level is passed can move: an idle condition
-- that does not enter changes nothing, so it is not looked up. Quiet conditions are produced, so they are seen.
local seen = {}
for _, key in ipairs(quiet) do seen[key] = true end
for _, p in ipairs(pending) do seen[p[1]] = true end
for i = 1, (current and #conditions or 0) do
  local c = conditions[i]
  seen[c.key] = c
  if c.enter or hasState[c.key] then step(c, c.enter, c.exit) end
end
-- conditions no longer produced: their subject is gone, which ends them
for _, key in ipairs(current and redis.call('SMEMBERS', statesKey) or {}) do
  if not seen[key] then
    local sk = P .. 'alertstate:' .. key
    local st = redis.call('HMGET', sk, 'phase', 'id')
    if st[1] == 'raised' or st[1] == 'clearing' then clear(key, sk, st[2])
    else
      redis.call('DEL', sk)
      redis.call('SREM', statesKey, key)
    end
  end
end

-- forget cleared alerts after a day
local old = redis.call('ZRANGEBYSCORE', clearedKey, '-inf', now - 86400000, 'LIMIT', 0, 100)
for _, id in ipairs(old) do redis.call('DEL', P .. 'alert:' .. id) end
if #old > 0 then redis.call('ZREM', clearedKey, unpack(old)) end

if changed then redis.call('HINCRBY', meta, 'version', 1) end

local ids = redis.call('ZREVRANGE', activeKey, 0, -1)
for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', clearedKey, '+inf', now - keepClearedMs)) do ids[#ids + 1] = id end
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HGETALL', P .. 'alert:' .. id)
  if #h > 0 then
    local a = {}
    for j = 1, #h, 2 do a[h[j]] = h[j + 1] end
    out[#out + 1] = a
  end
end
return cjson.encode(out)
