"""Tasks try again on a transient database error, with backoff, a bounded number of times,
then fail with that error; any other error is not retried."""

import pytest
from django.db import OperationalError

from documents import tasks

pytestmark = pytest.mark.django_db


def test_a_transient_error_is_retried_then_stands(monkeypatch):
    calls = []

    def locked(*, document_id, **kwargs):
        calls.append(document_id)
        raise OperationalError("database is locked")

    monkeypatch.setattr("documents.rendering.document_render_execute", locked)
    result = tasks.render_document.apply(args=[7])
    assert result.failed() and isinstance(result.result, OperationalError)
    assert calls == [7] * (tasks.MAX_RETRIES + 1)


def test_another_error_is_not_retried(monkeypatch):
    calls = []

    def broken(*, document_id, **kwargs):
        calls.append(document_id)
        raise ValueError("bug")

    monkeypatch.setattr("documents.rendering.document_render_execute", broken)
    with pytest.raises(ValueError):
        tasks.render_document.apply(args=[7], throw=True)
    assert calls == [7]
