"""Imports: start a job from an uploaded file, run it (read, validate, write, invite), commit.

`start_import` stores the file and creates an `ImportJob`; the job runs as a Celery task with
REDIS_URL and inline otherwise (`tasks.run_import`). A job stops after validation (the preview)
unless `commit` was asked; `commit_import` commits a validated job, re-validating the file
against the current data inside the write. All rows are written in one transaction, with one
audit event per created or changed record plus one for the import. The invitations of the new
members and the job's own committed state are written in that same transaction: a crash leaves
either everything or nothing, and the invitation emails leave afterwards from the outbox
(`staff.outbox`).

Jobs survive crashes: the task is acknowledged when it ends, a job is taken up only from the
queued state (a second delivery of its task does nothing), and a job whose worker stopped
beating is queued again or failed by `reap_import_jobs` (see transfer.worker). A failed job
whose upload is still kept can be run again with `retry_import`.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import ApiToken
from clinicorg.core import audit, bulk, context
from clinicorg.core.errors import Conflict
from clinicorg.core.writes import created_value_filter
from clinicorg.directory.models import Location
from clinicorg.staff.actions import location_access_changes
from clinicorg.staff.models import StaffMember, Status, TaxonomyAssignment

from . import preview, validators
from .models import ImportJob, Kind, Mode, Phase, State
from .readers import FileRejected, file_format, read_table
from .worker import UNFINISHED, Heartbeat, worker_label

MAX_STORED_ERRORS = 50_000
INVITATION_CHUNK = 5_000
# Finished jobs whose upload may still be on disk (committed jobs delete theirs at once).
PURGEABLE_STATES = (State.VALID, State.INVALID, State.FAILED)
logger = logging.getLogger(__name__)


def import_dir() -> Path:
    path = Path(getattr(settings, "IMPORT_DIR", settings.DATA_DIR / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _require(actor, kind: str) -> None:
    policy.require(actor, P.IMPORT_EXPORT)
    policy.require(actor, P.MANAGE_STAFF if kind == Kind.STAFF else P.MANAGE_LOCATIONS)


def _actor_fields(actor) -> dict:
    token = actor if isinstance(actor, ApiToken) else None
    member = actor if isinstance(actor, StaffMember) else None
    return {
        "created_by": member,
        "created_by_token": token,
        "actor_label": audit.actor_label(actor)[:300],
    }


def start_import(
    upload,
    file_name: str,
    kind: str,
    *,
    actor,
    mode: str = Mode.CREATE,
    commit: bool = False,
    run: bool = True,
) -> ImportJob:
    """Store an uploaded file (a file object or bytes) and run its job; returns the job.

    `run=False` leaves the job queued for the caller to run (the CLI runs it in-process with a
    progress bar). Refuses at once (ValidationError naming the field) an unknown kind or
    mode, a file of another format or over the size limit; the job reports on the content.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Kind.values)}."})
    if mode not in Mode.values:
        raise ValidationError({"mode": f"Choose one of: {', '.join(Mode.values)}."})
    _require(actor, kind)
    file_name = Path(file_name or "upload").name[:200]
    try:
        suffix = "." + file_format(file_name)
    except FileRejected as exc:
        raise ValidationError({"file": str(exc)}) from None
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    with open(path, "wb") as out:
        chunks = [upload] if isinstance(upload, bytes) else _chunks(upload)
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise ValidationError(
                    {"file": f"The file is larger than the limit of {limit // (1024 * 1024)} MB."}
                )
            out.write(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": "The file is empty."})
    job = ImportJob.objects.create(
        organization_id=actor.organization_id,
        kind=kind,
        mode=mode,
        commit_when_valid=commit,
        file_name=file_name,
        file_path=str(path),
        file_size=size,
        request_id=context.current().request_id,
        **_actor_fields(actor),
    )
    if run:
        _enqueue(job)
        job.refresh_from_db()
    return job


def _chunks(upload):
    if hasattr(upload, "chunks"):
        yield from upload.chunks()
        return
    while True:
        chunk = upload.read(1024 * 1024)
        if not chunk:
            return
        yield chunk


def commit_import(job: ImportJob, *, actor) -> ImportJob:
    """Commit a job whose preview found no errors."""
    _require(actor, job.kind)
    if job.organization_id != actor.organization_id:
        raise ImportJob.DoesNotExist
    updated = (
        ImportJob.objects.filter(pk=job.pk, state=State.VALID, error_count=0)
        .exclude(file_path="")
        .update(state=State.QUEUED, commit_when_valid=True, phase=Phase.WAITING, progress=0)
    )
    if not updated:
        job.refresh_from_db()
        if job.file_purged_at is not None:
            raise Conflict(
                f"The uploaded file was deleted on {job.file_purged_at:%b %-d, %Y}: uploads that "
                "are not committed are kept only for a while. Upload the file again.",
                code="file_purged",
            )
        if job.state == State.COMMITTED:
            raise Conflict("This import is already committed.", code="already_committed")
        if job.state in UNFINISHED:
            raise Conflict(
                "This import is still running. Wait for it to finish.", code="in_progress"
            )
        if job.state == State.FAILED:
            raise Conflict(
                f"This import failed: {job.message} Retry it.",
                code="failed",
            )
        raise Conflict(
            "Only a checked file without errors can be committed. Fix the errors and upload the "
            "file again.",
            code="not_committable",
        )
    job.refresh_from_db()
    _enqueue(job)
    job.refresh_from_db()
    return job


def retry_import(job: ImportJob, *, actor) -> ImportJob:
    """Run a failed job again from its stored upload, as it was asked the first time (check
    only, or check and commit). A failed job wrote nothing, so running it again is safe."""
    _require(actor, job.kind)
    if job.organization_id != actor.organization_id:
        raise ImportJob.DoesNotExist
    with transaction.atomic():
        updated = (
            ImportJob.objects.filter(pk=job.pk, state=State.FAILED)
            .exclude(file_path="")
            .update(
                state=State.QUEUED,
                phase=Phase.WAITING,
                progress=0,
                message="",
                errors=[],
                error_count=0,
                error_rows=0,
                started_at=None,
                finished_at=None,
                worker="",
                heartbeat_at=None,
                dispatched_at=None,
                attempts=0,
            )
        )
        if updated:
            audit.record(
                "retry_import",
                actor=actor,
                target=job,
                target_label=job.file_name,
                changes={"state": [State.FAILED, State.QUEUED]},
            )
    if not updated:
        job.refresh_from_db()
        if job.state == State.FAILED:
            raise Conflict(
                "The uploaded file is no longer kept: upload the file again.", code="file_purged"
            )
        raise Conflict(
            f"Only a failed import can be retried; this one is {job.get_state_display().lower()}.",
            code="not_failed",
        )
    job.refresh_from_db()
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: ImportJob) -> None:
    """Run the job: on a Celery worker with REDIS_URL, in a child process otherwise (see
    transfer.worker), or in this process when IMPORT_WORKER is "inline".

    The job row is already committed (start_import and commit_import write it in autocommit),
    so a worker can read it at once. A broker that cannot be reached leaves the job queued in
    the database, and `reap_import_jobs` dispatches it once the broker is back.
    """
    from . import worker

    request_id = context.current().request_id
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.IMPORT_WORKER == "process":
        worker.start(job.pk, request_id)
    else:
        _dispatch(job.pk, request_id)


