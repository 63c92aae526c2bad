"""Every view of the app, for every role, with GET and POST, in three states of the report.

The URL list comes from the resolver (every app of the pathway, each its own namespace, and
the work panel's): a new view is in the matrix
as soon as it has a URL, and the test fails until EXPECTED says who may use it. Expectations:
- a role EXPECTED lists for the view, verb and report status: not refused (no 403/404/405,
  no server error): a page, a redirect after the action, or a form error;
- anyone else signed in: refused. The outsider (bob) and the admin in no care team (eve)
  get a 404 on anything with an id in its URL, never a 403 that would say the object
  exists; team members get a 403 or a 404 (an external member does not see the pathway);
  a view with no id in its URL (opening a dossier) refuses with a 403;
- a verb the view does not take: 405 for everyone signed in;
- anonymous: always a redirect to the login page.

The world (tests/security/world.py) is built once per module; each case is one test and runs
in a savepoint, so a transition or a comment made by one case is gone before the next.

To add a view: add its URL name with the roles that may use it per verb, in the statuses
where they may (a set: in every status; a dict: status → roles, missing statuses: nobody).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.review.transitions import TRANSITIONS
from tests.security.world import ROLES, SCENARIOS

A, C, D, B, E = "alice", "charlie", "dave", "bob", "eve"
CARE = {A, C}  # clinician and care coordinator
SIGNED_IN = {A, C, D, B, E}  # for views with no dossier in their URL
# Granted dossiers.open_dossier by an admin (the group « Cliniciens »): the two clinicians.
# Not the coordinator, not the external member, not the admin (a superuser, who holds every
# Django permission, is still not a clinician).
MAY_OPEN_DOSSIERS = {A, B}
EDITABLE = {"draft": {A}}  # the clinician, while the report is a draft

EXPECTED: dict[str, dict[str, set | dict]] = {
    # Views without a dossier in their URL: anyone signed in sees their own list; opening a
    # dossier is for those granted it (anyone else: 403).
    "dossier_list": {"GET": SIGNED_IN},
    "dossier_create": {"GET": MAY_OPEN_DOSSIERS, "POST": MAY_OPEN_DOSSIERS},
    # An external member sees the dossier's shared page; only the care team files recordings.
    "dossier_detail": {"GET": CARE | {D}, "POST": CARE},
    "dossier_jobs": {"GET": CARE},
    "report_jobs": {"GET": CARE},
    # Relaunching a failed job: whoever may start that kind of work (an AI edit: the
    # clinician of a draft; the world's edit is done, so the answer is a message, not a 403).
    "job_relaunch:modification": {"POST": EDITABLE},
    # An external member reads the report once signed (the consultation has sharing consent).
    "report_detail": {"GET": {"draft": CARE, "in_review": CARE, "signed": CARE | {D}}},
    # « Télécharger le PDF » asks the worker (the external member: the recipients' copy).
    "report_pdf": {"GET": {"draft": CARE, "in_review": CARE, "signed": CARE | {D}}},
    "report_draft": {"POST": EDITABLE},
    "section_edit": {"POST": EDITABLE},
    "section_text": {"POST": EDITABLE},
    "section_undo": {"POST": EDITABLE},
    "section_version_decide": {"POST": EDITABLE},
    "statement_keep": {"POST": EDITABLE},
    "statement_remove": {"POST": EDITABLE},
    "edit_job_status": {"GET": CARE},
    "report_transition:submit": {"POST": EDITABLE},
    "report_transition:request_changes": {"POST": {"in_review": {C}}},
    "report_transition:approve": {"POST": {"in_review": {C}}},
    "report_transition:validate": {"POST": {}},  # from "à corriger" only
    "report_transition:reopen": {"POST": {}},  # from "validé" only
    "report_transition:sign": {"POST": {}},  # from "validé" only
    "comment_add": {"POST": {"in_review": {C}}},
    "comment_resolve": {"POST": EDITABLE},
    "report_correct": {"POST": {"signed": {A}}},
    # Transcripts: the clinician names speakers, whatever the report's status.
    "report_speaker_rename": {"POST": {A}},
    "segment_speaker": {"POST": {A}},
    "consultation_track_add": {"POST": CARE},
    # Consent is pathway data: the care team that files the recordings records it.
    "consultation_consent": {"POST": CARE},
    "recording_audio": {"GET": CARE},
    # Care plan: the world's plan was started while the report was validated, then the
    # report was reopened; the clinician changes the plan once the report no longer moves.
    "care_plan_start": {"POST": {"signed": {A}}},
    "care_plan_detail": {"GET": CARE},  # a draft plan: not for the external member
    "care_plan_draft_status": {"GET": CARE},
    "care_plan_identification": {"POST": {"signed": {A}}},
    "care_plan_section_text": {"POST": {"signed": {A}}},
    "care_plan_entry_add": {"POST": {"signed": {A}}},
    "care_plan_entry_edit": {"POST": {"signed": {A}}},
    "care_plan_entry_decide": {"POST": {"signed": {A}}},
    "care_plan_draft": {"POST": {"signed": {A}}},
    "care_plan_sign": {"POST": {"signed": {A}}},
    # Follow-ups are the care team's work, whatever the report's status.
    "follow_up_done": {"POST": CARE},
    "follow_ups": {"GET": SIGNED_IN},
    # Sharing: the care team sees who has what; the clinician shares and revokes (a share
    # of an unsigned report is refused by the form: a page, not a 403).
    "shared_with_me": {"GET": SIGNED_IN},
    "report_shares": {"GET": CARE, "POST": {A}},
    "share_invite": {"POST": {A}},
    "share_revoke": {"GET": {A}, "POST": {A}},
    # Final PDFs: the care team produces and downloads them; the external member sees the
    # panel of a report shared with him (the world's document is the team's copy).
    "document_request": {"POST": CARE},
    "document_panel": {"GET": {"draft": CARE, "in_review": CARE, "signed": CARE | {D}}},
    "document_download": {"GET": CARE},
    # Following a document asked for: the world's document is the team's copy.
    "document_status": {"GET": CARE},
    # FHIR export: the care team.
    "report_fhir_download": {"GET": CARE},
    "report_fhir_api": {"GET": CARE},
}
# Machine endpoints answer an anonymous caller 401 (JSON), not a redirect to the login page.
ANONYMOUS_401 = {"report_fhir_api"}

VERBS = ("GET", "POST")
# URL kwargs that take a name, not an id: one case per name. Ids come from world.objects.
KWARG_CHOICES = {"transition": list(TRANSITIONS), "kind": ["modification"]}


# The URL namespaces of the pathway: one per app, and the work panel's.
PATHWAY_NAMESPACES = {
    "dossiers",
    "transcription",
    "reports",
    "drafting",
    "care_plans",
    "sharing",
    "documents",
    "work",
}


def _patterns(patterns, namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and namespace in PATHWAY_NAMESPACES and entry.name:
            yield namespace, entry


def pathway_views() -> dict[str, list[str]]:
    """URL name of every view of the pathway → its URL kwargs (names are unique across the
    namespaces: ``test_url_names_are_unique_across_the_pathway``)."""
    return {
        entry.name: list(entry.pattern.regex.groupindex)
        for _namespace, entry in _patterns(get_resolver().url_patterns)
    }


def namespace_of(name: str) -> str:
    return next(ns for ns, entry in _patterns(get_resolver().url_patterns) if entry.name == name)


def matrix_keys() -> list[tuple[str, dict]]:
    """(EXPECTED key, fixed kwargs): one per view, one per transition for report_transition."""
    keys = []
    for name, kwargs in pathway_views().items():
        choices = [k for k in kwargs if k in KWARG_CHOICES]
        if not choices:
            keys.append((name, {}))
            continue
        (kwarg,) = choices
        keys += [(f"{name}:{value}", {kwarg: value}) for value in KWARG_CHOICES[kwarg]]
    return keys


def allowed(key: str, verb: str, scenario: str) -> set:
    roles = EXPECTED[key].get(verb, set())
    return roles.get(scenario, set()) if isinstance(roles, dict) else roles


def _cases():
    for key, _fixed in matrix_keys():
        for verb in VERBS:
            yield pytest.param(key, verb, "anonymous", "draft", id=f"{key}-{verb}-anonymous")
            for scenario in SCENARIOS:
                for role in ROLES[:-1]:
                    yield pytest.param(
                        key, verb, role, scenario, id=f"{key}-{verb}-{role}-{scenario}"
                    )


def test_url_names_are_unique_across_the_pathway():
    names = [entry.name for _namespace, entry in _patterns(get_resolver().url_patterns)]
    assert len(names) == len(set(names))
    assert {ns for ns, _entry in _patterns(get_resolver().url_patterns)} == PATHWAY_NAMESPACES


def test_every_view_is_in_the_table():
    keys = {key for key, _fixed in matrix_keys()}
    missing = sorted(keys - EXPECTED.keys())
    assert not missing, f"Views without expectations (add them to EXPECTED): {missing}"
    stale = sorted(EXPECTED.keys() - keys)
    assert not stale, f"Expectations for views that no longer exist: {stale}"


def _url(world, key: str) -> str:
    name = key.split(":", 1)[0]
    fixed = dict(matrix_keys())[key]
    kwargs = {}
    for kwarg in pathway_views()[name]:
        if kwarg in fixed:
            kwargs[kwarg] = fixed[kwarg]
        else:
            assert kwarg in world.objects, (
                f"{name}: no object for the URL kwarg {kwarg!r} (add it in tests/security/world.py)"
            )
            kwargs[kwarg] = world.objects[kwarg]
    return reverse(f"{namespace_of(name)}:{name}", kwargs=kwargs)


@pytest.mark.parametrize(("key", "verb", "role", "scenario"), list(_cases()))
def test_permission_matrix(client, db, world, world_media, key, verb, role, scenario):
    if key not in EXPECTED:
        pytest.skip("not in EXPECTED: test_every_view_is_in_the_table fails for it")
    SCENARIOS[scenario](world)
    url = _url(world, key)
    if role != "anonymous":
        client.force_login(world.users[role])
    response = getattr(client, verb.lower())(url)
    status = response.status_code
    label = f"{verb} {url} as {role} ({scenario}): {status}"

    if role == "anonymous" and key in ANONYMOUS_401:
        assert status == (401 if verb in EXPECTED[key] else 405), label
    elif role == "anonymous":
        assert status == 302, label
        assert response["Location"].startswith(reverse("login") + "?next="), label
    elif verb not in EXPECTED[key]:
        assert status == 405, label
    elif role in allowed(key, verb, scenario):
        assert status < 500 and status not in (403, 404, 405), label
    elif role in (B, E) and pathway_views()[key.split(":", 1)[0]]:
        assert status == 404, label
    elif not pathway_views()[key.split(":", 1)[0]]:
        # No object in the URL, so nothing to hide: the refusal says so (opening a dossier).
        assert status == 403, label
    else:
        assert status in (403, 404), label
