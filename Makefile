# A thin wrapper over CMake + Ninja + CTest. `make` builds, `make run` starts
# the service on the embedded defaults, `make test` runs every test, `make
# bench` runs the benchmark (not part of `make test`).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_CC    ?= clang-14
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8080
RUN_ARGS   ?=
BENCH_ARGS ?=

.PHONY: all build deps run test test-asan demo clean fuzz bench

all: build

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash scripts/deps.sh

run: deps build
	@mkdir -p var
	bash scripts/run.sh $(BUILD)/otpgate --listen $(LISTEN) $(RUN_ARGS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOG_SANITIZE=ON

# Runs the whole suite on the release build, then again under ASan+UBSan,
# and ends with one plain "N passed, N failed" line over both runs.
test: build $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	bash scripts/test.sh $(BUILD) $(ASAN_BUILD)

demo:
	bash scripts/demo.sh

# libFuzzer targets (tests/fuzz/README.md) under ASan+UBSan, each run for
# FUZZ_SECONDS; fails on any crash, leak or timeout.
$(FUZZ_BUILD)/build.ninja:
	CC=$(FUZZ_CC) cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOG_FUZZ=ON

fuzz: $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The benchmark (docs/PERFORMANCE.md): installs wrk, nginx and Kannel when
# missing, builds build-release, prints the table. BENCH_ARGS go to
# bench/bench.py, e.g. BENCH_ARGS="--duration 30".
bench:
	bash bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
