"""One codebook: data/datapackage.json is the only statement of the tables' schema (issue 14, item 4).

Frames built by hand are checked against it (datasets.check_frame), unknown descriptor keys fail when it
is read, Frictionless finds it valid, one character table serves every number parser, and no module
imports the package's top level or another module's private names.
"""

import ast
import json
from pathlib import Path

import pytest

import govstudy
from govstudy import DataValidationError, datasets
from govstudy.datasets import check_frame
from govstudy.schema import NUMBER_CHARACTERS
from govstudy.text.numerals import CHARACTERS, character_table, normalize_digits, parse_numeral
from govstudy.text.quantities import normalize_text

PACKAGE = Path(govstudy.__file__).resolve().parent


# --- check_frame: the one descriptor-driven frame check --------------------------------------------

def test_indicator_measure_foreign_key_is_enforced():
    ind = govstudy.load("case_indicators").head(5)
    bad = ind.assign(measure=["context", "context", "not_a_measure", "context", "context"])
    with pytest.raises(DataValidationError) as err:
        check_frame(bad, "case_indicators")
    e = err.value
    assert (e.column, e.row, e.rule) == ("measure", 3, "foreignKey")
    assert "case_indicators" in str(e) and "'not_a_measure'" in str(e) and "not in the measures table" in str(e)


def test_foreign_keys_follow_the_descriptor():
    for name in ("cases", "measures", "case_measures", "case_indicators", "sources", "policy_events"):
        check_frame(govstudy.load(name), name)  # the bundled tables pass
    declared = {(r["name"], str(fk["fields"])) for r in datasets.descriptor()["resources"]
                for fk in r.get("schema", {}).get("foreignKeys", [])}
    assert ("case_indicators", "measure") in declared


def test_parents_can_be_given():
    measures = govstudy.load("measures")
    ind = govstudy.load("case_indicators").head(3)
    with pytest.raises(DataValidationError, match="not in the measures table"):
        check_frame(ind, "case_indicators", tables={"measures": measures[measures["measure_id"] == "nothing"]})


def test_required_types_and_keys():
    cm = govstudy.load("case_measures")
    with pytest.raises(DataValidationError, match=r"\['evidence_quote'\] are missing"):
        check_frame(cm.drop(columns="evidence_quote"), "case_measures")
    with pytest.raises(DataValidationError, match="value is missing but the column is required") as err:
        check_frame(cm.assign(evidence_quote=[None] + list(cm["evidence_quote"][1:])), "case_measures")
    assert (err.value.column, err.value.row) == ("evidence_quote", 1)
    with pytest.raises(DataValidationError, match="is not an integer") as err:
        check_frame(cm.assign(quote_start=cm["quote_start"].astype(float) + 0.5), "case_measures")
    assert err.value.rule == "type"
    with pytest.raises(DataValidationError, match="repeats row") as err:
        check_frame(cm.iloc[[0, 0]], "case_measures")
    assert err.value.rule == "primaryKey"
    # optional declared columns may be absent, undeclared ones may be added
    check_frame(cm.drop(columns=["section_zh", "quote_start", "quote_end"]).assign(extra=1), "case_measures")


def test_fields_restricts_the_check():
    import pandas as pd

    tax = pd.DataFrame({"measure_id": ["a", "b"], "keywords_zh": ["甲", None]})
    check_frame(tax, "measures", fields=["measure_id", "keywords_zh"])
    with pytest.raises(DataValidationError, match="must be unique"):
        check_frame(tax.assign(measure_id="a"), "measures", fields=["measure_id", "keywords_zh"])
    with pytest.raises(ValueError, match="not fields of 'measures'"):
        check_frame(tax, "measures", fields=["measure_id", "keywords"])


# --- the descriptor: unknown keys fail when it is read ---------------------------------------------

def _edit_descriptor(root, edit):
    file = root / "datapackage.json"
    dp = json.loads(file.read_text(encoding="utf-8"))
    edit(dp)
    file.write_text(json.dumps(dp, ensure_ascii=False), encoding="utf-8")
    datasets.descriptor.cache_clear()


