--[[
  Writes one customer's state, if nobody else wrote it since it was read.

  A customer's value starts with '<partition>:<last offset applied>|'. A write
  names the prefix it read (the offset only grows), so a zombie owner of the
  partition after a rebalance, holding an older state, cannot overwrite a newer one.

  KEYS[1]  the customer's state          {customerId} tag
  ARGV[1]  the prefix expected ('' for a customer never written)
  ARGV[2]  the new value

  Returns: 1, or -1 (WriteResult.CONFLICT) when the stored prefix differs.
]]
local current = redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1)
if current ~= ARGV[1] then
  return -1
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
