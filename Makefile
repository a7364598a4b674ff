# wtstat — see README.md. `make` builds ./wtstat; `sudo make check` runs every test.
OUT        := build
CC         ?= gcc
BPF_CLANG  ?= clang-19
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -Isrc -I$(OUT)
# One static binary: it runs as is in a busybox initramfs and on hosts
# without libbpf installed.
LDFLAGS    ?= -static
LDLIBS     := -lbpf -lelf -lz -lzstd -ljson-c -lpthread -lm

BPF_SRC    := bpf/wtstat.bpf.c
BPF_OBJ    := $(OUT)/wtstat.bpf.o
SKEL       := $(OUT)/wtstat.skel.h
LIB_SRCS   := src/plan.c src/hist.c src/snapshot.c src/counters.c src/report_text.c \
              src/report_json.c src/kernel_desc.c src/attach.c src/session.c src/run.c \
              src/demo.c src/loopdev.c src/workload.c src/metrics.c src/prom.c src/export.c \
              src/rules.c src/gate.c src/utf8.c
LIB_SRCS   += src/gate_doc.c
# capabilities dropped after attach (libcap: Debian's libcap-dev ships libcap.a)
LIB_SRCS   += src/privs.c
LDLIBS     += -lcap
LIB_SRCS   += src/topn.c src/rowtable.c
APP_SRCS   := src/main.c $(LIB_SRCS)
APP_OBJS   := $(patsubst src/%.c,$(OUT)/%.o,$(APP_SRCS))

.PHONY: all deps demo check test-unit test-bench-summary test-live vmtest vmlinux clean soak

all: wtstat $(OUT)/wtload $(OUT)/load_all $(OUT)/wtpress

deps:
	@scripts/install-deps.sh

$(OUT):
	@mkdir -p $(OUT)

$(BPF_OBJ): $(BPF_SRC) bpf/core_fixes.bpf.h src/wtstat.h vmlinux/vmlinux.h | $(OUT)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Isrc -Wall -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name wtstat_bpf > $@

