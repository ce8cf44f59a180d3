"""2x2 DiD: Wooldridge Ex. 13.3 (kielmc) reproduced to the printed precision (2 decimals: abs=5e-3)."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import govstudy
from govstudy import DataValidationError, did_2x2
from govstudy.estimators import CollinearityWarning, FewTreatedClustersWarning, SampleWarning


@pytest.fixture(scope="module")
def kielmc():
    return govstudy.load("kielmc")


@pytest.mark.parametrize("cov, est, se", [
    (None, -11863.90, 7456.65),
    (["age", "agesq"], -21920.27, 6359.75),
    ("age agesq intst land area rooms baths".split(), -14177.93, 4987.27),
])
def test_kielmc_reference(kielmc, cov, est, se):
    r = did_2x2(kielmc, y="rprice", treated="nearinc", post="y81", covariates=cov)
    assert r.estimate == pytest.approx(est, abs=5e-3)  # printed to 2 decimals
    assert r.std_error == pytest.approx(se, abs=5e-3)
    t = r.tidy()
    assert list(t.columns)[:7] == ["term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"]
    assert "nearinc:y81" in r.summary() and "<table" in r._repr_html_()


@pytest.mark.parametrize("vcov, pvcov", [("hc1", "hetero"), ("cluster", {"CRV1": "nbh"})])
def test_kielmc_vcov_matches_pyfixest(kielmc, vcov, pvcov):
    r = did_2x2(kielmc, y="rprice", treated="nearinc", post="y81", covariates=["age"], vcov=vcov,
                cluster="nbh" if vcov == "cluster" else None)
    m = pf.feols("rprice ~ nearinc * y81 + age", kielmc, vcov=pvcov)
    assert r.estimate == pytest.approx(m.coef()["nearinc:y81"], rel=1e-6)
    assert r.std_error == pytest.approx(m.se()["nearinc:y81"], rel=1e-6)


def test_bad_inputs(kielmc):
    with pytest.raises(DataValidationError, match="must be 0/1"):
        did_2x2(kielmc.assign(post=2), y="rprice", treated="nearinc", post="post")
    with pytest.raises(DataValidationError, match="outcome is missing"):
        did_2x2(kielmc.assign(rprice=np.nan), y="rprice", treated="nearinc", post="y81")
    with pytest.warns(CollinearityWarning, match=r"\['age2'\]"):
        did_2x2(kielmc.assign(age2=2 * kielmc["age"]), y="rprice", treated="nearinc", post="y81", covariates=["age", "age2"])
    with pytest.raises(DataValidationError, match="degenerate"):
        did_2x2(kielmc.assign(y81=kielmc["nearinc"]), y="rprice", treated="nearinc", post="y81")


def test_one_treated_cluster_warns():
    df = pd.DataFrame({"y": np.arange(16.0) ** 1.3, "g": [1, 1, 0, 0] * 4, "p": [0, 1] * 8,
                       "cl": [1, 1, 2, 3] * 4})
    with pytest.warns(FewTreatedClustersWarning, match="wild_cluster_bootstrap.*randomization_inference"):
        did_2x2(df, y="y", treated="g", post="p", vcov="cluster", cluster="cl")


def test_text_in_a_numeric_column_is_an_error_not_a_missing_value():
    df = pd.DataFrame({"y": [1, 2, 3, 6, 1.1, "abc", 2.9, 6.1], "g": [0, 0, 1, 1] * 2, "p": [0, 1, 0, 1] * 2})
    with pytest.raises(DataValidationError) as err:
        did_2x2(df, y="y", treated="g", post="p")
    assert (err.value.column, err.value.row) == ("y", 6) and "expected a number, found 'abc'" in str(err.value)
    df2 = df.assign(y=[1, 2, 3, 6, 1.1, 2.1, 2.9, 6.1], g=[0, 0, 1, "yes"] * 2)
    with pytest.raises(DataValidationError, match="expected a number, found 'yes'"):
        did_2x2(df2, y="y", treated="g", post="p")


def test_missing_values_are_dropped_with_a_warning_and_a_missing_cluster_column_is_named():
    df = pd.DataFrame({"y": [1, 2, 3, 6, 1.1, None, 2.9, 6.1, 1.0, 2.0, 3.1, 6.2], "g": [0, 0, 1, 1] * 3,
                       "p": [0, 1, 0, 1] * 3})
    with pytest.warns(SampleWarning, match="1 of 12 rows left out \\(1 with a missing outcome, group, post or covariate; "
                                           "first: row 6\\)"):
        res = did_2x2(df, y="y", treated="g", post="p")
    assert res.nobs == 11
    with pytest.raises(DataValidationError, match="column 'zz' not found"):
        did_2x2(df.dropna(), y="y", treated="g", post="p", vcov="cluster", cluster="zz")
