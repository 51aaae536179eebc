"""The sparse prefill setting: the patterns, the threshold rule, the SchedulerConfig round trip."""

from __future__ import annotations

import pytest

from engine.sparse_prefill import (
    ALWAYS_PLAN,
    AUTO_PLAN,
    SPARSE_CHOICES,
    SparsePlan,
    apply_plan,
    plan_for,
    plan_of,
    sparse_choice,
)


def test_each_choice_has_its_pattern() -> None:
    assert SPARSE_CHOICES == ("auto", "always", "never")
    assert plan_for("auto") == AUTO_PLAN
    assert plan_for("always") == ALWAYS_PLAN
    assert plan_for("never") is None


def test_an_unknown_choice_means_auto() -> None:
    assert sparse_choice("sometimes") == "auto"
    assert plan_for("") == AUTO_PLAN


def test_automatic_starts_later_than_always() -> None:
    assert ALWAYS_PLAN.threshold < AUTO_PLAN.threshold
    assert AUTO_PLAN.threshold == 4224


@pytest.mark.parametrize("plan", [AUTO_PLAN, ALWAYS_PLAN])
def test_window_sizes_are_whole_kv_blocks(plan: SparsePlan) -> None:
    # GenAI refuses sizes that are not multiples of the block size (16 on GPU, 32 on CPU).
    assert plan.start_tokens % 32 == 0
    assert plan.recent_tokens % 32 == 0


def test_a_prompt_up_to_the_threshold_is_dense() -> None:
    plan = SparsePlan(start_tokens=128, recent_tokens=1920, last_dense_tokens=128)
    assert plan.threshold == 2176
    assert not plan.used_for(2176)
    assert plan.used_for(2177)


def test_a_short_new_turn_after_a_long_cached_one_is_dense() -> None:
    plan = SparsePlan(start_tokens=128, recent_tokens=1920, last_dense_tokens=128)
    # Only the last 100 tokens are new: all of them are in the dense tail.
    assert not plan.used_for(9000, cached_tokens=8900)
    assert plan.used_for(9000, cached_tokens=4000)


def test_the_scheduler_config_holds_the_pattern() -> None:
    genai = pytest.importorskip("openvino_genai")
    scheduler = genai.SchedulerConfig()
    apply_plan(genai, scheduler, AUTO_PLAN)
    assert scheduler.use_sparse_attention
    assert scheduler.sparse_attention_config.mode == genai.SparseAttentionMode.TRISHAPE
    assert plan_of(scheduler) == AUTO_PLAN
    apply_plan(genai, scheduler, None)
    assert not scheduler.use_sparse_attention
    assert plan_of(scheduler) is None
