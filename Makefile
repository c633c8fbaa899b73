# captiond — the two commands: `make demo` and `make test`. See README.md.
SWIFT      ?= swift
PREFIX     ?= /usr/local
MODELS     ?= tiny.en base faces tiny.en-int8
BIN        := .build/release
# Tests build in their own folder with testing enabled, so `make bench` and `make install` keep
# an ordinary optimised build.
TEST_BUILD := .build-test
DEMO_DIR   := .build/demo

.PHONY: all deps models build test sanitize sanitize-asan sanitize-tsan sanitize-tsan-models sanitize-page-guard demo bench install uninstall clean

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
# the C kernels; release, .build-asan) and ThreadSanitizer (debug, .build-tsan; and release,
# .build-tsan-rel, for the tests that run a real model). Any sanitizer report fails.
# Then the suite natively with every heap block on pages of its own behind unmapped gaps
# (page-guard-malloc: sees OpenBLAS's writes, which ASan cannot; make test's build, .build-test).
# scripts/sanitize says which tests run where; suppressions: scripts/sanitizers/.
sanitize: sanitize-asan sanitize-tsan sanitize-tsan-models sanitize-page-guard

sanitize-asan: deps models
	SWIFT=$(SWIFT) scripts/sanitize asan

sanitize-tsan: deps
	SWIFT=$(SWIFT) scripts/sanitize tsan

sanitize-tsan-models: deps models
	SWIFT=$(SWIFT) scripts/sanitize tsan-models

sanitize-page-guard: deps models
	SWIFT=$(SWIFT) scripts/sanitize page-guard

demo: deps
	@scripts/fetch-models tiny.en faces
	$(SWIFT) build -c release
	@scripts/demo-live

bench: deps models build
	@scripts/fetch-models tiny.en-int8 base-int8
	@PY=$$(scripts/bench-venv) && "$$PY" scripts/bench.py --captionctl $(BIN)/captionctl

# Binaries, systemd units (ExecStart pointed at $(PREFIX)/bin; the overlay's user unit in
# $(USERUNITDIR), for `systemctl --user`), sysusers and tmpfiles entries and
# the documented default configuration (an existing /etc/captiond/captiond.toml is kept).
UNITDIR     ?= /etc/systemd/system
USERUNITDIR ?= /etc/systemd/user
SYSUSERSDIR ?= /etc/sysusers.d
TMPFILESDIR ?= /etc/tmpfiles.d
CONFDIR     ?= /etc/captiond

install: build
	install -Dm755 $(BIN)/captiond $(DESTDIR)$(PREFIX)/bin/captiond
	install -Dm755 $(BIN)/captionctl $(DESTDIR)$(PREFIX)/bin/captionctl
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/bin/captiond|$(PREFIX)/bin/captiond|' Systemd/captiond.service > $(DESTDIR)$(UNITDIR)/captiond.service
	install -Dm644 Systemd/captiond.socket $(DESTDIR)$(UNITDIR)/captiond.socket
	install -d $(DESTDIR)$(USERUNITDIR)
	sed 's|/usr/bin/captionctl|$(PREFIX)/bin/captionctl|' Systemd/captionctl-overlay.service > $(DESTDIR)$(USERUNITDIR)/captionctl-overlay.service
	install -Dm644 Systemd/captiond.sysusers $(DESTDIR)$(SYSUSERSDIR)/captiond.conf
	install -Dm644 Systemd/captiond.tmpfiles $(DESTDIR)$(TMPFILESDIR)/captiond.conf
	@if [ -e $(DESTDIR)$(CONFDIR)/captiond.toml ]; then echo "keeping $(DESTDIR)$(CONFDIR)/captiond.toml"; \
	  else install -Dm644 Config/captiond.toml $(DESTDIR)$(CONFDIR)/captiond.toml; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then systemd-sysusers $(SYSUSERSDIR)/captiond.conf; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemd-tmpfiles --create $(TMPFILESDIR)/captiond.conf; systemctl daemon-reload; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/captiond $(DESTDIR)$(PREFIX)/bin/captionctl
	rm -f $(DESTDIR)$(UNITDIR)/captiond.service $(DESTDIR)$(UNITDIR)/captiond.socket
	rm -f $(DESTDIR)$(USERUNITDIR)/captionctl-overlay.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/captiond.conf $(DESTDIR)$(TMPFILESDIR)/captiond.conf

