"""The README's Layout section and the package tree name the same modules, so the two cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layout_block() -> list[str]:
    """The lines of the code block in README.md's ``## Layout`` section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section, "README.md has no '## Layout' section"
    block = re.search(r"^```\n(.*?)^```", section.group(1), re.S | re.M)
    assert block, "the Layout section has no code block"
    return block.group(1).splitlines()


def _layout_paths(lines: list[str]) -> dict[str, str]:
    """Path -> description of every directory (``name/``) and ``.py`` file of the tree, nested by indent."""
    stack: list[tuple[int, str]] = []
    out = {}
    for line in lines:
        m = re.match(r"( *)(\S+)\s*(.*)$", line)
        if not m or not (m.group(2).endswith("/") or m.group(2).endswith(".py")):
            continue
        indent, name = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = "".join(d for _, d in stack) + name
        out[path] = m.group(3)
        if name.endswith("/"):
            stack.append((indent, name))
    return out


def test_layout_names_every_module_and_only_modules():
    listed = _layout_paths(_layout_block())
    listed_py = {p for p in listed if p.startswith("govstudy/") and p.endswith(".py")}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "govstudy").rglob("*.py")}
    assert on_disk - listed_py == set(), "modules missing from README.md's Layout section"
    assert listed_py - on_disk == set(), "README.md's Layout section names modules that do not exist"


def test_layout_describes_every_entry_and_names_existing_folders():
    listed = _layout_paths(_layout_block())
    assert not [p for p, d in listed.items() if not d.strip()], "an entry without a description"
    missing = [p for p in listed if p.endswith("/") and not (ROOT / p).is_dir()]
    assert missing == []
