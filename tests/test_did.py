"""2x2 DiD: Wooldridge Ex. 13.3 (kielmc) reproduced to the printed precision (2 decimals: abs=5e-3)."""

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import govstudy
from govstudy import DataValidationError, did_2x2
from govstudy.estimators import CollinearityWarning, FewTreatedClustersWarning


@pytest.fixture(scope="module")
def kielmc():
    return govstudy.load("kielmc")


@pytest.mark.parametrize("cov, est, se", [
    (None, -11863.90, 7456.65),
    (["age", "agesq"], -21920.27, 6359.75),
    ("age agesq intst land area rooms baths".split(), -14177.93, 4987.27),
])
def test_kielmc_reference(kielmc, cov, est, se):
    r = did_2x2(kielmc, "rprice", treated="nearinc", post="y81", covariates=cov)
    assert r.estimate == pytest.approx(est, abs=5e-3)  # printed to 2 decimals
    assert r.std_error == pytest.approx(se, abs=5e-3)
    t = r.tidy()
    assert list(t.columns) == ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
    assert "nearinc:y81" in r.summary() and "<table" in r._repr_html_()


@pytest.mark.parametrize("vcov, pvcov", [("hc1", "hetero"), ({"cluster": "nbh"}, {"CRV1": "nbh"})])
def test_kielmc_vcov_matches_pyfixest(kielmc, vcov, pvcov):
    r = did_2x2(kielmc, "rprice", "nearinc", "y81", covariates=["age"], vcov=vcov)
    m = pf.feols("rprice ~ nearinc * y81 + age", kielmc, vcov=pvcov)
    assert r.estimate == pytest.approx(m.coef()["nearinc:y81"], rel=1e-6)
    assert r.std_error == pytest.approx(m.se()["nearinc:y81"], rel=1e-6)


def test_bad_inputs(kielmc):
    with pytest.raises(DataValidationError, match="must be 0/1"):
        did_2x2(kielmc.assign(post=2), "rprice", "nearinc", "post")
    with pytest.raises(DataValidationError, match="outcome is missing"):
        did_2x2(kielmc.assign(rprice=np.nan), "rprice", "nearinc", "y81")
    with pytest.warns(CollinearityWarning, match=r"\['age2'\]"):
        did_2x2(kielmc.assign(age2=2 * kielmc["age"]), "rprice", "nearinc", "y81", covariates=["age", "age2"])
    with pytest.raises(DataValidationError, match="degenerate"):
        did_2x2(kielmc.assign(y81=kielmc["nearinc"]), "rprice", "nearinc", "y81")


def test_one_treated_cluster_warns():
    df = pd.DataFrame({"y": np.arange(16.0) ** 1.3, "g": [1, 1, 0, 0] * 4, "p": [0, 1] * 8,
                       "cl": [1, 1, 2, 3] * 4})
    with pytest.warns(FewTreatedClustersWarning, match="wild cluster bootstrap or randomization inference"):
        did_2x2(df, "y", "g", "p", vcov={"cluster": "cl"})
