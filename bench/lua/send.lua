-- POST /v1/otp/send, each request to a new phone number from a new end
-- user's address (client_ip).
-- Arguments: key=API_KEY base=N [tenants=N prefix=ID_PREFIX]
--   Without tenants the key is a tenant key and the body names no tenant.
--   With tenants=N the key is a send key, and request n names tenant
--   PREFIX%05d with n mod N, so load spreads over N tenants.
dofile("common.lua")

local n = 0
local base, tenants, prefix
local headers = {["Content-Type"] = "application/json"}

function init(args)
	local a = bench.args(args)
	headers["X-API-Key"] = a.key
	base = tonumber(a.base or "0")
	tenants = tonumber(a.tenants or "0")
	prefix = a.prefix or "bt_"
end

function request()
	n = n + 1
	local body
	if tenants > 0 then
		-- Each thread starts at its own tenant so both threads do not
		-- walk the tenants in step.
		local t = (n + tix * 7919) % tenants
		body = string.format('{"tenant_id":"%s%05d","phone":"%s","client_ip":"%s"}',
			prefix, t, bench.phone(base, n), bench.client_ip(n))
	else
		body = string.format('{"phone":"%s","client_ip":"%s"}', bench.phone(base, n),
			bench.client_ip(n))
	end
	return wrk.format("POST", "/v1/otp/send", headers, body)
end