clean:
	rm -rf .build $(TEST_BUILD) .build-asan .build-tsan

# The audio-visual model (issue 13): synthesize the corpus, then train. Seeds and sizes are the
# command line of record; the committed checkpoint (assets/av-grid.safetensors) names the
# settings in its metadata; assets/av-grid.md has the exact commands and measured CER.
AV_DIR     ?= .build/av
AV_SEED    ?= 1
AV_TRAIN   ?= 1600
AV_STEPS   ?= 2400
AV_BATCH   ?= 8
AV_LR      ?= 3e-3
# The shipped checkpoint's model width (96; the first committed one, d = 64, underfit) and its
# validation subset (the first 40 clips: validation only reports, it does not change the weights).
AV_WIDTH   ?= 96
AV_VALIDATION ?= 40
# Validation cadence (it reports only; the shipped run validated every 1200 steps).
AV_EPOCH   ?= 1200
# Vocal tract length perturbation of the training clips (docs/CORPUS.md, "Augmentation"): each
# clip's frequency axis scaled by a factor within 1 ± AV_WARP.
AV_WARP    ?= 0.1
# Initial draws tried before the run goes on with the best (`--init-trials`, docs/CORPUS.md "Initial
# draws"): each trains AV_TRIAL_STEPS steps; the lowest mean training loss over its last 40 wins.
AV_TRIALS  ?= 8
AV_TRIAL_STEPS ?= 420
# More recipe options for a new run (docs/CORPUS.md, "The training recipe"), e.g.
# AV_FLAGS="--video-temporal 1,2,4" (the video branch reads lips only with temporal context).
AV_FLAGS   ?=
# The character language model of the CTC prefix search (captionctl lm; docs/CORPUS.md "Decoding"):
# n-gram order, estimated on the training transcripts, written beside the checkpoint (av.arpa).
AV_LM_ORDER ?= 6
.PHONY: corpus-av train-av
corpus-av: deps
	$(SWIFT) build -c release --product captionctl
	$(BIN)/captionctl corpus -o $(AV_DIR)/corpus --seed $(AV_SEED) --train $(AV_TRAIN) --validation 100 --test 200 --noise babble:20,babble:10,babble:5,babble:0,babble:-5,white:10
train-av: corpus-av
	nice -n 5 $(BIN)/captionctl train --corpus $(AV_DIR)/corpus -o $(AV_DIR)/av.safetensors --seed $(AV_SEED) --steps $(AV_STEPS) --batch $(AV_BATCH) --learning-rate $(AV_LR) --epoch-steps $(AV_EPOCH) --model-width $(AV_WIDTH) --validation-clips $(AV_VALIDATION) --frequency-warp $(AV_WARP) --init-trials $(AV_TRIALS) --trial-steps $(AV_TRIAL_STEPS) $(AV_FLAGS)
	$(BIN)/captionctl lm --corpus $(AV_DIR)/corpus -o $(AV_DIR)/av.arpa --order $(AV_LM_ORDER)

# Mandarin (docs/CORPUS.md): Tang poem lines -> pypinyin -> espeak-ng cmn-latn-pinyin; the model
# learns the clips' tone-numbered pinyin (`--vocabulary pinyin`, the default for a zh corpus).
# The defaults are the recipe of the committed checkpoint (assets/av-mandarin.safetensors and .arpa;
# assets/av-mandarin.md): the English recipe (width, steps, warp, LM) on a 1,600-clip corpus with
# one babble:0 copy (training uses every noisy copy the corpus has, so the list is part of the
# recipe) and 4 initial draws of 300 steps. A short run: AV_ZH_TRAIN=400 AV_ZH_STEPS=100 AV_ZH_TRIALS=1
# AV_EPOCH=50.
AV_ZH_DIR   ?= .build/av-zh
AV_ZH_TRAIN ?= 1600
AV_ZH_STEPS ?= 2400
AV_ZH_NOISE ?= babble:0
AV_ZH_TRIALS ?= 4
AV_ZH_TRIAL_STEPS ?= 300
.PHONY: corpus-av-mandarin train-av-mandarin
corpus-av-mandarin: deps
	$(SWIFT) build -c release --product captionctl
	scripts/mandarin-pinyin $(AV_ZH_DIR)/mandarin-pinyin.tsv
	$(BIN)/captionctl corpus -o $(AV_ZH_DIR)/corpus --set mandarin --pinyin $(AV_ZH_DIR)/mandarin-pinyin.tsv --seed $(AV_SEED) --train $(AV_ZH_TRAIN) --validation 100 --test 200 --noise $(AV_ZH_NOISE)
