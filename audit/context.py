"""Where the current request comes from, for the audit events written during it.

Services write audit events without being handed the request; the middleware puts the
request's user, address and browser in a context variable for the time of the request
(a worker or the command line has none: their events carry no address)."""

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


def client_ip(request) -> str | None:
    # Behind the reverse proxy of docker-compose, the proxy sets X-Forwarded-For; only its
    # first entry is the client. AUDIT_TRUST_X_FORWARDED_FOR says whether to believe it.
    from django.conf import settings

    if settings.AUDIT_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(
            RequestContext(
                method=request.method,
                path=request.path[:300],
                ip_address=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
