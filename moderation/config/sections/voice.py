"""Config schema of the brand voice: reply templates, greetings and the FAQ."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
)

from moderation.config.sections.base import (
    LangText,
    Probability,
    Strict,
)

# ---------------------------------------------------------------- voice, greetings, faq


class VoiceConfig(Strict):
    """The community's brand voice."""

    tone: Literal["friendly", "formal", "playful", "neutral"] = Field(
        "friendly", description="The community's tone of voice."
    )
    signature: str | None = Field(None, description="Appended to every reply, e.g. '— the Acme team'.")
    default_lang: str = Field("en", description="Language used when the member's is unknown or missing.")
    replies: dict[str, LangText] = Field(
        default_factory=dict, description="Template name -> language -> text with {placeholders}."
    )


class GreetingsConfig(Strict):
    """Greeting newcomers."""

    enabled: bool = Field(False, description="Greet members when they join.")
    text: LangText = Field(default_factory=dict, description="Greeting per language, with {placeholders}.")
    rules_reminder: LangText = Field(default_factory=dict, description="Appended when rules_channel is set.")
    rules_channel: str | None = Field(None, description="Channel id of the rules ({rules_channel}).")
    channel: str | None = Field(None, description="Channel to greet in; default: where they joined.")
    dm: bool = Field(False, description="Greet by direct message instead.")
    delete_previous: bool = Field(False, description="Delete the previous greeting to keep the chat clean.")


class FaqEntry(Strict):
    """One frequently asked question."""

    questions: dict[str, list[str]] = Field(description="Language -> question variants.")
    answer: LangText = Field(description="Answer per language.")


class FaqConfig(Strict):
    """Answering members' questions from a FAQ."""

    enabled: bool = Field(True, description="Answer questions that match an entry.")
    mode: Literal["answer", "suggest"] = Field(
        "answer", description="answer replies in the chat; suggest sends the match to moderators."
    )
    threshold: Probability = Field(
        0.75, description="Match score needed to answer: the estimated chance that the answer is right."
    )
    question_at: Probability = Field(0.5, description="Question probability needed before matching.")
    entries: dict[str, FaqEntry] = Field(
        default_factory=dict, description="Entry name -> questions and answer."
    )
