"""Text generation with Claude through the official ``anthropic`` SDK."""

from dataclasses import dataclass

from django.conf import settings

from apps.core import claude


@dataclass(frozen=True)
class Generation:
    text: str
    model: str
    stop_reason: str | None
    input_tokens: int
    output_tokens: int


def client():
    """An Anthropic client from settings; 503 when no key is configured."""
    return claude.client(purpose="Text generation")


def generate(*, prompt: str, system: str = "", max_tokens: int, effort: str | None = None) -> Generation:
    import anthropic

    with claude.failures_as_503(code="generation_failed"):
        message = client().messages.create(
            model=settings.ANTHROPIC_MODEL,
            max_tokens=max_tokens,
            system=system or anthropic.NOT_GIVEN,
            output_config={"effort": effort} if effort else anthropic.NOT_GIVEN,
            messages=[{"role": "user", "content": prompt}],
        )
    text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
    return Generation(
        text=text,
        model=message.model,
        stop_reason=message.stop_reason,
        input_tokens=message.usage.input_tokens,
        output_tokens=message.usage.output_tokens,
    )
