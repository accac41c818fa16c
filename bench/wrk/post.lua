-- wrk script of make bench-serve: POSTs the JSON body in the file $BODY with the API key
-- $KEY. It sets a static request and defines no response callback, so wrk's own cost per
-- request stays as for the plain GETs it is compared with; wrk counts responses with a status
-- of 400 or more itself ("Non-2xx or 3xx responses").
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
