"""The speed of themetag side by side with its peers and limits, in one run, on this machine.

Every measurement runs in a fresh child process, whose peak memory (with its worker processes)
is sampled while it runs; one core unless a row says otherwise. Prints one Markdown table:

1. segments alone, over the same texts (the corpus segments, `--copies` times over; median of
   `--runs` runs after a warm-up): `tag_many` (the call, and the call with every Tag read),
   fastText's bare `predict` on text split into characters beforehand (k=1 and k=18) and with
   the splitting, the scikit-learn pipeline themetag.training fits (with and without
   `normalize_many`), and the compiled limit (bench/compiled.py: a numba kernel scoring with
   the shipped model's arrays, checked against `model.predict_proba`), with their ratios;
2. in context: `tag_reports` over the corpus reports, given as segments and as whole texts;
3. `tag()` latency beside fastText's single predict, and cold start;
4. the command line, `themetag tag FOLDER -o out.csv -q --jobs 1|2`, today and at
   `--base-commit` (a git worktree of that commit, imported through PYTHONPATH), and
   `--jobs 2` against `--jobs 1` on a small, a middling and a large folder;
5. the memory of one huge report (`--huge-mb` MiB of text in one file), today and at the base.

From a clean checkout:

    pip install -e ".[study]"   # fastText, and numba for the compiled limit (without it,
    python bench/bench.py        # those rows say so); --quick checks everything in minutes.
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
from collections.abc import Callable
from pathlib import Path

import numpy as np
from peers import FastTextPeer, characters, predict_with_file

from themetag.training.corpus import load_corpus
from themetag.training.train import DEFAULT_CORPUS

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "model"

# The fastText setting that did best on the seed check in docs/MODEL.md.
FASTTEXT = {"wordNgrams": 3, "epoch": 25, "lr": 1.0, "dim": 100}
SAMPLE = "积极推进义务教育优质均衡发展，新建改扩建学校12所，新增学位5400个。"
# Children that measure one core keep numeric libraries to one thread too.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
# The most the compiled kernel may differ from the model's probabilities.
COMPILED_TOLERANCE = 1e-5


def corpus_texts() -> list[str]:
    return [s.text for s in load_corpus(DEFAULT_CORPUS)]


def corpus_reports() -> list[list[str]]:
    """The corpus reports, each as its segment texts in reading order."""
    by_doc: dict[str, list[str]] = {}
    for segment in load_corpus(DEFAULT_CORPUS):
        by_doc.setdefault(segment.doc, []).append(segment.text)
    return list(by_doc.values())


def utf8_megabytes(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


# Child measurements: each prints one JSON object on its last line.


def _throughput(
    run: Callable[[], object], runs: int, segments: int, megabytes: float, **extra
) -> dict:
    """The median time of `runs` runs, after one to warm up (models loaded, caches filled)."""
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return {
        "seconds": statistics.median(times),
        "segments": segments,
        "megabytes": megabytes,
        **extra,
    }


def child_tag_many(model: str, copies: str, runs: str, read: str) -> dict:
    """`tag_many` over the texts: the call alone (`read` "call": the columnar Tags) or the call
    with every Tag made (`read` "all": `list(tag_many(texts))`)."""
    from themetag import load_model, tag_many

    loaded = load_model(model)
    texts = corpus_texts() * int(copies)
    if read == "all":

        def run():
            return list(tag_many(texts, model=loaded))
    else:

        def run():
            return tag_many(texts, model=loaded)

    return _throughput(run, int(runs), len(texts), utf8_megabytes(texts))


def child_fasttext(model: str, copies: str, runs: str, k: str, prepared: str) -> dict:
    """fastText's predict of the k best labels over the texts, given already split into
    characters (`prepared` "yes": predict alone) or raw (split here first, as a user must)."""
    raw = corpus_texts() * int(copies)
    ready = prepared == "yes"
    texts = [characters(t) for t in raw] if ready else raw
    return _throughput(
        lambda: predict_with_file(model, texts, ready, int(k)),
        int(runs),
        len(raw),
        utf8_megabytes(raw),
    )


def child_fit_sklearn(output: str) -> dict:
    """The scikit-learn pipeline `themetag.training` fits, with the shipped model's settings on
    the corpus (and its augmented copies, as train.py fits it), saved to `output`."""
    import joblib

    from themetag.model import load_model_file
    from themetag.training.fit import SegmentClassifier
    from themetag.training.settings import Settings
    from themetag.training.train import with_mess

    card = load_model_file(MODEL).card.get("settings", {})
    known = Settings.__dataclass_fields__
    settings = Settings(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in card.items() if k in known}
    )
    segments = with_mess(load_corpus(DEFAULT_CORPUS), settings, settings.seed)
    started = time.perf_counter()
    classifier = SegmentClassifier(settings).fit(
        [s.text for s in segments], [s.label for s in segments], [s.doc for s in segments]
    )
    seconds = time.perf_counter() - started
    joblib.dump(classifier.pipeline, output)
    return {"seconds": seconds, "classifier": settings.classifier}


def child_sklearn(pipeline: str, copies: str, runs: str, normalise: str) -> dict:
    """The fitted pipeline's predict_proba over the texts, normalised beforehand (`normalise`
    "before") or by normalize_many inside the timing ("inside")."""
    import joblib

    from themetag.text.normalize import normalize_many

    fitted = joblib.load(pipeline)
    texts = corpus_texts() * int(copies)
    if normalise == "inside":

        def run():
            return fitted.predict_proba(normalize_many(texts))
    else:
        ready = normalize_many(texts)

        def run():
            return fitted.predict_proba(ready)

    return _throughput(run, int(runs), len(texts), utf8_megabytes(texts))


def child_compiled(model: str, copies: str, runs: str, normalise: str) -> dict:
    """bench/compiled.py's kernel over the texts normalised beforehand (`normalise` "before":
    the kernel alone, with the packing of the texts into code points) or by normalize_many
    inside the timing ("inside": the limit for tag_many, which must normalise). Also the most
    its probabilities differ from `model.predict_proba`."""
    try:
        from compiled import CompiledScorer
    except ImportError as error:
        return {"missing": str(error)}
    from themetag import load_model
    from themetag.text.normalize import normalize_many

    loaded = load_model(model)
    scorer = CompiledScorer(loaded.linear)
    started = time.perf_counter()
    scorer.compile()
    compile_seconds = time.perf_counter() - started
    texts = corpus_texts() * int(copies)
    ready = normalize_many(texts)
    if len(ready) != len(texts):
        raise RuntimeError("normalize_many lost a text of the batch")
    difference = float(np.abs(scorer.predict_proba(ready) - loaded.predict_proba(texts)).max())
    if normalise == "inside":

        def run():
            return scorer.predict_proba(normalize_many(texts))
    else:

        def run():
            return scorer.predict_proba(ready)

    return _throughput(
        run,
        int(runs),
        len(texts),
        utf8_megabytes(texts),
        difference=difference,
        compile_seconds=compile_seconds,
    )


def child_tag_reports(model: str, copies: str, runs: str, given: str) -> dict:
    """`tag_reports` over the corpus reports, each given as its segments (`given` "segments")
    or as its whole text, cut by split_report inside the timing ("text")."""
    from themetag import load_model
    from themetag.api import tag_reports

    loaded = load_model(model)
    reports = corpus_reports() * int(copies)
    if given == "text":
        reports = ["\n".join(texts) for texts in reports]
    segments = sum(len(r.segments) for r in tag_reports(reports, model=loaded))
    megabytes = utf8_megabytes([t for r in reports for t in ([r] if given == "text" else r)])
    return _throughput(
        lambda: tag_reports(reports, model=loaded),
        int(runs),
        segments,
        megabytes,
        reports=len(reports),
    )


def _latencies(call, texts: list[str]) -> dict:
    call(texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        call(text)
        times.append(time.perf_counter() - started)
    return {"p50": float(np.percentile(times, 50)), "p99": float(np.percentile(times, 99))}


def child_latency_themetag(model: str, calls: str) -> dict:
    from themetag import load_model, tag

    loaded = load_model(model)
    return _latencies(lambda text: tag(text, model=loaded), corpus_texts()[: int(calls)])


def child_latency_fasttext(model: str, calls: str) -> dict:
    """fastText's predict of one text, k=18, its splitting into characters included."""
    predict_with_file(model, [SAMPLE])  # loaded before the timing
    return _latencies(lambda text: predict_with_file(model, [text]), corpus_texts()[: int(calls)])


