"""The care plan (plan personnalisé d'interventions) pages: started from a validated
report, its sections with their rows and the rows proposed from the report, the clinician's
decisions, the signature; and each care-team member's dashboard of re-evaluations."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from care_plans import selectors as plan_selectors
from care_plans import services
from care_plans.forms import IdentificationForm, SectionTextForm, entry_form
from care_plans.layout import entry_kind
from care_plans.models import CarePlan, CarePlanEntry
from dossiers.people import display_name
from dossiers.permissions import can, require
from dossiers.services import ServiceError
from reports.selectors import report_for_user

Entry = CarePlanEntry
# The school section's reminder: the same acronym names two different plans.
PPS_NOTE = (
    "PPS : projet personnalisé de scolarisation (MDPH), à ne pas confondre avec le plan "
    "personnalisé de santé (HAS)."
)


def _plan_url(plan: CarePlan, anchor: str = "") -> str:
    url = reverse("care_plans:care_plan_detail", args=[plan.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The plan page ------------------------------------------------------------------------


def _cell(entry: Entry, name: str) -> str:
    """A row's value as the table shows it: choices by their label, dates in French."""
    value = getattr(entry, name)
    if value in (None, ""):
        return ""
    if name == "responsible":
        return display_name(value)
    if name == "target_date":
        return value.strftime("%d/%m/%Y")
    display = getattr(entry, f"get_{name}_display", None)
    return str(display()) if display else str(value)


@dataclass
class RowView:
    entry: Entry
    cells: list[tuple[str, str]]  # (column, value as shown)
    form: object = None  # "Modifier" (retained rows) or "Modifier puis retenir" (proposals)
    open: bool = False  # its form was refused: shown open, with what was typed
    overdue: bool = False  # a re-evaluation past its date, not done


@dataclass
class SectionView:
    section: object
    kind: str | None
    columns: list[str]
    rows: list[RowView]
    proposals: list[RowView]
    rejected: list[RowView]
    text_form: object = None
    add_form: object = None
    add_open: bool = False
    text_open: bool = False
    note: str = ""


def _columns(kind: str, fields: tuple[str, ...]) -> list[str]:
    names = [str(Entry._meta.get_field(name).verbose_name) for name in fields]
    if kind == Entry.Kind.FOLLOW_UP:
        # Who re-evaluates: a professional named in words, or a member of the team.
        renamed = {
            "échéance": "date de réévaluation",
            "description": "ce qui est réévalué",
            "professionnel ou structure": "professionnel qui réévalue",
        }
        names = [renamed.get(n, n) for n in names]
    return names


def _plan_context(request, plan: CarePlan, bound: dict | None = None) -> dict:
    """Everything the plan page shows to ``request.user``; ``bound`` holds the forms of a
    refused POST (by prefix), shown with what was typed and why it was refused."""
    bound = bound or {}
    user = request.user
    can_change = can(user, "care_plans.change_care_plan", plan)
    can_follow = can(user, "care_plans.change_follow_up", plan)
    # The care team sees the drafting and the set-aside rows; an external member reads the
    # signed plan only.
    care_team = can(user, "reports.view_report_sources", plan.report)
    today = timezone.localdate()

    def edit_form(entry):
        if not can_change:
            return None
        prefix = f"entry-{entry.pk}"
        return bound.get(prefix) or entry_form(entry.kind, plan=plan, instance=entry, prefix=prefix)

    sections = []
    for layout in plan_selectors.care_plan_layout(plan, with_pending=care_team):
        section = layout.section
        columns = _columns(layout.kind, layout.fields) if layout.kind else []

        def rows(entries, layout=layout, columns=columns):
            return [
                RowView(
                    e,
                    list(zip(columns, [_cell(e, name) for name in layout.fields], strict=True)),
                    edit_form(e),
                    open=f"entry-{e.pk}" in bound,
                    overdue=e.kind == Entry.Kind.FOLLOW_UP
                    and e.done_at is None
                    and e.target_date is not None
                    and e.target_date < today,
                )
                for e in entries
            ]

        text_prefix, add_prefix = f"text-{section.pk}", f"add-{section.pk}"
        sections.append(
            SectionView(
                section=section,
                kind=layout.kind,
                columns=columns,
                rows=rows(layout.rows),
                proposals=rows(layout.proposals),
                rejected=rows(layout.rejected),
                text_form=(
                    bound.get(text_prefix) or SectionTextForm(instance=section, prefix=text_prefix)
                )
                if can_change
                else None,
                add_form=(
                    bound.get(add_prefix) or entry_form(layout.kind, plan=plan, prefix=add_prefix)
                )
                if can_change and layout.kind
                else None,
                add_open=add_prefix in bound,
                # A section of rows shows its free text folded until there is some.
                text_open=not layout.kind or bool(section.body) or text_prefix in bound,
                note=PPS_NOTE if layout.kind == Entry.Kind.SCHOOL else "",
            )
        )
    blockers = (
        services.care_plan_sign_blockers(plan) if plan.status == CarePlan.Status.DRAFT else []
    )
    return {
        "plan": plan,
        "report": plan.report,
        "patient": plan.report.dossier.patient,
        "sections": sections,
        "care_team": care_team,
        "can_change": can_change,
        "can_sign": can(user, "care_plans.sign_care_plan", plan),
        "can_follow": can_follow,
        "blockers": blockers,
        "pending": plan_selectors.pending_proposals(plan) if care_team else 0,
        "drafting": (drafting := plan.drafting),
        "drafting_active": drafting is not None and drafting.is_active,
        "identification_form": (
            bound.get("identification")
            or IdentificationForm(instance=plan, prefix="identification")
        )
        if can_change
        else None,
        "identification_open": "identification" in bound,
    }


