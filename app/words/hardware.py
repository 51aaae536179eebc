"""What this machine has, and where a model fits on it, in the person's language.

The engine describes the machine as plain values (engine.machine.Hardware) and the fit advice
carries its numbers (app.core.models.catalog.FitDetail on each Recommendation); this module
turns both into sentences through `QCoreApplication.translate("HardwareWords", ...)`, each with
a literal string so lupdate finds it. The English sources say what `Hardware.summary()` and
`Recommendation.explanation` say (what the CLI prints). Device, GPU and CPU names, CPU flags and
OpenVINO device ids are the hardware's own names and stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce

from PySide6.QtCore import QCoreApplication

from app.core.models.catalog import Fit, FitDetail
from app.core.models.hardware import Recommendation
from engine.machine import Hardware, OpenVinoDevice
from engine.sizes import format_size


def hardware_summary_text(hardware: Hardware) -> str:
    """CPU, threads and flags; RAM; OpenVINO devices; the CUDA GPU (as `Hardware.summary()`)."""
    parts = [_cpu_text(hardware), _ram_text(hardware)]
    if hardware.openvino_devices:
        devices = _list(_device_text(device) for device in hardware.openvino_devices)
        parts.append(
            QCoreApplication.translate("HardwareWords", "OpenVINO: {devices}").format(
                devices=devices
            )
        )
    gpu = hardware.cuda_gpu
    if gpu is not None:
        parts.append(
            QCoreApplication.translate("HardwareWords", "CUDA: {name}, {size}").format(
                name=gpu.name, size=format_size(gpu.total_bytes)
            )
        )
    return _parts(parts)


def recommendation_text(recommendation: Recommendation) -> str:
    """Where a model runs best and why, with the accelerators passed over for the CPU (as
    `Recommendation.explanation`)."""
    text = named_fit_text(recommendation.detail)
    if not recommendation.skipped:
        return text
    skipped = _parts(
        QCoreApplication.translate("HardwareWords", "{device} {verdict}: {why}").format(
            device=detail.device, verdict=fit_text(detail.fit), why=named_fit_text(detail)
        )
        for detail in recommendation.skipped
    )
    return QCoreApplication.translate("HardwareWords", "{best} ({skipped})").format(
        best=text, skipped=skipped
    )


def named_fit_text(detail: FitDetail) -> str:
    """ "NVIDIA GeForce RTX 4060: 1.1 GB weights + ..." or "CPU: ..."."""
    if detail.device_name:
        return QCoreApplication.translate("HardwareWords", "{device}: {fit}").format(
            device=detail.device_name, fit=fit_detail_text(detail)
        )
    return QCoreApplication.translate("HardwareWords", "CPU: {fit}").format(
        fit=fit_detail_text(detail)
    )


def fit_detail_text(detail: FitDetail) -> str:
    """The numbers behind a verdict: weights + KV cache + runtime = need, of the memory; the
    cache's type is named where it is not f16 ("KV cache (q8_0)")."""
    quantized = detail.kv_type != "f16"
    if detail.memory == "gpu" and quantized:
        sentence = QCoreApplication.translate(
            "HardwareWords",
            "{weights} weights + {kv} KV cache ({kv_type}) at {tokens:,} tokens + {runtime} "
            "runtime = {need} of {memory} GPU memory",
        )
    elif detail.memory == "gpu":
        sentence = QCoreApplication.translate(
            "HardwareWords",
            "{weights} weights + {kv} KV cache at {tokens:,} tokens + {runtime} runtime = "
            "{need} of {memory} GPU memory",
        )
    elif quantized:
        sentence = QCoreApplication.translate(
            "HardwareWords",
            "{weights} weights + {kv} KV cache ({kv_type}) at {tokens:,} tokens + {runtime} "
            "runtime = {need} of {memory} RAM",
        )
    else:
        sentence = QCoreApplication.translate(
            "HardwareWords",
            "{weights} weights + {kv} KV cache at {tokens:,} tokens + {runtime} runtime = "
            "{need} of {memory} RAM",
        )
    return sentence.format(
        weights=format_size(detail.weights_bytes),
        kv=format_size(detail.kv_bytes),
        kv_type=detail.kv_type,
        tokens=detail.context_length,
        runtime=format_size(detail.runtime_bytes),
        need=format_size(detail.need_bytes),
        memory=format_size(detail.memory_bytes),
    )


def fit_text(fit: Fit) -> str:
    if fit == "fits":
        return QCoreApplication.translate("HardwareWords", "fits")
    if fit == "tight":
        return QCoreApplication.translate("HardwareWords", "tight")
    return QCoreApplication.translate("HardwareWords", "too large")


def _cpu_text(hardware: Hardware) -> str:
    flags = hardware.flags_of_interest
    return QCoreApplication.translate("HardwareWords", "{cpu}, {threads} threads ({flags})").format(
        cpu=hardware.cpu_model,
        threads=hardware.logical_cores,
        flags=_list(flags) if flags else QCoreApplication.translate("HardwareWords", "no AVX2"),
    )


def _ram_text(hardware: Hardware) -> str:
    return QCoreApplication.translate("HardwareWords", "{total} RAM ({free} free)").format(
        total=format_size(hardware.total_ram_bytes),
        free=format_size(hardware.available_ram_bytes),
    )


def _device_text(device: OpenVinoDevice) -> str:
    """ "GPU (Intel Arc A770, 17.2 GB)"; just the id where there is nothing to add."""
    if not device.details:
        return device.id
    return QCoreApplication.translate("HardwareWords", "{device} ({details})").format(
        device=device.id, details=_list(device.details)
    )


def _list(items: Iterable[str]) -> str:
    """Names in a row: "avx2, avx512f" (a language may use another separator)."""
    return reduce(_list_pair, items)


def _list_pair(earlier: str, following: str) -> str:
    return QCoreApplication.translate("HardwareWords", "{earlier}, {following}").format(
        earlier=earlier, following=following
    )


def _parts(parts: Iterable[str]) -> str:
    """Parts of one description: "8 threads; 16 GB RAM"."""
    return reduce(_parts_pair, parts)


def _parts_pair(earlier: str, following: str) -> str:
    return QCoreApplication.translate("HardwareWords", "{earlier}; {following}").format(
        earlier=earlier, following=following
    )
