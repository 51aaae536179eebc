"""When a conversation does not fit the context: what it uses, and the three ways out.

Nothing here cuts a conversation on its own. `ContextUse` says how much of the loaded context
the next prompt takes (the composer's usage line); when it does not fit, `plan_context` works
out the choices the person is offered:

- raise the context to the next usual size that holds the prompt and a reply, up to what the
  model was trained for, and only where the extra KV cache fits the free memory;
- leave out the oldest whole turns (never the system prompt, never the newest question);
- start a new chat whose system prompt carries a summary of this one (`summary_request` asks
  the loaded model for it, `summary_system_prompt` builds the new chat's system prompt).

Token counts come from the engine (`Engine.prompt_tokens`, `Engine.message_tokens`): the
conversation rendered exactly as `generate` renders it. Qt-free; the GUI words the choices with
app.words.context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from engine.accelerators import probe_hardware
from engine.kv_cache import (
    AUTO_KV,
    bytes_per_element,
    kv_bytes_per_token,
    kv_cache_bytes,
    kv_cache_type,
)
from engine.machine import Hardware
from engine.types import BackendName, GenerationParams, LoadedModel, Message, Role

# The KV cache's bytes at a context of so many tokens; None when the model's shape is unknown.
CacheBytes = Callable[[int], int | None]
# The room a reply needs at least: the engine lets an answer run until the context is full
# (it ends with finish reason "length"), so the whole `max_new_tokens` need not fit, but a
# prompt that leaves fewer than this many tokens would get a clipped, useless answer.
REPLY_FLOOR = 256
# The usual context sizes (the powers of two model cards and other apps name).
CONTEXT_STEPS = (4096, 8192, 16384, 32768, 65536, 131072)
# Share of the free memory a larger KV cache may take: the OS and the app's own growth need
# the rest, and the old cache is still allocated while the new one is made (Engine.load
# loads the new backend before it closes the old one).
FREE_MEMORY_SHARE = 0.8
# The summary: how long it may be, and the room its instructions take in the request.
SUMMARY_MAX_NEW_TOKENS = 512
SUMMARY_INSTRUCTION_TOKENS = 160
SUMMARY_SYSTEM_PROMPT = "You write short, faithful summaries of conversations."
_SPEAKERS = {"user": "User", "assistant": "Assistant", "system": "System"}


@dataclass(frozen=True)
class ContextUse:
    """How much of the loaded context the next prompt takes.

    `prompt_tokens`: the rendered conversation (`Engine.prompt_tokens`); `reply_tokens`: the
    room kept for the answer (`reply_room(max_new_tokens)`); `context_length`: the context
    the model was loaded with (`LoadedModel.context_length`)."""

    prompt_tokens: int
    reply_tokens: int
    context_length: int

    @classmethod
    def of(cls, prompt_tokens: int, max_new_tokens: int, context_length: int) -> ContextUse:
        return cls(prompt_tokens, reply_room(max_new_tokens), context_length)

    @property
    def needed(self) -> int:
        """Tokens the prompt and the reply's room take together."""
        return self.prompt_tokens + self.reply_tokens

    @property
    def fits(self) -> bool:
        return self.needed <= self.context_length

    @property
    def share(self) -> float:
        """The prompt's share of the context: 0.25 for a quarter; over 1 when it overflows."""
        return self.prompt_tokens / self.context_length if self.context_length > 0 else 1.0


@dataclass(frozen=True)
class ContextChoices:
    """The ways out of a prompt that does not fit (`plan_context`).

    `raise_to`: a context size that holds prompt and reply, or None (beyond what the model was
    trained for, or the memory is short); `raise_extra_bytes`: the memory that raise costs
    (the extra KV cache), None when the model does not say its shape; `drop_count`: how many
    of the oldest messages (right after the system prompt) to leave out so the rest fits, 0
    when leaving out every earlier turn is not enough; `can_summarize`: there are earlier
    turns a summary could carry into a new chat."""

    raise_to: int | None
    raise_extra_bytes: int | None
    drop_count: int
    can_summarize: bool
    # The tokens the `drop_count` messages take (what leaving them out saves).
    drop_tokens: int = 0

    @property
    def any_offered(self) -> bool:
        return self.raise_to is not None or self.drop_count > 0 or self.can_summarize


def reply_room(max_new_tokens: int) -> int:
    """The room kept for a reply: all of `max_new_tokens` when it is small, else REPLY_FLOOR."""
    return max(1, min(max_new_tokens, REPLY_FLOOR))


