"""installers/make_icons.py: the SVG becomes the .ico, .icns and PNG the installers use."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from installers import make_icons


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("icons")
    paths = make_icons.write_icons(make_icons.SVG, out)
    return {path.suffix: path for path in paths}


def test_the_ico_holds_every_windows_size(written: dict[str, Path]) -> None:
    with Image.open(written[".ico"]) as ico:
        assert ico.format == "ICO"
        assert sorted(ico.info["sizes"]) == [(s, s) for s in make_icons.ICO_SIZES]


def test_the_icns_goes_up_to_1024_pixels(written: dict[str, Path]) -> None:
    with Image.open(written[".icns"]) as icns:
        assert icns.format == "ICNS"
        assert icns.size == (1024, 1024)
        # (points, points, scale): 512 points at 2x is the 1024 px Retina entry.
        assert (512, 512, 2) in icns.info["sizes"]
        assert (16, 16, 2) in icns.info["sizes"]


def test_the_png_is_256_pixels_with_a_transparent_corner(written: dict[str, Path]) -> None:
    with Image.open(written[".png"]) as png:
        assert png.format == "PNG"
        assert png.size == (256, 256)
        assert png.mode == "RGBA"
        # The rounded square leaves the corners see-through and fills the middle.
        assert png.getpixel((0, 0))[3] == 0  # type: ignore[index]
        assert png.getpixel((128, 40))[3] == 255  # type: ignore[index]


def test_each_size_is_drawn_from_the_vector_not_scaled_from_one_bitmap() -> None:
    small = make_icons.render(make_icons.SVG, 16)
    assert small.size == (16, 16)
    # Drawn at 16 px the icon still has an opaque middle and transparent corners.
    assert small.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert small.getpixel((8, 8))[3] == 255  # type: ignore[index]


def test_a_file_that_is_not_svg_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.svg"
    bad.write_text("not an svg", encoding="utf-8")
    with pytest.raises(ValueError, match="not an SVG"):
        make_icons.render(bad, 32)


def test_the_committed_icons_are_there_and_well_formed() -> None:
    # The installers read these from the tree; rerun make_icons after changing the SVG.
    folder = make_icons.OUT
    with Image.open(folder / "minicpm-chat.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    with Image.open(folder / "minicpm-chat.icns") as icns:
        assert icns.size == (1024, 1024)
    with Image.open(folder / "minicpm-chat-256.png") as png:
        assert png.size == (256, 256)


def test_the_command_line_writes_into_the_folder_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert make_icons.main(["--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["minicpm-chat-256.png", "minicpm-chat.icns", "minicpm-chat.ico"]
    assert "minicpm-chat.ico" in capsys.readouterr().out
