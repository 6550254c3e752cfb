package store

import (
	"strconv"

	"github.com/redis/go-redis/v9"
)

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

// addEventsScript stores one pack of a service's ContextEvents with ids:
// those whose ids are new, as one member (a JSON array).
// KEYS[1] the events zset, KEYS[2] its ids zset; ARGV[1] the retention
// bound (ms), ARGV[2] the packs' trim bound ("(<ms>"), ARGV[3] the keys'
// lifetime (ms), ARGV[4] the pack's score (its minute's start, ms), ARGV[5]
// its ids' score (the minute's end), then pairs (event id, event JSON);
// KEYS[3] the service's event log, where a stored pack's minute is appended
// (see windowcache.go). The ids are checked with one ZMSCORE and marked with
// one ZADD. The keys are trimmed and expire one lifetime after the
// service's last event, so that a service that falls silent is not kept
// forever. Returns the number of events stored.
var addEventsScript = redis.NewScript(`
local ids, seen, pack, marks = {}, {}, {}, {}
for i = 6, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for j, score in ipairs(redis.call('ZMSCORE', KEYS[2], unpack(ids))) do
  if score then seen[ids[j]] = true end
end
for i = 6, #ARGV, 2 do
  if not seen[ARGV[i]] then
    seen[ARGV[i]] = true
    pack[#pack + 1] = ARGV[i + 1]
    marks[#marks + 1] = ARGV[5]
    marks[#marks + 1] = ARGV[i]
  end
end
if #pack > 0 then
  redis.call('ZADD', KEYS[1], ARGV[4], '[' .. table.concat(pack, ',') .. ']')
  redis.call('ZADD', KEYS[2], unpack(marks))
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ` + strconv.Itoa(logLen) + `, '*', 'from', ARGV[4], 'to', ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return #pack
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

// renewScript extends the lease of lock KEYS[1] to ARGV[2] ms only while
// it holds ARGV[1], its holder's token. Returns 1 when renewed, else 0.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)

// blockScript blocks a bucket for ARGV[1] ms, unless it is already blocked
// for longer. KEYS[1] the bucket's block.
var blockScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
`)