def child_train_fasttext(output: str) -> dict:
    segments = load_corpus(DEFAULT_CORPUS)
    started = time.perf_counter()
    peer = FastTextPeer(**FASTTEXT).fit([s.text for s in segments], [s.label for s in segments])
    seconds = time.perf_counter() - started
    peer.model.save_model(output)
    return {"seconds": seconds}


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


class TimedOut(RuntimeError):
    pass


def run_child(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> dict:
    """Run a command; its wall time, peak memory of its process tree, and its JSON result.

    `env` is added to this process's environment. Past `timeout` seconds the process and its
    workers are killed and TimedOut raised."""
    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    peak, processes = 0, 1
    watched = psutil.Process(process.pid)

    def sample() -> None:
        nonlocal peak, processes
        while process.poll() is None:
            try:
                peak = max(peak, _tree_rss(watched))
                processes = max(processes, 1 + len(watched.children(recursive=True)))
            except psutil.Error:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for member in [*watched.children(recursive=True), watched]:
            with contextlib.suppress(psutil.Error):
                member.kill()
        process.communicate()
        sampler.join()
        raise TimedOut(f"{' '.join(command)} ran past {timeout:.0f} s") from None
    sampler.join()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return {**result, "wall": wall, "peak_mb": peak / 1e6, "processes": processes, "stdout": stdout}


def cold_start(setup: str, call: str) -> dict:
    """Import, load and first call, timed in a fresh interpreter that has imported nothing."""
    code = (
        "import time; started = time.perf_counter()\n"
        f"{setup}\n{call}\n"
        "print('{\"seconds\": %f}' % (time.perf_counter() - started))"
    )
    return run_child([sys.executable, "-c", code])


# Measurements that failed, with the end of their error: their rows say so, the run goes on.
FAILURES: list[str] = []


def failed(what: str, error: Exception) -> dict:
    last = [line for line in str(error).splitlines() if line.strip()]
    FAILURES.append(f"{what} failed: {last[-1] if last else error}")
    return {"failed": FAILURES[-1]}


def child(name: str, *args: object) -> dict:
    command = [sys.executable, __file__, "--child", name, *map(str, args)]
    try:
        return run_child(command, env=ONE_THREAD)
    except RuntimeError as error:
        return failed(f"{name} {' '.join(map(str, args[1:]))}", error)


def write_reports(folder: Path, count: int, copies: int = 1) -> float:
    """Report files made of the corpus reports (each report `copies` times); their MB."""
    reports = ["\n".join(texts) for texts in corpus_reports()]
    folder.mkdir(parents=True, exist_ok=True)
    size = 0
    for number in range(count):
        text = "\n".join(reports[(number + k) % len(reports)] for k in range(copies))
        data = text.encode("utf-8")
        (folder / f"report_{number:06d}.txt").write_bytes(data)
        size += len(data)
    return size / 1e6


def write_huge_report(path: Path, mebibytes: float) -> float:
    """One report file of the corpus reports joined over and over to `mebibytes`; its MB."""
    reports = ["\n".join(texts).encode("utf-8") for texts in corpus_reports()]
    target = int(mebibytes * 2**20)
    parts, size, number = [], 0, 0
    while size < target:
        part = reports[number % len(reports)]
        parts.append(part)
        size += len(part) + 1
        number += 1
    path.write_bytes(b"\n".join(parts))
    return path.stat().st_size / 1e6


class Code:
    """The themetag a command-line child runs: this checkout's, or a base commit's worktree
    put first on PYTHONPATH (the child's working directory is outside both, so that neither
    comes in through the current directory)."""

    def __init__(self, label: str, path: Path | None = None):
        self.label, self.path = label, path

    @property
    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.path)} if self.path else {}

    def imported_from(self, cwd: Path) -> str:
        """Where a child really imports themetag (and its command line) from."""
        code = "import themetag, themetag.cli; print(themetag.__file__)"
        result = run_child([sys.executable, "-c", code], env=self.env, cwd=cwd)
        return result["stdout"].strip().splitlines()[-1]

    def cli(
        self, paths: list[Path], output: Path, jobs: int | None, cwd: Path, timeout=None
    ) -> dict:
        command = [sys.executable, "-m", "themetag.cli", "tag", *map(str, paths)]
        command += ["-o", str(output), "-q", "--model", str(MODEL)]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        return run_child(command, env=self.env, cwd=cwd, timeout=timeout)


