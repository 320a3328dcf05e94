"""Roles and a member's role."""

from django import forms

from clinicorg.access.catalogue import MODULES
from clinicorg.access.models import Role

from .base import Form


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


class StaffRoleForm(Form):
    role = forms.ModelChoiceField(queryset=Role.objects.none(), empty_label=None)

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles
