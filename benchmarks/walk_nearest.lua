-- wrk script for benchmarks/bench_http.py: GET /api/walk/nearest from random places in the
-- city, paced to a fixed arrival rate when a rate is given (wrk itself is closed loop).
--
--   wrk -t1 -c32 -d10s --latency -s benchmarks/walk_nearest.lua URL -- RATE SEED
--
-- RATE (requests/s of this wrk thread, 0 = as fast as the connections allow): each request
-- takes the next slot of one schedule shared by the thread's connections, so a slow answer
-- does not slow the arrivals while a connection is free. wrk times a request from its
-- sending: a request sent after its slot (every connection busy) hides that wait, so the
-- script counts those requests ("late") and their longest wait, printed at the end.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clk_id, timespec *tp);
]]
local ts = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

local interval_ms = 0
local next_due = nil
late, late_max_ms = 0, 0

function init(args)
  local rate = tonumber(args[1] or "0")
  if rate > 0 then interval_ms = 1e3 / rate end
  math.randomseed(tonumber(args[2] or "17"))
end

function delay()
  if interval_ms == 0 then return 0 end
  local now = now_ms()
  next_due = (next_due or now) + interval_ms
  local wait = next_due - now
  if wait < 0 then
    if -wait > 1 then
      late = late + 1
      if -wait > late_max_ms then late_max_ms = -wait end
    end
    return 0
  end
  return math.floor(wait)
end

function request()
  local lon = 3.84 + math.random() * 0.07
  local lat = 43.59 + math.random() * 0.05
  return wrk.format("GET", string.format("/api/walk/nearest?lon=%.5f&lat=%.5f&n=5", lon, lat))
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local n, worst = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("late")
    worst = math.max(worst, t:get("late_max_ms"))
  end
  local out = {
    string.format("requests %d", summary.requests),
    string.format("duration_us %d", summary.duration),
    string.format("non2xx %d", summary.errors.status),
    string.format("socket_errors %d", summary.errors.connect + summary.errors.read
                  + summary.errors.write + summary.errors.timeout),
    string.format("late %d", n), string.format("late_max_ms %.1f", worst),
  }
  for _, p in ipairs({50, 90, 99, 99.9}) do
    table.insert(out, string.format("p%s_us %d", p, latency:percentile(p)))
  end
  table.insert(out, string.format("max_us %d", latency.max))
  io.write("== bench ==\n" .. table.concat(out, "\n") .. "\n")
end
