--[[
  Writes keys of one input partition, if the caller still owns it: the token it
  got when it took the partition (claimPartition) is still the one stored.
  Otherwise nothing is written and the call fails, so that the rest of the
  step (its later phases on a Cluster) is not sent either.

  KEYS[1]  the partition's owner HASH ('token')
  KEYS[2..]  the keys written
  ARGV[1]  the caller's token
  ARGV[2..]  the writes, each: command, index of its key in KEYS, argument count, arguments

  Returns 1; fails with OWNERSHIP_LOST when the token differs.
]]
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return redis.error_reply('OWNERSHIP_LOST the partition was taken by another process')
end
local i = 2
while i <= #ARGV do
  local command, key, n = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  redis.call(command, key, unpack(ARGV, i + 3, i + 2 + n))
  i = i + 3 + n
end
return 1
