"""Hostile and broken model files: each is refused at load with one clear ModelFileError, before
it allocates what it claims and never as a model that tags with confidence nan."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import struct
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from themetag.errors import ModelFileError
from themetag.model import CARD_FILE, MODEL_FILE, ContextThemes, load_model_file, save_model
from themetag.model.context import feature_count

MiB, GiB = 2**20, 2**30
# Loading a file that claims gigabytes must neither take long nor allocate what it claims:
# refused from its headers in well under a second, where inflating what it claims takes
# minutes; the bound leaves room for a machine busy with other work.
SECONDS, PEAK_BYTES = 10.0, 64 * MiB


@dataclasses.dataclass(frozen=True)
class Zeros:
    """An entry written by streaming: a .npy header and then `count` zero bytes."""

    header: bytes
    count: int


Entries = list[tuple[str, "bytes | Zeros"]]  # a list, not a dict: a name may appear twice


def npy(array: object) -> bytes:
    """The .npy bytes of an array, pickled if it holds objects (the loader must not unpickle)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A well-formed .npy header declaring an array of any shape, with no data after it."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def get(entries: Entries, name: str) -> np.ndarray:
    data = dict(entries)[f"{name}.npy"]
    assert isinstance(data, bytes)
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def put(entries: Entries, name: str, value: object) -> Entries:
    """The entries with one array (or its raw bytes) replaced; None removes it."""
    file = f"{name}.npy"
    if value is None:
        return [(n, d) for n, d in entries if n != file]
    data = value if isinstance(value, (bytes, Zeros)) else npy(value)
    return [(n, data if n == file else d) for n, d in entries]


# Fields of a zip directory record a case overwrites: offset and struct format.
DIRECTORY_FIELDS = {
    "version": (6, "<B"),
    "flags": (8, "<H"),
    "method": (10, "<H"),
    "file_size": (24, "<I"),
}


def patch_directory(data: bytes, file: str, **fields: int) -> bytes:
    """Zip bytes with fields of one entry's directory record overwritten: a lie in the directory."""
    data = bytearray(data)
    end = data.rindex(b"PK\x05\x06")
    (position,) = struct.unpack_from("<I", data, end + 16)
    while position < end:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, position + 28)
        if data[position + 46 : position + 46 + name_length].decode() == file:
            for field, value in fields.items():
                offset, layout = DIRECTORY_FIELDS[field]
                struct.pack_into(layout, data, position + offset, value)
            return bytes(data)
        position += 46 + name_length + extra_length + comment_length
    raise KeyError(file)


def write_zip(path: Path, entries: Entries, patches: dict[str, dict[str, int]]) -> None:
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: one case wants it
        for name, data in entries:
            if isinstance(data, Zeros):
                with archive.open(name, "w") as stream:
                    stream.write(data.header)
                    chunk, left = bytes(MiB), data.count
                    while left:
                        stream.write(chunk[: min(left, MiB)])
                        left -= min(left, MiB)
            else:
                archive.writestr(name, data)
    written = buffer.getvalue()
    for file, fields in patches.items():
        written = patch_directory(written, file, **fields)
    path.write_bytes(written)


@pytest.fixture(scope="module")
def saved(small_model, tmp_path_factory) -> Path:
    """The small model with a context stage, saved by `save_model`."""
    classes = len(small_model.classes_)
    weights = np.random.default_rng(0).normal(size=(feature_count(classes), classes))
    context = ContextThemes(weights, np.zeros(classes), 1.5)
    model = dataclasses.replace(small_model, context=context)
    return save_model(model, tmp_path_factory.mktemp("hostile") / "model")


@pytest.fixture(scope="module")
def entries(saved) -> Entries:
    with zipfile.ZipFile(saved / MODEL_FILE) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


@dataclasses.dataclass(frozen=True)
class Case:
    make: Callable[[Entries], Entries]
    message: str  # a regular expression the error must match after "cannot load model file …: "
    patches: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    big: bool = False  # claims gigabytes: loading must stay fast and small


def poke(name: str, index: object, value: object) -> Callable[[Entries], Entries]:
    """A change of one value of an array (a temperature when `index` is ())."""

    def make(entries: Entries) -> Entries:
        array = get(entries, name).copy()
        array[index] = value
        return put(entries, name, array)

    return make


def change(name: str, new: Callable[[np.ndarray], object]) -> Callable[[Entries], Entries]:
    return lambda entries: put(entries, name, new(get(entries, name)))


