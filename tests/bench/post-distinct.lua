-- wrk: durable issuance. Every request posts a new certificate event: the
-- person (user.id) is made from the thread number and a per-thread counter,
-- so no two requests of a run, in any thread, describe the same certificate;
-- a run given another series number (a third argument) posts other people.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "http-report.lua")

local first = {"Ana", "João", "Maria", "José", "Luíza", "Pedro", "Beatriz", "Conceição"}
local last = {"Gonçalves", "da Silva", "Albuquerque", "Müller", "Figueiredo", "Araújo"}
local courses = {"Introdução à Programação em C", "Segurança do Trabalho", "Gestão Escolar",
    "Formação Continuada em Metodologias Ativas de Aprendizagem e Avaliação Formativa"}

local n = 0

function request()
    n = n + 1
    local k = series * 1000000000 + tid * 100000000 + n
    local m = 1 + n % 12
    local body = string.format(
        '{"event":{"name":"Atividades - Certificado emitido",' ..
        '"slug":"activities.certificate.issued","send_at":"2023-08-28 10:00:01"},' ..
        '"data":{"institution":{"id":%d},' ..
        '"user":{"id":%d,"name":"%s %s %s","email":"aluno%d@example.com",' ..
        '"cpf":"123.456.789-09","nickname":null,"uuid":null},' ..
        '"course":{"id":%d,"name":"%s","workload":"40h",' ..
        '"enrolled_at":"2023-%02d-01 09:12:00","concluded_at":"2023-%02d-25 18:40:12"},' ..
        '"school":{"id":7,"name":"Escola Técnica São João",' ..
        '"managers":[{"manager_id":1,"manager_name":"Gestora da Silva"}]},' ..
        '"certified":{"certified_at":"2023-%02d-28 10:00:00","type":"%s","approval_rate":%d}}}',
        100 + n % 5, k, first[1 + n % #first], last[1 + n % #last], last[1 + (n * 7) % #last], k,
        1 + n % #courses, courses[1 + n % #courses], m, m, m,
        n % 2 == 1 and "Achievement" or "participation", 50 + n % 50)
    return wrk.format("POST", nil, nil, body)
end
