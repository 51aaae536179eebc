"""`ChatController`: one conversation on screen, its branches, and its answers.

It is the chat feature's logic, kept out of the widgets so tests can drive it directly: it
commits the user's message before asking for an answer, keeps the versions of a message as
branches, and holds the chat's own choices (system prompt, thinking). The answers themselves
are generated and saved by `AnswerRuns` (app/chat/answer_runs.py); this passes on what concerns
the chat on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from PySide6.QtCore import QObject, Signal, Slot

from app.chat.answer_runs import NO_CHOICES, AnswerChoices, AnswerRuns, Prompt, SamplingLookup
from app.chat.context_meter import ContextMeter, estimated_tokens
from app.chat.draft import DraftAttachments
from app.core.chat_records import Attachment, Conversation, StoredMessage
from app.core.context_fit import (
    ContextChoices,
    ContextUse,
    plan_context,
    summary_params,
    summary_request,
    summary_system_prompt,
    summary_token_budget,
)
from app.core.conversations import ConversationStore
from app.core.models.prefill_speed import PrefillSpeeds
from app.core.settings import Settings
from app.core.storage_errors import StorageError
from app.engine_bridge.client import EngineClient
from app.engine_bridge.measure import PromptMeasure
from app.tasks import TaskRunner
from app.words.load import engine_error_text
from app.words.storage import disk_warning_text, storage_error_text
from engine.errors import Problem
from engine.types import GenerationResult, GenerationStats, LoadedModel, ReasoningPrefill

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
    # The person chose to leave it out of what the model reads (the context was full).
    left_out: bool = False

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


class ContextChoice(StrEnum):
    """What the person chose when a question did not fit the context."""

    RAISE = "raise"  # a larger context: the model reloads, then answers
    DROP = "drop"  # leave out the oldest messages (they stay in the chat, marked)
    SUMMARIZE = "summarize"  # a new chat that starts from a summary of this one
    CANCEL = "cancel"  # nothing is sent; the draft stays in the composer


@dataclass(frozen=True)
class Question:
    """A question about to be answered: a new user message (`text` and `attachments` under
    `parent_id`), or an existing one answered again (`question_id`)."""

    conversation_id: int  # NO_CONVERSATION: a new chat, saved when the question is
    parent_id: int | None
    text: str
    attachments: tuple[Attachment, ...] = ()
    question_id: int | None = None
    from_composer: bool = False  # its draft is cleared once it is stored
    # For this answer only: a regenerate that changes the thinking choice, or Continue.
    choices: AnswerChoices = NO_CHOICES


@dataclass(frozen=True)
class ContextProblem:
    """A question that does not fit the context, and the ways out (`plan_context`); the view
    asks the person and calls `ChatController.resolve_context`."""

    use: ContextUse
    choices: ContextChoices
    # What "leave out the oldest messages" would leave out, oldest first.
    left_out: tuple[StoredMessage, ...]


@dataclass(frozen=True)
class _Check:
    """A question whose prompt is being measured before it is sent."""

    question: Question
    prompt: Prompt
    request_id: int


@dataclass(frozen=True)
class _Overflow:
    """A question that did not fit, waiting for the person's choice."""

    question: Question
    prompt: Prompt
    measure: PromptMeasure
    choices: ContextChoices


@dataclass(frozen=True)
class _Summary:
    """The summary being written for a new chat, and the question that follows it there."""

    question: Question
    request_id: int
    system_prompt: str
    thinking: bool | None