def _dispatch(job_id: int, request_id: str) -> bool:
    from .tasks import run_import

    if settings.CELERY_TASK_ALWAYS_EAGER:
        run_import.delay(job_id, request_id)
        return True
    try:
        run_import.delay(job_id, request_id)
    except Exception as exc:  # the broker is down: the job waits in the database
        logger.warning("Import job %s not dispatched, the reaper will retry: %s", job_id, exc)
        return False
    ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(dispatched_at=timezone.now())
    return True


def reap_import_jobs() -> dict:
    """Every minute under `celery beat`: queue again (or fail, after IMPORT_MAX_ATTEMPTS) the
    jobs whose worker stopped beating, and dispatch the queued jobs that no worker took up
    (their dispatch failed, or the broker lost the message)."""
    from . import worker

    requeue = not settings.CELERY_TASK_ALWAYS_EAGER
    requeued, failed = worker.reap_jobs(requeue=requeue)
    dispatched = 0
    if requeue:
        # A job handed to the broker is given the heartbeat timeout to be taken up.
        since = timezone.now() - worker.heartbeat_timeout()
        waiting = ImportJob.objects.filter(state=State.QUEUED).filter(
            Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=since)
        )
        for pk, request_id in waiting.values_list("pk", "request_id"):
            dispatched += _dispatch(pk, request_id)
    return {"requeued": requeued, "failed": failed, "dispatched": dispatched}


