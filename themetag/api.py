"""The public API: tag a segment, many segments, or a whole report."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import overload

import numpy as np

from themetag.errors import ModelFileError
from themetag.labels import load_themes
from themetag.model import ReportScores, ThemeModel, load_model_file
from themetag.resources import DEFAULT_MODEL_DIR
from themetag.sequences import ComparedAsSequence, MadeWhenRead
from themetag.text.segment import Spans, split_report

NO_SEGMENTS = "the report has no segment with letters, digits or Chinese characters"
# Texts sent to a worker process at a time by tag_many(jobs > 1).
PARALLEL_CHUNK = 4096
# Segments whose themes are ranked at once.
RANK_ROWS = 16_384
_default_model: ThemeModel | None = None
_worker_models: dict[tuple[str, str], ThemeModel] = {}


@dataclass(frozen=True, slots=True)
class Tag:
    """A segment's theme, its Chinese name, calibrated confidence and every theme ranked.

    `needs_review` is true below the model's review threshold; `explanation` holds the terms
    that pushed the decision most, and `context_note` (in a report) why its context changed the
    theme, when asked for."""

    theme: str
    name: str
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    needs_review: bool = False
    explanation: tuple[tuple[str, float], ...] | None = None
    context_note: str | None = None


@dataclass(frozen=True, slots=True)
class TaggedSegment:
    """One segment of a report: its number, offsets in the report, text and Tag."""

    number: int
    start: int
    end: int
    text: str
    tag: Tag


@dataclass(frozen=True, slots=True)
class ThemeShare:
    """How much of a report one theme takes: by segments and characters of the whole report;
    for a content theme, by characters of the report's content (`content_share`) and by the
    characters its segments' probabilities give it (`expected_share`)."""

    theme: str
    name: str
    segments: int
    segment_share: float
    characters: int
    character_share: float
    content_share: float = 0.0
    expected_share: float = 0.0


@dataclass(frozen=True, slots=True)
class ReportTags:
    """A tagged report: its segments in reading order and its theme profile."""

    segments: Sequence[TaggedSegment]
    profile: list[ThemeShare]


def load_model(path: str | Path | None = None) -> ThemeModel:
    """Load a model directory; with no path, the one THEMETAG_MODEL names or else the model
    that ships with the package, loaded once and then reused."""
    global _default_model
    if path is not None:
        return load_model_file(path)
    if _default_model is None:
        _default_model = load_model_file(os.environ.get("THEMETAG_MODEL") or DEFAULT_MODEL_DIR)
    return _default_model


ModelSource = tuple[str, str] | ThemeModel


def model_source(model: ThemeModel) -> ModelSource:
    """What to send a worker process so it can have the model: its path with the digest of
    its card, or the model itself when it was not loaded from a file."""
    return (str(model.path), model.card_digest) if model.path else model


def _become_worker() -> None:
    """Have the kernel end this worker process when the process that started it dies, so that
    a killed run leaves no workers behind (Linux; elsewhere the pool's own checks remain), and
    leave Ctrl-C to that process: the terminal sends it to every worker too, each of which
    printed a traceback from wherever it was."""
    import multiprocessing
    import signal

    if multiprocessing.parent_process() is None:
        return  # not a worker: the main process answers for itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker_model(source: ModelSource) -> ThemeModel:
    """The model in a worker process, loaded from its path once per process, not per task."""
    if isinstance(source, ThemeModel):
        return source
    # Worker processes outlive a call: keyed by the card's digest too, a model retrained into
    # the same folder is loaded afresh instead of answered by the old one.
    if source not in _worker_models:
        if not _worker_models:
            _become_worker()
        path, digest = source
        model = load_model(path)
        if model.card_digest != digest:
            raise ModelFileError(f"the model in {path} changed after it was loaded: load it again")
        _worker_models[source] = model
    return _worker_models[source]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text as str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("expected text with content, got an empty or whitespace-only string")
    return text


def _probabilities_in_worker(source: ModelSource, texts: list[str]) -> np.ndarray:
    return worker_model(source).predict_proba(texts)


def _probability_chunks(texts: list[str], model: ThemeModel, jobs: int) -> Iterator[np.ndarray]:
    """Probabilities of the texts, a chunk at a time, in order; computed in `jobs` processes
    while the caller builds the tags of the chunks already done."""
    if jobs == 1 or len(texts) <= PARALLEL_CHUNK:
        yield model.predict_proba(texts)
        return
    from joblib import Parallel, delayed

    source = model_source(model)
    yield from Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_probabilities_in_worker)(source, texts[i : i + PARALLEL_CHUNK])
        for i in range(0, len(texts), PARALLEL_CHUNK)
    )


