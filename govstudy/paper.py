"""Rebuild the paper: execute every notebook, collect the exhibits, render HTML and PDF into ``build/``.

``python -m govstudy.paper`` (the README's ``make paper``; also ``govstudy paper``):

1. executes the numbered notebooks in order with papermill (committed notebooks are never
   overwritten; executed copies go to ``build/notebooks/``), exporting every exhibit declared with
   ``govstudy.exhibits.table`` / ``figure`` to ``build/exhibits/`` (CSV, LaTeX, Markdown; PNG, PDF);
2. renders ``build/paper.html`` — title page, abstract, contents, each notebook's narrative and
   outputs without code, numbered tables and figures with captions, a list of exhibits — and
   ``build/paper.pdf`` from it with WeasyPrint (the CJK font found through fontconfig);
3. writes ``build/REPLICATION.md`` (AEA Data Editor template: data availability, computational
   requirements with the measured run time, instructions, exhibit → notebook/cell/file map),
   ``build/environment.json`` (package versions) and ``build/data_hashes.json``.

Example: ``build("notebooks", "build", only=["01", "02"], pdf=False)`` rebuilds the paper from the first
two notebooks only (what the tests do).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import importlib.metadata
import json
import os
import platform
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from govstudy import datasets
from govstudy.exhibits import ENV_DIR, ENV_NOTEBOOK, METADATA_KEY

FRONT_MATTER = "front_matter.md"
#: packages whose versions are recorded with every build
RECORDED_PACKAGES = ("govstudy", "pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pyarrow",
                     "openpyxl", "pyreadstat", "papermill", "nbclient", "nbconvert", "weasyprint", "nbval")


@dataclass
class Exhibit:
    label: str
    kind: str
    caption: str
    notebook: str
    cell: int
    number: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.label.replace(":", "-")

    @property
    def name(self) -> str:
        return f"{'Table' if self.kind == 'table' else 'Figure'} {self.number}"


def notebook_paths(notebooks_dir: Path, only: list[str] | None = None) -> list[Path]:
    """The numbered notebooks (``01_…ipynb``, ``02_…``), in order; ``only`` keeps those whose name starts so."""
    paths = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in only)]
    return paths


def execute(path: Path, out_dir: Path, exhibits_dir: Path) -> nbformat.NotebookNode:
    """Run one notebook with papermill (its folder as working directory), exporting its exhibits."""
    import papermill

    os.environ[ENV_DIR] = str(exhibits_dir.resolve())
    os.environ[ENV_NOTEBOOK] = path.name
    try:
        nb = papermill.execute_notebook(str(path), str(out_dir / path.name), kernel_name="python3",
                                        cwd=str(path.parent), progress_bar=False, log_output=False)
    finally:
        os.environ.pop(ENV_DIR, None)
        os.environ.pop(ENV_NOTEBOOK, None)
    return nb


# --- rendering ----------------------------------------------------------------------------------

def _markdown(source: str, demote: int = 1) -> str:
    from nbconvert.filters.markdown import markdown2html

    lines, fenced = [], False
    for line in source.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,5} ", line):
            line = "#" * demote + line
        lines.append(line)
    rendered = markdown2html("\n".join(lines))
    return re.sub(r"<a class=.anchor-link.[^>]*>(¶|&#182;)</a>", "", rendered)  # no pilcrow links in the paper


def _heading(nb: nbformat.NotebookNode, default: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def _output_html(output, stem: str, files_dir: Path) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"<pre class='stream'>{html.escape(output.get('text', ''))}</pre>"
    if kind == "error":
        raise RuntimeError(f"{stem}: the notebook raised {output.get('ename')}: {output.get('evalue')}")
    data = output.get("data", {})
    if "image/png" in data:
        files_dir.mkdir(parents=True, exist_ok=True)
        png = files_dir / f"{stem}.png"
        png.write_bytes(base64.b64decode(data["image/png"]))
        return f"<img src='{files_dir.name}/{png.name}' alt='{html.escape(stem)}'>"
    if "text/html" in data:
        return f"<div class='html-output'>{data['text/html']}</div>"
    if "text/markdown" in data:
        return _markdown(data["text/markdown"])
    if "text/plain" in data:
        return f"<pre>{html.escape(data['text/plain'])}</pre>"
    return ""


def collect_exhibits(executed: list[tuple[Path, nbformat.NotebookNode]], manifest: Path) -> list[Exhibit]:
    """Exhibits in paper order, numbered per kind, with the notebook cell that makes each."""
    files = {}
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            files[entry["label"]] = entry["files"]
    found, counters, seen = [], {"table": 0, "figure": 0}, set()
    for path, nb in executed:
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get(METADATA_KEY)
                if not meta:
                    continue
                if meta["label"] in seen:
                    raise ValueError(f"exhibit label {meta['label']!r} is used twice (again in {path.name})")
                seen.add(meta["label"])
                counters[meta["kind"]] += 1
                found.append(Exhibit(meta["label"], meta["kind"], meta["caption"], path.name, index + 1,
                                     counters[meta["kind"]], files.get(meta["label"], [])))
    return found


CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page); font-size: 9pt; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", sans-serif; font-size: 10.5pt;
       line-height: 1.5; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
.title-page { text-align: center; padding: 4em 0 2em; page-break-after: always; }
.title-page h1 { font-size: 22pt; }
.abstract { text-align: left; margin: 2em auto; max-width: 42em; }
section.notebook { page-break-before: always; }
figure { margin: 1.2em 0; page-break-inside: avoid; }
figure img, img { max-width: 100%; }
figcaption { font-size: 9.5pt; color: #333; margin: 0.4em 0; }
table { border-collapse: collapse; font-size: 8.5pt; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ccc; padding: 2px 6px; text-align: right; vertical-align: top; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 8pt; white-space: pre-wrap; word-break: break-all; }
.source { font-size: 8.5pt; color: #666; }
nav.toc li { margin: 0.2em 0; }
"""


