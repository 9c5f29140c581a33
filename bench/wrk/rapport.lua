-- wrk script for the Rapport benchmark (bench/serve.py sets the environment).
-- One method and path, the signed-in session's cookie, for POSTs a form body with a fresh
-- idempotency key per request, a count of unexpected statuses, and a JSON report.
local method = os.getenv("WRK_METHOD") or "GET"
local path = os.getenv("WRK_PATH") or "/"
local form = os.getenv("WRK_BODY")
local expected = tonumber(os.getenv("WRK_EXPECT") or "200")
local report = os.getenv("WRK_REPORT")
local nonce = tonumber(os.getenv("WRK_NONCE") or "0")

wrk.method = method
wrk.path = path
wrk.headers["Cookie"] = os.getenv("WRK_COOKIE")
wrk.headers["User-Agent"] = os.getenv("WRK_USER_AGENT")
if form then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local threads = {}
thread_id = 0
unexpected = 0
sent = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

if form then
  -- A new request each time: the same key twice would file one request.
  function request()
    sent = sent + 1
    local key = string.format("%08x%08x%016x", nonce, thread_id, sent)
    return wrk.format(nil, nil, nil, form .. "&idempotency_key=" .. key)
  end
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
  end
  local errors = summary.errors
  local out = assert(io.open(report, "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "unexpected_status": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f}',
    summary.requests, summary.duration, summary.bytes, bad,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
  out:close()
end
