#!/usr/bin/env python3
"""Write N varied certificate events as JSON Lines to stdout, for the import
tests and the benchmark. --bad K makes every K-th line invalid; --seed S and
--offset O keep runs reproducible and lets two runs describe other people."""
import argparse
import json
import random

FIRST = ["Ana", "João", "Maria", "José", "Luíza", "Pedro", "Beatriz", "Conceição", "Zoë", "Raí"]
LAST = ["Gonçalves", "da Silva", "Albuquerque", "Müller", "Figueiredo", "Nascimento", "Prado",
        "Cavalcanti", "Araújo", "Lima"]
COURSES = ["Introdução à Programação em C", "Segurança do Trabalho", "Gestão Escolar",
           "Formação Continuada em Metodologias Ativas de Aprendizagem e Avaliação Formativa",
           "Libras Básico", "Educação Financeira"]
WORKLOADS = ["40h", "1h30min", "90min", "0h", "180h", "12h"]

p = argparse.ArgumentParser()
p.add_argument("n", type=int)
p.add_argument("--bad", type=int, default=0)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--offset", type=int, default=0)
a = p.parse_args()
r = random.Random(a.seed)
for i in range(a.n):
    k = i + a.offset
    ev = {
        "event": {"name": "Atividades - Certificado emitido",
                  "slug": "activities.certificate.issued", "send_at": "2023-08-28 10:00:01"},
        "data": {
            "institution": {"id": 100 + k % 5},
            "user": {"id": 10000 + k, "name": f"{r.choice(FIRST)} {r.choice(LAST)} {r.choice(LAST)}",
                     "email": f"aluno{k}@example.com", "cpf": "123.456.789-09",
                     "nickname": None, "uuid": None},
            "course": {"id": 1 + k % 6, "name": COURSES[k % 6], "workload": WORKLOADS[k % 6],
                       "enrolled_at": f"2023-{1 + k % 12:02d}-01 09:12:00",
                       "concluded_at": f"2023-{1 + k % 12:02d}-25 18:40:12"},
            "school": {"id": 7, "name": "Escola Técnica São João",
                       "managers": [{"manager_id": m + 1, "manager_name": f"Gestora {m + 1} da Silva"}
                                    for m in range(k % 5)]},
            "certified": {"certified_at": f"2023-{1 + k % 12:02d}-28 10:00:00",
                          "type": "Achievement" if k % 2 else "participation",
                          "approval_rate": 50 + k % 50},
        },
    }
    if a.bad and i % a.bad == a.bad - 1:
        del ev["data"]["user"]["name"]
    print(json.dumps(ev, ensure_ascii=False))
