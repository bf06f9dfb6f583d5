"""The CLI: --help everywhere, and a user mistake gives one clear line, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from steeldefect.cli.main import build_parser, main


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "steeldefect", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


def test_every_subcommand_has_help(capsys):
    parser = build_parser()
    names = parser._subparsers._group_actions[0].choices
    assert {"folds", "score", "validate"} <= set(names)
    for name in names:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage: steeldefect " + name in capsys.readouterr().out


@pytest.mark.parametrize("args, needle", [
    (["folds", "--data", "{tmp}/nothere", "--out", "{tmp}/f.csv"], "data folder not found"),
    (["folds", "--data", "{tmp}", "--out", "{tmp}/f.csv"], "train.csv in the data folder not found"),
    (["score", "--truth", "{tmp}/bad.csv", "--pred", "{tmp}/bad.csv"], "unrecognised CSV header"),
    (["score", "--truth", "{tmp}/badrle.csv", "--pred", "{tmp}/badrle.csv"], "image a.jpg class 2"),
    (["validate", "{tmp}/bad.csv", "--sample", "{tmp}/nothere.csv"], "CSV file not found"),
])
def test_user_mistakes_give_one_line(tmp_path, args, needle):
    (tmp_path / "bad.csv").write_text("wrong,header\n")
    (tmp_path / "badrle.csv").write_text("ImageId_ClassId,EncodedPixels\na.jpg_1,\na.jpg_2,1 2 3\n")
    result = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "f.csv").exists()


def test_score_and_validate_on_real_files(tmp_path, real_dir):
    sub = real_dir / "predictions_stage1.csv"
    ok = run_cli("validate", sub, "--sample", real_dir / "sample_submission_stage1.csv")
    assert ok.returncode == 0 and "valid (7204 rows)" in ok.stdout
    bad = run_cli("validate", sub, "--sample", real_dir / "sample_submission_stage2.csv")
    assert bad.returncode == 1 and "INVALID" in bad.stderr
    scored = run_cli("score", "--truth", sub, "--pred", sub, "--json")
    assert scored.returncode == 0 and '"mean": 1.0' in scored.stdout


@pytest.mark.parametrize("args, needle", [
    (["folds", "--data", "{data}", "--out", "{data}", "--k", "2"], "it is a folder"),
    (["folds", "--data", "{data}", "--out", "/proc/nope/f.csv", "--k", "2"], "cannot write /proc/nope/f.csv"),
    (["folds", "--data", "{data}", "--out", "{tmp}/f.csv", "--k", "2", "--seed", "-1"], "--seed must be"),
    (["score", "--truth", "{data}/header_only.csv", "--pred", "{data}/train.csv"], "holds no images"),
    (["score", "--truth", "{data}/spaced.csv", "--pred", "{data}/train.csv"], "lacks"),
])
def test_more_user_mistakes_give_one_line(tmp_path, args, needle):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("ImageId_ClassId,EncodedPixels\r\n"
                                    + "".join(f"{i}.jpg_{c},\r\n" for i in "ab" for c in "1234"))
    (data / "header_only.csv").write_text("ImageId_ClassId,EncodedPixels\n")
    (data / "spaced.csv").write_text("\ufeffImageId_ClassId, EncodedPixels\nz.jpg_1, 1 2\n")
    result = run_cli(*[a.format(tmp=tmp_path, data=data) for a in args])
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and needle in lines[0], result.stderr
