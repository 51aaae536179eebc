"""The context policy on crafted numbers: what fits, and the three ways out when not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.core.context_fit import (
    CONTEXT_STEPS,
    REPLY_FLOOR,
    SUMMARY_MAX_NEW_TOKENS,
    ContextChoices,
    ContextUse,
    drop_oldest,
    droppable_counts,
    free_context_memory,
    plan_context,
    plan_for_model,
    reply_room,
    summary_opening,
    summary_params,
    summary_request,
    summary_system_prompt,
    summary_token_budget,
)
from engine.machine import CudaGpu, Hardware, OpenVinoDevice
from engine.model_info import ModelInfo
from engine.types import GenerationParams, LoadedModel, Message, Role

GIB = 1024**3
KV = 23_040  # the starter's KV bytes per token
SYSTEM = Message("system", "Be brief.")
# A system prompt, three whole turns, and the newest question.
CHAT = [
    SYSTEM,
    Message("user", "q1"),
    Message("assistant", "a1"),
    Message("user", "q2"),
    Message("assistant", "a2"),
    Message("user", "q3"),
    Message("assistant", "a3"),
    Message("user", "newest"),
]
ROLES: list[Role] = [m.role for m in CHAT]
# Tokens per message: system 50, turns of 300 + 700, 200 + 300, 100 + 100, newest question 250.
TOKENS = [50, 300, 700, 200, 300, 100, 100, 250]
PC = Hardware(
    total_ram_bytes=16 * GIB,
    available_ram_bytes=8 * GIB,
    cpu_model="CPU",
    cpu_flags=frozenset({"avx2"}),
    logical_cores=8,
)


def use_of(tokens: list[int], context: int, max_new: int = 1024) -> ContextUse:
    return ContextUse.of(sum(tokens), max_new, context)


def plan(
    use: ContextUse,
    tokens: list[int] = TOKENS,
    roles: list[Role] = ROLES,
    trained: int | None = 32768,
    per_token: int | None = KV,
    free: int | None = 8 * GIB,
) -> ContextChoices:
    return plan_context(use, tokens, trained, per_token, free, roles=roles)


def test_a_prompt_fits_with_room_for_a_reply() -> None:
    assert reply_room(1024) == REPLY_FLOOR
    assert reply_room(100) == 100
    use = ContextUse.of(4096 - REPLY_FLOOR, 1024, 4096)
    assert use.fits and use.needed == 4096
    assert use.share == pytest.approx((4096 - REPLY_FLOOR) / 4096)
    tight = ContextUse.of(4096 - REPLY_FLOOR + 1, 1024, 4096)
    assert not tight.fits and tight.share < 1
    over = ContextUse.of(5000, 1024, 4096)
    assert not over.fits and over.share > 1
    # A small max_new_tokens asks for less room.
    assert ContextUse.of(4000, 64, 4096).fits


def test_raise_to_is_the_smallest_step_that_holds_prompt_and_reply() -> None:
    use = ContextUse(prompt_tokens=5000, reply_tokens=256, context_length=4096)
    choices = plan(use)
    assert choices.raise_to == 8192
    assert choices.raise_extra_bytes == KV * (8192 - 4096)
    assert plan(replace(use, prompt_tokens=8000)).raise_to == 16384
    assert plan(replace(use, prompt_tokens=100_000), trained=None).raise_to == 131072
    assert plan(replace(use, prompt_tokens=200_000), trained=None).raise_to is None


def test_raise_is_capped_by_the_trained_context() -> None:
    use = ContextUse(prompt_tokens=20_000, reply_tokens=256, context_length=8192)
    assert plan(use, trained=16384).raise_to is None
    assert plan(use, trained=32768).raise_to == 32768
    # A trained context between the usual steps is offered itself.
    assert plan(use, trained=24_000).raise_to == 24_000
    # Never below or at what is loaded already.
    assert plan(use, trained=8192).raise_to is None


def test_raise_only_where_the_whole_new_cache_fits_the_free_memory() -> None:
    use = ContextUse(prompt_tokens=30_000, reply_tokens=256, context_length=8192)
    per_token = 32 * 1024  # MiniCPM4.1-8B: 1 GiB per 32K tokens
    assert plan(use, per_token=per_token, free=2 * GIB).raise_to == 32768
    assert plan(use, per_token=per_token, free=GIB).raise_to is None
    assert plan(use, per_token=per_token, free=GIB).raise_extra_bytes is None
    # Unknown memory or shape: still offered (the loader steps down when memory is short).
    assert plan(use, per_token=per_token, free=None).raise_to == 32768
    unknown_shape = plan(use, per_token=None, free=GIB)
    assert unknown_shape.raise_to == 32768 and unknown_shape.raise_extra_bytes is None


def test_drop_count_is_the_fewest_whole_turns_that_make_it_fit() -> None:
    total = sum(TOKENS)  # 2,000 + 256 for the reply
    # 1 token over: the first turn (user + assistant, 1,000 tokens) goes.
    choices = plan(use_of(TOKENS, total + REPLY_FLOOR - 1))
    assert (choices.drop_count, choices.drop_tokens) == (2, 1000)
    # Exactly the first turn is not enough by one token: the second goes too.
    choices = plan(use_of(TOKENS, total + REPLY_FLOOR - 1001))
    assert (choices.drop_count, choices.drop_tokens) == (4, 1500)
    # Every earlier turn: only system + the newest question (300) + reply stay.
    choices = plan(use_of(TOKENS, 300 + REPLY_FLOOR))
    assert (choices.drop_count, choices.drop_tokens) == (6, 1700)
    assert drop_oldest(CHAT, choices.drop_count) == [SYSTEM, CHAT[-1]]


def test_when_the_newest_question_alone_is_too_big_nothing_can_be_dropped() -> None:
    choices = plan(use_of(TOKENS, 300 + REPLY_FLOOR - 1))
    assert choices.drop_count == 0 and choices.drop_tokens == 0
    # A context this small leaves no room for a summary request's conversation either.
    assert not choices.can_summarize
    assert choices.raise_to == 4096
    roomy = plan(use_of([1000] * len(TOKENS), 4096))
    assert roomy.can_summarize
    alone = plan(use_of([50, 9000], 4096), tokens=[50, 9000], roles=["system", "user"])
    assert alone.drop_count == 0 and not alone.can_summarize
    assert alone.raise_to == 16384 and alone.any_offered
    nothing = plan(
        use_of([50, 9000], 4096), tokens=[50, 9000], roles=["system", "user"], trained=8192
    )
    assert not nothing.any_offered


def test_a_prompt_that_fits_needs_no_drop() -> None:
    assert plan(use_of(TOKENS, 4096)).drop_count == 0


def test_droppable_counts_end_on_whole_turns_and_keep_the_newest() -> None:
    assert droppable_counts(ROLES) == [2, 4, 6]
    assert droppable_counts(["user"]) == []
    assert droppable_counts(["system", "user"]) == []
    assert droppable_counts(["user", "assistant", "user"]) == [2]
    # A greeting before the first question is a turn of its own.
    assert droppable_counts(["system", "assistant", "user", "assistant", "user"]) == [1, 3]


def test_plan_refuses_counts_that_do_not_match_the_roles() -> None:
    with pytest.raises(ValueError, match="same messages"):
        plan(use_of(TOKENS, 1000), tokens=TOKENS[:-1])


def test_drop_oldest_keeps_the_system_prompt_first() -> None:
    assert drop_oldest(CHAT, 0) == CHAT
    assert drop_oldest(CHAT, 2) == [SYSTEM, *CHAT[3:]]
    no_system = CHAT[1:]
    assert drop_oldest(no_system, 2) == no_system[2:]
    # Never the newest message, whatever the count.
    assert drop_oldest(CHAT, 100) == [SYSTEM, CHAT[-1]]
    with pytest.raises(ValueError):
        drop_oldest(CHAT, -1)


def test_free_memory_comes_from_where_the_cache_lives() -> None:
    assert free_context_memory(PC, "llama", "CPU") == 8 * GIB
    assert free_context_memory(PC, "openvino", "CPU") == 8 * GIB
    gpu = CudaGpu("RTX", 8 * GIB, 5 * GIB)
    cuda = replace(PC, cuda_offload=True, cuda_gpus=(gpu,))
    assert free_context_memory(cuda, "llama", "CUDA") == 5 * GIB
    assert free_context_memory(PC, "llama", "CUDA") is None  # CUDA not probed
    integrated = replace(PC, openvino_devices=(OpenVinoDevice("GPU", "Iris Xe"),))
    assert free_context_memory(integrated, "openvino", "GPU") == 8 * GIB
    arc = OpenVinoDevice("GPU.1", "Arc A770", 16 * GIB)
    discrete = replace(PC, openvino_devices=(OpenVinoDevice("GPU.0", "Iris Xe"), arc))
    assert free_context_memory(discrete, "openvino", "GPU.1") is None
    assert free_context_memory(discrete, "openvino", "GPU.0") == 8 * GIB
    assert free_context_memory(PC, "openvino", "NPU") is None


def test_the_summary_request_carries_the_conversation_without_system_prompts() -> None:
    earlier = CHAT[:-1]
    request = summary_request(earlier, "Chinese")
    assert [m.role for m in request] == ["system", "user"]
    ask = request[1].content
    assert "Write it in Chinese." in ask
    assert "Be brief." not in ask
    assert "User: q1\n\nAssistant: a1" in ask and ask.index("q1") < ask.index("a3")
    assert "conversation's language" in summary_request(earlier)[1].content


def test_a_long_conversation_is_summarized_from_its_newest_part_that_fits() -> None:
    earlier, tokens = CHAT[:-1], TOKENS[:-1]
    ask = summary_request(earlier, message_tokens=tokens, max_tokens=550)[1].content
    # From the newest back: a3 100, q3 100, a2 300 = 500; q2 (200 more) does not fit.
    assert "a2" in ask and "q3" in ask and "a3" in ask
    assert "q2" not in ask and "q1" not in ask
    with pytest.raises(ValueError):
        summary_request(earlier, message_tokens=tokens[:-1], max_tokens=10)


def test_a_newest_message_too_long_alone_keeps_its_end() -> None:
    long = Message("user", "start " + "x" * 994)
    ask = summary_request([long], message_tokens=[1000], max_tokens=100)[1].content
    kept = ask.split("User: ")[1].split("\n</conversation>")[0]
    assert kept and set(kept) == {"x"} and len(kept) == 90


def test_the_summary_opens_the_new_chat_in_its_system_prompt() -> None:
    opening = summary_opening("  We chose Paris.\n")
    assert opening.endswith("We chose Paris.")
    assert summary_system_prompt("Be brief.", "We chose Paris.") == f"Be brief.\n\n{opening}"
    assert summary_system_prompt("", "We chose Paris.") == opening


def test_summary_budget_and_params() -> None:
    assert summary_token_budget(4096) < 4096 - SUMMARY_MAX_NEW_TOKENS
    assert summary_token_budget(100) == 0
    params = summary_params(GenerationParams(enable_thinking=True, thinking_budget=9))
    assert params.enable_thinking is False and params.thinking_budget is None
    assert params.max_new_tokens == SUMMARY_MAX_NEW_TOKENS


def test_steps_are_the_usual_context_sizes() -> None:
    assert CONTEXT_STEPS == (4096, 8192, 16384, 32768, 65536, 131072)


def test_the_model_in_use_gives_its_trained_context_and_cache_shape() -> None:
    shape = {"n_layers": 30, "n_kv_heads": 3, "head_dim": 64}
    info = ModelInfo(Path("m.gguf"), "gguf", "m", "llama", context_length=8192, extra=shape)
    model = LoadedModel(info, "llama", "CPU", 4096, supports_thinking=False)
    use = ContextUse(prompt_tokens=5000, reply_tokens=256, context_length=4096)
    choices = plan_for_model(use, TOKENS, ROLES, model, PC)
    assert choices.raise_to == 8192
    assert choices.raise_extra_bytes == KV * 4096
    over = replace(use, prompt_tokens=9000)
    assert plan_for_model(over, TOKENS, ROLES, model, PC).raise_to is None  # trained: 8K
    short = replace(PC, available_ram_bytes=KV * 8192)  # 80 % of it is too little
    assert plan_for_model(use, TOKENS, ROLES, model, short).raise_to is None
    # Without hardware, RAM is probed now.
    assert plan_for_model(use, TOKENS, ROLES, model).drop_count == 4


def test_a_raise_into_long_contexts_counts_the_cache_type_a_load_would_choose() -> None:
    shape = {"n_layers": 30, "n_kv_heads": 3, "head_dim": 64}
    info = ModelInfo(Path("m.gguf"), "gguf", "m", "llama", context_length=32768, extra=shape)
    llama = LoadedModel(info, "llama", "CPU", 8192, supports_thinking=False)
    use = ContextUse(prompt_tokens=20_000, reply_tokens=256, context_length=8192)
    q8_0 = 30 * 3 * 64 * 2 * 34 // 32  # bytes per token in q8_0: 12,240
    # "auto" keeps f16 (q8_0 reads prompts 2-3x slower on a CPU; the loader turns to it only
    # where memory is short, docs/kv-cache.md), so the raise costs f16's bytes.
    auto = plan_for_model(use, TOKENS, ROLES, llama, PC)
    assert auto.raise_to == 32768
    assert auto.raise_extra_bytes == KV * (32768 - 8192)
    q8 = plan_for_model(use, TOKENS, ROLES, llama, PC, kv_cache="q8_0")
    assert q8.raise_extra_bytes == q8_0 * (32768 - 8192)
    openvino = replace(llama, backend="openvino")
    assert plan_for_model(use, TOKENS, ROLES, openvino, PC).raise_extra_bytes == KV * 24576
