--[[
  Takes ownership of an input partition for the process that was assigned it,
  unless a process assigned it later holds it (a late assignment of an older
  generation must not take it back). Every later write of the partition names
  the token returned: an owner whose partition moved since (a zombie after a
  rebalance) is refused (src/state/scripts/fencedWrites-n.lua).

  KEYS[1]  HASH 'at' -> when the holder was assigned (epoch ms), 'token' -> its token
  ARGV[1]  when this process was assigned the partition (epoch ms)

  Returns the new token, or -1 (WriteResult.CONFLICT) when a later assignment holds it.
]]
local at = redis.call('HGET', KEYS[1], 'at')
if at and tonumber(at) > tonumber(ARGV[1]) then
  return -1
end
redis.call('HSET', KEYS[1], 'at', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'token', 1)
