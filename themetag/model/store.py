"""The model file: named arrays of numbers and fixed-width strings (npz, never pickle), and a
JSON card; checked whole before use."""

from __future__ import annotations

import io
import json
import math
import os
import struct
import tokenize
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from themetag.atomic import atomic
from themetag.errors import ModelFileError
from themetag.model.context import ContextThemes, feature_count
from themetag.model.scoring import LinearThemes, ThemeModel
from themetag.text.features import MAX_PACKED_NGRAM, CharNgramTfidf

MODEL_FILE = "themetag.npz"
CARD_FILE = "card.json"
# Bumped whenever the arrays in the model file change meaning; load refuses other formats.
MODEL_FORMAT = 2
# A fixed time stamp in the zip entries: retraining on an unchanged corpus writes the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# What a model file may inflate to, in all. The shipped model inflates to 14 MB; this leaves room
# for one of a corpus many times larger. A file that claims more in its zip directory or .npy
# headers is damaged or hostile: it is refused before anything is allocated for it. Loading a
# file within the limit takes at most about four times it (the arrays and the key table).
MAX_MODEL_BYTES = 256 * 2**20
# A model's .npy headers take 128 bytes; numpy reads a header whole before it checks its length.
MAX_HEADER_BYTES = 1024
# A model's zip directory takes under 1 KiB; zipfile reads it whole and makes an object per
# entry, so this bounds what a directory of many entries costs before any is looked at.
MAX_DIRECTORY_BYTES = 64 * 2**10
# The card is read whole as JSON; the shipped one takes 8 KB.
MAX_CARD_BYTES = 2**20
# The project has 18 themes; each class is a column of every probability and the context stage
# grows with the square of their number.
MAX_CLASSES = 1000

# What each array of the model file holds: a description and the dtype codes (kind and item
# size; "U" for text of any width above zero) it may have. Byte order is not checked: numpy
# computes the same in either.
_FLOAT = ("float32 or float64", frozenset({"f4", "f8"}))
_INTEGER = ("an integer", frozenset(f"{kind}{size}" for kind in "iu" for size in (1, 2, 4, 8)))
_ENTRIES = {
    "format": _INTEGER,
    "classes": ("str", frozenset({"U"})),
    "keys": ("uint64", frozenset({"u8"})),
    "idf": _FLOAT,
    "ngram_range": _INTEGER,
    "sublinear_tf": ("bool", frozenset({"b1"})),
    "weights": _FLOAT,
    "intercept": _FLOAT,
    "inverse_temperature": _FLOAT,
}
# The context stage's arrays: all three or none.
_CONTEXT_ENTRIES = {
    "context_weights": _FLOAT,
    "context_intercept": _FLOAT,
    "context_inverse_temperature": _FLOAT,
}
_NAMES = ", ".join(f"{name}.npy" for name in [*_ENTRIES, *_CONTEXT_ENTRIES])
# The length field after a .npy file's magic, by format version.
_HEADER_LENGTH = {(1, 0): struct.Struct("<H"), (2, 0): struct.Struct("<I")}
# The end record of a zip archive: signature, disk numbers, entries on this disk and in all,
# directory size and offset, comment length. A zip64 archive has a locator just before it.
_END = struct.Struct("<4s4H2LH")
_ZIP64_END_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_LOCATOR_SIGNATURE = b"PK\x06\x07"


class _Refused(ValueError):
    """A model file refused by a check of ours: the message alone says why."""


def _arrays(model: ThemeModel) -> dict[str, np.ndarray]:
    linear, context = model.linear, model.context
    arrays = {
        "format": np.array(MODEL_FORMAT),
        "classes": np.array(linear.classes),
        "keys": linear.features.keys,
        "idf": linear.features.idf,
        "ngram_range": np.array(linear.features.ngram_range),
        "sublinear_tf": np.array(linear.features.sublinear_tf),
        "weights": linear.weights,
        "intercept": linear.intercept,
        "inverse_temperature": np.array(linear.inverse_temperature),
    }
    if context is not None:
        arrays["context_weights"] = context.weights
        arrays["context_intercept"] = context.intercept
        arrays["context_inverse_temperature"] = np.array(context.inverse_temperature)
    return arrays


def _label(name: str) -> str:
    return name.replace("_", " ")


