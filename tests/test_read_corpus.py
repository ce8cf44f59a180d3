"""Issue 12: the files county offices and researchers exchange, made here, each read exactly.

Every test asserts the values loaded or the exact error text. Encodings, spreadsheet quirks
(.xlsx, .xls, .ods), Stata and SPSS storage types, CSV dialects, BOMs, formula-like cells.
"""

from __future__ import annotations

import csv
import datetime
import warnings

import numpy as np
import pandas as pd
import pytest

import govstudy
from govstudy import DataValidationError, ReadError, read_table
from govstudy.io import TitleRowWarning
from govstudy.text.extract import extract_indicators_file

GBK_ROWS = "序号,姓名,性别,街道,诉求内容\n1,张三,男,城东街道,反映小区停车难问题\n2,李四,女,城西街道,要求加装电梯\n"
BIG5_ROWS = "序號,姓名,性別,地區,訴求內容\n1,陳大文,男,中西區,反映社區停車難問題\n2,李小華,女,灣仔區,要求加裝電梯\n"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def err_text(excinfo) -> str:
    return str(excinfo.value).replace(str(excinfo.value).split(":")[0], "FILE", 1)


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("text, encoding, expected", [
    (GBK_ROWS, "gbk", "gb18030"),
    (GBK_ROWS.replace("张三", "张€"), "gb18030", "gb18030"),       # a GB18030-only sequence
    (BIG5_ROWS, "big5", "big5"),
    ("姓名,地區\n佢哋嘅屋企,香港島\n陳大文,九龍城區\n", "big5hkscs", "big5hkscs"),  # Hong Kong characters
    ("name,city\nRenée Dupont,Paris\nJürgen Müller,Köln\nJosé Núñez,Bogotá\n", "cp1252", "cp1252"),
    ("nom;ville\nÉlise Côté;Montréal\nAnaïs Bérubé;Québec\n", "latin-1", "cp1252"),
    (GBK_ROWS, "utf-8", "utf-8"),
    (GBK_ROWS, "utf-8-sig", "utf-8-sig"),
])
def test_encodings_decode_exactly(tmp_path, text, encoding, expected):
    path = write(tmp_path, "t.csv", text.encode(encoding))
    df = read_table(path)
    sep = ";" if ";" in text.splitlines()[0] else ","
    rows = [line.split(sep) for line in text.splitlines()]
    assert list(df.columns) == rows[0]
    assert df.values.tolist() == rows[1:]
    assert df.attrs["encoding"] == expected


def test_gbk_evidence_records_the_scores(tmp_path):
    df = read_table(write(tmp_path, "t.csv", GBK_ROWS.encode("gbk")))
    ev = df.attrs["encoding_evidence"]
    assert ev["method"] == "scored" and ev["scores"]["gb18030"] == 1.0 and ev["scores"]["big5"] < 0.6


def test_utf16_with_bom_tab_separated(tmp_path):
    # Excel's "Unicode text" export: UTF-16 LE with BOM, tab-separated, CRLF
    path = write(tmp_path, "export.txt", "街道\t数量\r\n城东\t007\r\n".encode("utf-16"))
    df = read_table(path)
    assert df.to_dict("list") == {"街道": ["城东"], "数量": ["007"]}
    assert df.attrs["encoding"] == "utf-16" and df.attrs["sep"] == "\t"


def test_mixed_utf8_with_one_gbk_line_is_an_error(tmp_path):
    data = "名称,数量\n城东,1\n城北,2\n".encode() + "城西,3\n".encode("gbk")
    path = write(tmp_path, "m.csv", data)
    with pytest.raises(ReadError) as err:
        read_table(path)
    assert str(err.value) == (
        f"{path}: line 4: expected UTF-8 like 3 other line(s) with non-ASCII text (the first is line 1), found "
        "bytes b'\\xb3\\xc7\\xce\\xf7,3\\n' that are not UTF-8 (1 such line(s)); the file mixes encodings (a "
        "hand-edited export?). Line 4 reads as gb18030 '城西,3'; as big5 '傑昹,3'; as cp1252 '³ÇÎ÷,3'. Repair "
        "explicitly: encoding_errors='gb18030' (or 'big5', 'cp1252') reads such lines in that encoding, "
        "encoding_errors='replace' replaces the bad bytes with U+FFFD, encoding='...' reads the whole file in "
        "one encoding")


