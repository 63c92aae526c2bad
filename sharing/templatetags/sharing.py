"""The sharing panel of the report page, computed here so that the page's view (the
editor's) needs no sharing context of its own."""

from django import template

from dossiers.permissions import can
from sharing.models import Share

register = template.Library()


@register.inclusion_tag("sharing/_panel.html", takes_context=True)
def share_panel(context, report):
    user = context["request"].user
    return {
        "report": report,
        "live": list(Share.objects.active().filter(report=report).select_related("recipient")),
        "can_share": can(user, "sharing.share_report", report),
    }
