"""Rebuild the study: execute every notebook in order and render the HTML output into ``build/``.

The committed notebooks are never overwritten: executed copies go to ``build/notebooks/`` and
their HTML (code hidden) to ``build/html/``, with an index page. Run it as ``python -m govstudy.paper``
(the README's ``make paper``).

>>> from govstudy.paper import build
>>> build("notebooks", "build")  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from tqdm.auto import tqdm

#: seconds one notebook cell may run before the build fails
CELL_TIMEOUT = 1200


def notebook_paths(notebooks_dir: Path) -> list[Path]:
    """The numbered notebooks (``01_…ipynb``, ``02_…``), in order."""
    return sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, out_dir: Path) -> nbformat.NotebookNode:
    """Execute one notebook with its folder as working directory; save the executed copy in ``out_dir``."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, out_dir / path.name)
    return nb


def first_heading(nb: nbformat.NotebookNode, default: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def build(notebooks_dir: str | Path = "notebooks", out_dir: str | Path = "build") -> Path:
    """Execute the notebooks and write ``out_dir/index.html`` linking one HTML page per notebook."""
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    paths = notebook_paths(notebooks_dir)
    if not paths:
        raise SystemExit(f"no numbered notebooks found in {notebooks_dir}")
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    (out_dir / "html").mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    entries = []
    for path in tqdm(paths, desc="notebooks", unit="nb"):
        nb = execute(path, out_dir / "notebooks")
        body, _ = exporter.from_notebook_node(nb)
        page = out_dir / "html" / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        entries.append((page.relative_to(out_dir), first_heading(nb, path.stem)))
    items = "\n".join(f'<li><a href="{html.escape(str(p))}">{html.escape(t)}</a></li>' for p, t in entries)
    index = out_dir / "index.html"
    index.write_text(f"<!doctype html><html lang='zh'><meta charset='utf-8'><title>govstudy</title>"
                     f"<h1>govstudy — 党建引领基层治理 evidence</h1><ol>{items}</ol></html>\n", encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m govstudy.paper", description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default="notebooks", help="folder of numbered notebooks")
    parser.add_argument("--out", default="build", help="output folder")
    args = parser.parse_args(argv)
    print(f"built {build(args.notebooks, args.out)}")


if __name__ == "__main__":
    main()
