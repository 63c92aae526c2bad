import rules
from django import template

from neddie import work
from neddie.rich_text import reading as _reading
from neddie.rich_text import render as _render

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """A position in a recording as clinicians read it: 4:05, or 1:02:03 past an hour."""
    if seconds in (None, ""):
        return ""
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def roles(choices) -> set[str]:
    """The values of (value, label) choices, to test whether a speaker is a known role."""
    return {value for value, _label in choices}


_FINDINGS = {"oui": "observé", "non": "non observé", "non_evalue": "non évalué"}


@register.filter
def finding(answer: str) -> str:
    """An observation item's answer as clinicians read it; other answers as they are."""
    return _FINDINGS.get(answer, answer)


@register.simple_tag
def can(user, permission: str, obj) -> bool:
    """``{% can user "reports.change_report" report as can_edit %}``: the same rules the
    views enforce (dossiers/permissions.py), so the page never offers a refused action."""
    return rules.has_perm(permission, user, obj)


@register.filter
def rich_text(text) -> str:
    """Section text (Markdown) as sanitised HTML: paragraphs, lists, emphasis, line breaks;
    anything else shows as the characters typed (neddie/rich_text.py)."""
    return _render(text)


@register.simple_tag
def section_reading(panel):
    """``{% section_reading panel as reading %}``: the section's text rendered sentence by
    sentence, each with its statement (citations, verdict) matched on plain text."""
    return _reading(panel.section.body, [(view.row.text, view) for view in panel.statements])


@register.inclusion_tag("neddie/_jobs.html", takes_context=True)
def work_panel(context, dossier):
    """A dossier's background work, on its page: the dossier stands below every kind of
    job, so the panel is composed here rather than imported by the dossier's view."""
    return {"dossier": dossier, **work.jobs_context(dossier, context["request"].user)}
