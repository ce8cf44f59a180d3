"""govstudy.qca against R's QCA package, brute force, and bad input.

Parity: every value of ``../shared/reference/qca/expected_results.json`` (R QCA 3.22.1's rendered examples for
the Lipset LC/LM/LF and Cebotari-Vink CVF data, read from their CSVs where they are; see SOURCES.md there).
R prints fit values to 3 decimals, so a value matches when it is within 0.0005 of the printed one (half a
unit in the last printed place; no wider tolerance is used anywhere). The tests skip without ``../shared/``
and fail instead when ``GOVSTUDY_REQUIRE_SHARED=1`` (the fixture in conftest.py).

R 3.22's minimize() prints multi-value literals as ``DEV[2]``; R's current notation, which govstudy uses, is
``DEV{2}`` (as superSubset already prints it), so the brackets are translated before comparing.

Brute force: on seeded random truth tables (binary and multi-value), the prime implicants and *every* minimum
cover equal an exhaustive enumeration written independently here.
"""

from __future__ import annotations

import json
import warnings
from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest
from conftest import require

from govstudy import qca
from govstudy.errors import ArgumentError, DataValidationError
from govstudy.qca.implicants import coverage, minimum_covers, prime_implicants

TOL = 0.0005          # half a unit in R's third printed decimal
C5 = ["DEV", "URB", "LIT", "IND", "STB"]
CVF_CONDS = ["DEMOC", "ETHFRACT", "GEOCON", "POLDIS", "NATPRIDE"]


# --------------------------------------------------------------------------- reference files
@pytest.fixture(scope="module")
def ref(shared_dir):
    d = shared_dir / "reference" / "qca"
    require((d / "expected_results.json").is_file(), f"{d} has no expected_results.json", "GOVSTUDY_REQUIRE_SHARED")
    return d


@pytest.fixture(scope="module")
def E(ref):
    return json.loads((ref / "expected_results.json").read_text(encoding="utf-8"))


def _csv(ref, name):
    return pd.read_csv(ref / name, index_col="case")


@pytest.fixture(scope="module")
def LC(ref):
    return _csv(ref, "lipset_LC_crisp.csv")


@pytest.fixture(scope="module")
def LM(ref):
    return _csv(ref, "lipset_LM_multivalue.csv")


@pytest.fixture(scope="module")
def LF(ref):
    return _csv(ref, "lipset_LF_fuzzy.csv")


@pytest.fixture(scope="module")
def CVF(ref):
    return _csv(ref, "cebotari_vink_CVF_fuzzy.csv")


def r_notation(text: str) -> str:
    return text.replace("[", "{").replace("]", "}")


def near(got, want, what=""):
    assert want is not None
    assert abs(float(got) - float(want)) <= TOL, f"{what}: {got!r} vs published {want!r}"


def check_terms(sol, model_label, want_terms, keys=("inclS", "PRI", "covS", "covU")):
    fit = sol.term_fit[sol.term_fit["model"] == model_label].set_index("term")
    assert sorted(fit.index) == sorted(r_notation(t["term"]) for t in want_terms)
    for t in want_terms:
        row = fit.loc[r_notation(t["term"])]
        for k in keys:
            if k not in t:
                continue
            if t[k] is None:                     # R prints "-": a single-term model has no unique coverage
                assert np.isnan(row[k]), (t["term"], k)
            else:
                near(row[k], t[k], f"{t['term']} {k}")
        if "cases" in t:
            assert row["cases"] == t["cases"], t["term"]


def check_model(sol, k, want):
    row = sol.model_fit.iloc[k]
    for key in ("inclS", "PRI", "covS"):
        near(row[key], want[key], f"model {k + 1} {key}")


def check_tt_rows(tt, want_rows, conds, fields=("OUT", "n", "incl", "PRI", "cases")):
    t = tt.table.set_index("row")
    for w in want_rows:
        r = t.loc[w["row"]]
        assert [int(r[c]) for c in conds] == [w[c] for c in conds], w["row"]
        for f in fields:
            if f not in w:
                continue
            if f in ("incl", "PRI"):
                near(r[f], w[f], f"row {w['row']} {f}")
            elif f == "OUT":
                assert r[f] == str(w[f]), w["row"]
            else:
                assert r[f] == w[f], (w["row"], f)


