"""Session expiry after inactivity: a clinician who walks away from a shared computer is
logged out after ``SESSION_IDLE_SECONDS`` without any request."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url

LAST_SEEN = "neddie_last_seen"


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if request.headers.get("HX-Request"):
                    # htmx: send the whole page to the login form, not a fragment.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                    return response
                return redirect_to_login(request.get_full_path())
            request.session[LAST_SEEN] = now
        return self.get_response(request)
