# dj-learning: `make demo` serves the demo site, `make test` runs every check.
# Both set up what they need (a virtual environment in .venv, the packages).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The demo portal page (embedding region 1's widgets); region 1 allows this origin.
PORTAL_PORT ?= $(shell echo $$(($(PORT) + 1)))
PG_URL ?= postgres://postgres@127.0.0.1:5432/dj_learning
STAMP := $(VENV)/.installed

# manage.py defaults to the dev settings; the tests use cms_site.settings.test.
TEST_ENV := DJANGO_SETTINGS_MODULE=cms_site.settings.test
# Python keeps compiled modules, and pytest its rewritten test modules, in __pycache__:
# a machine that turns that off (PYTHONDONTWRITEBYTECODE) makes every process of the
# suite compile the tests again (about 4 seconds each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install demo test test-sqlite test-postgres lint format migrations-check messages bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,site,redis,postgres]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py learning_demo --port $(PORT)
	@echo ""
	@echo "  Region 1 (东湖区): http://127.0.0.1:$(PORT)/"
	@echo "  Region 2 (西山区): http://localhost:$(PORT)/"
	@echo "  Admin:            http://127.0.0.1:$(PORT)/admin/   (admin / Demo!pass2026)"
	@echo "  API schema:       http://127.0.0.1:$(PORT)/api/v1/openapi.json"
	@echo "  Portal (embeds):  http://127.0.0.1:$(PORTAL_PORT)/   (a static page with region 1's widgets)"
	@echo ""
	@# The job cluster and the portal run beside the web server; stopping the server (Ctrl-C) stops all
	@# within 5 seconds: the cluster runs in its own process group (its workers too), asked to stop,
	@# then killed if it has not after 4 seconds.
	@setsid $(BIN)/python manage.py qcluster & qpid=$$!; \
	  $(BIN)/python -m cms_site.demo.portal --port $(PORTAL_PORT) --site http://127.0.0.1:$(PORT) & ppid=$$!; \
	  trap 'kill -TERM -$$qpid $$ppid 2>/dev/null; \
	    for i in 1 2 3 4 5 6 7 8; do kill -0 -$$qpid 2>/dev/null || break; sleep 0.5; done; \
	    kill -KILL -$$qpid 2>/dev/null; wait $$qpid $$ppid 2>/dev/null' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

migrations-check: install
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

MSG_ENV := DJANGO_SETTINGS_MODULE=cms_site.settings.dev PYTHONPATH=$(CURDIR)

messages: install
	cd dj_learning && $(MSG_ENV) ../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete
	cd cms_site && $(MSG_ENV) ../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete
	cd dj_learning && $(MSG_ENV) ../$(BIN)/django-admin compilemessages
	cd cms_site && $(MSG_ENV) ../$(BIN)/django-admin compilemessages

# PART (transactional or others, `make test` sets it): one part of the tests; a part that
# a narrower PYTEST_ARGS leaves empty (pytest's exit 5) is not a failure.
PART_ARGS = $(if $(PART),--part=$(PART))
NO_TESTS_OK = $(if $(PART),|| [ $$? -eq 5 ])

test-sqlite: install
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/pytest $(PART_ARGS) $(PYTEST_ARGS) $(NO_TESTS_OK)

# PostgreSQL runs when DATABASE_URL names it, or when one answers on 127.0.0.1:5432.
PG_ANSWERS := $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null

test-postgres: install
	@url="$${DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(PG_ANSWERS); then url="$(PG_URL)"; fi; \
	if [ -n "$$url" ]; then \
	  echo "== pytest on PostgreSQL ($$url)"; \
	  DATABASE_URL="$$url" $(TEST_ENV) $(BIN)/pytest $(PART_ARGS) $(PYTEST_ARGS) $(NO_TESTS_OK); \
	elif [ "$${DJL_BROWSER_DB:-}" = postgresql ] || [ "$${DJL_BROWSER_DB:-}" = split ]; then \
	  echo "== PostgreSQL no longer answers, and browser tests were left to its run"; exit 1; \
	else \
	  echo "== PostgreSQL not reachable: skipping the PostgreSQL run"; \
	fi

# The two passes run side by side, each as two processes (`--part`, tests/conftest.py):
# the tests that flush the database, which mostly wait on Chromium, subprocesses and
# timers, and the others. The two processes of a pass migrate their test database once
# between them (DJL_TEST_RUN). Each process has its own media folders and a log in var/
# (printed when all are done): the suite takes as long as the longest of the four.
# The browser tests run once (DJL_BROWSER_DB): when there is a PostgreSQL pass, every
# third file in the SQLite pass and the others in the PostgreSQL pass, which also runs
# the concurrency tests and its backup drill; else all in the SQLite pass.
RUNS := sqlite:others sqlite:transactional postgres:others postgres:transactional

test: install migrations-check lint
	@mkdir -p var
	@echo "== pytest on SQLite and on PostgreSQL, two processes each (logs in var/test-*.log)"
	@export DJL_TEST_RUN=$$(date +%s)-$$$$; \
	case "$${DATABASE_URL:-}" in \
	  postgres*) export DJL_BROWSER_DB=split ;; \
	  "") if $(PG_ANSWERS); then export DJL_BROWSER_DB=split; \
	      else export DJL_BROWSER_DB=sqlite; fi ;; \
	  *) export DJL_BROWSER_DB=sqlite ;; \
	esac; \
	pids=""; for run in $(RUNS); do \
	  db=$${run%%:*}; part=$${run##*:}; \
	  MEDIA_ROOT=$(CURDIR)/var/test-media-$$db-$$part \
	  PRIVATE_MEDIA_ROOT=$(CURDIR)/var/test-private-$$db-$$part \
	    $(MAKE) --no-print-directory test-$$db PART=$$part \
	    > var/test-$$db-$$part.log 2>&1 & \
	  pids="$$pids $$!"; \
	done; \
	failed=0; set -- $(RUNS); for pid in $$pids; do \
	  if wait $$pid; then status=0; else status=$$?; fi; \
	  cat var/test-$$(echo $$1 | tr : -).log; \
	  echo "== $$1: exit $$status"; shift; \
	  [ $$status -eq 0 ] || failed=1; \
	done; \
	[ $$failed -eq 0 ]

# WeasyPrint (the PDF renderer compared with) needs pango; the wagtail-lms peer gets its own
# environment in bench/.peer/venv (made by the bench on first use).
bench: install
	@/sbin/ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  echo "WeasyPrint needs pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0"; exit 1; }
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Every scenario once at tiny sizes: checks that the bench runs (results in bench/results/).
bench-smoke:
	$(MAKE) bench BENCH_ARGS="--smoke $(BENCH_ARGS)"

clean:
	rm -rf $(VENV) var db.sqlite3* .pytest_cache .ruff_cache dist build