# --------------------------------------------------------------------------- Lipset crisp (LC)
def test_lc_truth_table(LC, E):
    e = E["lipset_crisp_LC"]
    tt = qca.truth_table(LC, "SURV", C5)
    assert list(tt.table["row"]) == [w["row"] for w in e["truth_table"]]
    check_tt_rows(tt, e["truth_table"], C5)
    assert len(tt.remainders) == 32 - len(e["truth_table"])


def test_lc_conservative(LC, E):
    e = E["lipset_crisp_LC"]["conservative"]
    tt = qca.truth_table(LC, "SURV", C5)
    s = qca.minimize(tt, "conservative")
    assert s.models == [e["solution"]]
    check_terms(s, "M1", e["terms"])
    check_model(s, 0, e["model"])
    assert list(tt.n_out()) == e["n_OUT_1_0_C"]
    assert len(s.multiple_covered()) == e["multiple_covered_cases"] and s.multiple_covered() == ["FR", "SE"]
    assert len(s.simplifying_assumptions[0]) == 0


def test_lc_parsimonious_and_simplifying_assumptions(LC, E):
    e = E["lipset_crisp_LC"]["parsimonious"]
    s = qca.minimize(qca.truth_table(LC, "SURV", C5), "parsimonious")
    assert s.models == [e["solution"]]
    check_terms(s, "M1", e["terms"])
    check_model(s, 0, e["model"])
    assert list(s.simplifying_assumptions[0]["row"]) == e["simplifying_assumptions_rows"]


def test_lc_negated_outcome(LC, E):
    e = E["lipset_crisp_LC"]
    tt = qca.truth_table(LC, "~SURV", C5)
    assert qca.minimize(tt, "conservative").models == [e["negated_outcome_conservative"]["solution"]]
    p = e["negated_outcome_parsimonious"]
    s = qca.minimize(tt, "parsimonious")
    assert s.models == [p["solution"]]
    check_terms(s, "M1", p["terms"])
    check_model(s, 0, p["model"])


# --------------------------------------------------------------------------- Lipset multi-value (LM)
def test_lm_truth_table_sorted_by_inclusion(LM, E):
    want = E["lipset_multivalue_LM"]["truth_table_all_5_conditions_sorted_by_incl"]
    tt = qca.truth_table(LM, "SURV", C5, sort_by="incl")
    assert tt.levels == [3, 2, 2, 2, 2]
    assert list(tt.table["row"]) == [w["row"] for w in want]
    check_tt_rows(tt, want, C5)


def test_lm_n_cut_moves_rows_to_remainders(LM, E):
    want = E["lipset_multivalue_LM"]["n_cut_2_removed_to_remainders"]
    tt = qca.truth_table(LM, "SURV", C5, n_cut=2)
    few = tt.rows("?")
    assert sorted(few["row"]) == want["rows"]
    assert list(few.sort_values("row")["cases"]) == want["cases"]
    assert set(want["rows"]) <= set(tt.remainders["row"])


@pytest.mark.parametrize("outcome, key", [("SURV", "conservative"), ("SURV", "parsimonious"),
                                          ("~SURV", "negated_conservative"), ("~SURV", "negated_parsimonious")])
def test_lm_four_conditions(LM, E, outcome, key):
    e = E["lipset_multivalue_LM"]["four_conditions_DEV_URB_LIT_IND"][key]
    tt = qca.truth_table(LM, outcome, C5[:4])
    s = qca.minimize(tt, "parsimonious" if key.endswith("parsimonious") else "conservative")
    assert s.models == [r_notation(e["solution"])]
    if "terms" in e:
        check_terms(s, "M1", e["terms"])
    check_model(s, 0, e["model"])
    if "n_OUT_1_0_C" in e:
        assert list(tt.n_out()) == e["n_OUT_1_0_C"]


def test_lm_super_subset(LM, E):
    want = E["lipset_multivalue_LM"]["superSubset_necessity"]["rows"]
    got = qca.super_subset(LM, "SURV", C5).tidy()
    assert list(got["term"]) == [w["expr"] for w in want]
    for (_, g), w in zip(got.iterrows(), want):
        for k in ("inclN", "RoN", "covN"):
            near(g[k], w[k], f"{w['expr']} {k}")


