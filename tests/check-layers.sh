#!/bin/sh
# Check the layer map of tests/layers.txt against the tree: every #include in
# src/ and include/, and every call between the objects (nm), must go to the
# module's own layer or a lower one and respect the map's deny lines; no
# objects may call each other in a circle. Prints one line per breach and
# exits 1 if there is any.
# Usage: sh tests/check-layers.sh [OBJDIR | OBJECT.o...]
# OBJDIR (default build/obj) stands for OBJDIR/<mod>.o of every src/<mod>.c.
for a do
    shift
    case $a in /*) ;; *) a=$PWD/$a ;; esac
    set -- "$@" "$a"
done
cd "$(dirname "$0")/.." || exit 2
[ $# = 0 ] && set -- build/obj
if [ $# = 1 ] && [ -d "$1" ]; then
    dir=$1; shift
    for c in src/*.c; do
        m=${c#src/}
        set -- "$@" "$dir/${m%.c}.o"
    done
fi
for o in "$@"; do
    [ -f "$o" ] || { echo "check-layers: no object '$o': build first" >&2; exit 2; }
done

{
    for f in src/*.c src/*.h include/*.h; do
        echo "mod $f"
        sed -n "s|^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<\"][^>\"]*[>\"]\).*|inc $f \1|p" "$f"
    done
    nm -A -P -g "$@" | sed 's/^/sym /'
} | awk -v map=tests/layers.txt '
function fail(msg) { print "check-layers: " msg; bad = 1 }
function base(p) { sub(/.*\//, "", p); sub(/\.[ch]$|\.o$/, "", p); return p }
function glob2re(g,   r, i, c) {
    r = ""
    for (i = 1; i <= length(g); i++) {
        c = substr(g, i, 1)
        if (c == "*") r = r ".*"
        else if (c == "?") r = r "."
        else if (index("\\.[]()^$+{}|", c)) r = r "\\" c
        else r = r c
    }
    return "^" r "$"
}
# The group of module m, or "" (reported once) when the map does not name it.
function group(m, where,   i, g) {
    if (m in grp) return grp[m]
    g = ""
    for (i = 1; i <= npat; i++)
        if (m ~ pat[i]) {
            if (g == "") g = patgrp[i]
            else if (patgrp[i] != g) fail(map ": module " m " is in both " g " and " patgrp[i])
        }
    if (g == "") fail(where ": module " m " is in no layer of " map)
    return grp[m] = g
}
# Why module a may not use module b, or "" when it may.
function breach(a, b, where,   ga, gb) {
    ga = group(a, where); gb = group(b, where)
    if (ga == "" || gb == "" || ga == gb) return ""
    if (layer[gb] < layer[ga])
        return "layer " layer[ga] " (" a ") may not use layer " layer[gb] " (" b ")"
    if ((ga, gb) in deny) return ga " group (" a ") may not use " gb " group (" b ")"
    return ""
}

BEGIN {
    while ((getline line < map) > 0) {
        sub(/#.*/, "", line)
        n = split(line, w, " ")
        if (n == 0) continue
        if (w[1] == "deny") {
            for (i = 3; i <= n; i++)
                if (w[i] ~ /^</) { nlib++; libgrp[nlib] = w[2]; lib[nlib] = glob2re(w[i]) }
                else deny[w[2], w[i]] = 1
        } else if (w[1] ~ /^[0-9]+$/ && n >= 3) {
            layer[w[2]] = w[1]
            for (i = 3; i <= n; i++) { npat++; pat[npat] = glob2re(w[i]); patgrp[npat] = w[2] }
        } else fail(map ": cannot read line \"" line "\"")
    }
}
$1 == "mod" { group(base($2), $2); next }
$1 == "inc" {
    f = $2; h = $3; m = base(f); g = group(m, f)
    if (h ~ /^</) {
        for (i = 1; i <= nlib; i++)
            if (libgrp[i] == g && h ~ lib[i]) fail(f " includes " h ": " g " group (" m ") may not use " h)
        next
    }
    gsub(/"/, "", h); nincl++
    why = breach(m, base(h), f)
    if (why != "") fail(f " includes " h ": " why)
    next
}
$1 == "sym" {
    o = $2; sub(/:$/, "", o); sub(/.*\//, "", o)
    if (!(o in seen)) { seen[o] = 1; node[++nnode] = o }
    if ($4 == "U") { nuse++; user[nuse] = o; used[nuse] = $3 }
    else if ($4 ~ /^[A-Z]$/) { defd[$3] = o; what[$3] = $4 ~ /[TWI]/ ? "calls " $3 "()" : "uses " $3 }
}

# Tarjan: number the strongly connected components of the call graph.
function strong(v,   k, u) {
    num[v] = low[v] = ++counter; stack[++sp] = v; onstack[v] = 1
    for (k = 1; k <= deg[v]; k++) {
        u = adj[v, k]
        if (!(u in num)) { strong(u); if (low[u] < low[v]) low[v] = low[u] }
        else if (onstack[u] && num[u] < low[v]) low[v] = num[u]
    }
    if (low[v] == num[v]) {
        ncomp++
        do { u = stack[sp--]; onstack[u] = 0; comp[u] = ncomp; size[ncomp]++ } while (u != v)
    }
}
# The shortest circle from s back to s inside its component, into cyc[1..n]; n.
function circle(s,   q, head, tail, v, k, u, from, n, j, t) {
    head = tail = 1; q[1] = s
    while (head <= tail) {
        v = q[head++]
        for (k = 1; k <= deg[v]; k++) {
            u = adj[v, k]
            if (comp[u] != comp[s]) continue
            if (u == s) {
                n = 1; cyc[1] = v
                while (v != s) { v = from[v]; cyc[++n] = v }
                for (j = 1; j <= n / 2; j++) { t = cyc[j]; cyc[j] = cyc[n + 1 - j]; cyc[n + 1 - j] = t }
                return n
            }
            if (!(u in from)) { from[u] = v; q[++tail] = u }
        }
    }
}
END {
    for (i = 1; i <= nuse; i++) {
        a = user[i]; s = used[i]
        if (!(s in defd) || defd[s] == a) continue
        b = defd[s]
        if ((a, b) in edge) continue
        edge[a, b] = s; adj[a, ++deg[a]] = b; ncall++
        why = breach(base(a), base(b), a)
        if (why != "") fail(a " " what[s] " of " b ": " why)
    }
    for (i = 1; i <= nnode; i++) if (!(node[i] in num)) strong(node[i])
    for (i = 1; i <= nnode; i++) {
        c = comp[node[i]]
        if (size[c] < 2 || (c in told)) continue
        told[c] = 1; all = ""; best = 0
        for (j = 1; j <= nnode; j++) {
            if (comp[node[j]] != c) continue
            all = all " " node[j]
            n = circle(node[j])
            if (best == 0 || n < best) { best = n; for (k = 1; k <= n; k++) short[k] = cyc[k] }
        }
        path = ""; calls = ""
        for (k = 1; k <= best; k++) {
            b = short[k % best + 1]
            path = path short[k] " -> "
            calls = calls (k > 1 ? ", " : "") short[k] " " what[edge[short[k], b]]
        }
        fail("cycle: " path short[1] " (" calls ")")
        if (size[c] > best) print "check-layers:   the circle holds " size[c] " objects:" all
    }
    if (!bad) print "check-layers: " nincl " includes and " ncall " calls between " nnode " objects keep to " map
    exit bad
}'
