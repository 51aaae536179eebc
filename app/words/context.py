"""The context's use and the choices when a conversation does not fit, in the person's
language (`QCoreApplication.translate("ContextWords", ...)`, each with a literal string so
lupdate finds it). The numbers come from app.core.context_fit and
app.core.models.prefill_speed; with no translation installed these are the English."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from app.core.context_fit import ContextChoices, ContextUse
from engine.sizes import format_size


@dataclass(frozen=True)
class ChoiceTexts:
    """The sentences of the "does not fit" dialog: the headline, then one per choice offered
    (None for a choice that is not)."""

    headline: str
    raise_context: str | None
    drop_oldest: str | None
    new_chat: str | None


def context_use_text(use: ContextUse, estimate_s: float | None = None) -> str:
    """The composer's usage line: "1,234 of 4,096 tokens (30 %) · about 2 s to read"; the
    reading time where one was measured (`PrefillSpeeds.estimate_s`)."""
    used, context = f"{use.prompt_tokens:,}", f"{use.context_length:,}"
    if use.prompt_tokens > use.context_length:
        text = QCoreApplication.translate(
            "ContextWords", "{used} of {context} tokens: too long for the context"
        ).format(used=used, context=context)
    elif not use.fits:
        text = QCoreApplication.translate(
            "ContextWords", "{used} of {context} tokens: too little room left for an answer"
        ).format(used=used, context=context)
    else:
        text = QCoreApplication.translate(
            "ContextWords", "{used} of {context} tokens ({percent} %)"
        ).format(used=used, context=context, percent=round(use.share * 100))
    if estimate_s is None:
        return text
    return QCoreApplication.translate("ContextWords", "{use} · {time} to read").format(
        use=text, time=reading_time_text(estimate_s)
    )


def reading_time_text(seconds: float) -> str:
    """ "under a second", "about 4 s", "about 2 min 5 s": an estimate, said as one."""
    if seconds < 1:
        return QCoreApplication.translate("ContextWords", "under a second")
    if round(seconds) < 60:
        return QCoreApplication.translate("ContextWords", "about {seconds} s").format(
            seconds=round(seconds)
        )
    minutes, rest = divmod(round(seconds), 60)
    return QCoreApplication.translate("ContextWords", "about {minutes} min {seconds} s").format(
        minutes=minutes, seconds=rest
    )


def choice_texts(use: ContextUse, choices: ContextChoices) -> ChoiceTexts:
    """What the dialog says: why it asks, and each way out it offers."""
    return ChoiceTexts(
        headline=_headline(use, choices),
        raise_context=_raise_text(choices),
        drop_oldest=_drop_text(choices),
        new_chat=(
            QCoreApplication.translate(
                "ContextWords",
                "Start a new chat that begins with a summary of this one (the model writes "
                "the summary first; this chat stays as it is).",
            )
            if choices.can_summarize
            else None
        ),
    )


def _headline(use: ContextUse, choices: ContextChoices) -> str:
    text = QCoreApplication.translate(
        "ContextWords",
        "The conversation is {tokens} tokens long and does not fit the {context}-token "
        "context with room for an answer. Nothing has been cut.",
    ).format(tokens=f"{use.prompt_tokens:,}", context=f"{use.context_length:,}")
    if choices.any_offered:
        return text
    return QCoreApplication.translate("ContextWords", "{headline} {advice}").format(
        headline=text,
        advice=QCoreApplication.translate(
            "ContextWords", "No larger context fits this model and machine: shorten the message."
        ),
    )


def _raise_text(choices: ContextChoices) -> str | None:
    if choices.raise_to is None:
        return None
    tokens = f"{choices.raise_to:,}"
    if choices.raise_extra_bytes is None:
        return QCoreApplication.translate(
            "ContextWords",
            "Raise the context to {tokens} tokens and reload the model (how much more memory "
            "that takes is not known).",
        ).format(tokens=tokens)
    return QCoreApplication.translate(
        "ContextWords",
        "Raise the context to {tokens} tokens and reload the model (about {size} more memory).",
    ).format(tokens=tokens, size=format_size(choices.raise_extra_bytes))


def _drop_text(choices: ContextChoices) -> str | None:
    if choices.drop_count <= 0:
        return None
    tokens = f"{choices.drop_tokens:,}"
    if choices.drop_count == 1:
        return QCoreApplication.translate(
            "ContextWords",
            "Leave out the oldest message ({tokens} tokens) so that the rest fits.",
        ).format(tokens=tokens)
    return QCoreApplication.translate(
        "ContextWords",
        "Leave out the {count} oldest messages ({tokens} tokens) so that the rest fits.",
    ).format(count=choices.drop_count, tokens=tokens)
