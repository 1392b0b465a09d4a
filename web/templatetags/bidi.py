"""`{{ contact.name|nobidi }}`: a name shown without bidirectional control characters.

A name from Xero or typed in can hold U+202E RIGHT-TO-LEFT OVERRIDE and its kin, which reorder what follows on
the screen: "Invoice for <U+202E>gnp.exe" shows as "Invoice for exe.png". Names are shown through this one filter
everywhere (contacts, organisations, people, opportunities, invoices, quotes, Xero organisations, and messages that
quote a name), which removes the embedding, override, isolate and mark characters. Letters of right-to-left
scripts are untouched and still show right to left; the data itself is kept as it came. The admin site's own
templates do not use it. It is a template builtin (settings.TEMPLATES), so no template needs `{% load %}`.
"""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO), isolates (LRI, RLI, FSI, PDI), marks (LRM, RLM, ALM).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_REMOVE = dict.fromkeys(map(ord, BIDI_CONTROLS))


@register.filter(is_safe=True)
def nobidi(value: object) -> object:
    """The value as text without bidirectional control characters; None stays None (for `|default`).

    Markup (a form field, anything with `__html__`) stays markup: its HTML is cleaned and marked safe again, since
    taking these characters out can make no tag. Without that a `{{ form.owner|nobidi }}` showed its <select> as
    text."""
    if value is None:
        return None
    if hasattr(value, "__html__"):
        return mark_safe(value.__html__().translate(_REMOVE))  # noqa: S308 (the value was HTML already)
    return str(value).translate(_REMOVE)
