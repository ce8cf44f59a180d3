"""read_table: formats, encodings, opt-in number parsing, and clear errors on bad input."""

import zipfile

import numpy as np
import pandas as pd
import pytest

from govstudy import DataValidationError, FileMissingError, GovstudyError, ReadError, read_table
from govstudy.io import parse_number_text

ROWS = "街道,月份,办结事项\n城东街道,1,120\n城西街道,1,95\n"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_encodings_are_detected(tmp_path, encoding, expected):
    path = write(tmp_path, "t.csv", ROWS.encode(encoding))
    df = read_table(path)
    assert df.attrs["encoding"] == expected
    assert list(df.columns) == ["街道", "月份", "办结事项"]
    assert df["街道"].tolist() == ["城东街道", "城西街道"]


def test_text_stays_text_unless_asked(tmp_path):
    path = write(tmp_path, "t.csv", '社区,投入\n甲,"1,234"\n乙,3.2万\n丙,12.5%\n'.encode())
    assert read_table(path)["投入"].tolist() == ["1,234", "3.2万", "12.5%"]
    assert read_table(path, parse_numbers=["投入"])["投入"].tolist() == [1234.0, 32000.0, 12.5]


def test_parse_numbers_names_the_bad_cell(tmp_path):
    path = write(tmp_path, "t.csv", "社区,投入\n甲,5\n乙,五千\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path, parse_numbers=["投入"])
    msg = str(err.value)
    assert "t.csv" in msg and "'投入'" in msg and "row 2" in msg and "line 3" in msg and "五千" in msg


@pytest.mark.parametrize("text, value", [("1,234", 1234), ("１２３", 123), ("-3.5%", -3.5), ("2亿", 2e8),
                                         ("1,234.5", 1234.5), ("0.5万", 5000)])
def test_parse_number_text(text, value):
    assert parse_number_text(text) == value


@pytest.mark.parametrize("text", ["1,23", "abc", "", "12%%", "3.2万元"])
def test_parse_number_text_rejects(text):
    with pytest.raises(ValueError):
        parse_number_text(text)


def test_missing_markers_and_strings_that_look_missing(tmp_path):
    path = write(tmp_path, "t.csv", "name,x\nNone,NA\nnull,\n".encode())
    df = read_table(path)
    assert df["name"].tolist()[0] == "None"  # not silently turned into a missing value
    assert df["name"].isna().tolist() == [False, True]
    assert df["x"].isna().all()


def test_duplicated_primary_key(tmp_path):
    path = write(tmp_path, "panel.csv", "unit,time,y\na,1,1\na,2,2\nb,1,3\na,2,4\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path, key=["unit", "time"])
    msg = str(err.value)
    assert "panel.csv" in msg and "row 4" in msg and "line 5" in msg and "repeats row 2" in msg


def test_wrong_type_in_a_column(tmp_path):
    path = write(tmp_path, "panel.csv", "unit,time,y\na,1,1\na,two,2\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"time": "integer", "y": "number"})
    assert err.value.column == "time" and err.value.row == 2 and err.value.line == 3
    assert "'two' is not an integer" in str(err.value)


def test_declared_types_convert(tmp_path):
    path = write(tmp_path, "panel.csv", "unit,time,y,d\na,1,1.5,2024-01-31\nb,2,,2024-02-29\n".encode())
    df = read_table(path, dtypes={"time": "integer", "y": "number", "d": "date"})
    assert df["time"].tolist() == [1, 2] and df["time"].dtype == "int64"
    assert np.isnan(df["y"].iloc[1]) and df["d"].dt.month.tolist() == [1, 2]


def test_missing_required_column(tmp_path):
    path = write(tmp_path, "panel.csv", "unit,y\na,1\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path, columns=["unit", "time", "y"])
    assert "['time']" in str(err.value) and "panel.csv" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "empty.csv", content)
    with pytest.raises(ReadError, match="empty"):
        read_table(path)


def test_ragged_row_is_an_error_not_padding(tmp_path):
    path = write(tmp_path, "t.csv", "a,b,c\n1,2,3\n4,5\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path)
    assert err.value.line == 3 and "expected 3 fields" in str(err.value)


def test_undecodable_bytes(tmp_path):
    path = write(tmp_path, "t.csv", b"a,b\n1,\x80\x80\x80\n")
    with pytest.raises(ReadError, match="neither UTF-8"):
        read_table(path)


def test_nonexistent_path(tmp_path):
    with pytest.raises(FileMissingError) as err:
        read_table(tmp_path / "nope.csv")
    assert isinstance(err.value, FileNotFoundError) and "nope.csv" in str(err.value)


def test_unknown_suffix(tmp_path):
    path = write(tmp_path, "t.json", b"{}")
    with pytest.raises(ReadError, match="unknown file type"):
        read_table(path)


@pytest.fixture
def frame():
    return pd.DataFrame({"street": ["城东", "城西", "城南"], "month": [1, 1, 2], "matters": [120.0, 95.0, 88.5]})


def test_excel_roundtrip_and_row_numbers(tmp_path, frame):
    path = tmp_path / "t.xlsx"
    bad = frame.astype({"month": object})
    bad.loc[2, "month"] = "二月"
    bad.to_excel(path, index=False)
    assert read_table(path)["street"].tolist() == ["城东", "城西", "城南"]
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"month": "integer"})
    assert err.value.row == 3 and err.value.line == 4  # Excel row 4: header + 3rd data row


def test_truncated_xlsx(tmp_path, frame):
    good = tmp_path / "good.xlsx"
    frame.to_excel(good, index=False)
    data = good.read_bytes()
    bad = write(tmp_path, "truncated.xlsx", data[: len(data) // 2])
    with pytest.raises(ReadError, match="truncated.xlsx.*not a readable .xlsx"):
        read_table(bad)
    assert not zipfile.is_zipfile(bad)


def test_parquet_roundtrip(tmp_path, frame):
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path), frame, check_dtype=False)
    broken = write(tmp_path, "broken.parquet", b"PAR1 not really")
    with pytest.raises(ReadError, match="broken.parquet"):
        read_table(broken)


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_stata_and_spss_with_labels(tmp_path, frame, suffix):
    import pyreadstat

    path = tmp_path / f"t{suffix}"
    df = frame.rename(columns={"street": "street"}).assign(kind=[1, 2, 1])
    writer = pyreadstat.write_dta if suffix == ".dta" else pyreadstat.write_sav
    writer(df, str(path), column_labels=["街道", "月份", "办结事项", "类型"],
           variable_value_labels={"kind": {1: "老旧小区", 2: "新建小区"}})
    got = read_table(path)
    assert got["matters"].tolist() == [120.0, 95.0, 88.5]
    assert got.attrs["column_labels"]["street"] == "街道"
    assert got.attrs["value_labels"]["kind"] == {1: "老旧小区", 2: "新建小区"}


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_corrupt_stata_spss(tmp_path, suffix):
    path = write(tmp_path, f"bad{suffix}", b"this is not a statistics file at all" * 3)
    with pytest.raises(ReadError, match=f"bad{suffix}"):
        read_table(path)


def test_every_error_is_a_govstudy_error():
    assert issubclass(DataValidationError, GovstudyError) and issubclass(ReadError, GovstudyError)
