"""Speed of govstudy's synthetic control and synthetic DiD against their reference ports, in one run.

    .venv/bin/python benchmarks/bench_synth.py [--quick]

Goal (issue 18): each at least as fast as its peer (CPU-time ratio govstudy / peer <= 1), on the bundled data:

* SDID on Proposition 99 (California, 38 donors, 19 pre-periods) against synthdid-py's ``synthdid_estimate``;
* jackknife SEs with three treated states (California, Nevada, Utah) against synthdid-py's ``jackknife_se``;
* staggered SDID (two cohorts) against synthdid-py's ``staggered_synthdid_estimate``;
* R Synth's data-driven predictor weights (``predictor_weights="synth"``) on the Basque Country problem against
  pysyncon's ``Synth().fit`` (one timed run each: pysyncon takes about a minute; ``--quick`` skips it).

Estimates are asserted equal first (SDID 1e-6, jackknife rel 1e-5, the Basque pre-period MSPE no higher than
pysyncon's), as in the tests. CPU time (``cpu_time.best_cpu_time``), one BLAS thread for both.
"""

from __future__ import annotations

import sys
import time
import warnings

from threadpoolctl import threadpool_limits

import govstudy
from cpu_time import best_cpu_time  # benchmarks/, on the path when run as a script

TREATED3 = ["California", "Nevada", "Utah"]
KW = dict(y="PacksPerCapita", unit="State", time="Year", treat_time=1989, placebo=False)


def matrix(df, treated):
    """synthdid-py's input: donors' rows, then the treated units' rows (states x years)."""
    wide = df.pivot(index="State", columns="Year", values="PacksPerCapita")
    donors = [s for s in wide.index if s not in treated]
    return wide.loc[donors + list(treated)].to_numpy(), len(donors)


def line(what, ours, peer, name):
    print(f"{what}: govstudy {ours:.4f} s, {name} {peer:.4f} s, ratio {ours / peer:.3f}")


def bench_sdid(prop, sd):
    Y, N0 = matrix(prop, ["California"])
    ours = lambda: govstudy.synth(prop, **KW, treated_unit="California", method="sdid", vcov=None)
    peer = lambda: sd.synthdid_estimate(Y, N0, 19)
    assert abs(ours().estimate - float(peer())) < 1e-6
    line("SDID, Proposition 99", best_cpu_time(ours), best_cpu_time(peer), "synthdid-py")
    Y3, N03 = matrix(prop, TREATED3)
    ours = lambda: govstudy.synth(prop, **KW, treated_unit=TREATED3, method="sdid", vcov="jackknife")
    peer = lambda: sd.jackknife_se(sd.synthdid_estimate(Y3, N03, 19))
    assert abs(ours().std_error / peer() - 1) < 1e-5
    line("SDID + jackknife SE, 3 treated states", best_cpu_time(ours), best_cpu_time(peer), "synthdid-py")
    first = {"Nevada": 1985, "Utah": 1985, "California": 1989, "Montana": 1989}
    st = prop.assign(first_treat=prop["State"].map(first))
    d = st.assign(D=(st["Year"] >= st["first_treat"]).astype(int))[["State", "Year", "PacksPerCapita", "D"]]
    ours = lambda: govstudy.synth(st, y="PacksPerCapita", unit="State", time="Year", cohort="first_treat",
                                  method="sdid", vcov=None, placebo=False)
    peer = lambda: sd.staggered_synthdid_estimate(d, unit="State", time="Year", outcome="PacksPerCapita",
                                                  treatment="D")
    assert abs(ours().estimate - float(peer())) < 1e-6
    line("staggered SDID, 2 cohorts", best_cpu_time(ours), best_cpu_time(peer), "synthdid-py")


def bench_vsearch():
    from pysyncon import Dataprep, Synth

    school = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
    sectors = ["sec.agriculture", "sec.energy", "sec.industry", "sec.construction", "sec.services.venta",
               "sec.services.nonventa"]
    treated = "Basque Country (Pais Vasco)"
    df = govstudy.load("basque").query("year >= 1960").astype({"year": int})
    yrs = list(range(1964, 1970))
    preds = ([(c, yrs) for c in school] + [("invest", yrs), ("gdpcap", list(range(1960, 1970)))]
             + [(c, list(range(1961, 1970, 2))) for c in sectors] + [("popdens", [1969])])
    ours = lambda: govstudy.synth(df, y="gdpcap", unit="regionname", time="year", treated_unit=treated,
                                  treat_time=1970, predictors=preds, predictor_weights="synth", method="sc",
                                  vcov=None, placebo=False)
    dp = Dataprep(foo=df, predictors=school + ["invest"], predictors_op="mean", time_predictors_prior=range(1964, 1970),
                  special_predictors=[("gdpcap", range(1960, 1970), "mean")]
                  + [(c, range(1961, 1970, 2), "mean") for c in sectors] + [("popdens", [1969], "mean")],
                  dependent="gdpcap", unit_variable="regionname", time_variable="year",
                  treatment_identifier=treated, controls_identifier=sorted(set(df["regionname"]) - {treated}),
                  time_optimize_ssr=range(1960, 1970))
    ref = Synth()
    t0 = time.process_time()
    ref.fit(dataprep=dp)
    t_peer = time.process_time() - t0
    t0 = time.process_time()
    r = ours()
    t_ours = time.process_time() - t0
    assert r.pre_rmspe ** 2 <= ref.loss_V + 1e-9
    line("R Synth V search, Basque Country (one run each)", t_ours, t_peer, "pysyncon")


def main(quick=False):
    import synthdid as sd

    prop = govstudy.load("california_prop99")
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        bench_sdid(prop, sd)
        if not quick:
            bench_vsearch()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
