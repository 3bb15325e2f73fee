# wijknet — build, test, check (ASan+UBSan), demo and bench.
# `make` builds everything into build/; `make check` rebuilds into build/asan.

CC      ?= cc
SAN     ?= 0
BUILD   ?= build
PKGS    := openssl jansson sqlite3 libmicrohttpd
CFLAGS_WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror
CFLAGS_BASE := $(CFLAGS_WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O2 \
	-fPIC -fvisibility=hidden -pthread -Iinclude -Icommon -Ibroker \
	-Inode/daemon -Inode/libwijknet -Inode/cli
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
	echo -lssl -lcrypto -ljansson -lsqlite3 -lmicrohttpd)
# Debian 12 ships nng without a .pc file
NNG_LIBS   := $(shell pkg-config --libs nng 2>/dev/null || echo -lnng)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ifeq ($(SAN),1)
BUILD    := build/asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1
endif
# libFuzzer harnesses: clang, every object instrumented for coverage
ifeq ($(FUZZ),1)
CC       := clang
BUILD    := build/fuzz
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -O1
endif

CFLAGS  := $(CFLAGS_BASE) $(PKG_CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
LDLIBS  := $(NNG_LIBS) $(PKG_LIBS) -lpthread
LDFLAGS := $(SANFLAGS)

COMMON_SRC := $(wildcard common/*.c)
BROKER_SRC := $(filter-out broker/main.c,$(wildcard broker/*.c))
# node/: one folder per program — the daemon, the library, the CLI
NODE_SRC   := $(filter-out node/daemon/main.c,$(wildcard node/daemon/*.c))
LIB_SRC    := $(wildcard node/libwijknet/*.c)
CLI_SRC    := $(wildcard node/cli/*.c)

OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_A  := $(BUILD)/libwncommon.a
WIJKNET_A := $(BUILD)/libwijknet.a
OBJCOPY ?= objcopy
CLIENT_A  := $(BUILD)/libwnclient.a
WIJKNET_SONAME := libwijknet.so.1
WIJKNET_SO := $(BUILD)/$(WIJKNET_SONAME)
VERSION := $(shell sed -n 's/^\#define WN_VERSION_STRING "\(.*\)"/\1/p' include/wijknet.h)
BROKER_A  := $(BUILD)/libwnbroker.a
NODE_A    := $(BUILD)/libwnnode.a

BINS := $(BUILD)/wijknet-broker $(BUILD)/wijknet-node $(BUILD)/wijknet
# one man page per function of include/wijknet.h (scripts/mkman3), dated as
# libwijknet(3)
MAN3_DIR := $(BUILD)/man/man3
MAN3_STAMP := $(MAN3_DIR)/.stamp
MAN3_DATE := $(shell sed -n 's/^\.TH [^ ]* 3 \([0-9-]*\) .*/\1/p' node/libwijknet/libwijknet.3)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
ITEST_SRC := $(wildcard tests/integration/test_*.c)
HARNESS_SRC := $(wildcard tests/harness/*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC)) \
	     $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(ITEST_SRC))
BENCH_BIN := $(BUILD)/wijknet-bench
BENCH_RELAY_BIN := $(BUILD)/wijknet-bench-relay
SOAK_BIN := $(BUILD)/wijknet-soak
SOAK_SECONDS ?= 3600

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 30
CHECK_FUZZ_SECONDS ?= 5

.PHONY: all tests deps deps-fuzz test check demo bench bench-relay soak clean install-deps fuzz fuzz-bins \
	install uninstall FORCE
.SECONDARY:
# what a user runs: no test dependency (cmocka) needed
all: $(BINS) $(WIJKNET_A) $(WIJKNET_SO) $(MAN3_STAMP) $(BUILD)/wijknet.pc
tests: $(TEST_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(COMMON_A): $(call OBJ,$(COMMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(BROKER_A): $(call OBJ,$(BROKER_SRC))
	@rm -f $@; ar rcs $@ $^
$(NODE_A): $(call OBJ,$(NODE_SRC))
	@rm -f $@; ar rcs $@ $^
# in-tree programs and tests link the library's objects with their names
$(CLIENT_A): $(call OBJ,$(LIB_SRC) $(COMMON_SRC))
	@rm -f $@; ar rcs $@ $^
# the installed archive is one object whose internal names are made local,
# as the shared library's version script does: a program linking it
# statically may define names such as client_call or db_open itself
$(WIJKNET_A): $(call OBJ,$(LIB_SRC) $(COMMON_SRC))
	@rm -f $@ $(BUILD)/obj/libwijknet.o
	@$(CC) -nostdlib -r -o $(BUILD)/obj/libwijknet.o $^
	@$(OBJCOPY) --localize-hidden $(BUILD)/obj/libwijknet.o
	@ar rcs $@ $(BUILD)/obj/libwijknet.o
$(WIJKNET_SO): $(call OBJ,$(LIB_SRC) $(COMMON_SRC)) node/libwijknet/libwijknet.map
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(WIJKNET_SONAME) \
		-Wl,--version-script=node/libwijknet/libwijknet.map -o $@ $(filter %.o,$^) $(LDLIBS)
	@ln -sf $(WIJKNET_SONAME) $(BUILD)/libwijknet.so

$(MAN3_STAMP): include/wijknet.h scripts/mkman3 node/libwijknet/libwijknet.3
	@echo "  MAN $(MAN3_DIR)"
	@sh scripts/mkman3 -d '$(MAN3_DATE)' include/wijknet.h $(MAN3_DIR)
	@touch $@

$(BUILD)/wijknet-broker: $(call OBJ,broker/main.c) $(BROKER_A) $(COMMON_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/wijknet-node: $(call OBJ,node/daemon/main.c) $(NODE_A) $(COMMON_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/wijknet: $(call OBJ,$(CLI_SRC)) $(CLIENT_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(call OBJ,$(HARNESS_SRC)) $(CLIENT_A) $(BROKER_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/harness $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)
$(BUILD)/tests/%: tests/integration/%.c $(call OBJ,$(HARNESS_SRC)) $(CLIENT_A) $(BROKER_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/harness $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)
# the CLI's exit statuses, tested without its main()
$(BUILD)/tests/test_cli_status: $(call OBJ,node/cli/cli_status.c)
$(BUILD)/obj/tests/harness/%.o: tests/harness/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/harness -MMD -MP -c $< -o $@

$(BENCH_BIN): tests/bench/bench.c tests/bench/floor.c $(BUILD)/obj/tests/harness/harness.o $(CLIENT_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/harness $(LDFLAGS) -o $@ $^ $(LDLIBS)

# the same program with the Mosquitto relay as a further baseline
$(BENCH_RELAY_BIN): tests/bench/bench.c tests/bench/floor.c tests/bench/relay.c $(BUILD)/obj/tests/harness/harness.o $(CLIENT_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DBENCH_RELAY -Itests/harness $(LDFLAGS) -o $@ $^ $(LDLIBS) -lmosquitto

$(SOAK_BIN): tests/soak/soak.c $(BUILD)/obj/tests/harness/harness.o $(CLIENT_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/harness $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(call OBJ,tests/fuzz/fuzzkit.c) $(BROKER_A) $(NODE_A) $(COMMON_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz-bins: $(FUZZ_BINS)

# Each harness for FUZZ_SECONDS, from its seed corpus (kept in the tree; what
# the run finds goes to a scratch copy).
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run build/fuzz/fuzz

deps install-deps:
	@sh scripts/install-deps
deps-fuzz:
	@sh scripts/install-deps fuzz

test: deps
	@$(MAKE) --no-print-directory all tests
	@WN_BUILD=$(BUILD) sh tests/run-tests

check: deps deps-fuzz
	@$(MAKE) --no-print-directory SAN=1 all tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		WN_BUILD=build/asan sh tests/run-tests
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

demo: deps
	@$(MAKE) --no-print-directory all
	@WN_BUILD=$(BUILD) sh scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@WN_BUILD=$(BUILD) $(BENCH_BIN)

# BENCH_N="10 50" picks the partner counts; bench-relay adds Mosquitto's row.
bench-relay:
	@sh scripts/install-deps relay
	@$(MAKE) --no-print-directory all $(BENCH_RELAY_BIN)
	@WN_BUILD=$(BUILD) $(BENCH_RELAY_BIN)

# An hour (SOAK_SECONDS) of mixed traffic with restarts; fails if a daemon grows.
soak: deps
	@$(MAKE) --no-print-directory all $(SOAK_BIN)
	@WN_BUILD=$(BUILD) WN_BASE_PORT=$${WN_BASE_PORT:-15000} $(SOAK_BIN) $(SOAK_SECONDS)

# FHS paths; PREFIX=/usr puts configs in /etc and state in /var.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LOCALSTATEDIR ?= $(if $(filter /usr,$(PREFIX)),/var,$(PREFIX)/var)
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
UNITS := broker/wijknet-broker.service node/daemon/wijknet-node.service
MANDIR ?= $(PREFIX)/share/man
MANPAGES := node/cli/wijknet.1 certs/wijknet-ca.1 node/libwijknet/libwijknet.3 \
	common/wijknet.json.5 node/daemon/wijknet-node.8 broker/wijknet-broker.8

# the paths the .pc was written for: a later `make install PREFIX=...`
# writes it anew
$(BUILD)/pc-paths: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' | cmp -s - $@ || \
		{ rm -f $@; echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' > $@; }
FORCE:
$(BUILD)/wijknet.pc: Makefile include/wijknet.h $(BUILD)/pc-paths
	@rm -f $@
	@printf '%s\n' 'prefix=$(PREFIX)' \
		'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))' \
		'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))' '' \
		'Name: wijknet' \
		'Description: libwijknet, the C API of a wijknet partner node' \
		'Version: $(VERSION)' \
		'Cflags: -I$${includedir}' \
		'Libs: -L$${libdir} -lwijknet' \
		'Libs.private: $(LDLIBS)' > $@

install: all $(BUILD)/wijknet.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	# keys and configs: the daemons' group reads them, nobody else
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/wijknet
	install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/wijknet
	install -m 0755 $(BUILD)/wijknet certs/wijknet-ca $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILD)/wijknet-broker $(BUILD)/wijknet-node $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(WIJKNET_SO) $(BUILD)/libwijknet.a $(DESTDIR)$(LIBDIR)/
	ln -sf $(WIJKNET_SONAME) $(DESTDIR)$(LIBDIR)/libwijknet.so
	install -m 0644 include/wijknet.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(BUILD)/wijknet.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	install -d $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(MAN3_DIR)/wn_*.3 $(DESTDIR)$(MANDIR)/man3/
	install -d $(DESTDIR)$(SYSTEMDDIR)
	for u in $(UNITS); do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $$u \
			> $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wijknet $(DESTDIR)$(BINDIR)/wijknet-ca \
		$(DESTDIR)$(SBINDIR)/wijknet-broker $(DESTDIR)$(SBINDIR)/wijknet-node \
		$(DESTDIR)$(LIBDIR)/$(WIJKNET_SONAME) $(DESTDIR)$(LIBDIR)/libwijknet.so \
		$(DESTDIR)$(LIBDIR)/libwijknet.a $(DESTDIR)$(INCLUDEDIR)/wijknet.h \
		$(DESTDIR)$(PKGCONFIGDIR)/wijknet.pc \
		$(DESTDIR)$(SYSTEMDDIR)/wijknet-broker.service $(DESTDIR)$(SYSTEMDDIR)/wijknet-node.service
	for m in $(MANPAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m); done
	for p in $$(sh scripts/mkman3 -l include/wijknet.h); do rm -f $(DESTDIR)$(MANDIR)/man3/$$p; done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/wijknet $(DESTDIR)$(LOCALSTATEDIR)/lib/wijknet 2>/dev/null

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