def test_mixed_file_repaired_explicitly_is_counted(tmp_path):
    data = "名称,数量\n城东,1\n".encode() + "城西,3\n".encode("gbk") + "城北,2\n".encode()
    path = write(tmp_path, "m.csv", data)
    df = read_table(path, encoding_errors="gb18030")
    assert df.values.tolist() == [["城东", "1"], ["城西", "3"], ["城北", "2"]]
    assert df.attrs["encoding_repairs"] == {"encoding_errors": "gb18030", "lines": [3], "count": 1}
    replaced = read_table(path, encoding_errors="replace")
    assert replaced["名称"].tolist() == ["城东", "\ufffd\ufffd\ufffd\ufffd", "城北"]
    assert replaced.attrs["encoding_repairs"] == {"encoding_errors": "replace", "lines": [3], "count": 1,
                                                  "replaced": 4}


def test_gbk_and_big5_too_close_to_tell(tmp_path):
    path = write(tmp_path, "short.csv", "城东街道\n".encode("gbk"))
    with pytest.raises(ReadError) as err:
        read_table(path)
    assert str(err.value) == (
        f"{path}: line 1: cannot tell the encoding: expected one clearly plausible reading, found two close ones "
        "(gb18030 1.00, big5 1.00, cp1252 0.00). Line 1 reads as gb18030 '城东街道' and as big5 '傑陲誰耋'; "
        "pass encoding='gb18030' or encoding='big5'")
    assert read_table(path, encoding="gbk", header_row=1).columns.tolist() == ["城东街道"]


def test_wrong_encoding_given_names_the_line(tmp_path):
    path = write(tmp_path, "t.csv", GBK_ROWS.encode("gbk"))
    with pytest.raises(ReadError) as err:
        read_table(path, encoding="utf-8")
    assert str(err.value) == (
        f"{path}: line 1: expected utf-8 text, found bytes b'\\xd0\\xf2\\xba\\xc5,\\xd0\\xd5\\xc3' that are not "
        "utf-8 (invalid continuation byte); pass encoding='...' with the file's real encoding, or "
        "encoding_errors='replace' to replace such bytes")


def test_big5_report_is_extracted_not_empty(tmp_path):
    text = "臺北市推動基層治理改革，今年以來新建服務中心3個，投入經費86.5萬元。\n"
    path = write(tmp_path, "report.txt", text.encode("big5"))
    df = extract_indicators_file(path)
    assert df["span_text"].tolist() == ["3個", "86.5萬元"]
    assert df["value"].tolist() == [3.0, 865000.0]


def test_short_big5_report_is_an_ambiguity_error_not_zero_rows(tmp_path):
    path = write(tmp_path, "r.txt", "城东街道\n".encode("gbk"))
    with pytest.raises(ReadError, match="cannot tell the encoding"):
        extract_indicators_file(path)


# ---------------------------------------------------------------- CSV dialects

@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_separator_is_sniffed(tmp_path, sep):
    path = write(tmp_path, "t.txt", sep.join(["街道", "金额"]).encode() + b"\n" +
                 sep.join(["城东", "1,5"]).encode() + b"\n")
    df = read_table(path)
    assert df.to_dict("list") == {"街道": ["城东"], "金额": ["1,5"]} and df.attrs["sep"] == sep


def test_ambiguous_separator(tmp_path):
    path = write(tmp_path, "t.csv", b"a,b;c\n1,2;3\n")
    with pytest.raises(ReadError) as err:
        read_table(path)
    assert str(err.value) == (f"{path}: cannot tell the separator: ',' gives 2 fields and ';' gives 2 fields on "
                              "100% of the first lines; pass sep=")
    assert read_table(path, sep=";").columns.tolist() == ["a,b", "c"]


def test_quoted_newlines_keep_lines_right(tmp_path):
    path = write(tmp_path, "t.csv", '社区,备注,数量\n甲,"第一行\n第二行",1\n乙,无,两\n'.encode())
    df = read_table(path)
    assert df["备注"].tolist() == ["第一行\n第二行", "无"]
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"数量": "integer"})
    assert str(err.value) == f"{path}, column '数量', row 2 (line 4): value '两' is not an integer (rule: type)"


