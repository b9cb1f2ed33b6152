-- wrk script for scripts/bench: sends pre-signed requests, never one twice.
--
--   wrk ... -s scripts/bench.lua URL -- PREFIX MODE [EXPECT]
--
-- Thread n (0-based) reads PREFIX.n, a file of complete raw requests written by
-- scripts/bench_sign.py, and sends them in order. MODE:
--   once    a request is sent at most once; a thread that runs out sends a request
--           for action PathsExhausted and counts it (the bench then fails the run)
--   wrap    start the file again when it runs out (for the floor, which checks no
--           nonce), counting the wraps
--   verify  as `once`, and check every answer against EXPECT (lines
--           `Action status code length slack`, see scripts/bench_record.py); needs
--           one connection per thread (-c equal to -t) so answers pair with requests
-- done() prints one `BENCH key=value ...` line for scripts/bench to read.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

local find, sub, match = string.find, string.sub, string.match
local exhausted_request = "GET /?Action=PathsExhausted HTTP/1.1\r\nHost: bench\r\n\r\n"

function init(args)
  mode = args[2]
  -- read as the run goes, a chunk at a time: init stays instant (wrk starts thread 0
  -- while it initializes thread 1, before its clock starts)
  file = assert(io.open(args[1] .. "." .. id, "rb"))
  buf, pos, used, wraps, exhausted = "", 1, 0, 0, 0
  checked, mismatches, allowed_ok, first_bad = 0, 0, 0, ""
  if mode == "verify" then
    expect, queue, head, tail = {}, {}, 1, 0
    -- wrk calls thread 0's request() once before the run to check it (never sent)
    unsent = id == 0 and 1 or 0
    for line in io.lines(args[3]) do
      local action, status, code, len, slack = match(line, "^(%S+) (%d+) (%S+) (%d+) (%d+)$")
      expect[action] = { status = tonumber(status), code = code, len = tonumber(len),
                         slack = tonumber(slack) }
    end
  else
    response = nil -- wrk reads bodies only when a response() exists
  end
end

-- The end of the next request in buf (reading on when needed), or nil at the end.
local function next_end()
  local e = find(buf, "\r\n\r\n", pos, true)
  if e then return e end
  local more = file:read(4 * 1024 * 1024)
  if not more then return nil end
  buf, pos = sub(buf, pos) .. more, 1
  return find(buf, "\r\n\r\n", pos, true)
end

function request()
  local e = next_end()
  if not e and mode == "wrap" and used > 0 then
    file:seek("set", 0)
    buf, pos, wraps = "", 1, wraps + 1
    e = next_end()
  end
  if not e then
    exhausted = exhausted + 1
    if mode == "verify" then
      tail = tail + 1
      queue[tail] = "PathsExhausted"
    end
    return exhausted_request
  end
  local r = sub(buf, pos, e + 3)
  pos, used = e + 4, used + 1
  if mode == "verify" then
    if unsent > 0 then
      unsent = unsent - 1
    else
      tail = tail + 1
      queue[tail] = match(r, "[?&]Action=([%w]+)")
    end
  end
  return r
end

function response(status, headers, body)
  local action = queue[head]
  queue[head] = nil
  head = head + 1
  if action == "PathsExhausted" then return end
  local want = expect[action]
  local code = match(body, '"Code":"([^"]*)"') or "-"
  checked = checked + 1
  if want and status == want.status and code == want.code
      and math.abs(#body - want.len) <= want.slack then
    return
  end
  -- `+200` in EXPECT: a transition answered 200 is fine too (StartInstance/StopInstance)
  if expect["+200"] and status == 200 and code == "-" then
    allowed_ok = allowed_ok + 1
    return
  end
  mismatches = mismatches + 1
  if first_bad == "" then
    first_bad = string.format("%s:%d:%s:%d", tostring(action), status, code, #body)
  end
end

function done(summary, latency, requests)
  local t = { used = 0, wraps = 0, exhausted = 0, checked = 0, mismatches = 0, allowed_ok = 0 }
  local bad = ""
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
    if bad == "" then bad = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sock_errors=%d " ..
    "used=%d wraps=%d exhausted=%d checked=%d mismatches=%d allowed_ok=%d first_bad=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout,
    t.used, t.wraps, t.exhausted, t.checked, t.mismatches, t.allowed_ok,
    bad == "" and "-" or bad))
end
