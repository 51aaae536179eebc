"""Fuzzing the chat template sandbox (issue 15): whatever the messages and whatever the template
source, a render gives a string or `ChatTemplateError`, never another exception, never a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ChatTemplateError
from engine.prompt import CHATML_TEMPLATE, ChatTemplate
from engine.template_limits import RenderLimits
from engine.types import Message

QWEN3_TEMPLATE = (Path(__file__).parent / "data" / "qwen3_chat_template.jinja").read_text(
    encoding="utf-8"
)
HYBRID_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n"
    "{% endif %}{% endif %}"
)
# Gemma-style: refuses a system message and roles out of turn, in its own words.
STRICT_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant') }}"
    "{% endif %}<start_of_turn>{{ message['role'] }}\n{{ message['content'] | trim }}"
    "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
# Short limits keep a hanging example to a fraction of a second; the bound checked is this
# plus room for a busy machine.
LIMITS = RenderLimits(time_s=0.2, time_s_per_char=0.0)
SLACK_S = 3.0

roles = st.one_of(st.sampled_from(["system", "user", "assistant", "tool"]), st.text(max_size=12))
messages = st.lists(
    st.builds(Message, role=roles, content=st.text(max_size=300)),  # type: ignore[arg-type]
    max_size=8,
)


def outcome(template: ChatTemplate, conversation: list[Message], **options: object) -> str:
    start = time.monotonic()
    try:
        text = template.render(conversation, **options).text  # type: ignore[arg-type]
    except ChatTemplateError as exc:
        text = f"refused: {exc}"
    assert time.monotonic() - start < LIMITS.time_s + SLACK_S
    return text


@pytest.mark.parametrize(
    "source",
    [CHATML_TEMPLATE, HYBRID_TEMPLATE, QWEN3_TEMPLATE, STRICT_TEMPLATE],
    ids=["chatml", "hybrid", "qwen3", "strict"],
)
@given(conversation=messages, thinking=st.sampled_from([None, True, False]))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_any_conversation_renders_or_is_refused(
    source: str, conversation: list[Message], thinking: bool | None
) -> None:
    start = time.monotonic()
    try:
        template = ChatTemplate(source, limits=LIMITS)
    except ChatTemplateError:
        # Compiling Qwen3's long template can pass the short limit on a busy machine: refused
        # in time, which is one of the two outcomes this test allows.
        assert time.monotonic() - start < LIMITS.time_s + SLACK_S
        return
    text = outcome(template, conversation, enable_thinking=thinking)
    if source == CHATML_TEMPLATE:
        for message in conversation:
            assert message.content in text or message.content.rstrip() in text


@given(source=st.text(max_size=400))
@settings(max_examples=300)
def test_any_template_text_compiles_and_renders_or_is_refused(source: str) -> None:
    try:
        template = ChatTemplate(source, limits=LIMITS)
    except ChatTemplateError:
        return
    outcome(template, [Message("user", "Hi")])


# Template source built from the pieces hostile templates are made of: big numbers, loops,
# growing strings, filters with widths, reaching for Python's internals, recursion.
NUMBERS = st.sampled_from(["0", "1", "-3", "7", "1.5", "100000", "10**10", "(2**70)", "10**6"])
TEXTS = st.sampled_from(
    ["'a'", "''", "'%s%d'", "'{}{:>9}'", "'\\n\\t'", "messages[0]['content']", "'x' * 1000"]
)
NAMES = st.sampled_from(
    [
        "messages", "messages|length", "[1, 'b']", "{'k': 2}", "namespace(a=1)", "range(5)",
        "none", "undefined_name", "loop", "add_generation_prompt", "bos_token", "lipsum()",
        "''.__class__", "messages.__class__", "raise_exception('no')", "cycler(1, 2)",
        "strftime_now('%Y')", "'x'.__len__",
    ]
)  # fmt: skip
OPERATORS = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "in", "and"])
FILTERS = st.sampled_from(
    [
        "center(10**9)", "center", "indent(10**6)", "indent(3, true)", "wordwrap(1)", "join",
        "join('x' * 10000)", "replace('', 'yy')", "replace('a', 'b' * 100000)", "tojson",
        "tojson(indent=10**8)", "batch(10**9, 0)", "slice(3)", "sum", "sum(start=[])", "list",
        "string", "format(1, 2)", "int", "first", "last", "length", "upper", "urlize",
        "truncate(5)", "unique", "sort", "reverse", "map('string')", "select", "dictsort",
        "items", "random", "pprint", "xmlattr", "default('d')", "round(3)", "abs", "trim",
    ]
)  # fmt: skip
METHODS = st.sampled_from(
    [
        "center(10**9)", "ljust(5)", "zfill(10**10)", "join(['a'] * 10)", "replace('', '-')",
        "split(',')", "format(1, 2, 3)", "format_map({})", "upper()", "strip()",
        "startswith('a')", "items()", "get('k')", "expandtabs(10**9)", "translate({})",
        "count('a')", "__class__()", "mro()",
    ]
)  # fmt: skip


def expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(NUMBERS, TEXTS, NAMES)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda a, op, b: f"({a} {op} {b})", inner, OPERATORS, inner),
            st.builds(lambda a, f: f"({a})|{f}", inner, FILTERS),
            st.builds(lambda a, m: f"({a}).{m}", inner, METHODS),
            st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
        ),
        max_leaves=6,
    )


def statements() -> st.SearchStrategy[str]:
    expression = expressions()
    simple = st.one_of(
        st.builds(lambda e: f"{{{{ {e} }}}}", expression),
        st.builds(lambda e: f"{{% set x = {e} %}}{{{{ x }}}}", expression),
        st.builds(lambda e: f"{{% set ns = namespace(v={e}) %}}", expression),
        st.sampled_from(
            [
                "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
                "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}",
                "{% set x %}{% for i in range(100000) %}AAAAAAAAAAAA{% endfor %}{% endset %}",
                "{% filter upper %}{{ messages }}{% endfilter %}",
                "{{ ",
                "{% endfor %}",
                "{% raw %}{{ x }}{% endraw %}",
                "plain text\n",
            ]
        ),
    )
    return st.recursive(
        simple,
        lambda inner: st.one_of(
            st.builds(lambda a, b: a + b, inner, inner),
            st.builds(lambda e, body: f"{{% if {e} %}}{body}{{% endif %}}", expression, inner),
            st.builds(
                lambda e, body: f"{{% for item in {e} %}}{body}{{% endfor %}}", expression, inner
            ),
        ),
        max_leaves=4,
    )


@given(source=statements(), conversation=messages)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_looking_templates_render_or_are_refused(
    source: str, conversation: list[Message]
) -> None:
    start = time.monotonic()
    try:
        template = ChatTemplate(source, limits=LIMITS)
    except ChatTemplateError:
        assert time.monotonic() - start < LIMITS.time_s + SLACK_S
        return
    outcome(template, conversation or [Message("user", "Hi")])
