"""Reading a PDF back as a person would: its text (pdftotext), its properties (pdfinfo),
its fonts (pdffonts) and what its pages look like (pdftoppm), from poppler-utils."""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image


def _poppler(tool: str, pdf: bytes, *options: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (make setup-test installs poppler-utils).")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [tool, *options, str(path), *(["-"] if tool == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    """The text in reading order (``layout``: as laid out on the page, columns kept)."""
    return _poppler("pdftotext", pdf, *(["-layout"] if layout else []))


def pdf_pages_text(pdf: bytes, *, layout: bool = False) -> list[str]:
    return pdf_text(pdf, layout=layout).split("\f")[:-1]


def pdf_info(pdf: bytes) -> dict[str, str]:
    lines = _poppler("pdfinfo", pdf).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_xmp(pdf: bytes) -> str:
    return _poppler("pdfinfo", pdf, "-meta")


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts' table: name, type and whether each font is embedded."""
    rows = [line.split() for line in _poppler("pdffonts", pdf).splitlines()[2:]]
    # The last columns: emb sub uni object-id generation.
    return [{"name": row[0], "embedded": row[-5]} for row in rows]


def flat(text: str) -> str:
    """Words joined by single spaces (table cells wrap over lines); zero-width spaces
    (break opportunities in long runs) removed."""
    return " ".join(text.replace("\u200b", "").split())


def squeezed(text: str) -> str:
    """No spaces at all: for text broken inside words (a long run in a narrow cell)."""
    return "".join(text.replace("\u200b", "").split())


def red_in_middle(pdf: bytes) -> list[float]:
    """For each page, the share of the middle of the page (where the BROUILLON watermark
    lies) that is reddish: what a reader sees as the stamp."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is not installed (make setup-test installs poppler-utils).")
    shares = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "24", "-png", str(path), f"{folder}/page"], check=True)
        for image_path in sorted(Path(folder).glob("page-*.png")):
            image = Image.open(io.BytesIO(image_path.read_bytes())).convert("RGB")
            width, height = image.size
            middle = image.crop((width // 4, height // 3, 3 * width // 4, 2 * height // 3))
            data = middle.tobytes()
            pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
            reddish = sum(1 for r, g, b in pixels if r - g > 12 and r - b > 12)
            shares.append(reddish / len(pixels))
    return shares
