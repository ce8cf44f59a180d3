"""The ``govstudy extract`` command (also ``python -m govstudy extract``)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import govstudy
from govstudy.cli import main
from govstudy.text.extract import COLUMNS, extract_indicators_file


@pytest.fixture()
def report(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(govstudy.load_text("seed_report"), encoding="utf-8")
    return path


def test_extract_writes_csv(report, tmp_path, capsys):
    out = tmp_path / "indicators.csv"
    assert main(["extract", str(report), "-o", str(out)]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == COLUMNS
    assert len(df) == 42
    assert set(df["case_id"]) == {"case_1", "case_2"}
    assert "42 indicators" in capsys.readouterr().err


def test_extract_case_ids_and_stdout(report, capsys):
    assert main(["extract", str(report), "--case-id", "yuan,nancheng"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(",".join(COLUMNS))
    assert "yuan," in text and "nancheng," in text


def test_extract_gb18030(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("今年以来，新建党群服务中心3个，投入资金86.5万元。".encode("gb18030"))
    df = extract_indicators_file(path)
    assert list(df["span_text"]) == ["3个", "86.5万元"]


def test_missing_file_exits_nonzero(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "nope.txt")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_binary_file_exits_nonzero(tmp_path, capsys):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01\x02\xff" * 10)
    assert main(["extract", str(path)]) == 1
    assert "error" in capsys.readouterr().err


def test_directory_exits_nonzero(tmp_path, capsys):
    assert main(["extract", str(tmp_path)]) == 1
    assert "directory" in capsys.readouterr().err


def test_bad_output_folder(report, tmp_path, capsys):
    assert main(["extract", str(report), "-o", str(tmp_path / "no" / "such" / "x.csv")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_wrong_number_of_case_ids(report, capsys):
    assert main(["extract", str(report), "--case-id", "a,b,c"]) == 1
    assert "case sections" in capsys.readouterr().err


def test_help_and_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["extract", "--help"])
    assert exc.value.code == 0
    assert "REPORT.txt" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["extract"])
    assert exc.value.code == 2
    assert main([]) == 2


def test_python_dash_m(report, tmp_path):
    out = tmp_path / "o.csv"
    proc = subprocess.run([sys.executable, "-m", "govstudy", "extract", str(report), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(out)) == 42
