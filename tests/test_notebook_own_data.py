"""Notebook 03 run on a researcher's own file (papermill ``data_path``) states that file's results, and only them.

The panel is written here by its own code (not by ``govstudy.simulate_panel``): Chinese column names, months
written "2022-01", adoption months with blanks for never, one missing outcome, six streets as clusters. The
test recomputes the estimates with the public estimators and checks that every decimal number in the
notebook's computed prose is one of them, that the simulated run's prose is gone, and that the data's
warning (the missing outcome) is shown rather than suppressed.
"""

import json
import re

import numpy as np
import pandas as pd
import pytest

import govstudy
from conftest import REPO

papermill = pytest.importorskip("papermill", reason="papermill (the notebooks extra) runs notebooks with parameters")

NOTEBOOK = REPO / "notebooks" / "03_burden_reduction_effects.ipynb"
DECIMAL = re.compile(r"[−-]?\d+\.\d+")


def num(x, digits=2):
    return f"{x + 0.0:.{digits}f}".replace("-", "−")


def pval(p):
    return "0.001" if p < 0.001 else f"{p:.3f}"  # the prose writes "p < 0.001"


def own_panel() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    months = pd.period_range("2022-01", "2023-12", freq="M").strftime("%Y-%m")
    rows = []
    for i in range(36):
        adopt = ["2022-09", "2023-03", ""][i % 3]
        level = 40 + 3 * rng.standard_normal()
        for m, month in enumerate(months):
            treated = adopt != "" and month >= adopt
            y = level + 0.2 * m + 2 * np.sin(m) - 4.0 * treated + rng.standard_normal()
            rows.append({"社区": f"社区{i:02d}", "月份": month, "首次实施月份": adopt, "证明开具数": round(y, 2),
                         "街道": f"街道{i % 6}", "社区类型": ["老旧小区", "商品房小区"][i % 2]})
    df = pd.DataFrame(rows)
    df.loc[17, "证明开具数"] = np.nan
    return df


def prose(nb) -> list[str]:
    return ["".join(o["data"]["text/markdown"]) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c["outputs"] if "text/markdown" in o.get("data", {})]


def test_notebook_03_on_a_researchers_own_file(tmp_path):
    data = own_panel()
    path = tmp_path / "我的面板.csv"
    data.to_csv(path, index=False, encoding="utf-8")
    out = tmp_path / "run.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="python3",
                               progress_bar=False, parameters={
                                   "data_path": str(path), "unit_col": "社区", "time_col": "月份",
                                   "cohort_col": "首次实施月份", "outcome_col": "证明开具数", "cluster_col": "街道",
                                   "type_col": "社区类型"})
    nb = json.loads(out.read_text(encoding="utf-8"))
    text = "\n".join(prose(nb))

    # the estimates on this file, by the public estimators on the file as read
    df = govstudy.read_table(path, dtypes={"证明开具数": "number"})
    cols = dict(y="证明开具数", unit="社区", time="月份", cohort="首次实施月份")
    cs = govstudy.att_gt(df, **cols)
    es = govstudy.event_study(df, **cols, method="sun_abraham", window=(-6, 12))
    sa_all = govstudy.event_study(df, **cols, method="sun_abraham")
    df["treated"] = ((df["首次实施月份"].notna()) & (df["月份"] >= df["首次实施月份"].fillna("9999"))).astype(int)
    tw = govstudy.twfe(df, y="证明开具数", treat="treated", unit="社区", time="月份")
    month_no = {m: k for k, m in enumerate(sorted(df["月份"].unique()))}
    e = df["月份"].map(month_no) - df["首次实施月份"].map(month_no)
    ever = df["首次实施月份"].notna()
    post = df.loc[ever & (e >= 0) & (e < 12), "证明开具数"].mean()
    pre = df.loc[ever & (e < 0) & (e >= -12), "证明开具数"].mean()
    expected = {num(x) for x in [post - pre, tw.estimate, tw.std_error, cs.aggregate("simple").estimate,
                                 cs.aggregate("simple").std_error, cs.aggregate("dynamic").estimate,
                                 cs.aggregate("dynamic").std_error, sa_all.estimate, sa_all.std_error,
                                 es.pretrend["stat"]]}
    tw_c = govstudy.twfe(df, y="证明开具数", treat="treated", unit="社区", time="月份", vcov="cluster", cluster="街道")
    wb = govstudy.wild_cluster_bootstrap(tw_c, B=9999, bootstrap_weights="webb", seed=1)
    expected |= {num(x) for x in [tw_c.std_error, wb.ci_low, wb.ci_high]}
    expected |= {pval(x) for x in [es.pretrend["p_value"], cs.pretest["p_value"], tw_c.tidy().iloc[0]["p_value"],
                                   wb.p_value]}

    # sections 4b-4d: Rambachan-Roth sets, imputation and ETWFE, Poisson and relative effects
    dyn_u = govstudy.att_gt(df, **cols, base_period="universal").aggregate("dynamic", min_e=-6, max_e=11)
    grid = [0, 0.25, 0.5, 1, 2]
    for h in (govstudy.honest_did(dyn_u, Mbar=grid, l_vec="average"), govstudy.honest_did(dyn_u, M=[0], l_vec="average")):
        expected |= {num(x) for x in h.tidy()[["lb", "ub"]].to_numpy().ravel()}
    expected |= {f"{m:g}" for m in grid}   # the Mbar grid, as the prose lists it
    imp, et = govstudy.did_imputation(df, **cols), govstudy.etwfe(df, **cols)
    et_p = govstudy.etwfe(df, **cols, family="poisson")
    ratio = imp.std_error / cs.aggregate("simple").std_error
    expected |= {num(x) for x in [imp.estimate, imp.std_error, et.estimate, et.std_error, et_p.estimate,
                                  et_p.std_error, ratio]}
    pp = govstudy.twfe(df, y="证明开具数", treat="treated", unit="社区", time="月份", family="poisson").relative().iloc[0]
    rel = cs.aggregate("simple", relative=True)
    expected |= {num(x, 1) for x in [100 * pp.estimate, 100 * pp.std_error, rel.estimate, rel.std_error]}

    found = set(DECIMAL.findall(text))
    assert found, "the computed prose states no numbers"
    assert found <= expected, f"numbers in the prose that are not this file's results: {sorted(found - expected)}"
    for must in [num(tw.estimate), num(cs.aggregate("simple").estimate), pval(es.pretrend["p_value"]), pval(wb.p_value),
                 num(imp.estimate), num(et_p.estimate), num(rel.estimate, 1)]:
        assert must in text
    assert "我的面板.csv" in text
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]], ensure_ascii=False)
    assert "SIMULATED" not in outputs and "模拟数据" not in outputs

    # the simulated run's own statements are gone: none of its numbers remains in the prose
    committed = set(DECIMAL.findall("\n".join(prose(json.loads(NOTEBOOK.read_text(encoding="utf-8"))))))
    assert committed - expected, "the committed run's numbers should differ from this file's"
    assert not (found & (committed - expected))

    # the missing outcome is shown as a warning, not suppressed, and without a machine-dependent path
    stderr = "".join("".join(o["text"]) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
                     if o.get("name") == "stderr")
    assert "SampleWarning" in stderr and "missing" in stderr
    assert str(REPO) not in stderr
