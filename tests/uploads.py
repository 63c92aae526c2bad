"""Uploading a recording through the service, as the web form and the CLI do."""

from pathlib import Path

from django.core.files import File

from reports import services
from reports.models import PipelineJob


def upload(consultation, path: Path, user, *, enqueue: bool = False, **kwargs) -> PipelineJob:
    """Store ``path`` for ``consultation``; without a broker unless ``enqueue``."""
    with open(path, "rb") as handle:
        return services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(path)),
            original_name=path.name,
            uploaded_by=user,
            enqueue=enqueue,
            **kwargs,
        )
