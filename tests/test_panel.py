"""Panel validation: every bad input gets a DataValidationError naming column/row/rule, or a PanelWarning."""

import numpy as np
import pandas as pd
import pytest

from govstudy import DataValidationError, Panel
from govstudy.panel import PanelWarning, as_panel


def frame():
    return pd.DataFrame({"id": [1, 1, 1, 2, 2, 2, 3, 3, 3], "t": [1, 2, 3] * 3,
                         "y": np.arange(9.0), "g": [2, 2, 2, 0, 0, 0, 3, 3, 3]})


def test_properties_and_derived_treatment():
    p = Panel(frame(), unit="id", time="t", y="y", cohort="g")
    assert (p.n_units, p.n_periods, p.n_obs, p.is_balanced) == (3, 3, 9, True)
    assert list(p.periods) == [1, 2, 3]
    assert list(p.cohorts) == [2, 3]
    assert list(p.never_treated) == [2]
    assert p.treat_values.tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 1]
    assert p.wide().shape == (3, 3)
    q = Panel(frame().assign(D=p.treat_values), unit="id", time="t", treat="D", y="y")
    assert q.unit_cohort.tolist() == [2, 0, 3]
    assert "balanced" in repr(p)


def _layout(ids, periods, shuffle=False, reverse_periods=False, drop=0, seed=0):
    """A panel frame with the given unit ids and periods, in one of the row orders panels come in."""
    rng = np.random.default_rng(seed)
    u, t = np.repeat(ids, len(periods)), np.tile(periods[::-1] if reverse_periods else periods, len(ids))
    g = rng.choice(np.r_[0, periods[1:]], len(ids))[np.repeat(np.arange(len(ids)), len(periods))]
    df = pd.DataFrame({"id": u, "t": t, "g": g, "y": rng.normal(size=len(u))})
    if drop:
        df = df.drop(index=rng.choice(len(df), drop, replace=False))
    return df.sample(frac=1, random_state=seed) if shuffle else df