# --- running a job ---------------------------------------------------------------------------


def progress_key(job_id: int) -> str:
    return f"transfer:job:{job_id}:progress"


class Runner:
    """Runs one job through its phases, recording progress where pollers can see it."""

    def __init__(self, job: ImportJob, actor, *, listener=None):
        self.job = job
        self.actor = actor
        self.listener = listener
        self.timings: dict[str, float] = {}
        self._last = 0.0

    # Progress goes to the cache (readable while the write transaction is open) and, outside
    # the transaction, to the job row.
    def report(self, phase: str, fraction: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.25:
            return
        self._last = now
        pct = max(0, min(100, int(fraction * 100)))
        cache.set(progress_key(self.job.pk), {"phase": phase, "progress": pct}, 3600)
        if self.listener is not None:
            self.listener(phase, pct)
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=self.job.pk).update(
                phase=phase, progress=pct, heartbeat_at=timezone.now()
            )

    def run(self, *, commit: bool) -> ImportJob:
        job = self.job
        now = timezone.now()
        self.label = label = worker_label()
        # Taken up only from the queued state: a task delivered twice (late acknowledgement,
        # the reaper) runs its job once.
        claimed = ImportJob.objects.filter(pk=job.pk, state=State.QUEUED).update(
            state=State.COMMITTING if commit else State.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker=label,
            attempts=F("attempts") + 1,
        )
        job.refresh_from_db()
        if not claimed:
            return job
        with Heartbeat(job.pk, label):
            return self._run(commit=commit)

    def _run(self, *, commit: bool) -> ImportJob:
        job = self.job
        try:
            plan = self._read_and_validate()
            if plan is not None and plan.valid and commit:
                self._write(plan)
        except FileRejected as exc:
            self._finish(State.INVALID, message=str(exc))
        except (IntegrityError, ValidationError, Conflict) as exc:
            text = exc.message if isinstance(exc, Conflict) else str(exc)
            self._finish(
                State.FAILED,
                message="Nothing was imported: the data changed while the file was being "
                f"written ({text[:300]}). Check the file again and commit.",
            )
        except DatabaseError as exc:
            self._finish(State.FAILED, message=f"Nothing was imported: database error ({exc}).")
        except Exception:
            logger.exception("Import job %s failed", job.pk)
            self._finish(
                State.FAILED,
                message="Nothing was imported: an unexpected error stopped the import. The "
                "operators have the details in the log.",
            )
        return self.job

    def _read_and_validate(self):
        job = self.job
        t0 = time.perf_counter()
        self.report(Phase.READING, 0, force=True)
        table = read_table(job.file_path, job.file_name)
        self.report(Phase.VALIDATING, 0, force=True)
        # The rows are read as validation consumes them: reading is the time spent in the
        # reader, validating the rest.
        plan = validators.validate_table(
            job.kind,
            table,
            actor=self.actor,
            mode=job.mode,
            on_progress=lambda f: self.report(Phase.VALIDATING, f),
            keep_rows=job.commit_when_valid,
        )
        reading = table.read_seconds
        elapsed = time.perf_counter() - t0
        self.timings["reading"] = round(reading, 3)
        self.timings["validating"] = round(elapsed - reading, 3)
        job.total_rows = plan.total_rows
        job.to_create = len(plan.creates)
        job.to_update = len(plan.updates)
        job.unchanged = plan.unchanged
        job.error_rows = plan.error_rows
        job.error_count = len(plan.errors)
        job.errors = [e.as_dict() for e in plan.errors[:MAX_STORED_ERRORS]]
        job.invitations = plan.invitations
        job.preview = preview.describe(plan) if plan.valid else {}
        self.plan = plan
        if not plan.valid:
            self._finish(State.INVALID, message=plan.file_message)
            return None
        if not job.commit_when_valid:
            self._finish(State.VALID)
            return None
        return plan

    def _write(self, plan) -> None:
        t0 = time.perf_counter()
        self.report(Phase.WRITING, 0, force=True)
        bulk.prepare_connection()
        job = self.job
        with transaction.atomic():
            if plan.kind == Kind.STAFF:
                members = write_staff(plan, actor=self.actor, report=self.report)
            else:
                write_locations(plan, actor=self.actor)
                members = []
            self.timings["writing"] = round(time.perf_counter() - t0, 3)
            if members:
                self._invite(members)
            audit.record(
                f"import_{plan.kind}",
                actor=self.actor,
                target=self.job,
                target_label=self.job.file_name,
                changes={
                    "file": [None, self.job.file_name],
                    "mode": [None, self.job.mode],
                    "created": [None, len(plan.creates)],
                    "updated": [None, len(plan.updates)],
                    "unchanged": [None, plan.unchanged],
                },
            )
            # The job is committed with its rows, and its upload forgotten: a crash after this
            # transaction cannot run it twice (the file itself goes below, or with the
            # orphans of the retention purge).
            # Only while this worker still holds the job: one the reaper took for dead and
            # queued again belongs to another worker now, and this write is rolled back.
            held = ImportJob.objects.filter(
                pk=job.pk, worker=self.label, state=State.COMMITTING
            ).update(state=State.COMMITTED, file_path="")
            if not held:
                raise Conflict("another worker took the import over", code="taken_over")
        path, job.file_path = job.file_path, ""
        if path:
            Path(path).unlink(missing_ok=True)
        # The rows are in the database now: what remains is only the invitees' keys.
        plan.creates.clear()
        plan.updates.clear()
        self._finish(State.COMMITTED, message=self.job.message)

    def _invite(self, invited) -> None:
        """Issue the invitations of the new members inside the write transaction; their
        emails leave from the outbox once it commits."""
        from clinicorg.staff.actions.lifecycle import issue_invitations

        t1 = time.perf_counter()
        self.report(Phase.SENDING, 0, force=True)
        done = 0
        # In chunks (savepoints of the one transaction): memory stays that of a chunk.
        for start in range(0, len(invited), INVITATION_CHUNK):
            chunk = invited[start : start + INVITATION_CHUNK]
            issue_invitations(
                invitees(self.actor.organization_id, chunk), actor=self.actor, new_members=True
            )
            done += len(chunk)
            self.report(Phase.SENDING, done / len(invited))
        self.timings["invitations"] = round(time.perf_counter() - t1, 3)

    def _finish(self, state: str, *, message: str = "") -> None:
        job = self.job
        job.state = state
        job.phase = Phase.DONE
        job.progress = 100
        job.message = message
        job.finished_at = timezone.now()
        job.timings = self.timings
        if state == State.COMMITTED and job.file_path:
            # The data now lives in the database; the uploaded copy (personal data) goes.
            Path(job.file_path).unlink(missing_ok=True)
            job.file_path = ""
        # Recorded only while this worker holds the job (see _write).
        fields = [f for f in ImportJob._meta.concrete_fields if not f.primary_key]
        ImportJob.objects.filter(pk=job.pk, worker=self.label).update(
            **{f.attname: getattr(job, f.attname) for f in fields}
        )
        cache.delete(progress_key(job.pk))
        if self.listener is not None:
            self.listener(Phase.DONE, 100)


