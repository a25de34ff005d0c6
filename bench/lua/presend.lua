-- Creates the pending OTP requests the verify benchmark checks: POST
-- /otp/send (the gateway-compatible endpoint, tenant key) with the code
-- chosen by the client in variables.otp, to phones 0..per_thread-1 of each
-- thread's block, round and round. bench.py stops wrk (SIGINT) once the
-- server has answered per_thread of them per thread, or its time is up; a
-- phone sent to twice only has a newer pending request.
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

-- Requests this thread has seen created (201), printed per thread by
-- common.lua's done(): phones 0..created-1 of its block were all sent, so
-- bench.py verifies phones below the smallest count, however unevenly a
-- slow server served the threads.
created = 0

function response(status, headers, body)
	if status == 201 then
		created = created + 1
	end
end

function request()
	local phone = bench.phone(base, n % per_thread)
	n = n + 1
	local body = string.format('{"phoneNumber":"%s","variables":{"otp":"%s"}}', phone, code)
	return wrk.format("POST", "/otp/send", headers, body)
end
