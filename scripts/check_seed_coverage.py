"""Check that every numeral in the seed report is either inside a curated indicator span or a documented non-row.

Run: .venv/bin/python scripts/check_seed_coverage.py   (exit status 1 if any numeral is unaccounted for)
"""
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "data/raw/000_74e33b68b577cc5f.txt").read_text(encoding="utf-8")
NUMERAL = re.compile("[0-9０-９一二三四五六七八九十百千万亿两零〇壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億兩廿卅]")

# Documented non-rows (see data/cases/CONVENTIONS.md): phrase -> reason.
NON_ROWS = {
    "六安": "place name",
    "成熟一个、组建一个": "slogan of a founding principle (no quantity)",
    "三会一课": "set phrase (party organisational life)",
    "六好物业": "name of an incentive scheme",
    "于一体": "word 一体 (integrated)",
    "为一体": "word 一体 (integrated)",
    "一站式": "set phrase (one-stop)",
    "区一街道一社区": "OCR'd dashes: 区—街道—社区 (三级 after it is a row)",
    "统一": "word 统一 (unified)",
    "进一步": "word 进一步 (further)",
    "队伍": "word 队伍 (伍 is the financial form of 五)",
    "两企三新": "name of a set of organisations",
    "三新": "name of a field (新经济组织、新社会组织、新就业群体)",
    "三方议事": "name of a mechanism (tripartite deliberation)",
    "近两年来": "period expression",
    "2024年": "date (in the period 2024年实施以来)",
    "一场": "indefinite article (a session), narrative",
    "一口受理": "set phrase (one-window intake)",
    "一老一小": "set phrase (the elderly and the young)",
}

with open(ROOT / "data/cases/case_indicators.csv", encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
covered = set()
for r in rows:
    start, end = int(r["start"]), int(r["end"])
    assert TEXT[start:end] == r["span_text"], r["indicator_id"]
    covered.update(range(start, end))

explained = {}
for phrase, reason in NON_ROWS.items():
    hits = [m.start() for m in re.finditer(re.escape(phrase), TEXT)]
    if not hits:
        print(f"warning: non-row phrase {phrase!r} not found in the text")
    for h in hits:
        for i in range(h, h + len(phrase)):
            explained.setdefault(i, (phrase, reason))

uncovered, both, tally = [], [], {}
for m in NUMERAL.finditer(TEXT):
    i = m.start()
    if i in covered and i in explained:
        both.append(i)
    elif i in explained:
        tally[explained[i]] = tally.get(explained[i], 0) + 1
    elif i not in covered:
        uncovered.append(i)

print(f"{len(rows)} indicator rows cover {sum(1 for m in NUMERAL.finditer(TEXT) if m.start() in covered)} numeral characters")
print("non-row numerals:")
for (phrase, reason), n in tally.items():
    print(f"  {n:2d} x {phrase}: {reason}")
for i in both:
    print(f"CONFLICT: offset {i} {TEXT[i]!r} is in a row span and in a non-row phrase")
for i in uncovered:
    print(f"UNCOVERED: offset {i} {TEXT[i]!r} in …{TEXT[max(0, i - 8):i + 8]!r}…")
print("OK" if not (uncovered or both) else f"{len(uncovered)} uncovered, {len(both)} conflicts")
sys.exit(1 if uncovered or both else 0)
