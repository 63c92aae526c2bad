"""Where the current request comes from, for the audit events written during it.

Services write audit events without being handed the request; the middleware puts the
request's method, path, address and browser in a context variable for the time of the
request (a worker or the command line has none: their events carry no address)."""

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    method: str = ""
    path: str = ""
    ip_address: str | None = None
    user_agent: str = ""


NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)


def current_request() -> RequestContext:
    return _current.get() or NO_REQUEST


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, for the audit log and for django-axes' lockouts (both must
    agree: AXES_CLIENT_IP_CALLABLE points here).

    Behind docker-compose's reverse proxy (AUDIT_TRUST_X_FORWARDED_FOR), the client is the
    last entry of X-Forwarded-For, the one our proxy appended: entries before it come from
    the client itself and can be forged. Anything that is not an IP address is ignored, so
    a forged header can neither hide the client nor break the audit insert."""
    from django.conf import settings

    candidates = []
    if settings.AUDIT_TRUST_X_FORWARDED_FOR:
        forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p]
        candidates += forwarded[-1:]
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        address = _valid_ip(candidate)
        if address:
            return address
    return None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Cut to the columns' sizes: an odd request must not make the audit insert fail.
        token = _current.set(
            RequestContext(
                method=request.method[:10],
                path=request.path[:300],
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
