"""The demo's dossier drafted with faked transcription and drafting (no model): the start
of the pathway that ``seed_demo`` walks on (review, signature, care plan, shares)."""

from django.core.management import call_command

from dossiers import services
from dossiers.models import Consultation
from neddie.demo import DEMO_ACCOUNTS, demo_accounts_ensure
from protocols.models import Protocol
from tests.drafting.dossiers import consult, drafted
from tests.drafting.transcripts import PARENT_INTERVIEW


def demo_dossier_drafted(accounts_file, wav, user_model):
    """(dossier, users by username): the demo clinic, a dossier with one consultation
    transcribed (sharing consent given) and its report drafted extractively."""
    call_command("load_default_protocols", verbosity=0)
    demo_accounts_ensure(accounts_file)
    users = {u.username: u for u in user_model.objects.all()}
    dossier = services.dossier_create(
        initials="LD",
        birth_date=None,
        sex="M",
        protocols=[Protocol.objects.get(slug="bilan-tnd")],
        created_by=users["clinicienne"],
    )
    for username, _first, _last, role, _staff in DEMO_ACCOUNTS:
        if role and role != "clinician":
            services.dossier_member_add(dossier=dossier, user=users[username], role=role)
    consultation = consult(dossier, users["clinicienne"], wav, PARENT_INTERVIEW, day=3)
    Consultation.objects.filter(pk=consultation.pk).update(sharing_consent=True)
    drafted(dossier)
    return dossier, users
