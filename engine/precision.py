"""How OpenVINO computes: chosen by the app for every compile, never left to the plugin.

OpenVINO's CPU plugin picks its arithmetic from the CPU it runs on: bfloat16 where the CPU has
AVX-512 BF16 or AMX, f32 elsewhere; a u8 KV cache; int8 dynamic quantization of activations
where the CPU has fast int8 dot products. Left to those defaults the same model gives other
tokens on another machine, and a conversion verified on one CPU fails on the next (measured on
an AVX-512 BF16 EPYC: top-1 agreement 95.7 % where f32 gives 100 %). So every compile in the app
takes its properties from `properties_for`, and what the plugin really did is read back from a
compiled model (`applied_precision`).

The choices a person has (Settings -> Model -> OpenVINO precision):
- `auto`: exact on the CPU (decoding was faster in f32 and answers match llama.cpp's on every
  CPU; bf16 only wins prefill; see docs/engine.md), the GPU's native f16 on GPU and NPU.
- `f32`: exact everywhere (f32 arithmetic, f16 KV cache like llama.cpp's, no activation
  quantization).
- `bf16`: the CPU's fast mode where it has bf16 arithmetic; elsewhere the plugin keeps f32, and
  the model's info says so.

Conversion verification always uses `EXACT`, so its verdict does not depend on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Precision = Literal["auto", "f32", "bf16"]
PRECISIONS: tuple[Precision, ...] = ("auto", "f32", "bf16")


@dataclass(frozen=True)
class PrecisionPlan:
    """What one compile asks for. `dynamic_quantization` is the activation group size of the
    CPU's int8 dynamic quantization (0 = off), None where the app leaves it to the device."""

    inference: str  # "f32" | "bf16" | "f16"
    kv_cache: str  # "f16" | "u8" | "f32"
    dynamic_quantization: int | None = 0

    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": self.inference,
            "KV_CACHE_PRECISION": self.kv_cache,
        }
        if self.dynamic_quantization is not None:
            properties["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = self.dynamic_quantization
        return properties


# f32 arithmetic, and the KV cache in f16 as llama.cpp keeps it by default.
EXACT = PrecisionPlan("f32", "f16", 0)
# The CPU plugin's own fast mode, stated explicitly: bf16 arithmetic and int8 activations.
FAST_CPU = PrecisionPlan("bf16", "f16", 32)
# Intel GPUs and NPUs compute natively in f16 (all of them: not a per-machine default).
NATIVE_F16 = PrecisionPlan("f16", "f16", None)
# OpenVINO's devices that choose among the real ones.
VIRTUAL_DEVICES = ("AUTO", "MULTI", "HETERO")


def plan_for(device: str, choice: str) -> PrecisionPlan:
    """The plan for a compile on `device` ("CPU", "GPU.1", "NPU") for the person's `choice`."""
    if choice not in PRECISIONS:
        raise ValueError(f"Unknown OpenVINO precision {choice!r} (use auto, f32 or bf16).")
    if _kind(device) == "CPU":
        return FAST_CPU if choice == "bf16" else EXACT
    return EXACT if choice == "f32" else NATIVE_F16


def properties_for(core: Any, device: str, choice: str) -> dict[str, Any]:
    """The compile properties for the person's `choice` on `device`: the plan's properties that
    the device accepts (an NPU plugin rejects unknown keys). AUTO / MULTI / HETERO pick among
    real devices themselves, so each real device gets its own plan through DEVICE_PROPERTIES
    (left to itself, AUTO's CPU would compute in its default bf16)."""
    if _kind(device) in VIRTUAL_DEVICES:
        return {
            "DEVICE_PROPERTIES": {
                real: properties_for(core, real, choice) for real in core.available_devices
            }
        }
    properties = plan_for(device, choice).properties()
    if _kind(device) == "CPU":
        return properties
    try:
        supported = set(core.get_property(device, "SUPPORTED_PROPERTIES"))
    except RuntimeError:  # the device is missing: the compile itself will say so
        return properties
    return {key: value for key, value in properties.items() if key in supported}


def _kind(device: str) -> str:
    """ "GPU" for "GPU.1", "AUTO" for "AUTO:GPU,CPU"."""
    return device.upper().split(":")[0].split(".")[0]


def cpu_has_bf16(core: Any) -> bool:
    """Whether OpenVINO's CPU plugin can compute in bf16 here (AVX-512 BF16, AMX)."""
    return "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")


def type_name(value: Any) -> str:
    """ "f32", "bf16", "u8" for an openvino.Type (get_property's answer), strings unchanged."""
    name = getattr(value, "get_type_name", None)
    return str(name()) if callable(name) else str(value)


@dataclass(frozen=True)
class AppliedPrecision:
    """What the plugin compiled, read back from a compiled model."""

    inference: str
    kv_cache: str

    def label(self) -> str:
        """ "f32", or "bf16" ... as shown next to the model; the KV cache when it differs."""
        if self.kv_cache in ("", self.inference):
            return self.inference
        return f"{self.inference}, KV {self.kv_cache}"


def read_back(compiled: Any) -> AppliedPrecision:
    def read(key: str) -> str:
        try:
            return type_name(compiled.get_property(key))
        except RuntimeError:  # a device without that property
            return ""

    return AppliedPrecision(read("INFERENCE_PRECISION_HINT"), read("KV_CACHE_PRECISION"))


def applied_precision(core: Any, device: str, properties: dict[str, Any]) -> AppliedPrecision:
    """Compiles a one-MatMul model with `properties` and reads back what the plugin chose.
    LLMPipeline hides its compiled model; the plugin resolves hints per device, not per model,
    so a probe tells the truth (a bf16 hint on a CPU without bf16 reads back f32). For AUTO,
    the precision of the device the probe ran on."""
    import openvino
    from openvino import opset13 as ops

    parameter = ops.parameter([1, 8], openvino.Type.f32)
    weights = ops.constant(np.eye(8, dtype=np.float32))
    probe = openvino.Model([ops.matmul(parameter, weights, False, True)], [parameter])
    compiled = core.compile_model(probe, device, properties)
    if _kind(device) not in VIRTUAL_DEVICES:
        return read_back(compiled)
    real = str(compiled.get_property("EXECUTION_DEVICES")[0]).strip("()")
    return applied_precision(core, real, properties["DEVICE_PROPERTIES"].get(real, {}))
