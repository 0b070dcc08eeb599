# Scanium OpenAI monitoring bundle. Every workflow is a target; `make help` lists them.

SHELL := /bin/bash
GO ?= go
TOOLS_DIR := $(CURDIR)/.tools
PROMETHEUS_VERSION := v0.316.0
PROMETHEUS_BIN := $(TOOLS_DIR)/bin/prometheus
COMPOSE := docker compose --project-directory compose -f compose/docker-compose.yml --env-file compose/.env
# The provisioner runs as a built binary: `go run` turns every non-zero exit
# into 1, and plan's 2 (changes pending) must reach make. GNU make itself
# exits 2 whenever a recipe fails; its `Error N` line carries the recipe's own
# code (2: changes or differences, 1: a failure). Scripts that need the code
# call $(PROVISIONER_BIN) directly.
PROVISIONER_BIN ?= $(TOOLS_DIR)/bin/scanium-provisioner
PROVISIONER := $(PROVISIONER_BIN)
# Flags for the provisioner's command: make plan ARGS='-v -wait 5s'.
ARGS ?=
# What `make review` compares: BASE (a git revision; default below) with HEAD
# (default: the working tree).
BASE ?=
HEAD ?=
BENCH ?= .
BENCHTIME ?= 1s
FUZZTIME ?= 30s

.PHONY: help up demo down logs up-scale down-scale provision plan validate review generate check test test-short bench fuzz tools fmt vet compose-v2 FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

compose/.env:
	@echo "compose/.env is missing: copy compose/.env.example to compose/.env and set GRAFANA_ADMIN_PASSWORD and SCANIUM_API_KEYS (see docs/deployment.md)." >&2
	@exit 1

# Every compose target needs Compose v2, the `docker compose` subcommand; the
# old standalone docker-compose (v1) reads the file differently.
compose-v2:
	@docker compose version >/dev/null 2>&1 || { \
		echo "make $(MAKECMDGOALS): Docker Compose v2 is missing (\`docker compose version\` fails)." >&2; \
		echo "Install the docker-compose-plugin package from Docker's repository (apt-get install docker-compose-plugin, or dnf install docker-compose-plugin), or Docker Desktop; the old standalone docker-compose (v1) is not enough." >&2; \
		exit 1; }

up: compose-v2 compose/.env ## start the whole stack (docker compose)
	$(COMPOSE) up -d --build

# The demo's backend calls the simulator container, not its built-in one, so
# that the simulator bills what the backend used; the billing exporter polls
# the simulator's Costs and Usage APIs. The keys are stand-ins: the simulator
# accepts any. These variables override compose/.env for this target only.
DEMO_ENV := OPENAI_API_KEY=sk-demo-simulator OPENAI_BASE_URL=http://scanium-openai-sim:8090/v1 \
	OPENAI_ADMIN_KEY=sk-admin-demo-simulator BILLING_SETTLE_DELAY=5m BILLING_POLL_INTERVAL=1m

demo: compose-v2 compose/.env ## start the stack with the OpenAI simulator, a load generator and the billing exporter reading the simulator's bill
	$(DEMO_ENV) $(COMPOSE) --profile demo --profile billing up -d --build

down: compose-v2 ## stop the stack (data stays on its volumes)
	$(COMPOSE) --profile demo --profile billing down

logs: compose-v2 ## follow the stack's logs
	$(COMPOSE) --profile demo --profile billing logs -f --tail=100

# The scale-out profile: the same bundle on Mimir, Loki and Tempo in their
# scalable modes on MinIO, with two replicas of every service
# (docs/scaling.md). The overlay replaces the NAS's stores; compose/.env
# needs the overlay's secrets.
SCALE_COMPOSE := $(COMPOSE) -f compose/docker-compose.scale.yml

up-scale: compose-v2 compose/.env ## start the scale-out profile (docs/scaling.md)
	$(SCALE_COMPOSE) up -d --build

