import pytest

from ingest_api.__main__ import main, parse_args


def test_defaults():
    args = parse_args([])
    assert (args.host, args.port, args.max_body_bytes) == ("127.0.0.1", 8080, 1024 * 1024)


@pytest.mark.parametrize(
    "argv", [["--port", "70000"], ["--port", "-1"], ["--max-body-bytes", "0"], ["--bogus"]]
)
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2


def test_bad_fault_env_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("INGEST_ERROR_RATE", "2")
    argv = ["--db", str(tmp_path / "e.db"), "--bucket-dir", str(tmp_path / "b")]
    assert main(argv) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_unopenable_storage_exits_1(tmp_path, capsys):
    argv = ["--db", str(tmp_path / "missing" / "e.db"), "--bucket-dir", str(tmp_path / "b")]
    assert main(argv) == 1
    assert "cannot open storage" in capsys.readouterr().err
