"""`ChatController`: one conversation on screen, any number of answers being saved.

It is the chat feature's logic, kept out of the widgets so tests can drive it directly: it
commits the user's message before asking for an answer, creates the answer as an incomplete
message, saves the streamed text at least once a second, and marks it complete with its stats
at the end. Every answer is routed by its request id to its own conversation and message, so
switching chats mid-answer never puts text in the wrong one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.conversations import Conversation, ConversationStore, StorageError, StoredMessage
from app.core.settings import Settings
from app.engine_bridge.client import EngineClient
from app.words.storage import disk_warning_text, storage_error_text
from engine.session import LoadedModel
from engine.types import GenerationResult, Message

# (model name, thinking) -> the model's recommended (temperature, top_p), if it has one.
SamplingLookup = Callable[[str, bool], tuple[float, float] | None]
# The chat shown before its first message is sent; it is saved only then.
NO_CONVERSATION = 0
SAVE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class MessageView:
    """What the transcript shows for one message of the active branch."""

    message: StoredMessage
    version: int  # 1-based position among its siblings
    versions: int
    previous_id: int | None  # the sibling before / after it, for the "‹ 2/3 ›" switcher
    next_id: int | None
    streaming: bool

    @property
    def interrupted(self) -> bool:
        """Left incomplete by a crash or a failed answer: offer to regenerate it."""
        return not self.message.complete and not self.streaming

    @property
    def failure(self) -> str:
        """Why an incomplete answer failed, in the engine's words; "" when it was cut off by
        a crash (nothing was recorded then)."""
        if not self.interrupted or not self.message.stats:
            return ""
        error = self.message.stats.get("error")
        return error if isinstance(error, str) else ""


@dataclass
class _Run:
    """One answer being generated (mutable bookkeeping; never sent in a signal)."""

    conversation_id: int
    message_id: int
    started: float
    reasoning: str = ""
    answer: str = ""
    answer_started: float | None = None
    saved_at: float = field(default_factory=time.monotonic)

    def thinking_s(self, now: float) -> float | None:
        if not self.reasoning:
            return None
        return (self.answer_started or now) - self.started


class ChatController(QObject):
    """The chat feature's logic; widgets call its methods and listen to its signals.

    Signals:
        conversation_opened(int conversation_id)     # NO_CONVERSATION for a new, unsaved chat
        conversation_created(int conversation_id)    # saved on its first message
        conversation_updated(int conversation_id)    # title or order in the list changed
        transcript_changed()                         # rebuild from transcript()
        answer_streamed(int message_id, str reasoning, str answer, thinking_s: float | None)
                                                     # shown chat only; thinking_s as stored
        answer_finished(int message_id, GenerationStats)
        busy_changed(bool)                           # the shown chat is waiting for an answer
        thinking_changed(bool checked, bool available)
        error_occurred(str message)
    """

    conversation_opened = Signal(int)
    conversation_created = Signal(int)
    conversation_updated = Signal(int)
    transcript_changed = Signal()
    answer_streamed = Signal(int, str, str, object)
    answer_finished = Signal(int, object)
    busy_changed = Signal(bool)
    thinking_changed = Signal(bool, bool)
    error_occurred = Signal(str)

    def __init__(
        self,
        store: ConversationStore,
        client: EngineClient,
        settings: Settings,
        parent: QObject | None = None,
        *,
        recommended_sampling: SamplingLookup | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client = client
        self._settings = settings
        self._recommended_sampling = recommended_sampling
        self._conversation_id = NO_CONVERSATION
        self._draft_thinking: bool | None = None
        self._draft_system_prompt = ""
        self._runs: dict[int, _Run] = {}
        client.model_loaded.connect(self._on_client_model_loaded)
        client.text_generated.connect(self._on_client_text_generated)
        client.generation_finished.connect(self._on_client_generation_finished)
        client.generation_failed.connect(self._on_client_generation_failed)

    # -- what the view reads ---------------------------------------------------------------

    @property
    def conversation_id(self) -> int:
        return self._conversation_id

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def is_busy(self) -> bool:
        """Whether the shown conversation is waiting for an answer."""
        return any(r.conversation_id == self._conversation_id for r in self._runs.values())

    @property
    def is_generating(self) -> bool:
        return bool(self._runs)

    def conversation(self) -> Conversation | None:
        if self._conversation_id == NO_CONVERSATION:
            return None
        return self._store.get_conversation(self._conversation_id)

    def system_prompt(self) -> str:
        """The chat's own system prompt ("" means the default from the settings)."""
        conversation = self.conversation()
        return conversation.system_prompt if conversation else self._draft_system_prompt

    def thinking_state(self) -> tuple[bool, bool]:
        """(checked, available): available is False when the loaded model cannot think."""
        conversation = self.conversation()
        choice = conversation.thinking if conversation else self._draft_thinking
        checked = self._settings.thinking if choice is None else choice
        loaded = self._client.loaded_model
        return checked, loaded is None or loaded.supports_thinking

    def transcript(self) -> list[MessageView]:
        if self._conversation_id == NO_CONVERSATION:
            return []
        live = {r.message_id: r for r in self._runs.values()}
        views = []
        for message in self._store.active_path(self._conversation_id):
            siblings = [s.id for s in self._store.siblings(message.id)]
            index = siblings.index(message.id)
            run = live.get(message.id)
            if run is not None:
                message = replace(message, content=run.answer, reasoning=run.reasoning)
            views.append(
                MessageView(
                    message=message,
                    version=index + 1,
                    versions=len(siblings),
                    previous_id=siblings[index - 1] if index > 0 else None,
                    next_id=siblings[index + 1] if index + 1 < len(siblings) else None,
                    streaming=run is not None,
                )
            )
        return views

    # -- requests --------------------------------------------------------------------------

    @Slot(int)
    def open_conversation(self, conversation_id: int) -> None:
        if conversation_id == self._conversation_id:
            return
        self._conversation_id = conversation_id
        self._after_switch()

    @Slot()
    def new_conversation(self) -> None:
        """Show an empty chat; it is saved when its first message is sent."""
        self._draft_thinking = None
        self._draft_system_prompt = ""
        if self._conversation_id != NO_CONVERSATION:
            self._conversation_id = NO_CONVERSATION
            self._after_switch()

    @Slot(int)
    def forget_conversation(self, conversation_id: int) -> None:
        """The chat was deleted: stop showing it. Its answer, if any, is still saved."""
        if conversation_id == self._conversation_id:
            self.new_conversation()

    def send(self, text: str) -> bool:
        """Commit the user's message, then ask for the answer. False if nothing was sent."""
        text = text.strip()
        if not text:
            return False
        try:
            conversation_id = self._ensure_conversation()
            path = self._store.active_path(conversation_id)
            parent_id = path[-1].id if path else None
            user = self._store.add_message(conversation_id, "user", text, parent_id=parent_id)
            if not any(m.role == "user" for m in path):
                self._store.auto_title(conversation_id, text)
                self.conversation_updated.emit(conversation_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return False
        self._answer(conversation_id, user.id)
        return True

    def regenerate(self, message_id: int | None = None) -> None:
        """A new answer next to `message_id` (default: the last answer shown)."""
        if self._conversation_id == NO_CONVERSATION:
            return
        path = self._store.active_path(self._conversation_id)
        if message_id is None:
            answers = [m for m in path if m.role == "assistant"]
            if not answers:
                return
            message_id = answers[-1].id
        message = self._store.get_message(message_id)
        if message.role != "assistant" or message.parent_id is None:
            return
        self._stop_runs_of(message.conversation_id)
        try:
            self._store.select_branch(message.parent_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        self._answer(message.conversation_id, message.parent_id)

    def edit_and_resend(self, message_id: int, text: str) -> bool:
        """Send an edited copy of a user message as a new branch beside the original."""
        text = text.strip()
        if not text:
            return False
        original = self._store.get_message(message_id)
        if original.role != "user":
            return False
        self._stop_runs_of(original.conversation_id)
        try:
            user = self._store.add_message(
                original.conversation_id, "user", text, parent_id=original.parent_id
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return False
        self._answer(original.conversation_id, user.id)
        return True

    def select_version(self, message_id: int) -> None:
        try:
            self._store.select_branch(message_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        self.transcript_changed.emit()

    @Slot()
    def stop(self) -> None:
        """Stop the shown chat's answer; the text so far is kept."""
        self._stop_runs_of(self._conversation_id)

    def set_system_prompt(self, text: str, conversation_id: int | None = None) -> None:
        """For the shown chat, or for `conversation_id` (an edit saved after switching away)."""
        target = self._conversation_id if conversation_id is None else conversation_id
        if target == NO_CONVERSATION:
            if self._conversation_id == NO_CONVERSATION:
                self._draft_system_prompt = text
            return
        try:
            if text != self._store.get_conversation(target).system_prompt:
                self._store.set_system_prompt(target, text)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))

    def set_thinking(self, enabled: bool) -> None:
        if self._conversation_id == NO_CONVERSATION:
            self._draft_thinking = enabled
        else:
            try:
                self._store.set_thinking(self._conversation_id, enabled)
            except StorageError as exc:
                self.error_occurred.emit(storage_error_text(exc))
        self.thinking_changed.emit(*self.thinking_state())

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        self._settings = settings
        self.thinking_changed.emit(*self.thinking_state())

    def shutdown(self) -> None:
        """Save every answer still streaming as it stands, marked stopped (the app closes)."""
        for request_id, run in list(self._runs.items()):
            self._client.cancel(request_id)
            stats = {"finish_reason": "stopped"}
            self._save(run, complete=True, stats=stats)
        self._runs.clear()

    # -- engine signals --------------------------------------------------------------------

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, _loaded: LoadedModel) -> None:
        self.thinking_changed.emit(*self.thinking_state())

    @Slot(int, str, str)
    def _on_client_text_generated(self, request_id: int, channel: str, text: str) -> None:
        run = self._runs.get(request_id)
        if run is None:
            return
        if channel == "reasoning":
            run.reasoning += text
        else:
            if run.answer_started is None:
                run.answer_started = time.monotonic()
            run.answer += text
        now = time.monotonic()
        if now - run.saved_at >= SAVE_INTERVAL_S:
            self._save(run)
        if run.conversation_id == self._conversation_id:
            # The one measure of thinking time, the same one `_save` stores: the transcript
            # shows it while streaming, so the label does not change when the answer ends.
            thinking_s = run.thinking_s(now)
            self.answer_streamed.emit(run.message_id, run.reasoning, run.answer, thinking_s)

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        run = self._runs.pop(request_id, None)
        if run is None:
            return
        # The engine's final text is authoritative (trimmed, stop strings removed); a request
        # stopped before it started has none, so keep what was streamed.
        run.answer = result.text or run.answer
        run.reasoning = result.reasoning or run.reasoning
        stats = result.stats.to_dict()
        self._save(run, complete=True, stats=stats)
        self._after_run(run)
        self.answer_finished.emit(run.message_id, result.stats)

    @Slot(int, str)
    def _on_client_generation_failed(self, request_id: int, message: str) -> None:
        run = self._runs.pop(request_id, None)
        if run is None:
            return
        # Left incomplete on purpose: the transcript offers Regenerate for it, and says why it
        # failed (an answer that never started would otherwise read as interrupted).
        self._save(run, stats={"finish_reason": "error", "error": message})
        self._after_run(run)
        self.error_occurred.emit(message)

    # -- helpers ---------------------------------------------------------------------------

    def _after_switch(self) -> None:
        self.conversation_opened.emit(self._conversation_id)
        self.transcript_changed.emit()
        self.busy_changed.emit(self.is_busy)
        self.thinking_changed.emit(*self.thinking_state())

    def _after_run(self, run: _Run) -> None:
        self.conversation_updated.emit(run.conversation_id)
        if run.conversation_id == self._conversation_id:
            self.transcript_changed.emit()
            self.busy_changed.emit(self.is_busy)
        warning = self._store.disk_space_warning()
        if warning:
            self.error_occurred.emit(disk_warning_text(warning))

    def _ensure_conversation(self) -> int:
        if self._conversation_id != NO_CONVERSATION:
            return self._conversation_id
        conversation = self._store.create_conversation(
            system_prompt=self._draft_system_prompt, thinking=self._draft_thinking
        )
        self._conversation_id = conversation.id
        self.conversation_created.emit(conversation.id)
        self.conversation_opened.emit(conversation.id)
        return conversation.id

    def _answer(self, conversation_id: int, question_id: int) -> None:
        """Ask for a new answer to user message `question_id`, which is on the active branch."""
        # One answer at a time: the engine runs one generation, and an answer the user no
        # longer waits for would delay this one. Stopped answers are kept as they are.
        for request_id in list(self._runs):
            self._client.stop(request_id)
        path = self._store.active_path(conversation_id)
        ids = [m.id for m in path]
        if question_id not in ids:
            return
        path = path[: ids.index(question_id) + 1]
        conversation = self._store.get_conversation(conversation_id)
        try:
            answer = self._store.add_message(
                conversation_id,
                "assistant",
                "",
                parent_id=path[-1].id,
                complete=False,
                model=self._client.model_name,
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        messages = self._prompt(conversation, path)
        checked = conversation.thinking
        thinking = self._settings.thinking if checked is None else checked
        params = self._settings.generation_params(
            thinking=thinking, recommended=self._model_sampling(thinking)
        )
        request_id = self._client.generate(messages, params)
        self._runs[request_id] = _Run(conversation_id, answer.id, time.monotonic())
        if conversation_id == self._conversation_id:
            self.transcript_changed.emit()
            self.busy_changed.emit(True)

    def _model_sampling(self, thinking: bool) -> tuple[float, float] | None:
        name = self._client.model_name
        if self._recommended_sampling is None or not name:
            return None
        return self._recommended_sampling(name, thinking)

    def _prompt(self, conversation: Conversation, path: list[StoredMessage]) -> list[Message]:
        system = conversation.system_prompt or self._settings.system_prompt
        messages = [Message("system", system)] if system else []
        for message in path:
            if message.role == "assistant" and not message.content:
                continue  # an answer that never got any text says nothing to the model
            if message.role == "user":
                messages.append(Message("user", message.content))
            elif message.role == "assistant":
                messages.append(Message("assistant", message.content))
        return messages

    def _stop_runs_of(self, conversation_id: int) -> None:
        for request_id, run in self._runs.items():
            if run.conversation_id == conversation_id:
                self._client.stop(request_id)

    def _save(
        self, run: _Run, *, complete: bool | None = None, stats: dict[str, Any] | None = None
    ) -> None:
        now = time.monotonic()
        run.saved_at = now
        try:
            self._store.update_message(
                run.message_id,
                content=run.answer,
                reasoning=run.reasoning,
                complete=complete,
                stats=stats,
                thinking_s=run.thinking_s(now),
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
        except KeyError:
            pass  # its chat was purged meanwhile; nothing left to save into
