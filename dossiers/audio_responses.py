"""Recordings served to the browser's audio player, with HTTP range requests: seeking to a
cited passage fetches only the bytes around it. Access is checked by the view (the dossier's
care team); this module only reads the file."""

import mimetypes
import re
from pathlib import PurePath

from django.http import HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single-range header; None when it cannot be served."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def _read(handle, start: int, end: int):
    handle.seek(start)
    remaining = end - start + 1
    try:
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def audio_response(field_file, *, range_header: str, download_name: str) -> HttpResponse:
    size = field_file.size
    content_type = mimetypes.guess_type(PurePath(field_file.name).name)[0] or "audio/wav"
    headers = {
        "Accept-Ranges": "bytes",
        # Health data: never kept by a shared cache or the browser's disk cache.
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="{download_name}"',
    }
    if range_header:
        wanted = _byte_range(range_header, size)
        if wanted is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = wanted
        handle = field_file.open("rb")
        response = StreamingHttpResponse(
            _read(handle, start, end), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        handle = field_file.open("rb")
        response = StreamingHttpResponse(_read(handle, 0, size - 1), content_type=content_type)
        response["Content-Length"] = str(size)
    for name, value in headers.items():
        response[name] = value
    return response
