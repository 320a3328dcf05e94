"""Writes of the reports area: reminder settings, and recording the daily reminder digests.

`send_license_reminders` records one ReminderDigest per person per day (the unique
constraint makes a second run that day a no-op) and the stages it announces, audits each,
and leaves the emails to the mail outbox: each digest row is its email, due at once, sent
after the commit by the one sender (`core.outbox`), retried while the mail server or the
broker is down.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.system import SystemActor
from clinicorg.core import audit, outbox
from clinicorg.core.models import Organization

from . import queries
from .models import LicenseAnnouncement, ReminderDigest, ReminderSettings, validate_windows


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
    """Record today's digests of `organization`, due in the mail outbox; returns how many.

    Today is the organization's day. A person who already has today's digest gets nothing
    more today: what it would have announced is told tomorrow. A stage is recorded as
    announced once everyone it concerns has it in a digest.
    """
    policy.require(actor, P.MANAGE_STAFF)
    if actor.organization_id != organization.pk:
        raise ValidationError({"organization": "Send reminders of your own organization."})
    settings = queries.reminder_settings(organization)
    if not settings.enabled:
        return 0
    today = today or queries.org_today(organization)
    plan = queries.plan_reminders(organization, today=today, settings=settings)
    if not plan:
        return 0
    try:
        with transaction.atomic():
            done = set(
                ReminderDigest.objects.filter(organization=organization, day=today).values_list(
                    "recipient_id", flat=True
                )
            )
            created, told, held_back = 0, set(), set()
            now = timezone.now()
            for entry in plan:
                announced = {
                    (i["license_id"], date.fromisoformat(i["expires_on"]), i["stage"])
                    for i in entry.items
                    if i["announced"]
                }
                if entry.recipient.pk in done:
                    held_back |= announced
                    continue
                digest = ReminderDigest.objects.create(
                    organization=organization,
                    recipient=entry.recipient,
                    day=today,
                    email=entry.recipient.email,
                    items=entry.items,
                    announced=entry.announced,
                    next_send_at=now,
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
                created += 1
                told |= announced
            LicenseAnnouncement.objects.bulk_create(
                LicenseAnnouncement(
                    organization=organization,
                    license_id=license_id,
                    expires_on=expires_on,
                    stage=stage,
                    day=today,
                )
                for license_id, expires_on, stage in sorted(told - held_back)
            )
            if created:
                transaction.on_commit(outbox.kick, robust=True)
    except IntegrityError:
        # Another run recorded today's digests at the same moment; it announces them.
        return 0
    return created


def send_all_license_reminders(today: date | None = None, organizations=None) -> int:
    """The daily job: today's digests of every organization (or those given). It ends by
    asking the outbox's sender to send what is due, so that digests a mail server outage
    held back go out with the next run even where no periodic sender runs."""
    total = 0
    for org in organizations if organizations is not None else Organization.objects.all():
        total += send_license_reminders(org, actor=SystemActor(org.pk), today=today)
    transaction.on_commit(outbox.kick, robust=True)
    return total