def tiny(classes: int) -> Callable[[Entries], Entries]:
    """A consistent model of one key and this many classes, without a context stage."""

    def make(entries: Entries) -> Entries:
        arrays = {
            "classes": np.array([f"c{i}" for i in range(classes)]),
            "keys": np.array([1], np.uint64),
            "idf": np.ones(1, np.float32),
            "weights": np.zeros((1, classes), np.float32),
            "intercept": np.zeros(classes, np.float32),
        }
        kept = [(n, d) for n, d in entries if not n.startswith("context_")]
        for name, array in arrays.items():
            kept = put(kept, name, array)
        return kept

    return make


CASES: dict[str, Case] = {}
# Numbers that are not finite: the model would tag every segment with confidence nan.
for name, index in [
    ("weights", (0, 0)),
    ("idf", 3),
    ("intercept", 1),
    ("context_weights", (5, 2)),
    ("context_intercept", 0),
]:
    label = name.replace("_", " ")
    CASES[f"nan in {label}"] = Case(
        poke(name, index, np.nan), rf"^1 of the \d+ values in {label} are not finite numbers$"
    )
CASES["inf in idf"] = Case(poke("idf", 0, -np.inf), r"values in idf are not finite")
for name in ("inverse_temperature", "context_inverse_temperature"):
    label = name.replace("_", " ")
    for value in (np.nan, np.inf, 0.0, -1.0):
        CASES[f"{label} {value}"] = Case(
            poke(name, (), value), rf"^{label} is {value}, expected a finite number above 0$"
        )

