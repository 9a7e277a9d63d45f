-- wrk: staff PDF downloads. Every request GETs the same certificate's PDF
-- (the path given to wrk) with the staff token as Bearer; every answer 200.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "http-report.lua")

wrk.method = "GET"
