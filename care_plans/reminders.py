"""Emails to coordinators about follow-ups due soon or overdue (celery beat). An email is
not a secure channel: it names no child and no clinical content, only how many
re-evaluations wait and a link to the dashboard, where the coordinator signs in."""

from collections import defaultdict
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanEntry
from dossiers.people import display_name

log = structlog.get_logger(__name__)
Entry = CarePlanEntry


def follow_ups_to_remind(now=None):
    """Retained re-evaluations not done, due within FOLLOW_UP_NOTICE_DAYS (or overdue),
    not reminded yet, on plans that have a coordinator with an email address."""
    today = timezone.localdate(now or timezone.now())
    horizon = today + timedelta(days=settings.FOLLOW_UP_NOTICE_DAYS)
    return (
        Entry.objects.filter(
            kind=Entry.Kind.FOLLOW_UP,
            status=Entry.Status.ACCEPTED,
            # A plan's dates are commitments once it is signed, not while it is drafted.
            section__care_plan__status=CarePlan.Status.SIGNED,
            done_at__isnull=True,
            reminded_at__isnull=True,
            target_date__lte=horizon,
            section__care_plan__coordinator__isnull=False,
        )
        .exclude(section__care_plan__coordinator__email="")
        .select_related("section__care_plan__coordinator")
    )


def follow_up_reminders_send(*, now=None) -> int:
    """One email per coordinator listing how many re-evaluations are overdue or due soon;
    each follow-up is reminded once (``reminded_at``), so running twice sends nothing new.
    Returns the number of emails sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    by_coordinator: dict[int, list[CarePlanEntry]] = defaultdict(list)
    for entry in follow_ups_to_remind(now):
        by_coordinator[entry.section.care_plan.coordinator_id].append(entry)
    sent = 0
    link = settings.SITE_URL + reverse("care_plans:follow_ups")
    for entries in by_coordinator.values():
        coordinator = entries[0].section.care_plan.coordinator
        overdue = sum(1 for e in entries if e.target_date < today)
        soon = len(entries) - overdue
        lines = [f"Bonjour {display_name(coordinator)},", ""]
        if overdue:
            lines.append(f"- {overdue} réévaluation(s) en retard ;")
        if soon:
            days = settings.FOLLOW_UP_NOTICE_DAYS
            lines.append(f"- {soon} réévaluation(s) prévue(s) dans les {days} jours.")
        lines += ["", f"Le détail est sur votre tableau de suivi : {link}", "", "neddie"]
        send_mail(
            "neddie — réévaluations à organiser",
            "\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [coordinator.email],
        )
        Entry.objects.filter(pk__in=[e.pk for e in entries]).update(reminded_at=now)
        sent += 1
        log.info("follow_up.reminded", coordinator_id=coordinator.pk, count=len(entries))
    return sent
