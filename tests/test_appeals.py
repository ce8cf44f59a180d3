"""govstudy.appeals on DuckDB: definitions on a hand-made log, the real SF311 sample against an independent pandas
computation, and bad input (GBK exports, mixed timestamps, Chinese status words, empty files, missing columns).

Tolerances: counts are compared exactly; hours and means to a relative 1e-12 against numpy (the same doubles,
summed in another order).
"""

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy import appeals
from govstudy.errors import DataValidationError, FileMissingError, ReadError

SF = govstudy.datasets.path("sf311_sample")


def _log():
    return pd.DataFrame({
        "record_id": ["1", "2", "3", "4", "5", "5", "6", "7", "8"],
        "community": ["东社区", "东社区", "东社区", "西社区", None, "西社区", "西社区", "西社区", "东社区"],
        "received_at": ["2024-01-01 08:00:00", "2024/1/10 8:00", "2024年1月20日 10:00", "2024-01-03 00:00:00",
                        "2024-01-04 00:00:00", "2024-03-02 00:00:00", "2024-03-05 12:00:00", "32/13/2024",
                        "01/15/2024 01:00:00 PM"],
        "closed_at": ["2024-01-01 20:00:00", "2024-01-11 08:00:00", None, "2024-01-02 00:00:00", None,
                      "2024-03-03 00:00:00", None, None, "2024-01-16 01:00:00"],
        "status": ["已办结", "已办结", "办理中", "已办结", "已受理", "Closed", "退回", "已办结", "挂起"],
        "category": ["噪音", "物业", "噪音", "噪音", "物业", "物业", None, "噪音", "物业"],
        "satisfaction": ["满意", "基本满意", None, "3", None, "不满意", None, None, "好"],
    })


def test_definitions_on_a_hand_made_log():
    with _nowarn():
        panel = appeals.to_panel(_log())
    r = panel.attrs["report"]
    bad = {c: n for c, n in r.counts.items() if n}
    assert bad == {"missing_unit": 1, "unparseable_received": 1, "closed_before_received": 1, "duplicate_id": 1,
                   "unknown_status": 1, "unparseable_satisfaction": 1, "closed_without_time": 1}
    assert r.examples["closed_before_received"] == ["4"] and r.examples["missing_unit"] == ["5"]
    assert r.n_records == 9 and r.n_placed == 6
    assert len(r.formats["received_at"]) == 4 and any("4 formats" in n for n in r.notes)
    east = panel[panel["community"] == "东社区"].set_index("period")
    west = panel[panel["community"] == "西社区"].set_index("period")
    assert list(panel["period"].unique()) == ["2024-01", "2024-02", "2024-03"]
    assert len(panel) == 6                                   # 2 units x 3 periods, zeros where none
    jan = east.loc["2024-01"]
    assert (jan["n_received"], jan["n_closed"], jan["n_open"], jan["n_resolved"]) == (4, 3, 1, 2)
    assert jan["n_resolution_known"] == 3 and jan["share_resolved"] == pytest.approx(2 / 3, rel=1e-12)
    durations = np.array([12.0, 24.0, 12.0])                 # records 1, 2 and 8
    assert jan["n_timed"] == 3 and jan["median_hours_to_close"] == pytest.approx(12.0, rel=1e-12)
    assert jan["p90_hours_to_close"] == pytest.approx(np.quantile(durations, 0.9), rel=1e-12)
    assert jan["mean_satisfaction"] == pytest.approx(0.75, rel=1e-12) and jan["n_rated"] == 2
    assert jan["n_category_噪音"] == 2 and jan["n_category_物业"] == 2
    assert east.loc["2024-02", "n_received"] == 0 and np.isnan(east.loc["2024-02", "median_hours_to_close"])
    w1 = west.loc["2024-01"]                                 # closed before received: closed, no duration
    assert (w1["n_received"], w1["n_closed"], w1["n_timed"]) == (1, 1, 0)
    assert w1["mean_satisfaction"] == 3.0
    w3 = west.loc["2024-03"]            # record 5's later copy is a duplicate (left out); 退回 is not closed
    assert (w3["n_received"], w3["n_closed"], w3["n_resolved"], w3["n_resolution_known"]) == (1, 0, 0, 1)


