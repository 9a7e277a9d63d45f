-- Shared by the wrk scripts of tests/bench-http.sh: the webhook token, a
-- label and a series number from the command line (wrk ... -- TOKEN LABEL
-- [SERIES]; post-distinct.lua makes each series' events its own), a count of answers
-- by status in every thread, and a report of requests per second, p50/p99
-- latency and every status seen, with non-2xx answers called out.

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    token = args[1] or ""
    label = args[2] or "http"
    series = tonumber(args[3]) or 0
    answers = {}
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
end

function response(status, headers, body)
    local k = tostring(status)
    answers[k] = (answers[k] or 0) + 1
end

function done(summary, latency, requests)
    local total, bad, statuses = {}, 0, {}
    for _, t in ipairs(threads) do
        for k, n in pairs(t:get("answers") or {}) do
            total[k] = (total[k] or 0) + n
        end
    end
    for k, n in pairs(total) do
        table.insert(statuses, k)
        if not k:match("^2") then bad = bad + n end
    end
    table.sort(statuses)
    local seen = {}
    for _, k in ipairs(statuses) do
        table.insert(seen, string.format("%d x %s", total[k], k))
    end
    local e = summary.errors
    local name = threads[1] and threads[1]:get("label") or "http"
    io.write(string.format("%s: %.1f requests/s, p50 %.1f ms, p99 %.1f ms (%d requests in %.1f s)\n",
        name, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, summary.requests, summary.duration / 1e6))
    io.write(string.format("%s: answers %s\n", name, #seen > 0 and table.concat(seen, ", ") or "none"))
    if bad > 0 then
        io.write(string.format("%s: NOT 2xx: %d answers\n", name, bad))
    end
    if e.connect + e.read + e.write + e.timeout > 0 then
        io.write(string.format("%s: socket errors: connect %d, read %d, write %d, timeout %d\n",
            name, e.connect, e.read, e.write, e.timeout))
    end
end