def plan_context(
    use: ContextUse,
    message_tokens: Sequence[int],
    trained_context: int | None,
    bytes_per_token: int | None,
    free_memory_bytes: int | None,
    *,
    roles: Sequence[Role],
    cache_bytes: CacheBytes | None = None,
) -> ContextChoices:
    """The choices for `use` (meant for a prompt that does not fit; for one that fits it
    offers the same, but the GUI need not ask).

    `message_tokens` and `roles` are per message of the prompt, in order
    (`Engine.message_tokens`, `[m.role for m in messages]`); `trained_context`: the model's
    own context length (`ModelInfo.context_length`), None when unknown (no cap);
    `bytes_per_token`: engine.kv_cache.kv_bytes_per_token; `free_memory_bytes`:
    `free_context_memory(...)`, None when unknown; `cache_bytes`: the KV cache's size at a
    context, where its element type changes with the context (llama.cpp's "auto" turns q8_0
    for long ones; `plan_for_model` passes it), else `bytes_per_token` per token. Unknown
    memory figures do not hide the raise (the loader falls back to a smaller context when
    memory is short) but leave `raise_extra_bytes` None."""
    if len(message_tokens) != len(roles):
        raise ValueError("message_tokens and roles must count the same messages")
    if cache_bytes is None:
        cache_bytes = _per_token(bytes_per_token)
    raise_to = raise_target(use, trained_context)
    extra = None
    new_cache = cache_bytes(raise_to) if raise_to is not None else None
    old_cache = cache_bytes(use.context_length)
    if new_cache is not None and old_cache is not None:
        extra = max(new_cache - old_cache, 0)
        if free_memory_bytes is not None and not memory_allows(new_cache, free_memory_bytes):
            raise_to, extra = None, None
    dropped = drop_count(use, message_tokens, roles)
    start = _first_after_system(roles)
    return ContextChoices(
        raise_to=raise_to,
        raise_extra_bytes=extra,
        drop_count=dropped,
        # A context too small to carry any conversation past the summary's own instructions
        # cannot summarize it.
        can_summarize=bool(droppable_counts(roles))
        and summary_token_budget(use.context_length) > 0,
        drop_tokens=sum(message_tokens[start : start + dropped]),
    )


def plan_for_model(
    use: ContextUse,
    message_tokens: Sequence[int],
    roles: Sequence[Role],
    model: LoadedModel,
    hardware: Hardware | None = None,
    kv_cache: str = AUTO_KV,
) -> ContextChoices:
    """`plan_context` for the model in use: its trained context and KV cache shape from its
    `ModelInfo`, the cache's element type as a load at each context would choose it from the
    person's `kv_cache` setting (`Settings.kv_cache`), the free memory from `hardware` (None:
    RAM probed now, which is cheap; pass a `probe_accelerators()` result for a model on
    CUDA)."""
    hardware = hardware or probe_hardware()
    info = model.info

    def cache_bytes(n_ctx: int) -> int | None:
        element = bytes_per_element(kv_cache_type(kv_cache, n_ctx, model.backend))
        return kv_cache_bytes(info, n_ctx, element)

    return plan_context(
        use,
        message_tokens,
        info.context_length,
        kv_bytes_per_token(info),
        free_context_memory(hardware, model.backend, model.device),
        roles=roles,
        cache_bytes=cache_bytes,
    )


def _per_token(bytes_per_token: int | None) -> CacheBytes:
    def cache_bytes(n_ctx: int) -> int | None:
        return None if bytes_per_token is None else bytes_per_token * n_ctx

    return cache_bytes


def raise_target(use: ContextUse, trained_context: int | None) -> int | None:
    """The smallest usual context size above the current one that holds prompt and reply,
    or the trained context itself where that lies between the steps; None when even that is
    too small."""
    candidates = set(CONTEXT_STEPS)
    if trained_context is not None:
        candidates = {step for step in candidates if step <= trained_context}
        candidates.add(trained_context)
    fitting = [c for c in candidates if c > use.context_length and c >= use.needed]
    return min(fitting, default=None)


def memory_allows(cache_bytes: int, free_memory_bytes: int) -> bool:
    """Whether a KV cache of `cache_bytes` fits the free memory. The whole new cache is
    counted, not just the growth: the old one is freed only after the new one is made."""
    return cache_bytes <= free_memory_bytes * FREE_MEMORY_SHARE


def drop_count(use: ContextUse, message_tokens: Sequence[int], roles: Sequence[Role]) -> int:
    """The fewest oldest messages, as whole turns, whose leaving out makes the prompt fit; 0
    when it fits already or when leaving out every earlier turn is not enough."""
    if use.fits:
        return 0
    start = _first_after_system(roles)
    for count in droppable_counts(roles):
        saved = sum(message_tokens[start : start + count])
        if use.needed - saved <= use.context_length:
            return count
    return 0


def droppable_counts(roles: Sequence[Role]) -> list[int]:
    """How many leading messages (after a system prompt) may be left out, as whole turns:
    each count ends just before a user message, and the newest message always stays.
    Ascending; empty when there is nothing before the newest question."""
    start = _first_after_system(roles)
    last = len(roles) - 1
    return [i - start for i in range(start + 1, last + 1) if roles[i] == "user"]


def _first_after_system(roles: Sequence[Role]) -> int:
    start = 0
    while start < len(roles) - 1 and roles[start] == "system":
        start += 1
    return start


def drop_oldest(messages: Sequence[Message], count: int) -> list[Message]:
    """`messages` without the `count` oldest after the system prompt (which stays first).
    Use a `ContextChoices.drop_count`: it ends on a whole turn."""
    if count < 0:
        raise ValueError("count must not be negative")
    start = _first_after_system([m.role for m in messages])
    count = min(count, max(len(messages) - 1 - start, 0))
    return [*messages[:start], *messages[start + count :]]


