# captiond — the two commands: `make demo` and `make test`. See README.md.
SWIFT      ?= swift
PREFIX     ?= /usr/local
MODELS     ?= tiny.en base
BIN        := .build/release
# Tests build in their own folder with testing enabled, so `make bench` and `make install` keep
# an ordinary optimised build.
TEST_BUILD := .build-test
DEMO_DIR   := .build/demo

.PHONY: all deps models build test sanitize sanitize-asan sanitize-tsan demo bench install uninstall clean

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

# The engine, capture rings, worker pool, daemon and IPC tests under AddressSanitizer (+ UBSan in
# the C kernels; release, .build-asan) and ThreadSanitizer (debug, .build-tsan). Any sanitizer
# report fails. scripts/sanitize says which tests run where; suppressions: scripts/sanitizers/.
sanitize: sanitize-asan sanitize-tsan

sanitize-asan: deps models
	SWIFT=$(SWIFT) scripts/sanitize asan

sanitize-tsan: deps
	SWIFT=$(SWIFT) scripts/sanitize tsan

demo: deps
	@scripts/fetch-models tiny.en
	$(SWIFT) build -c release
	@scripts/demo-live

bench: deps models build
	@scripts/bench.py --captionctl $(BIN)/captionctl

# Binaries, systemd units (ExecStart pointed at $(PREFIX)/bin), sysusers and tmpfiles entries and
# the documented default configuration (an existing /etc/captiond/captiond.toml is kept).
UNITDIR     ?= /etc/systemd/system
SYSUSERSDIR ?= /etc/sysusers.d
TMPFILESDIR ?= /etc/tmpfiles.d
CONFDIR     ?= /etc/captiond

install: build
	install -Dm755 $(BIN)/captiond $(DESTDIR)$(PREFIX)/bin/captiond
	install -Dm755 $(BIN)/captionctl $(DESTDIR)$(PREFIX)/bin/captionctl
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/bin/captiond|$(PREFIX)/bin/captiond|' Systemd/captiond.service > $(DESTDIR)$(UNITDIR)/captiond.service
	install -Dm644 Systemd/captiond.socket $(DESTDIR)$(UNITDIR)/captiond.socket
	install -Dm644 Systemd/captiond.sysusers $(DESTDIR)$(SYSUSERSDIR)/captiond.conf
	install -Dm644 Systemd/captiond.tmpfiles $(DESTDIR)$(TMPFILESDIR)/captiond.conf
	@if [ -e $(DESTDIR)$(CONFDIR)/captiond.toml ]; then echo "keeping $(DESTDIR)$(CONFDIR)/captiond.toml"; \
	  else install -Dm644 Config/captiond.toml $(DESTDIR)$(CONFDIR)/captiond.toml; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then systemd-sysusers $(SYSUSERSDIR)/captiond.conf; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemd-tmpfiles --create $(TMPFILESDIR)/captiond.conf; systemctl daemon-reload; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/captiond $(DESTDIR)$(PREFIX)/bin/captionctl
	rm -f $(DESTDIR)$(UNITDIR)/captiond.service $(DESTDIR)$(UNITDIR)/captiond.socket
	rm -f $(DESTDIR)$(SYSUSERSDIR)/captiond.conf $(DESTDIR)$(TMPFILESDIR)/captiond.conf

clean:
	rm -rf .build $(TEST_BUILD) .build-asan .build-tsan
