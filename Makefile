# Front end for the usual jobs. Every target installs what it needs first (Debian 12,
# as root), so each works on a fresh machine.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
WERROR ?= ON

.PHONY: all deps test-deps build demo test test-unit golden-refresh asan bench fuzz fuzz-smoke clean format tidy

all: build

deps:
	./scripts/install-deps.sh build

test-deps:
	./scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) -DWHY502_WERROR=$(WERROR)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The bundled example incident: NGINX proxying to 127.0.0.1:3000, SELinux denies
# name_connect; diagnosed with Debian's real compiled policy.
demo: test-deps build
	./$(BUILD)/why502 --error-log examples/classic/error.log --audit-log examples/classic/audit.log \
	    --policy /etc/selinux/default/policy/policy.33 --tz Europe/Paris; test $$? -le 1

# The whole test suite: unit tests per stage, golden cases, end-to-end with real nginx.
test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE e2e

golden-refresh: build
	WHY502_REFRESH=1 tests/golden/run.sh $(BUILD)/why502

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: test-deps
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DWHY502_SANITIZE=ON"

# Throughput and memory against the peers (generates 1 GB inputs once; slow).
bench: test-deps build
	./bench/run.sh $(BUILD)

# Coverage-guided fuzzing with libFuzzer (clang), bounded per target.
FUZZ_SECONDS ?= 60
fuzz: test-deps
	./fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

tidy: build
	git ls-files 'src/*.cpp' | xargs clang-tidy -p $(BUILD) --quiet
