"""The result protocol, checked on every result type.

``estimate`` and ``std_error`` are floats (NaN where a result has none); ``tidy()`` starts with the fixed core
``term, estimate, std_error, statistic, p_value, ci_low, ci_high``; ``summary()`` is a str subclass with a text
repr and ``_repr_html_``; ``plot()`` returns an Axes (a Figure for multi-panel plots), draws to a PNG that is not
blank, leaves matplotlib's global settings as they were, and keeps Chinese text in the CJK font when the figure
is drawn after ``plot()`` returned.
"""

import io
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

import govstudy
from govstudy.estimators.results import TIDY_CORE, Summary
from govstudy.plots import cjk_font


def _organ():
    df = govstudy.load("organ_donations")
    return df.assign(D=((df["State"] == "California") & (df["Quarter_Num"] > 3)).astype(int))


def _results():
    mp = govstudy.load("mpdta")
    kw = dict(y="lemp", unit="countyreal", time="year", cohort="first.treat")
    att = govstudy.att_gt(mp, **kw)
    organ = _organ()
    tw = govstudy.twfe(organ, y="Rate", treat="D", unit="State", time="Quarter_Num")
    prop = govstudy.load("california_prop99")
    from govstudy.simulate import Design
    return {
        "did_2x2": (govstudy.did_2x2(govstudy.load("kielmc"), y="rprice", treated="nearinc", post="y81"), {}),
        "twfe": (tw, {}),
        "event_study": (govstudy.event_study(mp, **kw), {}),
        "sun_abraham": (govstudy.event_study(mp, **kw, method="sun_abraham"), {}),
        "att_gt": (att, {}),
        "aggregate_dynamic": (att.aggregate("dynamic"), {}),
        "aggregate_group": (att.aggregate("group"), {}),
        "aggregate_calendar": (att.aggregate("calendar"), {}),
        "aggregate_relative": (att.aggregate("dynamic", relative=True), {}),
        "aggregate_balanced": (att.aggregate("dynamic", balance_e=1), {}),
        "att_gt_dr_imp": (govstudy.att_gt(mp, **kw, covariates=["lpop"], method="dr_imp"), {}),
        "imputation": (govstudy.did_imputation(mp, **kw), {}),
        "imputation_dynamic": (govstudy.did_imputation(mp, **kw, kind="dynamic"), {}),
        "etwfe": (govstudy.etwfe(mp, **kw), {}),
        "etwfe_event": (govstudy.etwfe(mp, **kw, cgroup="never", kind="event"), {}),
        "honest_did": (govstudy.honest_did(govstudy.att_gt(mp, **kw, base_period="universal").aggregate("dynamic"),
                                           M=[0, 0.01, 0.02]), {}),
        "honest_did_rm": (govstudy.honest_did(govstudy.att_gt(mp, **kw, base_period="universal").aggregate("dynamic"),
                                              Mbar=[0, 0.5, 1], l_vec="average"), {}),
        "bacon": (govstudy.bacon_decomposition(mp.assign(D=((mp["first.treat"] > 0) & (mp["year"] >= mp["first.treat"]))
                                                         .astype(int)), y="lemp", treat="D", unit="countyreal",
                                               time="year"), {}),
        "synth": (govstudy.synth(prop, y="PacksPerCapita", unit="State", time="Year", treated_unit="California",
                                 treat_time=1989, method="sdid", n_reps=100, seed=1), {}),
        "synth_weights": (govstudy.synth(prop, y="PacksPerCapita", unit="State", time="Year",
                                         treated_unit="California", treat_time=1989, method="sc", vcov=None,
                                         placebo=False), {"kind": "weights"}),
        "synth_staggered": (govstudy.synth(prop.assign(first=prop["State"].map({"Nevada": 1985, "Utah": 1985,
                                                                                "California": 1989})),
                                           y="PacksPerCapita", unit="State", time="Year", cohort="first",
                                           method="sdid", vcov=None, placebo=False), {}),
        "wild_bootstrap": (govstudy.wild_cluster_bootstrap(tw, B=999, bootstrap_weights="webb", seed=1), {}),
        "randomization": (govstudy.randomization_inference(tw, B=999, seed=1), {}),
        "power": (govstudy.power(Design(n_counties=1, communities_per_county=20, n_months=18), n_sims=20, n_jobs=1,
                                 progress=False, effect=[-0.2, -0.4]), {"x": "effect"}),
        "appeals_report": (govstudy.appeals.validate(govstudy.datasets.path("sf311_sample"), columns="sf311"), {}),
        **_qca_results(),
    }


