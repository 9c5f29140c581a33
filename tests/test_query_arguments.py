"""Mangled page numbers and ids in links show a page, never an error."""

from __future__ import annotations

import pytest

from tracker.models import Role

PAGES = ["99999999999999999999", "-3", "0", "NaN", "\u00b2", "1e309", "%00"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("who", "path"),
    [("requester", "/requests/"), ("requester", "/notifications/"),
     ("agent", "/board?view=list"), ("admin", "/admin/people")],
)
def test_any_page_number_shows_a_page(client, make, who, path, page):
    person = make.user(roles=(Role(who),)) if who != "requester" else make.requester()
    client.login(person.email)
    separator = "&" if "?" in path else "?"
    assert client.get(f"{path}{separator}page={page}").status_code == 200


@pytest.mark.parametrize("value", ["\u00b2", "99999999999999999999", "-1", "%00"])
def test_selected_ids_and_unit_filters_that_are_not_ids_are_ignored(client, make, value):
    client.login(make.user(roles=(Role.AGENT, Role.ADMIN)).email)
    assert client.get(f"/board?ids={value}&ids=1").status_code == 200
    assert client.get(f"/admin/people?unit={value}").status_code == 200
