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
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from govstudy.datasets import check_hash, descriptor
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


#: lines a healthy kernel prints on stderr at start-up, which look like failures in the build's output:
#: ipykernel's note on unencrypted local TCP, and debugpy's note on frozen modules. Every other line of
#: the kernels' stderr is passed through; errors in cells fail the build through papermill anyway.
KERNEL_NOISE = (
    re.compile(r"Kernel is running over TCP without encryption"),
    re.compile(r"frozen modules|Xfrozen_modules|PYDEVD_DISABLE_FILE_VALIDATION|Debugging will proceed"),
    re.compile(r"^\s*0\.\d+s - "),  # debugpy's timestamped continuation lines of that note
)


@contextmanager
def quiet_kernel_stderr():
    """Collect what the kernel (a child process sharing our stderr) writes, and replay all but the noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if line.strip() and not any(p.search(line) for p in KERNEL_NOISE)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


def execute(path: Path, out_dir: Path, exhibits_dir: Path) -> nbformat.NotebookNode:
    """Run one notebook with papermill (its folder as working directory), exporting its exhibits."""
    import papermill

    saved = {k: os.environ.get(k) for k in (ENV_DIR, ENV_NOTEBOOK, "PYDEVD_DISABLE_FILE_VALIDATION")}
    os.environ[ENV_DIR] = str(exhibits_dir.resolve())
    os.environ[ENV_NOTEBOOK] = path.name
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's frozen-modules note, at its source
    try:
        with quiet_kernel_stderr():
            nb = papermill.execute_notebook(str(path), str(out_dir / path.name), kernel_name="python3",
                                            cwd=str(path.parent), progress_bar=False, log_output=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


# --- configuration, bibliography and citations -------------------------------------------------

CONFIG = "paper.toml"


class CitationError(ValueError):
    """A citation key that is not in the bibliography, or a malformed bibliography."""


def load_config(notebooks_dir: Path) -> dict:
    """``paper.toml`` beside the notebooks: title, subtitle, authors, a fixed date, abstract, bibliography."""
    import tomllib

    path = Path(notebooks_dir) / CONFIG
    config = {"title": "govstudy", "subtitle": "", "authors": [], "date": "", "abstract": FRONT_MATTER,
              "bibliography": "references.bib", "nocite": []}
    if path.exists():
        config.update(tomllib.loads(path.read_text(encoding="utf-8")))
    if config["date"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(config["date"])):
        raise ValueError(f"{path}: date must be written YYYY-MM-DD (a fixed date, not the build time), "
                         f"got {config['date']!r}")
    config["date"] = str(config["date"])
    config["authors"] = [a if isinstance(a, dict) else {"name": str(a)} for a in config["authors"]]
    return config


_TEX = [(r"\&", "&"), (r"\%", "%"), (r"\_", "_"), (r"\$", "$"), (r"\#", "#"), ("---", "—"), ("--", "–"),
        ("``", "“"), ("''", "”"), ("~", " ")]


def _tex_text(value: str) -> str:
    """A BibTeX value as plain text: braces dropped, TeX dashes, quotes and escapes converted."""
    for tex, text in _TEX:
        value = value.replace(tex, text)
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


def _split_top(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def parse_bib(text: str, source: str = "references.bib") -> dict[str, dict]:
    """Entries of a BibTeX file: ``{key: {"ENTRYTYPE": ..., field: raw value, ...}}`` (values keep their braces).

    >>> parse_bib('@book{k, author = {Fisher, R. A.}, title = {Design}, year = 1935}')["k"]["year"]
    '1935'
    """
    entries, pos = {}, 0
    head = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,")
    while True:
        m = head.search(text, pos)
        if not m:
            return entries
        kind, key = m.group(1).lower(), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        i, depth, fields = m.end(), 1, {"ENTRYTYPE": kind}
        body_start = i
        while i < len(text) and depth:  # the entry's closing brace
            depth += (text[i] == "{") - (text[i] == "}")
            i += 1
        if depth:
            raise CitationError(f"{source}, line {line}: entry {key!r} is not closed")
        body = text[body_start:i - 1]
        for part in _split_top(body, ","):
            if not part.strip():
                continue
            name, eq, value = part.partition("=")
            if not eq:
                raise CitationError(f"{source}, line {line}: entry {key!r} has a field without '=': {part.strip()!r}")
            value = value.strip()
            if value.startswith("{") and value.endswith("}"):
                value = value[1:-1]
            elif value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            fields[name.strip().lower()] = value
        if key in entries:
            raise CitationError(f"{source}, line {line}: key {key!r} is defined twice")
        entries[key] = fields
        pos = i


@dataclass
class Name:
    last: str
    first: str = ""

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}".strip()

    @property
    def inverted(self) -> str:
        return f"{self.last}, {self.first}" if self.first else self.last


def parse_names(value: str) -> list[Name]:
    """``"Sant'Anna, Pedro H. C. and {Frictionless Data}"`` → names; a braced name is one literal name."""
    names = []
    for raw in _split_top(re.sub(r"\s+", " ", value), " and "):
        raw = raw.strip()
        if raw.startswith("{") and raw.endswith("}") and _split_top(raw[1:-1], ",") == [raw[1:-1]]:
            names.append(Name(_tex_text(raw)))
        elif len(_split_top(raw, ",")) > 1:
            last, first = _split_top(raw, ",")[:2]
            names.append(Name(_tex_text(last), _tex_text(first)))
        else:
            words = _tex_text(raw).split()
            # "Clément de Chaisemartin": lower-case particles belong to the last name
            k = next((j for j, w in enumerate(words[:-1]) if w[:1].islower()), len(words) - 1)
            names.append(Name(" ".join(words[k:]), " ".join(words[:k])))
    return names


@dataclass
class Reference:
    key: str
    fields: dict
    names: list[Name]
    year: str
    suffix: str = ""

    @property
    def authors_short(self) -> str:
        lasts = [n.last for n in self.names] or [_tex_text(self.fields.get("title", self.key))]
        if len(lasts) == 1:
            return lasts[0]
        if len(lasts) == 2:
            return f"{lasts[0]} & {lasts[1]}"
        return f"{lasts[0]} et al."

    @property
    def label(self) -> str:
        return self.year + self.suffix

    @property
    def anchor(self) -> str:
        return "ref-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.key)

    def sort_key(self) -> tuple:
        return (self.authors_short.lower(), self.year, _tex_text(self.fields.get("title", "")).lower())

    def text(self, markup: str = "html") -> str:
        """The reference-list entry, as HTML (``markup="html"``) or Markdown."""
        f = {k: _tex_text(v) for k, v in self.fields.items()}
        esc = html.escape if markup == "html" else (lambda s: s)
        ital = (lambda s: f"<i>{esc(s)}</i>") if markup == "html" else (lambda s: f"*{s}*")
        names = [self.names[0].inverted] + [n.full for n in self.names[1:]] if self.names else []
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""
        parts = [f"{esc(who)} ({esc(self.label)})." if who else f"({esc(self.label)})."]
        kind, title = self.fields["ENTRYTYPE"], f.get("title", "")
        if kind == "article":
            parts.append(f"{esc(title)}.")
            where = ital(f.get("journal", ""))
            if f.get("volume"):
                where += " " + esc(f["volume"]) + (f"({esc(f['number'])})" if f.get("number") else "")
            if f.get("pages"):
                where += ", " + esc(f["pages"])
            parts.append(where + ".")
        elif kind == "techreport":
            parts.append(f"{esc(title)}.")
            parts.append(esc(" ".join(x for x in (f.get("type", "Technical Report"), f.get("number", "")) if x)
                             + (f", {f['institution']}" if f.get("institution") else "")) + ".")
        else:
            edition = f" {f['edition']}{'st' if f.get('edition') == '1' else 'nd' if f.get('edition') == '2' else 'rd' if f.get('edition') == '3' else 'th'} ed." if f.get("edition") else ""
            parts.append(ital(title) + "." + esc(edition))
            place = ": ".join(x for x in (f.get("address", ""), f.get("publisher", "") or f.get("organization", "")
                                          or f.get("howpublished", "")) if x)
            if place:
                parts.append(esc(place) + ".")
        if f.get("note"):
            parts.append(esc(f["note"].rstrip(".")) + ".")
        for field_name, prefix in (("doi", "https://doi.org/"), ("url", "")):
            if f.get(field_name):
                link = prefix + self.fields[field_name].strip("{}")
                parts.append(f"<a href='{esc(link)}'>{esc(link)}</a>" if markup == "html" else f"<{link}>")
                break
        return " ".join(parts)


_CITE_KEY = r"[A-Za-z0-9_][A-Za-z0-9_:\-]*(?<![:\-])"
_BRACKET = re.compile(r"\[([^\[\]]*?-?@" + _CITE_KEY + r"[^\[\]]*)\](?!\()")
_IN_TEXT = re.compile(r"(?<![\w@.\-/\\])@(" + _CITE_KEY + r")")
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)


class Bibliography:
    """The entries of ``references.bib``; renders pandoc-style citations author–year with links."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries = parse_bib(path.read_text(encoding="utf-8"), str(path)) if path and path.exists() else {}
        self.cited: list[str] = []
        self.refs: dict[str, Reference] = {}

    @staticmethod
    def _prose(source: str) -> list[tuple[bool, str]]:
        """``source`` cut into (is_prose, text) pieces: code spans and fenced blocks are not prose."""
        pieces, pos = [], 0
        for m in _CODE.finditer(source):
            pieces.append((True, source[pos:m.start()]))
            pieces.append((False, m.group(0)))
            pos = m.end()
        pieces.append((True, source[pos:]))
        return pieces

    def keys_in(self, source: str) -> list[str]:
        keys = []
        for prose, text in self._prose(source):
            if prose:
                for m in _BRACKET.finditer(text):
                    keys += re.findall(r"-?@(" + _CITE_KEY + ")", m.group(1))
                keys += _IN_TEXT.findall(_BRACKET.sub("", text))
        return keys

    def check(self, sources: list[tuple[str, str]], nocite: list[str]) -> None:
        """Record the keys cited in ``(where, markdown)`` sources; unknown keys are one clear error."""
        unknown = []
        for where, source in sources:
            for key in self.keys_in(source):
                if key not in self.entries:
                    unknown.append((where, key))
                elif key not in self.cited:
                    self.cited.append(key)
        for key in nocite:
            if key not in self.entries:
                unknown.append((f"{CONFIG} nocite", key))
        if unknown:
            import difflib

            lines = [f"  {key!r} in {where}" + (f" (did you mean {close[0]!r}?)" if close else "")
                     for where, key in unknown
                     for close in [difflib.get_close_matches(key, list(self.entries), n=1)]]
            raise CitationError(f"unknown citation key(s), not in {self.path}:\n" + "\n".join(lines))
        listed = self.cited + [k for k in nocite if k not in self.cited]
        refs = []
        for key in listed:
            fields = self.entries[key]
            year = _tex_text(fields.get("year", "")) or "n.d."
            refs.append(Reference(key, fields, parse_names(fields.get("author", fields.get("editor", ""))), year))
        refs.sort(key=Reference.sort_key)
        groups: dict[tuple, list[Reference]] = {}
        for ref in refs:  # "2021a", "2021b" for one author list in one year
            groups.setdefault((ref.authors_short, ref.year), []).append(ref)
        for group in groups.values():
            if len(group) > 1:
                for i, ref in enumerate(group):
                    ref.suffix = "abcdefghijklmnopqrstuvwxyz"[i]
        self.refs = {r.key: r for r in refs}

    def _one(self, item: str, parenthetical: bool) -> str:
        m = re.fullmatch(r"\s*(.*?)\s*(-?)@(" + _CITE_KEY + r")\s*(?:,\s*(.*?))?\s*", item, re.S)
        if not m:
            return html.escape(item)
        prefix, suppress, key, locator = m.groups()
        ref = self.refs[key]
        if suppress:
            core = ref.label
        elif parenthetical:
            core = f"{ref.authors_short} {ref.label}"
        else:
            core = f"{ref.authors_short} ({ref.label})"
        text = (f"{prefix} " if prefix else "") + core + (f", {locator}" if locator else "")
        return f"<a class='cite' href='#{ref.anchor}'>{html.escape(text)}</a>"

    def render(self, source: str) -> tuple[str, dict[str, str]]:
        """Markdown with each citation replaced by a placeholder, and the placeholders' HTML."""
        out, html_of = [], {}

        def token(rendered: str) -> str:
            name = f"GOVSTUDYCITE{len(html_of)}X"
            html_of[name] = rendered
            return name

        for prose, text in self._prose(source):
            if prose:
                text = _BRACKET.sub(lambda m: token("(" + "; ".join(self._one(p, True) for p in m.group(1).split(";"))
                                                    + ")"), text)
                text = _IN_TEXT.sub(lambda m: token(self._one("@" + m.group(1), False)), text)
            out.append(text)
        return "".join(out), html_of

    def references_html(self) -> str:
        items = "".join(f"<li id='{r.anchor}'>{r.text('html')}</li>" for r in self.refs.values())
        return f"<ol class='references' lang='en'>{items}</ol>"

    def references_markdown(self) -> str:
        return "\n".join(f"- {r.text('markdown')}" for r in self.refs.values())


