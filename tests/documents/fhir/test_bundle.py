"""The FHIR bundle: built with fhir.resources' models, read back by its parser."""

import base64
import hashlib
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.goal import Goal
from pydantic import ValidationError

from care_plans.models import CarePlanEntry
from documents.fhir import FhirExportError, full_url, report_bundle
from tests.documents.fhir.conftest import BIRTH_DATE, INITIALS, PDF_BYTES

XHTML = "{http://www.w3.org/1999/xhtml}"


def resources(bundle, resource_type):
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == resource_type]


def xhtml(div: str) -> ET.Element:
    return ET.fromstring(div)  # noqa: S314 (our own export, parsed to check it is XML)


def references(node) -> set[str]:
    """Every Reference.reference in a JSON tree."""
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            found.add(node["reference"])
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


@pytest.fixture
def exported(report, care_plan, document):
    bundle = report_bundle(report, care_plan=care_plan, document=document)
    text = bundle.model_dump_json()
    return bundle, text, Bundle.model_validate_json(text)


def test_round_trip_through_the_library_parser(exported):
    bundle, text, parsed = exported
    assert parsed.model_dump(mode="json") == bundle.model_dump(mode="json")
    assert [e.resource.get_resource_type() for e in parsed.entry] == [
        "Composition",
        "Patient",
        "Practitioner",  # alice: signer and plan author
        "Practitioner",  # charlie: the plan's coordinator
        "CarePlan",
        "Goal",
        "Goal",
        "DocumentReference",
    ]
    # Each entry also parses on its own with the model its resourceType names.
    for entry in json.loads(text)["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        assert model.model_validate(resource).model_dump(mode="json") == resource


def test_a_document_bundle_by_the_rules_of_fhir_documents(exported):
    _, text, parsed = exported
    assert parsed.type == "document"
    # bdl-9, bdl-10, bdl-11: identifier with system and value, timestamp, Composition first.
    assert parsed.identifier.system and parsed.identifier.value
    assert parsed.timestamp is not None
    assert parsed.entry[0].resource.get_resource_type() == "Composition"
    urls = [e.fullUrl for e in parsed.entry]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)
    # Every reference resolves inside the bundle.
    assert references(json.loads(text)) <= set(urls)


def test_the_same_data_gives_the_same_urls_and_identifier(report, care_plan, document):
    first = report_bundle(report, care_plan=care_plan, document=document)
    second = report_bundle(report, care_plan=care_plan, document=document)
    assert [e.fullUrl for e in first.entry] == [e.fullUrl for e in second.entry]
    assert first.identifier.value == second.identifier.value
    without_plan = report_bundle(report)
    assert without_plan.identifier.value != first.identifier.value


def test_patient_is_pseudonymised(exported, report):
    _, text, parsed = exported
    (patient,) = resources(parsed, "Patient")
    assert patient.name is None
    assert [(i.system, i.value) for i in patient.identifier] == [
        ("urn:neddie:patient-code", report.dossier.patient.code)
    ]
    assert patient.gender == "female"
    assert str(patient.birthDate) == "2021-05"
    assert patient.meta.security[0].code == "PSEUDED"
    assert INITIALS not in text
    assert BIRTH_DATE.isoformat() not in text


def test_composition_is_the_signed_report_section_by_section(exported, report, alice):
    _, _, parsed = exported
    composition = parsed.entry[0].resource
    assert composition.status == "final"
    assert composition.type.coding[0].code == "11488-4"
    assert composition.title == "Compte rendu de bilan"
    assert composition.language == "fr-FR"
    assert composition.subject.reference == full_url("patient", report.dossier.patient.pk)
    assert [a.reference for a in composition.author] == [full_url("practitioner", alice.pk)]
    (attester,) = composition.attester
    assert attester.mode == "legal"
    assert attester.party.reference == full_url("practitioner", alice.pk)
    (signer,) = [p for p in resources(parsed, "Practitioner") if p.name[0].family == "Clinicienne"]
    assert signer.name[0].given == ["Alice"]
    assert [s.title for s in composition.section] == [
        *report.sections.values_list("title", flat=True),
        "Plan personnalisé d'interventions",
        "Document PDF",
    ]


def test_section_text_is_xhtml_with_markdown_and_no_markup_from_the_text(exported):
    _, _, parsed = exported
    sections = {s.title: s for s in parsed.entry[0].resource.section}
    div = xhtml(sections["Motif de la demande"].text.div)
    assert div.tag == f"{XHTML}div"
    tags = {element.tag.removeprefix(XHTML) for element in div.iter()}
    assert {"p", "ul", "li", "strong"} <= tags
    assert "script" not in tags
    assert "<script>alert(1)</script> reste du texte." in "".join(div.itertext())
    assert "langage" in [e.text for e in div.iter(f"{XHTML}strong")]
    items = xhtml(sections["Communication sociale"].text.div)
    rows = [
        [cell.text for cell in row] for row in items.iter(f"{XHTML}tr") if row[0].tag.endswith("td")
    ]
    assert ["Réponse au prénom", "oui"] in rows
    assert ["Pointage pour montrer", "non"] in rows
    assert ["Jeu de faire semblant", "non abordé"] in rows


