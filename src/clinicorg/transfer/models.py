"""Import jobs: one uploaded spreadsheet, its validation report and, once committed, its result."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinicorg.core.models import Organization
from clinicorg.core.scope import accessible_location_ids, is_authenticated, org_scope


class Kind(models.TextChoices):
    STAFF = "staff", "Staff"
    LOCATIONS = "locations", "Locations"


class Mode(models.TextChoices):
    CREATE = "create", "Create only"
    UPDATE = "update", "Create and update"


class State(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    VALID = "valid", "Ready to commit"
    INVALID = "invalid", "Has errors"
    COMMITTING = "committing", "Committing"
    COMMITTED = "committed", "Committed"
    FAILED = "failed", "Failed"


class Phase(models.TextChoices):
    WAITING = "waiting", "Waiting"
    READING = "reading", "Reading"
    VALIDATING = "validating", "Validating"
    WRITING = "writing", "Writing"
    SENDING = "sending", "Sending invitations"
    DONE = "done", "Done"


FINISHED_STATES = frozenset({State.VALID, State.INVALID, State.COMMITTED, State.FAILED})


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """Every job of the organization for readers with access to all locations; a
        location-scoped reader sees only the jobs they started, since a job's rows and error
        report may name staff and locations beyond their reach."""
        queryset = org_scope(self, actor)
        if is_authenticated(actor) and accessible_location_ids(actor) is not None:
            if getattr(actor, "is_token", False):
                return queryset.filter(created_by_token_id=actor.pk)
            return queryset.filter(created_by_id=actor.pk)
        return queryset


class ImportJob(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_token = models.ForeignKey(
        "access.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.CREATE)
    # Commit straight after a clean validation (API/CLI without dry run) or stop at the preview.
    commit_when_valid = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(default=0)
    # When the retention purge deleted the stored upload of a job that never committed.
    file_purged_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.WAITING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the phase.")
    total_rows = models.PositiveIntegerField(default=0)
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    invitations = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "Email", "message": "..."}], capped (actions.MAX_STORED_ERRORS).
    errors = models.JSONField(default=list, blank=True)
    # The first rows to create and the first updates, field by field (transfer.preview).
    preview = models.JSONField(default=dict, blank=True)
    # A problem with the file as a whole (unreadable, too large, missing columns...).
    message = models.TextField(blank=True)
    timings = models.JSONField(default=dict, blank=True)
    # The process running the job ("host:pid") and when it last reported progress: how a job
    # whose worker died is told from one still at work (transfer.worker).
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker took the job up (a reaped job is run again up to
    # IMPORT_MAX_ATTEMPTS), and when it was last handed to the broker: a job whose dispatch
    # failed (broker down) stays queued with none and is dispatched again by the reaper.
    attempts = models.PositiveSmallIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_org_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def can_commit(self) -> bool:
        return self.state == State.VALID and self.error_count == 0 and bool(self.file_path)

    @property
    def stalled(self) -> bool:
        """Unfinished, and its worker has not beaten for the heartbeat timeout (the reaper
        will queue it again or fail it)."""
        if self.state not in (State.RUNNING, State.COMMITTING) or self.heartbeat_at is None:
            return False
        timeout = timedelta(minutes=settings.IMPORT_HEARTBEAT_TIMEOUT_MINUTES)
        return self.heartbeat_at < timezone.now() - timeout

    @property
    def can_retry(self) -> bool:
        return self.state == State.FAILED and bool(self.file_path)

    def summary(self) -> dict:
        return {
            "create": self.to_create,
            "update": self.to_update,
            "unchanged": self.unchanged,
            "errors": self.error_rows,
        }
