"""`ChatController`: one conversation on screen, its branches, and its answers.

It is the chat feature's logic, kept out of the widgets so tests can drive it directly: it
commits the user's message before asking for an answer, keeps the versions of a message as
branches, and holds the chat's own choices (system prompt, thinking). The answers themselves
are generated and saved by `AnswerRuns` (app/chat/answer_runs.py); this passes on what concerns
the chat on screen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal, Slot

from app.chat.answer_runs import AnswerRuns, SamplingLookup
from app.core.chat_records import Conversation, StoredMessage
from app.core.conversations import ConversationStore
from app.core.settings import Settings
from app.core.storage_errors import StorageError
from app.engine_bridge.client import EngineClient
from app.words.storage import disk_warning_text, storage_error_text
from engine.types import GenerationStats, LoadedModel

# The chat shown before its first message is sent; it is saved only then.
NO_CONVERSATION = 0


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
        self._conversation_id = NO_CONVERSATION
        self._draft_thinking: bool | None = None
        self._draft_system_prompt = ""
        self._answers = AnswerRuns(store, client, self, recommended_sampling=recommended_sampling)
        self._answers.answer_streamed.connect(self._on_answers_answer_streamed)
        self._answers.answer_finished.connect(self._on_answers_answer_finished)
        self._answers.answer_failed.connect(self._on_answers_answer_failed)
        self._answers.error_occurred.connect(self.error_occurred)
        client.model_loaded.connect(self._on_client_model_loaded)

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
        return self._answers.is_running_in(self._conversation_id)

    @property
    def is_generating(self) -> bool:
        return self._answers.is_running

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
        views = []
        for message in self._store.active_path(self._conversation_id):
            siblings = [s.id for s in self._store.siblings(message.id)]
            index = siblings.index(message.id)
            streamed = self._answers.streamed_text(message.id)
            if streamed is not None:
                reasoning, answer = streamed
                message = replace(message, content=answer, reasoning=reasoning)
            views.append(
                MessageView(
                    message=message,
                    version=index + 1,
                    versions=len(siblings),
                    previous_id=siblings[index - 1] if index > 0 else None,
                    next_id=siblings[index + 1] if index + 1 < len(siblings) else None,
                    streaming=streamed is not None,
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
        self._answers.stop_in(message.conversation_id)
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
        self._answers.stop_in(original.conversation_id)
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
        self._answers.stop_in(self._conversation_id)

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
        self._answers.shutdown()

    # -- engine signals --------------------------------------------------------------------

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, _loaded: LoadedModel) -> None:
        self.thinking_changed.emit(*self.thinking_state())

    # -- answer signals --------------------------------------------------------------------

    @Slot(int, int, str, str, object)
    def _on_answers_answer_streamed(
        self,
        conversation_id: int,
        message_id: int,
        reasoning: str,
        answer: str,
        thinking_s: float | None,
    ) -> None:
        if conversation_id == self._conversation_id:
            self.answer_streamed.emit(message_id, reasoning, answer, thinking_s)

    @Slot(int, int, object)
    def _on_answers_answer_finished(
        self, conversation_id: int, message_id: int, stats: GenerationStats
    ) -> None:
        self._after_answer(conversation_id)
        self.answer_finished.emit(message_id, stats)

    @Slot(int, str)
    def _on_answers_answer_failed(self, conversation_id: int, message: str) -> None:
        self._after_answer(conversation_id)
        self.error_occurred.emit(message)

    # -- helpers ---------------------------------------------------------------------------

    def _after_switch(self) -> None:
        self.conversation_opened.emit(self._conversation_id)
        self.transcript_changed.emit()
        self.busy_changed.emit(self.is_busy)
        self.thinking_changed.emit(*self.thinking_state())

    def _after_answer(self, conversation_id: int) -> None:
        self.conversation_updated.emit(conversation_id)
        if conversation_id == self._conversation_id:
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
        asked = self._answers.ask(conversation_id, question_id, self._settings)
        if asked and conversation_id == self._conversation_id:
            self.transcript_changed.emit()
            self.busy_changed.emit(True)