# --------------------------------------------------------------------------- Lipset fuzzy (LF)
def test_lf_truth_table(LF, E):
    want = E["lipset_fuzzy_LF"]["truth_table_incl_cut_0.8"]
    tt = qca.truth_table(LF, "SURV", C5, incl_cut=0.8, sort_by="incl")
    assert list(tt.table["row"]) == [w["row"] for w in want]
    check_tt_rows(tt, want, C5)


def test_lf_conservative(LF, E):
    e = E["lipset_fuzzy_LF"]["conservative"]
    tt = qca.truth_table(LF, "SURV", C5, incl_cut=0.8)
    s = qca.minimize(tt, "conservative")
    # R prints these two unminimised rows in the truth table's order (sorted by inclusion); govstudy orders the
    # terms of every model by one rule (fewer literals first, then ~X, X, absent condition by condition)
    assert len(s.models) == 1 and set(s.models[0].split(" + ")) == set(e["solution"].split(" + "))
    check_terms(s, "M1", e["terms"])
    check_model(s, 0, e["model"])
    assert list(tt.n_out()) == e["n_OUT_1_0_C"]


def test_lf_parsimonious(LF, E):
    e = E["lipset_fuzzy_LF"]["parsimonious"]
    s = qca.minimize(qca.truth_table(LF, "SURV", C5, incl_cut=0.8), "parsimonious")
    assert s.models == [e["solution"]]
    check_terms(s, "M1", e["terms"])
    check_model(s, 0, e["model"])


@pytest.mark.parametrize("key, dir_exp", [("intermediate", "DEV, URB, LIT, IND, STB"),
                                          ("intermediate_conjunctural_dir_exp", "DEV, STB, ~LIT*IND")])
def test_lf_intermediate(LF, E, key, dir_exp):
    e = E["lipset_fuzzy_LF"][key]
    s = qca.minimize(qca.truth_table(LF, "SURV", C5, incl_cut=0.8), "intermediate", dir_exp)
    assert s.models == [e["solution"]]
    check_terms(s, s.model_labels[0], e["terms"])
    check_model(s, 0, e["model"])
    assert s.model_labels == ["C1P1-M1"]
    easy, difficult = s.easy_counterfactuals["C1P1"], s.difficult_counterfactuals["C1P1"]
    used = set(s.simplifying_assumptions[0]["row"])
    assert set(easy["row"]) | set(difficult["row"]) == used and not set(easy["row"]) & set(difficult["row"])


def test_lf_contradictory_simplifying_assumptions(LF, E):
    want = E["lipset_fuzzy_LF"]["findRows_contradictory_SA_negated_outcome"]["rows"]
    tt = qca.truth_table(LF, "SURV", C5, incl_cut=0.8)
    assert qca.find_rows(tt, type=2, incl_cut=0.9, pri_cut=0.7) == want


def test_lf_necessity_single_conditions(LF, E):
    want = E["lipset_fuzzy_LF"]["necessity_single_conditions_COMPUTED_NOT_PUBLISHED"]
    got = qca.necessity(LF, "SURV", C5, negated_outcome=False).tidy().set_index("term")
    for term, vals in want.items():
        if term.startswith("_"):
            continue
        for k, v in zip(want["_order"].split(", "), vals):
            near(got.loc[term, k], v, f"{term} {k}")


def test_lf_calibration_from_raw(ref, E, LF):
    raw = _csv(ref, "lipset_LR_raw.csv")
    anchors = E["lipset_fuzzy_LF"]["calibration_from_LR"]["anchors"]
    for cond, a in anchors.items():
        th = {"exclusion": a["e"], "crossover": a["c"], "inclusion": a["i"]}
        got = qca.calibrate(raw[cond], thresholds=th, digits=2)
        assert isinstance(got, pd.Series) and got.index.equals(raw.index)
        np.testing.assert_array_equal(got.to_numpy(), LF[cond].to_numpy(), err_msg=cond)   # exact at 2 decimals


