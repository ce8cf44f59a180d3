"""Goodman-Bacon decomposition: weights sum to 1 and the weighted 2x2 estimates equal TWFE (abs=1e-10)."""

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, bacon_decomposition, twfe


def test_mpdta_decomposition_equals_twfe():
    df = govstudy.load("mpdta")
    df = df.assign(D=((df["first.treat"] > 0) & (df["year"] >= df["first.treat"])).astype(int))
    b = bacon_decomposition(df, y="lemp", treat="D", unit="countyreal", time="year")
    assert b.table["weight"].sum() == pytest.approx(1, abs=1e-12)
    assert b.estimate == pytest.approx(twfe(df, y="lemp", treat="D", unit="countyreal", time="year").estimate, abs=1e-10)
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
    b = bacon_decomposition(df, y="y", treat="D", unit="id", time="t")
    assert b.estimate == pytest.approx(twfe(df, y="y", treat="D", unit="id", time="t").estimate, abs=1e-10)
    assert "Treated vs always treated" in set(b.table["type"])
    assert (b.table["weight"] > 0).all()


def test_unbalanced_is_refused():
    df = govstudy.load("mpdta").iloc[1:]
    with pytest.raises(DataValidationError, match="needs a balanced panel"):
        bacon_decomposition(df.assign(D=df["treat"] * (df["year"] >= df["first.treat"])), y="lemp", treat="D",
                            unit="countyreal", time="year")


def test_each_comparison_matches_hand_computed_2x2_and_goodman_bacon_weights():
    """Independent check of every row (abs 1e-10), on 8 units x 6 periods: early (treated from t=3: units 0-1),
    late (t=5: units 2-4), never (units 5-7).

    Estimates: each 2x2 DiD from plain means of the relevant units and periods (Goodman-Bacon 2021, sec. 2):
    treated vs never over all periods; earlier vs later over the periods before the later group is treated
    (t < 5), later as control; later vs earlier over the periods from the earlier group's treatment on (t >= 3),
    earlier (already treated) as control.
    Weights (eq. 10): each comparison's weight is (its subsample's share of all unit-periods)^2 times the
    variance of the two-way-demeaned treatment within that subsample, divided by V^D, the variance of the
    two-way-demeaned treatment in the whole panel. Here the subsample variances are computed numerically from
    the 0/1 treatment matrices, and Theorem 1 (the unnormalised weights add up to V^D) is checked too.
    """
    rng = np.random.default_rng(11)
    T, units = 6, np.arange(8)
    first = {0: 3, 1: 3, 2: 5, 3: 5, 4: 5, 5: 0, 6: 0, 7: 0}
    df = pd.DataFrame({"id": np.repeat(units, T), "t": np.tile(np.arange(1, T + 1), len(units))})
    g = df["id"].map(first)
    df["D"] = ((g > 0) & (df["t"] >= g)).astype(int)
    df["y"] = (rng.normal(size=len(units))[df["id"]] + 0.3 * df["t"] + df["D"] * (1 + 0.5 * (df["t"] - g))
               + rng.normal(size=len(df)))
    early, late, never = [0, 1], [2, 3, 4], [5, 6, 7]

    def mean(ids, periods):
        s = df[df["id"].isin(ids) & df["t"].isin(periods)]
        return s["y"].mean()

    def did(treated, control, pre, post):
        return (mean(treated, post) - mean(treated, pre)) - (mean(control, post) - mean(control, pre))

    def vdemeaned(ids, periods):
        """Variance (population) of the treatment after removing unit and period means, in a balanced subsample."""
        D = df[df["id"].isin(ids) & df["t"].isin(periods)].pivot(index="id", columns="t", values="D").to_numpy(float)
        R = D - D.mean(1, keepdims=True) - D.mean(0, keepdims=True) + D.mean()
        return (R ** 2).mean()

    N = len(units)
    allp = list(range(1, T + 1))
    expected = {  # (type, treated, control): (hand 2x2 estimate, ids, periods)
        ("Treated vs never treated", 3, "never"): (did(early, never, [1, 2], [3, 4, 5, 6]), early + never, allp),
        ("Treated vs never treated", 5, "never"): (did(late, never, [1, 2, 3, 4], [5, 6]), late + never, allp),
        ("Earlier vs later treated", 3, 5): (did(early, late, [1, 2], [3, 4]), early + late, [1, 2, 3, 4]),
        ("Later vs earlier treated", 5, 3): (did(late, early, [3, 4], [5, 6]), late + early, [3, 4, 5, 6]),
    }
    raw = {k: ((len(ids) * len(per)) / (N * T)) ** 2 * vdemeaned(ids, per) for k, (_, ids, per) in expected.items()}
    VD = vdemeaned(list(units), allp)
    assert sum(raw.values()) == pytest.approx(VD, abs=1e-12)          # Theorem 1: weights sum to one

    b = bacon_decomposition(df, y="y", treat="D", unit="id", time="t")
    assert len(b.table) == len(expected)
    for row in b.table.itertuples():
        key = (row.type, row.treated, row.control)
        assert key in expected, key
        assert row.estimate == pytest.approx(expected[key][0], abs=1e-10), key
        assert row.weight == pytest.approx(raw[key] / VD, abs=1e-10), key
    # the 2x2 estimates weighted by the hand weights reproduce TWFE
    assert sum(raw[k] / VD * v[0] for k, v in expected.items()) == pytest.approx(
        twfe(df, y="y", treat="D", unit="id", time="t").estimate, abs=1e-10)
