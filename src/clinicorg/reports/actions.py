"""Writes of the reports area: reminder settings, and recording the daily reminder digests.

`send_license_reminders` records one ReminderDigest per person per day (the unique
constraint makes a second run that day a no-op), audits each, and emails them after commit.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.system import SystemActor
from clinicorg.core import audit
from clinicorg.core.models import Organization

from . import queries
from .models import ReminderDigest, ReminderSettings, validate_windows


def update_reminder_settings(data: dict, *, actor) -> ReminderSettings:
    """Change the organization's reminder settings: `enabled` and `windows` (days)."""
    policy.require(actor, P.MANAGE_SETTINGS)
    windows = data.get("windows")
    if windows is not None:
        try:
            validate_windows(list(windows) if isinstance(windows, list | tuple) else windows)
        except ValidationError as exc:
            raise ValidationError({"windows": exc.messages}) from None
    with transaction.atomic():
        current, _ = ReminderSettings.objects.select_for_update().get_or_create(
            organization_id=actor.organization_id
        )
        before = audit.snapshot(current, ["enabled", "windows"])
        if "enabled" in data:
            current.enabled = bool(data["enabled"])
        if windows is not None:
            current.windows = sorted(set(windows), reverse=True)
        current.updated_at = timezone.now()
        changes = audit.diff(before, audit.snapshot(current, ["enabled", "windows"]))
        current.save()
        if changes:
            audit.record(
                "update_reminder_settings",
                actor=actor,
                target=current,
                target_label="License expiry reminders",
                changes=changes,
            )
    return current


def send_license_reminders(organization: Organization, *, actor, today: date | None = None):
    """Record and email today's digests of `organization`; returns how many were recorded.

    Today is the organization's day. A person who already has today's digest gets nothing.
    """
    policy.require(actor, P.MANAGE_STAFF)
    if actor.organization_id != organization.pk:
        raise ValidationError({"organization": "Send reminders of your own organization."})
    settings = queries.reminder_settings(organization)
    if not settings.enabled:
        return 0
    today = today or queries.org_today(organization)
    plan = queries.plan_reminders(organization, today=today, settings=settings)
    # Digests recorded earlier today whose email failed go out again with this run's.
    unsent = list(
        ReminderDigest.objects.filter(
            organization=organization, day=today, sent_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if unsent:
        transaction.on_commit(lambda: _deliver(unsent))
    if not plan:
        return 0
    try:
        with transaction.atomic():
            done = set(
                ReminderDigest.objects.filter(organization=organization, day=today).values_list(
                    "recipient_id", flat=True
                )
            )
            created = []
            for entry in plan:
                if entry.recipient.pk in done:
                    continue
                digest = ReminderDigest.objects.create(
                    organization=organization,
                    recipient=entry.recipient,
                    day=today,
                    email=entry.recipient.email,
                    items=entry.items,
                    announced=entry.announced,
                )
                audit.record(
                    "send_license_reminder",
                    actor=actor,
                    organization_id=organization.pk,
                    target=digest,
                    changes={
                        "recipient": [None, entry.recipient.email],
                        "licenses": [None, len(entry.items)],
                    },
                )
                created.append(digest.pk)
            if created:
                transaction.on_commit(lambda: _deliver(created))
    except IntegrityError:
        # Another run recorded today's digests at the same moment; it sends them.
        return 0
    return len(created)


def send_all_license_reminders(today: date | None = None, organizations=None) -> int:
    """The daily job: today's digests of every organization (or those given)."""
    total = 0
    for org in organizations if organizations is not None else Organization.objects.all():
        total += send_license_reminders(org, actor=SystemActor(org.pk), today=today)
    return total


def _deliver(ids: list[int]) -> None:
    from .tasks import send_reminder_emails

    send_reminder_emails.delay(ids)