$(OUT)/%.o: src/%.c $(SKEL) $(wildcard src/*.h) | $(OUT)
	$(CC) $(CFLAGS) -c $< -o $@

wtstat: $(APP_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# the workload driver used by tests and the VM lab
$(OUT)/wtload: tests/tools/wtload.c $(OUT)/loopdev.o $(OUT)/workload.o
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -lpthread -o $@

# table-pressure workloads of tests/live/pressure.sh and make soak
$(OUT)/wtpress: tests/tools/wtpress.c | $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# unit tests: cmocka, no kernel needed
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_LIB   := $(filter-out $(OUT)/main.o,$(APP_OBJS))

$(OUT)/unit/%: tests/unit/%.c $(UNIT_LIB)
	@mkdir -p $(OUT)/unit
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

test-unit: $(UNIT_TESTS)
	@tests/unit/run.sh $(UNIT_TESTS)

test-live: all
	@tests/live/run.sh

# how bench/summarize.jq reads and judges recorded bench runs (cost, slowdown, VM lab)
test-bench-summary:
	@tests/bench/summary.sh

vmtest: all
	@WT_BINS="$(OUT)/wtload $(OUT)/wtpress $(OUT)/load_all" tests/vm/vmtest.sh

demo: deps
	@$(MAKE) --no-print-directory all
	./wtstat demo

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-unit test-bench-summary
	@$(MAKE) --no-print-directory test-asan fuzz
	@$(MAKE) --no-print-directory test-live
	@$(MAKE) --no-print-directory vmtest

# `make soak` (root, not part of check): wtstat export under churn for
# SOAK_SECONDS (default 300); flat RSS, descriptors and map memory or exit 1.
soak: all
	@tests/soak/soak.sh

# Regenerate the CO-RE header from the running kernel (see vmlinux/README.md).
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

clean:
	rm -rf $(OUT) wtstat

$(OUT)/load_all: tests/live/load_all.c $(SKEL)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

# ---- benchmarks (README.md, "Performance") ---------------------------------
# `make bench`: the full suite, bench/results.json, exit 1 when a target is
# missed. `make bench-smoke`: a short run that only checks the harness.
BENCH      := $(OUT)/bench
BENCH_BINS := $(BENCH)/empty_loader $(BENCH)/rewrite $(BENCH)/cycle $(BENCH)/progstat
# bench/cycle.c links the snapshot, report and Prometheus code it times
# (metrics.c and prom.c only where they exist), nothing else of the tool
CYCLE_SRCS := $(wildcard $(addprefix src/,plan.c hist.c snapshot.c counters.c report_text.c \
              report_json.c kernel_desc.c attach.c utf8.c metrics.c prom.c topn.c rowtable.c))
CYCLE_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(CYCLE_SRCS))
CYCLE_DEFS := $(if $(wildcard src/prom.c),$(if $(wildcard src/metrics.c),-DHAVE_PROM))

.PHONY: bench bench-smoke bench-bins

bench-bins: $(BENCH_BINS)

$(BENCH)/empty.bpf.o: bench/empty.bpf.c vmlinux/vmlinux.h
	@mkdir -p $(BENCH)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Wall -c $< -o $@

$(BENCH)/empty.skel.h: $(BENCH)/empty.bpf.o
	$(BPFTOOL) gen skeleton $< name empty_bpf > $@

$(BENCH)/empty_loader: bench/empty_loader.c $(BENCH)/empty.skel.h
	$(CC) $(CFLAGS) -I$(BENCH) $(LDFLAGS) $< $(LDLIBS) -o $@

$(BENCH)/rewrite: bench/rewrite.c $(OUT)/loopdev.o
	@mkdir -p $(BENCH)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -lpthread -o $@

$(BENCH)/progstat: bench/progstat.c
	@mkdir -p $(BENCH)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

$(BENCH)/cycle: bench/cycle.c $(CYCLE_OBJS) $(SKEL)
	@mkdir -p $(BENCH)
	$(CC) $(CFLAGS) $(CYCLE_DEFS) $(LDFLAGS) $< $(CYCLE_OBJS) $(LDLIBS) -o $@

bench: all bench-bins
	@bench/run.sh

bench-smoke: all bench-bins
	@bench/run.sh --smoke

# ---- fuzzing and sanitizer builds (tests/fuzz/README.md) --------------------
# `make fuzz`: each libFuzzer target for FUZZ_SECONDS on its committed seed
# corpus, one line each; what a run adds and any failing input stay in
# build/fuzz. `make test-asan`: every unit test, and wtstat on the command
# lines that need no root, rebuilt in build/asan with AddressSanitizer and
# UndefinedBehaviorSanitizer; any report fails it.
FUZZ_CC      ?= clang-19
FUZZ_SECONDS ?= 20
FUZZ         := $(OUT)/fuzz
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation \
                -Isrc $(SAN_FLAGS)
# the rules and the metric model they judge, without the tracer
FUZZ_MODEL   := $(patsubst %,$(FUZZ)/obj/%.o,rules metrics hist utf8 counters plan snapshot rowtable topn report_text)
FUZZ_BINS    := $(FUZZ)/fuzz_rules $(FUZZ)/fuzz_probe $(FUZZ)/fuzz_baseline

.PHONY: fuzz fuzz-bins test-asan

# sources under test: instrumented for coverage, without libFuzzer's main
$(FUZZ)/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(FUZZ)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/fuzz_rules: tests/fuzz/fuzz_rules.c $(FUZZ_MODEL)
$(FUZZ)/fuzz_probe: tests/fuzz/fuzz_probe.c $(FUZZ)/obj/plan.o
$(FUZZ)/fuzz_baseline: tests/fuzz/fuzz_baseline.c $(FUZZ)/obj/gate_doc.o $(FUZZ_MODEL)
$(FUZZ_BINS): tests/fuzz/fuzz.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(filter %.c %.o,$^) -ljson-c -lbpf -lm -o $@

fuzz-bins: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

test-asan:
	@$(MAKE) --no-print-directory OUT=$(OUT)/asan CC="$(CC) $(SAN_FLAGS)" test-unit $(OUT)/asan/wtstat-dynamic
	@tests/fuzz/sanitized_cli.sh $(OUT)/asan/wtstat-dynamic

# the tool linked dynamically: sanitizers do not link statically
$(OUT)/wtstat-dynamic: $(APP_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@
