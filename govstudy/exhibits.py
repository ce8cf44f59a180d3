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


def table(df: pd.DataFrame, label: str, caption: str, *, digits: int | dict = 3, index: bool = False) -> None:
    """Display ``df`` (rounded to ``digits``) as the paper's table ``label`` with ``caption``.

    ``digits`` is the number of decimals, one for every float column or per column
    (``{"estimate": 3, "p": 4}``; columns not named keep 3). Float columns holding only whole numbers
    (years stored as floats because of a missing value) print as integers.

    With ``GOVSTUDY_EXHIBITS_DIR`` set (the paper build), also writes ``<label>.csv``, ``.tex`` and
    ``.md`` there, and adds the print form of the table (no index, missing values as "–", integers as
    integers, fixed decimals per column; see :func:`print_frame`) to the output's metadata for the paper.
    """
    from IPython.display import display

    _check_label(label, "table")
    shown = _rounded(df, digits)
    meta = {"label": label, "kind": "table", "caption": caption}
    out = _out_dir()
    if out is not None:
        printed = print_frame(df, digits=digits, index=index)
        meta["print"] = {"columns": [str(c) for c in printed.columns], "rows": printed.values.tolist(),
                         "numeric": [bool(v) for v in numeric_columns(printed)]}
    display(shown if index else shown.reset_index(drop=True), metadata={METADATA_KEY: meta})
    if out is None:
        return
    stem = _stem(label)
    _integers(shown).to_csv(out / f"{stem}.csv", index=index, lineterminator="\n")
    latex = printed.to_latex(index=False, caption=caption, label=label)
    (out / f"{stem}.tex").write_text(latex, encoding="utf-8")
    (out / f"{stem}.md").write_text(f"Table: {caption}\n\n{printed.to_markdown(index=False)}\n", encoding="utf-8")
    _record(out, label, "table", caption, [f"{stem}.csv", f"{stem}.tex", f"{stem}.md"])


# --- the print form of a table ------------------------------------------------------------------

MISSING = "–"
DEFAULT_DIGITS = 3


def _digits_for(digits: int | dict, column) -> int:
    if isinstance(digits, dict):
        return int(digits.get(column, digits.get(str(column), DEFAULT_DIGITS)))
    return int(digits)


def _rounded(df: pd.DataFrame, digits: int | dict) -> pd.DataFrame:
    if not isinstance(digits, dict):
        return df.round(digits)
    return df.round({c: _digits_for(digits, c) for c in df.columns})


def _whole(series: pd.Series) -> bool:
    """A float column whose non-missing values are all finite whole numbers (e.g. years with a gap)."""
    import numpy as np

    if not pd.api.types.is_float_dtype(series.dtype):
        return False
    values = series.dropna().to_numpy(dtype=float)
    return len(values) > 0 and bool(np.all(np.isfinite(values))) and bool(np.all(values == np.round(values))) \
        and bool(np.all(np.abs(values) < 2**53))


def _integers(df: pd.DataFrame) -> pd.DataFrame:
    """Whole-number float columns as nullable integers (so CSV writes 2004, not 2004.0)."""
    out = df.copy()
    for i, col in enumerate(df.columns):
        if _whole(df.iloc[:, i]):
            out.isetitem(i, df.iloc[:, i].astype("Int64"))
    return out


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists
        return False


def _cell(value, decimals: int, whole: bool) -> str:
    import numbers

    if _missing(value):
        return MISSING
    if isinstance(value, bool) or (hasattr(value, "dtype") and getattr(value, "dtype", None) == bool):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            return "∞" if v > 0 else ("−∞" if v < 0 else MISSING)
        if whole:
            return str(int(round(v)))
        text = f"{v:.{decimals}f}"
        return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text  # no "-0.000"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    return str(value)


def _decimals_needed(series: pd.Series, digits: int) -> int:
    """Decimals one column needs: at most ``digits``, and no more than its values have (99.78 and 25 → 2)."""
    needed = 0
    for v in series.dropna().tolist():
        text = f"{float(v):.{digits}f}"
        if "." in text:
            needed = max(needed, len(text.split(".")[1].rstrip("0")))
    return needed


def print_frame(df: pd.DataFrame, *, digits: int | dict = DEFAULT_DIGITS, index: bool = False) -> pd.DataFrame:
    """The table as printed in the paper: every cell text, no index, missing values as "–".

    Integer columns (and float columns of whole numbers) print as integers; other floats with
    ``digits`` decimals (one number, or per column). ``index=True`` keeps the index as leading columns.

    >>> print_frame(pd.DataFrame({"year": [2004.0, None], "att": [0.12345, -0.00001], "x": [2.5, 10.0]})).values.tolist()
    [['2004', '0.123', '2.5'], ['–', '0.000', '10.0']]
    """
    frame = df.reset_index() if index else df
    columns = {}
    for i, col in enumerate(frame.columns):
        series = frame.iloc[:, i]
        decimals, whole = _digits_for(digits, col), _whole(series)
        if pd.api.types.is_float_dtype(series.dtype) and not whole:
            decimals = _decimals_needed(series, decimals)
        columns[i] = [_cell(v, decimals, whole) for v in series.tolist()]
    names = [" ".join(str(c) for c in col if str(c) != "") if isinstance(col, tuple) else str(col)
             for col in frame.columns]
    out = pd.DataFrame({i: columns[i] for i in columns}, dtype=object)
    out.columns = names
    return out


_NUMBER = re.compile(r"^[−+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$|^[−-]?∞$")


def numeric_columns(printed: pd.DataFrame) -> list[bool]:
    """Columns whose printed cells are all numbers or missing (right-aligned in the paper)."""
    flags = []
    for i in range(printed.shape[1]):
        cells = [c for c in printed.iloc[:, i].tolist() if c != MISSING]
        flags.append(bool(cells) and all(_NUMBER.match(c.strip()) for c in cells))
    return flags


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
