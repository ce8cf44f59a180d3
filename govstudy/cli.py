"""The ``govstudy`` command: one sub-command per function (``cmd_<name>``), added in :func:`build_parser`.

>>> import contextlib, io
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     status = main(["datasets"])
>>> status, "case_indicators" in out.getvalue()
(0, True)
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

# these are imported by the package's __init__ anyway (``import govstudy.cli`` runs it), so importing
# them here costs nothing at start-up; only the paper build (nbformat, papermill: the notebooks extra)
# stays a lazy import, in cmd_paper
from govstudy.datasets import list_datasets, load, load_text, resource
from govstudy.errors import GovstudyError
from govstudy.simulate import Design, simulate_panel
from govstudy.text.extract import extract_indicators_file

__all__ = ["main", "build_parser"]


def cmd_extract(args: argparse.Namespace) -> int:
    """``govstudy extract REPORT.txt -o indicators.csv``: one row per quantity of the report."""
    case_id = None
    if args.case_id:
        ids = [c.strip() for c in args.case_id.split(",") if c.strip()]
        case_id = ids[0] if len(ids) == 1 else ids
    frames = []
    for report in args.reports:
        df = extract_indicators_file(report, case_id, encoding=args.encoding)
        if len(args.reports) > 1:
            df.insert(0, "source", str(report))
        frames.append(df)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if args.output in (None, "-"):
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        dest = Path(args.output)
        if dest.parent and not dest.parent.exists():
            raise GovstudyError(f"cannot write {dest}: the folder {dest.parent} does not exist")
        out.to_csv(dest, index=False, encoding="utf-8")
        print(f"govstudy extract: {len(out)} indicators from {len(args.reports)} report(s) -> {dest}",
              file=sys.stderr)
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    """``govstudy datasets [NAME] [-o FILE]``: list the bundled datasets, or describe (and export) one."""
    if args.name is None:
        listing = list_datasets()[["name", "format", "rows", "title"]]
        print(listing.to_string(index=False))
        return 0
    entry = resource(args.name)
    if entry.get("format") != "csv":
        text = load_text(args.name)
        print(f"{args.name}: {entry.get('title', '')}\n{entry.get('description', '')}\n"
              f"{len(text)} characters; govstudy.load_text({args.name!r})")
        return 0
    df = load(args.name)
    a = df.attrs
    print(f"{args.name}: {a['title']}\n\n{a['description']}\n\nrows: {len(df)}\nsource: {a['source']}\n"
          f"licence: {a['licence']}\ncitation: {a['citation']}\n\ncolumns:")
    for col, meta in a["columns"].items():
        unit = f" [{meta['unit']}]" if meta.get("unit") else ""
        print(f"  {col} ({meta.get('type', '')}){unit}: {meta.get('description', '')}")
    if args.output:
        df.to_csv(args.output, index=False, encoding="utf-8")
        print(f"\nwrote {len(df)} rows to {args.output}", file=sys.stderr)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """``govstudy simulate -o panel.csv``: a SIMULATED community x month panel (and its true effects)."""
    design = Design(n_counties=args.counties, communities_per_county=args.communities, n_months=args.months)
    panel, truth = simulate_panel(design, seed=args.seed)
    panel.data.to_csv(args.output, index=False, encoding="utf-8")
    print(f"govstudy simulate: {len(panel.data)} rows of SIMULATED data ({args.counties} counties x "
          f"{args.communities} communities x {args.months} months, seed {args.seed}) -> {args.output}",
          file=sys.stderr)
    if args.truth:
        truth.gt.assign(simulated=True).to_csv(args.truth, index=False, encoding="utf-8")
        print(f"govstudy simulate: true effects -> {args.truth}", file=sys.stderr)
    return 0


def cmd_paper(args: argparse.Namespace) -> int:
    """``govstudy paper``: execute the notebooks (progress bar) and build the HTML and PDF paper."""
    from govstudy.paper import build  # lazy: nbformat and papermill are the notebooks extra, not needed elsewhere

    page = build(args.notebooks, args.out, args.only, pdf=not args.no_pdf)
    print(f"govstudy paper: {page}" + ("" if args.no_pdf else f" and {page.with_suffix('.pdf')}"))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text}")
    return value


def _version() -> str:
    try:
        return version("govstudy")
    except PackageNotFoundError:  # a source tree that was never installed: its pyproject.toml says
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and where to find help) instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="govstudy",
        description="govstudy: datasets, case extraction and estimators for studies of "
                    "party-building-led grassroots governance.")
    parser.add_argument("--version", action="version", version=f"govstudy {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "extract", help="extract quantitative indicators from report text files",
        description="Extract one row per quantity (value, unit, qualifier, kind, period, subject, "
                    "measure, exact character span) from Chinese case reports (UTF-8 or GB18030). "
                    "Level-1 headings ('# …') split a report into cases case_1, case_2, … "
                    "unless --case-id names them.")
    p.add_argument("reports", nargs="+", metavar="REPORT.txt", help="report text file(s)")
    p.add_argument("--encoding", default="auto",
                   help="the reports' encoding (default auto: UTF-8, UTF-16 with BOM, or clearly GB18030, "
                        "Big5 or cp1252; an ambiguous or mixed file is an error naming the line)")
    p.add_argument("-o", "--output", metavar="indicators.csv",
                   help="CSV file to write (default: standard output)")
    p.add_argument("--case-id", metavar="ID[,ID…]",
                   help="one id for the whole report, or comma-separated ids of its cases in "
                        "heading order")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("datasets", help="list the bundled datasets, or describe one",
                       description="Without NAME: list the bundled datasets. With NAME: print its description, "
                                   "source, licence, citation and columns; -o also exports it as CSV.")
    p.add_argument("name", nargs="?", metavar="NAME", help="a dataset name, e.g. case_indicators")
    p.add_argument("-o", "--output", metavar="FILE.csv", help="write the dataset to this CSV file")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("simulate", help="write a SIMULATED community x month panel",
                       description="Simulate a community x month panel with staggered roll-out of burden "
                                   "reduction and other measures (govstudy.simulate_panel; defaults calibrated "
                                   "to the seed report). The output is simulated data and says so in its "
                                   "'simulated' column.")
    p.add_argument("-o", "--output", required=True, metavar="panel.csv", help="CSV file to write")
    p.add_argument("--truth", metavar="truth.csv", help="also write the true effects per cohort and month")
    p.add_argument("--counties", type=_positive, default=2, help="number of counties (default 2)")
    p.add_argument("--communities", type=_positive, default=40, help="communities per county (default 40)")
    p.add_argument("--months", type=_positive, default=36, help="number of months (default 36)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed, a whole number from 0 (default 0)")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("paper", help="execute every notebook and build the paper (HTML and PDF)",
                       description="Execute the numbered notebooks in order (progress bar), export every "
                                   "exhibit and write build/paper.html, build/paper.pdf and build/REPLICATION.md.")
    p.add_argument("--notebooks", default="notebooks", help="folder of numbered notebooks (default: notebooks)")
    p.add_argument("--out", default="build", help="output folder (default: build)")
    p.add_argument("--only", nargs="*", metavar="NN", help="notebook name prefixes to run, e.g. 01 02")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.set_defaults(func=cmd_paper)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bad input, 2 bad usage).

    Every user error is one line on standard error, never a traceback.

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     status = main(["datasets", "no_such_thing"])
    >>> status, err.getvalue()[:44]
    (1, "govstudy datasets: error: no dataset named '")
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `govstudy datasets | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"govstudy {args.command}: interrupted", file=sys.stderr)
        return 130
    except (GovstudyError, ValueError, OSError, UnicodeError) as exc:
        print(f"govstudy {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except TypeError as exc:  # a value the command passed on that the library refuses: a usage error
        print(f"govstudy {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
