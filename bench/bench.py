"""Speed, size and memory of themetag beside fastText, trained on the same corpus, on this machine.

Every measurement runs in a fresh child process, whose peak memory (with its worker processes)
is sampled while it runs. Prints a Markdown table for docs/PERFORMANCE.md.

    pip install -e ".[study]" && python bench/bench.py [--reports 200] [--big-mb 200]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from peers import FastTextPeer, characters, predict_with_file

from themetag.training.corpus import load_corpus
from themetag.training.train import DEFAULT_CORPUS

ROOT = Path(__file__).resolve().parents[1]

# The fastText setting that did best on the seed check in docs/MODEL.md.
FASTTEXT = {"wordNgrams": 3, "epoch": 25, "lr": 1.0, "dim": 100}
SAMPLE = "积极推进义务教育优质均衡发展，新建改扩建学校12所，新增学位5400个。"
COLD_RUNS = 5
LATENCY_CALLS = 2000
THROUGHPUT_COPIES = 3
# This machine's speed wanders by a quarter from run to run: throughput is a median of runs.
THROUGHPUT_RUNS = 5


def corpus_texts() -> list[str]:
    return [s.text for s in load_corpus(DEFAULT_CORPUS)]


# Child measurements: each prints one JSON object on its last line.


def _latencies(call, texts: list[str]) -> dict:
    call(texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - started)
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}


def child_latency_themetag(model: str) -> dict:
    from themetag import load_model, tag

    loaded = load_model(model)
    return _latencies(lambda text: tag(text, loaded), corpus_texts()[:LATENCY_CALLS])


def child_latency_fasttext(model: str) -> dict:
    import fasttext

    loaded = fasttext.load_model(model).f

    def predict(text: str):
        return loaded.multilinePredict([characters(text)], 18, 0.0, "strict")

    return _latencies(predict, corpus_texts()[:LATENCY_CALLS])


def _throughput(run, texts: list[str], raw: list[str]) -> dict:
    """The median time of THROUGHPUT_RUNS runs over the texts, after one to warm up; sizes
    are those of the `raw` texts they were made from."""
    run(texts)  # warm-up: worker processes started, models loaded, caches filled
    times = []
    for _ in range(THROUGHPUT_RUNS):
        started = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - started)
    megabytes = sum(len(t.encode("utf-8")) for t in raw) / 1e6
    return {"seconds": statistics.median(times), "segments": len(texts), "megabytes": megabytes}


def child_throughput_themetag(model: str, jobs: str) -> dict:
    from themetag import load_model, tag_many

    loaded = load_model(model)
    texts = corpus_texts() * THROUGHPUT_COPIES
    return _throughput(lambda batch: tag_many(batch, loaded, jobs=int(jobs)), texts, texts)


def child_throughput_fasttext(model: str, jobs: str, prepared: str = "raw") -> dict:
    """fastText's predict over the texts, given raw (it splits them into characters first,
    as it must) or already split (`prepared`: fastText's predict alone)."""
    from joblib import Parallel, delayed

    raw = corpus_texts() * THROUGHPUT_COPIES
    ready = prepared == "prepared"
    texts = [characters(t) for t in raw] if ready else raw
    jobs_ = int(jobs)

    def run(batch: list[str]) -> None:
        if jobs_ == 1:
            predict_with_file(model, batch, ready)
            return
        size = -(-len(batch) // (jobs_ * 4))
        Parallel(n_jobs=jobs_)(
            delayed(predict_with_file)(model, batch[i : i + size], ready)
            for i in range(0, len(batch), size)
        )

    return _throughput(run, texts, raw)


def child_train_fasttext(output: str) -> dict:
    segments = load_corpus(DEFAULT_CORPUS)
    started = time.perf_counter()
    peer = FastTextPeer(**FASTTEXT).fit([s.text for s in segments], [s.label for s in segments])
    seconds = time.perf_counter() - started
    peer.model.save_model(output)
    return {"seconds": seconds}


def child_fit_themetag() -> dict:
    from themetag.training.fit import SegmentClassifier

    segments = load_corpus(DEFAULT_CORPUS)
    started = time.perf_counter()
    SegmentClassifier().fit(
        [s.text for s in segments], [s.label for s in segments], [s.doc for s in segments]
    )
    return {"seconds": time.perf_counter() - started}


CHILDREN = {
    name.removeprefix("child_"): f for name, f in globals().items() if name.startswith("child_")
}


# The parent: runs children and samples their memory.


def _tree_rss(process) -> int:
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker may end between listing and reading
            total += member.memory_info().rss
    return total


def run_child(command: list[str]) -> dict:
    """Run a command; its wall time, peak memory of its process tree, and its JSON result."""
    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    watched = psutil.Process(process.pid)

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return {**result, "wall": wall, "peak_mb": peak / 1e6}


def cold_start(setup: str, call: str) -> dict:
    """Import, load and first call, timed in a fresh interpreter that has imported nothing."""
    code = (
        "import time; started = time.perf_counter()\n"
        f"{setup}\n{call}\n"
        "print('{\"seconds\": %f}' % (time.perf_counter() - started))"
    )
    return run_child([sys.executable, "-c", code])


def child(name: str, *args: str) -> dict:
    return run_child([sys.executable, __file__, "--child", name, *args])


def write_reports(folder: Path, count: int, copies: int = 1) -> float:
    """Report files made of the corpus reports (each report `copies` times); their MB."""
    by_doc: dict[str, list[str]] = {}
    for segment in load_corpus(DEFAULT_CORPUS):
        by_doc.setdefault(segment.doc, []).append(segment.text)
    reports = ["\n".join(texts) for texts in by_doc.values()]
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for number in range(count):
        text = "\n".join(reports[(number + k) % len(reports)] for k in range(copies))
        data = text.encode("utf-8")
        (folder / f"report_{number:06d}.txt").write_bytes(data)
        size += len(data)
    return size / 1e6


def cli(folder: Path, output: Path, jobs: int) -> dict:
    themetag = shutil.which("themetag") or "themetag"
    command = [themetag, "tag", str(folder), "-o", str(output), "--jobs", str(jobs), "-q"]
    return run_child(command)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--reports", type=int, default=200, help="reports in the CLI folder")
    parser.add_argument(
        "--big-mb", type=int, default=200, help="size of the folder for the memory check (MB)"
    )
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        print(json.dumps(CHILDREN[name](*rest)))
        return 0

    model = str(ROOT / "model")
    work = Path(tempfile.mkdtemp(prefix="themetag-bench-"))
    try:
        return _bench(model, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(model: str, work: Path, args: argparse.Namespace) -> int:
    import joblib
    import sklearn

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores;"
        f" Python {platform.python_version()}, scikit-learn {sklearn.__version__},"
        f" numpy {np.__version__}, joblib {joblib.__version__}",
        flush=True,
    )
    fasttext_model = str(work / "fasttext.bin")
    train_ours = run_child([sys.executable, str(ROOT / "train.py"), "--output", str(work / "m")])
    fit_ours = child("fit_themetag")
    train_theirs = child("train_fasttext", fasttext_model)
    print("trained both", flush=True)

    ours = ("from themetag import load_model, tag", f"tag({SAMPLE!r}, load_model({model!r}))")
    theirs = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "from peers import predict_with_file",
        f"predict_with_file({fasttext_model!r}, [{SAMPLE!r}])",
    )
    cold_ours = [cold_start(*ours) for _ in range(COLD_RUNS)]
    cold_theirs = [cold_start(*theirs) for _ in range(COLD_RUNS)]
    latency_ours = child("latency_themetag", model)
    latency_theirs = child("latency_fasttext", fasttext_model)
    print("measured start and latency", flush=True)

    throughput = {
        (peer, jobs): child(f"throughput_{peer}", *extra, str(jobs))
        for jobs in (1, 2)
        for peer, extra in (("themetag", [model]), ("fasttext", [fasttext_model]))
    }
    prepared = {
        jobs: child("throughput_fasttext", fasttext_model, str(jobs), "prepared") for jobs in (1, 2)
    }
    print("measured throughput", flush=True)

    folder = work / "reports"
    folder_mb = write_reports(folder, args.reports)
    runs_cli = {jobs: cli(folder, work / f"out{jobs}.csv", jobs) for jobs in (1, 2)}
    big = work / "big"
    # Reports of about 1 MB each (the corpus reports joined 300 at a time).
    copies = 300
    one_mb = write_reports(work / "one", 1, copies)
    big_mb = write_reports(big, max(1, round(args.big_mb / one_mb)), copies)
    small = work / "small"
    small_mb = write_reports(small, max(1, round(args.big_mb / one_mb / 10)), copies)
    memory = {
        mb: cli(path, work / f"big{mb:.0f}.csv", 2)
        for mb, path in ((small_mb, small), (big_mb, big))
    }
    print("measured the command line", flush=True)

    def rate(result: dict) -> str:
        return (
            f"{result['segments'] / result['seconds']:,.0f} seg/s,"
            f" {result['megabytes'] / result['seconds']:.2f} MB/s"
        )

    def compared(label: str, ours: float, theirs: float, shown, higher_is_better: bool):
        """A row of both figures, shown by `shown`, and their ratio (> 1: themetag better)."""
        ratio = ours / theirs if higher_is_better else theirs / ours
        return (label, shown(ours), shown(theirs), f"{ratio:.2f}")

    def seconds(value: float) -> str:
        return f"{value:.3f} s"

    def milliseconds(value: float) -> str:
        return f"{value * 1e3:.3f} ms"

    def megabytes(value: float) -> str:
        return f"{value:.1f} MB"

    def speed(result: dict) -> float:
        return result["segments"] / result["seconds"]

    rows = [
        compared(
            "cold start (import, load, first tag; median of 5)",
            statistics.median(r["seconds"] for r in cold_ours),
            statistics.median(r["seconds"] for r in cold_theirs),
            seconds,
            False,
        ),
        compared(
            "tag() latency p50", latency_ours["p50"], latency_theirs["p50"], milliseconds, False
        ),
        compared(
            "tag() latency p99", latency_ours["p99"], latency_theirs["p99"], milliseconds, False
        ),
    ]
    for jobs in (1, 2):
        cores = f"{jobs} core{'s' * (jobs > 1)}"
        ours = throughput[("themetag", jobs)]
        for how, theirs in (
            ("split into characters, then predict", throughput[("fasttext", jobs)]),
            ("predict alone, on text split beforehand", prepared[jobs]),
        ):
            row = compared(
                f"tag_many, {cores} (fastText: {how})", speed(ours), speed(theirs), str, True
            )
            rows.append((row[0], rate(ours), rate(theirs), row[3]))
    for jobs, result in runs_cli.items():
        rows.append(
            (
                f"`themetag tag` on {args.reports} reports ({folder_mb:.1f} MB), --jobs {jobs}",
                f"{args.reports / result['wall']:.1f} reports/s,"
                f" {folder_mb / result['wall']:.2f} MB/s, peak {result['peak_mb']:.0f} MB",
                "–",
                "–",
            )
        )
    rows.append(
        (
            "training (`python train.py`: 5-fold CV, seed check, final fit)",
            f"{train_ours['wall']:.1f} s",
            "–",
            "–",
        )
    )
    rows.append(
        compared(
            "one fit on the whole corpus",
            fit_ours["seconds"],
            train_theirs["seconds"],
            seconds,
            False,
        )
    )
    rows.append(
        compared(
            "model size on disk",
            sum(f.stat().st_size for f in Path(model).iterdir()) / 1e6,
            Path(fasttext_model).stat().st_size / 1e6,
            megabytes,
            False,
        )
    )
    for jobs in (1, 2):
        rows.append(
            compared(
                f"peak memory, tag_many on {jobs} core{'s' * (jobs > 1)} (all processes)",
                throughput[("themetag", jobs)]["peak_mb"],
                throughput[("fasttext", jobs)]["peak_mb"],
                megabytes,
                False,
            )
        )
    for mb, result in memory.items():
        rows.append(
            (
                f"peak memory, `themetag tag --jobs 2` on a {mb:.0f} MB folder (all processes)",
                f"{result['peak_mb']:.0f} MB in {result['wall']:.0f} s",
                "–",
                "–",
            )
        )
    print("\n| measure | themetag | fastText | ratio (>1: themetag better) |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
