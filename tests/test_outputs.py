"""Nothing lost, no garbage: atomic outputs, options checked before any computing."""
import json
import os
import time

import numpy as np
import pytest

from w90resp.cli import main
from w90resp.errors import UserError
from w90resp.io import write_hr, write_win
from w90resp.models import get_model
from w90resp.output import atomic_write, write_json

FCIM = ["fcim", "--model", "mos2", "--kT", "0.05", "--eta", "0.05", "--mu-min", "0",
        "--mu-max", "0", "--mu-step", "0.1", "--nk", "4", "--quiet"]


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for n in needles:
        assert n in err[0], err[0]
    return err[0]


def test_failed_write_keeps_the_earlier_file(tmp_path):
    path = tmp_path / "out.json"
    write_json(path, "q", {"x": [1.0, 2.0]}, {}, {})
    before = path.read_text()

    def broken(tmp):
        with open(tmp, "w") as fh:
            fh.write('{"trunc')
        raise OSError(28, "No space left on device")
    with pytest.raises(UserError, match="No space left"):
        atomic_write(path, broken)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]      # no temporary left


def test_non_finite_results_are_an_error_not_a_file(tmp_path):
    path = tmp_path / "out.json"
    write_json(path, "q", {"x": [1.0]}, {}, {})
    with pytest.raises(UserError, match="'f' is not finite"):
        write_json(path, "q", {"f": np.array([1.0, np.nan])}, {}, {})
    assert json.loads(path.read_text())["x"] == [1.0]


@pytest.mark.parametrize("option, value, needle", [
    ("--eta", "nan", "--eta must be a finite number"),
    ("--kT", "inf", "--kT must be a finite number"),
    ("--mu-max", "1e400", "--mu-max must be a finite number"),
    ("--eta", "-1", "--eta must be positive"),
    ("--nk", "100000", "--nk must be between"),
    ("--workers", "0", "--workers must be at least 1"),
    ("--moments", "", "--moments is empty"),
    ("--symprec", "-1", "--symprec must be positive"),
])
def test_bad_numbers_are_one_line_errors_before_computing(tmp_path, capsys, option, value, needle):
    args = [a for a in FCIM]
    if option in args:
        i = args.index(option)
        args[i + 1] = value
    else:
        args += [option, value]
    t0 = time.perf_counter()
    assert main(args + ["--json", str(tmp_path / "x.json")]) == 2
    assert time.perf_counter() - t0 < 5
    _one_line_error(capsys, needle)
    assert not (tmp_path / "x.json").exists()


def test_outputs_checked_before_computing(tmp_path, capsys):
    tb = get_model("decorated-square")
    grid = write_hr(tb, str(tmp_path / "s_hr.dat"))
    write_win(tb, str(tmp_path / "s.win"), mp_grid=grid)
    win_before = (tmp_path / "s.win").read_text()
    seed = ["fcim", "--seedname", str(tmp_path / "s"), "--kT", "0.05", "--eta", "0.05",
            "--mu-min", "0", "--mu-max", "0", "--mu-step", "0.1", "--nk", "4", "--quiet"]
    cases = [
        (["--json", str(tmp_path / "s.win")], "is an input file"),
        (["--json", str(tmp_path / "a.png"), "--plot", str(tmp_path / "a.png")], "is also --json"),
        (["--json", str(tmp_path / "nowhere" / "x.json")], "does not exist"),
        (["--json", str(tmp_path)], "is a directory"),
        (["--json", str(tmp_path / "x.json"), "--plot", str(tmp_path / "x.bmp2")], "unknown figure format"),
        (["--json", "/dev/full"], "not a regular file"),
    ]
    for extra, needle in cases:
        assert main(seed + extra) == 2
        _one_line_error(capsys, needle)
    assert (tmp_path / "s.win").read_text() == win_before
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        if not os.access(tmp_path / "ro", os.W_OK):      # (root may write anyway)
            assert main(seed + ["--json", str(tmp_path / "ro" / "x.json")]) == 2
            _one_line_error(capsys, "not writable")
    finally:
        os.chmod(tmp_path / "ro", 0o700)


def test_interrupt_is_one_line(monkeypatch, tmp_path, capsys):
    import w90resp.commands.fcim as fcim

    def stop(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(fcim, "run", stop)
    from w90resp import cli
    parser_main = cli.main
    rc = parser_main(FCIM + ["--json", str(tmp_path / "x.json")])
    assert rc == 130
    _one_line_error(capsys, "interrupted")


def test_sigterm_mid_run_keeps_the_earlier_output(tmp_path):
    """A real process: SIGTERM during the k-sum ends with one line, exit 143, and the
    earlier JSON intact."""
    import signal
    import subprocess
    import sys
    out = tmp_path / "f.json"
    out.write_text('{"earlier": true}')
    cmd = [sys.executable, "-m", "w90resp", "fcim", "--model", "decorated-square", "--kT", "0.05",
           "--eta", "0.05", "--mu-min", "-2", "--mu-max", "1", "--mu-step", "0.001", "--nk", "2000",
           "--json", str(out)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(8)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143
    lines = [ln for ln in err.strip().splitlines() if "Warning" not in ln and ln.strip()
             and not ln.startswith(" ")]
    assert lines[-1].startswith("w90resp fcim: terminated")
    assert json.loads(out.read_text()) == {"earlier": True}


def test_memory_budget_sets_the_chunk():
    """--max-memory: points per FFT chunk = budget / (MATRICES_PER_POINT x 16 B x nw^2),
    so the chunk (not the grid) is what memory bounds; smaller budgets, smaller chunks."""
    from w90resp import runner
    tb = get_model("mos2")                      # 22 WFs, 2D
    per_point = runner.MATRICES_PER_POINT * 16 * 22 ** 2
    assert runner.chunk_points(tb, 1e8) == int(1e8 // per_point)
    assert runner.default_max_fft(tb, 1e8) == int(np.sqrt(1e8 // per_point))
    assert runner.default_max_fft(tb, 1e7) < runner.default_max_fft(tb, 1e9)
    assert runner.default_max_fft(tb) == 64     # no budget: 64 x 64 points


def test_max_memory_must_be_positive(tmp_path, capsys):
    assert main(FCIM + ["--max-memory", "0", "--json", str(tmp_path / "x.json")]) == 2
    _one_line_error(capsys, "--max-memory must be positive")
