# govstudy — the two commands of the README:
#   make paper   create the environment, execute every notebook, build the study's output in build/
#   make test    create the environment, run every test (unit tests + nbval over every notebook)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: all env fonts java paper lab test check-install clean

all: paper

# uv installs this stack about 9x faster than pip; it installs itself from the package index.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,spark]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

env: $(STAMP) fonts java

# System packages: a CJK font known to fontconfig for Chinese labels in figures and the PDF
# (fonts-noto-cjk), Pango for WeasyPrint's PDF rendering, and poppler-utils (pdftotext) for the test that
# no text of the PDF lies off the page. Installed only when missing.
SYSTEM_PACKAGES := fontconfig fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
fonts:
	@if ! fc-list :lang=zh family 2>/dev/null | grep -q . || ! ldconfig -p | grep -q libpangoft2-1.0 \
	    || ! command -v pdftotext >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  rm -rf $$HOME/.cache/matplotlib; \
	fi

# Java 17 for pyspark (govstudy.appeals on Spark, and its parity test with DuckDB). Installed only when missing.
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	fi

paper: env
	$(BIN)/python -m govstudy.paper

test: env
	$(BIN)/python -m pytest
	$(MAKE) check-install


# JupyterLab on the notebooks, with this environment's kernel; as root (containers) it needs --allow-root.
lab: env
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )
# A non-editable install, used from outside the repository, must still find every bundled dataset.
check-install: env
	rm -rf build/install-check && mkdir -p build/install-check
	$(PYTHON) -m venv build/install-check/venv
	$(BIN)/uv pip install --quiet --python build/install-check/venv/bin/python .
	cd /tmp && $(CURDIR)/build/install-check/venv/bin/python $(CURDIR)/scripts/check_install.py

clean:
	rm -rf $(VENV) build .pytest_cache
