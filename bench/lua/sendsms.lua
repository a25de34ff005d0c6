-- Kannel's smsbox: GET /cgi-bin/sendsms, each request to a new number.
-- Arguments: user=NAME pass=PASSWORD base=N
dofile("common.lua")

local n = 0
local user, pass, base

function init(args)
	local a = bench.args(args)
	user, pass, base = a.user, a.pass, tonumber(a.base or "0")
end

function request()
	n = n + 1
	-- "+" is a space in a query string, so the number goes as %2B.
	local to = bench.phone(base, n):gsub("^%+", "%%2B")
	local path = string.format(
		"/cgi-bin/sendsms?username=%s&password=%s&from=ALPHAR&to=%s&text=" ..
		"Your+OTP+for+Alpha+Retail+is+492811.+Valid+for+5+minutes.", user, pass, to)
	return wrk.format("GET", path)
end
