"""Numbered exhibits of the paper: show a table or figure in a notebook and export it for the paper.

In a notebook, ``table(df, "tab:measures", "caption")`` and ``figure(fig, "fig:matrix", "caption")``
display the object as usual, tagged (in the output's metadata, which nbval does not compare) with
its label and caption, so that the paper builder numbers it and adds the caption. When the paper
builder runs the notebook it sets ``GOVSTUDY_EXHIBITS_DIR``; the exhibit is then also written there:
tables as CSV, LaTeX and Markdown, figures as PNG and PDF (fonts embedded), with byte-identical
output on every run (no timestamps in the files).

>>> import pandas as pd
>>> table(pd.DataFrame({"a": [1.23456]}), "tab:demo", "A demo table")
       a
0  1.235
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

ENV_DIR = "GOVSTUDY_EXHIBITS_DIR"
ENV_NOTEBOOK = "GOVSTUDY_NOTEBOOK"
METADATA_KEY = "govstudy_exhibit"
_LABEL = re.compile(r"^(tab|fig):[a-z0-9][a-z0-9_-]*$")


def _check_label(label: str, kind: str) -> None:
    if not _LABEL.match(label) or not label.startswith(kind[:3]):
        raise ValueError(f"exhibit label {label!r} must look like '{kind[:3]}:short_name' "
                         "(lower-case letters, digits, '_' or '-')")


def _out_dir() -> Path | None:
    folder = os.environ.get(ENV_DIR)
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _record(out: Path, label: str, kind: str, caption: str, files: list[str]) -> None:
    """Append the exhibit to ``manifest.jsonl`` in the export folder."""
    entry = {"label": label, "kind": kind, "caption": caption, "files": files,
             "notebook": os.environ.get(ENV_NOTEBOOK, "")}
    with open(out / "manifest.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _stem(label: str) -> str:
    return label.replace(":", "_")


def table(df: pd.DataFrame, label: str, caption: str, *, digits: int = 3, index: bool = False) -> None:
    """Display ``df`` (rounded to ``digits``) as the paper's table ``label`` with ``caption``.

    With ``GOVSTUDY_EXHIBITS_DIR`` set, also writes ``<label>.csv``, ``.tex`` and ``.md`` there.
    """
    from IPython.display import display

    _check_label(label, "table")
    shown = df.round(digits)
    display(shown if index else shown.reset_index(drop=True),
            metadata={METADATA_KEY: {"label": label, "kind": "table", "caption": caption}})
    out = _out_dir()
    if out is None:
        return
    stem = _stem(label)
    shown.to_csv(out / f"{stem}.csv", index=index, lineterminator="\n")
    latex = shown.to_latex(index=index, caption=caption, label=label, float_format=f"%.{digits}f")
    (out / f"{stem}.tex").write_text(latex, encoding="utf-8")
    (out / f"{stem}.md").write_text(f"Table: {caption}\n\n{shown.to_markdown(index=index)}\n", encoding="utf-8")
    _record(out, label, "table", caption, [f"{stem}.csv", f"{stem}.tex", f"{stem}.md"])


def figure(fig, label: str, caption: str, *, dpi: int = 150) -> None:
    """Display a matplotlib figure as the paper's figure ``label`` with ``caption``, then close it.

    With ``GOVSTUDY_EXHIBITS_DIR`` set, also writes ``<label>.png`` and ``<label>.pdf`` (fonts
    embedded as TrueType/CID, no creation date, so reruns are byte-identical).
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    _check_label(label, "figure")
    display(fig, metadata={METADATA_KEY: {"label": label, "kind": "figure", "caption": caption}})
    out = _out_dir()
    if out is not None:
        stem = _stem(label)
        fig.savefig(out / f"{stem}.png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(out / f"{stem}.pdf", bbox_inches="tight",
                    metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})
        _record(out, label, "figure", caption, [f"{stem}.png", f"{stem}.pdf"])
    plt.close(fig)
