--[[
  Stores a thresholds version unless a version of that id is stored already, and
  makes it current unless a later one is. Several processes of one consumer group
  may compute the same tick's version; the first stored is the one all use.

  KEYS[1]  HASH version id -> version JSON, and '@current' -> the current version id
  ARGV[1]  version id, YYYY-MM-DD (text order is day order)
  ARGV[2]  version JSON

  Returns the JSON of the version stored under that id: ARGV[2] if this call stored it.
]]
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  return stored
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local current = redis.call('HGET', KEYS[1], '@current')
if not current or current < ARGV[1] then
  redis.call('HSET', KEYS[1], '@current', ARGV[1])
end
return ARGV[2]
