"""Roles & permissions pages, and a member's role and location access rules."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from clinicorg.access import actions, policy
from clinicorg.access.catalogue import MODULES, P
from clinicorg.access.models import Role
from clinicorg.directory.models import Location
from clinicorg.staff.models import StaffMember

from ..forms import Form
from .base import confirm_delete, requires, save_form


def _roles(actor):
    """Roles of the organization with the number of members the actor can see holding each."""
    visible = policy.staff_scope(StaffMember.objects.all(), actor).values("pk")
    return (
        policy.org_scope(Role.objects.all(), actor)
        .annotate(member_count=Count("members", filter=Q(members__in=visible), distinct=True))
        .order_by("name")
    )


def _role(actor, pk) -> Role:
    return get_object_or_404(_roles(actor), pk=pk)


def _role_url(role) -> str:
    return reverse("web:access_role_detail", args=[role.pk])


def _can_change_roles(actor) -> bool:
    """Roles apply at every location: changing them needs access to all (see the actions)."""
    return policy.accessible_location_ids(actor) is None


def _member(actor, pk) -> StaffMember:
    """A member the actor may see (their primary location is accessible) and manage, or 404."""
    qs = StaffMember.objects.select_related("role", "primary_location")
    member = get_object_or_404(policy.staff_scope(qs, actor), pk=pk)
    policy.require(actor, P.MANAGE_STAFF, member.primary_location)
    return member


def profile_url(member) -> str:
    """The member's profile page, or the access page when the profile page is not there."""
    try:
        return reverse("web:staff_detail", args=[member.pk]) + "#access"
    except NoReverseMatch:
        return reverse("web:access_staff_rules", args=[member.pk])


class RoleForm(Form):
    name = forms.CharField(max_length=100)

    def __init__(self, *args, role=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = []
        for module in MODULES:
            names = []
            for perm in module.permissions:
                field_name = perm.name.replace(".", "__")
                self.fields[field_name] = forms.BooleanField(
                    required=False,
                    label=perm.label,
                    initial=role is not None and perm.name in role.permission_set,
                    disabled=role is not None and role.is_administrator,
                )
                names.append(field_name)
            self.groups.append({"module": module, "fields": names})

    def bound_groups(self):
        return [
            {"module": g["module"], "fields": [self[name] for name in g["fields"]]}
            for g in self.groups
        ]

    def permissions(self) -> list[str]:
        return [
            name.replace("__", ".")
            for name, value in self.cleaned_data.items()
            if name != "name" and value
        ]


class NewRoleForm(Form):
    name = forms.CharField(max_length=100)
    copy_from = forms.ModelChoiceField(
        queryset=Role.objects.none(),
        required=False,
        empty_label="Start blank (no permissions)",
        label="Copy permissions from",
    )

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = roles if roles is not None else Role.objects.none()


@requires(P.MANAGE_ROLES)
def role_list(request):
    roles = list(_roles(request.user))
    modules = [
        {
            "module": m,
            "rows": [
                {"perm": p, "cells": [p.name in r.permission_set for r in roles]}
                for p in m.permissions
            ],
        }
        for m in MODULES
    ]
    return render(
        request,
        "web/access/roles.html",
        {"roles": roles, "modules": modules, "can_change": _can_change_roles(request.user)},
    )


@requires(P.MANAGE_ROLES)
def role_create(request):
    roles = policy.org_scope(Role.objects.all(), request.user).order_by("name")
    initial = {}
    if request.GET.get("copy"):
        initial["copy_from"] = roles.filter(pk=request.GET["copy"]).first()
    form = NewRoleForm(request.POST or None, roles=roles, initial=initial)
    done = save_form(
        request,
        form,
        lambda data: actions.create_role(
            data["name"], actor=request.user, copy_from=data["copy_from"]
        ),
        lambda role: f"Role “{role.name}” created. Choose its permissions.",
        _role_url,
    )
    return done or render(request, "web/access/role_new.html", {"form": form})


@requires(P.MANAGE_ROLES)
def role_detail(request, pk):
    role = _role(request.user, pk)
    form = RoleForm(request.POST or None, role=role, initial={"name": role.name})
    done = save_form(
        request,
        form,
        lambda data: actions.update_role(
            role,
            actor=request.user,
            name=data["name"],
            permissions=None if role.is_administrator else form.permissions(),
        ),
        "Role saved.",
        _role_url(role),
    )
    return done or render(
        request,
        "web/access/role_detail.html",
        {
            "role": role,
            "form": form,
            "groups": form.bound_groups(),
            "can_change": _can_change_roles(request.user),
        },
    )


@requires(P.MANAGE_ROLES)
def role_delete(request, pk):
    role = _role(request.user, pk)
    done = confirm_delete(
        request,
        lambda: actions.delete_role(role, actor=request.user),
        f"Role “{role.name}” deleted.",
        "web:access_role_list",
        _role_url(role),
    )
    return done or render(request, "web/access/role_delete.html", {"role": role})


class StaffRoleForm(Form):
    role = forms.ModelChoiceField(queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles


@requires(P.MANAGE_STAFF)
def staff_role(request, pk):
    member = _member(request.user, pk)
    roles = policy.org_scope(Role.objects.all(), request.user).order_by("name")
    form = StaffRoleForm(request.POST or None, roles=roles, initial={"role": member.role_id})
    done = save_form(
        request,
        form,
        lambda data: actions.change_staff_role(member, data["role"], actor=request.user),
        lambda _result: f"{member.full_name} now has the role “{form.cleaned_data['role'].name}”.",
        lambda _result: profile_url(member),
        conflict_field="role",
    )
    return done or render(
        request,
        "web/access/staff_role.html",
        {"member": member, "form": form, "roles": roles, "profile_url": profile_url(member)},
    )


@requires(P.MANAGE_STAFF)
def staff_rules(request, pk):
    """Access rules of a member: All locations, or the primary one plus toggled locations."""
    member = _member(request.user, pk)
    locations = list(
        policy.location_scope(Location.objects.all(), request.user).order_by("-status", "name")
    )
    granted = set(member.extra_locations.values_list("id", flat=True))
    error = None
    if request.method == "POST":
        all_locations = request.POST.get("all_locations") == "on"
        picked = set(request.POST.getlist("locations"))
        chosen = [loc for loc in locations if str(loc.pk) in picked]
        try:
            actions.set_location_access(
                member, all_locations=all_locations, locations=chosen, actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "Access rules saved.")
            return redirect(profile_url(member))
        granted = {loc.pk for loc in chosen}
        member.all_locations = all_locations
    rows = [
        {
            "location": loc,
            "primary": loc.pk == member.primary_location_id,
            "on": loc.pk == member.primary_location_id or loc.pk in granted,
        }
        for loc in locations
    ]
    effective = policy.effective_access(member, locations)
    return render(
        request,
        "web/access/staff_rules.html",
        {
            "member": member,
            "rows": rows,
            "error": error,
            "effective": effective,
            "profile_url": profile_url(member),
            "may_grant_all": policy.accessible_location_ids(request.user) is None,
        },
    )