def _size(count: int) -> str:
    """A number of bytes as people read it: 671 GiB, 300 MiB, 1000 bytes."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


def _check_directory(file: BinaryIO) -> None:
    """Refuse a zip directory larger than a model file's before zipfile reads it whole."""
    size = file.seek(0, os.SEEK_END)
    if size > MAX_MODEL_BYTES:
        raise _Refused(f"it is {_size(size)}, more than the {_size(MAX_MODEL_BYTES)} it may hold")
    if size < _END.size + _ZIP64_END_LOCATOR.size:
        raise _Refused(f"it is {size} bytes long, too short for a zip archive")
    file.seek(size - _END.size - _ZIP64_END_LOCATOR.size)
    locator = file.read(_ZIP64_END_LOCATOR.size)
    signature, *_, directory, _, comment = _END.unpack(file.read(_END.size))
    # save_model and np.savez write no archive comment, so the end record is the file's end;
    # zipfile would search a commented archive for another one.
    if signature != b"PK\x05\x06" or comment:
        raise _Refused("it is not a whole zip archive: it does not end with a zip directory")
    if locator.startswith(_ZIP64_END_LOCATOR_SIGNATURE):
        raise _Refused("it is a zip64 archive, which a model file never needs")
    if directory > MAX_DIRECTORY_BYTES:
        raise _Refused(f"its zip directory takes {_size(directory)}, more than a model file's")


def _entry_name(entry: zipfile.ZipInfo, seen: dict[str, Any]) -> str:
    """The array an entry holds, refusing names, methods and flags a model file never has."""
    name = entry.filename.removesuffix(".npy")
    if not entry.filename.endswith(".npy") or name not in {**_ENTRIES, **_CONTEXT_ENTRIES}:
        raise _Refused(f"unexpected entry {entry.filename!r} (a model file holds {_NAMES})")
    if name in seen:
        raise _Refused(f"{entry.filename} appears twice")
    if entry.flag_bits & 0x1:
        raise _Refused(f"{entry.filename} is encrypted")
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _Refused(
            f"{entry.filename} is compressed by method {entry.compress_type}; a model file's"
            " entries are stored or deflated"
        )
    return name


def _header(stream: IO[bytes], entry: zipfile.ZipInfo, name: str) -> tuple[int, ...]:
    """The shape of an entry's array, from its .npy header, once dtype and size are right."""
    try:
        version = np.lib.format.read_magic(stream)
    except ValueError as error:
        raise _Refused(f"{entry.filename} is not a .npy array: {error}") from None
    if version not in _HEADER_LENGTH:
        raise _Refused(f"{entry.filename} is a .npy file of version {version}, not 1.0 or 2.0")
    length_field = _HEADER_LENGTH[version]
    raw_length = stream.read(length_field.size)
    if len(raw_length) < length_field.size:
        raise _Refused(f"{entry.filename} ends inside its .npy header")
    (length,) = length_field.unpack(raw_length)
    # numpy reads a header whole before it checks its length: check it first.
    if length > MAX_HEADER_BYTES:
        raise _Refused(
            f"{entry.filename} has a .npy header of {length} bytes, more than the"
            f" {MAX_HEADER_BYTES} allowed"
        )
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    raw = raw_length + stream.read(length)
    try:
        shape, _, dtype = read_header(io.BytesIO(raw), max_header_size=MAX_HEADER_BYTES)
    except (ValueError, SyntaxError, tokenize.TokenError) as error:
        # tokenize: numpy retries a header it cannot parse as one of Python 2, through tokenize.
        raise _Refused(f"{entry.filename} has a .npy header numpy cannot read: {error}") from None
    description, codes = {**_ENTRIES, **_CONTEXT_ENTRIES}[name]
    code = "U" if dtype.kind == "U" and dtype.itemsize else f"{dtype.kind}{dtype.itemsize}"
    if code not in codes:
        raise _Refused(f"{entry.filename} holds {dtype} values, expected {description}")
    if any(n < 0 for n in shape):
        raise _Refused(f"{entry.filename} declares a {shape} array: a size below zero")
    data = math.prod(shape) * dtype.itemsize  # Python integers: no overflow
    if data > MAX_MODEL_BYTES:
        raise _Refused(
            f"{entry.filename} declares a {shape} {dtype} array of {_size(data)}, more than the"
            f" {_size(MAX_MODEL_BYTES)} a model file may hold"
        )
    header = np.lib.format.MAGIC_LEN + len(raw)
    if header + data != entry.file_size:
        raise _Refused(
            f"{entry.filename} declares {data} bytes of data, but its entry holds"
            f" {entry.file_size - header}"
        )
    return shape


