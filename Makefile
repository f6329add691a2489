# SPDX-License-Identifier: GPL-2.0-or-later
# cprdump: build, test, install. GNU make; dependencies found with pkg-config.

PKGS      := glib-2.0 json-c libzstd smartcols zlib
CC        ?= cc
CFLAGS    ?= -O2 -g
WERROR    ?= -Werror
WARN      := -std=gnu11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-missing-field-initializers

# Installation (make install honours DESTDIR and these; never strips).
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = $(WARN) $(CFLAGS) $(CPPFLAGS) -Iformats -Icprdump $(PKG_CFLAGS) \
             -DCPRDUMP_VERSION=\"$(VERSION)\"
VERSION   := 0.1.0
BUILD     ?= build

FORMAT_SRCS := $(wildcard formats/*.c)
CLI_SRCS    := $(wildcard cprdump/*.c cprdump/*/*.c)
FORMAT_OBJS := $(FORMAT_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# The CLI minus main(): unit tests link against it.
LIB_CLI_OBJS := $(filter-out $(BUILD)/obj/cprdump/main.o,$(CLI_OBJS))
UNIT_SRCS   := $(wildcard tests/unit/test-*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Helper programs for the shell tests (not GTest: never named test-*).
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
# LD_PRELOAD shims for the shell tests (built without sanitizers: they sit
# under the sanitized binary, which reaches them through its interceptors).
PRELOAD_SRCS := $(wildcard tests/preload/*.c)
PRELOAD_LIBS := $(PRELOAD_SRCS:tests/preload/%.c=$(BUILD)/tests/%.so)

# Sanitizers: `make check` also runs these unit tests built with them (in
# $(BUILD)/san/); `make check-sanitize` builds everything with them.
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
SAN_UNIT    ?= $(UNIT_BINS:$(BUILD)/tests/%=$(BUILD)/san/tests/%)
SAN_ENV     := ASAN_OPTIONS=detect_leaks=1 \
               UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# libFuzzer targets: tests/fuzz/fuzz-<name>.c, seeds in tests/fuzz/corpus/<target>/.
# `make fuzz` runs each for FUZZ_SECONDS (one process at a time); new inputs go
# to tests/fuzz/corpus-run/<target>/ (not committed; `make fuzz-merge` folds
# them, minimized, into the committed corpus).
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_FLAGS   ?=

.PHONY: all check check-sanitize bench fuzz fuzz-build fuzz-merge clean \
        install uninstall FORCE
all: $(BUILD)/cprdump

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libformats.a: $(FORMAT_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/libcli.a: $(LIB_CLI_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/cprdump: $(CLI_OBJS) $(BUILD)/libformats.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(UNIT_BINS): $(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcli.a \
              $(BUILD)/libformats.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(PKG_LIBS)

$(HELPER_BINS): $(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $<

$(PRELOAD_LIBS): $(BUILD)/tests/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -fPIC -shared -o $@ $<

# The same unit tests with ASan+UBSan, from their own objects (an explicit
# list: a pattern would also match the .d files make tries to remake).
$(SAN_UNIT): FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN_UNIT= \
	    CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" $@

check: all $(UNIT_BINS) $(HELPER_BINS) $(PRELOAD_LIBS) $(SAN_UNIT)
	@CPRDUMP=$(BUILD)/cprdump BUILD=$(BUILD) $(SAN_ENV) tests/run-all.sh

# The whole suite with a clang ASan+UBSan build (real-QEMU tests skipped unless
# CPRDUMP_NO_QEMU=0: `make check` runs them).
check-sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang SAN_UNIT= \
	    CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" \
	    CPRDUMP_NO_QEMU=$${CPRDUMP_NO_QEMU:-1} CPRDUMP_SANITIZED=1 check

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libcli.a $(BUILD)/libformats.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -MMD -MP -fsanitize=fuzzer $(LDFLAGS) \
	    -o $@ $(filter %.c %.a,$^) $(PKG_LIBS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    CFLAGS="-O1 -g $(SAN_FLAGS) -fsanitize=fuzzer-no-link" \
	    LDFLAGS="$(SAN_FLAGS)" $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    FUZZ_FLAGS="$(FUZZ_FLAGS)" tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh --merge $(FUZZ_TARGETS)

# Benchmark (not a test; `make check` does not run it): generates large
# streams in BENCH_DIR (default /var/tmp/cprdump-bench) and prints figures.
$(BUILD)/gen-stream: scripts/gen-stream.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -O2 $(LDFLAGS) -o $@ $<

bench: all $(BUILD)/gen-stream
	@BUILD=$(BUILD) python3 scripts/bench.py

clean:
	rm -rf $(BUILD) build-san $(FUZZ_BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/cprdump $(DESTDIR)$(BINDIR)/cprdump
	install -m 0644 doc/cprdump.1 $(DESTDIR)$(MANDIR)/man1/cprdump.1
	install -m 0644 completion/cprdump.bash $(DESTDIR)$(BASHCOMPDIR)/cprdump

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cprdump $(DESTDIR)$(MANDIR)/man1/cprdump.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/cprdump

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