def test_crisp_and_multivalue_cuts_from_raw(ref, LC, LM):
    raw = _csv(ref, "lipset_LR_raw.csv")
    cuts = {"DEV": 550, "URB": 50, "LIT": 75, "IND": 30}
    for cond, cut in cuts.items():
        assert (qca.calibrate(raw[cond], "crisp", cut) == LC[cond]).all(), cond
    assert (qca.calibrate(raw["STB"], "crisp", 10, direction="decreasing") == LC["STB"]).all()
    assert (qca.calibrate(raw["SURV"], "crisp", 0, closed="right") == LC["SURV"]).all()
    assert (qca.calibrate(raw["DEV"], "multivalue", [550, 850]) == LM["DEV"]).all()


# --------------------------------------------------------------------------- Cebotari-Vink (CVF)
@pytest.mark.parametrize("key, outcome, negate", [("necessity_pof", "PROTEST", False),
                                                  ("necessity_negated_conditions", "PROTEST", True),
                                                  ("necessity_negated_outcome", "~PROTEST", False)])
def test_cvf_necessity(CVF, E, key, outcome, negate):
    want = E["cebotari_vink_CVF"][key]["rows"]
    got = qca.necessity(CVF, outcome, CVF_CONDS, negated_outcome=False).tidy().set_index("term")
    for term, vals in want.items():
        assert term.startswith("~") == negate
        for k, v in zip(("inclN", "RoN", "covN"), vals):
            near(got.loc[term, k], v, f"{term} {k}")


def test_cvf_sufficiency_of_each_condition(CVF, E):
    want = E["cebotari_vink_CVF"]["sufficiency_pof"]["rows"]
    got = qca.fit(" + ".join(CVF_CONDS), CVF, "PROTEST").tidy().set_index("term")
    for term, vals in want.items():
        for k, v in zip(("inclS", "PRI", "covS", "covU"), vals):
            near(got.loc[term, k], v, f"{term} {k}")


def test_cvf_sop_expression_fit(CVF, E):
    want = E["cebotari_vink_CVF"]["sop_expression_fit"]["rows"]
    got = qca.fit("~NATPRIDE + GEOCON", CVF, "PROTEST")
    t = got.tidy().set_index("term")
    assert list(t.index) == [w["term"] for w in want]
    for w in want:
        for k in ("inclS", "PRI", "covS", "covU"):
            if w[k] is None:
                assert np.isnan(t.loc[w["term"], k])
            else:
                near(t.loc[w["term"], k], w[k], f"{w['term']} {k}")


@pytest.mark.parametrize("key, outcome", [("superSubset", "PROTEST"), ("superSubset_negated", "~PROTEST")])
def test_cvf_super_subset(CVF, E, key, outcome):
    want = E["cebotari_vink_CVF"][key]["rows"]
    got = qca.super_subset(CVF, outcome, CVF_CONDS, incl_cut=0.90, cov_cut=0.6).tidy()
    assert list(got["term"]) == [w[0] for w in want]
    for (_, g), w in zip(got.iterrows(), want):
        for k, v in zip(("inclN", "RoN", "covN"), w[1:]):
            near(g[k], v, f"{w[0]} {k}")


@pytest.fixture(scope="module")
def cvf_pars(CVF):
    return qca.minimize(qca.truth_table(CVF, "PROTEST", CVF_CONDS, incl_cut=0.8), "parsimonious")


def test_cvf_four_tied_models(cvf_pars, E):
    e = E["cebotari_vink_CVF"]["parsimonious_model_ambiguity"]
    assert list(cvf_pars.truth_table.n_out()) == e["n_OUT_1_0_C"]
    assert cvf_pars.models_r == list(e["models"].values())
    assert cvf_pars.model_labels == list(e["models"])
    for k, label in enumerate(e["models"]):
        check_model(cvf_pars, k, e["model_fit"][label])
    assert len(cvf_pars.models) == 4 and len(set(cvf_pars.models)) == 4


