"""The sharing panel of the report page, computed here so that the page's view (the
editor's) needs no sharing context of its own."""

from django import template

from reports.models import Share
from reports.permissions import can

register = template.Library()


@register.inclusion_tag("reports/sharing/_panel.html", takes_context=True)
def share_panel(context, report):
    user = context["request"].user
    return {
        "report": report,
        "live": list(Share.objects.active().filter(report=report).select_related("recipient")),
        "can_share": can(user, "reports.share_report", report),
    }
