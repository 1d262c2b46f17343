"""The same report as .txt, .docx and .pdf: how many segments each gives, and how many of them
are identical (whitespace aside) to the .txt's. The figures of docs/FORMATS.md.

Each of examples/*.txt and the tests' REPORT is written as .docx (python-docx, one paragraph a
line), as PDFs typeset in columns 180 and 300 points wide, justified with indented first lines
or ragged with gaps between paragraphs (tests/files.py write_typeset_pdf: running header, page
numbers, larger headings), as PDFs LibreOffice makes from a formatted .docx with text 7 and 12 cm
wide (write_office_pdf; where LibreOffice is installed), and as the .txt hard-wrapped every 30
and 38 characters; each is read with themetag's readers and cut with split_report. --pages N
also times reading a PDF of N pages; --sweep counts the examples whose PDFs give exactly the
.txt's segments over more column widths.

    python bench/formats.py [--pages 300] [--sweep]

To measure another commit's code with the same files, put its package first on the path:

    mkdir /tmp/before && git archive COMMIT themetag | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before python bench/formats.py
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from files import REPORT, write_office_pdf, write_typeset_pdf  # noqa: E402

import themetag  # noqa: E402
from themetag.readers import read_report  # noqa: E402
from themetag.text.segment import split_report  # noqa: E402


def write_docx(path: Path, report: str) -> Path:
    import docx

    document = docx.Document()
    for line in report.splitlines():
        if line.strip():
            document.add_paragraph(line)
    document.save(str(path))
    return path


def hard_wrapped(report: str, width: int) -> str:
    return "\n".join(
        line[start : start + width]
        for line in report.splitlines()
        for start in range(0, len(line) or 1, width)
    )


def ragged(path: Path, report: str, column: float) -> Path:
    return write_typeset_pdf(
        path, report, column, justify=False, indent=False, page_numbers="第{page}页 共{pages}页"
    )


# Each format: its column heading, and how to make the text themetag reads from the report.
FORMATS: dict[str, Callable[[Path, str], str]] = {
    "docx": lambda folder, report: read_report(write_docx(folder / "r.docx", report)),
    "pdf 180": lambda folder, report: read_report(
        write_typeset_pdf(folder / "j180.pdf", report, 180)
    ),
    "pdf 300": lambda folder, report: read_report(
        write_typeset_pdf(folder / "j300.pdf", report, 300)
    ),
    "pdf 180 ragged": lambda folder, report: read_report(ragged(folder / "r180.pdf", report, 180)),
    "pdf 300 ragged": lambda folder, report: read_report(ragged(folder / "r300.pdf", report, 300)),
    "LibreOffice 7 cm": lambda folder, report: read_report(
        write_office_pdf(folder / "o7.pdf", report, 7)
    ),
    "LibreOffice 12 cm": lambda folder, report: read_report(
        write_office_pdf(folder / "o12.pdf", report, 12)
    ),
    "txt wrapped 30": lambda folder, report: hard_wrapped(report, 30),
    "txt wrapped 38": lambda folder, report: hard_wrapped(report, 38),
}


def segments(text: str) -> list[str]:
    return ["".join(span.text.split()) for span in split_report(text)]


def measure(folder: Path) -> list[list[str]]:
    reports = {"tests' REPORT": REPORT}
    reports |= {p.name: p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("examples/*.txt"))}
    libreoffice = shutil.which("soffice") or shutil.which("libreoffice")
    rows = []
    for name, report in reports.items():
        expected = segments(report)
        row = [name, str(len(expected))]
        for heading, make in FORMATS.items():
            if heading.startswith("LibreOffice") and not libreoffice:
                row.append("–")
                continue
            got = segments(make(folder, report))
            identical = sum((Counter(got) & Counter(expected)).values())
            row.append(f"{len(got)} / {identical}")
        rows.append(row)
    return rows


# Column widths of the sweep: points for write_typeset_pdf, centimetres for LibreOffice.
SWEEP: dict[str, tuple[Callable[[Path, str, float], Path], list[float]]] = {
    "typeset, justified and indented": (
        write_typeset_pdf,
        [150, 180, 200, 220, 260, 300, 340, 420],
    ),
    "typeset, ragged with gaps": (ragged, [150, 180, 200, 220, 260, 300, 340, 420]),
    "LibreOffice from a .docx": (write_office_pdf, [5, 6, 7, 8, 9, 10, 12, 14, 16]),
}


def sweep(folder: Path) -> None:
    examples = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("examples/*.txt"))]
    for style, (write, widths) in SWEEP.items():
        if write is write_office_pdf and not (
            shutil.which("soffice") or shutil.which("libreoffice")
        ):
            continue
        same = sum(
            segments(read_report(write(folder / f"s{width}.pdf", report, width)))
            == segments(report)
            for report in examples
            for width in widths
        )
        print(f"{style}: {same} of {len(examples) * len(widths)} PDFs give the .txt's segments")


def time_pages(folder: Path, pages: int) -> tuple[int, float]:
    """Seconds to read a PDF of about `pages` pages (the county example over and over)."""
    from pypdf import PdfReader

    report = (ROOT / "examples" / "county_2022_summary.txt").read_text(encoding="utf-8")
    path = folder / "long.pdf"
    ten = len(PdfReader(write_typeset_pdf(path, report * 10, 300)).pages)
    write_typeset_pdf(path, report * -(-pages * 10 // ten), 300)
    start = time.perf_counter()
    read_report(path)
    return len(PdfReader(path).pages), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="also time reading a PDF of this many pages")
    parser.add_argument("--sweep", action="store_true", help="also try more column widths")
    args = parser.parse_args()
    print(f"themetag from {Path(themetag.__file__).parent}")
    with tempfile.TemporaryDirectory() as folder:
        header = ["report", "txt", *FORMATS]
        rows = measure(Path(folder))
        print("segments / identical to the .txt's")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        if args.sweep:
            sweep(Path(folder))
        if args.pages:
            pages, seconds = time_pages(Path(folder), args.pages)
            print(f"read a {pages}-page PDF in {seconds:.1f} s")


if __name__ == "__main__":
    main()