def render_html(executed: list[tuple[Path, nbformat.NotebookNode]], exhibits: list[Exhibit], front: str,
                out_dir: Path) -> Path:
    """Write ``paper.html`` (and its images in ``paper_files/``) from the executed notebooks."""
    files_dir = out_dir / "paper_files"
    shutil.rmtree(files_dir, ignore_errors=True)
    by_cell = {(e.notebook, e.cell): e for e in exhibits}
    title, _, abstract = front.partition("\n")
    title = title.lstrip("# ").strip()
    sections, toc = [], []
    for path, nb in executed:
        sid = f"nb-{path.stem}"
        heading = _heading(nb, path.stem)
        toc.append(f"<li><a href='#{sid}'>{html.escape(heading)}</a></li>")
        parts = [f"<section class='notebook' id='{sid}'>"]
        for index, cell in enumerate(nb.cells, start=1):
            if cell.cell_type == "markdown":
                parts.append(_markdown(cell.source))
            elif cell.cell_type == "code":
                ex = by_cell.get((path.name, index))
                for k, output in enumerate(cell.get("outputs", [])):
                    body = _output_html(output, f"{path.stem}_cell{index:02d}_{k}", files_dir)
                    meta = output.get("metadata", {}).get(METADATA_KEY)
                    if meta and ex is not None:
                        cap = f"<figcaption><b>{ex.name}.</b> {html.escape(ex.caption)}</figcaption>"
                        body = (f"<figure id='{ex.anchor}'>" + (cap + body if ex.kind == "table" else body + cap)
                                + "</figure>")
                    parts.append(body)
        parts.append(f"<p class='source'>Source: notebooks/{html.escape(path.name)}</p></section>")
        sections.append("\n".join(parts))
    listing = "".join(
        f"<tr><td><a href='#{e.anchor}'>{e.name}</a></td><td>{html.escape(e.caption)}</td>"
        f"<td>{html.escape(e.notebook)}, cell {e.cell}</td><td>{', '.join(html.escape(f) for f in e.files)}</td></tr>"
        for e in exhibits)
    doc = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
