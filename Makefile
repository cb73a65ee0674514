# zk2kraft.migration: one entry point for setup, tests, lint, sandbox and demo.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := $(CURDIR)/.venv
PY          := $(VENV)/bin/python
BIN         := $(VENV)/bin
COLL_ROOT   := $(CURDIR)/build/collections
COLL_LINK   := $(COLL_ROOT)/ansible_collections/zk2kraft/migration
SANITY_ROOT := $(CURDIR)/build/sanity/ansible_collections/zk2kraft/migration
STAMP       := $(VENV)/.installed
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)
TOPOLOGY    ?= default
SANDBOX     := $(PY) tests/sandbox/sandbox.py
INVENTORY   := tests/sandbox/.state/inventory.yml
DEB_PACKAGES := zookeeper openssh-server maven openjdk-17-jdk-headless chromium

.PHONY: kafka-dist molecule-real scenarios faults faults-sweep faults-real help setup system-deps venv collection test unit emulator-test sandbox-test molecule lint sanity \
        ansible-lint ruff mypy changelog-lint build demo sandbox-up sandbox-down sandbox-status bench clean

help:
	@echo "make test            set up everything and run every test (unit, emulator, sandbox, molecule)"
	@echo "make demo            bring the sandbox up and migrate it to KRaft end to end, print the report"
	@echo "make lint            ansible-lint (production profile), ansible-test sanity, antsibull-changelog lint, ruff and mypy"
	@echo "make sandbox-up|sandbox-down|sandbox-status   the multi-host sandbox (TOPOLOGY=default|bench|zk3)"
	@echo "make build           build the collection tarball"
	@echo "make faults          the fault suite: every fault case and every task boundary of migrate/rollback killed"
	@echo "make faults-sweep    the task-boundary kill sweep in FAULTS_SHARDS shards over LANES lanes"
	@echo "make faults-real     the main fault cases on real Apache Kafka (FAULTS_KAFKA_VERSION=3.9.2)"

setup: system-deps venv collection

# Debian packages the sandbox needs; installed only when missing.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing >/dev/null; \
	fi

venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Ansible loads a collection only from an ansible_collections/<ns>/<name> path.
collection:
	@mkdir -p $(dir $(COLL_LINK))
	@ln -sfn $(CURDIR) $(COLL_LINK)

unit: setup
	$(PY) -m pytest -q tests/unit tests/integration

emulator-test: setup
	$(PY) -m pytest -q tests/emulator

sandbox-test: setup
	$(PY) -m pytest -q tests/sandbox_tests

molecule: setup
	$(BIN)/molecule test --all

