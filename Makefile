# Tandem: the only verbs a newcomer needs.
#   make run    a sidecar for app id "quickstart" on embedded defaults (SQLite state, local secrets)
#   make test   build everything and pass every test (installs what it needs)
#   make bench  measure the sidecar; figures land in bench/results/

MVN        ?= ./mvnw -B
SIDECAR_JAR = sidecar/target/tandem-sidecar.jar
APP_ID     ?= quickstart

.PHONY: build test run bench deps clean e2e-js format

## build: compile, format and package every module (no tests)
build:
	$(MVN) -q install -DskipTests

## deps: what the tests need on a fresh Debian machine (a JDK 17 and Node.js 20 with npm)
deps:
	@./scripts/ensure-deps.sh

## test: unit tests, integration tests, and the e2e suites with the official Java, JavaScript
## and Python SDKs (their packages are installed first: npm for JS, a venv from PyPI for Python)
test: deps
	cd e2e/js && npm ci --no-audit --no-fund
	e2e/python/setup.sh
	$(MVN) install
	$(MAKE) e2e-js

e2e-js:
	cd e2e/js && npm test

## run: a sidecar with the example components, HTTP on 3500, gRPC on 50001, metrics on 9090
run: deps
	@test -f $(SIDECAR_JAR) || $(MVN) -q install -DskipTests
	java -jar $(SIDECAR_JAR) --app-id $(APP_ID) --resources-path examples/components

## bench: state throughput and latency over HTTP and gRPC, memory, start-up time
bench: deps
	./bench/run.sh

format:
	$(MVN) -q spotless:apply

clean:
	$(MVN) -q clean
