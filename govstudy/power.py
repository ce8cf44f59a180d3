"""Simulation-based power and minimum detectable effects (MDE) for community x month designs.

``power(design, ...)`` simulates ``n_sims`` panels per design (:func:`govstudy.simulate_panel`),
estimates the effect of the outcome's measure in each, and reports how often a two-sided test at
level ``alpha`` rejects "no effect" (the power), with Monte-Carlo standard errors, plus the MDE.

What is estimated and tested
----------------------------
The simulator's arrays (:func:`govstudy.simulate.simulate_arrays`) go straight into the estimators' own
cores -- no DataFrame, no re-validation, but the same computation as the public functions:

* ``estimator="att_gt"`` (default): Callaway & Sant'Anna's ATT(g, t) with never-treated controls,
  no covariates, varying base period, no anticipation, aggregated with ``"simple"`` weights -- the
  number ``govstudy.att_gt(...).aggregate("simple").estimate`` returns -- with its analytic
  influence-function SE (including the estimated-weights term; clustered by county when
  ``cluster="county"``). Test: ``|estimate / SE| > z_{1 - alpha/2}`` (normal).
* ``estimator="twfe"``: ``y ~ treated | community + month``, CRV1 clustered by community (or county)
  with fixest's small-sample factor -- ``govstudy.twfe(...)``; test: ``|t| > t_{G-1, 1 - alpha/2}``.

``tests/test_power.py`` checks every simulated estimate against the public estimators on the same panel.

The MDE is the effect detected with probability ``target_power`` (0.8): ``(z_{1-alpha/2} +
z_{target}) x SD`` of the estimates across simulations (the usual normal approximation, with the
SD measured rather than assumed); ``mde_rel`` divides it by the mean untreated outcome of the
treated post-treatment cells. Monte-Carlo SEs: ``sqrt(p (1 - p) / n_sims)`` for power,
``MDE / sqrt(2 (n_sims - 1))`` for the MDE.

Seeds: ``numpy.random.SeedSequence(seed).spawn(n_sims)`` gives simulation k its own seed, the same
in every grid cell (common random numbers: curves are smooth), so results do not depend on
``n_jobs``.

>>> from govstudy.simulate import Design
>>> res = power(Design(n_counties=1, communities_per_county=30, n_months=24), n_sims=40, n_jobs=1,
...             progress=False)
>>> row = res.table.iloc[0]
>>> float(row.effect), bool(0 < row.power < 1), round(float(row.mde_rel), 2)   # -20% is too small for 30
(-0.2, True, 0.36)
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy import stats

from govstudy.arguments import check_alpha, check_choice, check_int, check_probability
from govstudy.errors import ArgumentError
from govstudy.estimators.results import Summary, table_text, tidy_frame
from govstudy.estimators.staggered import att_gt_wide
from govstudy.estimators.ols import fe_ols
from govstudy.simulate import FAMILY_OF, OUTCOMES, Design, DesignError, simulate_arrays
from govstudy.threads import one_blas_thread

__all__ = ["power", "PowerResult"]


# ---------------------------------------------------------------------------------------- the estimators
def _estimate(Y: np.ndarray, G: np.ndarray, estimator: str, cluster: np.ndarray | None) -> tuple[float, float, int | None]:
    """(estimate, SE, t degrees of freedom or None) of one simulated panel, by the estimators' own cores:
    :func:`~govstudy.estimators.staggered.att_gt_wide` (what ``att_gt`` computes after its Panel) and
    :func:`~govstudy.estimators.ols.fe_ols` (what ``twfe`` computes), on arrays instead of a DataFrame."""
    if estimator == "att_gt":
        a = att_gt_wide(Y, G, cluster=cluster).aggregate("simple")
        return a.estimate, a.std_error, None
    n, T = Y.shape
    unit, month = np.repeat(np.arange(n), T), np.tile(np.arange(T), n)
    treated = ((G[:, None] > 0) & (np.arange(1, T + 1)[None, :] >= G[:, None])).astype(float).ravel()
    fit = fe_ols(Y.ravel(), treated[:, None], ["treated"], [unit, month], ["community", "month"], vcov_kind="cluster",
                 cluster=unit if cluster is None else np.asarray(cluster)[unit], protected=("treated",))
    return float(fit.coef.iloc[0]), float(np.sqrt(fit.vcov.iloc[0, 0])), fit.df


# ---------------------------------------------------------------------------------------- one simulation
def _one(design: Design, outcome: str, estimator: str, cluster: str, alpha: float, seed) -> tuple:
    st, out = simulate_arrays(design, seed, families=(FAMILY_OF[outcome],))
    Y, mu, eff = out[outcome]
    Y = Y.astype(float)
    G = st["cohorts"][OUTCOMES[outcome][0]]
    cl = st["county"] if cluster == "county" else None
    T = design.n_months
    t = np.arange(1, T + 1)
    post = (G[:, None] > 0) & (t[None, :] >= G[:, None])
    truth = float(eff[post].mean())
    y0 = float((mu - eff)[post].mean())
    est, se, df = _estimate(Y, G, estimator, cl)
    crit = stats.norm.ppf(1 - alpha / 2) if df is None else stats.t.ppf(1 - alpha / 2, df)
    return est, se, truth, y0, crit


def _chunk(args):
    design, outcome, estimator, cluster, alpha, seeds = args
    # thousands of small fits: a multi-threaded BLAS product on an 18,000 x 1 design spends more time starting
    # and stalling threads than computing (4x slower on a busy 2-core machine); parallelism comes from n_jobs
    with one_blas_thread():
        return np.array([_one(design, outcome, estimator, cluster, alpha, s) for s in seeds])


# ---------------------------------------------------------------------------------------- results
_TABLE_STATS = ("n_sims", "power", "power_mcse", "mean_estimate", "mean_truth", "bias", "bias_mcse", "sd_estimate",
                "mean_se", "coverage", "mde", "mde_mcse", "mde_rel", "mde_rel_mcse", "y0_mean")


class PowerResult:
    """Power and MDE per design (and effect): ``.table`` (also ``.tidy()``) and ``.plot()``.

    Columns: the design fields varied, ``effect`` (the design's effect parameter), ``n_sims``,
    ``power`` and ``power_mcse``, ``mean_estimate``, ``mean_truth`` (true ATT of the same cells),
    ``bias``, ``sd_estimate``, ``mean_se``, ``coverage`` (of the (1 - alpha) interval), ``mde`` and
    ``mde_mcse`` (outcome units), ``mde_rel`` and ``mde_rel_mcse`` (share of the untreated mean), ``y0_mean``.
    """

    def __init__(self, table: pd.DataFrame, outcome: str, estimator: str, alpha: float, target_power: float,
                 draws: dict):
        self.table, self.outcome, self.estimator = table, outcome, estimator
        self.alpha, self.target_power = alpha, target_power
        self.draws = draws

    @property
    def estimate(self) -> float:
        """NaN: a power analysis has no single estimate (see ``.table``)."""
        return np.nan

    std_error = estimate

    def tidy(self) -> pd.DataFrame:
        """One row per design cell: ``term`` names it, ``estimate`` / ``std_error`` are the mean and standard
        deviation of the simulated estimates (statistic, p-value and interval NaN), then every column of ``.table``."""
        t = self.table
        varied = [c for c in t.columns if c not in _TABLE_STATS]
        term = [", ".join(f"{c}={row[c]:g}" if isinstance(row[c], (int, float, np.number)) else f"{c}={row[c]}"
                          for c in varied) for _, row in t.iterrows()]
        return tidy_frame(t.assign(term=term, estimate=t["mean_estimate"], std_error=t["sd_estimate"]))

    def summary(self) -> Summary:
        return Summary(f"Power analysis (SIMULATED DATA): {self.outcome}, {self.estimator}, alpha = {self.alpha}, "
                       f"MDE at power {self.target_power}\n\n" + table_text(self.table, 3))

    def __repr__(self):
        return (f"<PowerResult (SIMULATED): {self.outcome}, {self.estimator}, {len(self.table)} design(s), "
                f"{int(self.table['n_sims'].iloc[0])} simulations each>")

    def _repr_html_(self):
        return self.table.to_html(index=False, float_format=lambda v: f"{v:.3f}")

    def plot(self, x: str = "n_communities", hue: str | None = None, ax=None, target: bool = True):
        """Power (with 95% Monte-Carlo intervals) against ``x``, one line per ``hue``; titled as simulated."""
        import matplotlib.pyplot as plt

        from govstudy.plots import cjk_figure, simulated_title

        t = self.table
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        groups = [(None, t)] if hue is None else list(t.groupby(hue, sort=True))
        for key, s in groups:
            s = s.sort_values(x)
            lab = None if key is None else f"{hue} = {key}"
            ax.errorbar(s[x], s["power"], yerr=1.96 * s["power_mcse"], marker="o", capsize=3, label=lab)
        if target:
            ax.axhline(self.target_power, color="grey", ls="--", lw=0.8)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(x.replace("_", " "))
        ax.set_ylabel(f"power (alpha = {self.alpha})")
        ax.set_title(simulated_title(f"Power: {self.outcome}, {self.estimator}"), fontsize=10)
        if hue is not None:
            ax.legend(frameon=False, fontsize=8)
        cjk_figure(ax.figure)
        return ax


# ---------------------------------------------------------------------------------------- main
def _apply(design: Design, key: str, value, outcome: str) -> Design:
    if key == "n_months":
        return design.with_months(int(value))
    if key == "share_treated":
        return design.replace(share_treated={OUTCOMES[outcome][0]: float(value)})
    if key in ("effects", "baseline") or key not in {f for f in design.__dataclass_fields__}:
        raise DesignError(key, "cannot be varied in a power grid (use a Design field, 'share_treated' as a "
                          "number for the outcome's measure, or the effect= argument)")
    return design.replace(**{key: value})


def power(design: Design | dict | None = None, estimator: str = "att_gt", effect=None, n_sims: int = 1000,
          alpha: float = 0.05, seed: int = 0, n_jobs: int | None = None, grid: dict | None = None,
          outcome: str = "certificates", cluster: str = "community", target_power: float = 0.8,
          progress: bool = True) -> PowerResult:
    """Power and minimum detectable effect by simulation (SIMULATED DATA; see the module docstring).

    Parameters
    ----------
    design : :class:`govstudy.simulate.Design` (or dict of fields; None = calibrated default).
    estimator : ``"att_gt"`` (Callaway-Sant'Anna, simple aggregation) or ``"twfe"``.
    effect : the effect parameter of ``outcome`` (e.g. -0.20 = -20% for certificates), or a list of them
        (a power curve); None keeps the design's.
    n_sims : simulations per design and effect.  alpha : test level (two-sided).
    seed : root seed; simulation k uses ``SeedSequence(seed).spawn(n_sims)[k]`` in every cell.
    n_jobs : worker processes; None = all cores when the work is long (over ~10 s serially), else 1
        (in this process).
        Results are identical whatever ``n_jobs``.
    grid : ``{field: [values]}`` over Design fields, crossed; ``"n_months"`` rescales the roll-out
        months proportionally (:meth:`Design.with_months`); ``"share_treated"`` as a number sets the
        share for the outcome's measure.
    outcome : one of :data:`govstudy.simulate.OUTCOMES`.
    cluster : ``"community"`` or ``"county"`` (treated counties few? cluster by county).
    target_power : the power at which the MDE is reported (0.8).
    progress : show a tqdm progress bar.

    Returns
    -------
    :class:`PowerResult`.
    """
    from tqdm.auto import tqdm

    check_choice(estimator, "estimator", ("att_gt", "twfe"))
    check_choice(outcome, "outcome", tuple(OUTCOMES))
    check_choice(cluster, "cluster", ("community", "county"))
    alpha = check_alpha(alpha)
    n_sims = check_int(n_sims, "n_sims", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    target_power = check_probability(target_power, "target_power")
    if n_jobs is not None:
        n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
    if effect is not None and not np.all(np.isfinite(np.atleast_1d(np.asarray(effect, dtype=float)))):
        raise ArgumentError(f"effect must be finite number(s), got {effect!r}")
    if design is None:
        design = Design()
    elif isinstance(design, dict):
        design = Design().replace(**design)
    eff_key = "events" if outcome == "participants" else outcome
    effects = [design.effects[eff_key]] if effect is None else list(np.atleast_1d(effect))
    grid = dict(grid or {})
    keys = list(grid)
    cells = []
    for combo in itertools.product(*[list(grid[k]) for k in keys]):
        d = design
        for k, v in zip(keys, combo):
            d = _apply(d, k, v, outcome)
        for e in effects:
            de = d.replace(effects={eff_key: float(e)}).validate()
            m = OUTCOMES[outcome][0]
            blocks = de.n_counties if de.assignment == "county" else de.communities_per_county
            if round(de.share_treated[m] * blocks) < 1:
                raise DesignError("share_treated", f"share_treated[{m!r}] = {de.share_treated[m]} treats no "
                                  f"{'county' if de.assignment == 'county' else 'community'}: nothing to detect")
            if cluster == "county" and de.n_counties < 2:
                raise DesignError("n_counties", "clustering by county needs at least 2 counties")
            cells.append((dict(zip(keys, combo)), float(e), de))
    seeds = np.random.SeedSequence(seed).spawn(n_sims)
    work = sum(c[2].n_communities * c[2].n_months for c in cells) * n_sims
    if n_jobs is None:
        # processes pay off only for long runs (~10 s of serial work: ~0.2 microseconds per community-month)
        n_jobs = (os.cpu_count() or 1) if work > 50_000_000 else 1
    n_jobs = max(1, int(n_jobs))
    n_chunks = max(1, min(n_sims, 4 * n_jobs))
    bounds = np.linspace(0, n_sims, n_chunks + 1).astype(int)
    tasks = [(ci, (c[2], outcome, estimator, cluster, alpha, seeds[a:b]))
             for ci, c in enumerate(cells) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    results: dict[int, list] = {ci: [] for ci in range(len(cells))}
    bar = tqdm(total=len(cells) * n_sims, desc="power simulations", disable=not progress)
    if n_jobs == 1:
        for ci, args in tasks:
            results[ci].append(_chunk(args))
            bar.update(len(args[-1]))
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as ex:
            for (ci, args), res in zip(tasks, ex.map(_chunk, [a for _, a in tasks])):
                results[ci].append(res)
                bar.update(len(args[-1]))
    bar.close()
    zq = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target_power)
    rows, draws = [], {}
    for ci, (vals, e, d) in enumerate(cells):
        a = np.concatenate(results[ci])
        est, se, tru, y0, crit = a.T
        rej = np.abs(est / se) > crit
        p = rej.mean()
        sd = est.std(ddof=1)
        mde = zq * sd
        y0m = y0.mean()
        row = {"n_counties": d.n_counties, "communities_per_county": d.communities_per_county,
               "n_communities": d.n_communities, "n_months": d.n_months,
               "share_treated": d.share_treated[OUTCOMES[outcome][0]], **{k: v for k, v in vals.items()
                                                                         if k not in ("n_months", "share_treated")},
               "effect": e, "n_sims": n_sims, "power": p, "power_mcse": np.sqrt(p * (1 - p) / n_sims),
               "mean_estimate": est.mean(), "mean_truth": tru.mean(), "bias": (est - tru).mean(),
               "bias_mcse": (est - tru).std(ddof=1) / np.sqrt(n_sims), "sd_estimate": sd, "mean_se": se.mean(),
               "coverage": np.mean(np.abs(est - tru) <= crit * se), "mde": mde,
               "mde_mcse": mde / np.sqrt(2 * (n_sims - 1)), "mde_rel": mde / abs(y0m),
               "mde_rel_mcse": mde / abs(y0m) / np.sqrt(2 * (n_sims - 1)), "y0_mean": y0m}
        rows.append(row)
        draws[ci] = pd.DataFrame({"estimate": est, "std_error": se, "truth": tru})
    table = pd.DataFrame(rows)
    return PowerResult(table, outcome, estimator, alpha, target_power, draws)
