"""OpenVINO finds its device plugins and model readers (frontends) at run time next to
libopenvino (`openvino/libs`); nothing imports them, so every library there is collected
(collect_dynamic_libs would miss the versioned `*.so.2641` frontends).

Left out: the frontends for model formats the app never reads (ONNX, PaddlePaddle, PyTorch,
TensorFlow, TensorFlow Lite, JAX; the app reads only IR and GGUF)."""

from pathlib import Path

from PyInstaller.utils.hooks import get_package_paths

UNUSED_FRONTENDS = ("onnx", "paddle", "pytorch", "tensorflow", "jax")


def _used(name: str) -> bool:
    return not any(f"_{frontend}_" in name for frontend in UNUSED_FRONTENDS)


_libs = Path(get_package_paths("openvino")[1]) / "libs"
binaries = [
    (str(path), "openvino/libs")
    for path in sorted(_libs.glob("lib*.so*"))
    if _used(path.name) and not path.is_symlink()
]
# cache.json: the CPU plugin's description of the ISA it was built for, beside the libraries.
datas = [(str(path), "openvino/libs") for path in _libs.glob("*.json")]
excludedimports = [f"openvino.frontend.{frontend}" for frontend in UNUSED_FRONTENDS]
