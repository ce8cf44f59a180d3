"""The real case corpus (issue 17): schema, keys, provenance of every number, copyright, policy events, panel."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

import govstudy
from govstudy.text.numerals import parse_numeral
from govstudy.text.sentences import sentence_at

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["sources", "cases", "measures", "case_measures", "case_indicators", "coding_log", "policy_events",
          "hotline_panel"]
BELOW_PREFECTURE = {"street", "town", "district", "county", "city"}

# the numeral at the head of a span: Arabic (full-width, separators, decimals) with magnitude words, or Chinese
_NUM = re.compile(r"[0-9０-９][0-9０-９.,，．]*\s*[十百千万亿萬億]*|[零〇一二两兩三四五六七八九十百千万亿萬億几数]+")


def span_numbers(span: str) -> list[float]:
    """Every numeral in a span, parsed by the package's parser (1-2名 → [1, 2]; 9.67萬(wàn)件 → [96700])."""
    out = []
    for m in _NUM.finditer(span):
        tok = m.group().replace(" ", "")
        try:
            out.append(parse_numeral(tok)[0])
        except ValueError:
            continue
    return out


@pytest.fixture(scope="module")
def t():
    return {name: govstudy.load(name) for name in TABLES}


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == ""


# ------------------------------------------------------------------------------------------- schema and keys

def test_every_table_loads_with_its_schema_and_keys(t):
    # load() checks hash, types, constraints, primary and foreign keys; here the cross-table facts load() cannot
    for name in TABLES:
        assert len(t[name]) > 0, name
    ind, cases, src = t["case_indicators"], t["cases"], t["sources"]
    assert set(ind["source_id"]) <= set(src["source_id"])
    assert set(cases["source_id"]) <= set(src["source_id"])
    assert set(t["case_measures"]["source_id"]) <= set(src["source_id"])
    assert ind["indicator_id"].is_unique and cases["case_id"].is_unique
    # every case has indicators, and its main source is among its indicators' sources
    for c in cases.itertuples():
        rows = ind[ind["case_id"] == c.case_id]
        assert len(rows), c.case_id
        assert c.source_id in set(rows["source_id"]), c.case_id
    # every case_measures row of the corpus is backed by an indicator of that case and measure, same quote
    cm = t["case_measures"]
    for r in cm[cm["source_id"] != "seed"].itertuples():
        hit = ind[(ind["case_id"] == r.case_id) & (ind["measure"] == r.measure_id) & (ind["quote"] == r.evidence_quote)]
        assert len(hit), (r.case_id, r.measure_id)


def test_corpus_size_done_criterion(t):
    ind, cases = t["case_indicators"], t["cases"]
    new = cases[cases["source_id"] != "seed"]
    req = ind[(ind["source_id"] != "seed") & ~ind["optional"].astype(bool)]
    per_case = req.groupby("case_id").size()
    local = new[new["admin_level"].isin(BELOW_PREFECTURE)]
    assert (per_case.reindex(new["case_id"]).fillna(0) >= 3).all()
    assert len(local) >= 24, len(local)
    assert set(new["admin_level"]) <= {"street", "town", "district", "county", "city", "prefecture", "province"}


# ------------------------------------------------------------------------------------------- provenance

def test_every_quote_contains_its_span_and_the_span_parses_to_the_value(t):
    bad = []
    for r in t["case_indicators"].itertuples():
        if r.span_text not in r.quote:
            bad.append((r.indicator_id, "span not in quote"))
            continue
        nums = span_numbers(r.span_text)
        if not nums or not math.isclose(abs(r.value), nums[0], rel_tol=1e-9):
            bad.append((r.indicator_id, r.span_text, r.value, nums))
        if not _blank(r.value_max) and (len(nums) < 2 or not math.isclose(r.value_max, nums[-1], rel_tol=1e-9)):
            bad.append((r.indicator_id, "value_max", r.span_text, r.value_max, nums))
    assert not bad, bad


def test_signs_follow_the_text(t):
    ind = t["case_indicators"]
    neg = ind[ind["value"] < 0]
    assert neg["kind"].isin(["change_pct", "change_abs"]).all()
    for r in neg[neg["source_id"] != "seed"].itertuples():
        assert re.search(r"下降|减少|降低", r.quote), r.indicator_id


def test_offsets_only_where_the_text_is_bundled(t):
    src = t["sources"].set_index("source_id")
    for r in t["case_indicators"].itertuples():
        path = src.loc[r.source_id, "bundled_path"]
        if _blank(path):
            assert _blank(r.start) and _blank(r.end) and _blank(r.sentence), r.indicator_id
            continue
        name = "seed_report" if r.source_id == "seed" else f"case_text_{r.source_id}"
        text = govstudy.load_text(name)
        assert text[r.start:r.end] == r.span_text, r.indicator_id
        s, e = sentence_at(text, r.start)
        assert text[s:e] == r.sentence and r.quote in text, r.indicator_id