def test_cvf_prime_implicant_chart(cvf_pars, E):
    e = E["cebotari_vink_CVF"]["parsimonious_model_ambiguity"]
    chart = cvf_pars.pi_chart
    assert list(chart.columns) == e["positive_rows_PI_chart_columns"] == e["PI_chart"]["columns"]
    assert list(chart.index) == list(e["PI_chart"]["rows"])
    for term, marks in e["PI_chart"]["rows"].items():
        assert " ".join("x" if v else "-" for v in chart.loc[term]) == marks, term
    assert cvf_pars.essential == [t["term"] for t in e["essential_PIs"]]


def test_cvf_prime_implicant_fit(cvf_pars, E):
    """Fit of each prime implicant, covU against all six (R's first covU column)."""
    e = E["cebotari_vink_CVF"]["parsimonious_model_ambiguity"]
    fit = cvf_pars.pi_fit.set_index("term")
    for t in e["essential_PIs"] + e["other_PIs"]:
        for k in ("inclS", "PRI", "covS", "covU"):
            near(fit.loc[t["term"], k], t[k], f"{t['term']} {k}")


def test_cvf_unique_coverage_within_each_model(cvf_pars, E):
    """covU of a term against the other terms of *its own* model: the fit attached to the right model."""
    e = E["cebotari_vink_CVF"]["parsimonious_model_ambiguity"]["covU_within_model"]
    fit = cvf_pars.term_fit.set_index(["term", "model"])
    for term, per_model in e.items():
        for label, v in per_model.items():
            near(fit.loc[(term, label), "covU"], v, f"{term} in {label}")
    # the other four implicants' covU in the models that use them, printed in the same R output
    # (inst/staticdocs/minimize.html, columns (M1)..(M4)); not in expected_results.json
    html = {("~DEMOC*ETHFRACT*POLDIS", "M1"): 0.040, ("~DEMOC*ETHFRACT*POLDIS", "M2"): 0.040,
            ("DEMOC*ETHFRACT*GEOCON", "M1"): 0.085, ("DEMOC*ETHFRACT*GEOCON", "M3"): 0.085,
            ("DEMOC*ETHFRACT*~POLDIS", "M2"): 0.085, ("DEMOC*ETHFRACT*~POLDIS", "M4"): 0.085,
            ("ETHFRACT*GEOCON*POLDIS", "M3"): 0.045, ("ETHFRACT*GEOCON*POLDIS", "M4"): 0.045}
    for key, v in html.items():
        near(fit.loc[key, "covU"], v, str(key))
    assert len(cvf_pars.term_fit) == 16


# --------------------------------------------------------------------------- brute force
def _all_codes(levels):
    return list(product(*[range(lv + 1) for lv in levels]))


def _covers(code, config):
    return all(c == 0 or c == v + 1 for c, v in zip(code, config))


def brute_force(levels, on, off):
    """Prime implicants by definition and every minimum cover by trying every subset in increasing size."""
    on, off = [tuple(r) for r in on], [tuple(r) for r in off]
    imp = [c for c in _all_codes(levels) if not any(_covers(c, x) for x in off) and any(_covers(c, x) for x in on)]
    impset = set(imp)

    def parents(c):                       # drop one literal
        return [c[:j] + (0,) + c[j + 1:] for j in range(len(c)) if c[j]]

    pis = sorted(c for c in imp if not any(p in impset for p in parents(c)))
    for k in range(1, len(pis) + 1):
        found = [set(s) for s in combinations(pis, k) if all(any(_covers(t, x) for t in s) for x in on)]
        if found:
            return pis, found
    return pis, [set()]


def _random_problem(rng, levels):
    configs = list(product(*[range(lv) for lv in levels]))
    kind = rng.choice(3, size=len(configs), p=[0.35, 0.35, 0.30])       # on / off / remainder
    if not (kind == 0).any():
        kind[rng.integers(len(configs))] = 0
    on = [c for c, k in zip(configs, kind) if k == 0]
    off = [c for c, k in zip(configs, kind) if k == 1]
    return on, off, [c for c, k in zip(configs, kind) if k == 2]


