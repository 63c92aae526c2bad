"""Reads on care plans, scoped like reports: a plan is visible to whoever may see its
report (and, for an external member, only once signed and shared with them)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from care_plans.layout import FIELDS_BY_KIND, entry_kind
from care_plans.models import CarePlan, CarePlanEntry, CarePlanSection
from dossiers.permissions import can
from dossiers.selectors import dossiers_for_care_team
from reports.selectors import reports_for_user

Entry = CarePlanEntry


def care_plans_for_user(user: AbstractBaseUser) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(report__in=reports_for_user(user)).select_related(
        "report__dossier__patient", "coordinator", "signed_by"
    )


def care_plan_for_user(user: AbstractBaseUser, plan_id: int) -> CarePlan:
    plan = get_object_or_404(care_plans_for_user(user), pk=plan_id)
    if not can(user, "care_plans.view_care_plan", plan):
        raise Http404
    return plan


@dataclass
class SectionRows:
    section: CarePlanSection
    kind: str | None  # None: free text only
    fields: tuple[str, ...]
    rows: list[CarePlanEntry]  # retained rows, in order
    proposals: list[CarePlanEntry]
    rejected: list[CarePlanEntry]


def care_plan_layout(plan: CarePlan, *, with_pending: bool = True) -> list[SectionRows]:
    """The plan section by section, each with its rows split by decision. The PDF and the
    FHIR export read retained rows only (``with_pending=False`` leaves the others out)."""
    entries = CarePlanEntry.objects.select_related("responsible", "source_section").order_by(
        "position", "pk"
    )
    sections = plan.sections.prefetch_related(Prefetch("entries", queryset=entries))
    layout = []
    for section in sections:
        kind = entry_kind(section.key)
        all_rows = list(section.entries.all())
        layout.append(
            SectionRows(
                section=section,
                kind=kind,
                fields=FIELDS_BY_KIND.get(kind, ()),
                rows=[r for r in all_rows if r.status == Entry.Status.ACCEPTED],
                proposals=[r for r in all_rows if r.status == Entry.Status.PROPOSED]
                if with_pending
                else [],
                rejected=[r for r in all_rows if r.status == Entry.Status.REJECTED]
                if with_pending
                else [],
            )
        )
    return layout


def pending_proposals(plan: CarePlan) -> int:
    return Entry.objects.filter(section__care_plan=plan, status=Entry.Status.PROPOSED).count()


@dataclass
class FollowUps:
    overdue: list[CarePlanEntry]
    upcoming: list[CarePlanEntry]
    later: list[CarePlanEntry]


def follow_ups_for_user(user: AbstractBaseUser, *, today: date | None = None) -> FollowUps:
    """The re-evaluations still to do on the retained plans of the dossiers where the user
    is a clinician or the coordinator: overdue, due within FOLLOW_UP_NOTICE_DAYS, later.
    Plans the user coordinates come first within a date."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.FOLLOW_UP_NOTICE_DAYS)
    rows = list(
        Entry.objects.filter(
            kind=Entry.Kind.FOLLOW_UP,
            status=Entry.Status.ACCEPTED,
            # A plan's dates are commitments once it is signed, not while it is drafted.
            section__care_plan__status=CarePlan.Status.SIGNED,
            done_at__isnull=True,
            section__care_plan__report__dossier__in=dossiers_for_care_team(user),
        )
        .select_related(
            "responsible",
            "section__care_plan__coordinator",
            "section__care_plan__report__dossier__patient",
        )
        .order_by("target_date", "pk")
    )
    return FollowUps(
        overdue=[r for r in rows if r.target_date < today],
        upcoming=[r for r in rows if today <= r.target_date <= horizon],
        later=[r for r in rows if r.target_date > horizon],
    )
