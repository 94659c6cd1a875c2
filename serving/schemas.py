"""Request and response bodies of the API: input models validate strictly, output models describe.

Inputs are strict about types (``{"text": 5}`` is a 422, not the string ``"5"``) and reject text that
is empty once stripped. Limits that come from settings (text length, batch size) are checked by
:func:`check_limits` in the route, because they are not known when this module is imported.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from models.router import Suggestion
from models.unit import Place
from serving.errors import InvalidInputError

__all__ = [
    "BatchIn",
    "BatchOut",
    "ComplaintIn",
    "ErrorOut",
    "Explanation",
    "FeedbackIn",
    "FeedbackOut",
    "FieldError",
    "ModelOut",
    "OpdScore",
    "ReloadIn",
    "ReloadOut",
    "RouteIn",
    "RouteOut",
    "SimilarOut",
    "UrgencyOut",
    "check_limits",
]

UrgencyLevel = Literal["tinggi", "sedang", "rendah"]
ReviewReason = Literal["", "ragu", "di_luar_cakupan"]
_MAX_ID_CHARS = 200
_MAX_LABEL_CHARS = 200
_MAX_PATH_CHARS = 4096  # PATH_MAX on Linux
# Control (NUL, newline, ESC...), format (zero-width, bidirectional overrides), lone surrogates, private use
# and unassigned characters: none belongs in a folder name an operator types.
_NOT_IN_A_PATH = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"has an invalid character at position {exc.start} (a lone UTF-16 surrogate)") from exc
    return value


def known_name(value: str | None, field: str) -> str | None:
    """An optional name (a unit, a kecamatan): None when left out, stripped when given, refused when blank
    (leaving it out is how a caller says it is not known)."""
    if value is None:
        return None
    if not value.strip():
        raise ValueError(f"must not be empty or only whitespace: leave {field} out when the {field} is not known")
    return _not_blank(value).strip()


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class ComplaintIn(_Input):
    """One complaint to route."""

    id: StrictStr | None = Field(default=None, max_length=_MAX_ID_CHARS, description="The caller's complaint id.")
    text: StrictStr = Field(description="The complaint as the citizen wrote it.")
    kecamatan: StrictStr | None = Field(
        default=None, max_length=_MAX_LABEL_CHARS, description="The kecamatan the citizen gave, if any."
    )
    kelurahan: StrictStr | None = Field(
        default=None, max_length=_MAX_LABEL_CHARS, description="The kelurahan the citizen gave, if any."
    )

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return _not_blank(value)

    @field_validator("kecamatan", "kelurahan")
    @classmethod
    def _place_name(cls, value: str | None) -> str | None:
        """An empty or blank name is no name; any other is kept (an unknown one is ignored by the model)."""
        if value is None or not value.strip():
            return None
        return _not_blank(value).strip()

    @property
    def place(self) -> Place:
        return Place(kecamatan=self.kecamatan, kelurahan=self.kelurahan)


MAX_SIMILAR = 20


class RouteIn(ComplaintIn):
    """One complaint to route; with ``similar`` (1-20) the answer also lists the most similar stored complaints."""

    similar: StrictInt | None = Field(
        default=None, ge=1, le=MAX_SIMILAR, description="How many of the most similar stored complaints to return."
    )


class BatchIn(_Input):
    items: list[ComplaintIn] = Field(min_length=1, description="Complaints to route, answered in this order.")


class FeedbackIn(_Input):
    """An admin's decision about one complaint."""

    id: StrictStr | None = Field(default=None, max_length=_MAX_ID_CHARS, description="The complaint id.")
    text: StrictStr = Field(description="The complaint text (stored with NIK, phone, e-mail and URLs masked).")
    opd: StrictStr = Field(max_length=_MAX_LABEL_CHARS, description="The OPD the admin chose.")
    urgency: UrgencyLevel | None = Field(default=None, description="The urgency the admin chose, if any.")
    suggested_opd: StrictStr | None = Field(
        default=None, max_length=_MAX_LABEL_CHARS, description="The top OPD the model suggested, if known."
    )
    unit: StrictStr | None = Field(
        default=None,
        max_length=_MAX_LABEL_CHARS,
        description="The specific unit of the chosen OPD (a kelurahan or kecamatan, a pooled OPD), if known; "
        "leave it out when unknown. `disposisi retrain --unit-column` learns it.",
    )
    kecamatan: StrictStr | None = Field(
        default=None, max_length=_MAX_LABEL_CHARS, description="The complaint's kecamatan, if known (stored masked)."
    )
    kelurahan: StrictStr | None = Field(
        default=None, max_length=_MAX_LABEL_CHARS, description="The complaint's kelurahan, if known (stored masked)."
    )

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return _not_blank(value)

    @field_validator("opd")
    @classmethod
    def _opd_name(cls, value: str) -> str:
        return _not_blank(value).strip()

    @field_validator("unit", "kecamatan", "kelurahan")
    @classmethod
    def _known_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        return known_name(value, str(info.field_name))

    @field_validator("suggested_opd")
    @classmethod
    def _suggested_name(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("urgency", mode="before")
    @classmethod
    def _urgency_level(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value


class ReloadIn(_Input):
    """Where to load the next model from; empty means the configured source again."""

    model_dir: StrictStr | None = Field(default=None, description="A model directory inside a trusted folder.")
    model_uri: StrictStr | None = Field(default=None, description="An MLflow registry URI, models:/NAME@ALIAS.")

    @field_validator("model_dir")
    @classmethod
    def _clean_path(cls, value: str | None) -> str | None:
        """A path of printable characters: a NUL byte made the path resolution fail with a 500."""
        if value is None:
            return None
        if not value.strip():
            raise ValueError("must be a folder path, not empty or only whitespace")
        for position, char in enumerate(value):
            if unicodedata.category(char) in _NOT_IN_A_PATH:
                raise ValueError(f"has a control or invisible character (U+{ord(char):04X}) at position {position}")
        if len(value) > _MAX_PATH_CHARS:
            raise ValueError(f"is {len(value):,} characters long; a folder path has at most {_MAX_PATH_CHARS:,}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ReloadIn:
        if self.model_dir and self.model_uri:
            raise ValueError("give model_dir or model_uri, not both")
        if self.model_uri is not None and not self.model_uri.startswith("models:/"):
            raise ValueError(f'model_uri "{self.model_uri}" must look like models:/disposisi@champion')
        return self


def check_limits(texts: Sequence[str], *, max_text_chars: int, max_items: int | None = None) -> None:
    """Raise :class:`InvalidInputError` naming the first text over ``max_text_chars`` or a batch over ``max_items``."""
    if max_items is not None and len(texts) > max_items:
        raise InvalidInputError(
            f"batch has {len(texts):,} items; the limit is {max_items:,} per request: split it into smaller batches"
        )
    for index, text in enumerate(texts):
        if len(text) > max_text_chars:
            where = "text" if max_items is None else f"items[{index}].text"
            raise InvalidInputError(
                f"{where} is {len(text):,} characters long; the limit is {max_text_chars:,}: shorten the complaint"
            )


class OpdScore(BaseModel):
    opd: str
    score: float = Field(description="Calibrated probability that this OPD is the right one.")


class UrgencyOut(BaseModel):
    level: UrgencyLevel
    score: float = Field(description="Probability of this level.")


class Explanation(BaseModel):
    opd_terms: list[str] = Field(description="Words of the (masked) complaint that pushed it to the top OPD.")
    urgency_cues: list[str] = Field(description="Phrases of the danger cues that fired.")


class SimilarOut(BaseModel):
    """A stored complaint like the routed one: its id, the Jaccard similarity of their words (0-1), and ``ulang``
    (the same complaint again) or ``terkait`` (the same problem at the same place), or null (only alike)."""

    id: str
    score: float
    kind: str | None


class RouteOut(BaseModel):
    id: str | None
    suggestions: list[OpdScore]
    urgency: UrgencyOut | None
    needs_review: bool
    explanation: Explanation
    model_version: str
    review_reason: ReviewReason = Field(
        default="",
        description='Why it needs review: "ragu" (unsure between known OPDs), "di_luar_cakupan" (probably none '
        'of the OPDs the model knows: another office, a national agency), "" when it needs none.',
    )
    similar: list[SimilarOut] | None = Field(
        default=None, description='Only with "similar": k in the request: the most similar stored complaints.'
    )
    unit: str | None = Field(
        default=None,
        description="The specific unit of the top OPD (a kelurahan or kecamatan, a pooled OPD); the OPD itself "
        "for a model trained without a unit column.",
    )

    @model_serializer(mode="wrap")
    def _without_unasked_similar(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("similar") is None:
            data.pop("similar", None)  # the answer keeps its shape unless similar complaints were asked for
        return data

    @classmethod
    def from_suggestion(cls, complaint_id: str | None, suggestion: Suggestion, model_version: str) -> RouteOut:
        urgency = None
        if suggestion.urgency is not None and suggestion.urgency_score is not None:
            urgency = UrgencyOut.model_validate(
                {"level": suggestion.urgency, "score": round(suggestion.urgency_score, 6)}
            )
        return cls(
            id=complaint_id,
            suggestions=[OpdScore(opd=name, score=round(score, 6)) for name, score in suggestion.opd],
            urgency=urgency,
            needs_review=suggestion.needs_review,
            explanation=Explanation(opd_terms=suggestion.opd_terms, urgency_cues=suggestion.urgency_cues),
            model_version=model_version,
            review_reason=suggestion.review_reason,  # type: ignore[arg-type]
            unit=suggestion.unit,
        )


class BatchOut(BaseModel):
    results: list[RouteOut]


class FeedbackOut(BaseModel):
    feedback_id: int
    id: str | None
    accepted: bool | None = Field(description="Whether the admin kept the suggested OPD (null: no suggestion given).")
    known_opd: bool = Field(description="Whether the chosen OPD is one of the model's labels.")


class ModelOut(BaseModel):
    version: str
    opd_labels: list[str]
    urgency_labels: list[str]
    metrics: dict[str, Any]
    review_threshold: float
    trained_at: str
    source: str
    registry_version: str | None = Field(default=None, description="The registered version, when served from MLflow.")


class FieldError(BaseModel):
    field: str = Field(description='Where the problem is, e.g. "items[3].text" or "body".')
    message: str


class ErrorOut(BaseModel):
    """Every error answer (see :mod:`serving.errors`): a code and a message a person can act on."""

    error: str = Field(description="Machine-readable code, e.g. invalid_input, unauthorized, model_unavailable.")
    detail: str = Field(description="What went wrong and what to do about it.")
    errors: list[FieldError] | None = Field(default=None, description="Request validation: one entry per problem.")
    serving_version: str | None = Field(default=None, description="A failed reload: the version still serving.")
    retry_after: int | None = Field(default=None, description="Too many wrong keys: seconds to wait (429).")


class ReloadOut(BaseModel):
    reloaded: bool
    model_version: str
    previous_version: str | None
    source: str
    seconds: float