def test_every_source_has_address_genre_and_reading_note(t):
    src = t["sources"]
    for col in ("address", "genre", "read_extent", "read_note", "title_zh", "issuer_zh"):
        assert src[col].notna().all() and (src[col].astype(str).str.len() > 0).all(), col
    corpus = src[src["source_id"] != "seed"]
    assert corpus["address"].str.match(r"https?://").all()
    assert (corpus["accessed"] == "2026-12-02").all()
    assert set(src.loc[src["protected"], "genre"]) <= {"official_site_news", "news", "news_mirror", "news_summary",
                                                     "experience_article", "party_school_paper", "seed_report"}
    assert "official_document" not in set(src.loc[src["protected"], "genre"])


def test_no_bundled_full_text_from_a_protected_genre(t):
    src = t["sources"]
    bundled = src[src["bundled_path"].notna()]
    assert set(bundled.loc[bundled["protected"], "source_id"]) == {"seed"}
    assert (bundled.loc[~bundled["protected"], "genre"] == "official_document").all()
    files = {str(p.relative_to(ROOT / "data")) for p in (ROOT / "data" / "raw" / "cases").glob("*")}
    assert files == set(bundled.loc[bundled["source_id"] != "seed", "bundled_path"])
    # quotes from protected sources are short clauses, not passages
    ind = t["case_indicators"].merge(src[["source_id", "protected"]], on="source_id")
    prot = ind[ind["protected"] & (ind["source_id"] != "seed")]
    assert prot["quote"].str.len().max() <= 200


def test_self_reported_figures_are_tagged(t):
    ind = t["case_indicators"]
    src = t["sources"].set_index("source_id")
    assert set(ind["report_basis"]) == {"self_reported", "administrative_tally"}
    assert (ind["report_basis"] == ind["source_id"].map(src["report_basis"])).all()


# ------------------------------------------------------------------------------------------- coding log

def test_coding_log_covers_every_corpus_row_once(t):
    log, ind = t["coding_log"], t["case_indicators"]
    kept = log[log["decision"] != "rejected"]
    corpus_ids = set(ind.loc[ind["source_id"] != "seed", "indicator_id"])
    assert kept["indicator_id"].is_unique and set(kept["indicator_id"]) == corpus_ids
    assert log.loc[log["decision"] == "rejected", "reason"].notna().all()
    acc = kept[kept["decision"] == "accepted"].merge(ind, on="indicator_id")
    assert (acc["proposed_span_text"] == acc["span_text"]).all()
    assert ((acc["proposed_value"] - acc["value"]).abs() < 1e-9).all()
    cor = kept[kept["decision"] == "corrected"]
    assert cor["corrected_fields"].notna().all()


def test_out_of_sample_score_is_reproducible_from_the_tables(t):
    from govstudy.text.evaluate import score_corpus

    s = score_corpus()
    log = t["coding_log"]
    req = log[~log["optional"].fillna(False).astype(bool)]
    assert s["expected"] == int(req["decision"].isin(["accepted", "corrected", "added"]).sum())
    assert s["sources"] >= 24 and 0 < s["precision"] <= 1 and 0 < s["recall"] <= 1
    assert s["matched"] <= int((req["decision"] == "accepted").sum())


# ------------------------------------------------------------------------------------------- events and panel

def test_policy_events_are_dated_and_quoted(t):
    ev, src = t["policy_events"], t["sources"].set_index("source_id")
    pat = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}
    for r in ev.itertuples():
        assert re.fullmatch(pat[r.date_precision], r.date), r.event_id
        assert r.address == src.loc[r.source_id, "address"]
        assert r.quote and r.issuing_organ
    assert set(ev["case_id"].dropna()) <= set(t["cases"]["case_id"])


def test_panel_cells_are_verbatim_and_parse(t):
    p = t["hotline_panel"]
    assert not p.duplicated(["source_id", "unit_zh", "period_start", "period_end", "variable"]).any()
    for r in p.itertuples():
        assert r.quote[r.span_start:r.span_start + len(r.span_text)] == r.span_text, r.cell_id
        assert math.isclose(r.value, span_numbers(r.span_text)[0], rel_tol=1e-9, abs_tol=1e-12), r.cell_id
        months = len(pd.period_range(r.period_start, r.period_end, freq="M"))
        assert months == r.months, r.cell_id
    # units below the prefecture, in more than one month
    assert p.loc[p["unit_type"].isin(["street", "town", "county", "district"]), "unit_zh"].nunique() >= 20
    assert p["period_start"].nunique() >= 8
