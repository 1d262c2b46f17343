"""Load and check labelled corpora (JSON Lines or CSV with text and label columns)."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from themetag.labels import load_themes

# The checkout this module sits in: corpus/ and model/ are found beside themetag/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

SHINGLE = 5
MAX_SHARED_SHINGLES = 0.5


@dataclass(frozen=True)
class Segment:
    id: str
    doc: str
    text: str
    label: str


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
    return rows


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _corpus_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in {".jsonl", ".csv"})
    return [path]


def load_corpus(path: str | Path) -> list[Segment]:
    """Read every segment under a corpus file or folder, in file and reading order."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"corpus not found: {path}")
    segments = []
    for file in _corpus_files(path):
        rows = _read_csv(file) if file.suffix == ".csv" else read_jsonl(file)
        for number, row in enumerate(rows, 1):
            if not row.get("text") or not row.get("label"):
                raise ValueError(f"{file}: row {number} has no text or no label")
            # Without a report column each row counts as a report of its own.
            doc = str(row.get("doc") or f"{file.stem}#{number}")
            segments.append(Segment(str(row.get("id") or doc), doc, row["text"], row["label"]))
    if not segments:
        raise ValueError(f"no labelled segments in {path}")
    return segments


def corpus_fingerprint(segments: list[Segment]) -> str:
    """A hash of the corpus content, so a model card names exactly what it was trained on."""
    digest = hashlib.sha256()
    for s in segments:
        digest.update(f"{s.id}\t{s.doc}\t{s.label}\t{s.text}\n".encode())
    return digest.hexdigest()


def is_single_theme(report: list[Segment], share: float = 0.6) -> bool:
    """Whether one policy theme holds at least `share` of a report's themed segments."""
    counts = Counter(s.label for s in report if s.label not in {"overview", "boilerplate"})
    return bool(counts) and counts.most_common(1)[0][1] / sum(counts.values()) >= share


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """The set of character n-grams of a text, white space removed."""
    compact = "".join(text.split())
    return {compact[i : i + size] for i in range(len(compact) - size + 1)}


def near_copies(segments: list[Segment]) -> list[tuple[Segment, Segment, float]]:
    """Pairs of segments from different reports sharing over half of their 5-grams (Jaccard)."""
    grams = [shingles(s.text) for s in segments]
    index: dict[str, list[int]] = defaultdict(list)
    for i, gram_set in enumerate(grams):
        for gram in gram_set:
            index[gram].append(i)
    found = []
    for i, gram_set in enumerate(grams):
        if not gram_set:
            continue
        shared: Counter[int] = Counter()
        for gram in gram_set:
            for j in index[gram]:
                if j != i and segments[j].doc != segments[i].doc:
                    shared[j] += 1
        for j, count in shared.items():
            share = count / (len(gram_set) + len(grams[j]) - count)
            if share > MAX_SHARED_SHINGLES and i < j:
                found.append((segments[i], segments[j], share))
    return found


def problems(segments: list[Segment], theme_ids: set[str]) -> list[str]:
    """Everything wrong with a corpus: unknown labels, duplicate ids, near copies."""
    found = [f"{s.id}: unknown label {s.label!r}" for s in segments if s.label not in theme_ids]
    counts = Counter(s.id for s in segments)
    found += [f"{seg_id}: id used {n} times" for seg_id, n in counts.items() if n > 1]
    for a, b, share in near_copies(segments):
        found.append(f"{a.id} ~ {b.id}: {share:.0%} of 5-grams shared across reports")
    return found


def to_traditional(path: Path) -> None:
    """Rewrite a corpus report in traditional characters (OpenCC s2t), marking its rows."""
    import opencc

    converter = opencc.OpenCC("s2t")
    rows = read_jsonl(path)
    for row in rows:
        row["text"] = converter.convert(row["text"])
        row["script"] = "traditional"
    lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
    path.write_text("".join(lines), encoding="utf-8")


AGREEMENT = PROJECT_ROOT / "corpus" / "agreement"


@dataclass(frozen=True)
class Agreement:
    """How two independent labellings of the same sample compare."""

    segments: int
    agreed: int
    kappa: float

    @property
    def share(self) -> float:
        return self.agreed / self.segments


def _labels(path: Path) -> dict[str, str]:
    return {row["id"]: row["label"] for row in read_jsonl(path)}


def agreement(folder: Path = AGREEMENT) -> Agreement:
    """Raw agreement and Cohen's kappa between the first and the second labels of the sample."""
    from sklearn.metrics import cohen_kappa_score

    first, second = _labels(folder / "first_labels.jsonl"), _labels(folder / "second_labels.jsonl")
    ids = [i for i in first if i in second]
    a, b = [first[i] for i in ids], [second[i] for i in ids]
    agreed = sum(x == y for x, y in zip(a, b, strict=True))
    return Agreement(len(ids), agreed, float(cohen_kappa_score(a, b)))


USAGE = """usage: python -m themetag.training.corpus check [PATH...]
       python -m themetag.training.corpus agreement      (first vs second labels of the sample)
       python -m themetag.training.corpus traditional FILE...   (rewrite reports with OpenCC s2t)"""


def main(argv: list[str] | None = None) -> int:
    """`python -m themetag.training.corpus check [PATH...]`: the corpus's problems and counts."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["traditional"] and len(args) > 1:
        for name in args[1:]:
            to_traditional(Path(name))
        return 0
    if args[:1] == ["agreement"]:
        result = agreement()
        print(
            f"{result.segments} segments labelled twice: {result.agreed} agree "
            f"({result.share:.1%}), Cohen's kappa {result.kappa:.3f}"
        )
        return 0
    if args[:1] != ["check"]:
        print(USAGE, file=sys.stderr)
        return 2
    paths = [Path(a) for a in args[1:]] or [PROJECT_ROOT / "corpus" / "docs"]
    segments = [segment for path in paths for segment in load_corpus(path)]
    themes = load_themes()
    found = problems(segments, {t.id for t in themes})
    counts = Counter(s.label for s in segments)
    docs = len({s.doc for s in segments})
    print(f"{len(segments)} segments in {docs} reports")
    for theme in themes:
        print(f"  {theme.id:20s} {counts[theme.id]:5d}  {counts[theme.id] / len(segments):5.1%}")
    files = [f for path in paths for f in _corpus_files(path) if f.suffix == ".jsonl"]
    first_rows = [read_jsonl(f)[0] for f in files]
    print("reports per kind:")
    for kind, n in Counter(row.get("kind", "?") for row in first_rows).most_common():
        print(f"  {kind:20s} {n:5d}")
    traditional = sum(row.get("script") == "traditional" for row in first_rows)
    print(f"in traditional characters: {traditional} reports")
    reports: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        reports[segment.doc].append(segment)
    single = sum(map(is_single_theme, reports.values()))
    print(f"about one theme (>= 60% of themed segments): {single} reports")
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
