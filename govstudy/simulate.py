"""Simulated community x month panels with known true effects, calibrated to the seed report.

``simulate_panel(design, seed)`` returns ``(panel, truth)``: a :class:`govstudy.Panel` over a
long frame with one row per community and month, and a :class:`Truth` with the true effect of
every measure on its outcomes, per cohort and month (and the averages that ``att_gt`` targets).
**Every frame it returns is simulated**: a column ``simulated`` (always ``True``), and
``panel.data.attrs["simulated"] = True`` with a ``note`` saying so.

The model
---------
Communities sit in counties and have one of the report's four types (新建 new, 商住 commercial-
residential, 回迁安置 resettlement, 老旧 old). Four measures roll out in staggered cohorts
(first treated month; 0 = never treated), independently of each other:

=====================  ==========================  =======================================================
measure                what                        outcomes it moves (and only these)
=====================  ==========================  =======================================================
``access_list``        准入清单 / 减负 (burden)     ``certificates`` (证明事项出具数)
``service_upgrade``    党群服务中心 / 一窗受理       ``completed_matters`` (办结事项数)
``appeals_platform``   统一诉求受理平台              ``appeals_received``, ``appeals_resolved``,
                                                   ``days_to_resolve``, ``satisfaction``
``community_partners`` 社区合伙人                    ``events`` (活动场次), ``participants`` (参与人次)
=====================  ==========================  =======================================================

For a count outcome the untreated mean is
``mu0[i,t] = base x type_level[type_i] x exp(u_i + c[county_i, t] + trend x t/12 + season_t + a[i,t])``
with a community effect ``u_i``, a county-month shock ``c``, Spring-Festival seasonality ``season``
(the month containing 春节) and AR(1) noise ``a``; the treated mean is
``mu1 = mu0 x (1 + effect x m_i x d(e))`` with ``m_i`` the heterogeneity multiplier (community type x
cohort), ``d(e)`` the dynamic profile at event time ``e = t - cohort`` (a linear ramp to 1 over
``ramp_months``; ``anticipation_share`` of the month-0 effect during the ``anticipation`` months
before), and counts are negative binomial (Gamma-Poisson; variance ``mu + dispersion mu^2``).
``appeals_resolved ~ Binomial(appeals_received, r)`` with the resolution rate ``r`` moved on the
logit scale; ``satisfaction`` is the share satisfied among ``survey_size`` residents asked each
month (in [0, 1]), moved on the logit scale; ``days_to_resolve`` is a positive continuous mean,
moved multiplicatively; ``participants ~ NB(events x participants_per_event)``.

**The truth** is defined conditionally on the simulated latent means: the true ATT of a cohort in
a month is the mean over its communities of ``E[Y(1)] - E[Y(0)]`` (e.g. ``mu1 - mu0``), where
``Y(0)`` is the outcome in a world without the programme. Every estimator that is unbiased for
the ATT has that mean over seeds. With ``spillover > 0`` untreated communities in a county with
treated ones move by ``spillover x effect x (share of the county treated)``: DiD estimates then
differ from the truth by design (contaminated controls) -- the truth stays the direct effect.

Calibration (defaults) and the quote behind each -- :func:`calibration` lists them with the
curated indicator rows of ``govstudy.load("case_indicators")``:

* ``effects["certificates"] = -0.20`` -- nancheng_05 「村级组织出具证明事项同比下降20%」 (a year-on-year
  county total, taken here as the steady-state effect on a treated community).
* ``effects["completed_matters"] = +0.25`` -- nancheng_12 「办结事项同比上升25%」 (same reading).
* ``participants_per_event = 86`` -- nancheng_13/14 「便民惠民活动210余场次，累计参与群众1.8万余人次」
  (18000 / 210 ≈ 86).
* ``baseline["events"] = 1.75`` per community-month -- 210 events (nancheng_13) / (10 communities x
  12 months), assuming about 10 urban communities as in yuan_08 「升级改造10个社区党群服务中心」.
* ``baseline["appeals_received"] = 25`` per community-month -- yuan_24 「今年以来通过三方议事机制协商解决4592件」
  over 13 community centres (yuan_07 3 new + yuan_08 10 upgraded) and 12 months ≈ 29, rounded down
  because the reported figure already includes the programme.
* ``baseline["satisfaction"] = 0.96``, ``effects["satisfaction"] = +1.0`` (logit; 0.96 -> 0.985) --
  yuan_25 「群众满意率为99.78%」 is satisfaction among matters settled by deliberation (a selected
  set, after the measure); a representative monthly survey sits lower.
* ``type_shares`` -- yuan_01 「“新建、商住、回迁安置、老旧”等四类小区」 names the types, not their shares:
  equal shares (an assumption).
* roll-out from 2024-01 (month 13 of a window starting 2023-01) -- nancheng_06 「2024年实施以来」
  (community partners) and nancheng_05 「近两年来」 (a two-year horizon for burden reduction).
* ``share_treated["service_upgrade"] = 0.75`` -- yuan_07/yuan_08: 10 of 13 community centres upgraded.

Not in the seed, hence **assumptions** (change them): the base levels of certificates (20) and
completed matters (150) per community-month, the resolution rate (0.85) and its effect (+0.5
logit), days to resolve (10) and its effect (-20%), the effect on appeals received (+15%: more
channels, yuan_13 「拓展群众诉求线上、线下受理渠道」), on events (+30%), the common trends (certificates
-10% a year everywhere, completed matters +5%: a year-on-year change such as the report's mixes
these with the effect), the noise and seasonality.

Example
-------
>>> from govstudy.simulate import Design, simulate_panel
>>> panel, truth = simulate_panel(Design(n_counties=1, communities_per_county=12, n_months=24), seed=1)
>>> panel.data.attrs["simulated"], bool(panel.data["simulated"].all()), panel.n_units, panel.n_periods
(True, True, 12, 24)
>>> round(truth.effects["certificates"], 2)
-0.2
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from govstudy.errors import GovstudyError

__all__ = ["Design", "Truth", "DesignError", "simulate_panel", "calibration", "MEASURES", "OUTCOMES",
           "COMMUNITY_TYPES", "spring_festival_months", "simulate_arrays", "FAMILY_OF"]

#: The four measures that roll out, with their Chinese names.
MEASURES = {"access_list": "社区工作事项准入清单（减负）", "community_partners": "社区合伙人",
            "service_upgrade": "党群服务中心升级（一窗受理）", "appeals_platform": "统一诉求受理平台"}

#: Outcome -> (measure that moves it, kind, Chinese label, unit).
OUTCOMES = {
    "certificates": ("access_list", "count", "出具证明事项", "per community-month"),
    "completed_matters": ("service_upgrade", "count", "办结事项", "per community-month"),
    "appeals_received": ("appeals_platform", "count", "受理诉求", "per community-month"),
    "appeals_resolved": ("appeals_platform", "count", "办结诉求", "per community-month"),
    "days_to_resolve": ("appeals_platform", "positive", "诉求办理天数", "days (monthly mean)"),
    "satisfaction": ("appeals_platform", "rate", "群众满意率", "share in [0, 1]"),
    "events": ("community_partners", "count", "便民惠民活动场次", "per community-month"),
    "participants": ("community_partners", "count", "参与群众人次", "per community-month"),
}

#: The report's four community (compound) types: yuan_01 「“新建、商住、回迁安置、老旧”等四类小区」.
COMMUNITY_TYPES = ("新建", "商住", "回迁安置", "老旧")

# outcome families: each has its own random stream, so simulating one family alone (power) draws
# exactly the numbers the full panel holds
_FAMILIES = {"certificates": ("certificates",), "matters": ("completed_matters",),
             "appeals": ("appeals_received", "appeals_resolved", "days_to_resolve", "satisfaction"),
             "events": ("events", "participants")}
#: the outcome family (the random stream and the measure it follows) of each outcome
FAMILY_OF = {o: f for f, outs in _FAMILIES.items() for o in outs}
_FAMILY_ORDER = tuple(_FAMILIES)

# Month (1-12) of the Spring Festival (春节, lunar new year's day) by year.
_SPRING_FESTIVAL = {2015: 2, 2016: 2, 2017: 1, 2018: 2, 2019: 2, 2020: 1, 2021: 2, 2022: 2, 2023: 1, 2024: 2,
                    2025: 1, 2026: 2, 2027: 2, 2028: 1, 2029: 2, 2030: 2, 2031: 1, 2032: 2, 2033: 1, 2034: 2,
                    2035: 2}


class DesignError(GovstudyError, ValueError):
    """An invalid simulation design; the message names the field."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(f"Design.{field_name}: {message}")