def free_context_memory(hardware: Hardware, backend: str, device: str) -> int | None:
    """The free memory a larger KV cache would come out of, for a model loaded on `backend`
    and `device` (as `LoadedModel` says them): the GPU's free memory where llama.cpp offloads
    to CUDA, RAM otherwise (the CPU, or OpenVINO's integrated GPU, which shares it); None
    where no probe says (a discrete OpenVINO GPU, the NPU, CUDA not probed).

    Pass a fresh `engine.accelerators.probe_hardware()` (cheap, RAM only), or
    `probe_accelerators()` (slow the first time) for a model on CUDA."""
    kind = device.split(".")[0].upper()
    if kind == "CUDA":
        gpu = hardware.cuda_gpu
        return gpu.free_bytes if gpu is not None else None
    if kind == "NPU":
        return None
    if backend == BackendName.OPENVINO and kind == "GPU":
        found = next((d for d in hardware.openvino_devices or () if d.id == device), None)
        if found is None or found.memory_bytes is not None:
            return None  # a discrete GPU: its own memory, of which no probe says what is free
    return hardware.available_ram_bytes


def summary_token_budget(context_length: int) -> int:
    """How many tokens of conversation one summary request may carry in this context: what
    is left after the instructions and the summary's own room."""
    return max(context_length - SUMMARY_INSTRUCTION_TOKENS - SUMMARY_MAX_NEW_TOKENS, 0)


def summary_request(
    messages: Sequence[Message],
    language_hint: str = "",
    *,
    message_tokens: Sequence[int] | None = None,
    max_tokens: int | None = None,
) -> list[Message]:
    """The messages that ask the loaded model for a short summary of `messages` (the
    conversation before the question that did not fit; system messages are left out).

    With `message_tokens` (per message, as `Engine.message_tokens` counts them) and
    `max_tokens` (`summary_token_budget(context_length)`), only the newest messages that fit
    are summarized; a newest message too long by itself keeps its end. `language_hint`
    ("Chinese", "English") names the language the summary is written in; empty: the
    conversation's own. Generate it with `summary_params(params)`."""
    turns = [m for m in messages if m.role != "system"]
    counts = None
    if message_tokens is not None:
        if len(message_tokens) != len(messages):
            raise ValueError("message_tokens must count the same messages")
        counts = [n for m, n in zip(messages, message_tokens, strict=True) if m.role != "system"]
    if counts is not None and max_tokens is not None:
        turns = newest_that_fit(turns, counts, max_tokens)
    transcript = "\n\n".join(f"{_SPEAKERS[m.role]}: {m.content}" for m in turns)
    language = (
        f"Write it in {language_hint}."
        if language_hint
        else "Write it in the conversation's language."
    )
    instruction = (
        "Summarize the conversation below in a few short paragraphs, so that it can go on "
        "in a new chat. Keep names, numbers, decisions, code identifiers and open questions; "
        f"leave out greetings. {language} Reply with the summary only.\n\n"
        f"<conversation>\n{transcript}\n</conversation>"
    )
    return [Message("system", SUMMARY_SYSTEM_PROMPT), Message("user", instruction)]


def newest_that_fit(
    messages: Sequence[Message], message_tokens: Sequence[int], max_tokens: int
) -> list[Message]:
    """The newest of `messages` whose tokens add up to at most `max_tokens`; where even the
    newest alone is longer, the end of its text, cut in proportion (about as many tokens)."""
    kept: list[Message] = []
    used = 0
    for message, tokens in zip(reversed(messages), reversed(message_tokens), strict=True):
        if used + tokens > max_tokens:
            break
        kept.append(message)
        used += tokens
    if kept or not messages:
        return kept[::-1]
    newest, tokens = messages[-1], max(message_tokens[-1], 1)
    # Nine tenths: tokens are not spread evenly over the characters.
    keep_chars = len(newest.content) * max(max_tokens, 0) * 9 // (tokens * 10)
    tail = newest.content[len(newest.content) - keep_chars :] if keep_chars else ""
    return [replace(newest, content=tail)]


def summary_params(params: GenerationParams) -> GenerationParams:
    """The person's sampling settings, without thinking, for at most SUMMARY_MAX_NEW_TOKENS."""
    return replace(
        params,
        max_new_tokens=SUMMARY_MAX_NEW_TOKENS,
        enable_thinking=False,
        thinking_budget=None,
    )


def summary_opening(summary: str) -> str:
    """The text a new chat starts from: the summary, introduced, as a block of its system
    prompt (`summary_system_prompt`). A system prompt, not a first message: templates that
    insist on user / assistant turns alternating accept it, and the question that did not fit
    follows as the new chat's first message."""
    return f"A summary of an earlier conversation with this user:\n\n{summary.strip()}"


def summary_system_prompt(system_prompt: str, summary: str) -> str:
    """The new chat's system prompt: the old one, then `summary_opening(summary)`."""
    opening = summary_opening(summary)
    return f"{system_prompt.rstrip()}\n\n{opening}" if system_prompt.strip() else opening
