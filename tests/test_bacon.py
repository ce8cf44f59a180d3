"""Goodman-Bacon decomposition: weights sum to 1 and the weighted 2x2 estimates equal TWFE (abs=1e-10)."""

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, bacon_decomposition, twfe


def test_mpdta_decomposition_equals_twfe():
    df = govstudy.load("mpdta")
    df = df.assign(D=((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).astype(int))
    b = bacon_decomposition(df, "lemp", "D", "countyreal", "year")
    assert b.table["weight"].sum() == pytest.approx(1, abs=1e-12)
    assert b.estimate == pytest.approx(twfe(df, "lemp", "D", "countyreal", "year").estimate, abs=1e-10)
    assert set(b.table["type"]) == {"Treated vs never treated", "Earlier vs later treated", "Later vs earlier treated"}
    assert len(b.table) == 9
    assert "Goodman-Bacon" in b.summary() and b.plot() is not None


@pytest.mark.parametrize("seed", [0, 1])
def test_random_designs_with_always_treated(seed):
    rng = np.random.default_rng(seed)
    n, T = 60, 9
    df = pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(1, T + 1), n)})
    g = rng.choice([0, 1, 3, 4, 7], n)[df["id"]]
    df["D"] = ((g > 0) & (df["t"] >= g)).astype(int)
    df["y"] = df["D"] * rng.normal(1, 1, n)[df["id"]] * (df["t"] - g + 1) + rng.normal(size=len(df)) + df["id"] % 5
    b = bacon_decomposition(df, "y", "D", "id", "t")
    assert b.estimate == pytest.approx(twfe(df, "y", "D", "id", "t").estimate, abs=1e-10)
    assert "Treated vs always treated" in set(b.table["type"])
    assert (b.table["weight"] > 0).all()


def test_unbalanced_is_refused():
    df = govstudy.load("mpdta").iloc[1:]
    with pytest.raises(DataValidationError, match="needs a balanced panel"):
        bacon_decomposition(df.assign(D=df["treat"] * (df["year"] >= df["first.treat"])), "lemp", "D",
                            "countyreal", "year")
