"""Writing the audit log. Call ``audit_record`` inside the transaction of the change it
records (the change and its event commit together, as zulip's ``do_*`` actions do); reads
are recorded by the view that serves them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from audit.context import current_request
from audit.models import AuditEvent

Action = AuditEvent.Action


def _object_type(obj) -> str:
    return obj._meta.model_name


def _dossier_id(obj) -> int | None:
    # The dossier an object belongs to, by the relations the pathway models have.
    for path in ("dossier_id", "report.dossier_id", "consultation.dossier_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        if isinstance(value, int):
            return value
    if obj._meta.model_name == "dossier":
        return obj.pk
    return None


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    dossier_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event. ``obj`` fills the object's type, id and dossier; or give them."""
    request = current_request()
    authenticated = user is not None and user.is_authenticated
    return AuditEvent.objects.create(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=object_type or (_object_type(obj) if obj is not None else ""),
        object_id=str(object_id or (obj.pk if obj is not None else "")),
        dossier_id=dossier_id
        if dossier_id is not None
        else (_dossier_id(obj) if obj is not None else None),
        detail=detail[:300],
        method=request.method,
        path=request.path,
        ip_address=request.ip_address,
        user_agent=request.user_agent,
    )


def audit_read(request, obj: models.Model, *, detail: str = "", dossier_id: int | None = None):
    """A view served ``obj`` (patient data) to ``request.user``."""
    return audit_record(
        user=request.user, action=Action.READ, obj=obj, detail=detail, dossier_id=dossier_id
    )