# Sandbox scenarios for `make test`, run side by side in $(LANES) lanes (tests/run_scenarios.py: each lane
# has its own sandbox net, state and HOME), longest first. A case is a molecule scenario on the emulator
# (`soak`), the same on real Apache Kafka (scenario:version[:IBP[:jolokia on|off|auth|tls|mtls[:layout packaged|release]]], then SANDBOX_NAME=value settings),
# or a sandbox pytest file (pytest:FILE[:version]). Every real-Kafka case runs live traffic and requires
# zero loss. `make molecule-real` runs REAL_SCENARIOS_FULL, the whole version matrix.
# The machine has two cores and a real scenario keeps about one busy (six Kafka JVMs under traffic, and
# Ansible), so two lanes fill it and every added scenario costs its full time. Within CI's budget:
# `remigrate` on every line (3.9, 3.8, and 3.7 with a JBOD broker at 3.7-IV2, no Jolokia, release layout: the
# pre-3.8 metadata log cleanup). It migrates to dual-write, rolls back and verifies ZooKeeper mode with a
# second rollback changing nothing, as `rollback_dual_write` does, then checks that a check-mode migration
# changes nothing and migrates with finalization, idempotently, as `migrate` does: both scenarios in one
# sandbox; on 3.9 on a cluster whose ZooKeeper-made id starts with '-', which the controllers' format must take
# (1 in 64 do). `migrate` alone adds nothing to it but a check-mode run on a cluster never migrated before, so it
# is in `make molecule-real` only. On 3.9 also `soak` without Jolokia (its finalization reads the migration's
# log lines from the controllers' rolled logs), `rollback_migration`, `rollback_controllers`, the real-only
# checks of test_real_kafka.py and both kill-and-rerun tests (on real Kafka only: the emulator would repeat them).
# The rack-parallel roll runs on the emulator's 12-broker, 3-rack topology in a lane of its own. The emulator's
# cases (the fault sample, the leak test) run in the lanes too, not before them: with two lanes, a suite moved
# into them costs half its time.
LANES ?= 2
SCENARIOS ?= remigrate:3.9.2,SANDBOX_CLUSTER_ID=-xUBNq5gTdGUH8sM1iea3g remigrate:3.8.1 remigrate:3.7.2::off:release \
             pytest:tests/sandbox_tests/test_real_kafka.py:3.9.2 soak:3.9.2::off \
             pytest:tests/sandbox_tests/test_rollback_resume.py:3.9.2 rollback_migration:3.9.2 \
             rollback_controllers:3.9.2 pytest:tests/sandbox_tests/test_migrate_resume.py:3.9.2 \
             $(FAULTS_SAMPLE) pytest:tests/sandbox_tests/test_rack_roll.py \
             pytest:tests/sandbox_tests/test_no_secret_leaks.py sandbox
# The fault suite's CI sample, on the emulator in one session (its module's sandbox serves them all): a migration
# killed inside a broker's restart call, one killed after the last broker's file was written, and a rollback
# killed restarting the last broker of roll 2.
FAULTS_SAMPLE := pytest:tests/faults/test_faults.py::test_a_run_killed_inside_a_brokers_restart_call_completes_when_run_again+$\
tests/faults/test_faults.py::test_resume_deadlock_the_last_brokers_file_written_but_not_restarted+$\
tests/faults/test_faults.py::test_a_rollback_killed_in_roll_2_finishes_the_broker_it_left_down[last]
REAL_SCENARIOS_FULL := migrate:3.9.2 migrate:3.9.2::off:release rollback_dual_write:3.9.2 \
                  rollback_dual_write:3.9.2::off:release soak:3.9.2 soak:3.9.2::off rollback_controllers:3.9.2 \
                  rollback_migration:3.9.2 remigrate:3.9.2 migrate:3.9.2:3.8 migrate:3.8.1 \
                  rollback_dual_write:3.8.1 remigrate:3.8.1 migrate:3.7.2 rollback_dual_write:3.7.2 \
                  rollback_dual_write:3.7.2::off:release remigrate:3.7.2::off:release \
                  pytest:tests/sandbox_tests/test_migrate_resume.py:3.9.2 \
                  pytest:tests/sandbox_tests/test_rollback_resume.py:3.9.2 \
                  migrate:3.9.2::tls,SANDBOX_ZK_SASL=on rollback_dual_write:3.9.2::tls:release,SANDBOX_ZK_SASL=on \
                  migrate:3.9.2::mtls
scenarios: setup
	$(PY) tests/run_scenarios.py --lanes $(LANES) $(SCENARIOS)

molecule-real: setup
	$(PY) tests/run_scenarios.py --lanes $(LANES) $(REAL_SCENARIOS_FULL)

