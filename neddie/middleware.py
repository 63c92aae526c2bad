"""Session expiry: a clinician who walks away from a shared computer is logged out after
``SESSION_IDLE_SECONDS`` without any request, and every session ends ``SESSION_COOKIE_AGE``
after login however active it is.

The absolute limit is checked here because Django's own expiry slides: the session is saved
on every request (the last-seen time changes), and each save pushes its expiry back."""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse

from audit.signals import LOGOUT_REASON

LAST_SEEN = "neddie_last_seen"
STARTED = "neddie_session_started"


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS:
                return self._expired(request, "session expirée (inactivité)")
            if now - started > settings.SESSION_COOKIE_AGE:
                return self._expired(request, "session expirée (durée maximale)")
            request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _expired(self, request, reason: str) -> HttpResponse:
        setattr(request, LOGOUT_REASON, reason)
        logout(request)
        if request.headers.get("HX-Request"):
            # htmx: send the whole page to the login form, not a fragment in the page; back
            # to the page the user was on once logged in again.
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            page = current.path + (f"?{current.query}" if current.query else "")
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(page or "/").url
            return response
        return redirect_to_login(request.get_full_path())
