"""An admin edits a published grid through the configuration site; a clinician then sees
the change in a new dossier."""

import pytest
from django.contrib.auth.models import Group

from protocols.models import ProtocolVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

NEW_ITEM = "Montre du doigt ce qui l'intéresse"


@pytest.mark.django_db(transaction=True)
def test_admin_publishes_a_new_item_that_a_clinician_then_sees(
    page, live_server, screening_protocol, alice
):
    editor = UserFactory(username="diane", is_staff=True)
    editor.groups.add(Group.objects.get(name="Éditeurs de protocoles"))
    published = screening_protocol.published_version()

    # The admin duplicates the published version into a draft.
    log_in(page, live_server, "diane", PASSWORD, admin=True)
    page.goto(f"{live_server.url}/admin/protocols/protocolversion/{published.pk}/change/")
    page.click("text=Dupliquer en nouveau brouillon")
    page.wait_for_selector("text=Brouillon créé")
    draft = ProtocolVersion.objects.get(protocol=screening_protocol, status="draft")

    # ... opens the "Socialisation" section of the draft and adds an item.
    page.click("#sections-group >> text=Socialisation")
    page.wait_for_selector("text=Ajouter un objet Item supplémentaire")
    page.click("text=Ajouter un objet Item supplémentaire")
    new_form = page.locator(".inline-related:not(.empty-form)").last
    new_form.locator("input[name$='-position']").fill("10")
    new_form.locator("input[name$='-key']").fill("pointe-24m")
    new_form.locator("input[name$='-label']").fill(NEW_ITEM)
    new_form.locator("textarea[name$='-hint']").fill("Pointage proto-déclaratif pour partager.")
    new_form.locator("select[name$='-role']").select_option("milestone")
    new_form.locator("input[name$='-min_age_months']").fill("24")
    new_form.locator("input[name$='-max_age_months']").fill("36")
    page.click("input[name=_save]")
    page.wait_for_selector("text=a été modifié")

    # ... then publishes the draft, which retires the previous version.
    page.goto(f"{live_server.url}/admin/protocols/protocolversion/{draft.pk}/change/")
    page.click("text=Publier cette version")
    page.wait_for_selector("text=Version publiée")
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == ("published", "retired")

    # A clinician opens a new dossier for a 30-month-old child with that protocol.
    page.context.clear_cookies()
    log_in(page, live_server, "alice", PASSWORD)
    page.click("text=Nouveau dossier")
    page.fill("#id_initials", "PM")
    page.fill("#id_birth_date", _birth_date_months_ago(30))
    page.check(f"input[name=protocols][value='{screening_protocol.pk}']")
    page.click("text=Créer le dossier")
    page.wait_for_selector("text=Dossier créé.")
    grid = page.locator(".grids")
    assert grid.get_by_text(NEW_ITEM).is_visible()
    assert grid.get_by_text("Jeu de faire semblant").is_visible()
    assert grid.get_by_text("Attend son tour").count() == 0  # 48-60 months: not this child


def _birth_date_months_ago(months: int) -> str:
    from django.utils import timezone

    today = timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return f"{year:04d}-{month + 1:02d}-01"