def _qca_results():
    qca = govstudy.qca
    d = qca.simulate_configurations("A*B + C", ["A", "B", "C"], n_cases=30, seed=1)
    tt = qca.truth_table(d, "Y", ["A", "B", "C"], incl_cut=0.9)
    return {"qca_truth_table": (tt, {}), "qca_solution": (qca.minimize(tt, "parsimonious"), {}),
            "qca_intermediate": (qca.minimize(tt, "intermediate", "A, B, C"), {}),
            "qca_necessity": (qca.necessity(d, "Y", ["A", "B", "C"]), {}),
            "qca_super_subset": (qca.super_subset(d, "Y", ["A", "B", "C"], incl_cut=0.9), {}),
            "qca_fit": (qca.fit("A*B + C", d, "Y"), {}),
            "qca_robustness": (qca.robustness(d, "Y", ["A", "B", "C"], incl_cut=0.9, incl_cuts=[0.8]), {})}


@pytest.fixture(scope="module")
def results():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _results()


NAMES = [
    "did_2x2", "twfe", "event_study", "sun_abraham", "att_gt", "aggregate_dynamic", "aggregate_group",
    "aggregate_calendar", "imputation", "imputation_dynamic", "honest_did", "honest_did_rm", "bacon", "synth",
    "synth_weights",
    "synth_staggered",
    "aggregate_relative", "aggregate_balanced", "att_gt_dr_imp",
    "etwfe", "etwfe_event",
    "wild_bootstrap", "randomization", "power",
    "appeals_report", "qca_truth_table", "qca_solution", "qca_intermediate", "qca_necessity", "qca_super_subset",
    "qca_fit", "qca_robustness"]


@pytest.mark.parametrize("name", NAMES)
def test_estimate_tidy_summary(results, name):
    r, _ = results[name]
    assert isinstance(r.estimate, float) and isinstance(r.std_error, float)
    t = r.tidy()
    if name.startswith("honest_did"):   # a sensitivity table: the documented exception to the core columns
        assert list(t.columns) == ["M" if name == "honest_did" else "Mbar", "lb", "ub", "method"]
    else:
        assert list(t.columns[:7]) == TIDY_CORE, list(t.columns)
        assert t["term"].notna().all()
    assert len(t) >= 1
    s = r.summary()
    assert isinstance(s, Summary) and isinstance(s, str) and repr(s) == str(s) and len(s) > 20
    assert s._repr_html_().startswith("<pre>")
    assert "<table" in r._repr_html_() or "<pre>" in r._repr_html_()


@pytest.mark.parametrize("name", NAMES)
def test_plot_draws_without_touching_global_settings(results, name):
    r, kw = results[name]
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = {k: v for k, v in matplotlib.rcParams.items()}
    out = r.plot(**kw)
    assert isinstance(out, (Axes, Figure))
    fig = out if isinstance(out, Figure) else out.figure
    after = {k: v for k, v in matplotlib.rcParams.items()}
    assert after == before, {k for k in before if before[k] != after.get(k)}
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)                     # drawn after plot() returned
    img = plt.imread(io.BytesIO(buf.getvalue()))
    assert img.shape[0] > 50 and img[..., :3].std() > 0.02     # not blank
    if cjk_font() is not None:
        for text in fig.findobj(Text):
            if text.get_text() and any("\u4e00" <= ch <= "\u9fff" for ch in text.get_text()):
                assert cjk_font() in text.get_fontfamily()
    plt.close(fig)


def test_estimate_is_nan_where_a_result_has_none(results):
    assert np.isnan(results["bacon"][0].std_error)
    assert np.isnan(results["power"][0].estimate) and np.isnan(results["power"][0].std_error)
