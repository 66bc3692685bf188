# gpuguard — every set-up step lives here; a fresh clone needs only
# `make run` and `make test`.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(shell pwd)
BIN         := $(ROOT)/bin
K8S_BIN     := $(BIN)/k8s
TOOLS_BIN   := $(BIN)/tools
GOLANGCI    := $(TOOLS_BIN)/golangci-lint
GOLANGCI_VERSION := v2.15.0
LOCAL_DIR   ?= .gpuguard-local

# go-nvml's cgo headers print pages of deprecation warnings.
export CGO_CFLAGS := -Wno-deprecated-declarations
export KUBEBUILDER_ASSETS := $(K8S_BIN)

.PHONY: help
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: k8s-bin
k8s-bin: ## Build etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl and kwok from source into bin/k8s (once; minutes).
	@test/tools/build.sh

.PHONY: build
build: ## Build every binary into bin/.
	go build -o $(BIN)/ ./cmd/...

HELM        := $(TOOLS_BIN)/helm
HELM_VERSION := v3.22.0

$(HELM):
	@echo "==> Building helm $(HELM_VERSION) into bin/tools (first time only, about 2 minutes)"
	GOBIN=$(TOOLS_BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: helm-bin
helm-bin: $(HELM) ## Build helm from source into bin/tools (once).

# Modules with tests: the main one, and test/certmanager, which runs
# cert-manager's controllers in-process and keeps their dependencies out of
# the main go.mod.
TEST_MODULES := . test/certmanager

.PHONY: test
test: k8s-bin $(HELM) ## Run every test, unit and end-to-end, with the race detector.
	@mkdir -p $(BIN)
	@set +e -o pipefail; rc=0; : > $(BIN)/test.log; \
	for mod in $(TEST_MODULES); do \
	  (cd $$mod && go test -race -count=1 -timeout 30m -v ./...) 2>&1 | tee -a $(BIN)/test.log | grep --line-buffered -v -E '^ *=== (RUN|PAUSE|CONT|NAME)'; \
	  r=$${PIPESTATUS[0]}; if [ $$r -ne 0 ]; then rc=$$r; fi; \
	done; \
	echo "$$(grep -c -E '^ *--- PASS' $(BIN)/test.log) passed, $$(grep -c -E '^ *--- FAIL' $(BIN)/test.log) failed, $$(grep -c -E '^ *--- SKIP' $(BIN)/test.log) skipped"; \
	exit $$rc

.PHONY: run
run: k8s-bin $(HELM) ## Start the local control plane with gpuguard and simulated GPU nodes.
	go build -o $(BIN)/gpuguard-local ./cmd/gpuguard-local
	exec $(BIN)/gpuguard-local --dir $(LOCAL_DIR)

BENCH_ROUNDS ?= 5
BENCH_TIME   ?= 300ms

.PHONY: bench
bench: ## Benchmark the full admission path of each webhook against no-op handlers (alternating rounds); print the ratios.
	@dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	go test -c -o $$dir/perf.test ./test/perf && go build -o $$dir/benchratio ./test/perf/cmd/benchratio; \
	for i in $$(seq $(BENCH_ROUNDS)); do \
	  echo "==> round $$i of $(BENCH_ROUNDS)"; \
	  $$dir/perf.test -test.run '^$$' -test.bench '^BenchmarkWebhook$$' -test.benchtime $(BENCH_TIME) | tee -a $$dir/bench.txt | grep '^Benchmark'; \
	done; \
	echo; $$dir/benchratio < $$dir/bench.txt

BENCH_LOAD_FLAGS ?=

.PHONY: bench-load
bench-load: k8s-bin $(HELM) ## Load gpuguard's webhook server and a no-op one over HTTPS and through the API server; print the ratios.
	go run ./test/perf/cmd/bench-load $(BENCH_LOAD_FLAGS)

BENCH_SCALE_FLAGS ?=

.PHONY: bench-scale
bench-scale: k8s-bin $(HELM) ## Measure the webhook with 100 and 5,000 simulated GPU nodes (RSS, informer sync, added latency); a benchmark, not a test.
	go run ./test/scale $(BENCH_SCALE_FLAGS)

$(GOLANGCI):
	@echo "==> Building golangci-lint $(GOLANGCI_VERSION) into bin/tools (first time only, about 2 minutes)"
	GOBIN=$(TOOLS_BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

.PHONY: lint
lint: $(GOLANGCI) $(HELM) ## Run golangci-lint (linters in .golangci.yml) and helm lint for both certificate modes.
	$(GOLANGCI) run ./...
	cd test/certmanager && $(GOLANGCI) run ./...
	$(HELM) lint --strict config/helm/gpuguard
	$(HELM) lint --strict config/helm/gpuguard --set certManager.enabled=true --set mig.strategy=single

.PHONY: verify
verify: ## Check formatting, go vet and go.mod drift.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [[ -n "$$out" ]]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	go vet ./...
	cd test/certmanager && go vet ./...
	go mod tidy -diff
	cd test/certmanager && go mod tidy -diff
	cd test/tools/k8s && go mod tidy -diff
	cd test/tools/etcd && go mod tidy -diff
	cd test/tools/kwok && go mod tidy -diff

.PHONY: clean
clean: ## Remove built binaries and local state (the control plane is rebuilt next time).
	rm -rf $(BIN) $(LOCAL_DIR)

# ---- Container images (README "Container images") --------------------------
# Built without any registry: the binaries by this machine's Go, the labeler's
# glibc from Debian's libc6 package, assembled into the Dockerfile's final
# stages with podman (ROOTFS=prebuilt). podman and runc come from apt-get.
VERSION       := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$$/\1/p' config/helm/gpuguard/Chart.yaml)
IMAGES_DIR    := $(BIN)/images
WEBHOOK_IMAGE := gpuguard/webhook:$(VERSION)
LABELER_IMAGE := gpuguard/labeler:$(VERSION)
REGISTRY      ?=
SUDO          := $(if $(filter 0,$(shell id -u)),,sudo)
# podman's settings live in the repository, not in /etc (CONTAINERS_CONF).
# vfs storage works everywhere, containers and CI sandboxes included; export
# STORAGE_DRIVER=overlay to use an existing overlay store instead.
image image-test push podman-bin: export CONTAINERS_CONF := $(ROOT)/build/images/containers.conf
image image-test push podman-bin: export STORAGE_DRIVER ?= vfs

.PHONY: podman-bin
podman-bin: ## Install podman and runc with apt-get if they are missing.
	@if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then \
	  echo "==> Installing podman and runc with apt-get (for the container images; once)"; \
	  $(SUDO) apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends podman runc; \
	fi

.PHONY: image
image: podman-bin ## Build gpuguard/webhook and gpuguard/labeler:<appVersion> with podman, no registry needed.
	@echo "==> Building the binaries into $(IMAGES_DIR)/bin"
	CGO_ENABLED=0 go build -trimpath -ldflags=-s -o $(IMAGES_DIR)/bin/gpuguard-webhook ./cmd/gpuguard-webhook
	CGO_ENABLED=1 go build -trimpath -ldflags=-s -o $(IMAGES_DIR)/bin/gpuguard-labeler ./cmd/gpuguard-labeler
	@build/images/libc6.sh $(IMAGES_DIR)/debs $(IMAGES_DIR)/sysroot
	@build/images/rootfs.sh $(IMAGES_DIR)/sysroot $(IMAGES_DIR)/bin $(IMAGES_DIR)/context/rootfs
	podman build -q -f Dockerfile --build-arg ROOTFS=prebuilt --target webhook -t $(WEBHOOK_IMAGE) $(IMAGES_DIR)/context
	podman build -q -f Dockerfile --build-arg ROOTFS=prebuilt --target labeler -t $(LABELER_IMAGE) $(IMAGES_DIR)/context
	@build/images/sizes.sh $(WEBHOOK_IMAGE) $(LABELER_IMAGE)

.PHONY: image-test
image-test: k8s-bin $(HELM) podman-bin ## Run the images under podman: contents, webhook /readyz on a local API server, labeler labels.
	WEBHOOK_IMAGE=$(WEBHOOK_IMAGE) LABELER_IMAGE=$(LABELER_IMAGE) IMAGES_BIN=$(IMAGES_DIR)/bin \
	  go test -tags images -count=1 -timeout 15m -v ./test/images/
	@build/images/sizes.sh $(WEBHOOK_IMAGE) $(LABELER_IMAGE)

.PHONY: push
push: podman-bin ## Push both images to REGISTRY (make image push REGISTRY=registry.example.com/team).
	@if [[ -z "$(REGISTRY)" ]]; then echo "push: set REGISTRY, e.g. make image push REGISTRY=registry.example.com/team"; exit 1; fi
	for img in $(WEBHOOK_IMAGE) $(LABELER_IMAGE); do \
	  podman tag $$img $(REGISTRY)/$$img && podman push $(REGISTRY)/$$img; \
	done
	@echo "Install with: helm install ... --set image.registry=$(REGISTRY)"
