"""The dataset registry: descriptor, hashes, schema checks, provenance of every curated number."""

import json

import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, DatasetNotFoundError, datasets
from govstudy.text.sentences import case_sections, sentence_at

TABLES = [r["name"] for r in datasets.descriptor()["resources"] if r.get("format") == "csv"]


def test_list_datasets_columns_and_counts():
    listing = govstudy.list_datasets()
    assert list(listing.columns) == ["name", "title", "format", "rows", "description", "source", "licence"]
    assert set(TABLES) <= set(listing["name"])
    for name, rows in zip(listing["name"], listing["rows"]):
        if name in TABLES:
            assert len(govstudy.load(name)) == rows, name
    assert (listing["licence"].str.len() > 0).all() and (listing["source"].str.len() > 0).all()


@pytest.mark.parametrize("name", TABLES)
def test_every_dataset_loads_with_documentation(name):
    df = govstudy.load(name)
    attrs = df.attrs
    for key in ("title", "description", "source", "licence", "citation", "columns"):
        assert attrs[key], f"{name}: .attrs[{key!r}] is empty"
    assert list(attrs["columns"]) == list(df.columns)
    assert all(col["description"] for col in attrs["columns"].values())


def test_load_returns_independent_copies():
    a = govstudy.load("cases")
    a.loc[0, "name_en"] = "changed"
    a.attrs["title"] = "changed"
    b = govstudy.load("cases")
    assert "changed" not in set(b["name_en"]) and b.attrs["title"] != "changed"


def test_unknown_dataset_lists_the_names():
    with pytest.raises(DatasetNotFoundError, match="available: .*case_indicators"):
        govstudy.load("case_indicator")


def test_text_document_is_not_a_table():
    with pytest.raises(DatasetNotFoundError, match="load_text"):
        govstudy.load("seed_report")


# --- a tampered copy of the data folder -------------------------------------------------------

def tamper(root, name, edit):
    """Apply ``edit`` to a dataset's CSV and re-record its hash, so the schema (not the hash) must catch it."""
    dp = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in dp["resources"] if r["name"] == name)
    path = root / res["path"]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(df)
    df.to_csv(path, index=False)
    res["hash"] = "sha256:" + datasets.sha256(path)
    (root / "datapackage.json").write_text(json.dumps(dp, ensure_ascii=False), encoding="utf-8")
    datasets.descriptor.cache_clear()


def test_changed_file_fails_the_hash(data_copy):
    path = data_copy / "benchmarks" / "mpdta.csv"
    path.write_text(path.read_text() + "2007,1,1,1,0,0\n")
    with pytest.raises(DataValidationError) as err:
        govstudy.load("mpdta")
    assert err.value.rule == "hash" and "mpdta" in str(err.value)


def test_duplicated_primary_key_in_a_dataset(data_copy):
    def dup(df):
        df.loc[len(df)] = df.iloc[0]
    tamper(data_copy, "mpdta", dup)
    with pytest.raises(DataValidationError) as err:
        govstudy.load("mpdta")
    assert err.value.rule == "primaryKey" and err.value.row == 2501 and "mpdta" in str(err.value)


def test_wrong_type_in_a_dataset(data_copy):
    def bad(df):
        df.loc[6, "lemp"] = "n/a"
    tamper(data_copy, "mpdta", bad)
    with pytest.raises(DataValidationError) as err:
        govstudy.load("mpdta")
    assert (err.value.column, err.value.row, err.value.rule) == ("lemp", 7, "type")


def test_enum_and_foreign_key_violations(data_copy):
    tamper(data_copy, "case_indicators", lambda df: df.__setitem__("qualifier", ["roughly"] * len(df)))
    with pytest.raises(DataValidationError, match="'roughly' is not one of the allowed values") as err:
        govstudy.load("case_indicators")
    assert err.value.column == "qualifier" and err.value.row == 1


def test_foreign_key_violation(data_copy):
    def bad(df):
        df.loc[0, "measure_id"] = "no_such_measure"
    tamper(data_copy, "case_measures", bad)
    with pytest.raises(DataValidationError, match="no match in measures") as err:
        govstudy.load("case_measures")
    assert err.value.rule == "foreignKey" and err.value.row == 1


def test_missing_column_in_a_dataset(data_copy):
    tamper(data_copy, "cases", lambda df: df.pop("admin_level"))
    with pytest.raises(DataValidationError, match=r"\['admin_level'\] are missing"):
        govstudy.load("cases")


# --- provenance of the curated seed tables ------------------------------------------------------

@pytest.fixture(scope="module")
def seed_text():
    return govstudy.load_text("seed_report")


def test_raw_report_is_the_unmodified_seed(shared_dir):
    seed = shared_dir / "seeds" / "000_74e33b68b577cc5f.txt"
    assert datasets.path("seed_report").read_bytes() == seed.read_bytes()


def _seed_rows(df):
    """Rows coded from the seed report (the case corpus of issue 17 has its own tests: test_case_corpus.py)."""
    return df[df["source_id"] == "seed"]


def test_every_indicator_is_verbatim_at_its_offsets(seed_text):
    ind = _seed_rows(govstudy.load("case_indicators"))
    assert len(ind) >= 30
    for row in ind.itertuples():
        assert seed_text[row.start:row.end] == row.span_text, row.indicator_id
        s, e = sentence_at(seed_text, row.start)
        assert seed_text[s:e] == row.sentence, row.indicator_id
        assert row.start >= s and row.end <= e, row.indicator_id


def test_indicators_sit_in_their_case_section(seed_text):
    cases = _seed_rows(govstudy.load("cases")).set_index("case_id")
    sections = case_sections(seed_text)
    assert sorted(zip(cases["section_start"], cases["section_end"])) == sorted((s, e) for _, s, e in sections)
    for row in _seed_rows(govstudy.load("case_indicators")).itertuples():
        case = cases.loc[row.case_id]
        assert case.section_start <= row.start < row.end <= case.section_end, row.indicator_id


def test_evidence_quotes_are_verbatim(seed_text):
    cm = _seed_rows(govstudy.load("case_measures"))
    cases = govstudy.load("cases").set_index("case_id")
    for row in cm.itertuples():
        assert seed_text[row.quote_start:row.quote_end] == row.evidence_quote, (row.case_id, row.measure_id)
        case = cases.loc[row.case_id]
        assert case.section_start <= row.quote_start < row.quote_end <= case.section_end
        assert f"## {row.section_zh}" in seed_text[case.section_start:case.section_end]


def test_indicator_conventions_hold(seed_text):
    ind = govstudy.load("case_indicators")
    dec = ind[ind["kind"].isin(["change_pct", "change_abs"])]
    assert (dec["value"] != 0).all()
    money = ind[ind["kind"] == "amount"]
    assert (money["unit"] == "元").all()
    vague = ind["value_max"].notna()
    assert (ind.loc[vague, "value_max"] > ind.loc[vague, "value"]).all()
    measures = govstudy.load("measures")
    assert set(ind["measure"]) <= set(measures["measure_id"])