@pytest.mark.parametrize("levels", [[2, 2], [2, 2, 2], [2, 2, 2, 2], [3, 2, 2], [3, 3, 2]])
def test_minimum_covers_equal_brute_force(levels):
    rng = np.random.default_rng(20261202 + len(levels) + sum(levels))
    n_multi = 0
    for _ in range(25):
        on, off, rem = _random_problem(rng, levels)
        for bad in (off, off + rem):                  # parsimonious (remainders free), conservative
            want_pis, want_covers = brute_force(levels, on, bad)
            pis = prime_implicants(levels, np.array(on), np.array(bad).reshape(-1, len(levels)))
            assert sorted(pis) == want_pis
            covers = minimum_covers(coverage(pis, np.array(on)))
            got = [{pis[p] for p in c} for c in covers]
            assert len(got) == len(want_covers) and all(g in want_covers for g in got), (levels, on, bad)
            n_multi += len(want_covers) > 1
    assert n_multi >= (1 if len(levels) == 2 else 3)     # ties occur, so "every model" is really tested


@pytest.mark.parametrize("seed", range(6))
def test_minimize_returns_every_tied_model_like_brute_force(seed):
    """Through the public API: one crisp case per observed configuration."""
    rng = np.random.default_rng(seed)
    levels = [2, 2, 2, 2]
    on, off, _ = _random_problem(rng, levels)
    names = ["A", "B", "C", "D"]
    d = pd.DataFrame(on + off, columns=names)
    d["Y"] = [1] * len(on) + [0] * len(off)
    tt = qca.truth_table(d, "Y", names)
    for solution, bad in (("parsimonious", off), ("conservative", None)):
        if bad is None:
            observed = set(map(tuple, on + off))
            bad = off + [c for c in product(range(2), repeat=4) if c not in observed]
        _, want = brute_force(levels, on, bad)
        s = qca.minimize(tt, solution)
        assert len(s.models) == len(want)
        assert all(set(terms) in want for terms in s.model_terms)
        assert len(s.term_fit) == sum(len(t) for t in s.model_terms)


def test_minimum_covers_split_into_blocks():
    # two independent blocks, each with two tied covers of size 1: four models of size 2
    chart = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], bool)
    assert minimum_covers(chart) == [(0, 2), (0, 3), (1, 2), (1, 3)]
    with pytest.raises(ArgumentError, match="equally minimal models"):
        minimum_covers(chart, max_models=3)


# --------------------------------------------------------------------------- bad input
def _frame():
    return pd.DataFrame({"A": [0.2, 0.7, 0.9, 0.1], "B": [1, 0, 1, 0], "Y": [0.1, 0.8, 0.9, 0.2]},
                        index=["p", "q", "r", "s"])


def test_missing_score_names_column_and_row():
    d = _frame()
    d.loc["q", "A"] = np.nan
    with pytest.raises(DataValidationError, match=r"column 'A'.*rows \[2\]"):
        qca.truth_table(d, "Y", ["A", "B"])


def test_non_numeric_score_names_column_and_row():
    d = _frame().astype({"B": object})
    d.loc["r", "B"] = "yes"
    with pytest.raises(DataValidationError, match=r"column 'B'.*rows \[3\].*'yes'"):
        qca.necessity(d, "Y", ["A", "B"])


def test_out_of_range_scores_name_column_and_row():
    d = _frame()
    d.loc["s", "A"] = 1.3
    with pytest.raises(DataValidationError, match=r"column 'A'.*1.3 in row 4"):
        qca.truth_table(d, "Y", ["A", "B"])
    d = _frame()
    d.loc["p", "B"] = -1
    with pytest.raises(DataValidationError, match=r"column 'B'.*row 1"):
        qca.fit("A*B", d, "Y")


def test_multivalue_outcome_and_unknown_names_are_refused():
    d = _frame().assign(Y=[0, 1, 2, 1])
    with pytest.raises(DataValidationError, match="column 'Y'.*outcome must be crisp"):
        qca.truth_table(d, "Y", ["A", "B"])
    with pytest.raises(ArgumentError, match="'C' is not a column"):
        qca.truth_table(_frame(), "Y", ["A", "C"])
    with pytest.raises(ArgumentError, match="'C' in 'A\\*C' is not a condition"):
        qca.fit("A*C", _frame(), "Y", conditions=["A", "B"])
    with pytest.raises(ArgumentError, match="dir_exp names 'Z'"):
        qca.minimize(qca.truth_table(_frame(), "Y", ["A", "B"], incl_cut=0.8), "intermediate", "A, Z")


