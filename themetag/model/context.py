"""The context stage: a segment's theme read with its report around it.

Its inputs are the segment model's probabilities for the segment, its neighbours, the items
under it, its parent heading and the rest of the report, with the segment's place in the
report's structure; a linear model over them gives the theme in context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from themetag.text.structure import Kind, Part

# The parts of the input, in order: each is a block of one column per class unless named in
# SCALARS. `report_content` is what the rest of the report is about (its policy themes,
# weighted by length and by how much each segment is about a policy theme at all); the
# blocks after it let that count for titles, headings and openings/closings apart.
BLOCKS = (
    "self",
    "previous",
    "next",
    "items",
    "parent",
    "report",
    "report_content",
    "report_content_if_title",
    "report_content_if_heading",
    "report_content_if_edge",
    "report_content_if_concentrated",
)
SCALARS = (
    *(f"kind_{kind.name.lower()}" for kind in Kind),
    *(f"level_{level}" for level in range(1, 6)),
    "has_previous",
    "has_next",
    "has_items",
    "has_parent",
    "position",
    "length",
    "short",
    "report_length",
    "item_count",
    "concentration",
)
NOT_CONTENT = ("overview", "boilerplate")
SHORT = 20
# Openings and closings: the first segments of report text and the last ones.
EDGE_FIRST, EDGE_LAST = 3, 2
_FLOOR = 1e-4  # probabilities are read as logs; none is taken as surer than this
# Rows weighted at once for a report's themed total.
_THEMED_ROWS = 4096


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of decision scores."""
    exponentials = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))


def feature_count(classes: int) -> int:
    """How many inputs the context stage has for a model of this many classes."""
    return len(BLOCKS) * classes + len(SCALARS)


def block_columns(classes: int) -> dict[str, slice]:
    """The columns of each block, and of the scalars together (as "structure")."""
    columns = {name: slice(i * classes, (i + 1) * classes) for i, name in enumerate(BLOCKS)}
    columns["structure"] = slice(len(BLOCKS) * classes, feature_count(classes))
    return columns


def context_features(
    probabilities: np.ndarray, lengths: np.ndarray, parts: Sequence[Part], content: np.ndarray
) -> np.ndarray:
    """The context stage's inputs for each segment of one report (or one fragment of it).

    `probabilities` are the segment model's, one row per segment in reading order; `content`
    marks the columns of policy themes (not overview or boilerplate)."""
    n = len(probabilities)
    return ReportContext(probabilities, lengths, [parts], content).features(0, n)


