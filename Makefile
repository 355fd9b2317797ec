# The two commands of the README:  `make run`  (the dashboard)  and  `make test`  (the tests).
# Each installs what a fresh machine lacks first: a virtual environment with the pinned packages,
# and for the tests Debian's chromium (the browser tests drive it; nothing is downloaded at run time).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT   ?= 8501

.PHONY: run test bench messages

run: $(VENV)/.run-deps
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: $(VENV)/.test-deps /usr/bin/chromium
	$(BIN)/python -m pytest

bench: $(VENV)/.test-deps /usr/bin/chromium
	$(BIN)/python bench/run.py

$(VENV)/.run-deps: requirements.txt
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements-dev.txt $(VENV)/.run-deps
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# The French catalogue after a change of words: extract every marked message (_, N_, ngettext, the
# templates' {{ _(...) }}) and merge it into alliance_metrics/locale/fr/LC_MESSAGES/alliance.po; then
# translate what `make messages` reports as untranslated. Only the .po is kept (it is read at run time);
# its creation date is dropped, so that two branches adding words do not conflict on that line.
messages: $(VENV)/.run-deps
	pot=$$(mktemp --suffix .pot) && \
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output -w 100 -o $$pot . && \
	$(BIN)/pybabel -q update -i $$pot -D alliance -d alliance_metrics/locale -l fr -w 100 \
		--no-fuzzy-matching --ignore-obsolete && \
	rm $$pot && \
	sed -i '/^"POT-Creation-Date: /d' alliance_metrics/locale/fr/LC_MESSAGES/alliance.po && \
	$(BIN)/python -m pytest -q tests/test_i18n.py
