"""A page's window title is plain text: its title block holds no markup and includes no
template (a stylesheet or script included there shows as text in the browser's tab)."""

import re
from pathlib import Path

import clinicorg.web

TEMPLATES = Path(clinicorg.web.__file__).parent / "templates"
TITLE_BLOCK = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)


def test_no_title_block_holds_markup_or_an_include():
    found, wrong = 0, []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for body in TITLE_BLOCK.findall(template.read_text()):
            found += 1
            if "<" in body or "{% include" in body or "\n" in body.strip():
                wrong.append(f"{template.relative_to(TEMPLATES)}: {body!r}")
    assert found >= 20, "the title blocks were not found"
    assert not wrong, "\n".join(wrong)


def test_the_picker_pages_have_plain_titles(acme, admin_client):
    page = admin_client.get(f"/locations/{acme.branch.pk}/managers/").text
    assert "<title>Managers of Acme Health Branch · clinicorg</title>" in page
    assert page.count("member-picker.js") == 1
    page = admin_client.get("/supervisors/new/").text
    assert "<title>Appoint supervisor · clinicorg</title>" in page
    assert page.count("member-picker.js") == 1