def test_unclosed_quote_names_where_the_field_starts(tmp_path):
    path = write(tmp_path, "t.csv", 'a,b,c\n1,2,3\n4,"five,6\n7,8,9\n'.encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path)
    assert str(err.value) == (f"{path}, column 2, line 3: a quoted field starts here and is never closed "
                              "(expected a closing '\"' before the end of the file)")


def test_large_field_loads_and_the_csv_limit_is_restored(tmp_path):
    big = "字" * 2_000_000
    path = write(tmp_path, "t.csv", f'id,text\n1,"{big}"\n2,short\n'.encode())
    before = csv.field_size_limit()
    df = read_table(path)
    assert len(df["text"][0]) == 2_000_000 and df["text"][1] == "short"
    assert csv.field_size_limit() == before


def test_duplicate_header_names_are_an_error(tmp_path):
    path = write(tmp_path, "t.csv", "街道,数量,月份,数量\n城东,1,1,2\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path)
    assert str(err.value) == (f"{path}, column '数量': the header (line 1) names column 2 and column 4 both "
                              "'数量'; expected distinct names (nothing is renamed: rename one in the file)")


def test_header_row_skips_a_preamble_and_keeps_lines(tmp_path):
    path = write(tmp_path, "t.csv", "城东街道2024年报表\n单位：件\n街道,数量\n城东,5\n城西,x\n".encode())
    df = read_table(path, header_row=3)
    assert df.to_dict("list") == {"街道": ["城东", "城西"], "数量": ["5", "x"]}
    assert df.attrs["skipped_rows"] == [1, 2] and df.attrs["header_row"] == [3]
    with pytest.raises(DataValidationError) as err:
        read_table(path, header_row=3, dtypes={"数量": "integer"})
    assert (err.value.row, err.value.line) == (2, 5)


def test_multi_row_header_is_joined(tmp_path):
    path = write(tmp_path, "t.csv", "街道,收入,,支出\n,一月,二月,一月\n城东,1,2,3\n".encode())
    df = read_table(path, header_row=[1, 2])
    assert df.columns.tolist() == ["街道", "收入 一月", "收入 二月", "支出 一月"]
    assert df.values.tolist() == [["城东", "1", "2", "3"]]


def test_title_row_is_detected_and_named(tmp_path):
    path = write(tmp_path, "t.csv", "2024年城东街道办结事项统计,,\n街道,月份,数量\n城东,1,5\n".encode())
    with pytest.warns(TitleRowWarning) as record:
        df = read_table(path)
    assert str(record[0].message) == (
        f"{path}: line 1 ('2024年城东街道办结事项统计') looks like a title above the header (one filled cell "
        "over a row of names); the header was read from line 2; pass header_row=1 to read line 1 as the header")
    assert df.to_dict("list") == {"街道": ["城东"], "月份": ["1"], "数量": ["5"]}


@pytest.mark.parametrize("option, hint", [("header", "header_row= (1-based; a list such as [1, 2] joins a "
                                                     "multi-row header)"),
                                          ("skiprows", "header_row= (rows above the header are skipped)")])
def test_pandas_spellings_are_refused(tmp_path, option, hint):
    path = write(tmp_path, "t.csv", b"a,b\n1,2\n")
    with pytest.raises(ReadError) as err:
        read_table(path, **{option: 0})
    assert str(err.value) == f"{path}: read_table does not take pandas' option {option}=; use {hint}"


def test_formula_like_cells_stay_text(tmp_path):
    payload = "=cmd|' /C calc'!A0"
    path = write(tmp_path, "t.csv", f'name,note\nx,"{payload}"\ny,+1+2\n'.encode())
    assert read_table(path)["note"].tolist() == [payload, "+1+2"]


def test_full_width_digits_are_numbers_and_text_stays(tmp_path):
    path = write(tmp_path, "t.csv", "社区,户数,比例\n甲,１２３,－１．５\n乙,＋４,２\n".encode())
    assert read_table(path)["户数"].tolist() == ["１２３", "＋４"]
    df = read_table(path, dtypes={"户数": "integer", "比例": "number"})
    assert df["户数"].tolist() == [123, 4] and df["比例"].tolist() == [-1.5, 2.0]


def test_invalid_date_names_row_line_and_value(tmp_path):
    path = write(tmp_path, "t.csv", "社区,日期\n甲,2024-01-31\n乙,2024-02-30\n".encode())
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"日期": "date"})
    assert str(err.value) == (f"{path}, column '日期', row 2 (line 3): value '2024-02-30' is not a valid calendar "
                              "date (YYYY-MM-DD) (rule: type)")