def actor_for(job: ImportJob):
    """The actor a job runs as: its member, its API token, or the system (CLI)."""
    from clinicorg.access.system import SystemActor

    if job.created_by_id:
        return StaffMember.objects.select_related("role").get(pk=job.created_by_id)
    if job.created_by_token_id:
        return ApiToken.objects.select_related("role").get(pk=job.created_by_token_id)
    return SystemActor(job.organization_id, label=job.actor_label or "system")


def run_job(job_id: int, *, actor=None, listener=None) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    if job.state not in (State.QUEUED,):
        return job
    actor = actor or actor_for(job)
    return Runner(job, actor, listener=listener).run(commit=job.commit_when_valid)


# --- writing ---------------------------------------------------------------------------------


def write_staff(plan, *, actor, report=None) -> list[tuple]:
    """Write a validated staff plan; returns (id, email, first name, last name, location id,
    role id) of the new members to invite."""
    lookups = plan.lookups
    now = timezone.now()
    org_id = actor.organization_id
    creates = plan.creates
    fields = [f for f in StaffMember._meta.concrete_fields if not f.generated]
    columns = [f.attname for f in fields]
    index = {name: i for i, name in enumerate(columns)}
    template = []
    for f in fields:
        template.append(None if f.primary_key else f.get_default())
    fixed = {
        "organization_id": org_id,
        "status": Status.PENDING,
        "status_changed_at": now,
        "created_at": now,
        "updated_at": now,
        "last_login": None,
        "all_locations": False,
    }
    for name, value in fixed.items():
        template[index[name]] = value
    value_slots = [(name, index[name]) for name in validators.STAFF_VALUE_FIELDS]
    ids = bulk.allocate_ids(StaffMember, len(creates))
    id_slot, pw_slot = index["id"], index["password"]
    unusable = bulk.unusable_password

    def staff_rows():
        for n, (pk, c) in enumerate(zip(ids, creates, strict=True)):
            row = template.copy()
            row[id_slot] = pk
            row[pw_slot] = unusable()
            values = c["values"]
            for name, slot in value_slots:
                if name in values:
                    row[slot] = values[name]
            if report is not None and n % 5000 == 0:
                report(Phase.WRITING, 0.5 * n / max(len(creates), 1))
            yield row

    bulk.insert_rows(StaffMember, columns, staff_rows())
    through = StaffMember.extra_locations.through
    bulk.insert_rows(
        through,
        ["staffmember_id", "location_id"],
        ((pk, lid) for pk, c in zip(ids, creates, strict=True) for lid in c["extra"]),
    )
    bulk.insert_rows(
        TaxonomyAssignment,
        ["staff_id", "code", "is_primary"],
        (
            (pk, code, i == 0)
            for pk, c in zip(ids, creates, strict=True)
            for i, code in enumerate(c["taxonomies"])
        ),
    )
    if report is not None:
        report(Phase.WRITING, 0.6, force=True)
    render = validators.audit_renderer(lookups)
    recorded = created_value_filter(StaffMember)

    def create_events():
        for pk, c in zip(ids, creates, strict=True):
            values = c["values"]
            changes = {}
            for k, v in values.items():
                if recorded(k, v):
                    name, shown = render(k, v)
                    changes[name] = [None, shown]
            changes["status"] = [None, Status.PENDING]
            if c["extra"]:
                changes["extra_locations"] = [None, render.locations(c["extra"])]
            if c["taxonomies"]:
                changes["taxonomies"] = [None, c["taxonomies"]]
            label = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
            yield pk, label or values["email"], values["primary_location_id"], changes

    audit.record_many(
        "create_staff",
        "staffmember",
        create_events(),
        actor=actor,
    )
    if plan.updates:
        _write_staff_updates(plan, actor=actor, now=now)
    if report is not None:
        report(Phase.WRITING, 1, force=True)
    return [
        (
            pk,
            c["values"]["email"],
            c["values"].get("first_name", ""),
            c["values"].get("last_name", ""),
            c["values"]["primary_location_id"],
            c["values"]["role_id"],
        )
        for pk, c in zip(ids, creates, strict=True)
        if c["invite"]
    ]