# Every test, then lint. The sandbox is brought down before (the tests need a fresh one) and after,
# whatever happens. Each suite runs even when an earlier one failed, so one run shows every failure.
# The unit and emulator suites run side by side, and so do sanity and ansible-lint: each keeps one core
# busy on this two-core machine kind. Their output is shown when they end.
test: setup
	@status=0; failed=""; mkdir -p build/test; \
	run() { name=$$1; shift; echo "==> $$name"; "$$@" || { status=1; failed="$$failed $$name"; }; }; \
	start() { name=$$1; shift; rm -f build/test/$$name.rc; \
	  ( "$$@" > build/test/$$name.log 2>&1; echo $$? > build/test/$$name.rc ) & }; \
	report() { for name in "$$@"; do echo "==> $$name"; cat build/test/$$name.log; \
	  [ "$$(cat build/test/$$name.rc 2>/dev/null)" = 0 ] || { status=1; failed="$$failed $$name"; }; done; }; \
	$(SANDBOX) down >/dev/null 2>&1 || true; \
	start unit $(PY) -m pytest -q tests/unit tests/integration; \
	start emulator $(PY) -m pytest -q tests/emulator; \
	wait; report unit emulator; \
	run sandbox       $(PY) -m pytest -q tests/sandbox_tests/test_sandbox.py tests/sandbox_tests/test_traffic.py; \
	rm -f build/lanes/failures.txt; \
	run scenarios     $(PY) tests/run_scenarios.py --lanes $(LANES) $(SCENARIOS); \
	$(SANDBOX) down >/dev/null 2>&1 || true; \
	start sanity $(MAKE) --no-print-directory sanity; \
	start ansible-lint $(MAKE) --no-print-directory ansible-lint; \
	run changelog     $(MAKE) --no-print-directory changelog-lint; \
	run ruff          $(MAKE) --no-print-directory ruff; \
	run mypy          $(MAKE) --no-print-directory mypy; \
	wait; report ansible-lint sanity; \
	if [ -s build/lanes/failures.txt ]; then echo "==> why the scenarios failed"; cat build/lanes/failures.txt; fi; \
	if [ $$status -eq 0 ]; then echo "make test: every suite passed"; else echo "make test: FAILED:$$failed"; fi; \
	exit $$status

# The fault suite on the emulator: every fault case, and the playbooks killed at every task boundary
# (migrate.yml and rollback.yml) and run again (hours: each boundary is a killed run and a re-run).
# `make test` runs two cases of it on the default sandbox before the scenario lanes: the run killed between
# writing the last broker's file and its restart (a task boundary), and a rollback killed while restarting
# the last broker of its roll 2 (whose file only its record tells apart from a plain ZooKeeper broker's).
faults: setup
	FAULTS_SWEEP=all $(PY) -m pytest -q -s tests/faults

# The kill sweep alone, split into FAULTS_SHARDS shards (every n-th boundary each) run in $(LANES) lanes,
# each lane with its own sandbox.
FAULTS_SHARDS ?= 8
faults-sweep: setup
	$(PY) tests/run_scenarios.py --lanes $(LANES) $(foreach i,$(shell seq 1 $(FAULTS_SHARDS)),\
	  pytest:tests/faults/test_kill_sweep.py,FAULTS_SWEEP=all,FAULTS_SHARD=$(i)/$(FAULTS_SHARDS))

# The faults that matter most, on real Apache Kafka (FAULTS_KAFKA_VERSION, about 30 minutes): a broker
# killed in its wait, ZooKeeper down during the roll, a rollback killed in its roll 2, the active controller
# killed before finalization.
FAULTS_KAFKA_VERSION ?= 3.9.2
faults-real: setup
	SANDBOX_KAFKA=real SANDBOX_KAFKA_VERSION=$(FAULTS_KAFKA_VERSION) $(PY) -m pytest -q -s tests/faults/test_faults.py \
	  -k "killed_in_its_wait or killed_inside or zookeeper_down or roll_2 or active_controller"

lint: ansible-lint sanity changelog-lint ruff mypy

# Changelog fragments (changelogs/fragments) and changelogs/changelog.yaml.
changelog-lint: setup
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# Python style and types; the settings are in pyproject.toml.
ruff: setup
	$(BIN)/ruff check .

