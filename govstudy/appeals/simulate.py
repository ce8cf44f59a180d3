"""``simulate_appeals``: a synthetic appeal log (SIMULATED DATA) behind a simulated community panel.

The log is drawn record by record from :func:`govstudy.simulate_panel` with the same design and seed, so it has the
same communities, counties, roll-out of the four measures and true effects: each community-month has exactly
``appeals_received`` records, of which ``appeals_resolved`` are resolved (status 已办结, with a closing time);
the others are still open (办理中) or were sent back (退回). Hours to close are Gamma with shape 2 and mean
``24 x days_to_resolve`` of that community-month; each resolved record is rated 满意 with probability
``satisfaction`` and 不满意 otherwise. Received times are uniform within the month. So
``to_panel(log)`` gives back ``appeals_received`` and ``appeals_resolved`` exactly, and the true effect of the
``appeals_platform`` measure on them is ``truth.att("appeals_received")``.

``problems=`` adds a share of records with one problem each (no unit, a copied id, closed before received, an
unknown status word, a time in another format), named in the column ``simulated_problem``, to exercise the
validation report. ``columns="12345"`` writes the Chinese headers of a 12345 export.

>>> from govstudy.appeals import to_panel
>>> log, panel, truth = simulate_appeals({"n_counties": 1, "communities_per_county": 4, "n_months": 6}, seed=2)
>>> log.attrs["simulated"], bool(log["simulated"].all()), len(log) == int(panel.data["appeals_received"].sum())
(True, True, True)
>>> out = to_panel(log).merge(panel.data, left_on=["community", "period"], right_on=["community", "year_month"])
>>> bool((out["n_received"] == out["appeals_received"]).all() and (out["n_resolved"] == out["appeals_resolved"]).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govstudy.appeals.fields import preset
from govstudy.errors import ArgumentError
from govstudy.simulate import simulate_panel

__all__ = ["simulate_appeals", "CATEGORIES", "CHANNELS"]

#: Appeal categories of the simulated log and their shares (an assumption, in the style of 12345 reports).
CATEGORIES = {"物业管理": 0.22, "噪音扰民": 0.14, "环境卫生": 0.16, "市政设施": 0.14, "停车交通": 0.12,
              "邻里纠纷": 0.08, "社会保障": 0.08, "其他": 0.06}
#: Channels and their shares (an assumption).
CHANNELS = {"12345热线": 0.55, "网络平台": 0.25, "微信小程序": 0.12, "现场受理": 0.08}
_PROBLEMS = ("missing_unit", "duplicate_id", "closed_before_received", "unknown_status", "other_time_format")


def _pick(rng, table: dict, n: int) -> np.ndarray:
    keys = np.array(list(table), dtype=object)
    p = np.array(list(table.values()), float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def simulate_appeals(design=None, seed=0, *, problems: float = 0.0, columns: str | None = None):
    """Simulate an appeal log (SIMULATED DATA) with the panel and truth it was drawn from.

    Returns ``(log, panel, truth)``: ``log`` has one row per record in the standard names of
    :mod:`govstudy.appeals.fields` (``record_id, received_at, closed_at, category, channel, community, street,
    district, status, satisfaction``, timestamps as export text ``YYYY-MM-DD HH:MM:SS``) plus ``simulated`` (True)
    and ``simulated_problem``; ``panel`` and ``truth`` are those of ``govstudy.simulate_panel(design, seed)``.
    """
    if not (0.0 <= problems <= 0.5):
        raise ArgumentError(f"problems={problems!r}; expected a share between 0 and 0.5")
    panel, truth = simulate_panel(design, seed)
    d = panel.data
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) if np.isscalar(seed) else 0, 15]))
    n = d["appeals_received"].to_numpy(np.int64)
    row = np.repeat(np.arange(len(d)), n)
    N = len(row)
    # resolved: the first appeals_resolved records of each community-month, in a random order within the month
    start = np.repeat(np.cumsum(n) - n, n)
    rank = np.arange(N) - start
    resolved = rank < d["appeals_resolved"].to_numpy(np.int64)[row]
    month = pd.PeriodIndex(d["year_month"].astype(str), freq="M")
    t0 = month.start_time.to_numpy("datetime64[s]")[row]
    seconds = (month.end_time.to_numpy("datetime64[s]") - month.start_time.to_numpy("datetime64[s]")).astype(np.int64)
    received = t0 + (rng.random(N) * seconds[row]).astype(np.int64).astype("timedelta64[s]")
    mean_hours = 24.0 * d["days_to_resolve"].to_numpy(float)[row]
    hours = rng.gamma(2.0, mean_hours / 2.0)
    closed = received + np.round(hours * 3600).astype(np.int64).astype("timedelta64[s]")
    satisfied = rng.random(N) < d["satisfaction"].to_numpy(float)[row]
    status = np.where(resolved, "已办结", np.where(rng.random(N) < 0.8, "办理中", "退回")).astype(object)
    fmt = lambda a: pd.Series(a).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
    log = pd.DataFrame({
        "record_id": [f"SIM{i:08d}" for i in range(1, N + 1)],
        "received_at": fmt(received),
        "closed_at": np.where(resolved, fmt(closed), None),
        "category": _pick(rng, CATEGORIES, N),
        "channel": _pick(rng, CHANNELS, N),
        "community": d["community"].to_numpy()[row],
        "street": d["county"].to_numpy()[row],
        "district": np.ones(N, np.int64),
        "status": status,
        "satisfaction": np.where(resolved, np.where(satisfied, "满意", "不满意"), None),
        "simulated": np.ones(N, bool),
        "simulated_problem": np.full(N, None, dtype=object),
    })
    if problems:
        log = _add_problems(log, rng, problems)
    log.attrs.update({"simulated": True, "seed": panel.attrs.get("seed"), "design": panel.attrs.get("design"),
                      "note": "SIMULATED DATA (模拟数据) from govstudy.simulate_appeals, drawn from "
                              "govstudy.simulate_panel with the same design and seed: not real records."})
    if columns is not None:
        names = {std: cols[0] for std, cols in preset(columns).items()}
        log = log.rename(columns={k: v for k, v in names.items() if k in log.columns})
    return log, panel, truth


def _add_problems(log: pd.DataFrame, rng, share: float) -> pd.DataFrame:
    k = int(round(share * len(log)))
    idx = rng.choice(len(log), size=k, replace=False)
    kinds = np.array(_PROBLEMS, dtype=object)[rng.integers(0, len(_PROBLEMS), size=k)]
    log = log.copy()
    log["community"] = log["community"].astype("Int64")
    for kind in _PROBLEMS:
        rows = idx[kinds == kind]
        log.loc[log.index[rows], "simulated_problem"] = kind
        if kind == "missing_unit":
            log.loc[log.index[rows], "community"] = None
        elif kind == "closed_before_received":
            t = pd.to_datetime(log.loc[log.index[rows], "received_at"]) - pd.Timedelta(hours=5)
            log.loc[log.index[rows], "closed_at"] = t.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(object)
            log.loc[log.index[rows], "status"] = "已办结"
        elif kind == "unknown_status":
            log.loc[log.index[rows], "status"] = "挂起"
        elif kind == "other_time_format":
            t = pd.to_datetime(log.loc[log.index[rows], "received_at"])
            log.loc[log.index[rows], "received_at"] = t.dt.strftime("%Y/%m/%d %H:%M").to_numpy(object)
    dup = idx[kinds == "duplicate_id"]
    copies = log.iloc[dup].copy()
    copies["received_at"] = (pd.to_datetime(copies["received_at"]) + pd.Timedelta(minutes=1)).dt.strftime(
        "%Y-%m-%d %H:%M:%S").to_numpy(object)
    return pd.concat([log, copies], ignore_index=True)