LAYOUTS = {  # name: (unit ids, periods, row-order options)
    "ids 0..k-1, sorted": (np.arange(40), np.arange(1, 7), {}),
    "ids 1..k, sorted": (np.arange(1, 41), np.arange(2010, 2016), {}),
    "gapped ids, sorted, gapped periods": (np.arange(40) * 3 - 7, np.array([1, 2, 4, 8, 9]), {}),
    "sorted ids, periods reversed within each unit": (np.arange(40) * 2, np.arange(1, 7), {"reverse_periods": True}),
    "shuffled rows": (np.arange(40), np.arange(1, 7), {"shuffle": True}),
    "ids over a huge range, periods over a huge range": (np.arange(40) * 10**9, np.array([1, 5, 10**9]), {}),
    "string ids": (np.array([f"街道{i:02d}" for i in range(40)]), np.arange(1, 7), {"shuffle": True}),
    "sorted, unbalanced": (np.arange(40), np.arange(1, 7), {"drop": 17}),
    "shuffled, unbalanced": (np.arange(40) + 5, np.arange(1, 7), {"drop": 17, "shuffle": True}),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_row_order_and_id_layout_give_the_panel_pandas_gives(layout):
    # the fast paths for sorted frames and consecutive ids must agree with a plain pandas factorisation
    ids, periods, opts = LAYOUTS[layout]
    df = _layout(ids, periods, **opts)
    p = Panel(df, unit="id", time="t", y="y", cohort="g", balance="keep")
    ucodes, units = pd.factorize(df["id"], sort=True)
    tcodes, times = pd.factorize(df["t"], sort=True)
    assert p.units.tolist() == units.tolist() and p.periods.tolist() == times.tolist()
    assert p.unit_codes.tolist() == ucodes.tolist() and p.time_codes.tolist() == tcodes.tolist()
    first = df.groupby("id", sort=True)["g"].first()
    assert p.unit_cohort.tolist() == first.tolist()
    expect = np.where(df["g"].to_numpy() > 0, np.searchsorted(times, df["g"].to_numpy()), -1)
    assert p.cohort_codes.tolist() == expect.tolist()
    counts = df.groupby("id", sort=True).size().to_numpy()
    assert p.is_balanced == bool((counts == len(times)).all())
    assert p.balance_report()["incomplete_units"] == int((counts < len(times)).sum())
    table = df.pivot(index="id", columns="t", values="y").reindex(index=units, columns=times).to_numpy()
    np.testing.assert_array_equal(p.wide(), table)
    # a duplicated row is found whatever the layout, and named by its row in the frame
    for dup, row in ((pd.concat([df, df.iloc[[3]]]), len(df) + 1), (pd.concat([df.iloc[:4], df.iloc[3:]]), 5)):
        with pytest.raises(DataValidationError, match="duplicate unit-period row") as e:
            Panel(dup, unit="id", time="t", y="y", balance="keep")
        assert e.value.row == row
    # a cohort that changes within a unit is found too
    bad = df.copy()
    bad.iloc[5, bad.columns.get_loc("g")] = periods[-1] + 1 if bad.iloc[5]["g"] == 0 else 0
    with pytest.raises(DataValidationError, match="cohort is not constant"):
        Panel(bad, unit="id", time="t", y="y", cohort="g", balance="keep")


def test_duplicate_unit_period_names_first_duplicate_row():
    df = frame()
    df.loc[len(df)] = [2, 3, 1.0, 0]  # duplicates row 6 (id 2, t 3) at row 10
    with pytest.raises(DataValidationError, match="duplicate unit-period row: unit 2, period 3") as e:
        Panel(df, unit="id", time="t", y="y")
    assert e.value.row == 10 and e.value.rule == "unique-unit-time"


def test_missing_ids_or_time():
    df = frame().astype({"t": float})
    df.loc[4, "t"] = np.nan
    with pytest.raises(DataValidationError, match="missing time value") as e:
        Panel(df, unit="id", time="t", y="y")
    assert e.value.row == 5 and e.value.column == "t"
    df = frame().astype({"id": float})
    df.loc[0, "id"] = np.nan
    with pytest.raises(DataValidationError, match="unit id") as e:
        Panel(df, unit="id", time="t", y="y")
    assert e.value.row == 1


def test_non_integer_time():
    df = frame().astype({"t": float})
    df.loc[2, "t"] = 2.5
    with pytest.raises(DataValidationError, match="2.5 is not an integer period"):
        Panel(df, unit="id", time="t", y="y")


def test_all_nan_outcome():
    with pytest.raises(DataValidationError, match="outcome is missing .NaN. in every row"):
        Panel(frame().assign(y=np.nan), unit="id", time="t", y="y")


def test_treatment_switching_off_names_unit():
    df = frame().assign(D=[0, 1, 0, 0, 0, 0, 0, 0, 1])
    with pytest.raises(DataValidationError, match="treatment switches off for unit 1 at period 3") as e:
        Panel(df, unit="id", time="t", y="y", treat="D")
    assert e.value.row == 3
    Panel(df, unit="id", time="t", y="y", treat="D", absorbing=False)  # explicit opt-out works


def test_non_binary_treatment_and_inconsistent_cohort():
    with pytest.raises(DataValidationError, match="0/1"):
        Panel(frame().assign(D=2), unit="id", time="t", y="y", treat="D")
    df = frame()
    df.loc[1, "g"] = 3
    with pytest.raises(DataValidationError, match="cohort is not constant within unit 1"):
        Panel(df, unit="id", time="t", y="y", cohort="g")


def test_unbalanced_reports_before_dropping():
    df = frame().drop(index=[4])  # unit 2 misses t=2
    with pytest.warns(PanelWarning, match=r"1 of 3 units lack some.*would drop 1 units \(2 rows\)"):
        p = Panel(df, unit="id", time="t", y="y")
    assert p.n_units == 3 and not p.is_balanced  # nothing dropped
    with pytest.warns(PanelWarning, match="Dropped them"):
        q = Panel(df, unit="id", time="t", y="y", balance="drop")
    assert q.n_units == 2 and q.is_balanced
    with pytest.raises(DataValidationError, match="unbalanced panel"):
        Panel(df, unit="id", time="t", y="y", balance="error")
    # a missing outcome counts as an unobserved period
    with pytest.warns(PanelWarning, match="missing outcome"):
        Panel(frame().assign(y=[np.nan] + [1.0] * 8), unit="id", time="t", y="y")


def test_missing_column_and_as_panel_passthrough():
    with pytest.raises(DataValidationError, match="not found"):
        Panel(frame(), unit="id", time="t", y="nope")
    p = Panel(frame(), unit="id", time="t", y="y", cohort="g")
    assert as_panel(p, y="y") is p


def test_reusing_a_panel_with_another_treatment_column():
    """A Panel built for one measure can be estimated for another: the new treat column replaces the old cohort."""
    import govstudy

    panel, _ = govstudy.simulate_panel(govstudy.Design(n_counties=1, communities_per_county=12, n_months=12), seed=1)
    res = govstudy.twfe(panel, y="certificates", treat="treated_service_upgrade")
    direct = govstudy.twfe(panel.data, y="certificates", treat="treated_service_upgrade", unit=panel.unit,
                           time=panel.time)
    assert res.estimate == pytest.approx(direct.estimate, rel=1e-12)


def test_reusing_a_panel_replaces_the_treatment_definition_both_ways():
    """as_panel on a Panel: a new treat column alone replaces the old cohort (derived anew), a new cohort column
    alone replaces the old treat column; a column already in use keeps the other one. (Guards the restructured
    if/else in as_panel; behaviour unchanged.)"""
    df = frame().assign(g2=[3, 3, 3, 0, 0, 0, 0, 0, 0])
    df["D2"] = ((df["g2"] > 0) & (df["t"] >= df["g2"])).astype(int)
    df["D"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(int)
    by_cohort = Panel(df, unit="id", time="t", y="y", cohort="g")
    q = as_panel(by_cohort, treat="D2")
    assert (q.treat_col, q.cohort_col) == ("D2", None) and q.unit_cohort.tolist() == [3, 0, 0]
    by_treat = Panel(df, unit="id", time="t", y="y", treat="D")
    q = as_panel(by_treat, cohort="g2")
    assert (q.treat_col, q.cohort_col) == (None, "g2") and q.treat_values.tolist() == df["D2"].tolist()
    both = Panel(df, unit="id", time="t", y="y", treat="D", cohort="g")
    q = as_panel(both, y="g2")             # a new outcome only: the treatment definition is kept
    assert (q.treat_col, q.cohort_col, q.y) == ("D", "g", "g2")
    q = as_panel(by_cohort, treat="D", cohort="g")
    assert (q.treat_col, q.cohort_col) == ("D", "g")
