# Entry points for people and CI. Every target installs what it needs first.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: deps configure build run test format lint package clean

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

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# rotagent_<version>_<arch>.deb and rotagent-<version>.<arch>.rpm in $(BUILD_DIR).
package: build
	@cd $(BUILD_DIR) && cpack -G "DEB;RPM"

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

lint: build
	@./scripts/lint.sh $(BUILD_DIR)

clean:
	@rm -rf $(BUILD_DIR)
