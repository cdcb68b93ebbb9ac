-- Replays requests that bench/run.py wrote out beforehand, so every scenario (reads with varying
-- callers and filters, writes with varying bodies and targets) runs through this one script and
-- the Lua side stays cheap: all requests are formatted once in init(), not per request.
--
-- Arguments after `--`: REQUESTS_FILE TOKENS_FILE THREADS
--   REQUESTS_FILE: one request per line, tab-separated: METHOD, PATH, TOKEN_INDEX (0-based, or
--                  empty for none), BODY (JSON, or empty).
--   TOKENS_FILE:   one Authorization header value per line.
-- Thread t of THREADS takes lines t, t+THREADS, …, so threads never send the same request
-- (W2 relies on that: every (member, session) pair is registered once).
-- done() prints one line `WRKJSON {...}` that run.py parses.

local threads = {}
local next_id = 0

function setup(thread)
    thread:set("tid", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    local request_file, token_file, nthreads = args[1], args[2], tonumber(args[3])
    local tokens = {}
    for line in io.lines(token_file) do
        tokens[#tokens + 1] = line
    end
    local function parse(line)
        local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
        local headers = {}
        if token ~= "" then
            headers["Authorization"] = tokens[tonumber(token) + 1]
        end
        if body ~= "" then
            headers["Content-Type"] = "application/json"
        else
            body = nil
        end
        return wrk.format(method, path, headers, body)
    end
    requests = {}
    local all = {}
    local i = 0
    for line in io.lines(request_file) do
        if i < nthreads then
            all[#all + 1] = line
        end
        if i % nthreads == tid then
            requests[#requests + 1] = parse(line)
        end
        i = i + 1
    end
    if #requests == 0 then
        -- Fewer lines than threads: this thread repeats them all.
        for _, line in ipairs(all) do
            requests[#requests + 1] = parse(line)
        end
    end
    all = nil
    position = 0
    wraps = 0
    statuses = {}
end

function request()
    position = position + 1
    if position > #requests then
        -- Ran out of distinct requests; run.py reports this (for W2 it means re-registrations).
        position = 1
        wraps = wraps + 1
    end
    return requests[position]
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(t)
    local parts = {}
    for k, v in pairs(t) do
        parts[#parts + 1] = string.format('"%s": %s', tostring(k), tostring(v))
    end
    return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, _)
    local statuses_all, wraps_all = {}, 0
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses") or {}) do
            statuses_all[status] = (statuses_all[status] or 0) + count
        end
        wraps_all = wraps_all + (thread:get("wraps") or 0)
    end
    local e = summary.errors
    io.write("WRKJSON " .. json_object({
        requests = summary.requests,
        duration_us = summary.duration,
        bytes = summary.bytes,
        errors_connect = e.connect,
        errors_read = e.read,
        errors_write = e.write,
        errors_timeout = e.timeout,
        errors_status = e.status,
        p50_us = latency:percentile(50),
        p90_us = latency:percentile(90),
        p99_us = latency:percentile(99),
        max_us = latency.max,
        mean_us = string.format("%.1f", latency.mean),
        wraps = wraps_all,
        statuses = json_object(statuses_all),
    }) .. "\n")
end