<div class="title-page"><h1>{html.escape(title)}</h1>
<div class="abstract">{_markdown(abstract, demote=0)}</div></div>
<nav class="toc" id="contents"><h2>Contents 目录</h2><ol>{''.join(toc)}<li><a href='#exhibits'>List of exhibits</a></li></ol></nav>
{''.join(sections)}
<section id="exhibits" class="notebook"><h2>List of exhibits 图表目录</h2>
<table><tr><th>exhibit</th><th>caption</th><th>made by</th><th>files (build/exhibits/)</th></tr>{listing}</table>
</section>
</body></html>
"""
    page = out_dir / "paper.html"
    page.write_text(doc, encoding="utf-8")
    return page


def render_pdf(page: Path) -> Path:
    """``paper.pdf`` from ``paper.html`` with WeasyPrint (offline; fonts through fontconfig, embedded)."""
    from weasyprint import HTML

    pdf = page.with_suffix(".pdf")
    HTML(filename=str(page), base_url=str(page.parent)).write_pdf(str(pdf))
    return pdf


# --- records ----------------------------------------------------------------------------------

def _versions() -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _hardware() -> str:
    """Cores and memory of this machine, e.g. '2 cores, 24 GiB memory, x86_64'."""
    memory = ""
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        memory = f", {kib / 2**20:.0f} GiB memory"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores{memory}, {platform.machine()}"


def _data_hashes() -> dict:
    hashes = {}
    for res in datasets.descriptor()["resources"]:
        actual = datasets.sha256(datasets.data_dir() / res["path"])
        if "sha256:" + actual != res["hash"]:
            raise RuntimeError(f"dataset {res['name']} does not match its recorded hash")
        hashes[res["name"]] = {"path": f"data/{res['path']}", "sha256": actual}
    return hashes


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_replication(out_dir: Path, exhibits: list[Exhibit], timings: dict[str, float]) -> Path:
    """``REPLICATION.md`` following the AEA Data Editor's template."""
    rows = []
    for res in datasets.descriptor()["resources"]:
        src = "; ".join(s.get("title", "") for s in res.get("sources", []))
        lic = "; ".join(lic.get("name", "") for lic in res.get("licenses", []))
        rows.append(f"| `{res['name']}` | `data/{res['path']}` | {src} | {lic} | bundled |")
    ex_rows = [f"| {e.name} | {e.caption} | `notebooks/{e.notebook}` | {e.cell} | "
               f"{', '.join(f'`build/exhibits/{f}`' for f in e.files)} |" for e in exhibits]
    total = sum(timings.values())
    timing_rows = [f"| `{name}` | {sec:.0f} s |" for name, sec in timings.items()]
    versions = _versions()
    text = f"""# Replication package: govstudy

Generated by `python -m govstudy.paper` (the README's `make paper`). Structure follows the AEA Data
Editor's template for README files of replication packages.

## Overview
The code in this repository reproduces every table and figure of the paper (`build/paper.html`,
`build/paper.pdf`) from the bundled data. One command, `make paper`, runs everything in order;
`make test` re-executes every notebook and compares its outputs (nbval).

## Data availability and provenance statements
All data are bundled in `data/` and described, with sources, licences, per-column documentation and
sha256 hashes, in `data/datapackage.json`. Raw inputs in `data/raw/` are never modified; curated tables
follow `data/cases/CONVENTIONS.md`. Simulated data (notebooks 03, 05, 06) are generated by
`govstudy.simulate_panel` with fixed seeds and are labelled as simulated wherever they appear.

| dataset | file | source | licence | availability |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

The authors had legitimate access to and permission to use the data; the report text is quoted for
research with its original copyright. Data hashes of this run: `build/data_hashes.json`.

## Computational requirements
- Software: Python {versions['python']} with the packages required by `pyproject.toml` (the exact versions of
  this run are in `build/environment.json`); Debian packages `fonts-noto-cjk` (figures and PDF) and
  `libpango-1.0-0` (WeasyPrint). The Makefile installs all of them.
- Hardware of this run: {_hardware()}; no GPU and no network access are needed at run time.
- Run time of this build: {total:.0f} s in total.

| notebook | run time |
| --- | --- |
{chr(10).join(timing_rows)}

## Description of programs
- `govstudy/` — the package (datasets, reading files, case comparison, estimators, simulation, paper).
- `notebooks/NN_*.ipynb` — one question each; they make every exhibit below.
- `govstudy/paper.py` — executes the notebooks and assembles the paper.

## Instructions to replicators
1. On a Debian machine with Python 3.11+ and `make`, run `make paper`.
2. Compare `build/exhibits/` with the tables and figures of the paper; `make test` re-executes the
   notebooks and checks every output against the committed ones.

## List of tables and figures

| exhibit | caption | notebook | cell | output files |
| --- | --- | --- | --- | --- |
{chr(10).join(ex_rows)}

## References
See each dataset's `citation` in `data/datapackage.json`.
"""
    path = out_dir / "REPLICATION.md"
    path.write_text(text, encoding="utf-8")
    return path


def build(notebooks_dir: str | Path = "notebooks", out_dir: str | Path = "build",
          only: list[str] | None = None, pdf: bool = True) -> Path:
    """Execute the notebooks and write the paper; returns the path of ``paper.html``."""
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    paths = notebook_paths(notebooks_dir, only)
    if not paths:
        raise SystemExit(f"no numbered notebooks found in {notebooks_dir}")
    exhibits_dir = out_dir / "exhibits"
    shutil.rmtree(exhibits_dir, ignore_errors=True)
    exhibits_dir.mkdir(parents=True)
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    executed, timings = [], {}
    for path in tqdm(paths, desc="notebooks", unit="nb"):
        start = time.perf_counter()
        executed.append((path, execute(path, out_dir / "notebooks", exhibits_dir)))
        timings[path.name] = time.perf_counter() - start
    exhibits = collect_exhibits(executed, exhibits_dir / "manifest.jsonl")
    (exhibits_dir / "manifest.jsonl").unlink(missing_ok=True)  # superseded by exhibits.json (ordered, numbered)
    (exhibits_dir / "exhibits.json").write_text(json.dumps(
        [{**e.__dict__, "name": e.name} for e in exhibits], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    front_file = notebooks_dir / FRONT_MATTER
    front = front_file.read_text(encoding="utf-8") if front_file.exists() else "# govstudy\n"
    page = render_html(executed, exhibits, front, out_dir)
    if pdf:
        render_pdf(page)
    (out_dir / "environment.json").write_text(json.dumps(_versions(), indent=1) + "\n", encoding="utf-8")
    (out_dir / "data_hashes.json").write_text(json.dumps(_data_hashes(), indent=1) + "\n", encoding="utf-8")
    write_replication(out_dir, exhibits, timings)
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govstudy.paper", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default="notebooks", help="folder of numbered notebooks (default: notebooks)")
    parser.add_argument("--out", default="build", help="output folder (default: build)")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run, e.g. 01 02")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    args = parser.parse_args(argv)
    page = build(args.notebooks, args.out, args.only, pdf=not args.no_pdf)
    print(f"built {page} and {page.with_suffix('.pdf') if not args.no_pdf else '(no PDF)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
