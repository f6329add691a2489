# SPDX-License-Identifier: GPL-2.0-or-later
# cprdump: build, test, install. GNU make; dependencies found with pkg-config.

PKGS      := glib-2.0 json-c libzstd smartcols
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
CLI_SRCS    := $(wildcard cprdump/*.c)
FORMAT_OBJS := $(FORMAT_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
# The CLI minus main(): unit tests link against it.
LIB_CLI_OBJS := $(filter-out $(BUILD)/obj/cprdump/main.o,$(CLI_OBJS))
UNIT_SRCS   := $(wildcard tests/unit/test-*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Helper programs for the shell tests (not GTest: never named test-*).
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all check bench clean install uninstall
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
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(HELPER_BINS): $(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $<

check: all $(UNIT_BINS) $(HELPER_BINS)
	@CPRDUMP=$(BUILD)/cprdump BUILD=$(BUILD) tests/run-all.sh

# Benchmark (not a test; `make check` does not run it): generates large
# streams in BENCH_DIR (default /var/tmp/cprdump-bench) and prints figures.
$(BUILD)/gen-stream: scripts/gen-stream.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -O2 $(LDFLAGS) -o $@ $<

bench: all $(BUILD)/gen-stream
	@BUILD=$(BUILD) python3 scripts/bench.py

clean:
	rm -rf $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/cprdump $(DESTDIR)$(BINDIR)/cprdump
	install -m 0644 doc/cprdump.1 $(DESTDIR)$(MANDIR)/man1/cprdump.1
	install -m 0644 completion/cprdump.bash $(DESTDIR)$(BASHCOMPDIR)/cprdump

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cprdump $(DESTDIR)$(MANDIR)/man1/cprdump.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/cprdump

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