def test_minimize_refuses_what_it_cannot_do():
    tt = qca.truth_table(_frame(), "Y", ["A", "B"], incl_cut=0.8)
    with pytest.raises(ArgumentError, match="needs directional expectations"):
        qca.minimize(tt, "intermediate")
    with pytest.raises(ArgumentError, match="no truth-table row has OUT = 1"):
        qca.minimize(qca.truth_table(_frame().assign(Y=0.0), "Y", ["A", "B"]), "parsimonious")
    with pytest.raises(ArgumentError, match="truth table"):
        qca.minimize(_frame())


def test_score_at_exactly_half_warns_and_names_the_case():
    d = _frame()
    d.loc["r", "A"] = 0.5
    with pytest.warns(qca.QCAWarning, match="exactly 0.5.*: r$"):
        tt = qca.truth_table(d, "Y", ["A", "B"])
    assert tt.unassigned == ["r"] and "r" not in ",".join(tt.table["cases"])
    assert tt.table["n"].sum() == 3


def test_calibration_at_the_crossover_warns_or_nudges():
    th = {"e": 0, "c": 5, "i": 10}
    x = pd.Series([0, 5, 10], index=["a", "b", "c"], name="RAW")
    with pytest.warns(qca.QCAWarning, match=r"exactly 0.5 \(b\) in RAW"):
        qca.calibrate(x, thresholds=th)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert qca.calibrate(x, thresholds=th, at_crossover="up")["b"] == 0.501
        assert qca.calibrate(x, thresholds=th, at_crossover="down")["b"] == 0.499
    with pytest.raises(DataValidationError, match="column 'RAW'.*exactly 0.5"):
        qca.calibrate(x, thresholds=th, at_crossover="error")
    with pytest.raises(ArgumentError, match="anchors must be ordered"):
        qca.calibrate(x, thresholds={"e": 0, "c": 12, "i": 10})
    with pytest.raises(DataValidationError, match="column 'RAW'.*rows \\[2\\]"):
        qca.calibrate(x.where(x != 5), thresholds=th)


def test_calibration_is_logistic_in_the_anchors():
    got = qca.calibrate([400, 550, 900, 725], thresholds={"exclusion": 400, "crossover": 550, "inclusion": 900},
                        at_crossover="up")
    # log-odds -3, 0 (nudged), +3 and +1.5 (half-way between crossover and inclusion)
    np.testing.assert_allclose(got, [1 / (1 + np.exp(3)), 0.501, 1 / (1 + np.exp(-3)), 1 / (1 + np.exp(-1.5))],
                               rtol=0, atol=1e-12)
    dec = qca.calibrate([5, 9.5, 15], thresholds={"inclusion": 5, "crossover": 9.5, "exclusion": 15},
                        at_crossover="down")
    np.testing.assert_allclose(dec, [1 / (1 + np.exp(-3)), 0.499, 1 / (1 + np.exp(3))], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- robustness and simulation
def test_simulated_truth_is_recovered_and_labelled():
    d = qca.simulate_configurations("A*B + C*~D", ["A", "B", "C", "D"], n_cases=60, seed=3)
    assert d.attrs["simulated"] and d["simulated"].all() and d.attrs["truth"] == "A*B + C*~D"
    s = qca.minimize(qca.truth_table(d, "Y", ["A", "B", "C", "D"], incl_cut=0.9), "parsimonious")
    assert s.models == ["A*B + C*~D"]


def test_robustness_reports_changed_solutions():
    d = qca.simulate_configurations("A*B + C", ["A", "B", "C"], n_cases=30, seed=2)
    r = qca.robustness(d, "Y", ["A", "B", "C"], incl_cut=0.9, incl_cuts=[0.8, 0.99], drop_cases=True)
    t = r.tidy()
    assert t["term"].iloc[0] == "baseline=-" and bool(t["same_as_baseline"].iloc[0])
    assert len(t) == 1 + 2 + 30 and set(t["variant"]) == {"baseline", "incl_cut", "drop_case"}