def test_dtypes_string_gives_the_exact_characters(tmp_path):
    path = write(tmp_path, "t.csv", "code,n\n 007,1.50\n".encode())
    df = read_table(path, dtypes={"code": "string", "n": "string"})
    assert df.values.tolist() == [[" 007", "1.50"]]


# ---------------------------------------------------------------- spreadsheets

def _xlsx(path, rows, *, text_cells=(), merge=None):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref in text_cells:  # keep '=...' as a text cell, not a formula
        ws[ref].data_type = "s"
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_xlsx_text_cells_keep_leading_zeros(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["code", "n"], ["007", 7], ["012", 12]])
    df = read_table(path)
    assert df["code"].tolist() == ["007", "012"] and df["n"].tolist() == [7, 12] and df["n"].dtype == "int64"
    as_text = read_table(path, dtypes={"code": "string", "n": "string"})
    assert as_text.values.tolist() == [["007", "7"], ["012", "12"]]


def test_xlsx_duplicate_header(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["街道", "数量", "数量"], ["城东", 1, 2]])
    with pytest.raises(DataValidationError) as err:
        read_table(path)
    assert str(err.value) == (f"{path}, column '数量': the header (row 1) names column B and column C both "
                              "'数量'; expected distinct names (nothing is renamed: rename one in the file)")


def test_xlsx_merged_title_row(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["城东街道2024年诉求统计", None, None], ["街道", "月份", "数量"],
                                      ["城东", 1, 5], ["城西", 2, "六"]], merge="A1:C1")
    with pytest.warns(TitleRowWarning, match=r"row 1 \('城东街道2024年诉求统计'\) looks like a title"):
        df = read_table(path)
    assert df.to_dict("list") == {"街道": ["城东", "城西"], "月份": [1, 2], "数量": [5, "六"]}
    with pytest.raises(DataValidationError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore", TitleRowWarning)
        read_table(path, dtypes={"数量": "integer"})
    assert str(err.value) == f"{path}, column '数量', row 2 (line 4): value '六' is not an integer (rule: type)"


def test_xlsx_integer_column_with_blanks_and_dates(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["n", "d", "x"], [1.0, datetime.datetime(2024, 1, 31), 1.5],
                                      [None, datetime.datetime(2024, 2, 29), None], [3.0, None, 2]])
    df = read_table(path, dtypes={"n": "integer", "d": "date", "x": "number"})
    assert df["n"].tolist() == [1, pd.NA, 3] and str(df["n"].dtype) == "Int64"
    assert df["d"].tolist()[:2] == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]
    assert pd.isna(df["d"].iloc[2]) and df["x"].tolist()[0::2] == [1.5, 2.0]
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"x": "integer"})
    assert str(err.value) == f"{path}, column 'x', row 1 (line 2): value '1.5' is not an integer (rule: type)"


def test_xlsx_date_with_time_is_not_a_date(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["d"], [datetime.datetime(2024, 1, 31, 8, 30)]])
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"d": "date"})
    assert str(err.value) == (f"{path}, column 'd', row 1 (line 2): value '2024-01-31 08:30:00' has a time of "
                              "day; expected a date (rule: type)")


def test_xlsx_formula_like_text_cell_stays_text(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["name", "note"], ["x", "=cmd|' /C calc'!A0"]], text_cells=["B2"])
    assert read_table(path)["note"].tolist() == ["=cmd|' /C calc'!A0"]


def test_xlsx_multi_row_header_with_merged_cells(tmp_path):
    path = _xlsx(tmp_path / "t.xlsx", [["街道", "收入", None], [None, "一月", "二月"], ["城东", 1, 2]],
                 merge="B1:C1")
    df = read_table(path, header_row=[1, 2])
    assert df.columns.tolist() == ["街道", "收入 一月", "收入 二月"] and df.values.tolist() == [["城东", 1, 2]]


