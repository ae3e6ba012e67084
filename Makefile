# ccimatch — everything installs into .venv; nothing is done by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
DEMO_DB := var/demo.db

.PHONY: install demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first (the local CPU build), then the project; the stamp re-runs when pyproject changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/ccimatch model prepare
	touch $@

install: $(VENV)/.installed

demo: install
	rm -rf $(DEMO_DB) $(DEMO_DB).index $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/ccimatch ingest data/sample_profiles.csv --db $(DEMO_DB)
	$(BIN)/ccimatch stats --db $(DEMO_DB)
	$(BIN)/ccimatch search "أبحث عن موزع للخزف والفخار المصنوع يدويا في أوروبا" --db $(DEMO_DB) --k 5
	$(BIN)/ccimatch search "studio de design graphique pour l'identité visuelle d'une coopérative d'artisanes" --db $(DEMO_DB) --k 5 --exclude-countries FR

test: lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy matcher embeddings storage service evaluation tests

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
