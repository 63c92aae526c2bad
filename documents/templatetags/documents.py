from django import template

from documents.selectors import documents_panel

register = template.Library()


@register.inclusion_tag("documents/_panel.html", takes_context=True)
def document_panel(context, report):
    """The report's PDF documents, on the report page: the report stands below the
    documents, so the panel is composed here rather than imported by the report's view."""
    return documents_panel(context["request"].user, report)
