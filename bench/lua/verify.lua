-- POST /v1/otp/verify by phone with a WRONG code, walking round the pending
-- requests presend.lua made (phones 0..per_thread-1 of each thread's block).
-- A wrong code is still a write: the attempt is counted in the same
-- transaction that checks it. A request takes max_attempts wrong codes
-- (and one more that closes it), so per_thread * (max_attempts + 1)
-- verifies per thread are all writes; bench.py sizes per_thread for that
-- and reports any non-2xx answer, which would mean the pool ran dry.
-- Arguments: key=API_KEY base=N per_thread=N code=DIGITS
dofile("common.lua")

local n = 0
local base, per_thread, code
local headers = {["Content-Type"] = "application/json"}

function init(args)
	local a = bench.args(args)
	headers["X-API-Key"] = a.key
	base = tonumber(a.base)
	per_thread = tonumber(a.per_thread)
	code = a.code
end

function request()
	local phone = bench.phone(base, n % per_thread)
	n = n + 1
	local body = string.format('{"phone":"%s","code":"%s"}', phone, code)
	return wrk.format("POST", "/v1/otp/verify", headers, body)
end
