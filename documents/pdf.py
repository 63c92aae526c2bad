"""The report (and its care plan) as a PDF, rendered by WeasyPrint from a print template.

Report text comes from transcripts and editors: it is untrusted. The template escapes it
(section text goes through ``neddie.rich_text``, which lets no tag with a URL through),
and the URL fetcher refuses every resource except neddie's own static files, so nothing
in a report can make the server fetch a URL or read a local file.

Documents are PDF/A-3b (archival: fonts embedded, colour profile, XMP metadata), which
WeasyPrint writes itself.
"""

import mimetypes
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from care_plans.models import CarePlan
from documents.selectors import print_context
from reports.models import Report

# Relative URLs in the print template resolve against this base, which names no real host
# (.invalid never resolves): only paths under STATIC_URL on it are served, from disk.
_STATIC_BASE = "https://static.neddie.invalid/"
PDF_VARIANT = "pdf/a-3b"


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


# WeasyPrint breaks a word too long for its line (CSS overflow-wrap) in time quadratic in
# the word's length: a pasted 100 KB line with no space took minutes. Every run of more
# than LONG_RUN characters without a space gets a break opportunity (a zero-width space)
# every BREAK_EVERY characters, so lines break there at once. Ordinary words, dates and
# our 64-character hashes are shorter and print untouched.
LONG_RUN = 80
BREAK_EVERY = 16
_TAGS = re.compile(r"(<[^>]*>)")
_RUN = re.compile(rf"(?:&#?\w+;|[^\s<>&]){{{LONG_RUN + 1},}}")
_CHARACTER = re.compile(r"&#?\w+;|[^\s<>&]")  # an entity counts as one character


def _break_run(match: re.Match) -> str:
    characters = _CHARACTER.findall(match.group(0))
    return "\u200b".join(
        "".join(characters[start : start + BREAK_EVERY])
        for start in range(0, len(characters), BREAK_EVERY)
    )


def breakable(html: str) -> str:
    """``html`` with break opportunities in its long runs of text (never inside a tag or
    an entity)."""
    parts = _TAGS.split(html)
    # split() with a group: text at even indices, tags at odd ones.
    parts[::2] = [_RUN.sub(_break_run, text) for text in parts[::2]]
    return "".join(parts)


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    pages: int


def report_html(
    report: Report, *, care_plan: CarePlan | None = None, with_transcripts: bool = True
) -> str:
    """The print template filled for ``report`` (and ``care_plan``, as its own part)."""
    return render_to_string(
        "documents/report_print.html",
        print_context(report, care_plan=care_plan, with_transcripts=with_transcripts),
    )


def html_to_pdf(html: str) -> RenderedPDF:
    """Lay out ``html`` (our print template's output) and write it as PDF/A."""
    document = HTML(
        string=breakable(html), base_url=_STATIC_BASE, url_fetcher=StaticOnlyURLFetcher()
    ).render()
    return RenderedPDF(
        content=document.write_pdf(pdf_variant=PDF_VARIANT), pages=len(document.pages)
    )


def report_pdf_render(
    report: Report, *, care_plan: CarePlan | None = None, with_transcripts: bool = True
) -> RenderedPDF:
    """``with_transcripts``: the transcripts as an annex; left out for readers who may see
    the report but not its sources (the team's external members). ``care_plan``: printed
    after the report, from a new page; only its retained rows."""
    return html_to_pdf(report_html(report, care_plan=care_plan, with_transcripts=with_transcripts))
