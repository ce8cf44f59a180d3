"""The ``govstudy`` command: one sub-command per function (``cmd_<name>``), added in :func:`build_parser`.

>>> main(["extract", "--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from govstudy.errors import GovstudyError

__all__ = ["main", "build_parser"]


def cmd_extract(args: argparse.Namespace) -> int:
    """``govstudy extract REPORT.txt -o indicators.csv``: one row per quantity of the report."""
    from govstudy.text.extract import extract_indicators_file

    case_id = None
    if args.case_id:
        ids = [c.strip() for c in args.case_id.split(",") if c.strip()]
        case_id = ids[0] if len(ids) == 1 else ids
    frames = []
    for report in args.reports:
        df = extract_indicators_file(report, case_id)
        if len(args.reports) > 1:
            df.insert(0, "source", str(report))
        frames.append(df)
    import pandas as pd
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govstudy",
        description="govstudy: datasets, case extraction and estimators for studies of "
                    "party-building-led grassroots governance.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "extract", help="extract quantitative indicators from report text files",
        description="Extract one row per quantity (value, unit, qualifier, kind, period, subject, "
                    "measure, exact character span) from Chinese case reports (UTF-8 or GB18030). "
                    "Level-1 headings ('# …') split a report into cases case_1, case_2, … "
                    "unless --case-id names them.")
    p.add_argument("reports", nargs="+", metavar="REPORT.txt", help="report text file(s)")
    p.add_argument("-o", "--output", metavar="indicators.csv",
                   help="CSV file to write (default: standard output)")
    p.add_argument("--case-id", metavar="ID[,ID…]",
                   help="one id for the whole report, or comma-separated ids of its cases in "
                        "heading order")
    p.set_defaults(func=cmd_extract)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bad input, 2 bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except (GovstudyError, ValueError, OSError) as exc:
        print(f"govstudy {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
