--[[
  Sums the minute buckets of entities into window totals inside Redis, so that a snapshot gets one reply per entity
  instead of one per entity per minute.

  ARGV[1]  key prefix, e.g. "fw:"
  ARGV[2]  start (epoch ms) of the oldest of the 61 minutes read; minute i starts at ARGV[2] + i * 60000
  ARGV[3]  start of the "today" period (its day bucket is returned as it is)
  ARGV[4]  JSON [[windowName, firstMinuteIndex], ...]: a window sums minutes firstMinuteIndex .. 60
  ARGV[5]  JSON ["q:<id>", "t:<id>", "a:<id>", ...]

  Returns JSON: for each entity, { <windowName>: {field: total}, today: {field: value} }. The field "mw" (a maximum)
  is maxed, every other field summed.
]]
local P = ARGV[1]
local first = tonumber(ARGV[2])
local day = ARGV[3]
local windows = cjson.decode(ARGV[4])
local entities = cjson.decode(ARGV[5])
local MIN = 60000

local out = {}
for e = 1, #entities do
  local kind, id = string.sub(entities[e], 1, 1), string.sub(entities[e], 3)
  local sums = {}
  for w = 1, #windows do sums[w] = {} end
  for i = 0, 60 do
    local h = redis.call('HGETALL', P .. 'm:' .. kind .. ':' .. id .. ':' .. string.format('%d', first + i * MIN))
    if #h > 0 then
      for w = 1, #windows do
        if i >= windows[w][2] then
          local s = sums[w]
          for j = 1, #h, 2 do
            local f, v = h[j], tonumber(h[j + 1])
            if f == 'mw' then
              if v > (s[f] or -1) then s[f] = v end
            else
              s[f] = (s[f] or 0) + v
            end
          end
        end
      end
    end
  end
  local entity = {}
  for w = 1, #windows do entity[windows[w][1]] = sums[w] end
  local today = {}
  local h = redis.call('HGETALL', P .. 'd:' .. kind .. ':' .. id .. ':' .. day)
  for j = 1, #h, 2 do today[h[j]] = tonumber(h[j + 1]) end
  entity.today = today
  out[e] = entity
end
return cjson.encode(out)
