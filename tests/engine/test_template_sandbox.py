"""Hostile chat templates (issue 15): refused in words and in seconds, stoppable, and bounded in
memory; the model refuses to load on both backends."""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gguf_factory import CHATML_TEMPLATE, write_llama_gguf

from engine.backends.scripted import ScriptedBackend, scripted_factory
from engine.errors import UnsupportedModelError
from engine.loading import load_once
from engine.prompt import ChatTemplate
from engine.session import Engine
from engine.types import GenerationParams, GenerationResult, LoadRequest, Message

USER = [Message("user", "Hi")]
FOREVER = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
# The template of issue 15: 10^10 empty iterations, then normal ChatML.
HANGING = FOREVER + CHATML_TEMPLATE
ESCAPING = "{{ ''.__class__.__mro__[1].__subclasses__() }}" + CHATML_TEMPLATE
# Jinja's sandbox let this one go on quietly (an undefined value is false).
QUIET_ESCAPE = "{% if ''.__class__.__mro__ %}{% endif %}" + CHATML_TEMPLATE
# Renders the load check's sample conversation at once, and never ends when asked to be slow.
SLOW_WHEN_ASKED = (
    "{% if 'SLOW' in messages[-1]['content'] %}" + FOREVER + "{% endif %}" + CHATML_TEMPLATE
)
# A few seconds at most: the default time limit (2 s) plus starting up.
QUICKLY_S = 6.0


@pytest.fixture
def memory_peak() -> Iterator[Callable[[], int]]:
    """The most memory Python held at once since the test began (every thread)."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rendering_template(thread: threading.Thread) -> bool:
    """Whether `thread` is inside a template's own code (Jinja compiles it to "<template>")."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_filename == "<template>":
            return True
        frame = frame.f_back
    return False


# -- time --------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_a_template_that_never_ends_is_refused_in_words_within_seconds() -> None:
    """Issue 15: it ran until killed, one core at 100 %."""
    template = ChatTemplate(HANGING)
    start = time.monotonic()
    with pytest.raises(UnsupportedModelError, match="chat template ran for more than 2 seconds"):
        template.render(USER)
    assert time.monotonic() - start < QUICKLY_S


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["llama", "openvino"])
def test_the_model_refuses_to_load_on_either_backend(backend: str, tmp_path: Path) -> None:
    """Issue 15: `chat` loaded the model, then hung rendering the first prompt."""
    path = write_llama_gguf(tmp_path / "hostile.gguf", chat_template=HANGING)
    engine = Engine()
    start = time.monotonic()
    with pytest.raises(UnsupportedModelError, match="chat template ran for more than"):
        engine.load(LoadRequest(path, backend, n_ctx=512, cache_dir=str(tmp_path / "cache")))
    assert time.monotonic() - start < QUICKLY_S
    assert engine.loaded is None


@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", [ESCAPING, QUIET_ESCAPE], ids=["loud", "quiet"])
def test_a_template_that_reaches_outside_the_sandbox_refuses_the_model(
    source: str, tmp_path: Path
) -> None:
    path = write_llama_gguf(tmp_path / "escape.gguf", chat_template=source)
    engine = Engine(backend_factory=scripted_factory(ScriptedBackend()))
    with pytest.raises(UnsupportedModelError, match="tried to reach outside its sandbox"):
        load_once(engine, LoadRequest(path))


@pytest.mark.timeout(60)
def test_stop_from_another_thread_ends_a_render_at_once(tmp_path: Path) -> None:
    backend = ScriptedBackend(["Never said.", "Hello again."])
    engine = Engine(backend_factory=scripted_factory(backend))
    load_once(
        engine, LoadRequest(write_llama_gguf(tmp_path / "slow.gguf", chat_template=SLOW_WHEN_ASKED))
    )
    results: list[GenerationResult] = []

    def answer() -> None:
        results.append(engine.generate([Message("user", "SLOW please")], GenerationParams()))

    thread = threading.Thread(target=answer, daemon=True)  # daemon: a hang must not block exit
    thread.start()
    deadline = time.monotonic() + 5
    while not rendering_template(thread) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert rendering_template(thread)
    stopped_at = time.monotonic()
    engine.stop()
    thread.join(timeout=5)
    assert not thread.is_alive(), "the render went on after Engine.stop()"
    assert time.monotonic() - stopped_at < 0.5
    [result] = results
    assert result.stats.finish_reason == "stopped"
    assert result.text == "" and result.reasoning == ""
    assert backend.prompts == []  # nothing reached the backend
    # The engine is fine afterwards.
    again = engine.generate([Message("user", "Hi")], GenerationParams())
    assert again.text == "Never said." and again.stats.finish_reason == "stop"


def test_a_stop_asked_before_the_render_began_is_not_lost(tmp_path: Path) -> None:
    """The caller's own flag (set by the GUI's Stop before `generate` clears the engine's)."""
    engine = Engine(backend_factory=scripted_factory(ScriptedBackend()))
    load_once(
        engine, LoadRequest(write_llama_gguf(tmp_path / "slow.gguf", chat_template=SLOW_WHEN_ASKED))
    )
    start = time.monotonic()
    result = engine.generate(
        [Message("user", "SLOW")], GenerationParams(), should_stop=lambda: True
    )
    assert result.stats.finish_reason == "stopped" and result.text == ""
    assert time.monotonic() - start < 0.5


