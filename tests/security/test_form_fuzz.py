"""Generated values posted into every web form: no answer is a server error.

Each page's form fields are read from the page itself; values mix free text (control
characters included), the field's own choices, numbers past 64 bits, other scripts' digits and
dates at the ends of the calendar.
"""

import pytest
from django import forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicorg.core.boundary import INT_MAX
from clinicorg.directory import actions as directory

EDGE = ["", "0", "-1", str(INT_MAX), str(INT_MAX + 1), "99999999999999999999", "²", "١٢"]
EDGE += ["9999-12-31", "0001-01-01", "2024-02-30", "=2+3", "a\x00b", "\x1b[31m", " " * 3]

# (page showing the form, address it posts to; None: the page itself). {member}, {location}
# and {department} are filled in below.
FORM_PAGES = [
    ("/signin/", None),
    ("/locations/new/", None),
    ("/locations/{location}/edit/", None),
    ("/locations/{location}/managers/", None),
    ("/locations/{location}/enrollments/new/", None),
    ("/organization/departments/", "/organization/departments/new/"),
    ("/organization/departments/{department}/edit/", None),
    ("/organization/positions/", "/organization/positions/new/"),
    ("/organization/categories/", "/organization/categories/new/"),
    ("/organization/settings/", None),
    ("/organization/settings/", "/organization/settings/npis/new/"),
    ("/staff/new/", None),
    ("/staff/{member}/edit/", None),
    ("/staff/{member}/", "/staff/{member}/status/"),
    ("/staff/{member}/", "/staff/{member}/email/"),
    ("/staff/{member}/credentials/", None),
    ("/staff/{member}/credentials/", "/staff/{member}/credentials/licenses/new/"),
    ("/staff/{member}/role/", None),
    ("/supervisors/new/", None),
    ("/roles/new/", None),
    ("/me/", None),
    ("/audit/", None),
    ("/account/two-factor/set-up/", None),
    ("/account/two-factor/", "/account/two-factor/recovery-codes/new/"),
    ("/account/two-factor/", "/account/two-factor/turn-off/"),
    ("/organization/settings/sign-in/", None),
    ("/password/reset/", None),
]


def _fields(response) -> dict[str, forms.Field]:
    found = {}
    for context in response.context or []:
        for value in context.dicts if hasattr(context, "dicts") else [context]:
            for item in value.values() if isinstance(value, dict) else []:
                if isinstance(item, forms.BaseForm):
                    for name, field in item.fields.items():
                        found[item.add_prefix(name)] = field
    return found


def _values(field: forms.Field):
    options = [st.text(max_size=40), st.sampled_from(EDGE)]
    choices = [str(k) for k, _label in getattr(field, "choices", []) if k not in ("", None)]
    if choices:
        options.append(st.sampled_from(choices))
    return st.one_of(options)


@pytest.mark.parametrize("page,target", FORM_PAGES)
def test_posting_generated_values_into_a_form_is_never_a_server_error(
    admin_client, acme, admin, page, target
):
    member = acme.member("fuzzed@acme.test", role="front_desk")
    department = directory.create_department("Cardiology", actor=acme.system)
    ids = {"member": member.pk, "location": acme.main.pk, "department": department.pk}
    url = page.format(**ids)
    response = admin_client.get(url)
    assert response.status_code == 200, url
    fields = _fields(response)
    assert fields, f"no form found on {url}"
    method = "get" if page == "/audit/" else "post"
    url = (target or page).format(**ids)

    @settings(
        max_examples=15,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.fixed_dictionaries({name: _values(f) for name, f in fields.items()}))
    def post(data):
        answer = getattr(admin_client, method)(url, data)
        assert answer.status_code < 500, (url, data)

    post()