def _plan_page(request, plan: CarePlan, *, bound: dict | None = None, status: int = 200):
    return render(
        request, "care_plans/detail.html", _plan_context(request, plan, bound), status=status
    )


@login_required
@require_GET
def care_plan_detail(request, plan_id: int):
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)
    audit_read(request, plan)
    return _plan_page(request, plan)


@login_required
@require_http_methods(["POST"])
def care_plan_start(request, report_id: int):
    """The clinician establishes the report's plan (proposals from the report are then
    prepared in the background), or opens it if it exists. Others follow the report
    page's link to the plan."""
    report = report_for_user(request.user, report_id)
    require(request.user, "care_plans.add_care_plan", report)
    existed = CarePlan.objects.filter(report=report).exists()
    try:
        plan = services.care_plan_start(report=report, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("drafting:report_detail", report_id=report.pk)
    if not existed:
        messages.success(
            request,
            "Plan d'interventions établi. Des propositions sont préparées à partir du compte "
            "rendu.",
        )
    return redirect(_plan_url(plan))


def _open_plan(request, plan_id: int) -> CarePlan:
    """A plan the user may change: 404 outside the team, 403 for a reader or a signed plan."""
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)
    require(request.user, "care_plans.change_care_plan", plan)
    return plan


@login_required
@require_http_methods(["POST"])
def care_plan_identification(request, plan_id: int):
    plan = _open_plan(request, plan_id)
    form = IdentificationForm(request.POST, instance=plan, prefix="identification")
    if form.is_valid():
        try:
            services.care_plan_identification_set(
                plan=plan,
                user=request.user,
                coordinator=form.cleaned_data["coordinator"],
                participants=form.cleaned_data["participants"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Référent et participants enregistrés.")
            return redirect(_plan_url(plan, "identification"))
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)  # as stored, not as typed
    return _plan_page(request, plan, bound={"identification": form}, status=400)


@login_required
@require_http_methods(["POST"])
def care_plan_section_text(request, plan_id: int, plan_section_id: int):
    plan = _open_plan(request, plan_id)
    section = get_object_or_404(plan.sections, pk=plan_section_id)
    prefix = f"text-{section.pk}"
    form = SectionTextForm(request.POST, instance=section, prefix=prefix)
    if form.is_valid():
        try:
            services.care_plan_section_text_set(
                section=section, user=request.user, body=form.cleaned_data["body"]
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Texte de la section « {section.title} » enregistré.")
            return redirect(_plan_url(plan, f"plan-section-{section.pk}"))
    return _plan_page(request, plan, bound={prefix: form}, status=400)


def _entry_fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


@login_required
@require_http_methods(["POST"])
def care_plan_entry_add(request, plan_id: int, plan_section_id: int):
    plan = _open_plan(request, plan_id)
    section = get_object_or_404(plan.sections, pk=plan_section_id)
    kind = entry_kind(section.key)
    if kind is None:
        messages.error(request, "Cette section du plan est un texte libre, sans lignes.")
        return redirect(_plan_url(plan, f"plan-section-{section.pk}"))
    prefix = f"add-{section.pk}"
    form = entry_form(kind, plan=plan, data=request.POST, prefix=prefix)
    if form.is_valid():
        try:
            entry = services.care_plan_entry_add(
                section=section, user=request.user, **_entry_fields(form)
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{entry.get_kind_display().capitalize()} ajouté(e).")
            return redirect(_plan_url(plan, f"entry-{entry.pk}"))
    return _plan_page(request, plan, bound={prefix: form}, status=400)


def _plan_entry(plan: CarePlan, entry_id: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("section"), pk=entry_id, section__care_plan=plan
    )


@login_required
@require_http_methods(["POST"])
def care_plan_entry_edit(request, plan_id: int, entry_id: int):
    """Change a row; a proposal changed this way is retained as changed ("Modifier puis
    retenir"), keeping the report passage it cites."""
    plan = _open_plan(request, plan_id)
    entry = _plan_entry(plan, entry_id)
    was_proposed = entry.status == Entry.Status.PROPOSED
    prefix = f"entry-{entry.pk}"
    form = entry_form(entry.kind, plan=plan, data=request.POST, instance=entry, prefix=prefix)
    if form.is_valid():
        try:
            services.care_plan_entry_update(entry=entry, user=request.user, **_entry_fields(form))
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, "Proposition modifiée et retenue." if was_proposed else "Ligne modifiée."
            )
            return redirect(_plan_url(plan, f"entry-{entry.pk}"))
    return _plan_page(request, plan, bound={prefix: form}, status=400)


@login_required
@require_http_methods(["POST"])
def care_plan_entry_decide(request, plan_id: int, entry_id: int):
    plan = _open_plan(request, plan_id)
    entry = _plan_entry(plan, entry_id)
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "reject"):
        messages.error(request, "Décision inconnue : retenir ou écarter.")
        return redirect(_plan_url(plan, f"entry-{entry.pk}"))
    try:
        services.care_plan_entry_decide(entry=entry, user=request.user, accept=decision == "accept")
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "Proposition retenue." if decision == "accept" else "Proposition écartée."
        )
    return redirect(_plan_url(plan, f"plan-section-{entry.section_id}"))


