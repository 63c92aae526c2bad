"""Drafts stored on a report: versions, proposals, acceptance. The clinician's text and
answers are never replaced without their say."""

import pytest

from drafting import services as drafting
from drafting.models import DraftRun
from drafting.selectors import report_draft_as_dict, report_section_panels
from reports.models import ReportItem, SectionVersion
from tests.drafting.dossiers import SECOND_SESSION, consult, drafted
from tests.drafting.support import ScriptedLLM
from tests.drafting.transcripts import PARENT_INTERVIEW


def section(report, key):
    return report.sections.get(key=key)


def accepted(section_row):
    return section_row.versions.get(status=SectionVersion.Status.ACCEPTED)


def test_a_transcript_ready_queues_a_draft(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    report = drafting_dossier.reports.get()
    assert report.runs.get().status == DraftRun.Status.QUEUED
    # A second consultation before the run starts joins the same run.
    consult(drafting_dossier, alice, tone_wav, SECOND_SESSION, day=9)
    assert report.runs.count() == 1


def test_the_first_draft_becomes_the_text_with_citations(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    run = drafted(drafting_dossier)
    assert run.status == DraftRun.Status.DONE
    assert run.engine == "extractive"
    assert run.prompt_version.startswith("neddie-draft/")
    assert run.protocol_versions == ["grille-test v1"]

    report = drafting_dossier.reports.get()
    communication = section(report, "communication")
    version = accepted(communication)
    assert version.origin == SectionVersion.Origin.DRAFT
    assert communication.body == version.text
    assert "« Il ne pointe jamais" in communication.body
    statements = list(version.statements.all())
    assert statements and all(s.citations.exists() for s in statements)
    assert (
        report.sections.get(key="communication").items.get(key="jeu-symbolique").draft_status
        == ReportItem.DraftStatus.NOT_ADDRESSED
    )

    data = report_draft_as_dict(report)
    pointing = next(s for s in data["sections"] if s["key"] == "communication")["statements"]
    assert any(c.startswith("C1-U") for s in pointing for c in s["cites"])


def test_two_consultations_are_cited_and_their_contradiction_shown(
    drafting_dossier, alice, tone_wav
):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    consult(drafting_dossier, alice, tone_wav, SECOND_SESSION, day=9)
    run = drafted(drafting_dossier)
    assert set(run.sources) == {"C1", "C2"}
    report = drafting_dossier.reports.get()
    panel = next(p for p in report_section_panels(report) if p.section.key == "communication")
    labels = {c.label.split("-")[0] for view in panel.statements for c in view.citations}
    assert labels == {"C1", "C2"}
    assert panel.contradictions
    contradiction = panel.contradictions[0]
    assert "ne se retourne pas" in contradiction.first.text
    assert "il se retourne" in contradiction.second.text
    assert contradiction.first.transcript != contradiction.second.transcript


def test_a_new_draft_never_replaces_the_clinicians_text(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    report = drafting_dossier.reports.get()
    communication = section(report, "communication")
    mine = drafting.section_text_save(
        section=communication, text="Texte relu et corrigé par la clinicienne.", user=alice
    )

    drafted_again = drafting.draft_run_request(report=report, enqueue=False)
    drafting.draft_run_execute(run_id=drafted_again.pk, engine="extractive")
    communication.refresh_from_db()
    assert communication.body == "Texte relu et corrigé par la clinicienne."
    assert accepted(communication) == mine
    proposal = communication.versions.get(status=SectionVersion.Status.PROPOSED)
    assert proposal.based_on == mine
    # The diff shows the clinician's text going and the drafted quotes coming.
    assert "-Texte relu et corrigé par la clinicienne." in proposal.diff
    assert "+Un participant rapporte : « Il ne pointe jamais" in proposal.diff


def test_edit_proposals_replace_nothing_until_accepted_and_every_version_is_kept(
    drafting_dossier, alice, tone_wav
):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    report = drafting_dossier.reports.get()
    communication = section(report, "communication")
    before = communication.body

    shorter = drafting.section_edit_propose(
        section=communication, action="shorten", user=alice, engine="extractive"
    )
    communication.refresh_from_db()
    assert shorter.status == SectionVersion.Status.PROPOSED
    assert communication.body == before

    drafting.section_version_accept(version=shorter, user=alice)
    communication.refresh_from_db()
    assert communication.body == shorter.text
    statuses = list(communication.versions.order_by("number").values_list("status", flat=True))
    assert statuses == ["superseded", "accepted"]

    longer = drafting.section_edit_propose(
        section=communication, action="expand", user=alice, engine="extractive"
    )
    drafting.section_version_reject(version=longer, user=alice)
    communication.refresh_from_db()
    assert communication.body == shorter.text
    assert communication.versions.count() == 3
    with pytest.raises(drafting.DraftingError):
        drafting.section_version_accept(version=longer, user=alice)


def test_expand_brings_in_evidence_not_yet_cited(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    # The clinician keeps only one sentence, then asks to develop it.
    drafting.section_text_save(
        section=communication, text=accepted(communication).statements.first().text, user=alice
    )
    cited_before = set(accepted(communication).statements.values_list("citations", flat=True))
    proposal = drafting.section_edit_propose(
        section=communication, action="expand", user=alice, engine="extractive"
    )
    cited_after = set(proposal.statements.values_list("citations", flat=True))
    assert cited_after > cited_before
    assert proposal.diff.count("\n+") >= 1


def test_an_ai_edit_of_a_selected_passage_keeps_the_rest(
    drafting_dossier, alice, tone_wav, monkeypatch
):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    current = list(accepted(communication).statements.order_by("position"))
    chosen = next(s for s in current if "Il ne pointe jamais" in s.text)
    llm = ScriptedLLM(
        lambda messages, schema: {
            "statements": [
                {
                    "text": "L'enfant ne pointe jamais et prend la main de l'adulte.",
                    # the model may only cite what it was shown: the passage's own evidence
                    "cites": schema["properties"]["statements"]["items"]["properties"]["cites"][
                        "items"
                    ]["enum"],
                }
            ]
        }
    )
    monkeypatch.setattr(drafting, "llm_or_fallback", lambda engine: (llm, ""))
    proposal = drafting.section_edit_propose(
        section=communication, action="rephrase", user=alice, selection=[chosen.position]
    )
    texts = list(proposal.statements.order_by("position").values_list("text", flat=True))
    expected = [
        "L'enfant ne pointe jamais et prend la main de l'adulte." if s == chosen else s.text
        for s in current
    ]
    assert texts == expected
    assert proposal.selection == [chosen.position]
    assert proposal.status == SectionVersion.Status.PROPOSED
    rephrased = proposal.statements.get(text=expected[chosen.position - 1])
    assert rephrased.origin == "llm" and rephrased.verdict == "supported"
    assert set(rephrased.citations.all()) == set(chosen.citations.all())


def test_a_draft_never_overwrites_an_answer_the_clinician_gave(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    report = drafting_dossier.reports.get()
    pointing = ReportItem.objects.get(section__report=report, key="pointage")
    pointing.answer, pointing.answer_source = "oui", ReportItem.AnswerSource.CLINICIAN
    pointing.save()
    version = SectionVersion(findings={"pointage": "non"})
    version.section = pointing.section
    drafting._apply(version, user=None)
    pointing.refresh_from_db()
    assert pointing.answer == "oui"


def test_a_failed_run_says_so(drafting_dossier, alice, tone_wav, monkeypatch):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    report = drafting_dossier.reports.get()
    run = report.runs.get()

    def broken(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(drafting, "draft", broken)
    with pytest.raises(RuntimeError):
        drafting.draft_run_execute(run_id=run.pk, engine="extractive")
    run.refresh_from_db()
    assert run.status == DraftRun.Status.FAILED
    assert f"n° {run.pk}" in run.error_message
    assert drafting.draft_run_execute(run_id=run.pk) is None  # not run twice


def test_a_draft_with_nothing_new_adds_no_version(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    report = drafting_dossier.reports.get()
    counts = {s.key: s.versions.count() for s in report.sections.all()}
    assert counts["communication"] == 1
    assert counts["motif"] == 0 or report.sections.get(key="motif").body
    again = drafting.draft_run_request(report=report, enqueue=False)
    drafting.draft_run_execute(run_id=again.pk, engine="extractive")
    assert {s.key: s.versions.count() for s in report.sections.all()} == counts
    assert not SectionVersion.objects.filter(
        section__report=report, status=SectionVersion.Status.PROPOSED
    ).exists()


def test_two_editors_never_lose_an_update_silently(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    loaded = accepted(communication).number  # both editors opened this version
    drafting.section_text_save(
        section=communication, text="Texte de la première.", user=alice, based_on=loaded
    )
    with pytest.raises(drafting.SectionConflict) as conflict:
        drafting.section_text_save(
            section=communication, text="Texte du second.", user=alice, based_on=loaded
        )
    communication.refresh_from_db()
    assert communication.body == "Texte de la première."
    assert conflict.value.current.text == "Texte de la première."
    assert conflict.value.yours == "Texte du second."


def test_a_proposal_made_on_older_text_cannot_replace_newer_text(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    proposal = drafting.section_edit_propose(
        section=communication, action="shorten", user=alice, engine="extractive"
    )
    # The clinician edits while the AI edit was running.
    drafting.section_text_save(section=communication, text="Relu et corrigé.", user=alice)
    with pytest.raises(drafting.SectionConflict):
        drafting.section_version_accept(version=proposal, user=alice)
    communication.refresh_from_db()
    assert communication.body == "Relu et corrigé."


def test_undo_restores_the_previous_text_with_its_sources(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    draft_version = accepted(communication)
    drafting.section_text_save(section=communication, text="Trop court.", user=alice)

    restored = drafting.section_undo(section=communication, user=alice)
    communication.refresh_from_db()
    assert communication.body == draft_version.text
    assert restored.origin == SectionVersion.Origin.UNDO
    assert [list(s.citations.all()) for s in restored.statements.order_by("position")] == [
        list(s.citations.all()) for s in draft_version.statements.order_by("position")
    ]
    drafting.section_undo(section=communication, user=alice)  # undo the undo
    communication.refresh_from_db()
    assert communication.body == "Trop court."
    assert communication.versions.count() == 4  # nothing was deleted


def test_nothing_to_undo_on_a_first_text(drafting_dossier, alice, tone_wav):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(drafting_dossier)
    communication = section(drafting_dossier.reports.get(), "communication")
    with pytest.raises(drafting.DraftingError, match="Rien à annuler"):
        drafting.section_undo(section=communication, user=alice)


def test_a_long_draft_shows_which_section_it_is_writing(
    drafting_dossier, alice, tone_wav, monkeypatch
):
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    report = drafting_dossier.reports.get()
    run = report.runs.get()
    seen = []
    record = drafting.job_progress

    def watched(job, **changes):
        record(job, **changes)
        job.refresh_from_db()
        seen.append((job.progress, job.stage))

    monkeypatch.setattr(drafting, "job_progress", watched)
    drafting.draft_run_execute(run_id=run.pk, engine="extractive")

    stages = [stage for _progress, stage in seen if stage.startswith("Rédaction : section")]
    total = report.sections.count()
    assert stages[0].startswith(f"Rédaction : section 1 sur {total} (")
    assert stages[-1].startswith(f"Rédaction : section {total} sur {total} (")
    progress = [p for p, stage in seen if stage in stages]
    assert progress == sorted(progress) and progress[-1] < 100
    run.refresh_from_db()
    assert run.status == DraftRun.Status.DONE