def test_xls_legacy_workbook(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("数据")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    rows = [["编码", "户数", "日期", "比例"], ["007", 12.0, datetime.date(2024, 1, 31), 0.5],
            ["012", None, datetime.date(2024, 2, 29), 1.25]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value, date_style if isinstance(value, datetime.date) else xlwt.Style.default_style)
    path = tmp_path / "county.xls"
    book.save(str(path))
    df = read_table(path, dtypes={"户数": "integer", "日期": "date"})
    assert df["编码"].tolist() == ["007", "012"]
    assert df["户数"].tolist() == [12, pd.NA]
    assert df["日期"].tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]
    assert df["比例"].tolist() == [0.5, 1.25] and df.attrs["sheet"] == "数据"


def test_ods_spreadsheet(tmp_path):
    pytest.importorskip("odf")
    frame = pd.DataFrame({"编码": ["007", "012"], "户数": [12, 3], "日期": pd.to_datetime(["2024-01-31", "2024-02-29"])})
    path = tmp_path / "t.ods"
    frame.to_excel(path, index=False, engine="odf")
    df = read_table(path, dtypes={"日期": "date"})
    assert df["编码"].tolist() == ["007", "012"] and df["户数"].tolist() == [12, 3]
    assert df["日期"].tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]


@pytest.mark.parametrize("suffix, kind", [(".xls", "xls"), (".ods", "ods")])
def test_corrupt_legacy_spreadsheets(tmp_path, suffix, kind):
    path = write(tmp_path, f"bad{suffix}", b"not a spreadsheet at all" * 10)
    with pytest.raises(ReadError, match=f"bad{suffix}: not a readable .{kind}"):
        read_table(path)


# ---------------------------------------------------------------- Stata and SPSS storage types

def test_stata_doubles_with_missing_are_integers(tmp_path):
    import pyreadstat

    path = tmp_path / "t.dta"
    df = pd.DataFrame({"code": ["007", "012", "100"], "n": [1.0, np.nan, 3.0], "x": [1.0, 2.5, 3.0]})
    pyreadstat.write_dta(df, str(path))
    got = read_table(path, dtypes={"n": "integer"})
    assert got["code"].tolist() == ["007", "012", "100"]
    assert got["n"].tolist() == [1, pd.NA, 3]
    with pytest.raises(DataValidationError) as err:
        read_table(path, dtypes={"x": "integer"})
    assert str(err.value) == f"{path}, column 'x', row 2: value '2.5' is not an integer (rule: type)"


def test_spss_dates_and_integers(tmp_path):
    import pyreadstat

    path = tmp_path / "t.sav"
    df = pd.DataFrame({"n": [1.0, 2.0], "d": [datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)]})
    pyreadstat.write_sav(df, str(path))
    got = read_table(path, dtypes={"n": "integer", "d": "date"})
    assert got["n"].tolist() == [1, 2] and got["n"].dtype == "int64"
    assert got["d"].tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]


# ---------------------------------------------------------------- misuse

def test_load_takes_one_name():
    with pytest.raises(TypeError) as err:
        govstudy.load(["cases", "measures"])
    assert str(err.value) == ("load() takes one dataset name (a str) such as 'cases', not list ['cases', "
                              "'measures']; call it once per dataset, e.g. [govstudy.load(n) for n in names]")


def test_streaming_decoder_matches_the_whole_file(tmp_path):
    from govstudy.decode import DecodedFile, decode_bytes

    data = (GBK_ROWS * 50).encode("gbk")
    path = write(tmp_path, "log.csv", data)
    stream = DecodedFile(path, chunk_size=7)
    assert stream.encoding == "gb18030" and "".join(stream) == GBK_ROWS * 50
    assert stream.evidence["scores"] == decode_bytes(data, str(path)).evidence["scores"]
    mixed = write(tmp_path, "m.csv", "名称\n城东\n".encode() + "城西\n".encode("gbk"))
    repaired = DecodedFile(mixed, errors="gb18030", chunk_size=3)
    assert "".join(repaired) == "名称\n城东\n城西\n" and repaired.evidence["repair"]["lines"] == [3]