class _nowarn:
    def __enter__(self):
        import warnings
        self._c = warnings.catch_warnings()
        self._c.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *a):
        return self._c.__exit__(*a)


def test_duplicates_keep_the_first_copy_and_count_the_others():
    log = pd.DataFrame({"record_id": ["a", "a", "a", "b"], "community": ["x"] * 4,
                        "received_at": ["2024-01-03 00:00:00", "2024-01-01 00:00:00", "2024-01-02 00:00:00",
                                        "2024-02-01 00:00:00"],
                        "closed_at": [None, "2024-01-01 06:00:00", None, None]})
    panel = appeals.to_panel(log)
    r = panel.attrs["report"]
    assert r.counts["duplicate_id"] == 2 and r.examples["duplicate_id"] == ["a", "a"]
    assert panel["n_received"].tolist() == [1, 1] and panel["median_hours_to_close"].iloc[0] == 6.0


def test_window_counts_records_outside_and_sets_the_periods():
    panel = appeals.to_panel(_log(), window=("2024-01", "2024-02"))
    assert panel.attrs["report"].counts["outside_window"] == 2
    assert sorted(panel["period"].unique()) == ["2024-01", "2024-02"]


def test_strict_turns_the_report_into_an_error():
    with pytest.raises(DataValidationError, match=r"column 'community'.*1 record without a unit \(example ids: 5\)"):
        appeals.to_panel(_log(), strict=True)


def test_extensible_status_words_and_quarters():
    panel = appeals.to_panel(_log(), status_words={"挂起": "open"}, freq="Q")
    assert panel.attrs["report"].counts["unknown_status"] == 0
    assert panel["period"].unique().tolist() == ["2024Q1"]
    east = panel.set_index("community").loc["东社区"]
    assert east["n_resolution_known"] == 4 and east["n_closed"] == 2     # 挂起 is open: its closing time is ignored
    assert panel.attrs["report"].counts["open_with_closed_at"] == 1


def test_the_panel_goes_straight_into_govstudy_panel_and_estimators():
    panel = appeals.to_panel(_log())
    p = govstudy.Panel(panel, unit="community", time="period", y="n_received")
    assert (p.n_units, p.n_periods) == (2, 3) and p.period_labels == ["2024-01", "2024-02", "2024-03"]


# --------------------------------------------------------------------------- the real SF311 sample
@pytest.fixture(scope="module")
def sf_panel():
    return appeals.to_panel(SF, columns="sf311")


def test_sf311_report_counts_every_quirk(sf_panel):
    r = sf_panel.attrs["report"]
    assert r.n_records == 10000 and r.n_placed == 10000 - 320
    assert r.counts["missing_unit"] == 320 and r.counts["closed_before_received"] == 129
    assert sum(r.counts.values()) == 320 + 129     # no duplicates, unreadable times or unknown words in this sample
    assert r.formats["received_at"] == {"MM/DD/YYYY HH:MM:SS AM": 10000}
    assert r.formats["closed_at"] == {"MM/DD/YYYY HH:MM:SS AM": 9530}
    assert len(r.examples["closed_before_received"]) == 5


def test_sf311_panel_matches_an_independent_pandas_computation(sf_panel):
    raw = govstudy.load("sf311_sample")
    fmt = "%m/%d/%Y %I:%M:%S %p"
    opened, closed = pd.to_datetime(raw["Opened"], format=fmt), pd.to_datetime(raw["Closed"], format=fmt)
    hours = (closed - opened).dt.total_seconds() / 3600
    df = pd.DataFrame({"community": raw["Neighborhood"], "period": opened.dt.strftime("%Y-%m"),
                       "closed": closed.notna(), "hours": hours.where(hours >= 0)}).dropna(subset=["community"])
    g = df.groupby(["community", "period"])
    expected = pd.DataFrame({"n_received": g.size(), "n_closed": g["closed"].sum(),
                             "median": g["hours"].quantile(0.5), "p90": g["hours"].quantile(0.9),
                             "mean": g["hours"].mean()})
    got = sf_panel.set_index(["community", "period"]).loc[expected.index]
    assert (got["n_received"] == expected["n_received"]).all() and (got["n_closed"] == expected["n_closed"]).all()
    for ours, theirs in (("median_hours_to_close", "median"), ("p90_hours_to_close", "p90"),
                         ("mean_hours_to_close", "mean")):
        np.testing.assert_allclose(got[ours], expected[theirs], rtol=1e-12, equal_nan=True)
    assert sf_panel["n_received"].sum() == 9680 and sf_panel["n_open"].sum() == (~df["closed"]).sum()
    assert set(sf_panel["community"]) == set(df["community"])
    n_units, n_periods = df["community"].nunique(), len(pd.period_range("2008-07", "2016-01", freq="M"))
    assert len(sf_panel) == n_units * n_periods       # every unit in every month, zeros where none
    assert sf_panel.filter(like="n_category_").to_numpy().sum() == 9680


