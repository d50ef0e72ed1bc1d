# Tandem: the only verbs a newcomer needs.
#   make run    a sidecar for app id "quickstart" on embedded defaults (SQLite state, local secrets)
#   make test   build everything and pass every test (installs what it needs)
#   make bench  measure the sidecar; figures land in bench/results/

MVN        ?= ./mvnw -B
SIDECAR_JAR = sidecar/target/tandem-sidecar.jar
APP_ID     ?= quickstart

TEST_SERVERS_DIR ?= .tandem/test-servers

.PHONY: build test run bench deps clean e2e-js format test-servers test-servers-stop

## build: compile, format and package every module (no tests)
build:
	$(MVN) -q install -DskipTests

## deps: what the tests need on a fresh Debian machine (a JDK 17 and Node.js 20 with npm)
deps:
	@./scripts/ensure-deps.sh

## test: unit tests, integration tests, and the e2e suites with the official Java, JavaScript
## and Python SDKs (their packages are installed first: npm for JS, a venv from PyPI for Python),
## against real Redis, PostgreSQL, RabbitMQ and Kafka servers started for the run and stopped after
test: deps
	cd e2e/js && npm ci --no-audit --no-fund
	e2e/python/setup.sh
	./scripts/with-test-servers.sh sh -c '$(MVN) install && cd e2e/js && npm test'

e2e-js:
	cd e2e/js && npm test

## test-servers: the servers `make test` uses, left running for tests run by hand or from an IDE
test-servers:
	./scripts/test-servers.sh start $(TEST_SERVERS_DIR)
	@echo "Test servers are up. In your shell: . $(abspath $(TEST_SERVERS_DIR))/env"
	@echo "Stop them with: make test-servers-stop"

test-servers-stop:
	./scripts/test-servers.sh stop $(TEST_SERVERS_DIR)

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
