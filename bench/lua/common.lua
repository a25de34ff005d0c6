-- Shared by every bench script (loaded with dofile; wrk runs with this
-- directory as its working directory). It numbers the threads, parses the
-- key=value arguments given after "--", and prints one machine-readable
-- summary line that bench/bench.py reads instead of wrk's human table.

bench = {}

local threads_made = 0
local threads = {}

-- Runs in wrk's main Lua state once per thread, before that thread's init.
function setup(thread)
	thread:set("tix", threads_made)
	threads_made = threads_made + 1
	threads[threads_made] = thread
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
-- (the per-phone rate limit would otherwise refuse them). The counter's low
-- five digits lead, so consecutive requests fall in different prefixes (a
-- prefix is the number less its last 4 digits), as real users' numbers do,
-- and the per-prefix limit sees one send per 100,000.
function bench.phone(base, n)
	local v = (base + tix * 100000000 + n) % 1000000000
	return string.format("+919%05d%04d", v % 100000, math.floor(v / 100000))
end

-- An end user's address for the n-th request, sent as client_ip the way a
-- backend forwards its user's address, so the per-IP limit counts users,
-- not the one machine running wrk.
function bench.client_ip(n)
	local v = (tix * 7000000 + n) % 16777216
	return string.format("10.%d.%d.%d", math.floor(v / 65536), math.floor(v / 256) % 256,
		v % 256)
end

-- A script that counts what each thread created (presend.lua's global
-- "created") has the counts printed too, in thread order.
local function created_json()
	local counts = {}
	for i, t in ipairs(threads) do
		local c = t:get("created")
		if c == nil then
			return ""
		end
		counts[i] = string.format("%d", c)
	end
	return ',"created":[' .. table.concat(counts, ",") .. "]"
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,' ..
		'"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,' ..
		'"p99_us":%d,"max_us":%d,"mean_us":%.1f%s}\n',
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, latency.mean, created_json()))
end
