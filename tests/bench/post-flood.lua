-- wrk: a flood of deliveries that fail to sign in: "{}" with an empty
-- Bearer token (wrk ... -- "" LABEL), answered 401 and, past the limit, 429.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "http-report.lua")

wrk.method = "POST"
wrk.body = "{}"