@login_required
@require_http_methods(["POST"])
def care_plan_draft(request, plan_id: int):
    """Ask again for proposals from the report (undecided ones are replaced)."""
    plan = _open_plan(request, plan_id)
    try:
        services.care_plan_draft_request(plan=plan, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Propositions demandées : elles se préparent en arrière-plan.")
    return redirect(_plan_url(plan, "drafting"))


@login_required
@require_GET
def care_plan_draft_status(request, plan_id: int):
    """The drafting's progress, polled by htmx while it runs; once finished, the whole page
    reloads to show the proposals. Not audited as a read: it shows a status, no content."""
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)
    require(request.user, "reports.view_report_sources", plan.report)
    drafting = plan.drafting
    active = drafting is not None and drafting.is_active
    response = render(
        request,
        "care_plans/_drafting.html",
        {"plan": plan, "drafting": drafting, "drafting_active": active},
    )
    if request.htmx and not active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["POST"])
def care_plan_sign(request, plan_id: int):
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)
    require(request.user, "care_plans.sign_care_plan", plan)
    try:
        services.care_plan_sign(plan=plan, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Plan d'interventions signé : il ne change plus.")
    return redirect(_plan_url(plan, "plan-signature"))


# --- Follow-ups -----------------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["POST"])
def follow_up_done(request, plan_id: int, entry_id: int):
    """A re-evaluation done: it leaves the dashboards (the plan may be signed: this is its
    follow-up, not its content)."""
    plan = plan_selectors.care_plan_for_user(request.user, plan_id)
    require(request.user, "care_plans.change_follow_up", plan)
    entry = _plan_entry(plan, entry_id)
    try:
        services.follow_up_done(entry=entry, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Réévaluation marquée comme réalisée.")
    return redirect(_safe_next(request, _plan_url(plan, f"entry-{entry.pk}")))


@login_required
@require_GET
def follow_ups(request):
    """The user's re-evaluations to organise: overdue, due within the notice period,
    later; on the plans of the dossiers where they are a clinician or the coordinator."""
    board = plan_selectors.follow_ups_for_user(request.user)
    plans: dict[int, Model] = {}
    for row in board.overdue + board.upcoming + board.later:
        plans.setdefault(row.section.care_plan_id, row.section.care_plan)
    for plan in plans.values():
        audit_read(request, plan, detail="tableau de suivi")
    return render(
        request,
        "care_plans/follow_ups.html",
        {
            "groups": [
                ("overdue", "En retard", board.overdue),
                ("upcoming", f"À venir ({settings.FOLLOW_UP_NOTICE_DAYS} jours)", board.upcoming),
                ("later", "Plus tard", board.later),
            ],
            "count": len(board.overdue) + len(board.upcoming) + len(board.later),
        },
    )
