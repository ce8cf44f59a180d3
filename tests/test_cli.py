"""The govstudy command: datasets, simulate and paper sub-commands (extract: test_cli_extract.py)."""

import pandas as pd
import pytest

import govstudy
from govstudy.cli import main


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["datasets", "simulate", "paper", "extract"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and "usage: govstudy" in capsys.readouterr().out


def test_datasets_list_and_describe(tmp_path, capsys):
    assert main(["datasets"]) == 0
    assert "case_indicators" in capsys.readouterr().out
    out = tmp_path / "cases.csv"
    assert main(["datasets", "cases", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "licence: CC-BY-4.0" in text and "admin_level (string)" in text
    written = pd.read_csv(out, keep_default_na=False)
    assert written["case_id"].tolist() == govstudy.load("cases")["case_id"].tolist()
    assert sorted(written.loc[written["source_id"] == "seed", "case_id"]) == ["nancheng", "yuan"]


def test_datasets_unknown_name(capsys):
    assert main(["datasets", "no_such_thing"]) == 1
    assert "no dataset named 'no_such_thing'" in capsys.readouterr().err


def test_simulate_writes_labelled_simulated_data(tmp_path, capsys):
    out, truth = tmp_path / "panel.csv", tmp_path / "truth.csv"
    assert main(["simulate", "-o", str(out), "--truth", str(truth), "--counties", "1", "--communities", "6",
                 "--months", "12", "--seed", "3"]) == 0
    assert "SIMULATED" in capsys.readouterr().err
    df = pd.read_csv(out)
    assert len(df) == 6 * 12 and df["simulated"].all()
    assert pd.read_csv(truth)["simulated"].all()


def test_simulate_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "-o", str(tmp_path / "x.csv"), "--months", "0"])
    assert exit_.value.code == 2 and "at least 1" in capsys.readouterr().err
    assert main(["simulate", "-o", str(tmp_path / "no" / "such" / "dir.csv")]) == 1


def test_paper_without_notebooks_fails_clearly(tmp_path, capsys):
    with pytest.raises(SystemExit, match="no numbered notebooks"):
        main(["paper", "--notebooks", str(tmp_path), "--out", str(tmp_path / "b")])


def test_version(capsys):
    import govstudy

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"govstudy {govstudy.__version__}\n"


@pytest.mark.parametrize("seed", ["-1", "x"])
def test_bad_seed_is_one_usage_line(tmp_path, capsys, seed):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "-o", str(tmp_path / "x.csv"), "--seed", seed])
    err = capsys.readouterr().err
    shown = seed if seed == "-1" else repr(seed)
    assert exit_.value.code == 2 and err == (f"govstudy simulate: error: argument --seed: expected a whole number "
                                             f"of at least 0, got {shown} (see govstudy simulate --help)\n")


def test_undecidable_report_is_one_error_line(tmp_path, capsys):
    path = tmp_path / "r.txt"
    path.write_bytes("城东街道\n".encode("gbk"))
    assert main(["extract", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"govstudy extract: error: {path}: line 1: cannot tell the "
                                                   "encoding") and "Traceback" not in err
    assert main(["extract", str(path), "--encoding", "gbk"]) == 0