def invitees(org_id: int, invited) -> list[StaffMember]:
    """The new members to invite, as the committed rows (no need to read them back).

    Each is a copy of one prepared instance with its own values and state: running
    Model.__init__ for each of 100,000 members took most of the time of issuing their
    invitations.
    """
    from django.db import router
    from django.db.models.base import ModelState

    locations = Location.objects.in_bulk({row[4] for row in invited})
    base = StaffMember(organization_id=org_id, status=Status.PENDING, password="!").__dict__
    base = {k: v for k, v in base.items() if k != "_state"}
    db = router.db_for_write(StaffMember)
    new = StaffMember.__new__
    members = []
    for pk, email, first_name, last_name, location_id, role_id in invited:
        m = new(StaffMember)
        state = ModelState()
        state.adding, state.db = False, db
        state.fields_cache["primary_location"] = locations[location_id]
        m.__dict__.update(
            base,
            _state=state,
            id=pk,
            email=email,
            first_name=first_name,
            last_name=last_name,
            primary_location_id=location_id,
            role_id=role_id,
        )
        members.append(m)
    return members


def _write_staff_updates(plan, *, actor, now) -> None:
    lookups = plan.lookups
    render = validators.audit_renderer(lookups)
    rows = []
    events = []
    extra_ids, tax_ids = [], []
    for u in plan.updates:
        changes = {}
        if u["changes"]:
            values = {k: new for k, (_old, new) in u["changes"].items()}
            values["updated_at"] = now
            rows.append((values, u["id"]))
            for k, (old, new) in u["changes"].items():
                name, before = render(k, old)
                changes[name] = [before, render(k, new)[1]]
        if u["extra"] is not None:
            extra_ids.append(u["id"])
            before, after = set(u.get("extra_before", [])), set(u["extra"])
            changes.update(location_access_changes(before, after, render.locations))
        if u["taxonomies"] is not None:
            tax_ids.append(u["id"])
            changes["taxonomies"] = [u.get("taxonomies_before", []), u["taxonomies"]]
        cur = u["current"]
        label = f"{cur['first_name']} {cur['last_name']}".strip() or cur["email"]
        location_id = u["changes"].get("primary_location_id", [None, cur["primary_location_id"]])[1]
        events.append((u["id"], label, location_id, changes))
    bulk.update_rows(StaffMember, rows)
    through = StaffMember.extra_locations.through
    if extra_ids:
        bulk.delete_where_in(through, "staffmember_id", extra_ids)
        bulk.insert_rows(
            through,
            ["staffmember_id", "location_id"],
            ((u["id"], lid) for u in plan.updates if u["extra"] is not None for lid in u["extra"]),
        )
    if tax_ids:
        bulk.delete_where_in(TaxonomyAssignment, "staff_id", tax_ids)
        bulk.insert_rows(
            TaxonomyAssignment,
            ["staff_id", "code", "is_primary"],
            (
                (u["id"], code, i == 0)
                for u in plan.updates
                if u["taxonomies"] is not None
                for i, code in enumerate(u["taxonomies"])
            ),
        )
    audit.record_many("update_staff", "staffmember", events, actor=actor)