def spring_festival_months(start: str, n_months: int) -> np.ndarray:
    """Boolean array: does month k of the window starting at ``start`` ("YYYY-MM") contain 春节?

    Years outside 2015-2035 use February.

    >>> spring_festival_months("2023-01", 14).nonzero()[0].tolist()   # 2023-01-22, 2024-02-10
    [0, 13]
    """
    y0, m0 = _parse_start(start)
    k = np.arange(n_months)
    years, months = y0 + (m0 - 1 + k) // 12, (m0 - 1 + k) % 12 + 1
    sf = np.array([_SPRING_FESTIVAL.get(int(y), 2) for y in years])
    return months == sf


def _parse_start(start: str) -> tuple[int, int]:
    try:
        y, m = str(start).split("-")[:2]
        y, m = int(y), int(m)
        if not 1 <= m <= 12:
            raise ValueError
    except ValueError:
        raise DesignError("start", f"must be a month 'YYYY-MM', got {start!r}") from None
    return y, m


def _default_share():
    return {"access_list": 0.6, "community_partners": 0.5, "service_upgrade": 0.75, "appeals_platform": 0.5}


def _default_rollout():
    return {"access_list": (13, 19, 25), "community_partners": (13, 19), "service_upgrade": (16, 22, 28),
            "appeals_platform": (13, 25)}


def _default_effects():
    return {"certificates": -0.20, "completed_matters": 0.25, "appeals_received": 0.15, "appeals_resolved": 0.5,
            "days_to_resolve": -0.20, "satisfaction": 1.0, "events": 0.30}


def _default_baseline():
    return {"certificates": 20.0, "completed_matters": 150.0, "appeals_received": 25.0, "appeals_resolved": 0.85,
            "days_to_resolve": 10.0, "satisfaction": 0.96, "events": 1.75}


def _default_trend():
    return {"certificates": -0.10, "completed_matters": 0.05}


def _equal_types():
    return {t: 0.25 for t in COMMUNITY_TYPES}


def _het_types():
    return {"新建": 0.6, "商住": 0.8, "回迁安置": 1.2, "老旧": 1.4}


def _level_types():
    return {"新建": 0.8, "商住": 0.9, "回迁安置": 1.1, "老旧": 1.2}


def _rescale(rollout: dict, old: int, new: int) -> dict:
    ro = {m: tuple(int(min(max(round(c * new / old), 2), new)) for c in cs) for m, cs in rollout.items()}
    return {m: tuple(dict.fromkeys(cs)) for m, cs in ro.items()}