def _resource(dp, name):
    return next(r for r in dp["resources"] if r["name"] == name)


@pytest.mark.parametrize("edit, where, key", [
    (lambda dp: _resource(dp, "cases")["schema"]["fields"][1].update(units="persons"),
     r"resources\[1\] \('cases'\)\.schema\.fields\[1\] \('name_zh'\)", "units"),
    (lambda dp: _resource(dp, "mpdta")["schema"].update(primarykey=["year"]),
     r"resources\[\d+\] \('mpdta'\)\.schema", "primarykey"),
    (lambda dp: _resource(dp, "measures").update(licence="CC-BY-4.0"), r"resources\[2\] \('measures'\)", "licence"),
    (lambda dp: _resource(dp, "mpdta")["schema"]["fields"][0]["constraints"].update(min=2003),
     r"fields\[0\] \('year'\)\.constraints", "min"),
    (lambda dp: dp.update(homepages="https://example.org"), "the package", "homepages"),
])
def test_unknown_descriptor_key_fails_when_read(data_copy, edit, where, key):
    _edit_descriptor(data_copy, edit)
    with pytest.raises(DataValidationError, match=rf"unknown key '{key}' in (resources.*)?{where}") as err:
        govstudy.load("cases")
    assert err.value.rule == "descriptor" and "datapackage.json" in str(err.value)


def test_standard_and_extension_keys_are_accepted(data_copy):
    def edit(dp):
        dp["version"] = "1"
        _resource(dp, "cases")["schema"]["fields"][0]["title"] = "Case"
        _resource(dp, "cases")["simulated"] = False
    _edit_descriptor(data_copy, edit)
    assert len(govstudy.load("cases")) > 0


def test_the_bundled_descriptor_is_frictionless_valid():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(datasets.data_dir() / "datapackage.json"))
    errors = report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, errors


# --- one character table -------------------------------------------------------------------------

def test_one_table_one_code_point_each():
    assert all(len(k) == 1 and len(v) == 1 for k, v in CHARACTERS.items())
    full = character_table()
    assert {chr(k): v for k, v in full.items()} == CHARACTERS
    # schema: the table without Chinese characters; quantities: without the full-width comma and U+3000
    assert {chr(k): v for k, v in NUMBER_CHARACTERS.items()} == {k: v for k, v in CHARACTERS.items()
                                                              if k in "０１２３４５６７８９＋－．，％～／\u3000−﹣﹢"}
    every = "".join(CHARACTERS)
    assert normalize_digits(every) == every.translate(full)
    assert normalize_text(every) == every.translate(character_table(keep="，\u3000"))
    assert normalize_text("1，300　人") == "1，300　人"  # clause separator and ideographic space stay
    assert parse_numeral("１，３００") == (1300.0, None) and parse_numeral("十幾") == (10.0, 19.0)
    with pytest.raises(ValueError, match="not in the character table"):
        character_table(keep="a")


# --- hashes: paper reuses the datasets check -----------------------------------------------------

def test_paper_data_hashes_use_the_dataset_check(data_copy):
    paper = pytest.importorskip("govstudy.paper")
    hashes = paper._data_hashes()
    assert hashes["mpdta"]["sha256"] == datasets.check_hash("mpdta")
    path = data_copy / "benchmarks" / "mpdta.csv"
    path.write_text(path.read_text() + "2007,1,1,1,0,0\n")
    with pytest.raises(DataValidationError, match="mpdta") as err:
        paper._data_hashes()
    assert err.value.rule == "hash"


# --- imports -------------------------------------------------------------------------------------

def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield from ((node.lineno, node.module, a.name) for a in node.names)


def test_no_module_imports_the_top_level_or_private_names():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue  # the package itself gathers the public API
        for line, module, name in _imports(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if module == "govstudy" or (name is None and module.startswith("govstudy.")):
                # from govstudy import X, import govstudy, import govstudy.x (binds the top level too)
                bad.append(f"{where}: imports the package top level ({module} {name or ''})")
            elif module.startswith("govstudy.") and name is not None and name.startswith("_"):
                bad.append(f"{where}: imports the private name {name} from {module}")
    assert not bad, "\n".join(bad)
