"""The request body of ``POST /v1/chat/completions``, validated.

Unknown top-level fields are accepted and passed to the responder (OpenAI adds parameters
often, and clients send them); known ones are range-checked so a bad value is a clear 400
naming the parameter instead of a failure deep inside the pipeline.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None

    @field_validator("content")
    @classmethod
    def _text_parts_only(cls, value: Any) -> Any:
        if isinstance(value, list):
            for part in value:
                if part.get("type") != "text" or not isinstance(part.get("text"), str):
                    raise ValueError("only text content parts ({'type': 'text', 'text': ...}) are supported")
        return value

    def text(self) -> str | None:
        """Content as one string (text parts joined), or None when there is none."""
        if isinstance(self.content, list):
            return "\n".join(part["text"] for part in self.content)
        return self.content


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = False
    n: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    stop: str | list[str] | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None

    def params(self) -> dict[str, Any]:
        """Everything but ``model``/``messages``/``stream``, without unset values."""
        return self.model_dump(exclude={"model", "messages", "stream"}, exclude_none=True)

    def output_schema(self) -> dict[str, Any] | None:
        """The JSON schema the answer must satisfy, from ``response_format`` (None: free text)."""
        rf = self.response_format
        if not rf:
            return None
        kind = rf.get("type")
        if kind == "json_object":
            return {"type": "object"}
        if kind == "json_schema":
            spec = rf.get("json_schema")
            if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
                raise ValueError("response_format.json_schema.schema must be a JSON schema object")
            return spec["schema"]
        if kind in (None, "text"):
            return None
        raise ValueError(f"response_format.type {kind!r} is not supported; use text, json_object or json_schema")