# --- tables for print ---------------------------------------------------------------------------

#: text width of an A4 page with the paper's margins, in points: portrait and landscape
TEXT_WIDTH = {"portrait": (210 - 32) / 25.4 * 72, "landscape": (297 - 32) / 25.4 * 72}
#: (font size in pt, page) tried in order until the table fits
LAYOUTS = [(8.5, "portrait"), (7.5, "portrait"), (6.5, "portrait"), (8.5, "landscape"), (7.0, "landscape"),
           (6.0, "landscape")]
TEXT_COLUMN_EM = 13.0   # a text column wraps at about this width (Chinese: 13 characters a line)
CELL_PADDING_EM = 0.8   # left + right padding of a cell


def _text_em(text: str) -> float:
    """Approximate width of ``text`` in em: wide (CJK) characters 1 em, others about 0.55 em."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)


def _column_em(header: str, cells: list[str], numeric: bool) -> float:
    words = re.split(r"[\s_/]+", header) or [""]
    head = max(_text_em(w) for w in words)
    body = max((_text_em(c) for c in cells), default=0.0)
    if not numeric:
        longest_word = max((_text_em(w) for c in cells for w in c.split()), default=0.0)
        body = min(body, max(TEXT_COLUMN_EM, min(longest_word, 2 * TEXT_COLUMN_EM)))
    return max(head, body) + CELL_PADDING_EM


@dataclass
class PrintTable:
    """A table as printed: header texts, rows of cell texts, which columns are numbers."""
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]

    def widths(self) -> list[float]:
        return [_column_em(h, [r[i] for r in self.rows], self.numeric[i]) for i, h in enumerate(self.columns)]

    def layout(self) -> tuple[float, str, list[list[int]]]:
        """Font size, page orientation and column groups (one group unless even landscape is too narrow)."""
        widths, fit = self.widths(), 0.96
        for size, page in LAYOUTS:
            if sum(widths) * size <= TEXT_WIDTH[page] * fit:
                return size, page, [list(range(len(widths)))]
        size, page = LAYOUTS[-2]
        room = TEXT_WIDTH[page] * fit / size
        keep = [0] if not self.numeric[0] and widths[0] < room / 3 else []  # repeat the row label column
        groups, current, used = [], list(keep), sum(widths[i] for i in keep)
        for i in range(len(keep), len(widths)):
            if current != keep and used + widths[i] > room:
                groups.append(current)
                current, used = list(keep), sum(widths[k] for k in keep)
            current.append(i)
            used += widths[i]
        groups.append(current)
        return size, page, groups

    def html(self) -> tuple[str, str]:
        """The table's HTML and the CSS classes of its figure (``portrait``/``landscape``, font size)."""
        size, page, groups = self.layout()
        natural = [max((_text_em(r[i]) for r in self.rows), default=0.0) for i in range(len(self.columns))]
        parts = []
        for g, cols in enumerate(groups):
            repeated = bool(g) and cols[0] == 0 and groups[0][0] == 0 and len(cols) > 1
            own = cols[1:] if repeated else cols
            note = (f"<p class='column-group'>Columns {own[0] + 1}–{own[-1] + 1} of {len(self.columns)}"
                    f"{', with column 1 repeated' if repeated else ''}</p>" if len(groups) > 1 else "")
            head = "".join(
                f"<th class='{'num' if self.numeric[i] else 'text'}'>"
                f"{html.escape(self.columns[i]).replace('_', '_<wbr>').replace('/', '/<wbr>')}</th>" for i in cols)
            body = []
            for row in self.rows:
                cells = []
                for i in cols:
                    cls = "num" if self.numeric[i] else "text"
                    if not self.numeric[i] and natural[i] <= TEXT_COLUMN_EM:
                        cls += " nowrap"  # fits on one line: never broken at a hyphen ("2023-|01")
                    style = ""
                    if not self.numeric[i] and natural[i] > TEXT_COLUMN_EM:
                        style = f" style='min-width:{TEXT_COLUMN_EM:.1f}em'"  # Chinese text: 13 characters a line
                    cells.append(f"<td class='{cls}'{style}>{html.escape(row[i])}</td>")
                body.append("<tr>" + "".join(cells) + "</tr>")
            parts.append(f"{note}<table class='print'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}"
                         "</tbody></table>")
        size_class = f"fs{str(size).replace('.', '')}"
        return "".join(parts), f"{page} {size_class}"