def _check_shapes(shapes: dict[str, tuple[int, ...]]) -> None:
    """Refuse arrays that do not fit each other, from their headers, before reading them."""
    for name in ("classes", "keys"):
        if len(shapes[name]) != 1:
            raise _Refused(f"arrays that do not fit: {name} {shapes[name]}, expected one dimension")
    (keys,), (classes,) = shapes["keys"], shapes["classes"]
    if not 2 <= classes <= MAX_CLASSES:
        raise _Refused(f"the number of classes is {classes}, expected 2 to {MAX_CLASSES}")
    if not keys:
        raise _Refused(f"it has no vocabulary: keys {shapes['keys']}")
    expected = {
        "format": (),
        "idf": (keys,),
        "ngram_range": (2,),
        "sublinear_tf": (),
        "weights": (keys, classes),
        "intercept": (classes,),
        "inverse_temperature": (),
    }
    if "context_weights" in shapes:
        expected["context_weights"] = (feature_count(classes), classes)
        expected["context_intercept"] = (classes,)
        expected["context_inverse_temperature"] = ()
    for name, shape in expected.items():
        if shapes[name] != shape:
            raise _Refused(
                f"arrays that do not fit: {_label(name)} {shapes[name]}, expected {shape} for"
                f" {keys} keys and {classes} classes"
            )


def _read_arrays(model_file: Path) -> dict[str, np.ndarray]:
    """The arrays of a model file, each refused from its zip entry and .npy header if its name,
    dtype or size is wrong, and all from their headers if they do not fit, before any is read."""
    with open(model_file, "rb") as file:
        _check_directory(file)
        with zipfile.ZipFile(file) as archive:
            shapes: dict[str, tuple[int, ...]] = {}
            entries: dict[str, zipfile.ZipInfo] = {}
            total = 0
            for entry in archive.infolist():
                name = _entry_name(entry, shapes)
                total += entry.file_size
                if entry.file_size > MAX_MODEL_BYTES:
                    raise _Refused(
                        f"{entry.filename} inflates to {_size(entry.file_size)}, more than the"
                        f" {_size(MAX_MODEL_BYTES)} a model file may hold"
                    )
                if total > MAX_MODEL_BYTES:
                    raise _Refused(
                        f"the entries up to {entry.filename} inflate to {_size(total)}, more"
                        f" than the {_size(MAX_MODEL_BYTES)} a model file may hold"
                    )
                with archive.open(entry) as stream:
                    shapes[name] = _header(stream, entry, name)
                entries[name] = entry
            context = any(name in shapes for name in _CONTEXT_ENTRIES)
            for name in [*_ENTRIES, *(_CONTEXT_ENTRIES if context else ())]:
                if name not in shapes:
                    raise _Refused(f"it has no {name}.npy")
            _check_shapes(shapes)
            arrays = {}
            for name, entry in entries.items():
                # allow_pickle=False: an array that would need unpickling is refused, not run.
                with archive.open(entry) as stream:
                    arrays[name] = np.lib.format.read_array(
                        stream, allow_pickle=False, max_header_size=MAX_HEADER_BYTES
                    )
    return arrays


def _check_values(arrays: dict[str, np.ndarray]) -> None:
    """Refuse values no fitted model has: they would fail or tag with confidence nan later."""
    if int(arrays["format"]) != MODEL_FORMAT:
        raise _Refused(f"format {int(arrays['format'])}, expected {MODEL_FORMAT}")
    classes = [str(c) for c in arrays["classes"]]
    repeated = sorted({c for c, count in Counter(classes).items() if count > 1})
    if repeated:
        raise _Refused(f"classes repeat {repeated}")
    keys = arrays["keys"]
    # Sorted and distinct, and never 0, which the key table takes for an empty slot.
    if keys[0] == 0 or not (keys[1:] > keys[:-1]).all():
        raise _Refused("the vocabulary keys are not sorted and distinct, or one is 0")
    low, high = (int(n) for n in arrays["ngram_range"])
    if not 1 <= low <= high <= MAX_PACKED_NGRAM:
        raise _Refused(f"the n-gram range {low}..{high} is not within 1..{MAX_PACKED_NGRAM}")
    for name in ("idf", "weights", "intercept", "context_weights", "context_intercept"):
        array = arrays.get(name)
        if array is not None and not np.isfinite(array).all():
            count = array.size - np.count_nonzero(np.isfinite(array))
            raise _Refused(
                f"{count} of the {array.size} values in {_label(name)} are not finite numbers"
            )
    for name in ("inverse_temperature", "context_inverse_temperature"):
        if name in arrays:
            value = float(arrays[name])
            if not (math.isfinite(value) and value > 0):
                raise _Refused(f"{_label(name)} is {value}, expected a finite number above 0")


