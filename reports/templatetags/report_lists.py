from django import template

from reports.selectors import reports_visible

register = template.Library()


@register.simple_tag(takes_context=True)
def dossier_reports(context, dossier) -> list:
    """``{% dossier_reports dossier as reports %}``: the dossier's reports the user may
    read, on the dossier's page (the dossier stands below its reports, so its view does
    not list them)."""
    return reports_visible(context["request"].user, dossier)
