# pxerelay - plain GNU make. `make check` on a fresh Debian machine as root
# installs what it needs (tests/deps.sh), builds, and runs every test.

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR  = $(PREFIX)/sbin
MANDIR   = $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system

# One version for the binary and the package: debian/changelog's, less
# its Debian revision.
VERSION := $(shell sed -n '1s/^pxerelay (\([^)-]*\).*/\1/p' debian/changelog 2>/dev/null)

CC      ?= cc
FUZZCC  ?= clang
PKGS     = libpcap libnl-3.0 libconfuse libseccomp
# libnet1-dev ships libnet-config, no .pc; its --defines ask for the
# deprecated _BSD_SOURCE, so the two it needs are named here.
LIBNET_CFLAGS = -D_DEFAULT_SOURCE -DHAVE_NET_ETHERNET_H
LIBNET_LIBS   = $(shell libnet-config --libs 2>/dev/null || echo -lnet)

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) -Iinclude $(LIBNET_CFLAGS) \
	     $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The libraries are linked shared, as distributions link them: a security
# update of libpcap, libnl, libconfuse or libnet (or of what they load,
# libdbus and libsystemd through libpcap) reaches pxerelay without a
# rebuild.
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(LIBNET_LIBS)

# Pure modules: no I/O, linked alone by unit tests and fuzzers.
PURE_SRC = src/dhcp_msg.c src/opt82.c src/relay.c src/frame.c src/classify.c \
	   src/rewrite.c src/xid_table.c src/http.c src/metrics.c src/stats.c \
	   src/tftp_proto.c src/tftp_proxy.c src/tftp_cache.c src/ratelimit.c src/fmt.c \
	   src/link_table.c src/exchange.c src/siphash.c src/dhcp6_msg.c src/relay6.c \
	   src/exchange6.c
CONFIG_SRC = src/config.c src/config_keys.c src/config_types.c src/config_confuse.c \
	     src/config_print.c
IO_SRC   = $(CONFIG_SRC) src/log.c src/link.c src/capture.c \
	   src/inject.c src/upstream.c src/replay.c src/metrics_server.c src/trace.c \
	   src/tftp_server.c src/sandbox.c src/upstream6.c
SRC      = $(PURE_SRC) $(IO_SRC) src/dataplane.c src/dataplane6.c src/daemon.c src/main.c

BUILD    = build
OBJ      = $(SRC:src/%.c=$(BUILD)/%.o)
# The unit tests link the daemon's objects (each source compiled once per
# BUILD, with that build's flags), not a compile of every source each.
PURE_OBJ   = $(PURE_SRC:src/%.c=$(BUILD)/%.o)
CONFIG_OBJ = $(CONFIG_SRC:src/%.c=$(BUILD)/%.o)
IO_OBJ     = $(IO_SRC:src/%.c=$(BUILD)/%.o)
BIN      = pxerelay

UNIT_TESTS = dhcp_msg opt82 relay frame config classify rewrite xid_table http \
	     tftp_proto tftp_proxy ratelimit fmt link_table exchange dataplane log sandbox \
	     dhcp6_msg relay6 exchange6
FUZZERS    = dhcp_msg relay_request relay_reply exchange opt82 frame classify_rewrite http config \
	     tftp_proto tftp_proxy dhcp6
FUZZ_SECONDS ?= 20

.PHONY: all deps deps-lab check check-pkg check-unit check-replay check-lab check-bench bench asan asan-unit asan-lab fuzz fuzz-smoke fuzz-long soak \
	install uninstall clean demo

all: $(BIN)

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/main.o: ALL_CFLAGS += -DPXR_VERSION='"$(or $(VERSION),unknown)"'
$(BUILD)/main.o: debian/changelog

$(BUILD):
	mkdir -p $@

$(BIN): $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

deps:
	@sh tests/deps.sh build

deps-lab:
	@sh tests/deps.sh lab

