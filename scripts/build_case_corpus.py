"""Build the real case corpus tables (issue 17) from the hand coding in ``scripts/case_corpus_coding.py``.

    .venv/bin/python scripts/build_case_corpus.py          # writes data/cases/*.csv
    .venv/bin/python scripts/refresh_datapackage.py        # then re-records bytes, hashes, rows

What it does, in order:

1. ``sources.csv``: the seed plus every source read (address, genre, dates, how much was read).
2. ``cases.csv``, ``case_indicators.csv``, ``case_measures.csv``: the seed rows unchanged (plus their
   ``source_id``/``quote`` columns) and the new cases after them. Offsets (``start``, ``end``,
   ``sentence``) are computed only for the texts bundled under ``data/raw/cases/``; quote-only rows
   keep them empty. Every span is located inside its quote (never typed as an offset).
3. ``coding_log.csv``: :func:`govstudy.extract_indicators` is run on every evidence unit (each quote of a
   quote-only source; the whole text of a bundled source) and each proposal is logged as accepted,
   corrected (same position, some field differs) or rejected (with the reason), and every hand-coded row
   the extractor missed as added.
4. ``policy_events.csv`` and ``hotline_panel.csv``.

Nothing here computes a number: values are the coder's, and the checks below only refuse a row whose
span is not in its quote.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import case_corpus_coding as cc  # noqa: E402
from govstudy import extract_indicators  # noqa: E402
from govstudy.text.sentences import sentence_at  # noqa: E402

CASES_DIR = ROOT / "data" / "cases"
DATA = ROOT / "data"
FIELDS = ["span_text", "value", "value_max", "unit", "qualifier", "kind", "comparison"]


def _norm(v):
    """The matching rule of tests/test_extract_corpus.py: empty/NaN → '', numbers rounded to 1e-9."""
    if v is None or (isinstance(v, float) and v != v) or v == "":
        return ""
    try:
        return round(float(v), 9)
    except (TypeError, ValueError):
        return str(v)


def locate(span: str, text: str, occurrence: int = 1, lo: int = 0) -> int:
    """Start of the ``occurrence``-th ``span`` in ``text[lo:]`` not glued to further digits."""
    pat = re.compile(r"(?<![0-9.])" + re.escape(span) + (r"(?![0-9.])" if span[-1:].isdigit() else ""))
    hits = [m.start() for m in pat.finditer(text, lo)]
    if len(hits) < occurrence:
        raise ValueError(f"span {span!r} (occurrence {occurrence}) not in {text[lo:lo + 80]!r}…")
    return hits[occurrence - 1]


def tokens(quote: str) -> list[tuple[str, int]]:
    return [(m.group(), m.start()) for m in re.finditer(r"[^\s|]+", quote)]


# ------------------------------------------------------------------------------------------------ units

def evidence_units():
    """(unit_id, source_id, case_id, text, hand rows with 'start' relative to text, rejected reasons)."""
    units = []
    for i, q in enumerate(cc.QUOTES):
        rows = []
        for r in q["rows"]:
            st = locate(r["span_text"], q["quote"], r["occurrence"])
            rows.append({**r, "pos": st, "quote": q["quote"], "source_id": q["source_id"], "case_id": q["case_id"]})
        units.append((f"q{i + 1:03d}", q["source_id"], q["case_id"], q["quote"], rows, q["rejected"], False))
    for sid, (case_id, quotes, rejected) in cc.BUNDLED.items():
        src = next(s for s in cc.SOURCES if s["source_id"] == sid)
        text = (DATA / src["bundled_path"]).read_text(encoding="utf-8")
        rows = []
        for q in quotes:
            qs = text.index(q["quote"])
            for r in q["rows"]:
                st = locate(r["span_text"], text, r["occurrence"], lo=qs)
                assert st < qs + len(q["quote"]), (sid, r["span_text"])
                rows.append({**r, "pos": st, "quote": q["quote"], "source_id": sid, "case_id": case_id})
        units.append((f"text_{sid}", sid, case_id, text, rows, rejected, True))
    return units


def run_log(units):
    """Coding log rows and the per-unit multiset scores (the test_extract_corpus rule)."""
    log, scores = [], []
    for uid, sid, case_id, text, rows, rejected, bundled in units:
        got = extract_indicators(text, case_id=case_id)
        props = [dict(r) for _, r in got.iterrows()]
        used = set()
        for p in props:
            p_end = int(p["end"])
            match = None
            for j, h in enumerate(rows):
                if j in used:
                    continue
                h_end = h["pos"] + len(h["span_text"])
                if h["pos"] < p_end and int(p["start"]) < h_end:  # overlapping spans
                    match = j
                    break
            base = {"unit_id": uid, "source_id": sid, "case_id": case_id,
                    **{f"proposed_{f}": ("" if _norm(p[f]) == "" else p[f]) for f in FIELDS}}
            if match is None:
                reason = rejected.get(p["span_text"]) or rejected.get(str(p["span_text"]).rstrip("件个项"))
                if reason is None:
                    raise SystemExit(f"{uid} {sid}: proposal {p['span_text']!r} has no row and no rejection reason")
                log.append({**base, "decision": "rejected", "h": None, "corrected_fields": "", "reason": reason})
                continue
            used.add(match)
            h = rows[match]
            diff = [f for f in FIELDS if _norm(p[f]) != _norm(h[f])]
            log.append({**base, "decision": "corrected" if diff else "accepted", "h": h,
                        "corrected_fields": ";".join(diff), "reason": h.get("note", "") if diff else ""})
        for j, h in enumerate(rows):
            if j not in used:
                log.append({"unit_id": uid, "source_id": sid, "case_id": case_id,
                            **{f"proposed_{f}": "" for f in FIELDS}, "decision": "added", "h": h,
                            "corrected_fields": "", "reason": h.get("note", "") or "missed by the extractor"})
        exp = [tuple(_norm(h[f]) for f in FIELDS) for h in rows if not h["optional"]]
        opt_spans = {h["span_text"] for h in rows if h["optional"]}
        pred = [tuple(_norm(p[f]) for f in FIELDS) for p in props if p["span_text"] not in opt_spans]
        from collections import Counter
        scores.append({"unit_id": uid, "source_id": sid, "bundled": bundled, "expected": len(exp), "predicted": len(pred),
                       "matched": sum((Counter(exp) & Counter(pred)).values())})
    return log, pd.DataFrame(scores)


# ------------------------------------------------------------------------------------------------ tables

def main() -> None:
    seed_cases = pd.read_csv(CASES_DIR / "cases.csv", dtype=str, keep_default_na=False)
    seed_ind = pd.read_csv(CASES_DIR / "case_indicators.csv", dtype=str, keep_default_na=False)
    seed_cm = pd.read_csv(CASES_DIR / "case_measures.csv", dtype=str, keep_default_na=False)
    seed_cases = seed_cases[seed_cases["case_id"].isin(["yuan", "nancheng"])]
    seed_ind = seed_ind[seed_ind["case_id"].isin(["yuan", "nancheng"])]
    seed_cm = seed_cm[seed_cm["case_id"].isin(["yuan", "nancheng"])]
    base_ind_cols = [c for c in seed_ind.columns if c in (
        "indicator_id case_id value value_max unit unit_raw qualifier kind comparison period subject measure "
        "span_text start end sentence note").split()]
    seed_ind = seed_ind[base_ind_cols]

    # sources
    seed_src = dict(source_id="seed", title_zh="安徽省六安市裕安区：推动党建引领城市基层治理提质增效；江西省抚州市南城縣：给社区“消肿” 为服务“强身”",
                    issuer_zh="中共六安市裕安区委组织部；中共南城县委组织部", genre="seed_report", published="", published_basis="",
                    address="/work/shared/seeds/000_74e33b68b577cc5f.txt (supplied by the user)", address_kind="supplied",
                    accessed="", read_extent="full", read_note="Supplied in full and read sentence by sentence (CONVENTIONS.md).",
                    bundled_path="raw/000_74e33b68b577cc5f.txt", note="The seed report; bundled as supplied.",
                    report_basis="self_reported")
    sources = pd.DataFrame([seed_src] + cc.SOURCES)
    sources["protected"] = sources["genre"].isin(cc.PROTECTED).map({True: "true", False: "false"})
    sources["genre_note"] = sources["genre"].map(cc.GENRES)
    sources = sources[["source_id", "title_zh", "issuer_zh", "genre", "protected", "published", "published_basis", "address",
                       "address_kind", "accessed", "read_extent", "read_note", "bundled_path", "report_basis", "genre_note",
                       "note"]]
    assert sources["source_id"].is_unique
    for p in sources["bundled_path"]:
        if p:
            assert (DATA / p).exists(), p
    src_by_id = sources.set_index("source_id")

    # cases
    new_cases = pd.DataFrame(cc.CASES)
    seed_cases = seed_cases.assign(source_id="seed")
    cases = pd.concat([seed_cases, new_cases[seed_cases.columns]], ignore_index=True)
    assert cases["case_id"].is_unique

    units = evidence_units()
    log, scores = run_log(units)

    # indicators, in unit order, numbered per case
    texts = {uid: (text, bundled) for uid, _s, _c, text, _r, _x, bundled in units}
    ind_rows, counters = [], {}
    id_of = {}
    for uid, sid, case_id, text, rows, _rej, bundled in units:
        for h in sorted(rows, key=lambda r: r["pos"]):
            n = counters[case_id] = counters.get(case_id, 0) + 1
            iid = f"{case_id}_{n:02d}"
            id_of[id(h)] = iid
            if bundled:
                s, e = sentence_at(text, h["pos"])
                start, end, sentence = str(h["pos"]), str(h["pos"] + len(h["span_text"])), text[s:e]
                assert text[int(start):int(end)] == h["span_text"]
            else:
                start = end = sentence = ""
            v = h["value"]
            ind_rows.append(dict(
                indicator_id=iid, case_id=case_id, value=f"{v:g}" if isinstance(v, float) else str(v),
                value_max=str(h["value_max"]), unit=h["unit"], unit_raw=h["unit_raw"], qualifier=h["qualifier"],
                kind=h["kind"], comparison=h["comparison"], period=h["period"], subject=h["subject"],
                measure=h["measure"], span_text=h["span_text"], start=start, end=end, sentence=sentence,
                note=h["note"], source_id=sid, quote=h["quote"], optional="true" if h["optional"] else "false",
                report_basis=src_by_id.loc[sid, "report_basis"]))
    new_ind = pd.DataFrame(ind_rows)
    seed_ind = seed_ind.assign(source_id="seed", quote=seed_ind["sentence"], optional="false",
                               report_basis="self_reported")
    ind = pd.concat([seed_ind, new_ind[seed_ind.columns]], ignore_index=True)
    assert ind["indicator_id"].is_unique
    for r in new_ind.itertuples():
        assert r.span_text in r.quote, r.indicator_id

    # case_measures: the first quote per (case, measure), measures other than context/unknown
    cm_rows, seen = [], set()
    for r in new_ind.itertuples():
        if r.measure in ("context", "unknown") or (r.case_id, r.measure) in seen:
            continue
        seen.add((r.case_id, r.measure))
        text, bundled = texts[next(u[0] for u in units if u[1] == r.source_id and (u[6] or r.quote == u[3]))]
        if bundled:
            qs = text.index(r.quote)
            qstart, qend = str(qs), str(qs + len(r.quote))
        else:
            qstart = qend = ""
        cm_rows.append(dict(case_id=r.case_id, measure_id=r.measure, section_zh="", evidence_quote=r.quote,
                            quote_start=qstart, quote_end=qend, source_id=r.source_id))
    seed_cm = seed_cm.assign(source_id="seed")
    cm = pd.concat([seed_cm, pd.DataFrame(cm_rows)[seed_cm.columns]], ignore_index=True)

    # coding log
    log_rows = []
    for i, L in enumerate(log, 1):
        h = L.pop("h")
        log_rows.append({"log_id": f"log_{i:04d}", **{k: v for k, v in L.items() if k not in ("corrected_fields", "reason")},
                         "indicator_id": id_of.get(id(h), "") if h is not None else "",
                         "optional": ("true" if h["optional"] else "false") if h is not None else "",
                         "corrected_fields": L["corrected_fields"], "reason": L["reason"]})
    log_df = pd.DataFrame(log_rows)
    for c in log_df.columns:
        if c.startswith("proposed_value"):
            log_df[c] = log_df[c].map(lambda v: "" if v == "" else f"{float(v):g}")

    # policy events
    ev = pd.DataFrame(cc.POLICY_EVENTS)
    ev["address"] = ev["source_id"].map(src_by_id["address"])
    ev = ev[["event_id", "locality_zh", "locality_en", "admin_level", "case_id", "measure", "event_type", "date",
             "date_precision", "date_basis", "document_no", "document_title", "issuing_organ", "source_id", "address",
             "quote", "note"]]
    assert ev["event_id"].is_unique

    # panel
    cells = []
    for block in cc.PANEL:
        months = len(pd.period_range(block["start"], block["end"], freq="M"))
        common = dict(source_id=block["source_id"], area_zh=block["area"], period_start=block["start"],
                      period_end=block["end"], months=str(months))
        if block["kind"] == "table":
            toks = tokens(block["quote"])
            for name_idx, unit_zh, unit_type in block["units"]:
                for off, var, var_zh, unit in block["columns"]:
                    tok, pos = toks[name_idx + off]
                    num = tok.rstrip("%")
                    cells.append(dict(**common, unit_zh=unit_zh, unit_written=toks[name_idx][0], unit_type=unit_type,
                                      variable=var, variable_zh=var_zh, value=num, unit=unit, span_text=tok,
                                      span_start=str(pos), quote=block["quote"]))
        else:
            for span, var, var_zh, value, unit, occ in block["cells"]:
                # occ: which occurrence of span, or the unit's name as written (the span is the next one after it)
                lo = block["quote"].index(occ) + len(occ) if isinstance(occ, str) else 0
                pos = locate(span, block["quote"], 1 if isinstance(occ, str) else occ, lo=lo)
                cells.append(dict(**common, unit_zh=block["unit_zh"], unit_written=occ if isinstance(occ, str) else block["unit_zh"],
                                  unit_type=block["unit_type"], variable=var, variable_zh=var_zh,
                                  value=f"{value:g}", unit=unit, span_text=span, span_start=str(pos),
                                  quote=block["quote"]))
    panel = pd.DataFrame(cells)
    panel.insert(0, "cell_id", [f"cell_{i:04d}" for i in range(1, len(panel) + 1)])
    dup = panel.duplicated(["source_id", "unit_zh", "period_start", "period_end", "variable"], keep=False)
    assert not dup.any(), panel[dup]

    for name, df in [("sources", sources), ("cases", cases), ("case_indicators", ind), ("case_measures", cm),
                     ("coding_log", log_df), ("policy_events", ev), ("hotline_panel", panel)]:
        df.to_csv(CASES_DIR / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
        print(f"{name:16s} {len(df):5d} rows")
    tot = scores[["expected", "predicted", "matched"]].sum()
    print(f"extractor on the corpus: expected {tot.expected}, predicted {tot.predicted}, matched {tot.matched}; "
          f"precision {tot.matched / tot.predicted:.3f}, recall {tot.matched / tot.expected:.3f}")
    print(log_df["decision"].value_counts().to_dict())


if __name__ == "__main__":
    main()