class _HTMLTable(HTMLParser):
    """The cells of a pandas ``DataFrame._repr_html_`` table (header rows, body rows, index cells)."""

    def __init__(self):
        super().__init__()
        self.head, self.body, self.row, self.cell, self.section, self.spans = [], [], None, None, None, False
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables += 1
        elif tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = [tag, ""]
            if attrs.get("colspan", "1") != "1" or attrs.get("rowspan", "1") != "1":
                self.spans = True

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append((self.cell[0], self.cell[1].strip()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            (self.head if self.section == "thead" else self.body).append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


_MISSING_TEXT = {"NaN", "nan", "<NA>", "None", "NaT", ""}


def print_table_from_html(source: str) -> PrintTable | None:
    """A plain DataFrame output (pandas HTML) as a print table: a 0, 1, 2, … index dropped, missing values as
    "–", whole-number float columns ("2004.0") as integers. None when the HTML is not one simple table."""
    from govstudy.exhibits import MISSING, numeric_columns

    if "<table" not in source:
        return None
    parser = _HTMLTable()
    parser.feed(source)
    if parser.tables != 1 or parser.spans or len(parser.head) != 1 or not parser.body:
        return None
    header = [text for _, text in parser.head[0]]
    n_index = sum(1 for tag, _ in parser.body[0] if tag == "th")
    if any(len(r) != len(header) or sum(1 for tag, _ in r if tag == "th") != n_index for r in parser.body):
        return None
    rows = [[text for _, text in r] for r in parser.body]
    if n_index == 1 and not header[0] and [r[0] for r in rows] == [str(i) for i in range(len(rows))]:
        header, rows = header[1:], [r[1:] for r in rows]  # the default RangeIndex
    rows = [[MISSING if c in _MISSING_TEXT else c for c in r] for r in rows]
    for i in range(len(header)):
        values = [r[i] for r in rows if r[i] != MISSING]
        if values and all(re.fullmatch(r"-?\d+\.0", v) for v in values):
            for r in rows:
                r[i] = r[i][:-2] if r[i] != MISSING else r[i]
    frame = __import__("pandas").DataFrame(rows, columns=range(len(header)), dtype=object)
    return PrintTable(header, rows, numeric_columns(frame))


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


def prose_sources(executed: list[tuple[Path, nbformat.NotebookNode]]) -> list[tuple[str, str]]:
    """``(where, markdown)`` for every markdown cell and every Markdown output a cell printed (a notebook's
    computed prose, ``IPython.display.Markdown(f"...")``): the text whose citations the paper renders.
    """
    sources = []
    for path, nb in executed:
        for i, cell in enumerate(nb.cells, start=1):
            if cell.cell_type == "markdown":
                sources.append((f"notebooks/{path.name}, cell {i}", cell.source))
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if "text/markdown" in output.get("data", {}) and not {"image/png", "text/html"} & set(output["data"]):
                    sources.append((f"notebooks/{path.name}, cell {i} output", output["data"]["text/markdown"]))
    return sources


def _output_html(output, stem: str, files_dir: Path, prose=_markdown) -> str:
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
        table = print_table_from_html(data["text/html"])
        if table is not None:  # a plain DataFrame: formatted and fitted like the exhibits
            body, classes = table.html()
            return f"<div class='table-output {classes}'>{body}</div>"
        return f"<div class='html-output'>{data['text/html']}</div>"
    if "text/markdown" in data:
        return prose(data["text/markdown"])
    if "text/plain" in data:
        return f"<pre>{html.escape(data['text/plain'])}</pre>"
    return ""


def collect_exhibits(executed: list[tuple[Path, nbformat.NotebookNode]], manifest: Path) -> list[Exhibit]:
    """Exhibits in paper order, numbered per kind, with the notebook cell that makes each.

    Every output tagged by ``govstudy.exhibits`` is one exhibit, however many one cell declares. An
    exhibit exported (in the manifest) but not among the outputs is an error: every exhibit is shown.
    """
    files, declared = {}, []
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            files[entry["label"]] = entry["files"]
            declared.append((entry["label"], entry.get("notebook", "")))
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
    missing = [f"{label} ({nb})" for label, nb in declared if label not in seen]
    if missing:
        raise ValueError("exhibits declared but not in any notebook output (so not shown in the paper): "
                         + ", ".join(missing))
    return found


CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-center { content: counter(page); font-size: 9pt; } }
@page landscape { size: A4 landscape; }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", sans-serif; font-size: 10.5pt;
       line-height: 1.5; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; }
