-- wrk script for the ingest path: every request a `ticket.joined` with consent, with a fresh
-- event id, ticket id and phone number. Arguments (after `--`): key, run tag, queue id, time.
-- Prints one JSON line when done: the bench reads it.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counter = 0
local nthreads = 1
local template
local headers

function init(args)
  local key, run, queue, now = args[1], args[2], args[3], args[4]
  nthreads = tonumber(args[5])
  headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
  template = '{"id":"' .. run .. '-%d","type":"ticket.joined","occurred_at":"' .. now ..
    '","queue_id":"' .. queue .. '","ticket":{"id":"' .. run .. '%d","phone":"+1305%07d",' ..
    '"position":4,"eta_minutes":25},"consent":{"purposes":["queue_updates"],' ..
    '"action":"grant","method":"kiosk","captured_at":"' .. now .. '","disclosure":' ..
    '{"text":"Text me about my place in line. Reply STOP to opt out.",' ..
    '"version":"bench-1","language":"en"}}}'
end

function request()
  counter = counter + 1
  local n = counter * nthreads + tid
  local body = string.format(template, n, n, 3000000 + n % 4000000)
  return wrk.format("POST", "/v1/events", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
