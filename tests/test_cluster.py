import contextlib
import logging
import os
import signal
import socket
import sys
import time

import pytest
from distributed import Client, LocalCluster
from files import REPORT, themetag

from themetag import cli, tag_files
from themetag.model import save_model
from themetag.readers import Limits, find_reports
from themetag.run.cluster import connect


def local_cluster(workers: int = 2):
    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )


def test_tag_files_on_a_two_worker_cluster_gives_exactly_the_local_results(folder):
    local = list(tag_files([folder]))
    limits = Limits(max_file_bytes=600)
    local_limited = list(tag_files([folder], limits=limits))
    with local_cluster() as cluster, Client(cluster) as client:
        assert list(tag_files([folder], client=client)) == local
        assert list(tag_files([folder], client=client, limits=limits)) == local_limited
    assert any(result.error for result in local) and any(result.rows for result in local)
    docx = str(folder / "d_report.docx")
    refused = {r.path for r in local_limited if "over the 600 bytes limit" in (r.error or "")}
    assert docx in refused and next(r for r in local if r.path == docx).rows


def test_the_command_line_on_local_workers_writes_exactly_the_local_files(folder, tmp_path):
    outputs = {}
    for name, option in (("local", ["--jobs", "1"]), ("dask", ["--scheduler", "local:2"])):
        output = tmp_path / f"{name}.jsonl"
        result = themetag("tag", folder, "-o", output, *option, "-q")
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        outputs[name] = [
            (tmp_path / f"{name}{suffix}").read_bytes()
            for suffix in (".jsonl", ".profiles.jsonl", ".errors.csv")
        ]
    assert outputs["dask"] == outputs["local"]


def test_a_taken_dashboard_port_gets_no_warning(tmp_path):
    (tmp_path / "report.txt").write_text(REPORT, encoding="utf-8")
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # taken already: what the test needs
            taken.bind(("", 8787))
            taken.listen()
        result = themetag("tag", tmp_path, "-o", tmp_path / "out.csv", "--scheduler", "local:1")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("themetag tag: 1 reports tagged"), result.stderr
    assert "8787" not in result.stderr


def test_a_worker_killed_mid_run_loses_no_report_and_writes_none_twice(tmp_path):
    for number in range(48):
        (tmp_path / f"r{number:02d}.txt").write_text(REPORT * 150 + f"第{number}号\n", "utf-8")
    paths = find_reports([tmp_path]).reports
    expected = list(tag_files(paths))
    with local_cluster() as cluster, Client(cluster) as client:
        results, killed = [], None
        for result in tag_files(paths, client=client):
            if killed is None:
                busy = next(address for address, keys in client.processing().items() if keys)
                killed = client.run(os.getpid, workers=[busy])[busy]
                os.kill(killed, signal.SIGKILL)
            results.append(result)
        client.wait_for_workers(2, timeout=60)
        assert killed not in client.run(os.getpid).values()
    assert [r.path for r in results] == [str(p) for p in paths]
    assert results == expected


def test_without_dask_the_scheduler_option_says_how_to_install_it(
    folder, monkeypatch, capsys, small_model, tmp_path
):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import of it now fails
    model = save_model(small_model, tmp_path / "model")
    argv = ["tag", str(folder / "a_utf8.txt"), "--model", str(model), "--scheduler", "local:2"]
    assert cli.main(argv) == 2
    assert "pip install 'themetag[dask]'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--scheduler", "local:0"], "1 or more"),
        (["--scheduler", "local:two"], "1 or more"),
        (["--scheduler", "local:2", "--jobs", "2"], "--jobs"),
    ],
)
def test_bad_scheduler_options_are_clear_errors(folder, option, message):
    result = themetag("tag", folder / "a_utf8.txt", *option)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def ctrl_c_as_in_a_terminal():
    # A shell starts background jobs with SIGINT ignored (CI started as `bash .ci/run &`).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_after_ctrl_c_on_a_cluster_nothing_more_is_logged(caplog, ctrl_c_as_in_a_terminal):
    # distributed's threads log errors as the run is cancelled: the interrupt's echo.
    log = logging.getLogger("tornado.application")
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), connect("local:1"):
        log.error("before the interrupt")
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler runs at once; the sleep is never finished
        finally:
            log.error("Exception in callback functools.partial(<function sync.<locals>.cancel>)")
    log.error("after the run")
    assert [r.getMessage() for r in caplog.records if r.name == log.name] == [
        "before the interrupt",
        "after the run",
    ]
    assert signal.getsignal(signal.SIGINT) is before


def test_a_ctrl_c_ignored_stays_ignored_on_a_cluster():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with connect("local:1"):
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