# --------------------------------------------------------------------------- bad input
def test_gbk_export_with_the_12345_preset_is_transcoded_and_noted(tmp_path):
    text = ("工单编号,受理时间,办结时间,诉求类别,所属社区,办理状态,满意度\n"
            "GD001,2024-01-05 09:00:00,2024-01-06 09:00:00,噪音扰民,城东社区,已办结,满意\n"
            "GD002,2024/01/07 10:30,,物业管理,城东社区,已受理,\n"
            "GD003,2024年2月1日 08:00,2024年2月1日 20:00,噪音扰民,城西社区,已办结,不满意\n")
    path = tmp_path / "12345导出.csv"
    path.write_bytes(text.encode("gbk"))
    panel = appeals.to_panel(path, columns="12345")
    r = panel.attrs["report"]
    assert any("gb18030" in n and "transcoded" in n for n in r.notes)
    assert r.ok and r.columns["community"] == "所属社区"
    east = panel.set_index(["community", "period"]).loc[("城东社区", "2024-01")]
    assert (east["n_received"], east["n_closed"], east["median_hours_to_close"]) == (2, 1, 24.0)
    assert east["n_category_噪音扰民"] == 1 and east["mean_satisfaction"] == 1.0
    west = panel.set_index(["community", "period"]).loc[("城西社区", "2024-02")]
    assert (west["n_closed"], west["n_resolved"], west["median_hours_to_close"], west["mean_satisfaction"]) == \
        (1, 1, 12.0, 0.0)
    assert any("3 formats" in n for n in r.notes)


