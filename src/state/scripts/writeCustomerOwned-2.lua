--[[
  writeCustomer-1.lua on a single Redis, fenced by the owner of the customer's
  partition as well: written only while the caller's token (claimPartition) is
  the partition's. A pipeline goes on after a refused command, so each customer
  write checks it (on a Cluster the keys live apart, and a refused earlier phase
  of the step keeps it from being sent).

  KEYS[1]  the customer's state
  KEYS[2]  the partition's owner HASH ('token')
  ARGV[1]  the prefix expected ('' for a customer never written)
  ARGV[2]  the new value
  ARGV[3]  the caller's token

  Returns: 1; -1 (WriteResult.CONFLICT) when the stored prefix differs; -2
  (WriteResult.REVOKED) when the partition has another owner.
]]
if redis.call('HGET', KEYS[2], 'token') ~= ARGV[3] then
  return -2
end
local current = redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1)
if current ~= ARGV[1] then
  return -1
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
