"""The platform's domains as shown in the navigation and on the dashboard."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    slug: str
    title: str
    icon: str
    url_name: str
    summary: str


DOMAINS = (
    Domain(
        "market",
        "Market",
        "graph-up-arrow",
        "market:index",
        "Live quotes, price history, technical analysis and AI predictions.",
    ),
    Domain(
        "portfolio",
        "Portfolio",
        "briefcase",
        "portfolio:index",
        "Holdings and tax lots, performance and risk, paper trading and backtests.",
    ),
    Domain(
        "nlp",
        "Text analysis",
        "chat-square-text",
        "nlp:index",
        "Sentiment, entities, summaries, language, keywords and topics.",
    ),
    Domain(
        "vision", "Images", "image", "vision:index", "Enhancement, object detection, style transfer and classification."
    ),
    Domain(
        "codegen",
        "Code generation",
        "code-slash",
        "codegen:index",
        "Generate, improve and explain code with Claude; templates and projects.",
    ),
    Domain(
        "proposals",
        "Proposals",
        "git",
        "proposals:index",
        "AI-written code changes, reviewed by people before they are applied.",
    ),
)