class Tags(ComparedAsSequence, Sequence[Tag]):
    """The tags of a batch held as arrays: each segment's probabilities over `classes`; a Tag
    is made only when one is read, so that a batch costs no Python object per segment."""

    __slots__ = ("classes", "probabilities", "threshold", "_names", "_explanations", "_notes")

    def __init__(
        self,
        probabilities: np.ndarray,
        classes: Sequence[str],
        names: dict[str, str],
        threshold: float,
        *,
        explanations: Sequence[tuple[tuple[str, float], ...] | None] | None = None,
        notes: Sequence[str | None] | None = None,
    ):
        self.probabilities = probabilities
        self.classes = tuple(classes)
        self.threshold = threshold
        self._names = names
        self._explanations = explanations
        self._notes = notes

    def __len__(self) -> int:
        return len(self.probabilities)

    @property
    def best(self) -> np.ndarray:
        """Each segment's theme as its column in `classes`."""
        return np.asarray(self.probabilities.argmax(axis=1))

    @property
    def themes(self) -> list[str]:
        """Each segment's theme id."""
        return [self.classes[i] for i in self.best.tolist()]

    @property
    def confidences(self) -> np.ndarray:
        """Each segment's calibrated confidence in its theme."""
        return np.asarray(self.probabilities.max(axis=1))

    @property
    def needs_review(self) -> np.ndarray:
        """Which segments fall below the review threshold."""
        return self.confidences < self.threshold

    def ranked(self, top: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `top` best columns of every segment, best first (ties in class order), with
        their probabilities."""
        rows, classes = self.probabilities.shape
        order = np.empty((rows, classes if top is None else min(top, classes)), np.intp)
        # Sorted RANK_ROWS rows at a time: the whole order of a huge report's 551,885 rows
        # (kept alive by the slice taken of it) was 75 MB of a 50 MiB run's peak.
        for start in range(0, rows, RANK_ROWS):
            rank = np.argsort(-self.probabilities[start : start + RANK_ROWS], axis=1, kind="stable")
            order[start : start + RANK_ROWS] = rank[:, :top]
        return order, np.take_along_axis(self.probabilities, order, axis=1)

    @overload
    def __getitem__(self, index: int) -> Tag: ...

    @overload
    def __getitem__(self, index: slice) -> Tags: ...

    def __getitem__(self, index: int | slice) -> Tag | Tags:
        if isinstance(index, slice):
            return Tags(
                self.probabilities[index],
                self.classes,
                self._names,
                self.threshold,
                explanations=self._explanations and self._explanations[index],
                notes=self._notes and self._notes[index],
            )
        row = self.probabilities[index]
        order = np.argsort(-row, kind="stable").tolist()
        return self._tag(
            [self.classes[i] for i in order],
            row[order].tolist(),
            self._explanations[index] if self._explanations else None,
            self._notes[index] if self._notes else None,
        )

    def __iter__(self) -> Iterator[Tag]:
        order, confidences = self.ranked()
        # Ranked as whole arrays: a numpy call per segment costs more than its tag.
        ranked_themes = np.array(self.classes, dtype=object)[order].tolist()
        explanations = self._explanations or [None] * len(self)
        notes = self._notes or [None] * len(self)
        for themes, values, explanation, note in zip(
            ranked_themes, confidences.tolist(), explanations, notes, strict=True
        ):
            yield self._tag(themes, values, explanation, note)

    def _tag(
        self,
        themes: list[str],
        values: list[float],
        explanation: tuple[tuple[str, float], ...] | None,
        note: str | None,
    ) -> Tag:
        """The Tag of a segment from its themes ranked best first with their probabilities."""
        best, confidence = themes[0], values[0]
        ranking = tuple(zip(themes, values, strict=True))
        name = self._names.get(best, best)
        return Tag(best, name, confidence, ranking, confidence < self.threshold, explanation, note)

    def __repr__(self) -> str:
        return f"<Tags of {len(self)} segments over {len(self.classes)} themes>"


def tag_many(
    texts: Iterable[str], *, model: ThemeModel | None = None, explain: bool = False, jobs: int = 1
) -> Tags:
    """Tag many segments, featurised a batch at a time; with jobs > 1 in that many processes.

    The result is a sequence of Tag, held as arrays until a Tag is read."""
    if isinstance(texts, (str, bytes, bytearray)) or not isinstance(texts, Iterable):
        raise TypeError(
            f"tag_many expects a list of texts, got {type(texts).__name__};"
            " use tag() for a single text"
        )
    texts = [_check_text(t) for t in texts]
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    model = model or load_model()
    if not texts:
        return _tags(texts, np.zeros((0, len(model.classes_))), model, explain)
    chunks = list(_probability_chunks(texts, model, jobs))
    return _tags(texts, np.concatenate(chunks), model, explain)


def _tags(
    texts: Sequence[str],
    probabilities: np.ndarray,
    model: ThemeModel,
    explain: bool,
    threshold: float | None = None,
    notes: Sequence[str | None] | None = None,
) -> Tags:
    explanations = None
    if explain:
        best = probabilities.argmax(axis=1).tolist()
        explanations = [
            tuple(model.explain(text, model.classes_[i]))
            for text, i in zip(texts, best, strict=True)
        ]
    threshold = model.review_threshold if threshold is None else threshold
    return Tags(
        probabilities,
        model.classes_,
        model.names,
        threshold,
        explanations=explanations,
        notes=notes,
    )


def tag(text: str, *, model: ThemeModel | None = None, explain: bool = False) -> Tag:
    """Tag one segment with its theme and calibrated confidence (and, if asked, why)."""
    return tag_many([_check_text(text)], model=model, explain=explain)[0]


class TaggedSegments(ComparedAsSequence, MadeWhenRead[TaggedSegment]):
    """A report's segments with their tags, made one by one only when read."""

    __slots__ = ("spans", "tags")

    def __init__(self, spans: Spans, tags: Tags):
        self.spans, self.tags = spans, tags

    def __len__(self) -> int:
        return len(self.spans)

    def _item(self, index: int) -> TaggedSegment:
        span = self.spans[index]
        return TaggedSegment(index + 1, span.start, span.end, span.text, self.tags[index])

    def __iter__(self) -> Iterator[TaggedSegment]:
        for number, (span, found) in enumerate(zip(self.spans, self.tags, strict=True), 1):
            yield TaggedSegment(number, span.start, span.end, span.text, found)


def theme_profile(segments: Sequence[TaggedSegment], names: dict[str, str]) -> list[ThemeShare]:
    """Shares of segments and characters per theme, largest character share first, and of the
    content: without the themes labels.yaml marks as not content (overview, boilerplate)."""
    if isinstance(segments, TaggedSegments):
        tags = segments.tags
        lengths = segments.spans.ends - segments.spans.starts
        return _profile(tags.classes, tags.probabilities, tags.best, lengths, names)
    classes = list(dict.fromkeys(t for s in segments for t, _ in s.tag.ranking))
    column = {theme: i for i, theme in enumerate(classes)}
    probabilities = np.zeros((len(segments), len(classes)))
    for row, segment in enumerate(segments):
        for theme, probability in segment.tag.ranking:
            probabilities[row, column[theme]] = probability
    best = np.array([column[s.tag.theme] for s in segments], dtype=np.int64)
    return _profile(classes, probabilities, best, [len(s.text) for s in segments], names)


def _profile(
    classes: Sequence[str],
    probabilities: np.ndarray,
    best: np.ndarray,
    lengths: Sequence[int] | np.ndarray,
    names: dict[str, str],
) -> list[ThemeShare]:
    framing = not_content_themes()
    sizes = np.asarray(lengths, dtype=np.float64)
    counts = np.bincount(best, minlength=len(classes))
    characters = np.bincount(best, sizes, minlength=len(classes)).astype(np.int64)
    content = np.array([theme not in framing for theme in classes], dtype=bool)
    # Each segment's characters shared out by its probabilities: a wrong but unsure tag
    # cannot make a theme of one long paragraph.
    # Summed by numpy, not a BLAS product: BLAS's order of adding depends on its threads, and
    # a report tagged in a worker process must get the very profile it gets here.
    expected = np.where(content, (probabilities * sizes[:, None]).sum(axis=0), 0.0)
    total_segments = max(len(best), 1)
    total_characters = max(int(characters.sum()), 1)
    content_characters = max(int(characters[content].sum()), 1)
    expected_total = float(expected.sum()) or 1.0
    shares = [
        ThemeShare(
            theme,
            names.get(theme, theme),
            int(counts[i]),
            int(counts[i]) / total_segments,
            int(characters[i]),
            int(characters[i]) / total_characters,
            float(characters[i]) / content_characters if content[i] else 0.0,
            float(expected[i]) / expected_total,
        )
        # Themes no segment was tagged with are there too, with the share they are expected.
        for i, theme in enumerate(classes)
        if counts[i] or content[i]
    ]
    return sorted(shares, key=lambda s: (-s.characters, -s.expected_share, s.theme))


@lru_cache(maxsize=1)
def not_content_themes() -> frozenset[str]:
    """The themes that frame a report rather than say what it is about (labels.yaml)."""
    return frozenset(theme.id for theme in load_themes() if not theme.content)


# What a block of the context stage's inputs means, as a reason a reader understands.
_REASONS = {
    "items": "the heading's items are mostly {name}",
    "parent": "it stands under a heading about {name}",
    "previous": "the segments around it are about {name}",
    "next": "the segments around it are about {name}",
    "report": "the report around it is mostly {name}",
    "report_content": "the report is about {name}",
    "report_content_if_title": "it is the title of a report about {name}",
    "report_content_if_heading": "it heads a part of a report about {name}",
    "report_content_if_edge": "it opens or closes a report about {name}",
    "report_content_if_concentrated": "the report is about {name} alone",
    "self": "read with its report, its own words count for {name}",
    "structure": "its place in the report's layout points to {name}",
}


def _context_notes(model: ThemeModel, scores: ReportScores) -> list[str | None]:
    """For each segment whose theme its context changed, the reason in words."""
    notes: list[str | None] = []
    alone, in_context = scores.alone.argmax(axis=1), scores.in_context.argmax(axis=1)
    for index, (before, after) in enumerate(zip(alone, in_context, strict=True)):
        if before == after or model.context is None or scores.inputs is None:
            notes.append(None)
            continue
        block = model.context.deciding_block(scores.inputs[index], int(after), int(before))
        theme, was = model.classes_[after], model.classes_[before]
        reason = _REASONS[block].format(name=model.names.get(theme, theme))
        notes.append(f"context: {reason} (alone: {model.names.get(was, was)})")
    return notes


def _segments_given(texts: Sequence[str]) -> Spans:
    """A report already cut: one span per text, offsets into the texts joined with newlines."""
    for number, text in enumerate(texts, 1):
        if not isinstance(text, str):
            raise TypeError(f"segment {number} is a {type(text).__name__}, not a str")
        if not text.strip():
            raise ValueError(f"segment {number} is empty or whitespace only")
    return Spans.joined(list(texts))


def _cut(report: str | Sequence[str]) -> Spans:
    if isinstance(report, str):
        return split_report(_check_text(report))
    if isinstance(report, (bytes, bytearray)) or not isinstance(report, Sequence):
        raise TypeError(
            f"a report is a str or a list of its segments (str), got {type(report).__name__}"
        )
    if not report:
        raise ValueError(NO_SEGMENTS)
    return _segments_given(report)


def tag_reports(
    reports: Sequence[str | Sequence[str]],
    *,
    model: ThemeModel | None = None,
    explain: bool = False,
) -> list[ReportTags]:
    """Tag whole reports, each segment read in its report's context, all in one pass; a report
    is its text (cut with split_report) or its segments already cut. A report without any
    segment gets an empty ReportTags."""
    model = model or load_model()
    cut = [_cut(report) for report in reports]
    scores = model.predict_reports([spans.texts for spans in cut], keep_inputs=explain)
    tagged = []
    for spans, report_scores in zip(cut, scores, strict=True):
        notes = _context_notes(model, report_scores) if explain else None
        threshold = model.context_review_threshold
        tags = _tags(spans.texts, report_scores.in_context, model, explain, threshold, notes)
        segments = TaggedSegments(spans, tags)
        tagged.append(ReportTags(segments, theme_profile(segments, model.names)))
    return tagged


def tag_report(
    report: str | Sequence[str], *, model: ThemeModel | None = None, explain: bool = False
) -> ReportTags:
    """Tag a whole report, every segment read in its report's context, and profile its themes.

    `report` is the report's text, cut with split_report, or its segments already cut (a list
    of str in reading order), kept exactly: one TaggedSegment per string, with offsets into
    the strings joined with "\n"."""
    tagged = tag_reports([report], model=model, explain=explain)[0]
    if not tagged.segments:  # cut once, in tag_reports: a report is not split twice
        raise ValueError(NO_SEGMENTS)
    return tagged