@dataclass
class Design:
    """A simulation design. Every field has a calibrated or stated default (see the module docstring).

    Size and time
        ``n_counties`` (2), ``communities_per_county`` (40), ``n_months`` (36), ``start`` ("2023-01").
    Roll-out, per measure (keys of :data:`MEASURES`)
        ``share_treated``: share of communities (or counties) ever treated, in [0, 1) -- some must
        stay untreated; ``rollout``: first treated months (1-based month index, 2..n_months), one per
        cohort, the treated split evenly between them (default from 2024-01 = month 13 of 36; rescaled
        proportionally when ``n_months`` differs and ``rollout`` is left at its default); ``assignment``:
        ``"community"`` (random within each county) or ``"county"`` (whole counties adopt together:
        few treated clusters).
    Community types
        ``type_shares`` (equal), ``type_level`` (multiplier of base levels), ``type_effect``
        (effect multiplier, rescaled to a share-weighted mean of 1, so ``effects`` is the average).
    Effects, per outcome (keys of :data:`OUTCOMES`; ``participants`` follow ``events``)
        ``effects``: relative change of the mean for counts and days (-0.20 = -20%), logit shift for
        ``appeals_resolved`` (the resolution rate) and ``satisfaction``; ``ramp_months`` (6): the effect
        grows linearly to full size over this many months (1 = immediate); ``cohort_gradient`` (0):
        earliest cohort's multiplier ``1 + g/2``, latest ``1 - g/2``; ``anticipation`` (0 months) with
        ``anticipation_share`` (0.5) of the month-0 effect; ``spillover`` (0): share of the effect
        reaching untreated communities of the county, times the share of it treated.
    Levels and noise
        ``baseline`` (per community-month; rates as shares), ``participants_per_event`` (86),
        ``survey_size`` (30 residents asked per month), ``unit_sd`` (0.35, community effects, log),
        ``month_sd`` (0.05, county-month shocks, log), ``trend`` (log change per year common to all
        communities, per count outcome: certificates -0.10, as paper certificates fall everywhere with
        online services -- an assumption; completed matters +0.05; others 0), ``ar_rho`` (0.5) and
        ``noise_sd`` (0.10) of the AR(1) noise, ``spring_festival`` (-0.30: log change of office
        services in the month of 春节; events get the opposite half), ``dispersion`` (0.10, negative
        binomial; 0 = Poisson).

    >>> d = Design(communities_per_county=10)
    >>> d.n_communities, d.replace(n_months=24).n_months
    (20, 24)
    """

    n_counties: int = 2
    communities_per_county: int = 40
    n_months: int = 36
    start: str = "2023-01"
    share_treated: dict = field(default_factory=_default_share)
    rollout: dict = field(default_factory=_default_rollout)
    assignment: str = "community"
    type_shares: dict = field(default_factory=_equal_types)
    type_level: dict = field(default_factory=_level_types)
    type_effect: dict = field(default_factory=_het_types)
    effects: dict = field(default_factory=_default_effects)
    ramp_months: float = 6.0
    cohort_gradient: float = 0.0
    anticipation: int = 0
    anticipation_share: float = 0.5
    spillover: float = 0.0
    baseline: dict = field(default_factory=_default_baseline)
    participants_per_event: float = 86.0
    survey_size: int = 30
    unit_sd: float = 0.35
    month_sd: float = 0.05
    trend: dict = field(default_factory=_default_trend)
    ar_rho: float = 0.5
    noise_sd: float = 0.10
    spring_festival: float = -0.30
    dispersion: float = 0.10

    def __post_init__(self):
        # dict fields given partially (e.g. share_treated={"access_list": 0.5}) keep the other defaults
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, dict) and f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
                if set(v) < set(default):
                    setattr(self, f.name, {**default, **v})
        # the default roll-out months are for a 36-month window: rescale them to another length
        if self.rollout == _default_rollout() and isinstance(self.n_months, (int, np.integer)) \
                and self.n_months >= 2 and self.n_months != 36:
            self.rollout = _rescale(self.rollout, 36, self.n_months)

    @property
    def n_communities(self) -> int:
        return self.n_counties * self.communities_per_county

    def replace(self, **changes) -> "Design":
        """A copy with some fields changed; dict fields given partially are merged into the defaults."""
        for k, v in list(changes.items()):
            if k not in {f.name for f in dataclasses.fields(self)}:
                raise DesignError(k, "no such field")
            cur = getattr(self, k)
            if isinstance(cur, dict) and isinstance(v, dict):
                changes[k] = {**cur, **v}
        return dataclasses.replace(self, **changes)

    def with_months(self, n_months: int) -> "Design":
        """Same design over ``n_months``, with roll-out months rescaled proportionally (kept in 2..n_months)."""
        return dataclasses.replace(self, n_months=n_months, rollout=_rescale(self.rollout, self.n_months, n_months))

    @classmethod
    def growing_effects(cls, **changes) -> "Design":
        """A design where two-way fixed effects is biased: nearly everyone is treated in staggered
        cohorts, effects grow over 18 months and are larger in earlier cohorts."""
        d = cls(share_treated={"access_list": 0.9, "community_partners": 0.5, "service_upgrade": 0.9,
                               "appeals_platform": 0.5},
                rollout={"access_list": (7, 16, 25), "community_partners": (13, 19),
                         "service_upgrade": (7, 16, 25), "appeals_platform": (13, 25)},
                ramp_months=18.0, cohort_gradient=1.0)
        return d.replace(**changes)

    # ------------------------------------------------------------------ validation
    def validate(self) -> "Design":
        """Raise :class:`DesignError` naming the first invalid field; return self."""
        for name in ("n_counties", "communities_per_county", "n_months", "survey_size"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise DesignError(name, f"must be a positive integer, got {v!r}")
        if self.n_months < 2:
            raise DesignError("n_months", f"needs at least 2 months (a pre-treatment month), got {self.n_months}")
        _parse_start(self.start)
        if self.assignment not in ("community", "county"):
            raise DesignError("assignment", f"must be 'community' or 'county', got {self.assignment!r}")
        for name, keys in (("share_treated", MEASURES), ("rollout", MEASURES)):
            d = getattr(self, name)
            unknown = set(d) - set(keys)
            if unknown:
                raise DesignError(name, f"unknown measure(s) {sorted(unknown)}; measures are {list(MEASURES)}")
            missing = set(keys) - set(d)
            if missing:
                raise DesignError(name, f"missing measure(s) {sorted(missing)}")
        n_blocks = self.n_counties if self.assignment == "county" else self.communities_per_county
        for m in MEASURES:
            s = self.share_treated[m]
            if not (isinstance(s, (int, float, np.floating, np.integer)) and 0 <= s <= 1):
                raise DesignError("share_treated", f"share_treated[{m!r}] must lie in [0, 1], got {s!r}")
            n_tr = int(round(s * n_blocks))
            if n_tr >= n_blocks:
                what = "counties" if self.assignment == "county" else "communities in each county"
                raise DesignError("share_treated", f"share_treated[{m!r}] = {s} leaves no untreated {what} "
                                  f"({n_tr} of {n_blocks} treated): a comparison group is needed")
            cs = tuple(self.rollout[m])
            if len(cs) == 0:
                raise DesignError("rollout", f"rollout[{m!r}] needs at least one cohort month")
            for c in cs:
                if not isinstance(c, (int, np.integer)) or not 2 <= c <= self.n_months:
                    raise DesignError("rollout", f"rollout[{m!r}] month {c!r} must be an integer in 2..n_months "
                                      f"({self.n_months}): month 1 is the first month, with no pre-period")
            if len(set(cs)) != len(cs):
                raise DesignError("rollout", f"rollout[{m!r}] repeats a month: {cs}")
        for name, keys in (("type_shares", COMMUNITY_TYPES), ("type_level", COMMUNITY_TYPES),
                           ("type_effect", COMMUNITY_TYPES)):
            d = getattr(self, name)
            if set(d) != set(keys):
                raise DesignError(name, f"keys must be the four community types {list(keys)}, got {list(d)}")
            if any((not np.isfinite(v)) or v < 0 for v in d.values()):
                raise DesignError(name, f"values must be non-negative, got {d}")
        ts = np.array([self.type_shares[t] for t in COMMUNITY_TYPES], float)
        if np.any(ts > 1) or abs(ts.sum() - 1) > 1e-9:
            raise DesignError("type_shares", f"shares must lie in [0, 1] and sum to 1, got {self.type_shares}")
        if any(v <= 0 for v in self.type_level.values()):
            raise DesignError("type_level", "level multipliers must be positive")
        unknown = set(self.effects) - set(OUTCOMES)
        if unknown:
            raise DesignError("effects", f"unknown outcome(s) {sorted(unknown)}; outcomes are {list(OUTCOMES)}")
        if "participants" in self.effects:
            raise DesignError("effects", "participants follow events (participants_per_event x events); "
                              "set effects['events']")
        need = set(OUTCOMES) - {"participants"}
        missing = need - set(self.effects)
        if missing:
            raise DesignError("effects", f"missing outcome(s) {sorted(missing)}")
        if set(self.baseline) != need:
            raise DesignError("baseline", f"keys must be {sorted(need)}, got {sorted(self.baseline)}")
        for k, v in self.baseline.items():
            if not np.isfinite(v) or v < 0:
                raise DesignError("baseline", f"baseline[{k!r}] must be a non-negative rate, got {v!r}")
            if OUTCOMES[k][1] == "rate" or k == "appeals_resolved":
                if not 0 < v < 1:
                    raise DesignError("baseline", f"baseline[{k!r}] is a share and must lie in (0, 1), got {v!r}")
        hmax, hmin = self._effect_multiplier_range()
        for k, e in self.effects.items():
            if not np.isfinite(e):
                raise DesignError("effects", f"effects[{k!r}] must be finite")
            if k in ("appeals_resolved", "satisfaction"):
                continue
            worst = min(1 + e * hmax, 1 + e * hmin)
            if worst < 0:
                raise DesignError("effects", f"effects[{k!r}] = {e} with effect multipliers up to {hmax:.2f} "
                                  "would make a mean negative (1 + effect x multiplier < 0)")
        for name in ("participants_per_event", "unit_sd", "month_sd", "noise_sd", "dispersion", "spillover",
                     "anticipation_share", "cohort_gradient"):
            v = getattr(self, name)
            if not np.isfinite(v) or v < 0:
                raise DesignError(name, f"must be a non-negative number, got {v!r}")
        if not 0 <= self.cohort_gradient <= 2:
            raise DesignError("cohort_gradient", f"must lie in [0, 2], got {self.cohort_gradient}")
        if not np.isfinite(self.ramp_months) or self.ramp_months < 0:
            raise DesignError("ramp_months", f"must be >= 0, got {self.ramp_months!r}")
        if not -1 < self.ar_rho < 1:
            raise DesignError("ar_rho", f"must lie in (-1, 1), got {self.ar_rho!r}")
        if not isinstance(self.anticipation, (int, np.integer)) or self.anticipation < 0:
            raise DesignError("anticipation", f"must be a non-negative integer (months), got {self.anticipation!r}")
        counts = [o for o, v in OUTCOMES.items() if v[1] == "count" and o not in ("appeals_resolved", "participants")]
        if set(self.trend) - set(counts):
            raise DesignError("trend", f"keys must be count outcomes {counts}, got {sorted(self.trend)}")
        if any(not np.isfinite(v) for v in self.trend.values()):
            raise DesignError("trend", "trends must be finite numbers (log change per year)")
        if not np.isfinite(self.spring_festival):
            raise DesignError("spring_festival", "must be a finite number")
        return self

    def _type_effect_normalised(self) -> dict:
        ts = self.type_shares
        mean = sum(ts[t] * self.type_effect[t] for t in COMMUNITY_TYPES)
        return {t: (self.type_effect[t] / mean if mean > 0 else 1.0) for t in COMMUNITY_TYPES}

    def _effect_multiplier_range(self):
        ts = self.type_shares
        try:
            mean = sum(ts[t] * self.type_effect[t] for t in COMMUNITY_TYPES)
        except KeyError:
            return 1.0, 1.0
        te = [self.type_effect[t] / mean if mean > 0 else 1.0 for t in COMMUNITY_TYPES if ts[t] > 0]
        g = self.cohort_gradient
        return max(te) * (1 + g / 2), min(te) * (1 - g / 2)


# ---------------------------------------------------------------------------------------------- core
def _seed_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}")


