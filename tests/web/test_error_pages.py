"""Errors render in the layout and say what happened and where to go next."""

from django.test import Client

from tests.conftest import signed_in


def test_a_missing_page_says_so_in_the_layout(admin):
    page = signed_in(admin).get("/no-such-page/")
    assert page.status_code == 404
    assert "This page doesn’t exist" in page.text
    assert "/no-such-page/" in page.text
    assert 'aria-label="Main"' in page.text  # the navigation is there
    assert "Go to your start page" in page.text


def test_another_organizations_record_is_the_same_404_page(acme, outsider):
    page = signed_in(outsider).get(f"/locations/{acme.main.pk}/")
    assert page.status_code == 404
    assert "This page doesn’t exist" in page.text


def test_a_missing_page_for_someone_signed_out_offers_sign_in(db):
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert "This page doesn’t exist" in page.text
    assert 'href="/signin/"' in page.text


def test_an_expired_form_says_nothing_was_saved(acme, admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.post("/locations/new/", {"name": "Stale", "code": "STALE"})
    assert page.status_code == 403
    assert "This form has expired" in page.text
    assert "Nothing was saved" in page.text
    assert 'aria-label="Main"' in page.text


def test_a_server_error_is_in_the_layout_and_says_nothing_was_saved(admin, monkeypatch):
    from clinicorg.web.views import locations

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(locations, "locations_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    page = client.get("/locations/")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert "boom" not in page.text
    assert 'aria-label="Main"' in page.text