def base_worktree(commit: str, folder: Path) -> Path:
    """A worktree of `commit` at `folder` (made once, reused while it holds that commit)."""

    def git(*args: str, cwd: Path = ROOT) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    wanted = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    if folder.exists():
        if git("rev-parse", "HEAD", cwd=folder) != wanted:
            raise RuntimeError(f"{folder} holds another commit than {commit}")
        return folder
    git("worktree", "add", "--detach", str(folder), wanted)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer copies, runs and reports")
    parser.add_argument("--copies", type=int, help="times over the corpus segments (3)")
    parser.add_argument("--runs", type=int, help="timed runs per throughput row (5)")
    parser.add_argument("--latency-calls", type=int, help="tag() calls timed (2000)")
    parser.add_argument("--cold-runs", type=int, help="cold starts timed (5)")
    parser.add_argument("--cli-runs", type=int, help="runs of each command line, median (3)")
    parser.add_argument("--reports", type=int, help="reports in the command-line folder (1000)")
    parser.add_argument("--small-reports", type=int, help="the small folder for --jobs (100)")
    parser.add_argument(
        "--large-reports", type=int, help="the large folder for --jobs (5000; 0 skips it)"
    )
    parser.add_argument("--huge-mb", type=float, help="MiB of the one huge report (50; 0 skips it)")
    parser.add_argument(
        "--huge-timeout",
        type=float,
        default=300,
        help="seconds the base commit may take on the huge report before it is skipped (300)",
    )
    parser.add_argument(
        "--base-commit", default="dbd6b97", help="the code to compare with (dbd6b97)"
    )
    parser.add_argument(
        "--base-dir",
        type=Path,
        help="where its worktree is made or found (default: a folder in the temp dir)",
    )
    parser.add_argument("--no-base", action="store_true", help="skip the base commit's rows")
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        print(json.dumps(CHILDREN[name](*rest)))
        return 0
    quick = {
        "copies": 1,
        "runs": 2,
        "latency_calls": 500,
        "cold_runs": 2,
        "cli_runs": 1,
        "reports": 300,
        "small_reports": 100,
        "large_reports": 0,
        "huge_mb": 0,
    }
    full = {
        "copies": 3,
        "runs": 5,
        "latency_calls": 2000,
        "cold_runs": 5,
        "cli_runs": 3,
        "reports": 1000,
        "small_reports": 100,
        "large_reports": 5000,
        "huge_mb": 50,
    }
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    work = Path(tempfile.mkdtemp(prefix="themetag-bench-"))
    try:
        return _bench(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _versions() -> str:
    import importlib.metadata

    import sklearn

    def version(distribution: str) -> str:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(ImportError):
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    if changed:
        commit += f" with uncommitted changes to {len(changed)} files"
    return (
        f"machine: {cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()},"
        f" numpy {np.__version__}, scikit-learn {sklearn.__version__},"
        f" numba {version('numba')}, fasttext-wheel {version('fasttext-wheel')},"
        f" joblib {version('joblib')}; themetag at commit {commit or 'unknown'}"
    )


def _load() -> str:
    """This machine's load average over 1, 5 and 15 minutes: others' work skews the figures."""
    with contextlib.suppress(OSError, AttributeError):
        return ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return "unknown"


def _bench(work: Path, args: argparse.Namespace) -> int:
    print(_versions(), flush=True)
    load_at_start = _load()
    model = str(MODEL)
    rows: list[tuple[str, str, str, str]] = []
    notes: list[str] = []

    def section(title: str) -> None:
        rows.append((f"**{title}**", "", "", ""))

    def log(message: str) -> None:
        stamp = f"{time.strftime('%H:%M:%S')}, load {_load()}"
        print(f"[{stamp}] {message}", file=sys.stderr, flush=True)

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else "–"

    def speed(result: dict) -> float | None:
        return result["segments"] / result["seconds"] if "seconds" in result else None

    def rate(result: dict) -> str:
        if "seconds" not in result:
            return "failed (see notes)" if "failed" in result else "skipped"
        return (
            f"{result['segments'] / result['seconds']:,.0f} seg/s,"
            f" {result['megabytes'] / result['seconds']:.2f} MB/s"
            f" ({result['seconds']:.3f} s)"
        )

    def peak(result: dict | None) -> str:
        return f"{result['peak_mb']:.0f} MB" if result and "peak_mb" in result else "–"

    # 1. Segments alone.
    copies, runs = args.copies, args.runs
    texts = corpus_texts()
    segments_mb = utf8_megabytes(texts) * copies
    fasttext_model = str(work / "fasttext.bin")
    train_fasttext = child("train_fasttext", fasttext_model)
    pipeline = str(work / "sklearn.joblib")
    fit_sklearn = child("fit_sklearn", pipeline)
    log(
        f"fitted fastText ({train_fasttext.get('seconds', 0):.1f} s) and the scikit-learn"
        f" pipeline ({fit_sklearn.get('seconds', 0):.1f} s)"
    )
    alone = {
        "tag_many": child("tag_many", model, copies, runs, "call"),
        "tag_many read": child("tag_many", model, copies, runs, "all"),
        "fasttext k1": child("fasttext", fasttext_model, copies, runs, 1, "yes"),
        "fasttext k18": child("fasttext", fasttext_model, copies, runs, 18, "yes"),
        "fasttext k18 split": child("fasttext", fasttext_model, copies, runs, 18, "no"),
        "sklearn": child("sklearn", pipeline, copies, runs, "before"),
        "sklearn normalise": child("sklearn", pipeline, copies, runs, "inside"),
        "compiled": child("compiled", model, copies, runs, "before"),
        "compiled normalise": child("compiled", model, copies, runs, "inside"),
    }
    log("measured segments alone")
    ours = speed(alone["tag_many"])
    ours_read = speed(alone["tag_many read"])
    section(
        f"1. Segments alone: the {len(texts):,} corpus segments × {copies}"
        f" ({len(texts) * copies:,} segments, {segments_mb:.2f} MB), one core,"
        f" median of {runs} runs after a warm-up"
    )
    classifier = fit_sklearn.get("classifier", "?")
    labels = {
        "tag_many": "`tag_many(texts)`: the call (columnar `Tags`)",
        "tag_many read": "`list(tag_many(texts))`: the call and every `Tag` read",
        "fasttext k1": "fastText `predict`, k=1, text split into characters beforehand",
        "fasttext k18": "fastText `predict`, k=18, text split into characters beforehand",
        "fasttext k18 split": "fastText `predict`, k=18, splitting into characters included",
        "sklearn": (
            f"scikit-learn pipeline (char 1-3-gram TF-IDF, {classifier}, temperature)"
            " `predict_proba`, texts normalised beforehand"
        ),
        "sklearn normalise": "scikit-learn pipeline: `normalize_many` + `predict_proba`",
        "compiled": "compiled limit (a): numba kernel alone, texts normalised beforehand",
        "compiled normalise": "compiled limit (b): `normalize_many` + numba kernel",
    }
    for key, label in labels.items():
        result = alone[key]
        if "missing" in result:
            rows.append((label, "skipped: numba is not installed", "–", "–"))
            continue
        shown = "1.00" if key == "tag_many" else ratio(ours, speed(result))
        rows.append((label, rate(result), peak(result), f"{shown} (tag_many ÷ this)"))
    compiled = alone["compiled"]
    if "missing" in compiled:
        notes.append(f"compiled rows skipped: {compiled['missing']}")
    elif "difference" in compiled:
        difference = compiled["difference"]
        verdict = "equal" if difference <= COMPILED_TOLERANCE else "DIFFERENT"
        rows.append(
            (
                "compiled kernel against `model.predict_proba(texts)`: max abs. difference",
                f"{difference:.2e} ({verdict} within {COMPILED_TOLERANCE:g})",
                "–",
                f"numba compiled in {compiled['compile_seconds']:.1f} s, not timed",
            )
        )
    for label, theirs in (
        ("fastText k=18 bare", "fasttext k18"),
        ("fastText k=1 bare", "fasttext k1"),
        ("fastText k=18 with splitting", "fasttext k18 split"),
        ("compiled limit (b), `normalize_many` + kernel", "compiled normalise"),
        ("compiled limit (a), kernel alone", "compiled"),
        ("scikit-learn pipeline, texts normalised beforehand", "sklearn"),
        ("scikit-learn pipeline with `normalize_many`", "sklearn normalise"),
    ):
        rows.append(
            (
                f"ratio: tag_many ÷ {label}",
                "",
                "",
                f"{ratio(ours, speed(alone[theirs]))} (every Tag read:"
                f" {ratio(ours_read, speed(alone[theirs]))})",
            )
        )

    # 2. In context.
    in_context = {
        given: child("tag_reports", model, copies, runs, given) for given in ("segments", "text")
    }
    log("measured in context")
    reports = len(corpus_reports())
    section(
        f"2. In context: `tag_reports` over the {reports} corpus reports × {copies}"
        f" ({reports * copies:,} reports), one core, median of {runs} runs"
    )
    for given, label in (
        ("segments", "`tag_reports(reports)`, each report its list of segment texts"),
        ("text", "`tag_reports(reports)`, each report its whole text (split_report counts)"),
    ):
        result = in_context[given]
        counted = f", {result['segments']:,} segments" if "segments" in result else ""
        rows.append(
            (
                label,
                rate(result) + counted,
                peak(result),
                f"{ratio(speed(result), ours)} (this ÷ tag_many)",
            )
        )

    # 3. Latency and cold start.
    calls = args.latency_calls
    latency_ours = child("latency_themetag", model, calls)
    latency_theirs = child("latency_fasttext", fasttext_model, calls)
    ours_cold = (
        "from themetag import load_model, tag",
        f"tag({SAMPLE!r}, model=load_model({model!r}))",
    )
    theirs_cold = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "from peers import predict_with_file",
        f"predict_with_file({fasttext_model!r}, [{SAMPLE!r}])",
    )
    cold: dict[str, float | None] = {}
    for name, code in (("themetag", ours_cold), ("fastText", theirs_cold)):
        try:
            cold[name] = statistics.median(
                cold_start(*code)["seconds"] for _ in range(args.cold_runs)
            )
        except RuntimeError as error:
            failed(f"cold start of {name}", error)
            cold[name] = None
    log("measured latency and cold start")
    section(f"3. Latency over {calls:,} corpus texts, one at a time, and cold start")

    def milliseconds(result: dict, key: str) -> str:
        return f"{result[key] * 1e3:.3f} ms" if key in result else "failed"

    for key in ("p50", "p99"):
        rows.append(
            (
                f"`tag()` latency {key} (fastText: one predict, k=18, splitting included)",
                f"{milliseconds(latency_ours, key)} (fastText {milliseconds(latency_theirs, key)})",
                "–",
                f"{ratio(latency_ours.get(key), latency_theirs.get(key))} (themetag ÷ fastText)",
            )
        )

    def shown_seconds(value: float | None) -> str:
        return f"{value:.3f} s" if value else "failed"

    rows.append(
        (
            f"cold start: fresh interpreter, import, load, first tag (median of {args.cold_runs})",
            f"{shown_seconds(cold['themetag'])} (fastText {shown_seconds(cold['fastText'])})",
            "–",
            f"{ratio(cold['themetag'], cold['fastText'])} (themetag ÷ fastText)",
        )
    )

    # 4. The command line, today and at the base commit.
    today = Code("today")
    base: Code | None = None
    where = {"today": today.imported_from(work)}
    if not where["today"].startswith(str(ROOT)):
        raise RuntimeError(f"the command line imports themetag from {where['today']}, not {ROOT}")
    if args.no_base:
        notes.append("base commit rows skipped: --no-base")
    else:
        folder = args.base_dir or Path(tempfile.gettempdir()) / f"themetag-base-{args.base_commit}"
        try:
            base = Code(f"at {args.base_commit}", base_worktree(args.base_commit, folder))
            where["base"] = base.imported_from(work)
            if not where["base"].startswith(str(base.path)):
                raise RuntimeError(f"a child given it imports themetag from {where['base']}")
        except Exception as error:  # noqa: BLE001 - any failure skips those rows, with a note
            notes.append(f"base commit rows skipped: {str(error).splitlines()[0]}")
            base = None
    log(f"themetag imported from {where}")
    codes = [today] + ([base] if base else [])

    def cli_medians(folder: Path, runs: list[tuple[Code, int]]) -> dict[tuple[Code, int], dict]:
        """Each (code, --jobs) run on the folder `--cli-runs` times, taking turns, so that the
        machine's wandering speed falls on all of them alike: median time, highest peak."""
        done: dict[tuple[Code, int], list[dict]] = {run: [] for run in runs}
        broken: dict[tuple[Code, int], dict] = {}
        for _ in range(args.cli_runs):
            for code, jobs in runs:
                if (code, jobs) in broken:
                    continue
                try:
                    done[(code, jobs)].append(code.cli([folder], work / "out.csv", jobs, work))
                except RuntimeError as error:
                    what = f"themetag tag --jobs {jobs} on {folder.name}, {code.label}"
                    broken[(code, jobs)] = failed(what, error)
                for written in work.glob("out*"):
                    written.unlink()
        return {
            run: broken.get(run)
            or {
                "wall": statistics.median(r["wall"] for r in results),
                "peak_mb": max(r["peak_mb"] for r in results),
                "processes": max(r["processes"] for r in results),
            }
            for run, results in done.items()
        }

    def processes(result: dict) -> str:
        """How many processes a command ran in at most (itself and its workers)."""
        count = result.get("processes", 0)
        return f"{count} process{'es' * (count > 1)}"

    folders = {}
    for count in dict.fromkeys((args.small_reports, args.reports, args.large_reports)):
        if count:
            path = work / f"reports{count}"
            folders[count] = (path, write_reports(path, count))
    timings: dict[tuple[str, int, int], dict] = {}
    for count in folders:
        # The base's --jobs figures on the large folder are not needed.
        needed = count != args.large_reports or count == args.reports
        measured = [c for c in codes if c is today or needed]
        runs = [(code, jobs) for code in measured for jobs in (1, 2)]
        for (code, jobs), result in cli_medians(folders[count][0], runs).items():
            timings[(code.label, count, jobs)] = result
        log(f"measured the command line on {count} reports")
    section(
        "4. The command line: `python -m themetag.cli tag FOLDER -o out.csv -q --jobs N`"
        f" (same entry point as `themetag`; median of {args.cli_runs} runs taken in turns,"
        " peak of their peaks)"
    )
    count = args.reports
    folder_mb = folders[count][1]
    for jobs in (1, 2):
        for code in codes:
            result = timings[(code.label, count, jobs)]
            before = timings.get((base.label, count, jobs), {}) if base else {}
            shown = "–"
            if code is today and "wall" in before and "wall" in result:
                shown = f"{ratio(before['wall'], result['wall'])} (before ÷ today: >1 today faster)"
            figure = (
                f"{count / result['wall']:.1f} reports/s, {folder_mb / result['wall']:.2f}"
                f" MB/s ({result['wall']:.2f} s, {processes(result)})"
                if "wall" in result
                else "failed (see notes)"
            )
            rows.append(
                (
                    f"{count:,} reports ({folder_mb:.1f} MB), --jobs {jobs}, {code.label}",
                    figure,
                    peak(result),
                    shown,
                )
            )
    if not base:
        rows.append((f"{count:,} reports, at the base commit", "skipped (see notes)", "–", "–"))
    for count, (_, megabytes) in folders.items():
        for code in codes:
            one = timings.get((code.label, count, 1), {})
            two = timings.get((code.label, count, 2), {})
            if "wall" not in one or "wall" not in two:
                continue
            slower = two["wall"] / one["wall"]
            verdict = "met" if slower <= 1.10 else "NOT met"
            if two.get("processes") == 1 == one.get("processes"):
                verdict += "; both ran in one process: any difference is the machine's"
            rows.append(
                (
                    f"--jobs 2 ÷ --jobs 1, time, {count:,} reports ({megabytes:.1f} MB),"
                    f" {code.label}",
                    f"{two['wall']:.2f} s ÷ {one['wall']:.2f} s"
                    f" ({processes(two)} ÷ {processes(one)})",
                    f"{peak(two)} ÷ {peak(one)}",
                    f"{slower:.2f} (target ≤ 1.10: {verdict})"
                    if code is today
                    else f"{slower:.2f}",
                )
            )
    if not args.large_reports:
        rows.append(("--jobs 2 ÷ --jobs 1 on the large folder", "skipped (--quick)", "–", "–"))
    alone_with_two = [
        f"{count:,} reports ({code.label})"
        for (label, count, jobs), result in timings.items()
        for code in codes
        if code.label == label and jobs == 2 and result.get("processes") == 1
    ]
    if alone_with_two:
        notes.append(
            "--jobs 2 started no worker process on "
            + ", ".join(alone_with_two)
            + ": the command line tags a run that small in one process"
        )

    # 5. One huge report.
    section("5. One huge report: `python -m themetag.cli tag BIG.txt -o out.csv -q`, one process")
    if args.huge_mb:
        big = work / "big" / "BIG.txt"
        big.parent.mkdir()
        big_mb = write_huge_report(big, args.huge_mb)
        results = {}
        for code in codes:
            timeout = args.huge_timeout if code is base else None
            label = f"one {big_mb:.1f} MB report ({args.huge_mb:g} MiB), {code.label}"
            try:
                result = results[code.label] = code.cli(
                    [big], work / "big-out.csv", None, work, timeout
                )
            except TimedOut:
                rows.append((label, f"skipped: over {timeout:.0f} s", "–", "–"))
                continue
            except RuntimeError as error:
                failed(label, error)
                rows.append((label, "failed (see notes)", "–", "–"))
                continue
            finally:
                for written in work.glob("big-out*"):
                    written.unlink()
            before = results.get(base.label) if base and code is base else None
            shown = "–"
            if before and "today" in results:
                now = results["today"]
                shown = (
                    f"time {ratio(before['wall'], now['wall'])},"
                    f" memory {ratio(before['peak_mb'], now['peak_mb'])} (before ÷ today)"
                )
            rows.append(
                (
                    label,
                    f"{result['wall']:.1f} s, {big_mb / result['wall']:.2f} MB/s",
                    f"{result['peak_mb']:.0f} MB",
                    shown,
                )
            )
            log(f"measured the huge report, {code.label}")
    else:
        rows.append(("one huge report", "skipped (--quick or --huge-mb 0)", "–", "–"))

    print("\n| measure | figure | peak memory (process tree) | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    notes.append(
        f"load average (1, 5, 15 min) at the start {load_at_start}, at the end {_load()},"
        f" on {os.cpu_count()} cores (the bench itself keeps about one busy; well above that,"
        " others' processes took time too)"
    )
    for note in [*notes, *FAILURES, f"themetag imported from: {where}"]:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
