--[[
  Puts one customer into its partition's population index, or takes it out.

  The index answers the population thresholds (sums and order statistics of P),
  the due list (who must be re-evaluated when the clock reaches a day), the
  segment populations (how many customers each segment of each model holds) and
  the first-purchase cohorts (how many customers each holds, and how many of
  them bought again within 2, 7, 14 and 30 days).
  Values are absolute, so applying the same call twice changes nothing.
  Negation is written 0 - x: Lua's -0 would reach Redis as '-0', not an integer.

  KEYS[1]  ZSET last purchase day of the members of P     {partition} tag
  KEYS[2]  ZSET f of the members of P
  KEYS[3]  ZSET -m of the members of P (negated: ascending order is m descending, ties by id ascending)
  KEYS[4]  HASH sums over P: n, lastPurchaseDay, f, m
  KEYS[5]  ZSET due day of every customer with one
  KEYS[6]  HASH customer id -> its segments, one per model, '|'-separated, then '#' and its cohort entry
  KEYS[7]  HASH 'model:segment' -> number of customers in it (no field for none)
  KEYS[8]  HASH '<cohort month>:n' -> customers of the cohort, '<month>:d<N>' -> those retained N days (no field for none)
  ARGV[1]  customer id
  ARGV[2]  '1' if the customer is in P, '0' if not
  ARGV[3]  last purchase day
  ARGV[4]  f
  ARGV[5]  m
  ARGV[6]  next due day, or '' for none
  ARGV[7]  the customer's segments, one per model in MODELS order, '|'-separated ('' for none)
  ARGV[8]  the model names, '|'-separated
  ARGV[9]  the cohort entry: '<YYYY-MM of the first purchase>:<N,N,...>' listing the retention
           days N the customer bought again within ('1997-01:7,14,30'), or '' before a purchase

  Returns: 1.
]]
local id = ARGV[1]
local oldLast = redis.call('ZSCORE', KEYS[1], id)
if oldLast then
  local oldF = redis.call('ZSCORE', KEYS[2], id)
  local oldM = redis.call('ZSCORE', KEYS[3], id)
  redis.call('HINCRBY', KEYS[4], 'n', -1)
  redis.call('HINCRBY', KEYS[4], 'lastPurchaseDay', 0 - tonumber(oldLast))
  redis.call('HINCRBY', KEYS[4], 'f', 0 - tonumber(oldF))
  redis.call('HINCRBY', KEYS[4], 'm', 0 + tonumber(oldM))
end
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[3], id)
  redis.call('ZADD', KEYS[2], ARGV[4], id)
  redis.call('ZADD', KEYS[3], 0 - tonumber(ARGV[5]), id)
  redis.call('HINCRBY', KEYS[4], 'n', 1)
  redis.call('HINCRBY', KEYS[4], 'lastPurchaseDay', ARGV[3])
  redis.call('HINCRBY', KEYS[4], 'f', ARGV[4])
  redis.call('HINCRBY', KEYS[4], 'm', ARGV[5])
elseif oldLast then
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[5], id)
else
  redis.call('ZADD', KEYS[5], ARGV[6], id)
end

local function split(text)
  local parts = {}
  for part in string.gmatch(text .. '|', '([^|]*)|') do
    parts[#parts + 1] = part
  end
  return parts
end
local models = split(ARGV[8])
local stored = redis.call('HGET', KEYS[6], id)
local oldSegments, oldCohort = nil, ''
if stored then
  local hash = string.find(stored, '#', 1, true)
  if hash then
    oldSegments = string.sub(stored, 1, hash - 1)
    oldCohort = string.sub(stored, hash + 1)
  else
    oldSegments = stored
  end
end
-- A count that drops to 0 leaves no field: the counts then depend only on who is
-- where, not on the way customers passed through.
local function add(key, field, by)
  if redis.call('HINCRBY', key, field, by) == 0 then redis.call('HDEL', key, field) end
end
if oldSegments ~= ARGV[7] then
  if oldSegments then
    for i, segment in ipairs(split(oldSegments)) do
      if segment ~= '' then add(KEYS[7], models[i] .. ':' .. segment, -1) end
    end
  end
  for i, segment in ipairs(split(ARGV[7])) do
    if segment ~= '' then redis.call('HINCRBY', KEYS[7], models[i] .. ':' .. segment, 1) end
  end
end

-- A cohort entry '<month>:<N,...>' counts once in '<month>:n' and once in each '<month>:d<N>'.
local function count(entry, by)
  if entry == '' then return end
  local colon = string.find(entry, ':', 1, true)
  local month = string.sub(entry, 1, colon - 1)
  add(KEYS[8], month .. ':n', by)
  for days in string.gmatch(string.sub(entry, colon + 1), '[^,]+') do
    add(KEYS[8], month .. ':d' .. days, by)
  end
end
if oldCohort ~= ARGV[9] then
  count(oldCohort, -1)
  count(ARGV[9], 1)
end

local value = ARGV[7] .. '#' .. ARGV[9]
if stored ~= value then redis.call('HSET', KEYS[6], id, value) end
return 1
