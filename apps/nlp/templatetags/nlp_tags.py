"""Render analysed text with its spans marked: entities by label, sentences by sentiment."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _mark(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` as HTML with each non-overlapping (start, end, css class, title) span wrapped in <mark>."""
    out, cursor = [], 0
    for start, end, css, title in sorted(spans):
        if start < cursor or end > len(text):
            continue
        out.append(escape(text[cursor:start]))
        out.append(
            f'<mark class="{css}" title="{escape(title)}" data-label="{escape(title)}">{escape(text[start:end])}</mark>'
        )
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


@register.simple_tag
def highlight_entities(text: str, entities: list[dict]) -> str:
    return _mark(text, [(e["start"], e["end"], f"ent ent-{e['label'].lower()}", e["label"]) for e in entities])


@register.simple_tag
def colour_sentences(text: str, sentences: list[dict]) -> str:
    return _mark(
        text, [(s["start"], s["end"], f"sent sent-{s['label']}", f"{s['label']} {s['score']:+.2f}") for s in sentences]
    )
