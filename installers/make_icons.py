"""Render the app icon (resources/icons/minicpm-chat.svg) into the files the installers need.

Writes, into installers/icons/ (the results are committed; rerun this after changing the SVG):
- minicpm-chat.ico: Windows (the .exe's icon, Inno Setup's set-up and uninstall icons), 16-256 px
- minicpm-chat.icns: macOS (the .app bundle), 16-1024 px
- minicpm-chat-256.png: Linux (the hicolor 256x256 icon beside the scalable SVG)

Qt renders the SVG (QtSvg into a QImage: no display and no QGuiApplication are needed), so each
size is drawn from the vector rather than scaled down from one bitmap; Pillow writes the .ico and
.icns containers, which Qt cannot. Run with `python -m installers.make_icons`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "minicpm-chat.svg"
OUT = ROOT / "installers" / "icons"
NAME = "minicpm-chat"

# Every size drawn; the containers take the ones they know.
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
# Windows uses up to 256 px (larger sizes are not part of the .ico format).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Pillow's .icns writer stores 32-1024 px: the @1x and @2x (Retina) entries of 16-512 points.
ICNS_SIZES = (32, 64, 128, 256, 512, 1024)
PNG_SIZE = 256


def render(svg: Path, size: int) -> Image.Image:
    """The SVG drawn at `size` x `size` pixels on a transparent background, as RGBA."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG image Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return _to_pillow(image)


def _to_pillow(image: QImage) -> Image.Image:
    # RGBA8888 is laid out R, G, B, A byte by byte on every machine, as Pillow's "RGBA" is; rows
    # may be padded, hence the stride. bytes() copies, so the Pillow image outlives the QImage.
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    size = (rgba.width(), rgba.height())
    pixels = bytes(rgba.constBits())
    return Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", rgba.bytesPerLine(), 1)


def write_icons(svg: Path = SVG, out: Path = OUT) -> list[Path]:
    """Draw every size once and write the .ico, the .icns and the 256 px PNG into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    drawn = {size: render(svg, size) for size in SIZES}
    ico = out / f"{NAME}.ico"
    largest_ico = drawn[max(ICO_SIZES)]
    largest_ico.save(
        ico,
        format="ICO",
        sizes=[(size, size) for size in ICO_SIZES],
        # Given, each size is used as drawn instead of being shrunk from the largest.
        append_images=[drawn[size] for size in ICO_SIZES],
    )
    icns = out / f"{NAME}.icns"
    drawn[max(ICNS_SIZES)].save(
        icns, format="ICNS", append_images=[drawn[size] for size in ICNS_SIZES]
    )
    png = out / f"{NAME}-{PNG_SIZE}.png"
    drawn[PNG_SIZE].save(png, format="PNG")
    return [ico, icns, png]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--svg", type=Path, default=SVG, help="the icon to render")
    parser.add_argument("--out", type=Path, default=OUT, help="where the icon files go")
    args = parser.parse_args(argv)
    for path in write_icons(args.svg, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