def _streams(seed):
    """One generator for the structure (types, roll-out) and one per outcome family."""
    ss = _seed_sequence(seed)
    # spawn from a fresh copy so that the same SeedSequence always gives the same children
    kids = np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key, pool_size=ss.pool_size).spawn(
        1 + len(_FAMILY_ORDER))
    return np.random.default_rng(kids[0]), {f: np.random.default_rng(k) for f, k in zip(_FAMILY_ORDER, kids[1:])}


def _structure(d: Design, rng: np.random.Generator) -> dict:
    """County, community type, heterogeneity multiplier and cohort (per measure) of every community."""
    nc, npc = d.n_counties, d.communities_per_county
    n = nc * npc
    county = np.repeat(np.arange(nc), npc)
    shares = np.array([d.type_shares[t] for t in COMMUNITY_TYPES])
    # types: exact shares within each county (largest remainders), in random order
    counts = np.floor(shares * npc).astype(int)
    rem = npc - counts.sum()
    if rem:
        counts[np.argsort(-(shares * npc - counts), kind="stable")[:rem]] += 1
    base_types = np.repeat(np.arange(len(COMMUNITY_TYPES)), counts)
    ctype = np.concatenate([rng.permutation(base_types) for _ in range(nc)])
    cohorts = {}
    for m in MEASURES:
        cs = np.array(sorted(d.rollout[m]), np.int64)
        if d.assignment == "county":
            n_tr = int(round(d.share_treated[m] * nc))
            order = rng.permutation(nc)
            cc = np.zeros(nc, np.int64)
            cc[order[:n_tr]] = cs[np.arange(n_tr) * len(cs) // max(n_tr, 1)] if n_tr else []
            cohorts[m] = cc[county]
        else:
            n_tr = int(round(d.share_treated[m] * npc))
            c = np.zeros(n, np.int64)
            if n_tr:
                # rank of each community within its county, in random order
                ranks = np.argsort(rng.random((nc, npc)), axis=1).argsort(axis=1).ravel()
                tr = ranks < n_tr
                c[tr] = cs[ranks[tr] * len(cs) // n_tr]
            cohorts[m] = c
    te = d._type_effect_normalised()
    mult_type = np.array([te[t] for t in COMMUNITY_TYPES])[ctype]
    return {"n": n, "county": county, "type": ctype, "cohorts": cohorts, "mult_type": mult_type}


def _dynamic(d: Design, cohort: np.ndarray, T: int, measure: str) -> np.ndarray:
    """n x T share of the full effect d(e) x cohort multiplier (0 for untreated cells)."""
    t = np.arange(1, T + 1)
    g = cohort[:, None]
    e = t[None, :] - g
    treated = g > 0
    ramp = max(d.ramp_months, 1.0)
    prof = np.where(e >= 0, np.minimum(1.0, (e + 1) / ramp), 0.0)
    if d.anticipation:
        prof = np.where((e < 0) & (e >= -d.anticipation), d.anticipation_share * min(1.0, 1 / ramp), prof)
    prof = np.where(treated, prof, 0.0)
    cs = np.array(sorted(d.rollout[measure]))
    if d.cohort_gradient and len(cs) > 1:
        rank = np.searchsorted(cs, np.where(cohort > 0, cohort, cs[0]))
        cm = 1 + d.cohort_gradient * (0.5 - rank / (len(cs) - 1))
        prof = prof * cm[:, None]
    return prof


def _spill_share(d: Design, county: np.ndarray, cohort: np.ndarray, T: int) -> np.ndarray:
    """n x T: for untreated cells, spillover x share of the county's communities treated at t."""
    if not d.spillover:
        return None
    t = np.arange(1, T + 1)
    on = (cohort[:, None] > 0) & (t[None, :] >= cohort[:, None])
    nc = d.n_counties
    frac = np.zeros((nc, T))
    np.add.at(frac, county, on.astype(float))
    frac /= np.bincount(county, minlength=nc)[:, None]
    return np.where(on, 0.0, d.spillover * frac[county])


def _log_noise(d: Design, rng, n, T, county, season_coef, sf, trend=0.0):
    """Community effect + county-month shock + trend + season + AR(1) noise (log scale), n x T."""
    u = rng.normal(-d.unit_sd ** 2 / 2, d.unit_sd, n)
    c = rng.normal(-d.month_sd ** 2 / 2, d.month_sd, (d.n_counties, T))
    eps = rng.standard_normal((n, T)) * d.noise_sd
    a = np.empty((n, T))
    a[:, 0] = eps[:, 0] / np.sqrt(1 - d.ar_rho ** 2)
    for k in range(1, T):
        a[:, k] = d.ar_rho * a[:, k - 1] + eps[:, k]
    a -= d.noise_sd ** 2 / (2 * (1 - d.ar_rho ** 2))
    trend = trend * np.arange(T) / 12
    return u[:, None] + c[county] + (trend + season_coef * sf)[None, :] + a


def _nb(rng, mu, dispersion):
    if dispersion > 0:
        r = 1 / dispersion
        mu = mu * rng.gamma(r, 1 / r, mu.shape)
    return rng.poisson(mu)


def _expit(x):
    return 1 / (1 + np.exp(-x))


def _simulate_family(d: Design, family: str, rng, st: dict, T: int, sf: np.ndarray) -> dict:
    """Outcomes of one family: {outcome: (Y, mu_obs, effect)} with ``effect`` = E[Y(1)] - E[Y(0)] per cell."""
    n, county = st["n"], st["county"]
    lvl = np.array([d.type_level[t] for t in COMMUNITY_TYPES])[st["type"]]
    measure = OUTCOMES[_FAMILIES[family][0]][0]
    cohort = st["cohorts"][measure]
    D = _dynamic(d, cohort, T, measure) * st["mult_type"][:, None]
    S = _spill_share(d, county, cohort, T)
    out = {}

    def count_outcome(name, season_coef):
        b = d.baseline[name] * lvl
        mu0 = b[:, None] * np.exp(_log_noise(d, rng, n, T, county, season_coef, sf, d.trend.get(name, 0.0)))
        e = d.effects[name]
        rel = e * D
        if S is not None:
            rel = rel + e * S
        mu = mu0 * (1 + rel)
        return mu0, mu, mu0 * e * D

    if family in ("certificates", "matters"):
        name = _FAMILIES[family][0]
        mu0, mu, eff = count_outcome(name, d.spring_festival)
        out[name] = (_nb(rng, mu, d.dispersion), mu, eff)
    elif family == "events":
        mu0, mu, eff = count_outcome("events", -d.spring_festival / 2)
        ev = _nb(rng, mu, d.dispersion)
        ppe = d.participants_per_event
        part = _nb(rng, ev * ppe, d.dispersion) if ppe > 0 else np.zeros_like(ev)
        out["events"] = (ev, mu, eff)
        out["participants"] = (part, mu * ppe, eff * ppe)
    else:  # appeals
        mu0_r, mu_r, _ = count_outcome("appeals_received", -d.spring_festival / 2)
        e_r = d.effects["appeals_received"]
        recv = _nb(rng, mu_r, d.dispersion)
        # resolution rate (logit), shares the structure of noise but not its level
        lr0 = np.log(d.baseline["appeals_resolved"] / (1 - d.baseline["appeals_resolved"]))
        z = _log_noise(d, rng, n, T, county, d.spring_festival, sf)
        shift_s = 0.0 if S is None else d.effects["appeals_resolved"] * S
        r0 = _expit(lr0 + z)
        r = _expit(lr0 + z + d.effects["appeals_resolved"] * D + shift_s)
        r1 = _expit(lr0 + z + d.effects["appeals_resolved"] * D)
        res = rng.binomial(recv, r)
        mu1_r = mu0_r * (1 + e_r * D)
        out["appeals_received"] = (recv, mu_r, mu0_r * e_r * D)
        out["appeals_resolved"] = (res, mu_r * r, mu1_r * r1 - mu0_r * r0)
        # days to resolve: positive, continuous
        ld = _log_noise(d, rng, n, T, county, -d.spring_festival / 2, sf)
        d0 = d.baseline["days_to_resolve"] * np.exp(ld)
        e_d = d.effects["days_to_resolve"]
        rel = e_d * D + (0 if S is None else e_d * S)
        days = d0 * (1 + rel) * np.exp(rng.normal(-0.005, 0.1, (n, T)))
        out["days_to_resolve"] = (days, d0 * (1 + rel), d0 * e_d * D)
        # satisfaction: share satisfied among survey_size residents
        ls0 = np.log(d.baseline["satisfaction"] / (1 - d.baseline["satisfaction"]))
        zs = _log_noise(d, rng, n, T, county, 0.0, sf)
        e_s = d.effects["satisfaction"]
        p0 = _expit(ls0 + zs)
        p1 = _expit(ls0 + zs + e_s * D)
        p = _expit(ls0 + zs + e_s * D + (0 if S is None else e_s * S))
        sat = rng.binomial(d.survey_size, p) / d.survey_size
        out["satisfaction"] = (sat, p, p1 - p0)
    return out


def simulate_arrays(d: Design, seed, families=None) -> tuple[dict, dict]:
    """The simulated panel as arrays, without building the DataFrame (what ``power`` re-simulates).

    Returns ``(structure, outcomes)``: ``structure`` has ``n`` (communities) and per-community ``county``,
    ``type`` and ``cohorts`` ({measure: first treated month, 0 = never}); ``outcomes`` maps each outcome to
    ``(Y, mu, effect)``, n x T arrays of the draw, its mean and the true effect. ``families`` (values of
    :data:`FAMILY_OF`) limits the work to the outcomes needed. Same seed, same numbers as :func:`simulate_panel`.

    >>> st, out = simulate_arrays(Design(), seed=1, families=(FAMILY_OF["certificates"],))
    >>> st["n"], out["certificates"][0].shape
    (80, (80, 36))
    """
    rng_s, rngs = _streams(seed)
    st = _structure(d, rng_s)
    T = d.n_months
    sf = spring_festival_months(d.start, T).astype(float)
    out = {}
    for f in _FAMILY_ORDER:
        if families is None or f in families:
            out.update(_simulate_family(d, f, rngs[f], st, T, sf))
    return st, out


# ---------------------------------------------------------------------------------------------- truth
class Truth:
    """The true effects of a simulated panel.

    ``gt``: one row per (outcome, cohort, month) with treated communities: ``outcome, measure, cohort,
    time, event_time, n_units, att`` (mean of E[Y(1)] - E[Y(0)] over the cohort's communities) and
    ``y0_mean`` (their mean untreated outcome). ``gt_type`` adds ``community_type``.
    ``effects``: the design's effect parameters. :meth:`att` aggregates as ``att_gt(...).aggregate`` does.
    """

    def __init__(self, gt: pd.DataFrame, gt_type: pd.DataFrame, design: Design, seed):
        self.gt, self.gt_type, self.design, self.seed = gt, gt_type, design, seed
        self.effects = dict(design.effects)

    def att(self, outcome: str = "certificates", kind: str = "simple", relative: bool = False):
        """True ATT aggregated like ``att_gt(...).aggregate(kind)``: post-treatment cells (e >= 0).

        ``"simple"`` is the mean over all treated community-months (a float); ``"dynamic"`` per event time,
        ``"group"`` per cohort, ``"calendar"`` per month (DataFrames). ``relative=True`` divides by the mean
        untreated outcome of the same cells.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; outcomes are {list(OUTCOMES)}")
        if kind not in ("simple", "dynamic", "group", "calendar"):
            raise ValueError("kind must be 'simple', 'dynamic', 'group' or 'calendar'")
        g = self.gt[self.gt["outcome"] == outcome]
        if not len(g):
            raise ValueError(f"no community is treated by {OUTCOMES[outcome][0]!r} (share_treated rounds to 0): "
                             f"there is no effect on {outcome!r} to report")
        if kind == "dynamic":
            t = g
        else:
            t = g[g["event_time"] >= 0]
        w = t["n_units"].to_numpy(float)
        if kind == "simple":
            val = float(np.sum(w * t["att"]) / w.sum())
            return val / float(np.sum(w * t["y0_mean"]) / w.sum()) if relative else val
        key = {"dynamic": "event_time", "group": "cohort", "calendar": "time"}[kind]
        tt = t.assign(_w=w, _a=w * t["att"], _y=w * t["y0_mean"]).groupby(key, as_index=False)[["_w", "_a", "_y"]].sum()
        tt["att"] = tt["_a"] / tt["_w"]
        if relative:
            tt["att"] = tt["_a"] / tt["_y"]
        return tt[[key, "att"]].rename(columns={"att": "true_att"})

    def by_type(self, outcome: str = "certificates", relative: bool = False) -> pd.DataFrame:
        """True ATT over post-treatment months by community type."""
        g = self.gt_type[(self.gt_type["outcome"] == outcome) & (self.gt_type["event_time"] >= 0)]
        agg = g.assign(_a=g["n_units"] * g["att"], _y=g["n_units"] * g["y0_mean"]).groupby(
            "community_type", observed=True, as_index=False)[["n_units", "_a", "_y"]].sum()
        agg["true_att"] = agg["_a"] / (agg["_y"] if relative else agg["n_units"])
        return agg[["community_type", "true_att"]]

    def __repr__(self):
        if not (self.gt["outcome"] == "certificates").any():
            return f"<Truth (SIMULATED): {self.gt['outcome'].nunique()} outcomes with treated communities>"
        a, r = self.att("certificates"), self.att("certificates", relative=True)
        return (f"<Truth (SIMULATED): {self.gt['outcome'].nunique()} outcomes with treated communities, "
                f"certificates ATT = {a:.3f} ({100 * r:.1f}%)>")


def _truth_tables(d: Design, st: dict, out: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (outcome, cohort, month) and per (outcome, cohort, type, month) true effects, built in one go."""
    T = d.n_months
    t_idx = np.arange(1, T + 1)
    types = st["type"]
    k = len(COMMUNITY_TYPES)
    A = {c: [] for c in ("o", "g", "n", "att", "y0")}
    B = {c: [] for c in ("o", "g", "ty", "n", "att", "y0")}
    olist = list(OUTCOMES)
    for o, (Y, mu, eff) in out.items():
        coh = st["cohorts"][OUTCOMES[o][0]]
        y0 = mu - eff  # mean untreated outcome (with spillovers, where any)
        cs = np.unique(coh[coh > 0])
        if not len(cs):
            continue
        key = np.searchsorted(cs, coh) * k + types  # (cohort rank, type) for treated units
        tr = coh > 0
        nk = len(cs) * k
        n_ct = np.bincount(key[tr], minlength=nk)
        a_ct = np.zeros((nk, T))
        y_ct = np.zeros((nk, T))
        np.add.at(a_ct, key[tr], eff[tr])
        np.add.at(y_ct, key[tr], y0[tr])
        n_c = n_ct.reshape(len(cs), k).sum(1)
        a_c = a_ct.reshape(len(cs), k, T).sum(1)
        y_c = y_ct.reshape(len(cs), k, T).sum(1)
        oi = olist.index(o)
        A["o"].append(np.full(len(cs) * T, oi))
        A["g"].append(np.repeat(cs, T))
        A["n"].append(np.repeat(n_c, T))
        A["att"].append((a_c / n_c[:, None]).ravel())
        A["y0"].append((y_c / n_c[:, None]).ravel())
        nz = np.flatnonzero(n_ct)
        B["o"].append(np.full(len(nz) * T, oi))
        B["g"].append(np.repeat(cs[nz // k], T))
        B["ty"].append(np.repeat(nz % k, T))
        B["n"].append(np.repeat(n_ct[nz], T))
        B["att"].append((a_ct[nz] / n_ct[nz, None]).ravel())
        B["y0"].append((y_ct[nz] / n_ct[nz, None]).ravel())
    cat = pd.CategoricalDtype(olist)

    def frame(D, with_type):
        o = np.concatenate(D["o"])
        g = np.concatenate(D["g"])
        m = len(o)
        cols = {"outcome": pd.Categorical.from_codes(o, dtype=cat),
                "measure": np.array([OUTCOMES[x][0] for x in olist], dtype=object)[o], "cohort": g}
        if with_type:
            cols["community_type"] = pd.Categorical.from_codes(np.concatenate(D["ty"]),
                                                               categories=list(COMMUNITY_TYPES))
        tt = np.tile(t_idx, m // T)
        cols.update({"time": tt, "event_time": tt - g, "n_units": np.concatenate(D["n"]),
                     "att": np.concatenate(D["att"]), "y0_mean": np.concatenate(D["y0"])})
        return pd.DataFrame(cols)

    return frame(A, False), frame(B, True)


# ---------------------------------------------------------------------------------------------- public
def simulate_panel(design: Design | dict | None = None, seed=0):
    """Simulate a community x month panel (SIMULATED DATA) and its true effects.

    Parameters
    ----------
    design : :class:`Design`, a dict of Design fields, or None (the calibrated default).
    seed : non-negative int (or ``numpy.random.SeedSequence``); the same seed gives the same frame.

    Returns
    -------
    panel : :class:`govstudy.Panel` with ``y="certificates"`` and ``cohort="cohort_access_list"``; its
        ``.data`` has one row per community and month: ``county, community, community_type, month``
        (1..n_months), ``year_month``, ``spring_festival``, ``cohort_<measure>`` and
        ``treated_<measure>`` for each measure, the outcomes of :data:`OUTCOMES`, and ``simulated``
        (True); ``.data.attrs`` holds ``simulated=True``, a ``note``, the design and the seed. For
        another outcome or measure, name its columns, e.g. ``att_gt(panel, y="completed_matters",
        cohort="cohort_service_upgrade")``.
    truth : :class:`Truth`.

    >>> p, truth = simulate_panel({"n_counties": 1, "communities_per_county": 8, "n_months": 20}, seed=3)
    >>> sorted(p.data.columns)[:4], p.data.attrs["note"][:14]
    (['appeals_received', 'appeals_resolved', 'certificates', 'cohort_access_list'], 'SIMULATED DATA')
    """
    from govstudy.panel import Panel

    if design is None:
        design = Design()
    elif isinstance(design, dict):
        design = Design().replace(**design)
    elif not isinstance(design, Design):
        raise TypeError(f"design must be a govstudy.simulate.Design, a dict or None, got {type(design).__name__}")
    design.validate()
    st, out = simulate_arrays(design, seed)
    n, T = st["n"], design.n_months
    y0, m0 = _parse_start(design.start)
    k = np.arange(T)
    ym = [f"{y0 + (m0 - 1 + i) // 12}-{(m0 - 1 + i) % 12 + 1:02d}" for i in k]
    cols = {
        "county": np.repeat(st["county"] + 1, T),
        "community": np.repeat(np.arange(1, n + 1), T),
        "community_type": pd.Categorical.from_codes(np.repeat(st["type"], T), categories=list(COMMUNITY_TYPES)),
        "month": np.tile(k + 1, n),
        "year_month": pd.Categorical.from_codes(np.tile(k, n), categories=ym),
        "spring_festival": np.tile(spring_festival_months(design.start, T), n),
    }
    for m in MEASURES:
        c = st["cohorts"][m]
        cols[f"cohort_{m}"] = np.repeat(c, T)
        cols[f"treated_{m}"] = ((cols[f"cohort_{m}"] > 0) & (cols["month"] >= cols[f"cohort_{m}"])).astype(np.int64)
    for o in OUTCOMES:
        Y = out[o][0]
        cols[o] = Y.ravel().astype(np.int64) if OUTCOMES[o][1] == "count" else np.round(Y.ravel(), 4)
    cols["simulated"] = np.ones(n * T, bool)
    df = pd.DataFrame(cols)
    df.attrs.update({"simulated": True,
                     "note": ("SIMULATED DATA (模拟数据) from govstudy.simulate_panel: not real records. Levels and "
                              "effect sizes are calibrated to the seed report (see govstudy.simulate.calibration())."),
                     "seed": seed if isinstance(seed, (int, np.integer)) else str(seed),
                     "design": dataclasses.asdict(design)})
    panel = Panel(df, unit="community", time="month", y="certificates", cohort="cohort_access_list",
                  source="simulated panel")
    panel.attrs = df.attrs
    gt, gt_type = _truth_tables(design, st, out)
    return panel, Truth(gt, gt_type, design, seed)


_CALIBRATION = [
    ("effects['certificates']", -0.20, "nancheng_05", "relative effect on a treated community (steady state)"),
    ("effects['completed_matters']", 0.25, "nancheng_12", "relative effect on a treated community (steady state)"),
    ("participants_per_event", 86.0, "nancheng_14", "1.8万余人次 / 210余场次 ≈ 86 participants per event"),
    ("baseline['events']", 1.75, "nancheng_13", "210 events / (10 communities x 12 months); 10 from yuan_08"),
    ("baseline['appeals_received']", 25.0, "yuan_24", "4592 / (13 centres x 12 months) ≈ 29, rounded down"),
    ("baseline['satisfaction'] / effects['satisfaction']", 0.96, "yuan_25",
     "99.78% is among settled matters after the measure; survey baseline 0.96, +1.0 logit -> 0.985"),
    ("type_shares", 0.25, "yuan_01", "the four types are named, their shares are not: equal (assumption)"),
    ("rollout (first cohort 2024-01)", 13, "nancheng_06", "2024年实施以来: roll-out from 2024-01, month 13"),
    ("n_months (36) and the two-year horizon", 36, "nancheng_05", "近两年来: a year before and two after"),
    ("share_treated['service_upgrade']", 0.75, "yuan_08", "10 of 13 community centres upgraded (yuan_07 + yuan_08)"),
    ("assignment='county' (option)", None, "yuan_12", "三级统一诉求受理平台: one district-wide platform"),
]


def calibration() -> pd.DataFrame:
    """The calibrated defaults with the indicator row and the verbatim quote behind each.

    >>> c = calibration()
    >>> c.loc[c.indicator_id == "nancheng_05", "span_text"].iloc[0]
    '20%'
    """
    from govstudy.datasets import load

    ind = load("case_indicators").set_index("indicator_id")
    rows = []
    for param, value, iid, how in _CALIBRATION:
        r = ind.loc[iid]
        rows.append({"parameter": param, "default": value, "indicator_id": iid, "span_text": r["span_text"],
                     "reported_value": r["value"], "unit": r["unit"], "sentence": r["sentence"].replace("\n", ""),
                     "how_used": how})
    return pd.DataFrame(rows)
