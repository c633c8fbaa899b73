# captiond — the two commands: `make demo` and `make test`. See README.md.
SWIFT      ?= swift
PREFIX     ?= /usr/local
MODELS     ?= tiny.en base
BIN        := .build/release
# Tests build in their own folder with testing enabled, so `make bench` and `make install` keep
# an ordinary optimised build.
TEST_BUILD := .build-test
DEMO_DIR   := .build/demo

.PHONY: all deps models build test demo bench install uninstall clean

all: build

deps:
	@scripts/setup-deps

models: deps
	@scripts/fetch-models $(MODELS)

build: deps
	$(SWIFT) build -c release

test: deps models
	$(SWIFT) build -c release --build-tests --scratch-path $(TEST_BUILD) -Xswiftc -enable-testing
	$(SWIFT) test -c release --skip-build --scratch-path $(TEST_BUILD) -Xswiftc -enable-testing

demo: deps
	@scripts/fetch-models tiny.en
	$(SWIFT) build -c release
	@scripts/demo-live

bench: deps models build
	@scripts/bench.py --captionctl $(BIN)/captionctl

install: build
	install -Dm755 $(BIN)/captiond $(DESTDIR)$(PREFIX)/bin/captiond
	install -Dm755 $(BIN)/captionctl $(DESTDIR)$(PREFIX)/bin/captionctl

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/captiond $(DESTDIR)$(PREFIX)/bin/captionctl

clean:
	rm -rf .build $(TEST_BUILD)
