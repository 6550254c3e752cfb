package store

import "github.com/redis/go-redis/v9"

// The Lua scripts below run unchanged on Redis 7.0+ and on the embedded
// miniredis. Every key a script touches shares one hash slot.

// enqueueScript queues a webhook event unless its ID was seen.
// KEYS[1] noctuary:webhooks, KEYS[2] the event's dedupe key;
// ARGV[1] event JSON, ARGV[2] dedupe TTL in seconds.
// The XADD comes before the SET: if it fails nothing is written, so a retry
// is never mistaken for a duplicate. Returns the entry ID, or nil for a
// duplicate.
var enqueueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
return id
`)

// topID is a Lua function: the ID to use for entries of stream k when
// "<ms>-*" was refused because the stream's top is newer (a clock behind
// another replica's): "<top ms>-*", or "*" if the stream is empty.
const topID = `
local function topID(k)
  local last = redis.call('XREVRANGE', k, '+', '-', 'COUNT', 1)[1]
  if last then return string.match(last[1], '^%d+') .. '-*' end
  return '*'
end
`

// addEventsScript stores one service's ContextEvents.
// KEYS[1] the events stream, KEYS[2] its ids zset;
// ARGV[1] receive time (ms), ARGV[2] retention bound (ms), then pairs of
// (event id or "", event JSON).
// The ids are checked with one ZMSCORE and marked with one ZADD, so an
// event costs one XADD. Entry IDs are "<receive ms>-*" (see topID). Both
// keys expire one retention after the service's last event, so that a
// service that falls silent is not kept forever by trimming alone. Should
// an XADD fail, the ids of the events stored so far are marked and the error
// returned: a retry stores the rest. Returns the number of events stored.
var addEventsScript = redis.NewScript(topID + `
local seen, ids = {}, {}
for i = 3, #ARGV, 2 do
  if ARGV[i] ~= '' then ids[#ids + 1] = ARGV[i] end
end
if #ids > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])
  for j, score in ipairs(redis.call('ZMSCORE', KEYS[2], unpack(ids))) do
    if score then seen[ids[j]] = true end
  end
end
local id, retried, added, marks = ARGV[1] .. '-*', false, 0, {}
local function mark()
  if #marks > 0 then redis.call('ZADD', KEYS[2], unpack(marks)) end
end
for i = 3, #ARGV, 2 do
  local eid = ARGV[i]
  if eid == '' or not seen[eid] then
    local r = redis.pcall('XADD', KEYS[1], id, 'e', ARGV[i + 1])
    if type(r) == 'table' and r.err and not retried then
      id, retried = topID(KEYS[1]), true
      r = redis.pcall('XADD', KEYS[1], id, 'e', ARGV[i + 1])
    end
    if type(r) == 'table' and r.err then
      mark()
      return redis.error_reply(r.err)
    end
    if eid ~= '' then
      seen[eid] = true
      marks[#marks + 1] = ARGV[1]
      marks[#marks + 1] = eid
    end
    added = added + 1
  end
end
mark()
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
local ttl = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
if #ids > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return added
`)

// appendScript appends one JSON entry to a stream trimmed by MINID ~.
// KEYS[1] the stream; ARGV[1] time (ms), ARGV[2] retention bound (ms),
// ARGV[3] JSON. The entry ID is "<time>-*" (see topID). Returns the entry ID.
var appendScript = redis.NewScript(topID + `
local r = redis.pcall('XADD', KEYS[1], 'MINID', '~', ARGV[2], ARGV[1] .. '-*', 'e', ARGV[3])
if type(r) == 'table' and r.err then
  r = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[2], topID(KEYS[1]), 'e', ARGV[3])
end
return r
`)

// unlockScript deletes KEYS[1] only if it still holds ARGV[1]: a lock's
// token, or the service a PagerDuty service ID maps to.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// reserveScript counts one request in a fixed window.
// KEYS[1] the window's counter; ARGV[1] its lifetime (ms). Returns the count.
var reserveScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`)