def write_locations(plan, *, actor) -> None:
    now = timezone.now()
    fields = list(Location._meta.concrete_fields)
    columns = [f.attname for f in fields]
    ids = bulk.allocate_ids(Location, len(plan.creates))
    label = plan.manager_labels.__getitem__
    rows = []
    events = []
    managed = []  # (location id, member ids) of every location whose managers the file sets
    for pk, c in zip(ids, plan.creates, strict=True):
        values = {
            **{f.attname: f.get_default() for f in fields},
            **c["values"],
            "id": pk,
            "organization_id": actor.organization_id,
            "created_at": now,
            "updated_at": now,
        }
        rows.append(tuple(values[name] for name in columns))
        changes = {
            k: [None, values[k]]
            for k in (*validators.LOCATION_TEXT_FIELDS, "credentialing_enabled")
            if values[k] not in (None, "", False)
        }
        if c["managers"]:
            managed.append((pk, c["managers"]))
            changes["managers"] = [None, sorted(map(label, c["managers"]))]
        events.append((pk, values["name"], pk, changes))
    bulk.insert_rows(Location, columns, rows)
    updates = []
    for u in plan.updates:
        events_changes = {k: [old, new] for k, (old, new) in u["changes"].items()}
        if u["changes"]:
            values = {k: new for k, (_old, new) in u["changes"].items()}
            values["updated_at"] = now
            updates.append((values, u["id"]))
        if u["managers"] is not None:
            managed.append((u["id"], u["managers"]))
            events_changes["managers"] = [
                sorted(map(label, u["managers_before"])),
                sorted(map(label, u["managers"])),
            ]
        name = u["changes"].get("name", [None, u["current"]["name"]])[1]
        events.append((u["id"], name, u["id"], events_changes))
    bulk.update_rows(Location, updates)
    through = Location.managers.through
    bulk.delete_where_in(through, "location_id", [pk for pk, _ids in managed])
    bulk.insert_rows(
        through,
        ["location_id", "staffmember_id"],
        ((pk, staff_id) for pk, staff_ids in managed for staff_id in staff_ids),
    )
    n_creates = len(plan.creates)
    audit.record_many("create_location", "location", events[:n_creates], actor=actor)
    audit.record_many("update_location", "location", events[n_creates:], actor=actor)


@dataclass
class PurgeResult:
    jobs: int = 0
    orphans: int = 0
    bytes: int = 0
    organizations: set = field(default_factory=set)

    @property
    def files(self) -> int:
        return self.jobs + self.orphans


