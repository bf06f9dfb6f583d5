"""`steeldefect report`: the CLI writes the page; user mistakes give one line and exit 2."""

from __future__ import annotations

import pytest

from steeldefect.cli.main import main


@pytest.mark.parametrize("args, needle", [
    (["--runs", "{runs}", "--out", "{tmp}/r"], "needs the truth of the OOF images"),
    (["--runs", "{runs}", "--data", "{data}", "--truth", "{data}/test_labels.csv", "--out", "{tmp}/r"],
     "--truth needs --pred"),
    (["--runs", "{tmp}/nothere", "--data", "{data}", "--out", "{tmp}/r"], "runs folder not found"),
    (["--runs", "{tmp}", "--data", "{data}", "--out", "{tmp}/r"], "no finished segmenter runs"),
    (["--runs", "{runs}", "--data", "{data}", "--thresholds", "{tmp}/no.yaml", "--out", "{tmp}/r"],
     "thresholds file not found"),
    (["--runs", "{runs}", "--data", "{tmp}", "--out", "{tmp}/r"], "train.csv in the data folder not found"),
    (["--runs", "{runs}", "--data", "{data}", "--pred", "{tmp}/no.csv", "--truth", "{data}/test_labels.csv",
      "--out", "{tmp}/r"], "submission CSV not found"),
])
def test_user_mistakes_give_one_line(runs_tree, synth_data, tmp_path, capsys, args, needle):
    code = main(["report", *[a.format(runs=runs_tree, data=synth_data, tmp=tmp_path) for a in args]])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r" / "index.html").exists()


def test_help_names_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    for option in ("--runs", "--data", "--labels", "--pred", "--truth", "--thresholds", "--out", "--worst"):
        assert option in out