@media print { body { max-width: none; margin: 0; padding: 0; } }
.title-page { text-align: center; padding: 4em 0 2em; page-break-after: always; }
.title-page h1 { font-size: 22pt; }
.title-page .authors { font-size: 12pt; margin: 1em 0 0.2em; }
.title-page .date, .title-page .subtitle { font-size: 11pt; color: #444; }
.abstract { text-align: left; margin: 2em auto; max-width: 42em; }
section.notebook { page-break-before: always; }
figure { margin: 1.2em 0; page-break-inside: avoid; }
figure.table { page-break-inside: auto; }
figure img, img { max-width: 100%; }
figcaption { font-size: 9.5pt; color: #333; margin: 0.4em 0; page-break-after: avoid; }
table { border-collapse: collapse; font-size: 8.5pt; margin: 0.5em 0; max-width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 2px 6px; text-align: right; vertical-align: top;
         overflow-wrap: anywhere; }
table.print th, table.print td { padding: 1px 0.4em; overflow-wrap: break-word; }
table.print .nowrap { white-space: nowrap; }
table.print th.num { white-space: normal; }
table.print th { border-bottom: 1px solid #444; vertical-align: bottom; }
table.print thead { display: table-header-group; }
table.print tr { page-break-inside: avoid; }
.num { text-align: right; white-space: nowrap; overflow-wrap: normal; font-variant-numeric: tabular-nums; }
.text { text-align: left; }
.portrait, .landscape { overflow-x: auto; }
@media print { .landscape { page: landscape; } }
.fs85 table { font-size: 8.5pt; } .fs75 table { font-size: 7.5pt; } .fs65 table { font-size: 6.5pt; }
.fs70 table { font-size: 7pt; } .fs60 table { font-size: 6pt; }
.column-group { font-size: 8pt; color: #555; margin: 0.6em 0 0; }
pre { background: #f6f6f6; padding: 0.5em; font-size: 8pt; white-space: pre-wrap; word-break: break-all; }
.source { font-size: 8.5pt; color: #666; }
nav.toc li { margin: 0.2em 0; }
ol.references { list-style: none; padding-left: 0; font-size: 9.5pt; }
ol.references li { padding-left: 2em; text-indent: -2em; margin: 0.35em 0; overflow-wrap: anywhere; }
a.cite { color: inherit; text-decoration: none; }
table.listing td { text-align: left; }
"""


def coalesce_streams(outputs: list) -> list:
    """Consecutive stdout (or stderr) outputs as one: how the kernel splits printed text depends on timing."""
    merged = []
    for output in outputs:
        if (output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == output.get("name")):
            merged[-1] = {**merged[-1], "text": merged[-1].get("text", "") + output.get("text", "")}
        else:
            merged.append(output)
    return merged


def _exhibit_body(ex: Exhibit, output, body: str) -> str:
    """An exhibit with its one number and caption; a table in its print form, fitted to the page."""
    meta = output.get("metadata", {}).get(METADATA_KEY, {})
    classes = ex.kind
    if ex.kind == "table":
        printed = meta.get("print")
        table = (PrintTable(printed["columns"], printed["rows"], printed["numeric"]) if printed
                 else print_table_from_html(output.get("data", {}).get("text/html", "")))
        if table is not None:
            body, layout = table.html()
            classes += " " + layout
    cap = f"<figcaption><b>{ex.name}.</b> {html.escape(ex.caption)}</figcaption>"
    return (f"<figure class='{classes}' id='{ex.anchor}'>" + (cap + body if ex.kind == "table" else body + cap)
            + "</figure>")


def render_html(executed: list[tuple[Path, nbformat.NotebookNode]], exhibits: list[Exhibit], front: str,
                out_dir: Path, config: dict | None = None, bib: Bibliography | None = None) -> Path:
    """Write ``paper.html`` (and its images in ``paper_files/``) from the executed notebooks.

    ``config`` (``paper.toml``) gives title, authors and date; ``bib`` renders citations in markdown cells
    and the References section (every key must be in it; see :meth:`Bibliography.check`).
    """
    files_dir = out_dir / "paper_files"
    shutil.rmtree(files_dir, ignore_errors=True)
    config = config or {}
    by_label = {e.label: e for e in exhibits}
    heading, _, abstract = front.partition("\n") if front.startswith("# ") else ("", "", front)
    title = config.get("title") or heading.lstrip("# ").strip() or "govstudy"
    if bib is None:
        bib = Bibliography(None)
    bib.check([("the abstract", abstract)] + prose_sources(executed), config.get("nocite", []))

    def prose(source: str, demote: int = 1) -> str:
        text, cites = bib.render(source)
        rendered = _markdown(text, demote)
        for token, link in cites.items():
            rendered = rendered.replace(token, link)
        return rendered

    sections, toc = [], []
    for path, nb in executed:
        sid = f"nb-{path.stem}"
        toc.append(f"<li><a href='#{sid}'>{html.escape(_heading(nb, path.stem))}</a></li>")
        parts = [f"<section class='notebook' id='{sid}'>"]
        for index, cell in enumerate(nb.cells, start=1):
            if cell.cell_type == "markdown":
                parts.append(prose(cell.source))
            elif cell.cell_type == "code":
                for k, output in enumerate(coalesce_streams(cell.get("outputs", []))):
                    body = _output_html(output, f"{path.stem}_cell{index:02d}_{k}", files_dir, prose)
                    meta = output.get("metadata", {}).get(METADATA_KEY)
                    if meta and meta.get("label") in by_label:
                        body = _exhibit_body(by_label[meta["label"]], output, body)
                    parts.append(body)
        parts.append(f"<p class='source'>Source: notebooks/{html.escape(path.name)}</p></section>")
        sections.append("\n".join(parts))
    listing = "".join(
        f"<tr><td><a href='#{e.anchor}'>{e.name}</a></td><td>{html.escape(e.caption)}</td>"
        f"<td>{html.escape(e.notebook)}, cell {e.cell}</td><td>{', '.join(html.escape(f) for f in e.files)}</td></tr>"
        for e in exhibits)
    authors = config.get("authors", [])
    names = ", ".join(html.escape(a["name"]) + (f" ({html.escape(a['affiliation'])})" if a.get("affiliation") else "")
                      for a in authors)
    date = config.get("date", "")
    meta_tags = "".join(f"<meta name='author' content='{html.escape(a['name'])}'>" for a in authors)
    if date:  # WeasyPrint takes the PDF's creation and modification dates from these: fixed, so reproducible
        meta_tags += f"<meta name='dcterms.created' content='{date}'><meta name='dcterms.modified' content='{date}'>"
    meta_tags += "<meta name='generator' content='govstudy.paper'>"
    subtitle = f"<p class='subtitle'>{html.escape(config['subtitle'])}</p>" if config.get("subtitle") else ""
    doc = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{meta_tags}<style>{CSS}</style></head>
<body>
<div class="title-page"><h1>{html.escape(title)}</h1>{subtitle}
<p class="authors">{names}</p><p class="date">{html.escape(date)}</p>
<div class="abstract">{prose(abstract, demote=0)}</div></div>
<nav class="toc" id="contents"><h2>Contents 目录</h2><ol>{''.join(toc)}<li><a href='#references'>References</a></li><li><a href='#exhibits'>List of exhibits</a></li></ol></nav>
{''.join(sections)}
<section id="references" class="notebook"><h2>References 参考文献</h2>
{bib.references_html()}
</section>
<section id="exhibits" class="notebook"><h2>List of exhibits 图表目录</h2>
<table class="listing"><tr><th>exhibit</th><th>caption</th><th>made by</th><th>files (build/exhibits/)</th></tr>{listing}</table>
</section>
</body></html>
"""
    missing = [label for label, e in by_label.items() if doc.count(f" id='{e.anchor}'>") != 1]
    if missing:
        raise RuntimeError(f"exhibits not shown exactly once in the paper: {', '.join(missing)}")
    page = out_dir / "paper.html"
    page.write_text(doc, encoding="utf-8")
    return page


_PDF_SCRIPT = """
import mimetypes, sys
from pathlib import Path
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
page, pdf, identifier = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
BASE = "file:///paper/"  # the same URLs wherever the build folder is, so the PDF does not depend on it

class Fetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if url.startswith(BASE):
            path = page.parent / url[len(BASE):]
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        return super().fetch(url, headers)

HTML(string=page.read_text(encoding="utf-8"), base_url=BASE,
     url_fetcher=Fetcher(fail_on_errors=True)).write_pdf(pdf, pdf_identifier=identifier.encode())
"""


def source_date_epoch(page: Path) -> int:
    """The paper's fixed date (the HTML's ``dcterms.modified``, from ``paper.toml``) as Unix seconds; 0 without one.

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "p.html"
    >>> _ = page.write_text("<meta name='dcterms.modified' content='2026-01-15'>")
    >>> source_date_epoch(page)
    1768435200
    """
    import datetime

    m = re.search(r"<meta name='dcterms.modified' content='(\d{4}-\d{2}-\d{2})'>", page.read_text(encoding="utf-8"))
    if not m:
        return 0
    day = datetime.date.fromisoformat(m.group(1))
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp())


def render_pdf(page: Path) -> Path:
    """``paper.pdf`` from ``paper.html`` with WeasyPrint (offline; fonts through fontconfig, embedded).

    Reproducible: the dates come from the HTML's fixed ``dcterms`` meta tags (``paper.toml``'s date), the
    PDF identifier from the HTML's hash, and WeasyPrint runs in a child process with a fixed
    ``PYTHONHASHSEED`` (its output order otherwise follows Python's per-process string hashing) and
    ``SOURCE_DATE_EPOCH`` (fontTools stamps each embedded font subset's ``head.modified`` with it, else with
    the clock) on URLs that do not name the build folder, so the same HTML gives the same bytes in any folder
    and at any time.
    """
    import subprocess

    pdf = page.with_suffix(".pdf")
    identifier = hashlib.sha256(page.read_bytes()).hexdigest()[:32]
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(source_date_epoch(page))}
    run = subprocess.run([sys.executable, "-c", _PDF_SCRIPT, str(page), str(pdf), identifier],
                         env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"WeasyPrint failed to write {pdf}:\n{run.stderr[-4000:]}")
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
    """Every dataset's file and sha256, each checked against the descriptor (``datasets.check_hash``)."""
    return {res["name"]: {"path": f"data/{res['path']}", "sha256": check_hash(res["name"])}
            for res in descriptor()["resources"]}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_replication(out_dir: Path, exhibits: list[Exhibit], timings: dict[str, float],
                      bib: Bibliography | None = None) -> Path:
    """``REPLICATION.md`` following the AEA Data Editor's template."""
    rows = []
    for res in descriptor()["resources"]:
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
The works cited in the paper (from `notebooks/references.bib`); each dataset's own `citation` is in
`data/datapackage.json`.

{bib.references_markdown() if bib is not None and bib.refs else "(none cited)"}
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
    config = load_config(notebooks_dir)
    bib = Bibliography(notebooks_dir / config["bibliography"])
    front_file = notebooks_dir / config["abstract"]
    front = front_file.read_text(encoding="utf-8") if front_file.exists() else ""
    # citations are checked before anything runs, so a typo in a key fails in seconds
    bib.check([("the abstract", front)] + prose_sources([(p, nbformat.read(p, as_version=4)) for p in paths]),
              config["nocite"])
    exhibits_dir = out_dir / "exhibits"
    shutil.rmtree(exhibits_dir, ignore_errors=True)
    exhibits_dir.mkdir(parents=True)
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    executed, timings = [], {}
    for path in tqdm(paths, desc="notebooks", unit="nb"):
        start = time.perf_counter()
        executed.append((path, execute(path, out_dir / "notebooks", exhibits_dir)))
        timings[path.name] = time.perf_counter() - start
    return assemble(executed, out_dir, config, bib, front, timings, pdf=pdf)


def assemble(executed: list[tuple[Path, nbformat.NotebookNode]], out_dir: Path, config: dict, bib: Bibliography,
             front: str, timings: dict[str, float], pdf: bool = True) -> Path:
    """Everything after execution: exhibits.json, paper.html, paper.pdf and the records."""
    exhibits_dir = out_dir / "exhibits"
    exhibits = collect_exhibits(executed, exhibits_dir / "manifest.jsonl")
    (exhibits_dir / "manifest.jsonl").unlink(missing_ok=True)  # superseded by exhibits.json (ordered, numbered)
    (exhibits_dir / "exhibits.json").write_text(json.dumps(
        [{**e.__dict__, "name": e.name} for e in exhibits], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    page = render_html(executed, exhibits, front, out_dir, config, bib)
    if pdf:
        render_pdf(page)
    (out_dir / "environment.json").write_text(json.dumps(_versions(), indent=1) + "\n", encoding="utf-8")
    (out_dir / "data_hashes.json").write_text(json.dumps(_data_hashes(), indent=1) + "\n", encoding="utf-8")
    write_replication(out_dir, exhibits, timings, bib)
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