# The Debian package: built with dpkg-buildpackage, contents, conffile,
# lintian, the extracted binary run on its config (tests/pkg/test_deb.sh).
check-pkg:
	@sh tests/deps.sh build
	@sh tests/deps.sh pkg
	bash tests/pkg/test_deb.sh

# ---- unit tests (cmocka) ----
UNIT_BIN = $(UNIT_TESTS:%=$(BUILD)/test_%)

$(BUILD)/test_config: tests/unit/test_config.c $(CONFIG_OBJ) $(BUILD)/opt82.o $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %.h,$^) $(shell pkg-config --libs libconfuse cmocka)

$(BUILD)/test_log: tests/unit/test_log.c $(BUILD)/log.o $(BUILD)/fmt.o $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %.h,$^) -lpthread $(shell pkg-config --libs cmocka)

$(BUILD)/test_sandbox: tests/unit/test_sandbox.c $(BUILD)/sandbox.o $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %.h,$^) $(shell pkg-config --libs libseccomp cmocka)

# The data plane's seam test runs the real dataplane.c, so it links the
# I/O modules too (their sockets are never opened: struct dp_io records).
$(BUILD)/test_dataplane: tests/unit/test_dataplane.c $(PURE_OBJ) $(IO_OBJ) $(BUILD)/dataplane.o \
		$(BUILD)/dataplane6.o $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/test_%: tests/unit/test_%.c $(PURE_OBJ) $(CONFIG_OBJ) $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter-out %.h,$^) $(shell pkg-config --libs libconfuse cmocka)

check-unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do ./$$t || fail=1; done; exit $$fail

# --replay over the shipped capture against its golden output.
check-replay: $(BIN)
	sh tests/replay_golden.sh

# The unit tests and the lab again, with pxerelay built with
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer at exit); a
# sanitizer report in a relay log fails its lab test. The valgrind test
# needs the plain binary and is skipped here.
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: asan-unit asan-lab

asan-unit:
	$(MAKE) BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" check-unit

asan-lab:
	$(MAKE) BUILD=build/asan BIN=build/asan/pxerelay CFLAGS="$(ASAN_CFLAGS)" build/asan/pxerelay
	PXERELAY=$(CURDIR)/build/asan/pxerelay PXR_SANITIZER=1 PXR_LAB_SKIP="test_valgrind.sh" \
		PXR_FW6=0 bash tests/lab/run.sh

# ---- fuzzing (libFuzzer, clang) ----
FUZZ_BIN = $(FUZZERS:%=build/fuzz/fuzz_%)
FUZZ_BASE   = -std=gnu11 -g -O1 -Iinclude -fno-sanitize-recover=all $(LIBNET_CFLAGS)
FUZZ_CFLAGS = $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined

