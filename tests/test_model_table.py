"""model_table: each number in its own model's column, checked against pyfixest fits (formatted, 3 decimals);
term alignment, labels, the three writers and bad arguments."""

import html
import re

import pandas as pd
import pyfixest as pf
import pytest

import govstudy
from govstudy.model_table import model_table


@pytest.fixture(scope="module")
def fits():
    panel, _ = govstudy.simulate_panel(govstudy.Design(), seed=3)
    d = panel.data
    cols = dict(treat="treated_access_list", unit="community", time="month")
    return {
        "data": d,
        "certificates": govstudy.twfe(d, y="certificates", **cols),
        "matters": govstudy.twfe(d, y="completed_matters", **cols, vcov="hc1"),
        "cs": govstudy.att_gt(d, y="certificates", unit="community", time="month", cohort="cohort_access_list"),
    }


def fmt(x):
    return f"{x:.3f}".replace("-", "−")


def test_numbers_sit_in_their_own_models_column(fits):
    d = fits["data"]
    ref = {"certificates": pf.feols("certificates ~ treated_access_list | community + month", d,
                                    vcov={"CRV1": "community"}),
           "matters": pf.feols("completed_matters ~ treated_access_list | community + month", d, vcov="hetero")}
    table = model_table({"Certificates": fits["certificates"], "Completed matters": fits["matters"]})
    f = table.frame
    for col, key in [("Certificates", "certificates"), ("Completed matters", "matters")]:
        coef, se = ref[key].coef().iloc[0], ref[key].se().iloc[0]
        assert f[col].iloc[0] == fmt(coef) and f[col].iloc[1] == f"({fmt(se)})"
    assert f.loc["Observations"].tolist() == [str(len(d))] * 2
    assert f["Certificates"].iloc[0] != f["Completed matters"].iloc[0]


def test_terms_labels_and_blank_cells(fits):
    cs = fits["cs"]
    table = model_table([fits["certificates"], cs, cs.aggregate("dynamic")],
                        terms={"treated_access_list": "Access list", "ATT (simple)": "Access list",
                               "ATT (dynamic)": "Access list (dynamic)"})
    f = table.frame
    assert list(f.columns) == ["(1)", "(2)", "(3)"]
    assert list(f.index[:4]) == ["Access list", "", "Access list (dynamic)", ""]
    assert f.iloc[0].tolist() == [fmt(fits["certificates"].estimate), fmt(cs.estimate), ""]
    assert f.iloc[2].tolist() == ["", "", fmt(cs.aggregate("dynamic").estimate)]
    assert f.loc["Units"].tolist() == ["", str(cs.n), str(cs.n)]
    # an aggregation with its own covariance (AggregateResult.coef/vcov) is still one headline row, and any other
    # result (did_imputation) brings the rows of its tidy()
    bjs = govstudy.did_imputation(fits["data"], y="certificates", unit="community", time="month",
                                  cohort="cohort_access_list")
    both = model_table({"CS": cs.aggregate("dynamic"), "BJS": bjs}).frame
    assert list(both.index[:4]) == ["ATT (dynamic)", "", "ATT", ""]
    assert both.loc["ATT", "BJS"] == fmt(bjs.estimate) and both.loc["ATT (dynamic)", "CS"] == fmt(cs.aggregate("dynamic").estimate)
    with pytest.raises(ValueError, match=r"terms \['nope'\] are in no model"):
        model_table(fits["certificates"], terms=["nope"])
    es = govstudy.event_study(fits["data"], y="certificates", unit="community", time="month",
                              cohort="cohort_access_list", window=(-1, 1))
    with pytest.raises(ValueError, match="two terms labelled 'x'"):
        model_table(es, terms={"e=0": "x", "e=1": "x"})


def test_below_and_stars(fits):
    m = fits["certificates"]
    row = m.tidy().iloc[0]
    ci = model_table(m, below="ci").frame.iloc[1, 0]
    assert ci == f"[{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
    assert model_table(m, below="p_value").frame.iloc[1, 0] == fmt(row.p_value)
    assert model_table(m, below="none").frame.index[1] == "Estimator"
    starred = model_table(m, stars=True).frame.iloc[0, 0]
    expected = "***" if row.p_value < 0.01 else "**" if row.p_value < 0.05 else "*" if row.p_value < 0.1 else ""
    assert starred == fmt(row.estimate) + expected
    with pytest.raises(govstudy.ArgumentError, match="below"):
        model_table(m, below="se")
    with pytest.raises(TypeError, match="has no tidy"):
        model_table({"a": 1.5})


def test_markdown_latex_html(fits, tmp_path):
    table = model_table({"A_1 & 5%": fits["certificates"], "B|C": fits["matters"]})
    md = table.to_markdown()
    lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(lines) == 2 + len(table.frame)                        # header, rule, one line per row
    cells = [re.split(r"(?<!\\)\|", ln)[1:-1] for ln in lines]
    assert all(len(c) == 3 for c in cells)                           # the escaped pipe stays inside its cell
    assert cells[2][1].strip() == table.frame.iloc[0, 0]
    tex = table.to_latex(caption="Effects, 95%", label="tab:effects")
    assert r"A\_1 \& 5\%" in tex and r"\caption{Effects, 95\%}" in tex and r"\label{tab:effects}" in tex
    assert tex.count(r"\midrule") == 2 and "−" not in tex and "$-$" in tex
    page = table.to_html()
    assert page.count("<tr>") == 1 + len(table.frame) and "<tfoot>" in page
    assert html.escape(table.frame.iloc[0, 1]) in page
    for ext in ("md", "tex", "html"):
        table.save(tmp_path / f"t.{ext}")
        assert (tmp_path / f"t.{ext}").read_text(encoding="utf-8").strip()
    with pytest.raises(ValueError, match=r"\.md, \.tex or \.html"):
        table.save(tmp_path / "t.docx")


def test_table_is_an_exhibit(fits, tmp_path, monkeypatch):
    from govstudy import exhibits

    monkeypatch.setenv(exhibits.ENV_DIR, str(tmp_path))
    table = model_table({"TWFE": fits["certificates"], "CS": fits["cs"]})
    exhibits.table(table.tidy(), "tab:test_models", "Two models side by side.")
    written = pd.read_csv(tmp_path / "tab_test_models.csv", keep_default_na=False)
    assert written.columns.tolist() == ["Unnamed: 0", "TWFE", "CS"]  # the row labels' column has no name
    assert written.iloc[:, 0].tolist() == list(table.frame.index)
    assert written.iloc[0, 1] == table.frame.iloc[0, 0] and written.iloc[2, 2] == table.frame.iloc[2, 1]