def test_care_plan_activities_are_the_kept_rows_and_goals_are_referenced(exported, care_plan):
    _, _, parsed = exported
    (plan,) = resources(parsed, "CarePlan")
    goals = {
        e.fullUrl: e.resource for e in parsed.entry if e.resource.get_resource_type() == "Goal"
    }
    assert plan.status == "draft"
    assert plan.intent == "plan"
    assert plan.supportingInfo[0].reference == parsed.entry[0].fullUrl
    assert {g.reference for g in plan.goal} == set(goals)
    assert sorted(g.description.text for g in goals.values()) == [
        "Pointer pour demander un objet",
        "S'endormir seul",
    ]

    kept = CarePlanEntry.objects.filter(
        section__care_plan=care_plan,
        kind=CarePlanEntry.Kind.INTERVENTION,
        status=CarePlanEntry.Status.ACCEPTED,
    )
    interventions = [a.detail for a in plan.activity if a.detail.kind == "ServiceRequest"]
    assert [d.code.text for d in interventions] == [e.get_intervention_type_display() for e in kept]
    assert [d.performer[0].display for d in interventions] == [e.professional for e in kept]
    assert [d.scheduledString for d in interventions] == [
        "1 séance par semaine, 6 mois",
        "2 séances par mois",
    ]
    speech = interventions[0]
    assert speech.location.display == "cabinet"
    assert "Financement : forfait précoce (PCO)" in speech.description
    # The speech therapy serves the communication goal (same domain).
    (communication_goal,) = [
        u for u, g in goals.items() if g.description.text.startswith("Pointer")
    ]
    assert [g.reference for g in speech.goal] == [communication_goal]
    goal = goals[communication_goal]
    assert goal.lifecycleStatus == "proposed"  # the plan is not signed yet
    assert str(goal.target[0].dueDate) == "2027-06-30"
    assert goal.target[0].detailString == "pointe spontanément 3 fois par jour"
    assert goal.category[0].coding[0].code == "communication"
    assert "Besoin : Développer la communication non verbale" in [n.text for n in goal.note]

    descriptions = " ".join(a.detail.description or "" for a in plan.activity)
    assert "écartée" not in descriptions
    assert "pas encore relue" not in descriptions
    (follow_up,) = [a.detail for a in plan.activity if a.detail.kind == "Appointment"]
    assert follow_up.status == "scheduled"
    assert [str(event) for event in follow_up.scheduledTiming.event] == ["2027-09-01"]


def test_document_reference_points_to_the_pdf_with_its_sha1(exported, document):
    _, text, parsed = exported
    (reference,) = resources(parsed, "DocumentReference")
    attachment = reference.content[0].attachment
    assert attachment.contentType == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    # In the JSON, base64 of the SHA-1 (the model holds the decoded bytes).
    (raw,) = [
        e for e in json.loads(text)["entry"] if e["fullUrl"] == full_url("document", document.pk)
    ]
    sha1 = hashlib.sha1(PDF_BYTES).digest()  # noqa: S324 (FHIR's Attachment.hash)
    assert raw["resource"]["content"][0]["attachment"]["hash"] == base64.b64encode(sha1).decode()
    assert attachment.hash == sha1
    assert attachment.url == settings.SITE_URL + reverse(
        "documents:document_download", kwargs={"document_id": document.pk}
    )
    assert reference.status == "current"
    assert reference.docStatus == "final"
    assert reference.context.related[0].reference == parsed.entry[0].fullUrl


def test_a_pdf_changed_on_disk_is_not_exported(report, document):
    with document.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    with pytest.raises(FhirExportError, match="empreinte"):
        report_bundle(report, document=document)


def test_a_draft_report_is_a_preliminary_composition_by_its_clinicians(draft_report, alice):
    composition = report_bundle(draft_report).entry[0].resource
    assert composition.status == "preliminary"
    assert composition.attester is None
    assert [a.reference for a in composition.author] == [full_url("practitioner", alice.pk)]


def test_invalid_data_is_refused_with_the_element_named(report, care_plan):
    # A row saved without its text (the ORM does not run the form's checks).
    CarePlanEntry.objects.filter(section__care_plan=care_plan, kind="goal").update(text="")
    with pytest.raises(FhirExportError, match=r"Goal invalide \(description\.text"):
        report_bundle(report, care_plan=care_plan)


def test_the_library_refuses_a_malformed_date(report):
    with pytest.raises(ValidationError, match="dueDate"):
        Goal.model_validate(
            {
                "lifecycleStatus": "active",
                "description": {"text": "x"},
                "subject": {"reference": "urn:uuid:x"},
                "target": [{"dueDate": "2027-13-01"}],
            }
        )


def test_a_signed_plan_is_active_with_active_goals(report, care_plan, alice):
    from django.utils import timezone

    from care_plans.models import CarePlan

    CarePlan.objects.filter(pk=care_plan.pk).update(
        status=CarePlan.Status.SIGNED, signed_by=alice, signed_at=timezone.now(), signed_sha256="x"
    )
    care_plan.refresh_from_db()
    bundle = report_bundle(report, care_plan=care_plan)
    (plan,) = resources(bundle, "CarePlan")
    assert plan.status == "active"
    assert {goal.lifecycleStatus for goal in resources(bundle, "Goal")} == {"active"}


def test_the_attachment_url_downloads_the_same_file(client, alice, exported):
    _, _, parsed = exported
    (reference,) = resources(parsed, "DocumentReference")
    client.force_login(alice)
    response = client.get(urlsplit(reference.content[0].attachment.url).path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_control_characters_pasted_in_the_text_leave_the_narrative_xml(draft_report):
    section = draft_report.sections.get(key="motif")
    section.body = "Collé depuis un traitement de texte\x0c : saut\x0bde page."
    section.save()
    composition = report_bundle(draft_report).entry[0].resource
    (motif,) = [s for s in composition.section if s.title == "Motif de la demande"]
    assert "".join(xhtml(motif.text.div).itertext()).strip() == (
        "Collé depuis un traitement de texte : sautde page."
    )