# The modules are compiled once with coverage instrumentation
# (fuzzer-no-link) and linked into every harness.
FUZZ_OBJ = $(PURE_SRC:src/%.c=build/fuzz/obj/%.o) $(CONFIG_SRC:src/%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: src/%.c $(wildcard include/*.h)
	mkdir -p build/fuzz/obj
	$(FUZZCC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ) $(wildcard include/*.h tests/fuzz/*.h)
	mkdir -p build/fuzz
	$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ) -lconfuse

# Each harness runs over its seed corpus plus what it finds (kept in
# build/fuzz/corpus_X), with tests/fuzz/X.dict when there is one; an input
# running over 10 s counts as a hang. A crash or hang leaves
# build/fuzz/crash_X-* (or timeout_X-*) and fails. One summary line per
# harness goes to build/fuzz/summary.txt.
fuzz: $(FUZZ_BIN)
	@: > build/fuzz/summary.txt; \
	for f in $(FUZZERS); do \
	  mkdir -p build/fuzz/corpus_$$f; \
	  dict=; [ -f tests/fuzz/$$f.dict ] && dict=-dict=tests/fuzz/$$f.dict; \
	  if ./build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	      -print_final_stats=1 $$dict -artifact_prefix=build/fuzz/crash_$$f- \
	      build/fuzz/corpus_$$f tests/fuzz/corpus/$$f > build/fuzz/$$f.log 2>&1; then \
	    line="fuzz $$f: $$(grep -E '^stat::number_of_executed_units' build/fuzz/$$f.log | \
	      awk '{print $$2}') runs in $(FUZZ_SECONDS) s, $$(grep -E '^#[0-9]+' build/fuzz/$$f.log | \
	      tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+'), $$(ls build/fuzz/corpus_$$f | \
	      wc -l) inputs kept, no crash"; \
	    echo "$$line"; echo "$$line" >> build/fuzz/summary.txt; \
	  else \
	    tail -40 build/fuzz/$$f.log; echo "fuzz $$f: FAILED"; exit 1; \
	  fi; \
	done

# check: a short run of each fuzzer, so a crash on a seed fails CI.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=15

# The campaign: 10 minutes per harness (FUZZ_LONG_SECONDS); figures in
# build/fuzz/summary.txt, recorded in tests/fuzz/README.md.
FUZZ_LONG_SECONDS ?= 600
fuzz-long:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

# ---- lab (network namespaces, real servers and clients) ----
check-lab: $(BIN)
	bash tests/lab/run.sh

# Soak: SOAK_MINUTES (30) of mixed DHCP/TFTP load and faults; RSS and open
# fds sampled every SOAK_SAMPLE_SECONDS (60) must stay flat. Not in check.
soak: $(BIN)
	bash tests/soak/soak.sh

# Benchmarks: the relays under the same offered loads (stub server, then
# Kea), the DHCPv6 relays (pxerelay, ISC dhcrelay -6, dnsmasq, the floor)
# under the same loads against the stub (BENCH_RATES6, BENCH_RELAYS6), the
# relays at 2/256/4096 links, and TFTP through the proxy vs direct (LAN, a
# 200-client storm, a 25 ms WAN). Writes tests/bench/RESULTS.md. The relay
# tables are the median of BENCH_ROUNDS (3) interleaved rounds.
bench:
	$(MAKE) deps
	$(MAKE) deps-lab
	$(MAKE) all
	bash tests/bench/run.sh
	bash tests/bench/scale.sh --append tests/bench/RESULTS.md
	bash tests/bench/tftp.sh --append tests/bench/RESULTS.md

# Smoke of the bench tools: they build, run and report (no speed judged).
check-bench: $(BIN)
	bash tests/bench/run.sh --smoke
	bash tests/bench/scale.sh --smoke
	bash tests/bench/tftp.sh --smoke

check:
	$(MAKE) deps
	$(MAKE) deps-lab
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-replay
	$(MAKE) asan
	$(MAKE) fuzz-smoke
	$(MAKE) check-bench
	$(MAKE) check-pkg
	$(MAKE) check-lab

demo:
	$(MAKE) deps
	$(MAKE) deps-lab
	$(MAKE) all
	bash tests/lab/demo.sh

install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/pxerelay
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/pxerelay
	install -m 0644 man/pxerelay.8 $(DESTDIR)$(MANDIR)/man8/pxerelay.8
	install -m 0644 man/pxerelay.conf.5 $(DESTDIR)$(MANDIR)/man5/pxerelay.conf.5
	test -e $(DESTDIR)$(SYSCONFDIR)/pxerelay/pxerelay.conf || \
		install -m 0644 etc/pxerelay.conf $(DESTDIR)$(SYSCONFDIR)/pxerelay/pxerelay.conf
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' etc/pxerelay.service > $(DESTDIR)$(UNITDIR)/pxerelay.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/pxerelay $(DESTDIR)$(MANDIR)/man8/pxerelay.8 \
	      $(DESTDIR)$(MANDIR)/man5/pxerelay.conf.5 $(DESTDIR)$(UNITDIR)/pxerelay.service

clean:
	rm -rf $(BUILD) build $(BIN)
