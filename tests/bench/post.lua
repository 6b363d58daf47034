-- wrk script for the ingest benchmark: POSTs signed pull_request deliveries,
-- each with a fresh X-GitHub-Delivery id (the signature covers only the body,
-- so every request is a new, valid delivery that must be queued).
-- The bodies come pre-signed from bench.py (wrk's Lua has no HMAC): several
-- pull requests, several heads each, in an order where consecutive deliveries
-- of one pull request carry different heads, like pushes do.
-- Environment: RR_BENCH_BODIES — a file of records "<signature> <length>\n<body>".
--              RR_BENCH_PATH — the URL path.
local path = os.getenv("RR_BENCH_PATH") or "/webhooks/github"
local bodies, sigs = {}, {}

local function load_bodies(file)
   local f = assert(io.open(file, "rb"))
   while true do
      local header = f:read("*l")
      if not header or header == "" then break end
      local sig, len = header:match("^(%S+) (%d+)$")
      table.insert(sigs, sig)
      table.insert(bodies, f:read(tonumber(len)))
   end
   f:close()
end

counter = 0
-- Per-thread answer counts (globals, so done() can read them with thread:get).
c200, c202, cother = 0, 0, 0
local threads = {}

function setup(thread)
   -- RR_BENCH_PREFIX: distinct ids when several wrk run at once (replicas).
   thread:set("tid", (os.getenv("RR_BENCH_PREFIX") or "") .. tostring(#threads + 1) .. "-"
              .. tostring(os.time()))
   table.insert(threads, thread)
end

function init(args)
   load_bodies(os.getenv("RR_BENCH_BODIES"))
end

function request()
   counter = counter + 1
   local i = (counter - 1) % #bodies + 1
   local headers = {
      ["Content-Type"] = "application/json",
      ["X-GitHub-Event"] = "pull_request",
      ["X-GitHub-Delivery"] = string.format("bench-%s-%d", tid, counter),
      ["X-Hub-Signature-256"] = sigs[i],
      ["User-Agent"] = "GitHub-Hookshot/bench",
   }
   return wrk.format("POST", path, headers, bodies[i])
end

function response(status, headers, body)
   if status == 202 then c202 = c202 + 1
   elseif status == 200 then c200 = c200 + 1
   else cother = cother + 1 end
end

function done(summary, latency, requests)
   -- One machine-readable line for bench.py.
   local n200, n202, nother = 0, 0, 0
   for _, t in ipairs(threads) do
      n200 = n200 + t:get("c200")
      n202 = n202 + t:get("c202")
      nother = nother + t:get("cother")
   end
   io.write(string.format(
      "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"errors\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f,\"codes\":{\"200\":%d,\"202\":%d,\"other\":%d}}\n",
      summary.requests, summary.duration,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      n200, n202, nother))
end
