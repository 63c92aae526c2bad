import pytest

from dossiers import services
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.protocol_files import import_published


@pytest.fixture
def drafting_dossier(alice):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    return services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
