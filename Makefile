# ccimatch — everything installs into .venv; nothing is done by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
DEMO_DB := var/demo.db

.PHONY: install browser postgres demo test lint eval fuzz bench bench-schedule screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first (the local CPU build), then the project; the stamp re-runs when pyproject changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/ccimatch model prepare
	touch $@

install: $(VENV)/.installed

# The browser tests drive Debian's Chromium (Playwright's own download is not reachable) with a font that has
# Arabic glyphs; the printed agendas (WeasyPrint) need Pango and the same fonts. Installed here when missing,
# never by hand.
APT_BROWSER = chromium fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans Arabic" \
	  && ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends $(APT_BROWSER) \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $(APT_BROWSER); }; }

# The PostgreSQL tests (two servers on one database, tests/storage/test_postgres.py) start a throw-away cluster
# with Debian's initdb/pg_ctl: installed here when missing, so CI runs them instead of skipping.
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends postgresql \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends postgresql; }; }

demo: install
	rm -rf $(DEMO_DB) $(DEMO_DB).index $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/ccimatch ingest data/sample_profiles.csv --db $(DEMO_DB)
	$(BIN)/ccimatch relationships import data/sample_relationships.csv --db $(DEMO_DB)
	$(BIN)/ccimatch stats --db $(DEMO_DB) | head -24
	@echo; echo "== Search in Arabic (a Moroccan workshop looking for a distributor in France)"
	$(BIN)/ccimatch search "موزع في فرنسا للأواني الخزفية المصنوعة يدويا" --country MA --db $(DEMO_DB) --k 5
	@echo; echo "== Search in French (a Tunisian cooperative looking for a design studio)"
	$(BIN)/ccimatch search "studio de design graphique pour créer l'identité visuelle et l'emballage de nos produits" --country TN --db $(DEMO_DB) --k 5
	@echo; echo "== Partners for three sample firms (writing in Arabic, French, English)"
	$(BIN)/ccimatch suggest ma-0901 --db $(DEMO_DB) --k 5
	$(BIN)/ccimatch suggest tn-0902 --db $(DEMO_DB) --k 5
	$(BIN)/ccimatch suggest jo-0902 --db $(DEMO_DB) --k 5
	@echo; echo "== Who abroad could join the Marseille jewellery and fashion cluster (its profile lists its members)"
	$(BIN)/ccimatch cluster extend fr-0006 --db $(DEMO_DB) --k 5
	@echo; echo "== The web app (Arabic, French, English): run the line below, then open http://localhost:8000/"
	@echo "   $(BIN)/ccimatch serve --db $(DEMO_DB) --demo"

test: lint browser postgres
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy matcher embeddings storage learning service evaluation bench tests
	$(BIN)/lint-imports

fuzz: install
	CCIMATCH_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest -q -p no:cacheprovider tests/service/http/test_fuzz.py tests/storage/test_files.py

eval: install
	$(BIN)/ccimatch eval all

# The 20 published scheduling instances (originals) against their optima, ~5 min; replaces only the
# originals' rows of reports/bench_schedule.{md,json} (the other folders: --folder forbidden|fixed|precedences).
bench-schedule: install
	$(BIN)/python -m bench.schedule --folder original --time-limit 60

# Every benchmark section (bench/README.md), about 75-90 min on 2 cores (bench/README.md): reports/bench.{md,json} and plots.
# Run it on an otherwise idle machine. Development: .venv/bin/python -m bench --quick [--only http,...]
bench: bench-schedule
	$(BIN)/python -m bench

# PNGs of every page in ar/fr/en at desktop and phone sizes, under docs/screenshots/.
screenshots: install browser
	$(BIN)/python -m tests.service.web.screenshots docs/screenshots

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
