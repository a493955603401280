--[[
  Writes one customer's evaluated state, if nobody else wrote it since it was read.

  The state, the segments and the outbox of the changes they produced are written
  in one step, so a crash leaves either all of them or none. The version check
  fences off a zombie owner of the partition after a rebalance.

  KEYS[1]  the customer hash          {customerId} tag
  KEYS[2]  the customer's outbox list (changes not yet confirmed sent)
  ARGV[1]  expected version ('' for a new customer)
  ARGV[2]  state (JSON)
  ARGV[3]  segments and scores (JSON)
  ARGV[4]  last applied input offset
  ARGV[5]  thresholds version the segments were computed with
  ARGV[6..] outbox entries to append (JSON each)

  Returns: the new version, or -1 (WriteResult.CONFLICT) when the version differs.
]]
local current = redis.call('HGET', KEYS[1], 'v')
if (current or '') ~= ARGV[1] then
  return -1
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[2], 'g', ARGV[3], 'o', ARGV[4], 't', ARGV[5])
if #ARGV > 5 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 6))
end
return version
