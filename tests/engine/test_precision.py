"""The OpenVINO precision policy: what the app asks for, and what the plugin compiled, read back.

These hold on every x86-64 CPU: AVX2-only CPUs, AVX-512, AVX-512 BF16 and AMX. Where a result
depends on the CPU (bf16 exists or not), the test asks OpenVINO which CPU this is."""

from __future__ import annotations

from typing import Any

import pytest

from engine.precision import (
    EXACT,
    FAST_CPU,
    NATIVE_F16,
    AppliedPrecision,
    applied_precision,
    cpu_has_bf16,
    plan_for,
    properties_for,
    read_back,
    type_name,
)


@pytest.fixture(scope="module")
def core() -> Any:
    from engine.backends.openvino import import_openvino_genai

    import_openvino_genai()  # blocks the telemetry first
    import openvino

    return openvino.Core()


class _PluginDefaultsCore:
    """An openvino.Core whose CPU defaults are those of a CPU with AMX (bf16 arithmetic, u8 KV
    cache, int8 activations): what the app must override on every machine."""

    def __new__(cls) -> Any:
        import openvino

        core = openvino.Core()
        core.set_property(
            "CPU",
            {
                "INFERENCE_PRECISION_HINT": "bf16",
                "KV_CACHE_PRECISION": "u8",
                "DYNAMIC_QUANTIZATION_GROUP_SIZE": 32,
            },
        )
        return core


@pytest.mark.parametrize(
    ("device", "choice", "plan"),
    [
        ("CPU", "auto", EXACT),
        ("CPU", "f32", EXACT),
        ("CPU", "bf16", FAST_CPU),
        ("GPU", "auto", NATIVE_F16),
        ("GPU.1", "bf16", NATIVE_F16),
        ("GPU", "f32", EXACT),
        ("NPU", "auto", NATIVE_F16),
    ],
)
def test_each_device_and_choice_has_one_plan(device: str, choice: str, plan: object) -> None:
    assert plan_for(device, choice) == plan


def test_an_unknown_choice_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match="auto, f32 or bf16"):
        plan_for("CPU", "fp8")


def test_every_plan_sets_precision_and_kv_cache_explicitly() -> None:
    assert EXACT.properties() == {
        "INFERENCE_PRECISION_HINT": "f32",
        "KV_CACHE_PRECISION": "f16",
        "DYNAMIC_QUANTIZATION_GROUP_SIZE": 0,
    }
    assert FAST_CPU.properties()["INFERENCE_PRECISION_HINT"] == "bf16"
    assert "DYNAMIC_QUANTIZATION_GROUP_SIZE" not in NATIVE_F16.properties()


def test_other_devices_get_only_the_properties_they_know() -> None:
    class NpuCore:
        def get_property(self, device: str, name: str) -> object:
            assert (device, name) == ("NPU", "SUPPORTED_PROPERTIES")
            return {"INFERENCE_PRECISION_HINT": "RW", "PERFORMANCE_HINT": "RW"}

    assert properties_for(NpuCore(), "NPU", "auto") == {"INFERENCE_PRECISION_HINT": "f16"}


def test_auto_gives_each_real_device_its_own_plan(core: Any) -> None:
    """AUTO picks the device itself; its CPU must still be exact, not the CPU's default."""
    properties = properties_for(core, "AUTO", "auto")
    assert properties["DEVICE_PROPERTIES"]["CPU"] == EXACT.properties()
    assert applied_precision(core, "AUTO", properties) == AppliedPrecision("f32", "f16")


def test_type_names_are_openvinos_short_names(core: Any) -> None:
    import openvino

    assert type_name(openvino.Type.f32) == "f32"
    assert type_name(openvino.Type.bf16) == "bf16"
    assert type_name(openvino.Type.u8) == "u8"
    assert type_name("f16") == "f16"


def test_the_exact_plan_is_what_the_cpu_plugin_compiles_whatever_its_defaults() -> None:
    """Read back from a compiled model, on a Core whose defaults are an AMX CPU's."""
    applied = applied_precision(_PluginDefaultsCore(), "CPU", EXACT.properties())
    assert applied == AppliedPrecision("f32", "f16")
    assert applied.label() == "f32, KV f16"


def test_verification_compiles_exactly_whatever_the_plugins_defaults() -> None:
    """Without the pinned plan the compile inherits u8 / int8 activations (and bf16 on a CPU
    that has it), and a conversion's verdict depends on the machine that checked it."""
    import openvino
    from openvino import opset13 as ops

    from engine.convert.verify import compile_exact

    parameter = ops.parameter([1, 4], openvino.Type.f32)
    model = openvino.Model([ops.relu(parameter)], [parameter])
    compiled = compile_exact(_PluginDefaultsCore(), model)
    assert read_back(compiled) == AppliedPrecision("f32", "f16")
    assert int(compiled.get_property("DYNAMIC_QUANTIZATION_GROUP_SIZE")) == 0
    plain = _PluginDefaultsCore().compile_model(model, "CPU")
    assert int(plain.get_property("DYNAMIC_QUANTIZATION_GROUP_SIZE")) == 32  # what it fixes


def test_a_bf16_request_reads_back_what_this_cpu_can_do(core: Any) -> None:
    """bf16 where the CPU has it (AVX-512 BF16, AMX), f32 elsewhere; never an error."""
    applied = applied_precision(core, "CPU", FAST_CPU.properties())
    assert applied.inference == ("bf16" if cpu_has_bf16(core) else "f32")
