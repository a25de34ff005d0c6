-- Shared by every bench script (loaded with dofile; wrk runs with this
-- directory as its working directory). It numbers the threads, parses the
-- key=value arguments given after "--", and prints one machine-readable
-- summary line that bench/bench.py reads instead of wrk's human table.

bench = {}

local threads_made = 0

-- Runs in wrk's main Lua state once per thread, before that thread's init.
function setup(thread)
	thread:set("tix", threads_made)
	threads_made = threads_made + 1
end

-- Returns the "key=value" arguments as a table.
function bench.args(args)
	local t = {}
	for _, a in ipairs(args) do
		local k, v = a:match("^([^=]+)=(.*)$")
		if k then
			t[k] = v
		end
	end
	return t
end

-- A distinct Indian mobile number for the n-th request of this thread:
-- +91 9 then 9 digits. base separates scenarios of one run, and each thread
-- owns a 100-million block, so no two requests of a run share a number
-- (a per-phone rate limit would otherwise refuse them).
function bench.phone(base, n)
	return string.format("+919%09d", (base + tix * 100000000 + n) % 1000000000)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,' ..
		'"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,' ..
		'"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, latency.mean))
end
