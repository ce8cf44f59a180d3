"""Record each resource's bytes, sha256 hash and row count in data/datapackage.json.

Run after a curated or benchmark file changes on purpose:
    .venv/bin/python scripts/refresh_datapackage.py
Everything else in the descriptor is written by hand; this script touches only those three fields.
"""

import json
from pathlib import Path

import pandas as pd

from govstudy.datasets import sha256

DATA = Path(__file__).resolve().parents[1] / "data"


def main() -> None:
    file = DATA / "datapackage.json"
    dp = json.loads(file.read_text(encoding="utf-8"))
    missing = []
    for res in dp["resources"]:
        path = DATA / res["path"]
        if not path.exists():
            missing.append(res["path"])
            continue
        res["bytes"] = path.stat().st_size
        res["hash"] = "sha256:" + sha256(path)
        if res.get("format") == "csv":
            res["rows"] = len(pd.read_csv(path, dtype=str, keep_default_na=False))
        print(f"{res['name']:20s} {res.get('rows', '-')!s:>6} rows  {res['hash'][:19]}…")
    file.write_text(json.dumps(dp, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if missing:
        raise SystemExit(f"missing files, not described: {missing}")


if __name__ == "__main__":
    main()
