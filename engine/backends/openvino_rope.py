"""Which LongRoPE factor set an OpenVINO model computes with, chosen when it is loaded.

The rule is llama.cpp's (the GGUF the model was converted from is the reference): when the
context the person chose exceeds the model's original context, the long factors rotate every
position, else the short ones (engine.convert.rope_sets.uses_long_set; llama.cpp applies the
GGUF's rope.scaling.attn_factor in both bands, so the graph does too and nothing here changes
it). A converted IR that holds both sets records the original context in its rt_info; the
graph computes with the short set, so below the original context, and for every IR with one
set (older conversions, models without LongRoPE, GenAI's own exports), the pipeline is built
from the folder exactly as before. Above it, the pipeline gets the same XML with the short
Constant pointed at the long set's bytes and the .bin memory-mapped as its weights (nothing is
copied): `openvino_genai.LLMPipeline(xml, weights, tokenizer, device, config, **properties)`,
which takes the same properties, `scheduler_config` (paged attention, prefix caching) included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.convert.rope_sets import (
    LongSetModel,
    long_set_model,
    read_model_xml,
    read_rope_sets,
    release_resident_pages,
    uses_long_set,
)

__all__ = ["PipelineOnMappedWeights", "open_pipeline", "uses_long_rope_set"]

GENERATION_CONFIG = "generation_config.json"


def uses_long_rope_set(xml: str, n_ctx: int) -> bool:
    """Whether the IR (`xml`: its XML's text) holds LongRoPE's long set and `n_ctx` calls
    for it."""
    sets = read_rope_sets(xml)
    return sets is not None and uses_long_set(n_ctx, sets.original_context_length)


def open_pipeline(
    genai: Any, folder: Path, n_ctx: int, device: str, properties: dict[str, Any]
) -> Any:
    """`genai.LLMPipeline` for the IR in `folder` at context `n_ctx`, with `properties`."""
    xml = read_model_xml(folder)
    if not uses_long_rope_set(xml, n_ctx):
        return genai.LLMPipeline(str(folder), device, **properties)
    model = long_set_model(folder, xml)
    del xml
    tokenizer = genai.Tokenizer(str(folder))
    # What the folder constructor reads besides the model: generation_config.json, if any.
    config_path = folder / GENERATION_CONFIG
    config = genai.GenerationConfig(str(config_path)) if config_path.is_file() else None
    pipe = genai.LLMPipeline(model.xml, model.weights, tokenizer, device, config, **properties)
    release_resident_pages(model)
    return PipelineOnMappedWeights(pipe, model)


class PipelineOnMappedWeights:
    """An LLMPipeline built on memory-mapped weights, and that mapping.

    OpenVINO shares the mapped pages instead of copying them, but its constants do not keep
    the Python mapping alive: freeing the mapping under a live pipeline crashed the process
    (measured). So the two live and die together, the pipeline first. Everything else is the
    pipeline's own (generate, get_tokenizer, get_generation_config, ...).
    """

    def __init__(self, pipe: Any, weights: LongSetModel) -> None:
        self._pipe = pipe
        self._weights = weights

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)

    def __del__(self) -> None:
        # The pipeline (and the compiled model referring to the mapped pages) goes first;
        # the mapping is released after, when this object's attributes are cleared.
        self._pipe = None
