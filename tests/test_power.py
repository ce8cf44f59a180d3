"""Power analysis: the lean estimators equal the public ones; power behaves; seeds and workers; errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import govstudy
from govstudy.power import PowerResult, power
from govstudy.simulate import Design, DesignError, simulate_panel

SMALL = Design(n_counties=1, communities_per_county=40, n_months=24)


@pytest.mark.parametrize("estimator", ["att_gt", "twfe"])
@pytest.mark.parametrize("county", [False, True])
def test_every_simulated_estimate_equals_the_public_estimator(estimator, county):
    """power's k-th simulation (seed SeedSequence(seed).spawn(n_sims)[k]) estimates exactly what govstudy.att_gt
    (simple aggregation, analytic SE) or govstudy.twfe (CRV1) give on simulate_panel's panel with that seed,
    clustered by community or county: estimates to 1e-10, SEs to 1e-8; the truth is the simulator's."""
    d = Design() if not county else Design(n_counties=6, communities_per_county=10, assignment="county",
                                           share_treated={"access_list": 0.5})
    res = power(d, estimator=estimator, n_sims=3, seed=11, n_jobs=1, progress=False,
                cluster="county" if county else "community")
    draws = res.draws[0]
    for k, child in enumerate(np.random.SeedSequence(11).spawn(3)):
        panel, truth = simulate_panel(d, seed=child)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", govstudy.FewClustersWarning)  # 6 counties: the point of the design
            if estimator == "att_gt":
                r = govstudy.att_gt(panel, y="certificates", unit="community", time="month",
                                    cohort="cohort_access_list", cluster="county" if county else None).aggregate("simple")
            else:
                r = govstudy.twfe(panel.data, y="certificates", treat="treated_access_list", unit="community",
                                  time="month", vcov="cluster", cluster="county" if county else "community")
        assert draws["estimate"][k] == pytest.approx(r.estimate, rel=1e-10)
        assert draws["std_error"][k] == pytest.approx(r.std_error, rel=1e-8)
        assert draws["truth"][k] == pytest.approx(truth.att("certificates"), rel=1e-12)


def test_att_gt_wide_refuses_what_it_does_not_handle():
    from govstudy.estimators.staggered import att_gt_wide

    Y = np.zeros((3, 4))
    with pytest.raises(govstudy.ArgumentError, match="never-treated units"):
        att_gt_wide(Y, np.array([1, 0, 3]))
    with pytest.raises(govstudy.ArgumentError, match="without missing values"):
        att_gt_wide(np.full((3, 4), np.nan), np.array([3, 0, 0]))
    with pytest.raises(govstudy.ArgumentError, match="0..4"):
        att_gt_wide(Y, np.array([5, 0, 0]))


def test_power_rises_with_sample_size():
    r = power(SMALL, grid={"communities_per_county": [10, 40, 160]}, n_sims=200, n_jobs=1, progress=False)
    p = r.table.sort_values("n_communities")["power"].to_numpy()
    assert p[0] < p[1] < p[2] and p[2] > 0.7
    mde = r.table.sort_values("n_communities")["mde_rel"].to_numpy()
    assert mde[0] > mde[1] > mde[2]


def test_power_rises_with_effect_size_and_size_is_near_alpha():
    r = power(SMALL.replace(communities_per_county=80), effect=[0.0, -0.1, -0.2, -0.4], n_sims=300, n_jobs=1,
              progress=False)
    p = r.table["power"].to_numpy()
    assert p[0] < p[1] < p[2] < p[3]
    # at effect 0 the rejection rate is the test's size: within 3 Monte-Carlo SEs of alpha
    assert abs(p[0] - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 300)
    assert (r.table["power_mcse"] > 0).all()


def test_results_do_not_depend_on_the_number_of_workers():
    kw = dict(design=SMALL, grid={"n_months": [18, 24]}, n_sims=60, seed=7, progress=False)
    one, two = power(n_jobs=1, **kw), power(n_jobs=2, **kw)
    assert one.table.equals(two.table)
    again = power(n_jobs=1, **kw)
    assert one.table.equals(again.table)
    other = power(n_jobs=1, **{**kw, "seed": 8})
    assert not one.table["mean_estimate"].equals(other.table["mean_estimate"])


def test_twfe_is_biased_with_growing_effects_att_gt_is_not():
    d = Design.growing_effects()
    tw = power(d, estimator="twfe", n_sims=150, n_jobs=1, progress=False).table.iloc[0]
    cs = power(d, estimator="att_gt", n_sims=150, n_jobs=1, progress=False).table.iloc[0]
    assert abs(tw["bias"]) > 10 * tw["bias_mcse"]
    assert abs(cs["bias"]) < 3 * cs["bias_mcse"]


def test_grid_over_share_and_months_and_result_object():
    r = power(SMALL, grid={"share_treated": [0.25, 0.5], "n_months": [12, 24]}, n_sims=20, n_jobs=1,
              progress=False)
    assert isinstance(r, PowerResult) and len(r.table) == 4
    assert sorted(r.table["share_treated"].unique()) == [0.25, 0.5]
    assert sorted(r.table["n_months"].unique()) == [12, 24]
    assert "SIMULATED" in repr(r)
    import matplotlib
    matplotlib.use("Agg")
    ax = r.plot(x="share_treated", hue="n_months")
    assert "SIMULATED" in ax.get_title()


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="estimator"):
        power(SMALL, estimator="synth", n_sims=10, progress=False)
    with pytest.raises(ValueError, match="outcome must be one of 'certificates'.*got 'happiness'"):
        power(SMALL, outcome="happiness", n_sims=10, progress=False)
    with pytest.raises(DesignError, match="effects"):
        power(SMALL, grid={"effects": [{}]}, n_sims=10, progress=False)
    with pytest.raises(DesignError, match="n_counties"):
        power(SMALL, cluster="county", n_sims=10, progress=False)
    with pytest.raises(DesignError, match="share_treated"):
        power(SMALL, grid={"share_treated": [1.0]}, n_sims=10, progress=False)
    with pytest.raises(DesignError, match="treats no community"):
        power(SMALL, grid={"share_treated": [0.0]}, n_sims=10, progress=False)
    with pytest.raises(ValueError, match="n_sims"):
        power(SMALL, n_sims=1, progress=False)
