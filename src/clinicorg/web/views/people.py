"""People pages: supervisors, provider credentials, and a member's own profile and password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.errors import Conflict
from clinicorg.directory.models import Department, Location
from clinicorg.staff import actions, queries, supervisors, taxonomy
from clinicorg.staff.bio import clean_bio, render_bio
from clinicorg.staff.models import StaffMember, Status

from ..forms.people import (
    CredentialsForm,
    LicenseForm,
    MyProfileForm,
    RemoveSupervisorForm,
    SupervisorForm,
)
from .base import apply_errors, confirm_page, list_filters, paginate, requires, save_form

# Supervisors


def _scope_choices(actor):
    locations = Location.objects.visible_to(actor).filter(status="active").order_by("name")
    departments = Department.objects.visible_to(actor).filter(is_active=True).order_by("name")
    return (
        {str(x.pk): x for x in locations},
        {str(x.pk): x for x in departments},
    )


def _supervisor_form(request, *, supervisor=None):
    locations, departments = _scope_choices(request.user)
    staff = None
    if supervisor is None:
        staff = StaffMember.objects.visible_to(request.user)
        initial = {}
    else:
        initial = {
            "locations": [str(x.pk) for x in supervisor.locations.all()],
            "departments": [str(x.pk) for x in supervisor.departments.all()],
        }
    form = SupervisorForm(
        request.POST or None,
        initial=initial,
        staff=staff,
        location_choices=[(k, v.name) for k, v in locations.items()],
        department_choices=[(k, v.name) for k, v in departments.items()],
    )
    return form, locations, departments


def _picked_scope(data, locations, departments) -> dict:
    """The locations and departments picked in a supervisor form, as action arguments."""
    return {
        "locations": [locations[k] for k in data["locations"]],
        "departments": [departments[k] for k in data["departments"]],
    }


@requires(P.MANAGE_STAFF)
def supervisor_list(request):
    page, query = paginate(request, supervisors.supervisors_for(request.user))
    return render(request, "web/people/supervisors.html", {"page": page, "query": query})


@requires(P.MANAGE_STAFF)
def supervisor_appoint(request):
    form, locations, departments = _supervisor_form(request)

    def appoint(data):
        member = data["staff"]
        scope = _picked_scope(data, locations, departments)
        actions.appoint_supervisor(member, **scope, actor=request.user)
        return member

    done = save_form(
        request,
        form,
        appoint,
        lambda member: f"{member.full_name} is now a supervisor.",
        "web:supervisor_list",
    )
    return done or render(request, "web/people/supervisor_form.html", {"form": form})


@requires(P.MANAGE_STAFF)
def supervisor_edit(request, pk):
    supervisor = supervisors.get_supervisor(request.user, pk)
    form, locations, departments = _supervisor_form(request, supervisor=supervisor)
    done = save_form(
        request,
        form,
        lambda data: actions.update_supervisor(
            supervisor, **_picked_scope(data, locations, departments), actor=request.user
        ),
        f"Saved what {supervisor.staff.full_name} supervises.",
        "web:supervisor_list",
    )
    return done or render(
        request, "web/people/supervisor_form.html", {"form": form, "supervisor": supervisor}
    )


@requires(P.MANAGE_STAFF)
def supervisor_remove(request, pk):
    """The reports' new supervisor is chosen with the supervisor picker, which offers only
    those the action's reassignment rule accepts; an id typed without scripts goes to the
    action, whose rules decide."""
    supervisor = supervisors.get_supervisor(request.user, pk)
    others = (
        supervisors.supervisors_for(request.user)
        .exclude(pk=supervisor.pk)
        .exclude(staff__status=Status.DEACTIVATED)
    )
    form = RemoveSupervisorForm(
        request.POST or None,
        staff=StaffMember.objects.visible_to(request.user),
        replacing=supervisor.staff_id,
    )
    if request.method == "POST" and form.is_valid():
        has_reports = supervisor.report_count > 0
        choice = form.cleaned_data["reports"] if has_reports else ""
        reassign_to = None
        if choice == "reassign":
            reassign_to = form.cleaned_data["reassign_to"]
            if reassign_to is None:
                form.add_error("reassign_to", "Choose the supervisor who takes over the reports.")
        elif has_reports and choice != "clear":
            form.add_error("reports", "Choose what happens to the direct reports.")
        if not form.errors:
            try:
                moved = actions.remove_supervisor(
                    supervisor, actor=request.user, reassign_to=reassign_to, clear=choice == "clear"
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                name = supervisor.staff.full_name
                if moved and reassign_to is not None:
                    note = f" {moved} direct report(s) now report to {reassign_to.full_name}."
                elif moved:
                    note = f" {moved} direct report(s) no longer have a supervisor."
                else:
                    note = ""
                messages.success(request, f"{name} is no longer a supervisor.{note}")
                return redirect("web:supervisor_list")
    shown = 20
    reports = list(supervisor.staff.direct_reports.order_by("last_name", "first_name")[:shown])
    return render(
        request,
        "web/people/supervisor_remove.html",
        {
            "supervisor": supervisor,
            "form": form,
            "has_others": others.exists(),
            "reports": reports,
            "more_reports": max(0, supervisor.report_count - shown),
        },
    )


def _preview_or_save(request, form, action, success, to):
    """The two buttons of a form with a bio: Preview renders the cleaned bio, Save runs the
    action (see `save_form`). Returns (redirect or None, preview or None)."""
    if request.method == "POST" and "preview" in request.POST:
        if form.is_valid():
            try:
                return None, render_bio(clean_bio(form.cleaned_data["bio"]))
            except ValidationError as exc:
                apply_errors(form, exc)
        return None, None
    return save_form(request, form, action, success, to), None


# Provider credentials


def _credentials_member(request, pk) -> StaffMember:
    member = supervisors.get_member(request.user, pk)
    policy.require(request.user, P.MANAGE_STAFF, member.primary_location)
    return member


def _credentials_initial(member) -> dict:
    return {
        "npi": member.npi,
        "taxonomy_codes": ", ".join(a.code for a in member.taxonomies.all()),
        "capacity": member.capacity,
        "scheduling_step": member.scheduling_step,
        "bio": member.bio,
    }


def _credentials_page(request, member, form, license_form, *, preview=None):
    assignments = list(member.taxonomies.all())
    described = taxonomy.describe_codes([a.code for a in assignments])
    query = list_filters(request, ("tq",))["tq"]
    return render(
        request,
        "web/people/credentials.html",
        {
            "member": member,
            "form": form,
            "license_form": license_form,
            "licenses": list(member.licenses.all()),
            "taxonomies": [
                {"code": a.code, "is_primary": a.is_primary, "entry": described.get(a.code)}
                for a in assignments
            ],
            "preview": preview if preview is not None else render_bio(member.bio),
            "previewing": preview is not None,
            "tq": query,
            "tq_results": taxonomy.search(query, limit=25) if query else None,
            "code_set_loaded": taxonomy.code_set_loaded(),
            "code_set_version": taxonomy.current_version(),
        },
    )


@requires(P.MANAGE_STAFF)
def staff_credentials(request, pk):
    member = _credentials_member(request, pk)
    form = CredentialsForm(request.POST or None, initial=_credentials_initial(member))
    done, preview = _preview_or_save(
        request,
        form,
        lambda _data: actions.update_credentials(member, form.action_data(), actor=request.user),
        "Credentials saved.",
        reverse("web:staff_detail", args=[member.pk]),
    )
    return done or _credentials_page(request, member, form, LicenseForm(), preview=preview)


@requires(P.MANAGE_STAFF)
def license_add(request, pk):
    member = _credentials_member(request, pk)
    if request.method != "POST":
        return redirect("web:staff_credentials", pk=member.pk)
    license_form = LicenseForm(request.POST)
    done = save_form(
        request,
        license_form,
        lambda data: actions.add_license(member, data, actor=request.user),
        lambda lic: f"License {lic.state} {lic.number} added.",
        reverse("web:staff_credentials", args=[member.pk]) + "#licenses",
    )
    if done:
        return done
    form = CredentialsForm(initial=_credentials_initial(member))
    return _credentials_page(request, member, form, license_form)


@requires(P.MANAGE_STAFF)
def license_remove(request, pk, lid):
    """GET asks; POST removes the license."""
    member = _credentials_member(request, pk)
    lic = get_object_or_404(member.licenses, pk=lid)
    if request.method != "POST":
        back = reverse("web:staff_credentials", args=[member.pk])
        expiry = f", expiring {lic.expires_on:%b %-d, %Y}" if lic.expires_on else ""
        return confirm_page(
            request,
            heading=f"Remove license {lic.state} {lic.number}?",
            lead=f"{member.full_name} will no longer have the {lic.state} license {lic.number}"
            f"{expiry} on record, and its expiry reminders stop. The audit log keeps a record "
            "of it.",
            button="Remove license",
            cancel=back + "#licenses",
            crumbs=[("Employee Center", reverse("web:staff_list")), (member.full_name, back)],
        )
    actions.remove_license(lic, actor=request.user)
    messages.success(request, f"License {lic.state} {lic.number} removed.")
    return redirect("web:staff_credentials", pk=member.pk)


NO_CODE_SET_HINT = (
    "No NUCC code set is loaded, so there is nothing to search and codes are checked by "
    "format only. An operator loads it with `clinicorg taxonomy load FILE` (the official "
    "CSV from nucc.org)."
)


@requires(None)
def taxonomy_search(request):
    """JSON for the code picker: [{code, label, classification, specialization}]."""
    query = list_filters(request, ("q",))["q"]
    results = taxonomy.search(query, limit=20) if query else []
    loaded = taxonomy.code_set_loaded()
    return JsonResponse(
        {
            "items": [
                {
                    "code": e.code,
                    "label": e.label,
                    "classification": e.classification,
                    "specialization": e.specialization,
                }
                for e in results
            ],
            # An empty answer with no code set loaded says how to load one.
            "loaded": loaded,
            "hint": "" if loaded else NO_CODE_SET_HINT,
        }
    )


# My profile


def _my_profile_page(request, form, password_form, *, preview=None):
    me = request.user
    return render(
        request,
        "web/people/my_profile.html",
        {
            "me": me,
            "form": form,
            "password_form": password_form,
            "preview": preview if preview is not None else render_bio(me.bio),
            "previewing": preview is not None,
        },
    )


def _profile_initial(me) -> dict:
    return {"display_name": me.display_name, "phone": me.phone, "bio": me.bio}


def _password_form(me, data=None):
    form = PasswordChangeForm(me, data)
    # The profile form comes first on the page; do not pull focus into the password box.
    form.fields["old_password"].widget.attrs.pop("autofocus", None)
    return form


@requires(None)
def my_profile(request):
    me = request.user
    form = MyProfileForm(request.POST or None, initial=_profile_initial(me))
    done, preview = _preview_or_save(
        request,
        form,
        lambda data: actions.update_own_profile(me, data, actor=me),
        lambda changes: "Profile saved." if changes else "Nothing changed.",
        "web:my_profile",
    )
    return done or _my_profile_page(request, form, _password_form(me), preview=preview)


@requires(None)
def my_password(request):
    me = request.user
    if request.method != "POST":
        return redirect("web:my_profile")
    password_form = _password_form(me, request.POST)
    if password_form.is_valid():
        actions.change_own_password(me, password_form.cleaned_data["new_password1"], actor=me)
        update_session_auth_hash(request, me)
        messages.success(request, "Password changed. You stay signed in here.")
        return redirect("web:my_profile")
    return _my_profile_page(request, MyProfileForm(initial=_profile_initial(me)), password_form)


# People pickers


# Open to whoever holds a permission some picker needs; each purpose then asks for its own.
@requires(*dict.fromkeys(queries.PICK_PERMISSIONS.values()))
def people_search(request):
    """JSON for every member picker: {items: [{id, name, email, location}]}.

    `for` names what the member is chosen for (staff.queries.PICK_PERMISSIONS) and decides who
    is offered; `exclude` leaves out the member being edited; `replacing` (a supervisor being
    removed) offers only who may take over their reports. Without scripts the pickers are a
    plain id field, and the rules of the action decide as always.
    """
    params = list_filters(request, ("q", "for", "exclude", "replacing"))
    purpose = params["for"] or queries.PICK_MEMBER
    if purpose not in queries.PICK_PERMISSIONS:
        return JsonResponse({"error": f"Unknown picker: {purpose}"}, status=400)
    # The purpose's permission is checked whatever the query, a blank one included.
    found = queries.pick_staff(
        request.user,
        purpose,
        params["q"],
        exclude=params["exclude"],
        replacing=params["replacing"],
    )
    return JsonResponse(
        {
            "items": [
                {
                    "id": m.pk,
                    "name": m.full_name,
                    "email": m.email,
                    "location": m.primary_location.name,
                }
                for m in found
            ]
        }
    )