# Sizes: what a header or the zip directory claims is refused before it is allocated or read.
HUGE = (10_000_000_000, 18)  # float32: 671 GiB
CASES["header declaring 671 GiB"] = Case(
    lambda e: put(e, "weights", npy_header(HUGE) + bytes(16)),
    re.escape(f"weights.npy declares a {HUGE} float32 array of 671 GiB"),
    big=True,
)
CASES["header whose shape overflows int64"] = Case(
    lambda e: put(e, "weights", npy_header((2**40, 2**40, 2**40), "<f8") + bytes(16)),
    r"weights.npy declares a .* float64 array of \d+",
    big=True,
)
CASES["header with a negative dimension"] = Case(
    lambda e: put(e, "weights", npy_header((-4, 18)) + bytes(16)),
    r"weights.npy declares a \(-4, 18\) array",
)
UNCLOSED = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3,\n"
CASES["header that is not a Python literal"] = Case(
    lambda e: put(e, "weights", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(UNCLOSED)) + UNCLOSED),
    r"^weights.npy has a .npy header numpy cannot read: .*EOF in multi-line statement",
)
CASES["not a .npy array"] = Case(
    lambda e: put(e, "idf", b"hello"), r"^idf.npy is not a .npy array: .*magic"
)
CASES["header declaring 3 GiB of header"] = Case(
    lambda e: put(e, "weights", b"\x93NUMPY\x02\x00" + struct.pack("<I", 3 * GiB) + b"{'"),
    r"weights.npy has a \.npy header of 3221225472 bytes",
    big=True,
)
# 3.5 GiB declared in the zip directory, and a header that agrees: only a few bytes are there.
DECLARED = 7 * GiB // 2
CASES["zip entry declaring 3.5 GiB"] = Case(
    lambda e: put(e, "weights", npy_header(((DECLARED - 128) // 4,)) + bytes(16)),
    r"weights.npy inflates to 3.5 GiB, more than the \d+ MiB a model file may hold",
    patches={"weights.npy": {"file_size": DECLARED}},
    big=True,
)
CASES["zip entry that inflates to 300 MiB of zeros"] = Case(
    lambda e: put(e, "idf", Zeros(npy_header((300 * MiB // 4,)), 300 * MiB)),
    r"idf.npy inflates to 300 MiB, more than the \d+ MiB a model file may hold",
    big=True,
)
CASES["zip entry declaring less than it holds"] = Case(
    lambda e: e,
    r"^BadZipFile: Bad CRC-32 for file 'weights.npy'$",
    patches={"weights.npy": {"file_size": 1128}},
)
CASES["array cut short"] = Case(
    lambda e: put(e, "weights", dict(e)["weights.npy"][:1128]),
    r"^weights.npy declares \d+ bytes of data, but its entry holds 1000$",
)
CASES["bytes after the array"] = Case(
    lambda e: put(e, "weights", dict(e)["weights.npy"] + b"and more"),
    r"^weights.npy declares (\d+) bytes of data, but its entry holds \d+$",
)
CASES["zip directory of 5000 entries"] = Case(
    lambda e: e + [(f"extra{i}.npy", b"") for i in range(5000)],
    r"^its zip directory takes \d+ KiB, more than a model file's$",
)

# Types: each array holds what its name says, and never objects.
CASES["object weights"] = Case(
    change("weights", lambda a: a.astype(object)), r"^weights.npy holds object values"
)
CASES["complex weights"] = Case(
    change("weights", lambda a: a.astype(complex)),
    r"^weights.npy holds complex128 values, expected float32 or float64$",
)
CASES["string weights"] = Case(
    change("weights", lambda a: a.astype("U5")), r"^weights.npy holds <U5 values"
)
CASES["float keys"] = Case(
    change("keys", lambda a: a.astype(float)), r"^keys.npy holds float64 values, expected uint64"
)
CASES["text temperature"] = Case(
    change("inverse_temperature", lambda a: np.array(str(a))),
    r"^inverse_temperature.npy holds <U\d+ values, expected float32 or float64",
)
CASES["structured intercept"] = Case(
    change("intercept", lambda a: a.astype([("x", "<f4")])), r"^intercept.npy holds \[\('x'"
)
CASES["10**12 class names of no width"] = Case(
    lambda e: put(e, "classes", npy_header((10**12,), "<U0")),
    r"^classes.npy holds <U0 values, expected str",
    big=True,
)

# Entries: exactly the expected names, each once, stored or deflated, not encrypted.
CASES["unexpected entry"] = Case(
    lambda e: e + [("evil.npy", npy(np.zeros(3)))], r"^unexpected entry 'evil.npy'"
)
CASES["text file among the arrays"] = Case(
    lambda e: e + [("README.txt", b"hello")], r"^unexpected entry 'README.txt'"
)
CASES["weights twice"] = Case(
    lambda e: e + [("weights.npy", dict(e)["weights.npy"])], r"^weights.npy appears twice$"
)
CASES["no weights"] = Case(lambda e: put(e, "weights", None), r"^it has no weights.npy$")
CASES["no inverse temperature"] = Case(
    lambda e: put(e, "inverse_temperature", None), r"^it has no inverse_temperature.npy$"
)
CASES["context stage without its intercept"] = Case(
    lambda e: put(e, "context_intercept", None), r"^it has no context_intercept.npy$"
)
CASES["unknown compression method"] = Case(
    lambda e: e,
    r"^weights.npy is compressed by method 99",
    patches={"weights.npy": {"method": 99}},
)
CASES["encrypted entry"] = Case(
    lambda e: e, r"^weights.npy is encrypted", patches={"weights.npy": {"flags": 1}}
)
CASES["zip version 9.9"] = Case(
    lambda e: e, r"NotImplementedError: zip file version 9.9", patches={"idf.npy": {"version": 99}}
)

# Shapes: every array fits the others.
CASES["weights one class short"] = Case(
    change("weights", lambda a: a[:, :-1]), r"^arrays that do not fit: weights \(\d+, \d+\)"
)
CASES["idf one key short"] = Case(
    change("idf", lambda a: a[:-1]), r"^arrays that do not fit: idf \(\d+,\), expected"
)
CASES["intercept one too many"] = Case(
    change("intercept", lambda a: np.append(a, 0)), r"^arrays that do not fit: intercept"
)
CASES["classes in two dimensions"] = Case(
    change("classes", lambda a: np.stack([a, a])),
    r"^arrays that do not fit: classes \(2, \d+\), expected one dimension",
)
CASES["context weights one row short"] = Case(
    change("context_weights", lambda a: a[:-1]), r"^arrays that do not fit: context weights"
)
CASES["ngram range of three numbers"] = Case(
    change("ngram_range", lambda a: np.array([1, 2, 3])),
    r"^arrays that do not fit: ngram range \(3,\), expected \(2,\)",
)
CASES["format as a vector"] = Case(
    change("format", lambda a: np.array([2, 2, 2])), r"^arrays that do not fit: format \(3,\)"
)
CASES["inverse temperature as a vector"] = Case(
    change("inverse_temperature", lambda a: np.array([1.0, 2.0])),
    r"^arrays that do not fit: inverse temperature \(2,\), expected \(\)",
)


def no_vocabulary(entries: Entries) -> Entries:
    for name in ("keys", "idf", "weights"):
        entries = put(entries, name, get(entries, name)[:0])
    return entries


CASES["empty vocabulary"] = Case(no_vocabulary, r"^it has no vocabulary: keys \(0,\)")
CASES["one class"] = Case(tiny(1), r"^the number of classes is 1, expected 2 to \d+$")
CASES["5000 classes"] = Case(tiny(5000), r"^the number of classes is 5000, expected 2 to \d+$")

# Values: what the arrays mean holds.
CASES["keys unsorted"] = Case(
    change("keys", lambda a: a[::-1]), r"^the vocabulary keys are not sorted and distinct"
)
CASES["a key repeated"] = Case(
    change("keys", lambda a: np.concatenate([a[:1], a[:-1]])),
    r"^the vocabulary keys are not sorted and distinct",
)
CASES["a zero key"] = Case(
    change("keys", lambda a: np.concatenate([np.zeros(1, np.uint64), a[1:]])),
    r"^the vocabulary keys are not sorted and distinct",
)
for low, high in [(1, 10**9), (0, 3), (3, 1)]:
    CASES[f"ngram range {low}..{high}"] = Case(
        change("ngram_range", lambda a, r=(low, high): np.array(r)),
        rf"^the n-gram range {low}\.\.{high} is not within 1\.\.3$",
    )
CASES["a class twice"] = Case(
    change("classes", lambda a: np.concatenate([a[:1], a[:-1]])), r"^classes repeat \['"
)
CASES["newer format"] = Case(change("format", lambda a: np.array(3)), r"^format 3, expected 2$")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_hostile_model_file_is_refused_with_one_clear_error(saved, entries, tmp_path, case):
    broken = tmp_path / "model"
    shutil.copytree(saved, broken)
    write_zip(broken / MODEL_FILE, case.make(list(entries)), case.patches)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError) as error:
            load_model_file(broken)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    prefix = f"cannot load model file {broken / MODEL_FILE}: "
    message = str(error.value)
    assert message.startswith(prefix)
    assert re.search(case.message, message[len(prefix) :]), message
    assert error.value.__cause__ is None and error.value.__suppress_context__
    if case.big:
        assert seconds < SECONDS, f"{seconds:.1f} s"
        assert peak < PEAK_BYTES, f"{peak / MiB:.0f} MiB allocated"


def test_the_model_the_cases_start_from_loads_with_its_context_stage(saved, entries, tmp_path):
    model = load_model_file(saved)
    assert model.context is not None and np.isfinite(model.context.weights).all()
    rewritten = tmp_path / "model"
    shutil.copytree(saved, rewritten)
    write_zip(rewritten / MODEL_FILE, list(entries), {})
    assert load_model_file(rewritten).classes_ == model.classes_


def test_a_model_file_with_any_byte_changed_loads_or_is_refused_clearly(saved, tmp_path):
    """Never a traceback: damage anywhere in the zip structure or headers, or cut short."""
    data = (saved / MODEL_FILE).read_bytes()
    structure = sorted(
        {
            m.start() + i
            for sig in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x93NUMPY")
            for m in re.finditer(re.escape(sig), data)
            for i in range(0, 48, 3)
        }
    )
    rng = np.random.default_rng(1)
    positions = [int(p) for p in rng.choice([p for p in structure if p < len(data)], 60)]
    positions += [int(p) for p in rng.integers(0, len(data), 20)]
    folder = tmp_path / "model"
    shutil.copytree(saved, folder)
    damaged = [data[: int(n)] for n in rng.integers(0, len(data), 10)]
    for position in positions:
        changed = bytearray(data)
        changed[position] ^= int(rng.integers(1, 256))
        damaged.append(bytes(changed))
    for variant in damaged:
        (folder / MODEL_FILE).write_bytes(variant)
        try:
            load_model_file(folder)
        except ModelFileError as error:
            assert str(error).startswith("cannot load model file"), error


def test_a_card_too_large_to_be_one_is_refused_before_it_is_read(saved, tmp_path):
    broken = tmp_path / "model"
    shutil.copytree(saved, broken)
    (broken / CARD_FILE).write_text('{"padding": "' + " " * (2 * MiB) + '"}', encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"model card .* is missing or damaged: it is 2 MiB"):
        load_model_file(broken)
