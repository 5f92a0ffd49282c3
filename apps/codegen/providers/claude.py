"""Code generation through the official ``anthropic`` SDK. The long system prompt is shared by every
request and marked for prompt caching, so repeated requests read it from the cache (cheaper, and
counted separately in the usage)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from apps.core import claude

SYSTEM = """You are the code generator of a developer platform. You write production-quality code.

Rules for every answer:
- Put the code in exactly one fenced code block, tagged with its language.
- Write complete, runnable code: imports included, no placeholders such as "..." or "TODO: implement".
- Follow the idioms and the standard formatting of the language (PEP 8 for Python, gofmt for Go,
  rustfmt for Rust, Prettier defaults for JavaScript and TypeScript).
- Handle errors explicitly and validate inputs at boundaries; never swallow exceptions silently.
- Never include secrets, credentials or network calls to hosts the user did not name.
- Prefer the standard library and widely used, maintained packages; name any dependency you add.
- Keep explanations short and put them after the code block, as Markdown, unless asked otherwise.

When asked to improve code: keep its behaviour unless the goal says otherwise, return the whole
improved code in one block, then a section "## What changed" listing each change and why.
When asked to explain code: answer in Markdown with sections "## Summary", "## How it works",
"## Pitfalls", referring to identifiers in backticks; do not rewrite the code."""


@dataclass(frozen=True)
class Answer:
    text: str
    model: str
    stop_reason: str | None
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int


def _request(
    *, prompt: str, max_tokens: int, model: str | None, effort: str | None, history: list[dict] | None = None
) -> dict:
    """The Messages API arguments every code-generation call shares (the cached system prompt);
    ``history`` is the earlier turns of a conversation (``{"role", "content"}``, oldest first)."""
    import anthropic

    return {
        "model": model or settings.ANTHROPIC_MODEL,
        "max_tokens": max_tokens,
        "output_config": {"effort": effort} if effort else anthropic.NOT_GIVEN,
        "system": [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        "messages": [*(history or []), {"role": "user", "content": prompt}],
    }


def _client():
    return claude.client(purpose="Code generation", code="codegen_unavailable")


def require_configured() -> None:
    """Raise the 503 a generation would raise when Claude is not configured, before anything starts."""
    _client()


def _answer(message, text: str | None = None) -> Answer:
    usage = message.usage
    if text is None:
        text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
    return Answer(
        text=text,
        model=message.model,
        stop_reason=message.stop_reason,
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", 0) or 0,
        cache_read_tokens=getattr(usage, "cache_read_input_tokens", 0) or 0,
    )


def ask(*, prompt: str, max_tokens: int, model: str | None = None, effort: str | None = None, history=None) -> Answer:
    with claude.failures_as_503(code="codegen_failed"):
        message = _client().messages.create(
            **_request(prompt=prompt, max_tokens=max_tokens, model=model, effort=effort, history=history)
        )
    return _answer(message)


class Streamed:
    """A streamed answer: iterate for the text as it arrives; ``answer`` is set once it is complete.
    Closing the iteration early (the client went away) closes the upstream HTTP request."""

    def __init__(
        self, *, prompt: str, max_tokens: int, model: str | None = None, effort: str | None = None, history=None
    ):
        self.arguments = _request(prompt=prompt, max_tokens=max_tokens, model=model, effort=effort, history=history)
        self.answer: Answer | None = None
        self.text = ""

    def __iter__(self):
        with claude.failures_as_503(code="codegen_failed"), _client().messages.stream(**self.arguments) as stream:
            for piece in stream.text_stream:
                self.text += piece
                yield piece
            message = stream.get_final_message()
        self.answer = _answer(message, self.text)


class AsyncStreamed(Streamed):
    """``Streamed`` for an event loop: ``async for`` the text. Cancelling the task that reads it (the
    ASGI server saw the client go away) or closing the iteration closes the upstream HTTP request."""

    def __iter__(self):
        raise TypeError("iterate with `async for`")

    async def __aiter__(self):
        client = claude.async_client(purpose="Code generation", code="codegen_unavailable")
        with claude.failures_as_503(code="codegen_failed"):
            async with client, client.messages.stream(**self.arguments) as stream:
                async for piece in stream.text_stream:
                    self.text += piece
                    yield piece
                message = await stream.get_final_message()
        self.answer = _answer(message, self.text)


WRITE_FILES = {
    "name": "write_files",
    "description": "Write the files of a small project. Paths are relative to the project root and use '/'.",
    "input_schema": {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "What the project is and how to run it."},
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                    "required": ["path", "content"],
                },
            },
        },
        "required": ["files"],
    },
}


def ask_for_files(*, prompt: str, max_tokens: int) -> tuple[Answer, dict]:
    """A project through the ``write_files`` tool (the model must call it): the answer, and the tool's
    input (``{"summary", "files": [{"path", "content"}]}``)."""
    arguments = _request(prompt=prompt, max_tokens=max_tokens, model=None, effort=None)
    with claude.failures_as_503(code="codegen_failed"):
        message = _client().messages.create(
            **arguments, tools=[WRITE_FILES], tool_choice={"type": "tool", "name": "write_files"}
        )
    call = next((b for b in message.content if getattr(b, "type", "") == "tool_use" and b.name == "write_files"), None)
    return _answer(message), (call.input if call is not None else {})
