# certifica: plain Makefile. `make test` and `make run` do all set-up on a
# fresh Debian machine (as root); `make deps` is the install step both call.

CC      ?= cc
BUILD   ?= build
PKGS    := libcjson libmicrohttpd zlib libpng harfbuzz harfbuzz-subset fribidi sqlite3 libcrypto libqrencode libcurl libpq

# Debian packages: what the build needs, then what the tests and benchmark use.
DEB_BUILD := gcc make pkg-config libhpdf-dev libcjson-dev libmicrohttpd-dev zlib1g-dev \
             libharfbuzz-dev libfribidi-dev libsqlite3-dev libssl-dev libqrencode-dev libpq-dev \
             libcurl4-openssl-dev \
             libunistring-dev libpng-dev fonts-dejavu-core fonts-dejavu-extra fonts-noto-core \
             fonts-wqy-microhei fonts-nanum fonts-ipafont-gothic fonts-symbola \
             icc-profiles-free
DEB_TEST  := qpdf poppler-utils zbar-tools curl valgrind python3 sqlite3 openssl faketime time \
             libharfbuzz-bin default-jre-headless libpdfbox2-java libactivation-java \
             libjaxb-api-java postgresql nginx
DEB_BENCH := wrk
DEB_BROWSER := chromium
DEB_FUZZ  := clang libclang-rt-14-dev

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wpointer-arith
ifeq ($(CI),true)
WERROR  ?= 1
endif
ifeq ($(WERROR),1)
WARN    += -Werror
endif

OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) $(WARN) -MMD -MP $(SAN) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += $(SAN)
LDLIBS   += -lhpdf $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lm -lpthread

SRCS     := $(wildcard src/*.c)
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BIN      := $(if $(filter build,$(BUILD)),certifica,$(BUILD)/certifica)

FONT_FILES := $(shell awk '!/^\#/ && NF >= 3 { print "fonts/" $$1 }' fonts/MANIFEST)

.SECONDARY:
.PHONY: all deps deps-test fonts test unit asan valgrind bench run run-cluster clean format fuzz check-layers
.DEFAULT_GOAL := all

all: $(BIN) fonts $(UNITS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(BUILD)/libcertifica.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/main.o $(BUILD)/libcertifica.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/libcertifica.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fonts are never committed: link each file named in fonts/MANIFEST from the
# Debian package that installs it.
fonts: $(FONT_FILES)
define LINK_FONT
@src=$$(awk -v f="$(notdir $@)" '$$1 == f { print $$3 }' fonts/MANIFEST); \
if [ ! -f "$$src" ]; then \
	echo "missing font '$$src' (package $$(awk -v f="$(notdir $@)" '$$1 == f { print $$2 }' fonts/MANIFEST)): run 'make deps'" >&2; \
	exit 1; \
fi; \
ln -sf "$$src" $@
endef
fonts/%.ttf:
	$(LINK_FONT)
fonts/%.ttc:
	$(LINK_FONT)
fonts/%.icc:
	$(LINK_FONT)

# Install missing Debian packages; when not root, print the line to run.
deps:
	@sh tests/deps.sh $(DEB_BUILD) \
		$(if $(filter test asan valgrind,$(MAKECMDGOALS)),$(DEB_TEST) $(DEB_BROWSER)) \
		$(if $(filter bench,$(MAKECMDGOALS)),$(DEB_TEST) $(DEB_BENCH)) \
		$(if $(filter fuzz,$(MAKECMDGOALS)),$(DEB_FUZZ))

test: deps
	@$(MAKE) --no-print-directory all
	@CERTIFICA=./$(BIN) UNIT_DIR=$(BUILD)/tests DATED_RUNS=1 sh tests/run.sh

# The layer map of tests/layers.txt, checked on the includes and on the calls
# between the objects; tests/t0010-layers.sh runs it as part of `make test`.
check-layers: $(BUILD)/obj/main.o $(LIB_OBJS)
	@sh tests/check-layers.sh $(BUILD)/obj

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		CERTIFICA=build/asan/certifica UNIT_DIR=build/asan/tests sh tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory all
	@VALGRIND="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
		CERTIFICA=./$(BIN) UNIT_DIR=$(BUILD)/tests sh tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/bench_render
	@sh tests/bench.sh

$(BUILD)/bench/%: $(BUILD)/obj/tests/%.o $(BUILD)/libcertifica.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/obj/tests/bench_%.o: tests/bench/bench_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN) serve

# PostgreSQL under build/cluster, two nodes and nginx on 127.0.0.1 (see
# docs/scale-out.md); Ctrl-C stops them.
run-cluster: deps
	@$(MAKE) --no-print-directory all
	@sh tests/cluster.sh

format:
	clang-format -i src/*.c include/*.h tests/unit/*.c

clean:
	rm -rf build certifica

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/tests/*.d)

# ---- fuzzing ----
# `make fuzz` builds the libFuzzer targets of tests/fuzz/ into build/fuzz/ (each linked
# with only the modules it exercises) and runs each for FUZZ_SECONDS on a working copy of
# its seed corpus. Crash inputs go to build/fuzz/crashes/.
# FUZZ_SECONDS is 60 by default and 30 under CI (CI=true, as .ci/run sets): the five
# targets run two at a time, three rounds, so each second here is three of the CI run.
# 30 s still replays each seed corpus and then mutates it some hundreds of thousands of
# times in the four in-process targets (fuzz_http, bound by its 1 s connection timeout,
# sends some 250 requests); a longer search is `make fuzz FUZZ_SECONDS=600`.
ifeq ($(CI),true)
FUZZ_SECONDS ?= 30
else
FUZZ_SECONDS ?= 60
endif
FUZZ_CC      ?= clang
FUZZ_OUT     := build/fuzz
FUZZ_TARGETS := event template parsers layout http
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
                $(WARN) -MMD -MP -Iinclude -Itests/fuzz -D_GNU_SOURCE \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIBS    := $(shell pkg-config --libs libcjson 2>/dev/null) -lunistring -lm
# the event and template modules are each several files: src/event.c, src/event_*.c, ...
FUZZ_EVENT         := $(patsubst src/%.c,%,$(wildcard src/event.c src/event_*.c))
FUZZ_TEMPLATE      := $(patsubst src/%.c,%,$(wildcard src/template.c src/template_*.c))
FUZZ_MODS_event    := $(FUZZ_EVENT) caltime buf utf8
FUZZ_MODS_parsers  := $(FUZZ_EVENT) caltime i18n buf utf8
FUZZ_MODS_template := $(FUZZ_TEMPLATE) layout codec buf utf8
FUZZ_MODS_layout   := layout buf utf8
# the HTTP target runs the whole server in process: every module but main
FUZZ_MODS_http     := $(filter-out main,$(patsubst src/%.c,%,$(SRCS)))
FUZZ_LIBS_http     := -lhpdf $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
FUZZ_BINS    := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

$(FUZZ_OUT)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_OUT)/obj/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

define FUZZ_RULE
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_OUT)/obj/fuzz_$(1).o $(patsubst %,$(FUZZ_OUT)/obj/%.o,$(FUZZ_MODS_$(1)))
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $$@ $$^ $(FUZZ_LIBS_$(1)) $(FUZZ_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz: deps
	@$(MAKE) --no-print-directory fonts $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_TARGETS)

-include $(wildcard $(FUZZ_OUT)/obj/*.d)
