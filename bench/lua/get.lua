-- A GET of one fixed path with an optional API key, for the invoice timing.
-- Arguments: path=PATH [key=API_KEY]
dofile("common.lua")

local path
local headers = {}

function init(args)
	local a = bench.args(args)
	path = a.path
	if a.key then
		headers["X-API-Key"] = a.key
	end
end

function request()
	return wrk.format("GET", path, headers)
end
