-- wrk: unchanged answers. Every request posts the same certificate event: the
-- first one archived answers 201, every other one 200 with the same body.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "http-report.lua")

wrk.method = "POST"
wrk.body = '{"event":{"name":"Atividades - Certificado emitido",' ..
    '"slug":"activities.certificate.issued","send_at":"2023-08-28 10:00:01"},' ..
    '"data":{"institution":{"id":100},' ..
    '"user":{"id":42,"name":"Conceição Araújo Müller","email":"aluno42@example.com",' ..
    '"cpf":"123.456.789-09","nickname":null,"uuid":null},' ..
    '"course":{"id":1,"name":"Introdução à Programação em C","workload":"40h",' ..
    '"enrolled_at":"2023-03-01 09:12:00","concluded_at":"2023-03-25 18:40:12"},' ..
    '"school":{"id":7,"name":"Escola Técnica São João",' ..
    '"managers":[{"manager_id":1,"manager_name":"Gestora da Silva"}]},' ..
    '"certified":{"certified_at":"2023-03-28 10:00:00","type":"Achievement","approval_rate":93}}}'
