import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """Indented JSON for showing results on a page (autoescaped by the template)."""
    return json.dumps(value, indent=2, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def bs_widget(field):
    """Render a bound form field's widget with Bootstrap classes (and ``is-invalid`` on error)."""
    input_type = getattr(field.field.widget, "input_type", "")
    css = "form-check-input" if input_type == "checkbox" else "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)
