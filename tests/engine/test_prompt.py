from __future__ import annotations

import pytest

from engine.errors import UnsupportedModelError
from engine.prompt import CHATML_TEMPLATE, ChatTemplate, thinking_command
from engine.types import Message

# Written for these tests in the style of MiniCPM4.1's hybrid-thinking template: ChatML, and when
# thinking is off the generation prompt carries an empty think block.
HYBRID_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n"
    "{% endif %}{% endif %}"
)
# A template that knows only the typed commands, as some community conversions do.
COMMAND_TEMPLATE = "{# honours /think and /no_think #}" + CHATML_TEMPLATE
PLAIN_TEMPLATE = CHATML_TEMPLATE

USER = [Message("user", "Hi")]


def test_thinking_off_renders_empty_think_block() -> None:
    rendered = ChatTemplate(HYBRID_TEMPLATE).render(USER, enable_thinking=False)
    assert rendered.text.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert rendered.enable_thinking is False


def test_thinking_on_leaves_the_block_to_the_model() -> None:
    rendered = ChatTemplate(HYBRID_TEMPLATE).render(USER, enable_thinking=True)
    assert rendered.text.endswith("<|im_start|>assistant\n")
    assert "<think>" not in rendered.text


def test_typed_no_think_overrides_the_switch() -> None:
    messages = [Message("user", "Hi /no_think")]
    rendered = ChatTemplate(HYBRID_TEMPLATE).render(messages, enable_thinking=True)
    assert rendered.enable_thinking is False
    assert rendered.text.endswith("</think>\n\n")


def test_typed_think_overrides_the_switch() -> None:
    messages = [Message("user", "Hi /think")]
    rendered = ChatTemplate(HYBRID_TEMPLATE).render(messages, enable_thinking=False)
    assert rendered.enable_thinking is True


def test_template_without_enable_thinking_gets_the_command() -> None:
    template = ChatTemplate(COMMAND_TEMPLATE)
    assert not template.has_enable_thinking and template.has_think_commands
    assert "Hi /no_think<|im_end|>" in template.render(USER, enable_thinking=False).text
    assert "Hi /think<|im_end|>" in template.render(USER, enable_thinking=True).text


def test_plain_model_ignores_thinking() -> None:
    template = ChatTemplate(PLAIN_TEMPLATE)
    assert not template.supports_thinking
    rendered = template.render(USER, enable_thinking=True)
    assert rendered.enable_thinking is None
    assert "/think" not in rendered.text


def test_prompt_that_opens_think_is_detected() -> None:
    source = CHATML_TEMPLATE.replace("assistant\n", "assistant\n<think>\n")
    assert ChatTemplate(source).render(USER).starts_in_reasoning


def test_bos_added_once_when_the_model_wants_it() -> None:
    template = ChatTemplate(
        "{{ bos_token }}" + CHATML_TEMPLATE, bos_token="<s>", add_bos_token=True
    )
    assert template.render(USER).text.startswith("<s><|im_start|>")
    assert not template.render(USER).text.startswith("<s><s>")
    plain = ChatTemplate(CHATML_TEMPLATE, bos_token="<s>", add_bos_token=True)
    assert plain.render(USER).text.startswith("<s><|im_start|>")


def test_missing_template_falls_back_to_chatml() -> None:
    assert ChatTemplate(None).render(USER).text.startswith("<|im_start|>user\nHi<|im_end|>")


def test_stop_strings_come_from_eos_and_template() -> None:
    template = ChatTemplate(CHATML_TEMPLATE, eos_token="</s>")
    assert template.stop_strings() == ("</s>", "<|im_end|>")


def test_sandbox_refuses_unsafe_templates() -> None:
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(UnsupportedModelError):
        ChatTemplate(evil).render(USER)


def test_raise_exception_in_template_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedModelError, match="roles must alternate"):
        ChatTemplate("{{ raise_exception('roles must alternate') }}").render(USER)


def test_broken_template_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedModelError, match="not valid"):
        ChatTemplate("{% for %}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a /think", True), ("a /no_think", False), ("a /no_think  ", False), ("plain", None)],
)
def test_thinking_command(text: str, expected: bool | None) -> None:
    assert thinking_command(text) is expected