# -- memory ------------------------------------------------------------------------------------

# Each asks for gigabytes (most in one operation, some by doubling or sharing); all are refused
# before they get them. Sizes of a few hundred MB at most run on old code too.
MEMORY_BOMBS = {
    "repeat": "{{ 'a' * 10**10 }}",
    "repeat 100 MB": "{{ 'a' * 10**8 }}",
    "power": "{{ 10 ** (10 ** 10) }}",
    "power 1 M digits": "{{ 10 ** 1000000 }}",
    "squaring": "{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}"
    "{% endfor %}{{ ns.n > 0 }}",
    "list repeat": "{{ ([1] * 10**10)|length }}",
    "pad method": "{{ 'a'.center(10**10) }}",
    "pad filter": "{{ 'a'|center(10000000000) }}",
    "pad 100 MB": "{{ 'a'|center(100000000) }}",
    "indent": "{{ ('\\n' * 100000)|indent(100000) }}",
    "printf": "{{ '%010000000000d' % 1 }}",
    "printf filter": "{{ '%010000000000d'|format(1) }}",
    "format": "{{ '{:>10000000000}'.format(1) }}",
    "replace": "{% set s = 'a' * 500000 %}{{ s.replace('', s) }}",
    "join": "{% set s = 'a' * 100000 %}{{ s.join(['x'] * 100000) }}",
    "doubling": "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "shared lists": "{% set a = ['x' * 100000] * 10 %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}"
    "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{{ c|string|length }}",
    "text in loops": "{% for i in range(100000) %}{% for j in range(100000) %}"
    + "A" * 1000
    + "{% endfor %}{% endfor %}",
    "captured block": "{% set x %}{% for i in range(100000) %}{% for j in range(100000) %}"
    + "A" * 1000
    + "{% endfor %}{% endfor %}{% endset %}{{ x|length }}",
    "tojson indent": "{{ [[1, [2]], [3]]|tojson(indent=10000000000) }}",
    "sum of lists": "{{ ([[1] * 1000000] * 10000)|sum(start=[])|length }}",
    "batch fill": "{{ [1]|batch(10000000000, 'x')|list|length }}",
    "lipsum": "{{ lipsum(n=1000000000) }}",
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("source", MEMORY_BOMBS.values(), ids=MEMORY_BOMBS.keys())
def test_memory_bombs_are_refused_without_taking_the_memory(
    source: str, memory_peak: Callable[[], int]
) -> None:
    start = time.monotonic()
    with pytest.raises(UnsupportedModelError, match="chat template"):
        ChatTemplate(source + CHATML_TEMPLATE).render(USER)
    assert memory_peak() < 64 * 1024**2
    assert time.monotonic() - start < QUICKLY_S


# -- what real templates need still works --------------------------------------------------------

# Qwen3's chat template as published with its models (MiniCPM4.1's has the same shape): tools,
# thinking, reasoning split from earlier answers.
QWEN3_TEMPLATE = (Path(__file__).parent / "data" / "qwen3_chat_template.jinja").read_text(
    encoding="utf-8"
)


def test_a_real_template_renders_a_long_conversation_as_before() -> None:
    messages = [Message("system", "You are helpful.")]
    for i in range(49):
        role = "user" if i % 2 == 0 else "assistant"
        content = ("<think>hmm</think>" if role == "assistant" else "") + f"Message {i} " * 200
        messages.append(Message(role, content))  # type: ignore[arg-type]
    start = time.monotonic()
    text = ChatTemplate(QWEN3_TEMPLATE).render(messages, enable_thinking=False).text
    assert time.monotonic() - start < 1.0
    assert text.startswith("<|im_start|>system\nYou are helpful.<|im_end|>\n")
    assert text.count("<|im_start|>") == 51
    assert text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_a_conversation_longer_than_the_fixed_allowance_still_renders() -> None:
    """The limits grow with the conversation: 3 MB of messages render (real prompts can)."""
    messages = [Message("user", "x" * 1_500_000), Message("assistant", "y" * 1_500_000)]
    text = ChatTemplate(QWEN3_TEMPLATE).render([*messages, Message("user", "And?")]).text
    assert len(text) > 3_000_000


def test_string_methods_and_filters_real_templates_use_still_work() -> None:
    source = (
        "{{ 'Hi'.center(6) }}|{{ ', '.join(['a', 'b']) }}|{{ 'a-b'.replace('-', '+') }}|"
        "{{ '{}={}'.format('k', 1) }}|{{ '%s/%d' % ('x', 2) }}|{{ [1, 2]|tojson }}|"
        "{{ 'x'|indent(2, true) }}|{{ ('ab' ~ 'cd')|upper }}|{{ 2 ** 10 }}|{{ [1] * 3 }}|"
        "{{ messages|map(attribute='role')|join(',') }}|{{ range(3)|sum }}|"
        "{{ {'a': 1}|dictsort }}|{{ namespace(a=1).a }}"
    )
    text = ChatTemplate(source).render(USER).text
    assert text == ("  Hi  |a, b|a+b|k=1|x/2|[1, 2]|  x|ABCD|1024|[1, 1, 1]|user|3|[('a', 1)]|1")


def test_raise_exception_keeps_the_templates_words() -> None:
    with pytest.raises(UnsupportedModelError, match="Conversation roles must alternate"):
        ChatTemplate("{{ raise_exception('Conversation roles must alternate') }}").render(USER)
