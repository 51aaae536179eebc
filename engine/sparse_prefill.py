"""Sparse prefill on OpenVINO: long prompts read faster, short ones exactly as before.

OpenVINO GenAI's paged attention can compute a prompt's attention sparsely (TRISHAPE): each
prompt token attends to the first `start_tokens` of the cache (the attention sinks) and the
`recent_tokens` before it, except the last `last_dense_tokens` of the prompt, which attend to
everything, so the question at the end of a long document still sees all of it. Decoding stays
dense and the KV cache keeps every token: it saves prefill time only, not memory.

The pattern is fixed when the pipeline is built, so the threshold is the pattern itself: a
prompt no longer than start + recent + last dense tokens has nothing to leave out and is
computed exactly as dense attention computes it (tests/engine/test_sparse_prefill_openvino.py
checks the log-probabilities). "auto" uses a window that starts paying off where the
measurements in docs/benchmarks.md say it does; "always" GenAI's own smaller window; "never"
none. XATTENTION (GenAI's other mode) was slower and erratic on CPU here (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SparseChoice(StrEnum):
    """The setting, as settings.json stores it."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


SPARSE_CHOICES: tuple[str, ...] = tuple(SparseChoice)


@dataclass(frozen=True)
class SparsePlan:
    """A TRISHAPE pattern. Start and recent sizes must be multiples of the KV block size (16
    on GPU, 32 on CPU)."""

    start_tokens: int
    recent_tokens: int
    last_dense_tokens: int

    @property
    def threshold(self) -> int:
        """Prompts up to this many tokens are computed densely (nothing falls outside)."""
        return self.start_tokens + self.recent_tokens + self.last_dense_tokens

    def used_for(self, prompt_tokens: int, cached_tokens: int = 0) -> bool:
        """Whether a prompt of `prompt_tokens`, the first `cached_tokens` of them already in
        the prefix cache, had part of its attention left out."""
        prefilled = prompt_tokens - cached_tokens
        return prompt_tokens > self.threshold and prefilled > self.last_dense_tokens


# From the measurements in docs/benchmarks.md: below about 4K tokens sparse prefill gains
# nothing on CPU, above it the gain grows with the length.
AUTO_PLAN = SparsePlan(start_tokens=128, recent_tokens=3968, last_dense_tokens=128)
# GenAI's defaults (128 start, 1920 recent, 100 last dense), the last rounded up to a block.
ALWAYS_PLAN = SparsePlan(start_tokens=128, recent_tokens=1920, last_dense_tokens=128)


def sparse_choice(text: str) -> SparseChoice:
    """A stored or typed choice; anything unknown (a hand edit) means "auto"."""
    try:
        return SparseChoice(text)
    except ValueError:
        return SparseChoice.AUTO


def plan_for(choice: str) -> SparsePlan | None:
    """The pattern for a setting; None computes every prompt densely."""
    return {
        SparseChoice.AUTO: AUTO_PLAN,
        SparseChoice.ALWAYS: ALWAYS_PLAN,
        SparseChoice.NEVER: None,
    }[sparse_choice(choice)]


def apply_plan(genai: Any, scheduler: Any, plan: SparsePlan | None) -> None:
    """Sets `plan` on an `openvino_genai.SchedulerConfig` (paged attention only)."""
    scheduler.use_sparse_attention = plan is not None
    if plan is None:
        return
    config = genai.SparseAttentionConfig()
    config.mode = genai.SparseAttentionMode.TRISHAPE
    config.num_retained_start_tokens_in_cache = plan.start_tokens
    config.num_retained_recent_tokens_in_cache = plan.recent_tokens
    config.num_last_dense_tokens_in_prefill = plan.last_dense_tokens
    scheduler.sparse_attention_config = config


def plan_of(scheduler: Any) -> SparsePlan | None:
    """The pattern a SchedulerConfig holds, read back from it."""
    if not scheduler.use_sparse_attention:
        return None
    config = scheduler.sparse_attention_config
    return SparsePlan(
        start_tokens=int(config.num_retained_start_tokens_in_cache),
        recent_tokens=int(config.num_retained_recent_tokens_in_cache),
        last_dense_tokens=int(config.num_last_dense_tokens_in_prefill),
    )