def purge_import_files(*, older_than_days: int | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete stored uploads that outlived the retention period (IMPORT_RETENTION_DAYS).

    Committed jobs drop their file at once; this removes the rest: files of jobs that finished
    with errors, failed, or stopped at a preview nobody committed, once their check is older
    than the period. Jobs still queued, running or committing are never touched. The job rows
    stay with their summary and error list; each purged job is marked (`file_purged_at`) so the
    pages and the API say the file is gone and its error copy answers 410, and each
    organization gets one audit event per run. Files in the import folder that no job refers to
    (an upload cut off before its job was written) go too once they are as old.
    """
    from clinicorg.access.system import SystemActor

    days = settings.IMPORT_RETENTION_DAYS if older_than_days is None else older_than_days
    if days < 0:
        raise ValidationError({"older_than": "Give a number of days, 0 or more."})
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    if not dry_run:
        # A job whose worker died is queued again or failed first, and one that stayed queued
        # through the whole retention period (no worker ever took it up) is failed, so that
        # their uploads are purged in their turn.
        reap_import_jobs()
        from .worker import heartbeat_timeout

        never_started = min(cutoff, now - heartbeat_timeout())
        ImportJob.objects.filter(state=State.QUEUED, created_at__lt=never_started).update(
            state=State.FAILED,
            phase=Phase.DONE,
            progress=100,
            finished_at=F("created_at"),
            message="Nothing was imported: no worker took the import up. Upload the file again.",
        )
    result = PurgeResult()
    expired = (
        ImportJob.objects.filter(state__in=PURGEABLE_STATES, finished_at__lt=cutoff)
        .exclude(file_path="")
        .order_by("organization_id", "pk")
    )
    purged: set[str] = set()
    by_org: dict[int, list[int]] = {}
    for org_id, pk in expired.values_list("organization_id", "pk"):
        by_org.setdefault(org_id, []).append(pk)
    for org_id, pks in by_org.items():
        with transaction.atomic():
            # Locked and re-checked: a commit that started meanwhile moved its job out of
            # PURGEABLE_STATES, and keeps its file.
            jobs = list(
                ImportJob.objects.select_for_update()
                .filter(pk__in=pks, state__in=PURGEABLE_STATES)
                .exclude(file_path="")
                .order_by("pk")
                .values_list("pk", "file_path", "file_name")
            )
            if not jobs:
                continue
            if not dry_run:
                # The state is checked again in the UPDATE itself: SQLite takes no row lock
                # above, so a commit may have queued one of these jobs since the read.
                ImportJob.objects.filter(
                    pk__in=[pk for pk, _path, _name in jobs], state__in=PURGEABLE_STATES
                ).exclude(file_path="").update(file_path="", file_purged_at=now)
                marked = set(
                    ImportJob.objects.filter(
                        pk__in=[pk for pk, _path, _name in jobs], file_purged_at=now, file_path=""
                    ).values_list("pk", flat=True)
                )
                jobs = [job for job in jobs if job[0] in marked]
                if not jobs:
                    continue
            purged.update(path for _pk, path, _name in jobs)
            result.jobs += len(jobs)
            result.bytes += sum(_file_size(Path(path)) for _pk, path, _name in jobs)
            result.organizations.add(org_id)
            if dry_run:
                continue
            audit.record(
                "purge_import_files",
                actor=SystemActor(org_id),
                target_type="importjob",
                target_label=f"{len(jobs)} stored upload{'s' if len(jobs) != 1 else ''}",
                changes={
                    "jobs": [pk for pk, _path, _name in jobs],
                    "files": [name for _pk, _path, name in jobs],
                    "retention_days": days,
                },
            )
        # After the commit: a failed transaction leaves both the rows and the files.
        for _pk, path, _name in jobs:
            Path(path).unlink(missing_ok=True)
    # A file without a job may be an upload still being written: give it an hour at least.
    orphan_cutoff = min(cutoff, now - timedelta(hours=1))
    result.orphans, orphan_bytes = _purge_orphans(orphan_cutoff, purged, dry_run=dry_run)
    result.bytes += orphan_bytes
    return result


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _purge_orphans(cutoff, purged: set[str], *, dry_run: bool) -> tuple[int, int]:
    folder = import_dir()
    known = set(ImportJob.objects.exclude(file_path="").values_list("file_path", flat=True))
    known |= purged
    count = size = 0
    for path in folder.iterdir():
        if not path.is_file() or str(path) in known:
            continue
        stat = path.stat()
        if stat.st_mtime >= cutoff.timestamp():
            continue
        count += 1
        size += stat.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return count, size
