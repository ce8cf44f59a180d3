"""Check a non-editable install: run from outside the repository, every bundled dataset must load.

    cd /tmp && /path/to/venv/bin/python /path/to/repo/scripts/check_install.py
"""

import sys
from pathlib import Path

import govstudy

repo = Path(__file__).resolve().parents[1]
where = Path(govstudy.__file__).resolve()
if where.parent == repo / "govstudy":
    sys.exit(f"check-install: govstudy was imported from the repository ({where}), not from an installed copy")
listing = govstudy.list_datasets()
for name, fmt, rows in zip(listing["name"], listing["format"], listing["rows"]):
    if fmt == "csv":
        assert len(govstudy.load(name)) == rows, name
    else:
        assert govstudy.load_text(name), name
print(f"check-install: {len(listing)} datasets loaded from the installed package at {where.parent}")
