"""Who may correct a transcript: the dossier's clinicians (speakers, passages)."""

import rules

from dossiers.permissions import DENIED, is_clinician

rules.add_perm("transcription.change_transcript", is_clinician)

DENIED["transcription.change_transcript"] = (
    "Seuls les cliniciens de l'équipe corrigent les transcriptions."
)
