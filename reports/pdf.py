"""The report as a PDF, rendered by WeasyPrint from a print template.

Report text comes from transcripts and editors: it is untrusted. The URL fetcher refuses
every resource except neddie's own static files, so nothing in a report can make the
server fetch a URL or read a local file.
"""

import mimetypes
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports import selectors
from reports.models import Report

# Relative URLs in the print template resolve against this base, which names no real host
# (.invalid never resolves): only paths under STATIC_URL on it are served, from disk.
_STATIC_BASE = "https://static.neddie.invalid/"


class RefusedURL(ValueError):
    pass


class StaticOnlyURLFetcher(URLFetcher):
    """Serves our static files; refuses anything else (remote, file://, data:)."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != _STATIC_BASE or not parts.path.startswith(
            settings.STATIC_URL
        ):
            raise RefusedURL(f"refused resource URL scheme={parts.scheme!r}")
        relative = parts.path.removeprefix(settings.STATIC_URL)
        if ".." in relative.split("/"):
            raise RefusedURL("path escapes the static folders")
        path = finders.find(relative)
        if path is None:
            raise RefusedURL("unknown static file")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


def render_report_pdf(report: Report, *, with_transcripts: bool = True) -> bytes:
    """``with_transcripts``: the transcripts as an annex; left out for readers who may see
    the report but not its sources (the team's external members)."""
    html = render_to_string(
        "reports/report_print.html",
        {
            "report": report,
            "patient": report.dossier.patient,
            "sections": report.sections.prefetch_related("items"),
            "timelines": selectors.report_timelines(report) if with_transcripts else [],
            "letterhead": settings.REPORT_LETTERHEAD,
            "generated_at": timezone.localtime(),
        },
    )
    document = HTML(string=html, base_url=_STATIC_BASE, url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf()
