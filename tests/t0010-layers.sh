#!/bin/sh
# The layer map (tests/layers.txt) holds on the real tree, and `make
# check-layers` really fails, naming both files, when a copy of the tree gets
# a back edge, a circle of objects, a forbidden peer or library header, or a
# module the map does not know.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
BUILD=$(dirname "${UNIT_DIR:-build/tests}")

out=$(make -s --no-print-directory BUILD="$BUILD" check-layers 2>&1)
st=$?
[ $st = 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
ok $st "make check-layers passes on the tree"

# A copy of the tree, with the objects already built so that make compiles
# only the files a case changes (restored files are copied anew, so newer).
tree=$TMP/tree
mkdir -p "$tree/tests" "$tree/fonts" "$tree/$BUILD/obj"
cp -p -R src include Makefile "$tree/"
cp -p tests/layers.txt tests/check-layers.sh "$tree/tests/"
cp -p fonts/MANIFEST "$tree/fonts/"
cp -p "$BUILD"/obj/*.o "$BUILD"/obj/*.d "$tree/$BUILD/obj/" 2>/dev/null
fails() { # description: make check-layers in the copy exits non-zero
    make -s --no-print-directory -C "$tree" BUILD="$BUILD" check-layers >"$TMP/out" 2>&1
    [ $? != 0 ]
    ok $? "$1"
}
has() { # description fixed-string
    if grep -qF -e "$2" "$TMP/out"; then ok 0 "$1"; else ok 1 "$1"; sed 's/^/#   /' "$TMP/out"; fi
}

# A bottom-layer module that includes and calls the store.
cp src/buf.c "$TMP/buf.c"
cat >>"$tree/src/buf.c" <<'EOF'
#include "store.h"
void buf_plant(void);
void buf_plant(void) { store_close(NULL); }
EOF
fails "a back edge fails"
has "the include is named" \
    "check-layers: src/buf.c includes store.h: layer 4 (buf) may not use layer 3 (store)"
has "the call is named" "check-layers: buf.o calls store_close() of store"
cp "$TMP/buf.c" "$tree/src/buf.c"

# Two modules of the same layer that call each other.
cat >>"$tree/src/utf8.c" <<'EOF'
#include "caltime.h"
int utf8_plant(void);
int utf8_plant(void) { return caltime_parse("", 0); }
EOF
cat >>"$tree/src/caltime.c" <<'EOF'
#include "utf8.h"
int caltime_plant(void);
int caltime_plant(void) { return utf8_valid("", 0); }
EOF
fails "a circle of objects fails"
has "the circle is named" \
    "check-layers: cycle: caltime.o -> utf8.o -> caltime.o (caltime.o calls utf8_valid(), utf8.o calls caltime_parse())"
if grep -q "may not use" "$TMP/out"; then ok 1 "a circle in one layer is no layer breach"; else ok 0 "a circle in one layer is no layer breach"; fi
cp src/utf8.c src/caltime.c "$tree/src/"

# The renderer may not see the store, the store may not see cJSON.
cp src/render.c "$TMP/render.c"
echo '#include "store.h"' >>"$tree/src/render.c"
echo '#include <cjson/cJSON.h>' >>"$tree/include/store.h"
fails "a forbidden peer or library header fails"
has "the peer is named" \
    "check-layers: src/render.c includes store.h: render group (render) may not use store group (store)"
has "the library is named" \
    "check-layers: include/store.h includes <cjson/cJSON.h>: store group (store) may not use <cjson/cJSON.h>"
cp "$TMP/render.c" "$tree/src/render.c"
cp include/store.h "$tree/include/store.h"

# A module the map does not name.
echo '/* nowhere */' >"$tree/include/nowhere.h"
fails "a module outside the map fails"
has "the module is named" \
    "check-layers: include/nowhere.h: module nowhere is in no layer of tests/layers.txt"
done_testing