down-scale: compose-v2 ## stop the scale-out profile (data stays under DATA_DIR)
	$(SCALE_COMPOSE) --profile demo --profile billing down

# Built at every use: `go build` is cached, so when no source changed it only
# checks and keeps the binary.
$(PROVISIONER_BIN): FORCE
	@mkdir -p $(@D)
	@$(GO) build -o $@ ./provisioner/cmd/scanium-provisioner

FORCE:

provision: $(PROVISIONER_BIN) ## apply folders, datasources, dashboards and alert rules to Grafana (GRAFANA_URL, GRAFANA_TOKEN; ARGS='-v')
	$(PROVISIONER) apply $(ARGS)

plan: $(PROVISIONER_BIN) ## show what `make provision` would change (`Error 2`: changes pending, `Error 1`: a failure; ARGS='-v -wait 5s')
	$(PROVISIONER) plan $(ARGS)

validate: $(PROVISIONER_BIN) ## check the generated artifacts offline
	$(PROVISIONER) validate $(ARGS)

# BASE defaults to the merge base of HEAD with origin/main when that ref
# exists (what a pull request into it changes); else, on a branch, to its
# merge base with main; else (on main itself) to main~1, the last commit.
review: $(PROVISIONER_BIN) ## what the generated artifacts change since BASE (default: the merge base with origin/main or main, else main~1; `Error 2`: they differ)
	@base='$(BASE)'; \
	if [ -z "$$base" ]; then \
		if git rev-parse -q --verify 'origin/main^{commit}' >/dev/null; then \
			base=$$(git merge-base HEAD origin/main) || exit 1; \
		elif mb=$$(git merge-base HEAD main 2>/dev/null) && [ "$$mb" != "$$(git rev-parse HEAD)" ]; then \
			base=$$mb; \
		else \
			base=main~1; \
		fi; \
	fi; \
	echo "make review: comparing with $$base" >&2; \
	exec $(PROVISIONER) diff $(ARGS) "$$base" $(HEAD)

generate: ## compile dashboards and alert rules to dashboards-as-code/generated and render docs/runbooks.md
	$(GO) run ./dashboards-as-code/cmd/generate

check: ## fail when the generated JSON, docs/runbooks.md or formatting drifts from the code
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:" $$unformatted >&2; exit 1; fi
	$(GO) run ./dashboards-as-code/cmd/generate -check

vet: ## go vet
	$(GO) vet ./...

tools: $(PROMETHEUS_BIN) ## build the tools the live tests need (Prometheus 3)

$(PROMETHEUS_BIN):
	@echo "building Prometheus $(PROMETHEUS_VERSION) for the live tests (once; several minutes)"
	@mkdir -p $(TOOLS_DIR)/bin
	cd $(TOOLS_DIR) && GOBIN=$(TOOLS_DIR)/bin $(GO) install github.com/prometheus/prometheus/cmd/prometheus@$(PROMETHEUS_VERSION)

test: tools vet check $(PROVISIONER_BIN) ## vet, drift check, every test (live ones against Prometheus 3)
	SCANIUM_LIVE_TESTS=required PROMETHEUS_BIN=$(PROMETHEUS_BIN) $(GO) test -race -count=1 -timeout 20m ./...
	@# allocation counts are exact only without the race detector
	$(GO) test -count=1 -run 'Alloc' ./backend/...
	$(PROVISIONER) validate

test-short: ## the tests without the live ones and without -race
	$(GO) test -count=1 ./...

bench: ## the benchmarks (figures are ratios against baselines of the same run)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./...

fuzz: ## run every fuzz test for FUZZTIME each (default 30s); `make test` runs their seed corpora
	@set -eo pipefail; \
	git ls-files --cached --others --exclude-standard '*_test.go' | xargs grep -oE '^func Fuzz[A-Za-z0-9_]+' | sort | \
	while IFS=: read -r file fn; do \
		name=$${fn#func }; dir=./$$(dirname "$$file"); \
		echo "fuzzing $$name in $$dir for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s "$$dir" || exit 1; \
	done