class ChatController(QObject):
    """The chat feature's logic; widgets call its methods and listen to its signals.

    Before a question is sent its prompt is measured on the engine worker; when it does not fit
    the context, nothing is stored or cut until the person chooses (`context_overflowed`).

    Signals:
        conversation_opened(int conversation_id)     # NO_CONVERSATION for a new, unsaved chat
        conversation_created(int conversation_id)    # saved on its first message
        conversation_updated(int conversation_id)    # title or order in the list changed
        transcript_changed()                         # rebuild from transcript()
        answer_streamed(int message_id, str reasoning, str answer, thinking_s: float | None)
                                                     # shown chat only; thinking_s as stored
        answer_finished(int message_id, GenerationStats)
        context_streamed(int tokens)                 # shown chat's answer: prompt + text so far
        busy_changed(bool)                           # the shown chat is waiting for an answer
        thinking_changed(bool checked, bool available)
        error_occurred(str message)
        message_sent()                               # the composer's message is stored: clear it
        context_overflowed(ContextProblem)           # ask the person; then resolve_context
        context_raise_requested(int tokens)          # reload the model with this context
        notice_posted(str message)                   # what is going on (a summary is written)
    """

    conversation_opened = Signal(int)
    conversation_created = Signal(int)
    conversation_updated = Signal(int)
    transcript_changed = Signal()
    answer_streamed = Signal(int, str, str, object)
    answer_finished = Signal(int, object)
    context_streamed = Signal(int)
    busy_changed = Signal(bool)
    thinking_changed = Signal(bool, bool)
    error_occurred = Signal(str)
    message_sent = Signal()
    context_overflowed = Signal(object)
    context_raise_requested = Signal(int)
    notice_posted = Signal(str)

    def __init__(
        self,
        store: ConversationStore,
        client: EngineClient,
        settings: Settings,
        parent: QObject | None = None,
        *,
        recommended_sampling: SamplingLookup | None = None,
        tasks: TaskRunner | None = None,
        speeds: PrefillSpeeds | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client = client
        self._settings = settings
        self._speeds = speeds
        self._conversation_id = NO_CONVERSATION
        self._draft_thinking: bool | None = None
        self._draft_system_prompt = ""
        # Per chat, the messages the person chose to leave out of the prompt (this session).
        self._left_out: dict[int, frozenset[int]] = {}
        self._checking: _Check | None = None
        self._overflow: _Overflow | None = None
        self._summary: _Summary | None = None
        # The answer whose prompt and text the engine still holds in its cache.
        self._cached_leaf: int | None = None
        # The prompt tokens of the question being sent (measured before it was), and of the
        # answer streaming now: the context it uses is these plus its text so far.
        self._measured_prompt = 0
        self._streaming_prompt = 0
        self._answers = AnswerRuns(store, client, self, recommended_sampling=recommended_sampling)
        self._answers.answer_streamed.connect(self._on_answers_answer_streamed)
        self._answers.answer_finished.connect(self._on_answers_answer_finished)
        self._answers.answer_failed.connect(self._on_answers_answer_failed)
        self._answers.error_occurred.connect(self.error_occurred)
        # The composer's attachments, read on the task runner and counted by the model.
        self.draft = DraftAttachments(tasks or TaskRunner("attachments", parent=self), client, self)
        # The composer's usage line: how much of the context the draft would take.
        self.meter = ContextMeter(client, self.draft_prompt, self.cached_tokens, speeds, self)
        client.model_loaded.connect(self._on_client_model_loaded)
        client.prompt_measured.connect(self._on_client_prompt_measured)
        client.measure_failed.connect(self._on_client_measure_failed)
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
        """Whether the shown conversation is waiting for an answer (or for its question to be
        measured, or for the summary its question waits on)."""
        pending = self._pending_question()
        if pending is not None and pending.conversation_id == self._conversation_id:
            return self._overflow is None  # not while the person is being asked
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
        left_out = self._left_out.get(self._conversation_id, frozenset())
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
                    left_out=message.id in left_out,
                )
            )
        return views

    def draft_prompt(self, text: str, attachments: Sequence[Attachment]) -> Prompt:
        """The prompt the model would read if `text` and `attachments` were sent now."""
        parent_id = self._leaf_id()
        question = Question(self._conversation_id, parent_id, text.strip(), tuple(attachments))
        return self._prompt_for(question)

    def cached_tokens(self, prompt: Prompt, message_tokens: Sequence[int]) -> int:
        """How many of the prompt's tokens the engine still holds from the last answer (it
        reads only the rest): the earlier messages, when that answer ends the shown branch."""
        leaf = self._leaf_id()
        if leaf is None or leaf != self._cached_leaf or len(message_tokens) < 2:
            return 0
        return sum(message_tokens[:-1])

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

    def send(self, text: str, attachments: Sequence[Attachment] = ()) -> bool:
        """Ask for an answer to a new message, once its prompt is known to fit the context
        (else the person is asked first: `context_overflowed`). `message_sent` says when it is
        stored. False if nothing was taken (no text, or another question is pending)."""
        text = text.strip()
        if (not text and not attachments) or self._pending_question() is not None:
            return False
        question = Question(
            self._conversation_id, self._leaf_id(), text, tuple(attachments), from_composer=True
        )
        self._check(question)
        return True

    def regenerate(
        self,
        message_id: int | None = None,
        *,
        thinking: bool | None = None,
        choices: AnswerChoices = NO_CHOICES,
    ) -> None:
        """A new answer next to `message_id` (default: the last answer shown); `thinking`,
        when given, instead of the chat's choice for this answer only (the chat keeps its
        own); `choices` for more (Continue)."""
        if thinking is not None:
            choices = replace(choices, thinking=thinking)
        if self._conversation_id == NO_CONVERSATION or self._pending_question() is not None:
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
        asked = self._store.get_message(message.parent_id)
        self._check(
            Question(
                asked.conversation_id,
                asked.parent_id,
                asked.content,
                asked.attachments,
                question_id=asked.id,
                choices=choices,
            )
        )

    def continue_thinking(self, message_id: int) -> None:
        """An answer that stopped while thinking goes on from where it stopped, as a new
        version next to it (the stopped one stays as it was): its reasoning is put back after
        the prompt, thinking on, with twice the token limit it had. Cut off by the limit, the
        model goes on thinking; ended by the model itself inside its thought, the thought is
        closed so that it answers from it. A server renders its own prompt and cannot take
        the reasoning back: there the thought starts over, with the same room."""
        message = self._store.get_message(message_id)
        stats = message.stats or {}
        generated = stats.get("generated_tokens")
        used = generated if isinstance(generated, int) else 0
        prefill = None
        if message.reasoning:
            close = stats.get("finish_reason") != "length"
            prefill = ReasoningPrefill(message.reasoning, close=close)
        choices = AnswerChoices(
            thinking=True,
            max_new_tokens=max(self._settings.max_new_tokens, used) * 2,
            prefill=prefill,
            thought_s=message.thinking_s or 0.0,
        )
        self.regenerate(message_id, choices=choices)

    def edit_and_resend(self, message_id: int, text: str) -> bool:
        """Send an edited copy of a user message (with its attachments) as a new branch beside
        the original."""
        text = text.strip()
        if not text or self._pending_question() is not None:
            return False
        original = self._store.get_message(message_id)
        if original.role != "user":
            return False
        self._answers.stop_in(original.conversation_id)
        self._check(
            Question(original.conversation_id, original.parent_id, text, original.attachments)
        )
        return True

    def resolve_context(self, choice: ContextChoice) -> None:
        """The person's answer to `context_overflowed`."""
        overflow, self._overflow = self._overflow, None
        if overflow is None:
            return
        choices = overflow.choices
        if choice == ContextChoice.RAISE and choices.raise_to is not None:
            # The window applies it to the settings, which reload the model; the answer waits
            # for the load, and the engine checks the room again then.
            self.context_raise_requested.emit(choices.raise_to)
            self._measured_prompt = overflow.measure.prompt_tokens
            self._commit(overflow.question)
        elif choice == ContextChoice.DROP and choices.drop_count > 0:
            conversation_id = overflow.question.conversation_id
            dropped = _dropped_ids(overflow.prompt, choices.drop_count)
            self._left_out[conversation_id] = (
                self._left_out.get(conversation_id, frozenset()) | dropped
            )
            self._measured_prompt = _kept_tokens(overflow.prompt, overflow.measure, dropped)
            self._commit(overflow.question)
        elif choice == ContextChoice.SUMMARIZE and choices.can_summarize:
            self._summarize(overflow)
        else:
            self.busy_changed.emit(self.is_busy)  # nothing was sent; the draft stays

    def select_version(self, message_id: int) -> None:
        try:
            self._store.select_branch(message_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            return
        self.transcript_changed.emit()

    @Slot()
    def stop(self) -> None:
        """Stop the shown chat's answer; the text so far is kept. A question still being
        measured is not sent (its draft stays), a summary being written is dropped."""
        self.meter.cancel()  # its render may be what holds the engine up
        if self._checking is not None and self._checking.question.conversation_id == (
            self._conversation_id
        ):
            self._client.drop(self._checking.request_id)
            self._checking = None
            self.busy_changed.emit(self.is_busy)
        if self._summary is not None and self._summary.question.conversation_id == (
            self._conversation_id
        ):
            self._client.stop(self._summary.request_id)
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
        self.meter.schedule()  # the room kept for the answer may have changed

    def shutdown(self) -> None:
        """Save every answer still streaming as it stands, marked stopped (the app closes)."""
        self._checking = self._overflow = self._summary = None
        self.meter.shutdown()
        self._answers.shutdown()

    # -- engine signals --------------------------------------------------------------------

    @Slot(int, object)
    def _on_client_model_loaded(self, _request_id: int, _loaded: LoadedModel) -> None:
        self._cached_leaf = None  # a new model starts with an empty cache
        self.thinking_changed.emit(*self.thinking_state())

    @Slot(int, object)
    def _on_client_prompt_measured(self, request_id: int, measure: PromptMeasure) -> None:
        check = self._checking
        if check is None or request_id != check.request_id:
            return
        self._checking = None
        params = check.prompt.params
        use = ContextUse.of(measure.prompt_tokens, params.max_new_tokens, measure.context_length)
        roles = [m.role for m in check.prompt.messages]
        if use.fits or len(measure.message_tokens) != len(roles):
            self._measured_prompt = measure.prompt_tokens
            self._commit(check.question)
            return
        choices = plan_context(
            use,
            measure.message_tokens,
            measure.trained_context,
            measure.kv_bytes_per_token,
            measure.free_memory_bytes,
            roles=roles,
        )
        self._overflow = _Overflow(check.question, check.prompt, measure, choices)
        self.busy_changed.emit(self.is_busy)
        dropped = _dropped_ids(check.prompt, choices.drop_count)
        left_out = tuple(self._store.get_message(i) for i in sorted(dropped))
        self.context_overflowed.emit(ContextProblem(use, choices, left_out))

    @Slot(int, object)
    def _on_client_measure_failed(self, request_id: int, _problem: Problem) -> None:
        check = self._checking
        if check is not None and request_id == check.request_id:
            # No model to measure with (it failed to load meanwhile): send it anyway; the
            # engine checks the room itself and the answer says what went wrong.
            self._checking = None
            self._commit(check.question)

    @Slot(int, object)
    def _on_client_generation_finished(self, request_id: int, result: GenerationResult) -> None:
        summary = self._summary
        if summary is None or request_id != summary.request_id:
            return
        self._summary = None
        text = result.text.strip()
        if result.stats.finish_reason == "stopped" or not text:
            if not text and result.stats.finish_reason != "stopped":
                self.error_occurred.emit(self.tr("The model wrote no summary. Nothing was sent."))
            self.busy_changed.emit(self.is_busy)
            return
        self._start_from_summary(summary, text)

    @Slot(int, object)
    def _on_client_generation_failed(self, request_id: int, problem: Problem | str) -> None:
        summary = self._summary
        if summary is None or request_id != summary.request_id:
            return
        self._summary = None
        reason = engine_error_text(problem) if isinstance(problem, Problem) else problem
        self.error_occurred.emit(
            self.tr("The summary could not be written: {reason}").format(reason=reason)
        )
        self.busy_changed.emit(self.is_busy)

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
            generated = estimated_tokens(reasoning) + estimated_tokens(answer)
            self.context_streamed.emit(self._streaming_prompt + generated)

    @Slot(int, int, object)
    def _on_answers_answer_finished(
        self, conversation_id: int, message_id: int, stats: GenerationStats
    ) -> None:
        loaded = self._client.loaded_model
        if loaded is not None:
            self._cached_leaf = message_id
            if self._speeds is not None:
                self._speeds.record(str(loaded.info.path), loaded.backend, loaded.device, stats)
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

    def _answer(self, conversation_id: int, question_id: int, question: Question) -> None:
        """Ask for a new answer to user message `question_id`, which is on the active branch."""
        left_out = self._left_out.get(conversation_id, frozenset())
        asked = self._answers.ask(
            conversation_id,
            question_id,
            self._settings,
            left_out=left_out,
            choices=question.choices,
        )
        # The measure belongs to this question only (0: not measured, the model was loading).
        self._streaming_prompt, self._measured_prompt = self._measured_prompt, 0
        if conversation_id == self._conversation_id:
            if asked:
                self.transcript_changed.emit()
                # Before its first word the answer already holds its prompt in the context.
                self.context_streamed.emit(self._streaming_prompt)
            self.busy_changed.emit(self.is_busy)

    def _pending_question(self) -> Question | None:
        """The question being measured, waiting for the person's choice, or for its summary."""
        for pending in (self._checking, self._overflow, self._summary):
            if pending is not None:
                return pending.question
        return None

    def _leaf_id(self) -> int | None:
        if self._conversation_id == NO_CONVERSATION:
            return None
        path = self._store.active_path(self._conversation_id)
        return path[-1].id if path else None

    def _check(self, question: Question) -> None:
        """Measure the question's prompt on the engine worker, then send it or ask."""
        # One answer at a time (AnswerRuns.ask stops the others too); stopping them, and the
        # usage line's measure, lets this measure run at once instead of after them.
        self._answers.stop_all()
        self.meter.cancel()
        if self._client.loaded_model is None:
            # Nothing to measure with yet (the model loads): the answer waits for the model,
            # and the engine checks the room itself then.
            self._commit(question)
            return
        prompt = self._prompt_for(question)
        request_id = self._client.measure(prompt.messages, prompt.params)
        self._checking = _Check(question, prompt, request_id)
        self.busy_changed.emit(self.is_busy)

    def _prompt_for(self, question: Question) -> Prompt:
        conversation = self._conversation_of(question.conversation_id)
        if conversation is None:
            system_prompt, thinking = self._draft_system_prompt, self._draft_thinking
        else:
            system_prompt, thinking = conversation.system_prompt, conversation.thinking
        if question.choices.thinking is not None:
            thinking = question.choices.thinking
        prompt = self._prompt_of(question, system_prompt, thinking)
        return replace(prompt, params=question.choices.applied(prompt.params))

    def _prompt_of(self, question: Question, system_prompt: str, thinking: bool | None) -> Prompt:
        left_out = self._left_out.get(question.conversation_id, frozenset())
        path = self._path_through(question)
        new = None
        if question.question_id is None:
            new = StoredMessage(
                id=0,
                conversation_id=question.conversation_id,
                parent_id=question.parent_id,
                role="user",
                content=question.text,
                reasoning="",
                created_at=0.0,
                complete=True,
                stats=None,
                model=None,
                thinking_s=None,
                attachments=question.attachments,
            )
        return self._answers.prompt(
            system_prompt or self._settings.system_prompt,
            thinking,
            path,
            self._settings,
            left_out=left_out,
            question=new,
        )

    def _conversation_of(self, conversation_id: int) -> Conversation | None:
        if conversation_id == NO_CONVERSATION:
            return None
        try:
            return self._store.get_conversation(conversation_id)
        except KeyError:
            return None

    def _path_through(self, question: Question) -> list[StoredMessage]:
        """The stored messages the question follows (an existing question included)."""
        end = question.question_id if question.question_id is not None else question.parent_id
        if question.conversation_id == NO_CONVERSATION or end is None:
            return []
        path = self._store.active_path(question.conversation_id)
        ids = [m.id for m in path]
        return path[: ids.index(end) + 1] if end in ids else path

    def _commit(self, question: Question) -> None:
        """Store the question (unless it is stored already) and ask for its answer."""
        if question.question_id is not None:
            self._answer(question.conversation_id, question.question_id, question)
            return
        try:
            conversation_id = self._conversation_for(question)
            earlier = self._path_through(replace(question, conversation_id=conversation_id))
            user = self._store.add_message(
                conversation_id,
                "user",
                question.text,
                parent_id=question.parent_id,
                attachments=question.attachments,
            )
            if not any(m.role == "user" for m in earlier):
                title = question.text or question.attachments[0].name
                self._store.auto_title(conversation_id, title)
                self.conversation_updated.emit(conversation_id)
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            self.busy_changed.emit(self.is_busy)
            return
        if question.from_composer:
            self.message_sent.emit()
        self._answer(conversation_id, user.id, question)

    def _conversation_for(self, question: Question) -> int:
        if question.conversation_id != NO_CONVERSATION:
            return question.conversation_id
        if self._conversation_id == NO_CONVERSATION:
            return self._ensure_conversation()
        # The person moved to another chat meanwhile: the new chat is saved, not shown.
        conversation = self._store.create_conversation(
            system_prompt=self._draft_system_prompt, thinking=self._draft_thinking
        )
        self.conversation_created.emit(conversation.id)
        return conversation.id

    def _summarize(self, overflow: _Overflow) -> None:
        """Ask the model for a summary of the conversation before the question."""
        prompt, measure = overflow.prompt, overflow.measure
        question = overflow.question
        earlier = list(prompt.messages[:-1])
        request = summary_request(
            earlier,
            message_tokens=measure.message_tokens[:-1],
            max_tokens=summary_token_budget(measure.context_length),
        )
        conversation = self._conversation_of(question.conversation_id)
        system_prompt = conversation.system_prompt if conversation else self._draft_system_prompt
        thinking = conversation.thinking if conversation else self._draft_thinking
        request_id = self._client.generate(request, summary_params(prompt.params))
        self._summary = _Summary(
            question, request_id, system_prompt or self._settings.system_prompt, thinking
        )
        self.busy_changed.emit(self.is_busy)
        self.notice_posted.emit(self.tr("Writing a summary of this chat to start a new one…"))

    def _start_from_summary(self, summary: _Summary, text: str) -> None:
        """A new chat whose system prompt carries the summary; the question goes there."""
        try:
            conversation = self._store.create_conversation(
                system_prompt=summary_system_prompt(summary.system_prompt, text),
                thinking=summary.thinking,
            )
        except StorageError as exc:
            self.error_occurred.emit(storage_error_text(exc))
            self.busy_changed.emit(self.is_busy)
            return
        self._conversation_id = conversation.id
        self.conversation_created.emit(conversation.id)
        self._after_switch()
        question = replace(
            summary.question, conversation_id=conversation.id, parent_id=None, question_id=None
        )
        # Measured again: a question too long by itself still gets the person's choice.
        self._check(question)


def _dropped_ids(prompt: Prompt, count: int) -> frozenset[int]:
    """The stored messages behind the `count` oldest prompt messages after the system
    prompt (what `app.core.context_fit.drop_oldest` leaves out)."""
    start = 0
    while start < len(prompt.messages) - 1 and prompt.messages[start].role == "system":
        start += 1
    sources = prompt.sources[start : start + count]
    return frozenset(source for source in sources if source is not None)


def _kept_tokens(prompt: Prompt, measure: PromptMeasure, dropped: frozenset[int]) -> int:
    """The measured prompt's tokens without the messages left out of it."""
    if len(measure.message_tokens) != len(prompt.sources):
        return measure.prompt_tokens
    gone = sum(
        tokens
        for tokens, source in zip(measure.message_tokens, prompt.sources, strict=True)
        if source in dropped
    )
    return max(measure.prompt_tokens - gone, 0)