def test_empty_file_header_only_and_missing_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match=r"empty.csv: the file is empty"):
        appeals.to_panel(empty)
    header = tmp_path / "header.csv"
    header.write_text("record_id,received_at,community\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"header.csv: the log has a header but no records"):
        appeals.to_panel(header)
    with pytest.raises(FileMissingError, match="no file matches"):
        appeals.to_panel(str(tmp_path / "nothing_*.csv"))


def test_missing_column_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("工单编号,受理时间\nA1,2024-01-05 09:00:00\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"log.csv, column 'community': the standard field 'community'.*"
                                                 r"tried \['所属社区'"):
        appeals.to_panel(path, columns="12345")
    with pytest.raises(DataValidationError, match=r"columns= maps 'community' to '社区名'"):
        appeals.to_panel(path, columns={"preset": "12345", "community": "社区名"})


def test_globs_read_many_files_as_one_log(tmp_path):
    for i, month in enumerate(["01", "02"]):
        (tmp_path / f"part{i}.csv").write_text(
            f"record_id,received_at,community\nr{i},2024-{month}-03 10:00:00,c\n", encoding="utf-8")
    panel = appeals.to_panel(str(tmp_path / "part*.csv"))
    assert panel["n_received"].tolist() == [1, 1]
    pq = tmp_path / "log.parquet"
    _log().to_parquet(pq)
    assert appeals.to_panel(pq)["n_received"].sum() == 6


def test_no_extension_is_downloaded():
    e = appeals.DuckDBEngine()
    try:
        assert e.con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchall() == [(False,)]
    finally:
        e.close()


# --------------------------------------------------------------------------- simulated logs
def test_simulated_log_gives_back_the_simulated_panel():
    design = {"n_counties": 2, "communities_per_county": 5, "n_months": 18}
    log, panel, truth = govstudy.simulate_appeals(design, seed=7)
    same, _ = govstudy.simulate_panel(design, seed=7)
    assert panel.data.equals(same.data)                      # the same communities, roll-out and outcomes
    assert log.attrs["simulated"] and "SIMULATED" in log.attrs["note"] and log["simulated"].all()
    out = appeals.to_panel(log)
    assert out.attrs["simulated"] and out.attrs["report"].ok
    m = out.merge(panel.data, left_on=["community", "period"], right_on=["community", "year_month"], validate="1:1")
    assert len(m) == len(panel.data)
    assert (m["n_received"] == m["appeals_received"]).all() and (m["n_resolved"] == m["appeals_resolved"]).all()
    # hours to close are Gamma(2) with mean 24 x days_to_resolve: the panel mean is near it (a loose, stated check)
    ratio = m["mean_hours_to_close"].sum() / (24 * (m["days_to_resolve"] * (m["n_timed"] > 0)).sum())
    assert 0.9 < ratio < 1.1
    assert np.isfinite(truth.att("appeals_received"))


def test_simulated_problems_are_each_counted():
    log, _, _ = govstudy.simulate_appeals({"n_counties": 1, "communities_per_county": 6, "n_months": 12}, seed=3,
                                          problems=0.1)
    r = appeals.validate(log)
    planted = log["simulated_problem"].value_counts()
    assert r.counts["missing_unit"] == planted["missing_unit"]
    assert r.counts["duplicate_id"] == planted["duplicate_id"] // 2   # original and copy are both labelled
    assert r.counts["unknown_status"] == planted["unknown_status"]
    assert r.counts["closed_before_received"] == planted["closed_before_received"]
    assert r.formats["received_at"]["YYYY/MM/DD HH:MM"] == planted["other_time_format"]


def test_simulated_12345_headers_read_with_the_preset():
    log, _, _ = govstudy.simulate_appeals({"n_counties": 1, "communities_per_county": 3, "n_months": 6}, seed=1,
                                          columns="12345")
    assert {"工单编号", "受理时间", "所属社区", "办理状态", "满意度"} <= set(log.columns)
    assert appeals.to_panel(log, columns="12345").attrs["report"].ok


def test_built_in_timestamp_formats_are_mutually_exclusive():
    """Each example is read by exactly one built-in format, so trying the frequent ones first changes no result."""
    import duckdb
    examples = ["2024-01-05 08:00:00", "2024-01-05T08:00:00", "2024-01-05 08:00", "2024/01/05 08:00:00",
                "2024/1/5 8:00", "01/05/2024 08:00:00 PM", "1/5/2024 8:00 AM", "2024年1月5日 8:00:00",
                "2024年01月05日 08:00", "2024-01-05", "2024/1/5", "2024年1月5日", "12/11/2024 01:02:03 AM",
                "2024-01-05T08:00:00+08:00", "2024-01-05 08:00:00-05:00"]
    con = duckdb.connect()
    for text in examples:
        hits = [label for label, fmt, _ in appeals.TIME_FORMATS
                if con.execute("SELECT try_strptime(?, ?) IS NOT NULL", [text, fmt]).fetchall()[0][0]]
        assert len(hits) == 1, (text, hits)


def test_offsets_are_read_as_wall_clock_time_of_tz():
    log = pd.DataFrame({"record_id": ["a", "b"], "community": ["c", "c"],
                        "received_at": ["2024-01-31T20:00:00+00:00", "2024-01-31 23:30:00+08:00"],
                        "closed_at": ["2024-02-01T08:00:00+08:00", None]})
    local = appeals.to_panel(log, tz="Asia/Shanghai").set_index("period")   # a: 2024-02-01 04:00 in Shanghai
    assert local["n_received"].to_dict() == {"2024-01": 1, "2024-02": 1}
    assert local.loc["2024-02", "median_hours_to_close"] == 4.0
    utc = appeals.to_panel(log)
    assert utc["n_received"].tolist() == [2] and any("pass tz=" in n for n in utc.attrs["report"].notes)
    aware = log.assign(received_at=pd.to_datetime(log["received_at"], format="ISO8601", utc=True), closed_at=None)
    with pytest.raises(DataValidationError, match="time-zone aware.*pass tz="):
        appeals.to_panel(aware)
    assert appeals.to_panel(aware, tz="Asia/Shanghai")["n_received"].tolist() == [1, 1]
    with pytest.raises(govstudy.ArgumentError, match="not a time zone name"):
        appeals.to_panel(log, tz="Mars/Olympus")