train-av-mandarin: corpus-av-mandarin
	nice -n 5 $(BIN)/captionctl train --corpus $(AV_ZH_DIR)/corpus -o $(AV_ZH_DIR)/av-zh.safetensors --vocabulary pinyin --seed $(AV_SEED) --steps $(AV_ZH_STEPS) --batch $(AV_BATCH) --learning-rate $(AV_LR) --epoch-steps $(AV_EPOCH) --model-width $(AV_WIDTH) --validation-clips $(AV_VALIDATION) --frequency-warp $(AV_WARP) --init-trials $(AV_ZH_TRIALS) --trial-steps $(AV_ZH_TRIAL_STEPS) --report-noise $(AV_ZH_NOISE) $(AV_FLAGS)
	$(BIN)/captionctl lm --corpus $(AV_ZH_DIR)/corpus -o $(AV_ZH_DIR)/av-zh.arpa --order $(AV_LM_ORDER)

# The open English set (docs/CORPUS.md: 524 real sentences of the BSD fortune files; the test
# split's sentences are held out): the English recipe on a 1,600-clip open-set corpus with one
# babble:0 copy and a single initial draw. The defaults are the recipe of the committed
# checkpoint (assets/av-open.safetensors and .arpa; assets/av-open.md).
AV_OPEN_DIR   ?= .build/av-open
AV_OPEN_TRAIN ?= 1600
AV_OPEN_NOISE ?= babble:0
.PHONY: corpus-av-open train-av-open
corpus-av-open: deps
	$(SWIFT) build -c release --product captionctl
	$(BIN)/captionctl corpus -o $(AV_OPEN_DIR)/corpus --set open --seed $(AV_SEED) --train $(AV_OPEN_TRAIN) --validation 100 --test 200 --noise $(AV_OPEN_NOISE)
train-av-open: corpus-av-open
	nice -n 5 $(BIN)/captionctl train --corpus $(AV_OPEN_DIR)/corpus -o $(AV_OPEN_DIR)/av-open.safetensors --seed $(AV_SEED) --steps $(AV_STEPS) --batch $(AV_BATCH) --learning-rate $(AV_LR) --epoch-steps $(AV_EPOCH) --model-width $(AV_WIDTH) --validation-clips $(AV_VALIDATION) --frequency-warp $(AV_WARP) --report-noise $(AV_OPEN_NOISE) $(AV_FLAGS)
	$(BIN)/captionctl lm --corpus $(AV_OPEN_DIR)/corpus -o $(AV_OPEN_DIR)/av-open.arpa --order $(AV_LM_ORDER)

# --- fuzz (issue 9): libFuzzer harnesses of every parser of outside input (Fuzz/README.md). Each
# target runs from the seeds in Fuzz/Seeds until FUZZ_RUNS executions (default 1,000,000) or its
# cap: FUZZ_SECONDS (default 300) per small parser, FUZZ_LARGE_SECONDS (180) for tokenizer/tflite;
# a table of executions and coverage ends the run; exit 1 on any crash.
# `make fuzz FUZZ_TARGETS="wav flac"` runs a subset.
# Not part of .ci/run (too slow); the crashes it found are regression tests in `make test`.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 300
FUZZ_LARGE_SECONDS ?= 180
FUZZ_TARGETS ?=
.PHONY: fuzz
fuzz: deps
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_LARGE_SECONDS=$(FUZZ_LARGE_SECONDS) nice -n 10 Fuzz/run-fuzz $(FUZZ_TARGETS)

# --- soak (issue 9): the release captiond with tiny.en on a looping file input for SOAK_MINUTES
# (default 30) under subscriber churn, control traffic, SIGHUP every minute and a set-model round
# trip; RSS/fds/threads sampled every 30 s into .build/soak/soak.csv + soak.png; exit 1 when
# anything grows after the warm-up (scripts/soak says the thresholds). Runs under nice.
SOAK_MINUTES ?= 30
.PHONY: soak
soak: deps models build
	SOAK_MINUTES=$(SOAK_MINUTES) nice -n 5 scripts/soak --bin $(BIN)
