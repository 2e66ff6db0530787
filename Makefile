# kioskd — see README.md. Every target installs what is missing first.
SWIFT ?= swift
CONFIG ?= debug

.PHONY: deps build release deb install demo test lint format bench fuzz coverage vivid-check clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

# The main job: a simulated terminal serving one scripted citizen end to end.
demo: build
	@scripts/demo.sh

# All tests, one at a time (many start processes, PTYs and a cupsd; on 2 cores, parallel runs starve deadlines).
# Under CI=true the tests that need cupsd must run (they skip loudly elsewhere when it is missing).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# The shipped binaries: statically linked against the Swift runtime and Foundation (the package depends only on
# Debian's C libraries).
release: deps
	$(SWIFT) build -c release --product kioskd --static-swift-stdlib --scratch-path .build/static
	$(SWIFT) build -c release --product kioskctl --static-swift-stdlib --scratch-path .build/static

# kioskd_<version>_<arch>.deb in .build/deb (debian/, scripts/build-deb.sh; docs/INSTALL.md).
deb: release
	scripts/build-deb.sh

# The same tree as the package, for other distributions: make install DESTDIR=/tmp/root PREFIX=/usr
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
install: release
	scripts/stage-install.sh "$(DESTDIR)" "$(PREFIX)" "$(SYSCONFDIR)"

bench: deps
	scripts/bench.sh

fuzz: deps
	scripts/fuzz.sh

coverage: deps
	scripts/coverage.sh

# Manual, not CI: kioskctl's camera capture against the kernel's vivid driver in qemu (docs/camera-vivid.md).
vivid-check: deps
	scripts/vivid-check.sh

clean:
	rm -rf .build
