# Golden Thread. Two commands matter to a newcomer: `make run` and `make test`.
# Everything else here is for maintainers.

GO      ?= go
# The product is one module (the repository root); proto/ is the API module
# clients import without the servers; deploy/e2e keeps its load generator's
# dependencies out of the product.
MODULES := . proto deploy/e2e
# buf and the protoc plugins are pinned in proto/tools/go.mod and run with
# `go tool`; GOWORK=off keeps the tool module out of the workspace.
BUF     := cd proto && GOWORK=off $(GO) tool -modfile=tools/go.mod buf

.PHONY: run demo test generate lint bench build tidy fuzz check-generated deploy-check

## run: the whole product on the embedded default (in-process NATS, SQLite under ./data)
run:
	$(GO) run ./cmd/goldenthread $(ARGS)

## demo: make run, loading the example organisations on the first start
demo:
	$(GO) run ./cmd/goldenthread -demo $(ARGS)

## test: every module's tests (PostgreSQL / external NATS runs need GT_TEST_POSTGRES_DSN / GT_TEST_NATS_URL;
## the browser tests need chromium, and leave their screenshots under test-output/; the multi-process
## test in deploy/e2e needs GT_TEST_POSTGRES_DSN (it starts its own 3-node NATS cluster), soaks for GT_TEST_SOAK
## (default 20s) and prints its summary last)
test:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$GT_CHROMIUM" ] || \
		echo "NOTE: chromium not found: the browser tests (cmd/goldenthread TestWebClient) are SKIPPED; apt-get install chromium to run them"
	@command -v pdftotext >/dev/null 2>&1 || \
		echo "NOTE: pdftotext not found: the report pack's PDF is not read back (cmd/goldenthread TestReportPack); apt-get install poppler-utils"
	@rm -rf test-output && mkdir -p test-output
	@set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) test -count=1 -timeout 10m -artifacts -outputdir $(CURDIR)/test-output ./...); done
	@for d in test-output/_artifacts/*/; do ls "$$d"*.png >/dev/null 2>&1 && echo "browser screenshots: $$d" || true; done
	@for f in test-output/_artifacts/*/e2e-summary.txt; do [ -e "$$f" ] && echo "multi-process test logs: $$(dirname $$f)/" && cat "$$f" || true; done

## bench: the benchmark table (never part of make test) against bare baselines, into BENCHMARKS.md:
## the servers on CPU 0, the load driver (cmd/bench) on CPU 1 when taskset is there
bench:
	$(GO) build -o bin/goldenthread ./cmd/goldenthread
	$(GO) build -o bin/bench ./cmd/bench
	cd services/planning && $(GO) test -c -o ../../bin/planning.test .
	cd services/kit/history && $(GO) test -c -o ../../../bin/history.test .
	cd gateway/public && $(GO) test -c -o ../../bin/public.test .
	$$(command -v taskset >/dev/null && [ "$$(nproc)" -ge 2 ] && echo taskset -c 1) bin/bench -server-cpus "$$(command -v taskset >/dev/null && [ "$$(nproc)" -ge 2 ] && echo 0)" $(ARGS)

## build: the all-in-one, each service and the gateway into ./bin
build:
	$(GO) build -o bin/goldenthread ./cmd/goldenthread
	$(GO) build -o bin/organisations ./services/organisations/cmd/organisations
	$(GO) build -o bin/teams ./services/teams/cmd/teams
	$(GO) build -o bin/planning ./services/planning/cmd/planning
	$(GO) build -o bin/kpis ./services/kpis/cmd/kpis
	$(GO) build -o bin/gateway ./gateway/cmd/gateway

## generate: regenerate Go code and the OpenAPI document from proto/
## (protoc-gen-openapiv2's Swagger 2.0, in a scratch directory, made
## OpenAPI 3 by proto/tools/openapi3)
generate:
	$(BUF) lint
	$(BUF) generate
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
		($(BUF) generate --template buf.gen.openapi.yaml --output "$$tmp"); \
		(cd proto/tools && GOWORK=off $(GO) run ./openapi3 "$$tmp/openapiv2/goldenthread.swagger.json" ../../gateway/openapi/openapi.json)

## check-generated: fail when the committed generated code is stale
check-generated: generate
	@git diff --exit-code --stat -- proto/gen gateway/openapi || \
		{ echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }
	@test -z "$$(git status --porcelain -- proto/gen gateway/openapi)" || \
		{ git status --porcelain -- proto/gen gateway/openapi; echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }

## lint: buf lint, gofmt and go vet
lint:
	$(BUF) lint
	@test -z "$$(gofmt -l services gateway cmd deploy)" || { gofmt -l services gateway cmd deploy; echo "run gofmt -w on the files above"; exit 1; }
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	cd deploy/httpcheck && GOWORK=off $(GO) vet ./...

## deploy-check: validate the Dockerfile, compose file and Kubernetes manifests offline
## (no Docker or cluster needed; the first run downloads BuildKit, compose-go and client-go)
deploy-check:
	cd deploy/check && GOWORK=off $(GO) run ./dockerfile ../Dockerfile organisations teams planning kpis gateway goldenthread
	cd deploy/check && GOWORK=off $(GO) run ./compose ../compose.yaml
	cd deploy/check && GOWORK=off $(GO) tool kustomize build ../k8s/base | GOWORK=off $(GO) run ./k8s ../k8s/secret.example.yaml
	cd deploy/check && GOWORK=off $(GO) tool kustomize build ../k8s/overlays/production | GOWORK=off $(GO) run ./k8s ../k8s/secret.example.yaml

## fuzz: run each fuzz test for a while
fuzz:
	cd services/kit && $(GO) test ./resourcename -run XXX -fuzz FuzzParse -fuzztime 30s
	cd services/kit && $(GO) test ./listing -run XXX -fuzz FuzzBuild -fuzztime 30s

## tidy: go mod tidy in every module
tidy:
	@set -e; for m in $(MODULES) proto/tools; do (cd $$m && GOWORK=off $(GO) mod tidy); done