# Every plugin with mypy's defaults (the packages listed in pyproject.toml), then the helper library
# strictly, then the test harness and the unit and integration tests with mypy's defaults. mypy finds the
# collection as ansible_collections.zk2kraft.migration... through the collection link.
mypy: setup collection
	$(BIN)/mypy
	$(BIN)/mypy --strict -p ansible_collections.zk2kraft.migration.plugins.module_utils._kraft
	@# The test harness too. Its directories put each other on sys.path and each has a conftest, so
	@# each is checked from inside with the others on MYPYPATH.
	cd tests/sandbox && MYPYPATH=$(CURDIR)/tests/sandbox $(BIN)/mypy --config-file $(CURDIR)/pyproject.toml --exclude kafka_dist .
	cd tests/sandbox_tests && MYPYPATH=$(CURDIR)/tests/sandbox $(BIN)/mypy --config-file $(CURDIR)/pyproject.toml .
	cd tests/faults && MYPYPATH=$(CURDIR)/tests/sandbox:$(CURDIR)/tests/sandbox_tests \
	  $(BIN)/mypy --config-file $(CURDIR)/pyproject.toml .
	cd tests && MYPYPATH=$(CURDIR)/build/collections $(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
	  run_scenarios.py render_report.py bench
	@# The unit and integration tests import each other as ansible_collections.zk2kraft.migration.tests...;
	@# checked as those packages, each file is read once under that name (as a directory, the collection
	@# link under build/ would show it a second time under another).
	$(BIN)/mypy -p ansible_collections.zk2kraft.migration.tests.unit -p ansible_collections.zk2kraft.migration.tests.integration

ansible-lint: setup
	ANSIBLE_COLLECTIONS_PATH=$(COLL_ROOT) $(BIN)/ansible-lint --profile production --offline

# ansible-test bootstraps pip with a script from a host this machine cannot reach; give it a
# stand-in built on ensurepip (installed into ansible-test's cache for every pip version it asks for).
sanity: setup
	@mkdir -p $(HOME)/.ansible/test/cache
	@for v in $$($(PY) -c "import pip; print(pip.__version__)") 24.2; do \
	  f=$(HOME)/.ansible/test/cache/get_pip_$${v//./_}.py; [ -e $$f ] || cp tests/sanity/get_pip_offline.py $$f; done
	rm -rf $(CURDIR)/build/sanity && mkdir -p $(SANITY_ROOT)
	git ls-files --cached --others --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C $(SANITY_ROOT)
	@# ansible-test lists files with the nearest git repository; give the copy its own.
	cd $(SANITY_ROOT) && git init -q && git add -A
	cd $(SANITY_ROOT) && $(BIN)/ansible-test sanity --python 3.11 --requirements --color no \
	  --skip-test shellcheck

build: setup
	mkdir -p build/dist && $(BIN)/ansible-galaxy collection build --force --output-path build/dist .

sandbox-up: setup
	$(SANDBOX) up --topology $(TOPOLOGY)

sandbox-down:
	@if [ -x $(PY) ]; then $(SANDBOX) down; else echo "sandbox: nothing to bring down"; fi

sandbox-status: setup
	$(SANDBOX) status

# The demo runs real Apache Kafka (built from Maven jars) with live traffic through the migration.
demo: setup kafka-dist
	$(SANDBOX) up --topology $(TOPOLOGY) --kafka real --kafka-version $(KAFKA_VERSION)
	$(PY) tests/sandbox/traffic.py start
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/migrate.yml -e zk2kraft_finalize=true
	$(PY) tests/sandbox/traffic.py stop --report-dir $(CURDIR)/reports
	@echo; echo "The sandbox stays up: look around with 'make sandbox-status', bring it down with 'make sandbox-down'."

bench: setup
	$(PY) tests/bench/bench_validate.py

clean: sandbox-down
	rm -rf build

# A Kafka home shaped like the release archive, built from the jars on Maven Central and cached
# outside the work tree (~/.cache/zk2kraft/kafka); prints the archive's path.
KAFKA_VERSION ?= 3.9.2
kafka-dist: system-deps
	@python3 tests/sandbox/kafka_dist/build.py --version $(KAFKA_VERSION)