def _model(arrays: dict[str, np.ndarray]) -> tuple[LinearThemes, ContextThemes | None]:
    """The two stages of a model from its checked arrays."""
    low, high = (int(n) for n in arrays["ngram_range"])
    features = CharNgramTfidf(
        arrays["keys"], arrays["idf"], (low, high), bool(arrays["sublinear_tf"])
    )
    linear = LinearThemes(
        [str(c) for c in arrays["classes"]],
        features,
        arrays["weights"],
        arrays["intercept"],
        float(arrays["inverse_temperature"]),
    )
    if "context_weights" not in arrays:
        return linear, None
    context = ContextThemes(
        arrays["context_weights"],
        arrays["context_intercept"],
        float(arrays["context_inverse_temperature"]),
    )
    return linear, context


def save_model(model: ThemeModel, directory: str | Path) -> Path:
    """Write the model file (numbers only) and its card (JSON) into a directory."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    card = {**model.card, "format": MODEL_FORMAT, "themes": model.names}
    with (
        atomic(directory / MODEL_FILE) as temporary,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, array in _arrays(model).items():
            entry = zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(entry, "w") as stream:
                np.lib.format.write_array(stream, np.asanyarray(array), allow_pickle=False)
    with atomic(directory / CARD_FILE) as temporary:
        card_text = json.dumps(card, ensure_ascii=False, indent=2)
        temporary.write_text(card_text + "\n", encoding="utf-8")
    return directory


def _card(card_file: Path) -> dict[str, Any]:
    try:
        size = card_file.stat().st_size
        if size > MAX_CARD_BYTES:
            raise ValueError(f"it is {_size(size)}, more than a card's {_size(MAX_CARD_BYTES)}")
        card = json.loads(card_file.read_text(encoding="utf-8"))
        if not isinstance(card, dict):
            raise ValueError(f"it holds a JSON {type(card).__name__}, not an object")
    except (OSError, ValueError) as error:
        raise ModelFileError(f"model card {card_file} is missing or damaged: {error}") from None
    if card.get("format") != MODEL_FORMAT:
        raise ModelFileError(
            f"model {card_file.parent} is in format {card.get('format')!r}, this themetag reads"
            f" format {MODEL_FORMAT}: retrain it with `python train.py`"
        )
    try:
        for part in ("settings", "themes", "review", "corpus"):
            if not isinstance(card.get(part, {}), dict):
                raise ValueError(f"its {part!r} is not a JSON object")
        float(card.get("review", {}).get("threshold", 0.0))  # read at every tag: check now
        if not all(isinstance(v, str) for v in card.get("themes", {}).values()):
            raise ValueError("its theme names are not all text")
    except (TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(
            f"model card {card_file} is from an incompatible version: {error}"
        ) from None
    return card


def load_model_file(path: str | Path) -> ThemeModel:
    """Load a model directory (or its model file) saved by `save_model`; runs no code from it."""
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    model_file = path / MODEL_FILE if path.is_dir() else path
    if not model_file.is_file():
        older = (
            " (it holds a model of an older themetag: retrain it)"
            if any(directory.glob("*.skops"))
            else ""
        )
        raise ModelFileError(f"no model file at {model_file}{older}: run `python train.py` first")
    card = _card(directory / CARD_FILE)
    try:
        arrays = _read_arrays(model_file)
        _check_values(arrays)
        linear, context = _model(arrays)
    except _Refused as error:
        raise ModelFileError(f"cannot load model file {model_file}: {error}") from None
    except (
        OSError,
        ValueError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
    ) as error:
        # What zipfile and numpy find wrong: the zip structure, a compressed stream, a header.
        kind = "zlib.error" if isinstance(error, zlib.error) else type(error).__name__
        raise ModelFileError(f"cannot load model file {model_file}: {kind}: {error}") from None
    names = dict(card.get("themes", {}))
    missing = [c for c in linear.classes if c not in names]
    if missing:
        raise ModelFileError(f"model card {directory / CARD_FILE} names no theme {missing}")
    return ThemeModel(linear, names, card, directory, context)
