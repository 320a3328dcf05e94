"""One input boundary for the web: every form and every list page's filters refuse control
characters, lone surrogates and integers past 64 bits beside the field; nothing is a 500."""

from urllib.parse import quote

import pytest
from django import forms as django_forms
from django.urls import reverse

from clinicorg.core.boundary import INT_MAX
from clinicorg.web.forms.base import BoundaryMixin

HOSTILE = ["nul\x00byte", "bell\x07", "lone \ud800 surrogate", "c1\x85mid"]


def _encode(data: dict) -> str:
    """Form encoding as an attacker's client may send it: a lone surrogate as its three bytes."""
    return "&".join(
        f"{quote(k)}={quote(v, encoding='utf-8', errors='surrogatepass')}" for k, v in data.items()
    )


def _all_form_classes():
    import clinicorg.web.forms.access  # noqa: F401
    import clinicorg.web.forms.auth  # noqa: F401
    import clinicorg.web.forms.locations  # noqa: F401
    import clinicorg.web.forms.org  # noqa: F401
    import clinicorg.web.forms.people  # noqa: F401
    import clinicorg.web.forms.reports  # noqa: F401
    import clinicorg.web.forms.scheduling  # noqa: F401
    import clinicorg.web.forms.staff  # noqa: F401
    import clinicorg.web.forms.transfer  # noqa: F401
    import clinicorg.web.views  # noqa: F401
    from clinicorg.web.views import access, auth, staff, transfer  # noqa: F401

    seen, todo = set(), [django_forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.startswith("clinicorg.")]


def test_every_form_of_the_product_goes_through_the_boundary():
    classes = _all_form_classes()
    assert len(classes) > 15
    missing = [c.__qualname__ for c in classes if not issubclass(c, BoundaryMixin)]
    assert missing == []


# (list page, filter names) for every list page that reads filters from the query string.
LIST_PAGES = [
    ("web:staff_list", ["q", "status", "location", "role", "department", "position", "sort"]),
    ("web:location_list", ["q", "status", "sort"]),
    ("web:structure_category_list", ["q", "status"]),
    ("web:structure_department_list", ["q", "status"]),
    ("web:structure_position_list", ["q", "status"]),
    ("web:license_list", ["q", "window", "show", "location", "state", "sort"]),
    ("web:audit_list", ["q", "actor", "target_id", "date_from", "date_to"]),
    ("web:audit_export", ["q", "actor", "target_id", "date_from", "date_to"]),
    ("web:export_staff", ["q", "status", "location", "role", "department"]),
]


def _list_cases():
    for name, params in LIST_PAGES:
        for param in params:
            yield pytest.param(name, param, id=f"{name} {param}")


@pytest.mark.parametrize("page,param", list(_list_cases()))
@pytest.mark.parametrize(
    "value", [*HOSTILE, str(INT_MAX + 1), "99999999999999999999", "²", "١٢", "9999-12-31"]
)
def test_list_page_filters_answer_hostile_values(admin_client, page, param, value):
    response = admin_client.get(f"{reverse(page)}?{_encode({param: value})}")
    assert response.status_code == 200


@pytest.mark.parametrize("value", HOSTILE)
def test_a_refused_search_is_reported_on_the_page(admin_client, value):
    response = admin_client.get(f"{reverse('web:staff_list')}?{_encode({'q': value})}")
    assert response.status_code == 200
    if "\ud800" not in value:  # a lone surrogate arrives as U+FFFD, which is text like any
        assert "not allowed" in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE)
def test_text_with_control_characters_is_a_form_error_beside_the_field(admin_client, value):
    response = admin_client.post(
        reverse("web:location_create"),
        _encode({"name": value, "code": "NEW", "timezone": "UTC"}),
        content_type="application/x-www-form-urlencoded",
    )
    if "\ud800" in value:
        # Decoded as U+FFFD: text like any, which the form may accept.
        assert response.status_code in (200, 302)
        return
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors
    assert "not allowed" in form.errors["name"][0]


def test_a_member_id_past_64_bits_in_a_page_address_is_a_404(admin_client):
    response = admin_client.get(f"/staff/{INT_MAX + 1}/")
    assert response.status_code == 404
