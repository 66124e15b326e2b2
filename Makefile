# The two commands: `make up` runs the platform, `make test` passes the tests.
# Both create .venv and install the project into it first (fresh machine: python3 >= 3.11).

VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp

.PHONY: up test bench check install clean

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(VENV)/bin/ganger up

test: $(STAMP)
	$(VENV)/bin/pytest

# A longer fuzz run of the router's request handling than the 8 s inside `make test` (CI runs both).
.PHONY: fuzz
fuzz: $(STAMP)
	GANGER_FUZZ_SECONDS=$${GANGER_FUZZ_SECONDS:-60} $(VENV)/bin/pytest tests/router/test_fuzz_router.py -q -s

# The kill storm at length (issue 9): 300 SIGKILLs of inventory replicas while clients write through
# the router, on SQLite and PostgreSQL (48 kills of it run inside `make test`).
.PHONY: durability
durability: $(STAMP)
	GANGER_KILL_STORM=$${GANGER_KILL_STORM:-300} $(VENV)/bin/pytest tests/data/test_durability_storm.py -q -s

check: $(STAMP)
	$(VENV)/bin/ganger check

# The router benchmark: installs nginx and wrk (apt, as root) and the `bench` extra if missing,
# runs ~3 minutes on loopback only, and rewrites its section of docs/benchmarks.md.
bench: $(STAMP)
	$(PYTHON) -m pip install --quiet -e '.[test,bench]'
	$(PYTHON) -m bench
	$(PYTHON) -m bench.coldstart
	GANGER_KILL_STORM=600 $(MAKE) durability

clean:
	rm -rf $(VENV) var build *.egg-info
