"""Render a conversation with the model's own chat template, once, for every backend."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.model_info import ModelInfo
from engine.template_limits import RenderLimits
from engine.template_sandbox import TemplateSandbox, raise_exception
from engine.types import Message

# Used when a model ships no template at all; ChatML is what most small instruct models expect.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

THINK_COMMAND = re.compile(r"\s*/(think|no_think)\s*$")
# End-of-turn markers that some GGUFs do not declare as their EOS token.
KNOWN_END_MARKERS = (
    "<|im_end|>",
    "<|eot_id|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)


# What `check_chat_template` renders: the shape every chat template must take (no system
# message, which some templates refuse, e.g. Gemma's).
SAMPLE_CONVERSATION = (
    Message("user", "What is the capital of France?"),
    Message("assistant", "Paris."),
    Message("user", "And of Italy?"),
)


def _environment(limits: RenderLimits) -> TemplateSandbox:
    # The same options transformers uses, so templates render as their authors tested them;
    # the sandbox adds limits on time and size, and the caller's stop.
    env = TemplateSandbox(
        limits, trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


@dataclass(frozen=True)
class RenderedPrompt:
    text: str
    starts_in_reasoning: bool
    enable_thinking: bool | None


def thinking_command(text: str) -> bool | None:
    """`/think` or `/no_think` at the end of a user message, as MiniCPM4.1 and Qwen3 accept."""
    match = THINK_COMMAND.search(text)
    if match is None:
        return None
    return match.group(1) == "think"


class ChatTemplate:
    def __init__(
        self,
        source: str | None,
        *,
        bos_token: str = "",
        eos_token: str = "",
        add_bos_token: bool = False,
        limits: RenderLimits | None = None,
    ) -> None:
        """Compiles the template; `ChatTemplateError` when it is not valid or too big."""
        self.source = source or CHATML_TEMPLATE
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.add_bos_token = add_bos_token
        self._sandbox = _environment(limits or RenderLimits())
        self._template = self._sandbox.compile_template(self.source)

    @property
    def has_enable_thinking(self) -> bool:
        return "enable_thinking" in self.source

    @property
    def has_think_commands(self) -> bool:
        return "/no_think" in self.source or "/think" in self.source

    @property
    def supports_thinking(self) -> bool:
        return self.has_enable_thinking or self.has_think_commands or "<think>" in self.source

    def stop_strings(self) -> tuple[str, ...]:
        ends = [self.eos_token] if self.eos_token else []
        ends += [marker for marker in KNOWN_END_MARKERS if marker in self.source]
        return tuple(dict.fromkeys(ends))

    def render(
        self,
        messages: Sequence[Message],
        *,
        enable_thinking: bool | None = None,
        add_generation_prompt: bool = True,
        should_stop: Callable[[], bool] | None = None,
    ) -> RenderedPrompt:
        """The prompt for `messages`. Raises `RenderStopped` once `should_stop()` is true
        (polled while the template runs) and `ChatTemplateError` when the template fails,
        reaches outside its sandbox or exceeds its limits (`RenderLimits`)."""
        thinking = self._effective_thinking(messages, enable_thinking)
        payload = [{"role": m.role, "content": m.content} for m in messages]
        if thinking is not None and not self.has_enable_thinking and self.has_think_commands:
            payload = self._with_think_command(payload, thinking)
        variables: dict[str, Any] = {
            "messages": payload,
            "add_generation_prompt": add_generation_prompt,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }
        if thinking is not None:
            variables["enable_thinking"] = thinking
        input_chars = sum(len(m["role"]) + len(m["content"]) for m in payload)
        input_chars += len(self.bos_token) + len(self.eos_token)
        text = self._sandbox.render_template(self._template, variables, input_chars, should_stop)
        if self.add_bos_token and self.bos_token and not text.startswith(self.bos_token):
            text = self.bos_token + text
        return RenderedPrompt(text, _opens_think_block(text), thinking)

    def _effective_thinking(
        self, messages: Sequence[Message], requested: bool | None
    ) -> bool | None:
        users = [m for m in messages if m.role == "user"]
        typed = thinking_command(users[-1].content) if users else None
        chosen = typed if typed is not None else requested
        return chosen if self.supports_thinking else None

    @staticmethod
    def _with_think_command(payload: list[dict[str, str]], thinking: bool) -> list[dict[str, str]]:
        for message in reversed(payload):
            if message["role"] == "user":
                if thinking_command(message["content"]) is None:
                    command = "/think" if thinking else "/no_think"
                    message["content"] = f"{message['content']} {command}"
                break
        return payload


def check_chat_template(info: ModelInfo, limits: RenderLimits | None = None) -> ChatTemplate:
    """The model's chat template, rendered once on `SAMPLE_CONVERSATION` to prove it works.

    The one check every way a model comes in goes through (`Engine.load`, importing, finished
    downloads): `ChatTemplateError` when the template is not valid, fails, runs too long,
    grows too large or reaches outside its sandbox.
    """
    template = ChatTemplate(
        info.chat_template,
        bos_token=info.bos_token or "",
        eos_token=info.eos_token or "",
        add_bos_token=info.add_bos_token,
        limits=limits,
    )
    template.render(SAMPLE_CONVERSATION)
    return template


def _opens_think_block(prompt: str) -> bool:
    """Some templates open `<think>` in the prompt; the model's output then starts inside it."""
    tail = prompt.rstrip()
    return tail.endswith("<think>")