class ReportContext:
    """What the context stage reads of whole reports, one after another in the rows, computed
    once, so that the inputs of their segments can be made a slice at a time: a huge report's
    inputs (218 numbers a segment) are never all held at once, and many small reports share
    each numpy call (a report's own calls took a tenth of tagging a folder)."""

    def __init__(
        self,
        probabilities: np.ndarray,
        lengths: np.ndarray,
        reports: Sequence[Sequence[Part]],
        content: np.ndarray,
    ):
        n = len(probabilities)
        sizes = np.array([len(parts) for parts in reports], dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        report = np.repeat(np.arange(len(reports)), sizes)
        parts = [part for parts in reports for part in parts]
        self.probabilities, self.lengths, self.content = probabilities, lengths, content
        # Small types and per-report figures, not int64 copies per row: a 50 MiB report of
        # 551,885 segments held 21 MB less.
        self.kinds = np.array([p.kind for p in parts], dtype=np.int8).reshape(n)
        self.levels = np.array([p.level for p in parts], dtype=np.int16).reshape(n)
        parents = np.array([-1 if p.parent is None else p.parent for p in parts]).reshape(n)
        self.parents = np.where(parents >= 0, parents + first[report], -1)
        # Each report's running sums, a zero row first, one report after another: the window
        # of a heading's items is a difference of two of its rows (reports never mix, so a
        # report's figures are the same whatever else is tagged with it).
        block = first + np.arange(len(reports))
        self.item_starts = np.array([p.items.start for p in parts], dtype=np.int64).reshape(n)
        self.item_stops = np.array([p.items.stop for p in parts], dtype=np.int64).reshape(n)
        self.item_starts += block[report]
        self.item_stops += block[report]
        # Kept in the probabilities' own type, which their running sums are made in: float32
        # rows of a 50 MiB report took 40 MB less than float64 copies of the same values.
        self.running = np.zeros((n + len(reports), probabilities.shape[1]), probabilities.dtype)
        totals, themed_totals = [], []
        for start, size, at in zip(first.tolist(), sizes.tolist(), block.tolist(), strict=True):
            own = probabilities[start : start + size]
            np.cumsum(own, 0, out=self.running[at + 1 : at + 1 + size])
            totals.append(own.sum(axis=0))
            themed_totals.append(self._themed_total(start, size))
        classes = probabilities.shape[1]
        # Per report, read per row when a slice is made: a huge report holds no copy per row.
        self.report = report
        self.total = np.array(totals).reshape(len(reports), classes)
        self.themed_total = np.array(themed_totals).reshape(len(reports), classes)
        self.sizes, self.first = sizes, first
        size, position = sizes[report], np.arange(n) - first[report]
        text = self.kinds != Kind.FURNITURE
        in_text = np.cumsum(text)
        order_in_text = in_text - np.concatenate([[0], in_text])[first][report] - 1
        edge = text & ((order_in_text < EDGE_FIRST) | (position >= size - EDGE_LAST))
        self.edge = edge & ((self.kinds == Kind.PARAGRAPH) | (self.kinds == Kind.ITEM))

    def _weight(self, start: int, stop: int) -> np.ndarray:
        """How much segments start..stop-1 count in what the report is about: the square root
        of their length."""
        return np.sqrt(self.lengths[start:stop].astype(float))[:, None]

    def _themed_total(self, start: int, size: int) -> np.ndarray:
        """The sum of rows start..start+size-1 weighted by length and policy-theme share,
        made _THEMED_ROWS at a time (whole, it held two copies of a huge report's rows)."""
        total = np.zeros((1, self.probabilities.shape[1]))
        for first in range(start, start + size, _THEMED_ROWS):
            last = min(first + _THEMED_ROWS, start + size)
            themed = self._weight(first, last) * (self.probabilities[first:last] * self.content)
            # Added to the total before it, row after row as one sum over all rows adds them:
            # the figures are the same to the last bit however the rows are cut.
            total = np.add.reduce(np.concatenate([total, themed]), axis=0, keepdims=True)
        return total[0]

    def features(self, start: int, stop: int) -> np.ndarray:
        """The inputs of segments start..stop-1 (as many of them as the rows have)."""
        probabilities = self.probabilities
        n, classes = probabilities.shape
        stop = min(stop, n)
        if stop <= start:
            return np.zeros((0, feature_count(classes)))
        rows = np.arange(start, stop)
        of = self.report[start:stop]
        position, size = rows - self.first[of], self.sizes[of]
        own = probabilities[start:stop]
        kinds, levels = self.kinds[start:stop], self.levels[start:stop]
        parents = self.parents[start:stop]
        has_parent = parents >= 0
        previous = np.where((position > 0)[:, None], probabilities[np.maximum(rows - 1, 0)], 0.0)
        following = np.where(
            (position < size - 1)[:, None], probabilities[np.minimum(rows + 1, n - 1)], 0.0
        )
        item_starts, item_stops = self.item_starts[start:stop], self.item_stops[start:stop]
        item_counts = np.maximum(item_stops - item_starts, 0)
        sums = self.running[np.maximum(item_stops, item_starts)].astype(float)
        sums -= self.running[item_starts]
        items = np.divide(
            sums, item_counts[:, None], out=np.zeros_like(sums), where=item_counts[:, None] > 0
        )
        parent = np.where(has_parent[:, None], probabilities[np.maximum(parents, 0)], 0.0)
        others = np.maximum(size - 1, 1)
        # Divided as by a plain number: a float32 row stays float32, as for one report alone.
        report = (self.total[of] - own) / others[:, None].astype(own.dtype)

        lengths = self.lengths[start:stop]
        total = self.themed_total[of] - self._weight(start, stop) * (own * self.content)
        mass = total.sum(axis=1, keepdims=True)
        report_content = np.divide(total, mass, out=np.zeros_like(total), where=mass > 0)
        concentration = report_content.max(axis=1, keepdims=True)
        blocks = [
            np.log(np.maximum(own, _FLOOR)),
            previous,
            following,
            items,
            parent,
            report,
            report_content,
            report_content * (kinds == Kind.TITLE)[:, None],
            report_content * (kinds == Kind.HEADING)[:, None],
            report_content * self.edge[start:stop, None],
            report_content * concentration,
        ]
        scalars = [
            *((kinds == kind).astype(float) for kind in Kind),
            *((levels == level).astype(float) for level in range(1, 6)),
            (position > 0).astype(float),
            (position < size - 1).astype(float),
            (item_counts > 0).astype(float),
            has_parent.astype(float),
            position / others,
            np.log1p(lengths) / 5,
            (lengths < SHORT).astype(float),
            np.log1p(size) / 5,
            np.log1p(item_counts) / 3,
            concentration[:, 0],
        ]
        return np.hstack([*blocks, np.column_stack(scalars)])


@dataclass
class ContextThemes:
    """The fitted context stage as plain arrays: a linear model and its temperature."""

    weights: np.ndarray  # one row per input, one column per class
    intercept: np.ndarray
    inverse_temperature: float

    def scores(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features @ self.weights + self.intercept)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probabilities in context, columns in the model's class order."""
        return softmax(self.inverse_temperature * self.scores(features))

    def deciding_block(self, features: np.ndarray, theme: int, instead_of: int) -> str:
        """The block of inputs that moved a segment most towards `theme` from `instead_of`."""
        classes = self.weights.shape[1]
        push = features * (self.weights[:, theme] - self.weights[:, instead_of])
        blocks = block_columns(classes)
        return max(blocks, key=lambda name: float(push[blocks[name]].sum()))
