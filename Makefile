# The two commands in the README:
#   make run   installs what is missing, builds, and runs the demo
#   make test  installs what is missing, builds with ASan+UBSan, runs ctest
# `make` alone leaves the binary at build/parley.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build run test bench fuzz format clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

run: build
	build/parley demo

test:
	@scripts/deps.sh --e2e
	@cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DPX_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure -j $(JOBS)

# Benchmarks run the release build: only the binary and the bench programs
# are built (nothing else is needed to measure), then each bench_* program
# and bench/api_get.sh (wrk against the analyst API) run in turn.
BENCHES = $(patsubst bench/%.c,%,$(wildcard bench/bench_*.c))
bench:
	@scripts/deps.sh --bench --e2e
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS) --target parley $(BENCHES)
	@for b in $(BENCHES); do echo "== build/bench/$$b"; build/bench/$$b || exit 1; done
	@echo "== bench/api_get.sh"; PARLEY=build/parley bench/api_get.sh

# Real libFuzzer binaries (clang); `make fuzz FUZZ_SECONDS=60` runs each.
FUZZ_SECONDS ?= 30
fuzz:
	@scripts/deps.sh --fuzz
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPX_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/tests/fuzz/fuzz_*; do \
		n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/$$n \
			tests/fuzz/corpus/$${n#fuzz_} || exit 1; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-test build-fuzz
