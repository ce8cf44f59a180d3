"""Benchmark: extraction speed on >= 5 MB of report-like text, one core.

The text is built deterministically from the seed report and the test corpus sentences, with the
numbers re-drawn (so the exclusion and numeral caches cannot just replay the same strings).
Reported: MB/s (UTF-8 megabytes, 10^6 bytes) of

* ``govstudy.extract_indicators`` (the whole pipeline: quantities, cues, periods, subjects, measure
  tags, DataFrame) — target >= 1 MB/s;
* ``govstudy.text.quantities.find_quantities`` (without tagging and DataFrame);
* peers measured in the same run: a plain regex scan for Arabic numbers (a lower bound on any
  regex-based extractor) and ``cn2an.transform(text, "cn2an")`` (numeral conversion over running
  text, on a 0.2 MB slice because it is slow).

    .venv/bin/python benchmarks/bench_extract.py [--mb 5]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_text(target_mb: float, seed: int = 7) -> str:
    import govstudy
    rng = random.Random(seed)
    seed_text = govstudy.load_text("seed_report")
    with open(ROOT / "tests" / "corpus" / "extraction_corpus.csv", encoding="utf-8") as fh:
        corpus = sorted({r["sentence"] for r in csv.DictReader(fh)})
    paragraphs = [p for p in seed_text.split("\n") if p.strip()]
    pieces, size = [], 0
    target = int(target_mb * 1e6)

    def redraw(m):
        s = m.group(0)
        if "." in s:
            return f"{rng.uniform(0.1, 999):.{len(s.split('.')[1])}f}"
        return str(rng.randint(1, 10 ** len(s) - 1))

    case = 0
    while size < target:
        if rng.random() < 0.02:
            case += 1
            block = f"\n# 某省某市第{case}区： 党建引领基层治理\n\n## 聚焦组织建设 提升引领力\n\n"
        elif rng.random() < 0.5:
            block = rng.choice(paragraphs) + "\n\n"
        else:
            block = "".join(rng.choice(corpus) for _ in range(rng.randint(3, 8))) + "\n\n"
        block = re.sub(r"(?<![\d.])\d+(?:\.\d+)?", redraw, block)
        pieces.append(block)
        size += len(block.encode("utf-8"))
    return "".join(pieces)


def timed(fn, *args, repeat: int = 1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes of text (default 5)")
    args = ap.parse_args(argv)

    import cn2an
    import govstudy
    from govstudy.text.quantities import find_quantities

    text = build_text(args.mb)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"text: {mb:.2f} MB, {len(text):,} characters")
    govstudy.extract_indicators(text[:20000])  # warm-up: imports, taxonomy, caches

    t_full, df = timed(govstudy.extract_indicators, text)
    print(f"extract_indicators : {t_full:7.2f} s  {mb / t_full:7.2f} MB/s  ({len(df):,} rows)")
    t_find, qs = timed(find_quantities, text)
    print(f"find_quantities    : {t_find:7.2f} s  {mb / t_find:7.2f} MB/s  ({len(qs):,} quantities)")
    plain = re.compile(r"\d+(?:\.\d+)?")
    t_re, n = timed(lambda s: sum(1 for _ in plain.finditer(s)), text, repeat=3)
    print(f"peer: regex scan   : {t_re:7.2f} s  {mb / t_re:7.2f} MB/s  ({n:,} Arabic numbers)")
    piece = text[:70000]
    mb_piece = len(piece.encode("utf-8")) / 1e6
    t_cn, _ = timed(lambda s: cn2an.transform(s, "cn2an"), piece)
    print(f"peer: cn2an.transform ({mb_piece:.2f} MB slice): {t_cn:7.2f} s  {mb_piece / t_cn:7.2f} MB/s")
    print(f"target >= 1 MB/s: {'met' if mb / t_full >= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
