# virtwire build and test entry points. `make test` is what CI runs (.ci/run).

SHELL     := /bin/bash
GO        ?= go
FUZZTIME  ?= 5s
LONGFUZZTIME ?= 5m
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Platforms the static (CGO_ENABLED=0) cross-build must keep working on.
PLATFORMS := linux/amd64 linux/arm64 linux/arm linux/386 linux/riscv64 linux/s390x \
             linux/ppc64le darwin/arm64 freebsd/amd64 windows/amd64

.PHONY: test test-11.3 bench-compare check fmt-check vet staticcheck generate generate-check cross unit fuzz-short fuzz \
        deps libvirt-source lab-up lab-down demo soak bench

# The lab command (internal/lab/cmd/lab): up, down, env, status, version, uri NAME,
# image, root DIR, enter.
LAB := $(GO) run ./internal/lab/cmd/lab

## test: what CI runs (.ci/run): the Debian packages, then a private libvirt lab
## (Debian 12's libvirt 9.0, with libvirt 11.3's modular daemons beside it) around
## every check, the unit and integration tests and the fuzz targets, then the
## whole test suite again against libvirt 11.3 (test-11.3). Every line of output
## says which libvirt it came from. Each lab is stopped whatever happens
## (scripts/lab-run.sh traps EXIT).
test: deps libvirt-source
	@scripts/lab-run.sh --label $(MAKE) --no-print-directory check unit fuzz-short
	@$(MAKE) --no-print-directory test-11.3

## test-11.3: the whole test suite with a lab of libvirt 11.3 (bookworm-backports),
## run inside the libvirt root (internal/lab's Root: built once, then cached in
## /var/cache/virtwire-lab), so that every daemon, virsh and virt-admin is 11.3's.
## Without -race: the root has no C compiler (the race detector runs on 9.0).
test-11.3: libvirt-source
	@scripts/lab-run.sh --root --label $(GO) test -count=1 ./...

## demo: the lab, its endpoints, examples/quickstart on the test driver over unix
## (libvirt 9.0) and on libvirt 11.3's modular daemons through virtproxyd
## (without the guest tier, which only the tests need).
demo: deps
	@scripts/lab-run.sh --no-guest scripts/lab-demo.sh

## bench: virtwire, go-libvirt and libvirt's C client side by side on one
## tuned private daemon (scripts/bench.sh, bench/): writes bench/results.txt
## (benchstat format) and BENCHMARKS.md. Reports; never fails on time.
## BENCH_ROUNDS=n sets the rounds (default 6).
bench: deps
	@scripts/bench.sh

## bench-compare: how bench/results.txt moved from the one committed at BEFORE (a
## git revision, default HEAD): each row's paired ratios to C and go-libvirt,
## before and after, worse or better only beyond the spread of the rounds.
BEFORE ?= HEAD
bench-compare:
	@tmp=$$(mktemp) && trap 'rm -f "$$tmp"' EXIT && \
		git show $(BEFORE):bench/results.txt > "$$tmp" && \
		$(GO) run ./bench/cmd/benchreport -compare "$$tmp" -compare-label "$(BEFORE):bench/results.txt" -in bench/results.txt

## libvirt-source: fetch, verify and cache libvirt's pinned release source, which
## go generate and the tests read (internal/libvirtsrc; LIBVIRT_SOURCE overrides it).
libvirt-source:
	@echo "libvirt source: $$($(GO) run ./internal/libvirtsrc/cmd/libvirtsrc)"

## deps: install what the lab needs from Debian's packages (root; quiet when
## nothing is missing).
deps:
	@scripts/deps.sh

## lab-up / lab-down: a lab in .lab that plain `go test ./...` finds by itself
## (guest and modular tiers included; the first lab-up on a machine builds the
## libvirt root and the modular daemons, a few minutes, then they come from the cache).
lab-up: deps
	@$(LAB) up

lab-down:
	@$(LAB) down

## check: formatting, vet, staticcheck, generated code up to date, cross-builds.
check: fmt-check vet staticcheck generate-check cross

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

generate:
	$(GO) generate ./...

# Regenerating must leave the tree exactly as committed.
generate-check: generate
	@if [ -n "$$(git status --porcelain --untracked-files=all -- . ':!.lab')" ]; then \
		echo "go generate changed the tree; commit its output:"; git status --short; exit 1; fi

cross:
	@for p in $(PLATFORMS); do \
		echo "CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} go build ./..."; \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build ./... || exit 1; \
	done

unit:
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Allocations' .

## fuzz-short: every fuzz target for $(FUZZTIME) (make test runs it). fuzz: every
## target for $(LONGFUZZTIME), keeping the inputs it finds under testdata/fuzz to commit.
fuzz-short:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

fuzz:
	FUZZTIME=$(LONGFUZZTIME) FUZZ_KEEP=1 scripts/fuzz.sh

## soak: 200,000 calls from 32 goroutines with events and a stream open, against a
## lab of its own (no guest tier); reports heap, goroutines and errors at start and end, and fails
## on any error or growth beyond noise. SOAKFLAGS passes flags (-calls, -goroutines...).
soak: deps
	@scripts/lab-run.sh --no-guest $(GO) run ./internal/soak $(SOAKFLAGS)
