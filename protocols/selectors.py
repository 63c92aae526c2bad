from django.db.models import QuerySet

from protocols.models import Protocol


def protocols_available() -> QuerySet[Protocol]:
    """Protocols a clinician may choose for a new dossier."""
    return Protocol.objects.filter(is_active=True).order_by("title")
