# Entry points for people and CI. Every target installs what it needs first.
# gcc release build: run, package, bench.
BUILD_DIR ?= build
# clang with ASan/UBSan and the libFuzzer targets: test.
TEST_BUILD_DIR ?= build-test
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: deps configure build run test bench format lint package clean

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the agent on 127.0.0.1:9339 with the embedded default config; state lives in ./var/.
run: build
	@$(BUILD_DIR)/agent/rotagentd

# Every test (unit, integration, emulators, fabric, packaging, fuzzers, format) on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer.
test: deps
	@CC=clang CXX=clang++ cmake -S . -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
	  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -gline-tables-only" -DCMAKE_C_FLAGS_SANITIZE="-O1" \
	  -DROTAGENT_SANITIZE=ON \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
	@cmake --build $(TEST_BUILD_DIR) -j $(JOBS)
	@ctest --test-dir $(TEST_BUILD_DIR) --output-on-failure -j $(JOBS)

# Every benchmark figure with its target, as a table and in $(BUILD_DIR)/rotbench.json (as root;
# about 5 minutes). QUICK=1 shrinks the fleet and the idle measurement.
bench: build
	@$(BUILD_DIR)/bench/micro_bench
	@$(BUILD_DIR)/bench/rotbench --json $(BUILD_DIR)/rotbench.json $(if $(QUICK),--quick)

# rotagent_<version>_<arch>.deb and rotagent-<version>.<arch>.rpm in $(BUILD_DIR).
package: build
	@cd $(BUILD_DIR) && cpack -G "DEB;RPM"

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

lint: build
	@./scripts/lint.sh $(BUILD_DIR)

clean:
	@rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
