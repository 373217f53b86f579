# One place for the commands that README, CI and developers share.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# `make run PROFILE=ballerup` runs the assistant for profiles/ballerup.yml (default: VEJVISER_PROFILE or Aalborg's).
ifdef PROFILE
export VEJVISER_PROFILE := profiles/$(PROFILE).yml
endif

.DEFAULT_GOAL := help
.PHONY: help setup train run run-production production-secrets production-desk-admin services test validate shell bench bench-knowledge bench-channels bench-insight bench-load bench-turn soak fuzz lint lock desk-admin

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## Create .venv (Python 3.10) with the locked packages and the Danish spaCy pipeline
	@scripts/setup.sh

train: setup ## Train the model when data, domain, config or NLU components changed
	@scripts/train.sh

run: train ## Start the assistant: Rasa (5005: REST, widget, SMS), actions, booking service, desk, widget demo page (8080); Ctrl-C stops all
	@source scripts/local_env.sh && $(BIN)/python -m bot.launch.local run

run-production: train services ## Production profile on one machine: PostgreSQL, Redis, nginx (:8000), 2 Rasa, 2 action servers, desk
	$(BIN)/python -m bot.launch.production run

production-secrets: setup ## Write random secrets for run-production to var/production.env (once; mode 600)
	$(BIN)/python -m bot.launch.production secrets

production-desk-admin: setup ## Staff desk account in the running production profile: make production-desk-admin NAME=anna [ROLE=advisor]
	$(BIN)/python -m bot.launch.production desk-admin --name "$${NAME:-admin}" --role "$${ROLE:-admin}"

services: ## Install Debian's postgresql, redis-server and nginx-light when missing (production profile and its tests)
	@scripts/ensure_services.sh

desk-admin: setup ## Create a staff desk account (asks for its password): make desk-admin NAME=anna [ROLE=advisor]
	@source scripts/local_env.sh && $(BIN)/python -m bot.services.desk create_user --username "$${NAME:-admin}" --role "$${ROLE:-admin}"

validate: setup ## Check training data and domain (fails on any warning)
	$(BIN)/python scripts/validate.py

test: lint validate train services ## Run every test: data checks, units, NLU gate, conversations, browser, SMS, production profile
	@scripts/ensure_chromium.sh
	$(BIN)/python -m pytest
	$(BIN)/rasa test core --stories tests/stories --e2e --fail-on-prediction-errors --out results/core --quiet

bench: train ## Compare our NLU pipeline with Rasa's default pipeline; knowledge answers; channel latency and memory
	$(BIN)/python -m bench.nlu_bench
	$(BIN)/python -m bench.knowledge_bench
	$(BIN)/python -m bench.channels_bench

bench-knowledge: train ## Only the knowledge held-out set: scores per topic, confusion picture (results/bench/)
	$(BIN)/python -m bench.knowledge_bench

bench-insight: setup ## Only the staff dashboard: /insight/ with a year of aggregates for 50,000 conversations (~1 min)
	$(BIN)/python -m bench.insight_bench

bench-channels: train ## Only the channel benchmark: widget, REST and SMS latency, Rasa memory (~2 min)
	$(BIN)/python -m bench.channels_bench

bench-load: train services ## Load on the production profile: 1, 8, 32 users x REST, widget; latency, errors, memory (~6 min)
	$(BIN)/python -m bench.load --channels rest,widget --concurrency 1,8,32 --duration 30

bench-turn: train ## CPU ms per message, latency, throughput, peak memory: ours vs Rasa's default config (out/bench-turn.json, .png)
	$(BIN)/python -m bench.turn

soak: train services ## 10 minutes of mixed load on the production profile; p95 per minute, memory at start and end
	$(BIN)/python -m bench.load --soak 10

fuzz: train services ## 10,000 generated hostile inputs per channel (REST, widget, SMS) against the production profile
	$(BIN)/python -m bench.fuzz --count 10000

shell: train ## Chat with the assistant in the terminal (starts the action server too)
	@source scripts/local_env.sh && $(BIN)/python -m bot.launch.local shell

lint: setup ## ruff on the Python code; mypy on the shared core and the services (pyproject.toml)
	$(BIN)/ruff check actions bot bench scripts tests
	$(BIN)/mypy

lock: ## Re-resolve requirements.in into requirements.lock (needs network to PyPI)
	@scripts/lock.sh
