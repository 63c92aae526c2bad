"""The audit log is append-only in the database itself (audit/migrations/0002): no code
path, the ORM, a bulk update or raw SQL, can change or delete an event."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.services import Action, audit_record


@pytest.fixture
def event(db, alice):
    return audit_record(user=alice, action=Action.READ, object_type="dossier", object_id=7)


def refused(change) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change()


def test_an_event_cannot_be_saved_again(event):
    event.detail = "rien vu"
    refused(event.save)


def test_events_cannot_be_updated_in_bulk(event):
    refused(lambda: AuditEvent.objects.update(username="quelqu'un"))


def test_an_event_cannot_be_deleted(event):
    refused(event.delete)


def test_events_cannot_be_deleted_in_bulk(event):
    refused(lambda: AuditEvent.objects.all().delete())


def test_raw_sql_is_refused_too(event):
    def update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET username = 'x' WHERE id = %s", [event.pk])

    refused(update)


def test_a_refused_change_leaves_the_event_as_written(event):
    refused(event.delete)
    refused(lambda: AuditEvent.objects.update(object_id="8"))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.username, stored.object_id, stored.detail) == ("alice", "7", "")


def test_new_events_are_still_written(event):
    audit_record(user=None, action=Action.LOGIN_FAILED, object_type="session", detail="x")
    assert AuditEvent.objects.count() == 2
