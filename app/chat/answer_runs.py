"""`AnswerRuns`: the answers being generated, each saved into its own message as it streams.

An answer starts as an incomplete message, its streamed text is saved at least once a second,
and it is marked complete with its stats at the end (or left incomplete with the reason when
it fails). Every answer is routed by its request id to its own conversation and message, so
switching chats mid-answer never puts text in the wrong one. Which chat is on screen is the
`ChatController`'s business, not this one's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.attachments import with_attachments
from app.core.chat_records import StoredMessage
from app.core.conversations import ConversationStore
from app.core.settings import Settings
from app.core.storage_errors import StorageError
from app.engine_bridge.client import EngineClient
from app.words.load import engine_error_text
from app.words.storage import storage_error_text
from engine.errors import Problem
from engine.types import GenerationParams, GenerationResult, Message, ReasoningPrefill

# (model name, thinking) -> the model's recommended (temperature, top_p), if it has one.
SamplingLookup = Callable[[str, bool], tuple[float, float] | None]
SAVE_INTERVAL_S = 1.0


@dataclass
class _Run:
    """One answer being generated (mutable bookkeeping; never sent in a signal)."""

    conversation_id: int
    message_id: int
    started: float
    reasoning: str = ""
    answer: str = ""
    answer_started: float | None = None
    # When the last reasoning arrived: where the thinking ends when no answer follows.
    reasoning_at: float | None = None
    saved_at: float = field(default_factory=time.monotonic)

    def thinking_s(self) -> float | None:
        """The one measure of thinking time: from the request to the answer's first text (or
        to the last thought, for an answer that never came). Shown while streaming and stored,
        so the label does not change when the answer ends."""
        end = self.answer_started or self.reasoning_at
        if not self.reasoning or end is None:
            return None
        return end - self.started


def prompt_messages(system_prompt: str, path: list[StoredMessage]) -> list[Message]:
    """The conversation as the model reads it: the system prompt, then the branch up to the
    question."""
    messages = [Message("system", system_prompt)] if system_prompt else []
    for message in path:
        if message.role == "assistant" and not message.content:
            continue  # an answer that never got any text says nothing to the model
        if message.role == "user":
            messages.append(Message("user", with_attachments(message.content, message.attachments)))
        elif message.role == "assistant":
            messages.append(Message("assistant", message.content))
    return messages


@dataclass(frozen=True)
class AnswerChoices:
    """What one answer asks for besides its chat's settings: a regenerate that changes the
    thinking choice, or Continue on an answer that stopped while thinking."""

    thinking: bool | None = None  # instead of the chat's thinking choice
    max_new_tokens: int | None = None  # instead of the settings' token limit
    prefill: ReasoningPrefill | None = None  # reasoning already written, to go on from
    thought_s: float = 0.0  # the thinking time that reasoning took

    def applied(self, params: GenerationParams) -> GenerationParams:
        if self.max_new_tokens is not None:
            params = replace(params, max_new_tokens=max(self.max_new_tokens, 1))
        if self.prefill is not None:
            params = replace(params, prefill=self.prefill)
        return params


NO_CHOICES = AnswerChoices()


@dataclass(frozen=True)
class Prompt:
    """What the model reads for one answer, and which stored message each part came from."""

    messages: tuple[Message, ...]
    params: GenerationParams
    # Per message: the stored message it comes from; None for the system prompt and for a
    # question not stored yet.
    sources: tuple[int | None, ...]


class AnswerRuns(QObject):
    """Asks the engine for answers and saves them while they stream.

    Signals:
        answer_streamed(int conversation_id, int message_id, str reasoning, str answer,
                        thinking_s: float | None)    # the text so far; thinking_s as stored
        answer_finished(int conversation_id, int message_id, GenerationStats)  # saved complete
        answer_failed(int conversation_id, str message)   # saved incomplete, with the reason
        error_occurred(str message)                       # an answer could not be saved
    """

    answer_streamed = Signal(int, int, str, str, object)
    answer_finished = Signal(int, int, object)
    answer_failed = Signal(int, str)
    error_occurred = Signal(str)

    def __init__(
        self,
        store: ConversationStore,
        client: EngineClient,
        parent: QObject | None = None,
        *,
        recommended_sampling: SamplingLookup | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client = client
        self._recommended_sampling = recommended_sampling
        self._runs: dict[int, _Run] = {}
        client.text_generated.connect(self._on_client_text_generated)
        client.generation_finished.connect(self._on_client_generation_finished)
        client.generation_failed.connect(self._on_client_generation_failed)

    # -- what the controller reads ---------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return bool(self._runs)

    def is_running_in(self, conversation_id: int) -> bool:
        return any(r.conversation_id == conversation_id for r in self._runs.values())

    def streamed_text(self, message_id: int) -> tuple[str, str] | None:
        """(reasoning, answer) streamed so far into `message_id`; None when it is not
        streaming."""
        for run in self._runs.values():
            if run.message_id == message_id:
                return run.reasoning, run.answer
        return None

    # -- requests --------------------------------------------------------------------------

    def prompt(
        self,
        system_prompt: str,
        thinking: bool | None,
        path: list[StoredMessage],
        settings: Settings,
        *,
        left_out: frozenset[int] = frozenset(),
        question: StoredMessage | None = None,
    ) -> Prompt:
        """The prompt for an answer after `path` (without the messages in `left_out`), and
        `question`, a user message not stored yet (its id is not used). The one place a prompt
        is put together: what is measured before sending is what the model then reads."""
        messages = [Message("system", system_prompt)] if system_prompt else []
        sources: list[int | None] = [None] * len(messages)
        for message in path:
            if message.id in left_out:
                continue
            for part in prompt_messages("", [message]):
                messages.append(part)
                sources.append(message.id)
        if question is not None:
            for part in prompt_messages("", [question]):
                messages.append(part)
                sources.append(None)
        on = settings.thinking if thinking is None else thinking
        params = settings.generation_params(thinking=on, recommended=self._model_sampling(on))
        return Prompt(tuple(messages), params, tuple(sources))

    def stop_all(self) -> None:
        """Stop every answer; each keeps its text so far."""
        for request_id in list(self._runs):
            self._client.stop(request_id)

    def ask(
        self,
        conversation_id: int,
        question_id: int,
        settings: Settings,
        *,
        left_out: frozenset[int] = frozenset(),
        choices: AnswerChoices = NO_CHOICES,
    ) -> bool:
        """Ask for a new answer to user message `question_id`, which is on the active branch,
        leaving the messages in `left_out` out of the prompt (the person chose to), with
        `choices` for this answer only. False when none was asked for (the question is gone,
        or the answer could not be saved)."""
        # One answer at a time: the engine runs one generation, and an answer the user no
        # longer waits for would delay this one. Stopped answers are kept as they are.
        self.stop_all()
        path = self._store.active_path(conversation_id)
        ids = [m.id for m in path]
        if question_id not in ids:
            return False
        path = path[: ids.index(question_id) + 1]
        conversation = self._store.get_conversation(conversation_id)
        prompt = self.prompt(
            conversation.system_prompt or settings.system_prompt,
            conversation.thinking if choices.thinking is None else choices.thinking,
            path,
            settings,
            left_out=left_out,
        )
        prompt = replace(prompt, params=choices.applied(prompt.params))
        try:
            answer = self._store.add_message(
                conversation_id,
                "assistant",
                "",
                parent_id=path[-1].id,
                complete=False,
                model=self._client.model_name,
                thinking=self._thinking_choice(prompt.params),
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return False
        request_id = self._client.generate(prompt.messages, prompt.params)
        # Thinking time already spent on reasoning it goes on from counts as this answer's.
        started = time.monotonic() - choices.thought_s
        self._runs[request_id] = _Run(conversation_id, answer.id, started)
        return True

    def stop_in(self, conversation_id: int) -> None:
        """Stop the answers of one conversation; the text so far is kept."""
        for request_id, run in self._runs.items():
            if run.conversation_id == conversation_id:
                self._client.stop(request_id)

    def shutdown(self) -> None:
        """Save every answer still streaming as it stands, marked stopped (the app closes)."""
        for request_id, run in list(self._runs.items()):
            self._client.cancel(request_id)
            stats = {"finish_reason": "stopped"}
            self._save(run, complete=True, stats=stats)
        self._runs.clear()

    # -- engine signals --------------------------------------------------------------------

    @Slot(int, str, str)
    def _on_client_text_generated(self, request_id: int, channel: str, text: str) -> None:
        run = self._runs.get(request_id)
        if run is None:
            return
        now = time.monotonic()
        if channel == "reasoning":
            run.reasoning += text
            run.reasoning_at = now
        else:
            if run.answer_started is None:
                run.answer_started = now
            run.answer += text
        if now - run.saved_at >= SAVE_INTERVAL_S:
            self._save(run)
        # The one measure of thinking time, the same one `_save` stores: the transcript
        # shows it while streaming, so the label does not change when the answer ends.
        self.answer_streamed.emit(
            run.conversation_id, run.message_id, run.reasoning, run.answer, run.thinking_s()
        )

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        run = self._runs.pop(request_id, None)
        if run is None:
            return
        # The engine's final text is authoritative (trimmed, stop strings removed); a request
        # stopped before it started has none, so keep what was streamed.
        run.answer = result.text or run.answer
        run.reasoning = result.reasoning or run.reasoning
        unfinished = result.reasoning_unfinished and not run.answer
        self._save(run, complete=True, stats=result.stats.to_dict(), unfinished=unfinished)
        self.answer_finished.emit(run.conversation_id, run.message_id, result.stats)

    @Slot(int, object)
    def _on_client_generation_failed(self, request_id: int, problem: Problem) -> None:
        run = self._runs.pop(request_id, None)
        if run is None:
            return
        message = engine_error_text(problem)  # in the person's language, kept with the answer
        # Left incomplete on purpose: the transcript offers Regenerate for it, and says why it
        # failed (an answer that never started would otherwise read as interrupted).
        self._save(run, stats={"finish_reason": "error", "error": message})
        self.answer_failed.emit(run.conversation_id, message)

    # -- helpers ---------------------------------------------------------------------------

    def _model_sampling(self, thinking: bool) -> tuple[float, float] | None:
        name = self._client.model_name
        if self._recommended_sampling is None or not name:
            return None
        return self._recommended_sampling(name, thinking)

    def _thinking_choice(self, params: GenerationParams) -> bool | None:
        """The thinking choice an answer is generated with, as stored with it: None for a
        model that cannot think (the switch means nothing to it)."""
        loaded = self._client.loaded_model
        if loaded is not None and not loaded.supports_thinking:
            return None
        return params.enable_thinking

    def _save(
        self,
        run: _Run,
        *,
        complete: bool | None = None,
        stats: dict[str, Any] | None = None,
        unfinished: bool | None = None,
    ) -> None:
        run.saved_at = time.monotonic()
        try:
            self._store.update_message(
                run.message_id,
                content=run.answer,
                reasoning=run.reasoning,
                complete=complete,
                stats=stats,
                thinking_s=run.thinking_s(),
                reasoning_unfinished=unfinished,
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
        except KeyError:
            pass  # its chat was purged meanwhile; nothing left to save into
