"""Bad input sweep: every field of every form refuses hostile values cleanly.

The forms are found by crawling the pages every persona sees (tests/security/form_fields.py)
and the valid submission of each state-changing rule comes from the CSRF sweep's table, so
a form or field added later is attacked without being listed here. For every field:

- text a person types (text inputs, text areas): NUL and other control characters,
  non-characters, bytes that are not UTF-8 (URL-encoded and multipart) and one character
  over the announced maxlength answer 422 with a message on the page and store nothing;
  text exactly at the maxlength never breaks the database (PostgreSQL refuses text longer
  than a String(n) column, so a limit larger than its column shows up here as a 500);
- every other field (choices, hidden fields, numbers, dates, times) gets values outside
  what the form offers: never a 5xx, never WTForms' terse stock messages, and either a
  refusal (4xx, nothing stored, a message on the page for 422) or the value is ignored
  (never stored as sent, and the pages showing the form still work).

Finally the untouched valid submission still goes through, so the refusals above came from
the attacked field and not from a form that could never succeed.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote, quote_from_bytes

import pytest
from sqlalchemy import inspect, text

from tests.conftest import _clean_database
from tests.pages import visible_text
from tests.security.form_fields import FieldInfo, FormInfo, crawl_forms, forms_on_page
from tests.security.scene import (
    build_scene,
    build_url,
    changed_tables,
    get_rules,
    get_variants,
    signed_in,
    snapshot,
    unsafe_rules,
)
from tests.security.test_csrf_sweep import _who_and_what
from tracker.extensions import db
from tracker.service_requests.catalog import seed_categories
from tracker.service_requests.sla import seed_sla_defaults
from tracker.web.forms import MESSAGE_CONTROL, MESSAGE_UNREADABLE

MARK = "zqxj"  # distinctive, so a hostile value found in the database is ours
UNBOUNDED = 100_000  # "oversize" for a field that announces no maxlength
# WTForms' stock messages: terse and technical, never what a person should read.
STOCK_MESSAGES = (
    "Not a valid", "Invalid choice", "This field is required", "Invalid input",
    "Field must be", "Number must be", "could not be coerced",
)
# Values outside what a field offers, by the kind of field.
JUNK = {
    "choice": ("not-a-choice-" + MARK, "-1", "99999999999999999999", "1e309", "\u00b2", " "),
    "hidden": ("not-a-choice-" + MARK, "-1", "99999999999999999999", "\u00b2", "<" + MARK + ">"),
    "number": ("-1", "0", "99999999999999999999", "1e309", "NaN", "-Infinity", "1.5", "12abc"),
    "date": ("0000-00-00", "99999-01-01", "2026-02-30", "0001-01-01", "9999-12-31", "today"),
    "time": ("25:00", "9.30", "-01:00", "99999999999999999999"),
}
# Tables a refused request may still write to, with why.
REFUSAL_WRITES = {
    "auth.login": {"login_attempts"},  # a wrong password is counted against the account
    "auth.change_own_password": {"login_attempts"},  # and so is a wrong current password
}

# Forms shown only in the answer to a post, and the post that shows each.
REVEALING_POSTS = (
    ("requester", "feedback.answer_in_app", "resolved", {"score": "1"}),
    ("anonymous", "feedback.survey", None, {"score": "1"}),
    ("requester", "shadow_it.new", None, {
        "name": "Trello", "purpose": "Boards", "user_count": "3", "payer": "free",
        "cost_period": "month", "currency": "GBP", "data_kind": "internal",
        "sign_in": "sso", "critical": "no"}),
)

# The JSON API takes bearer tokens and JSON, not cookies and forms: tests/api/test_bad_input.py
# sweeps it the same way.
def _web(rules) -> list[tuple[str, str]]:
    return [(endpoint, rule) for endpoint, rule in rules
            if endpoint != "static" and not endpoint.startswith("api.")]


_FORMS: dict[str, FormInfo] = {}
_QUERY_NAMES: dict[str, set[str]] = {}


def _clean(app) -> None:
    """Empty tables plus reference data, as each test starts (see tests/conftest.py)."""
    with app.app_context():
        _clean_database()
        seed_categories()
        seed_sla_defaults()
        db.session.commit()
        db.session.remove()


def _reset(app, make):
    _clean(app)
    return build_scene(app, make)


def _rule_of(endpoint: str) -> str:
    return next(rule for e, rule in unsafe_rules() if e == endpoint)


def discovered_forms(app, make) -> dict[str, FormInfo]:
    """All forms, crawled once per test process in a scene of their own."""
    if not _FORMS:
        scene = _reset(app, make)
        _FORMS.update(crawl_forms(app, scene, _QUERY_NAMES))
        for persona, endpoint, reference, data in REVEALING_POSTS:
            scene = _reset(app, make)  # each post changes the scene
            client = signed_in(app, scene, persona)
            values = {"reference": scene.resolved_request.reference} if reference else {}
            url = build_url(app, scene, endpoint, _rule_of(endpoint), **values)
            token = client.csrf_token("/login" if persona == "anonymous" else "/")
            response = client.post(url, data={**data, "csrf_token": token})
            for form in forms_on_page(app, url, response.get_data(as_text=True)):
                _FORMS.setdefault(form.endpoint, form).merge(form)
        _clean(app)  # the test goes on from clean tables, as it began
    return _FORMS


def _database_text(app) -> str:
    """Every stored value, as one string to search for hostile values."""
    with app.app_context():
        engine = db.engine
        names = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.connect() as conn:
            dump = [repr(tuple(row)) for name in names
                    for row in conn.execute(text(f'SELECT * FROM "{name}"'))]  # noqa: S608
        db.session.remove()
    return "\n".join(dump)


def _pairs(data: dict) -> list[tuple[str, str]]:
    return [(name, item) for name, value in data.items()
            for item in (value if isinstance(value, list) else [value])]


def _urlencoded(pairs: list[tuple[str, str | bytes]]) -> str:
    return "&".join(
        f"{quote(name)}="
        + (quote_from_bytes(value) if isinstance(value, bytes) else quote(value, safe=""))
        for name, value in pairs
    )


def _multipart(pairs: list[tuple[str, str | bytes]]) -> tuple[bytes, str]:
    boundary = "rapport-" + MARK
    body = io.BytesIO()
    for name, value in pairs:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   .encode())
        body.write(value if isinstance(value, bytes) else value.encode())
        body.write(b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


class Target:
    """One rule in a fresh scene: who posts, where, and the valid form it starts from."""

    def __init__(self, app, make, endpoint: str, rule: str):
        self.app, self.make, self.endpoint, self.rule = app, make, endpoint, rule
        self.refresh(clean=False)  # the test starts from clean tables already

    def refresh(self, clean: bool = True) -> None:
        scene = _reset(self.app, self.make) if clean else build_scene(self.app, self.make)
        self.persona, values, self.base = _who_and_what(scene, self.endpoint)
        self.url = build_url(self.app, scene, self.endpoint, self.rule, **values)
        self.client = signed_in(self.app, scene, self.persona)
        self.token = self.client.csrf_token("/login" if self.persona == "anonymous" else "/")
        self.before = snapshot(self.app)

    def post(self, pairs, *, how: str = "form", htmx: bool = False):
        pairs = [*pairs, ("csrf_token", self.token)]
        headers = {"HX-Request": "true"} if htmx else {}
        if how == "multipart":
            body, content_type = _multipart(pairs)
        else:
            body, content_type = _urlencoded(pairs), "application/x-www-form-urlencoded"
        return self.client.post(self.url, data=body, content_type=content_type,
                                headers=headers)

    def with_value(self, name: str, value) -> list[tuple[str, str | bytes]]:
        pairs = [(n, v) for n, v in _pairs(self.base) if n != name]
        return [*pairs, (name, value)] if value is not None else pairs

    def changed(self) -> list[str]:
        allowed = REFUSAL_WRITES.get(self.endpoint, set())
        return [t for t in changed_tables(self.before, snapshot(self.app)) if t not in allowed]


def _shows_problem(page: str) -> bool:
    return any(mark in page for mark in ('class="field-error"', "flash-error", "form-summary"))


def _stock_message(page: str) -> str | None:
    words = visible_text(page)
    return next((m for m in STOCK_MESSAGES if m in words), None)


def _typed_attacks(info: FieldInfo):
    """(label, value, how, message) for text a person types."""
    limit = info.maxlength or UNBOUNDED
    breaks = "ab\ncd" if info.kind == "text" else "ab\x0bcd"
    return [
        ("NUL", f"{MARK}\x00cd", "form", MESSAGE_CONTROL),
        ("bell", f"{MARK}\x07cd", "form", MESSAGE_CONTROL),
        ("C1 control", f"{MARK}\x85cd", "form", MESSAGE_CONTROL),
        ("line break where none belongs", breaks, "form", MESSAGE_CONTROL),
        ("non-character", f"{MARK}\uffffcd", "form", MESSAGE_CONTROL),
        ("not UTF-8, URL-encoded", MARK.encode() + b"\xff\xfe", "form", MESSAGE_UNREADABLE),
        ("not UTF-8, multipart", MARK.encode() + b"\xc3\x28", "multipart", MESSAGE_UNREADABLE),
        ("one over the limit", MARK + "x" * (limit + 1 - len(MARK)), "form", None),
    ]


def _other_attacks(info: FieldInfo):
    """(label, value) for fields a person picks or never sees."""
    over = MARK + "9" * (info.maxlength or UNBOUNDED)
    return [
        ("NUL", f"{MARK}\x00"), ("not UTF-8", MARK.encode() + b"\xff"), ("oversize", over),
        ("missing", None),
        *((f"junk {value!r}", value) for value in JUNK.get(info.kind, JUNK["hidden"])),
    ]


def _check_refused(target: Target, response, where: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code < 500, (where, response.status_code)
    stock = _stock_message(page)
    assert stock is None, (where, f"shows WTForms' stock message {stock!r}")
    assert target.changed() == [], (where, "a refused post changed the database")


@pytest.mark.parametrize(("endpoint", "rule"), _web(unsafe_rules()), ids=lambda v: v)
def test_every_field_refuses_bad_input_cleanly(app, make, endpoint, rule):
    forms = discovered_forms(app, make)
    target = Target(app, make, endpoint, rule)
    form = forms.get(endpoint)
    fields = dict(form.fields) if form else {}
    for name in {n for n, _ in _pairs(target.base)} - fields.keys():
        fields[name] = FieldInfo(name, "hidden")  # posted but not found on any page

    dirty = False  # a post went through: start the next field from a fresh scene
    for name, info in sorted(fields.items()):
        if info.kind == "file":
            continue  # uploads have a test of their own (tests/admin/test_import.py)
        if dirty:
            target.refresh()
            dirty = False
        if info.typed:
            for label, value, how, message in _typed_attacks(info):
                where = f"{endpoint} {name}: {label}"
                for htmx in (False, True) if label == "NUL" else (False,):
                    response = target.post(target.with_value(name, value), how=how, htmx=htmx)
                    page = response.get_data(as_text=True)
                    assert response.status_code == 422, (where, htmx, response.status_code)
                    assert _shows_problem(page), (where, "no message on the page")
                    if message:
                        assert message in visible_text(page), (where, message)
                    _check_refused(target, response, where)
            if info.maxlength:
                value = ("Ab c" * info.maxlength)[: info.maxlength]
                response = target.post(target.with_value(name, value))
                assert response.status_code < 500, (f"{endpoint} {name} at its maxlength",
                                                     response.status_code)
                if response.status_code < 400:
                    dirty, target.before = True, snapshot(app)
            continue
        for label, value in _other_attacks(info):
            where = f"{endpoint} {name}: {label}"
            response = target.post(target.with_value(name, value))
            page = response.get_data(as_text=True)
            assert response.status_code < 500, (where, response.status_code)
            assert _stock_message(page) is None, (where, _stock_message(page))
            if response.status_code >= 400:
                assert target.changed() == [], (where, "a refused post changed the database")
                if response.status_code == 422:
                    assert _shows_problem(page), (where, "refused without a message")
                continue
            stored = _database_text(app)
            assert MARK not in stored and "\x00" not in stored, (where, "stored as sent")
            for page in sorted(form.pages if form else ()):  # what was stored still shows
                shown = target.client.get(page)
                assert shown.status_code < 500, (where, page, shown.status_code)
            dirty, target.before = True, snapshot(app)

    # The valid submission still succeeds, so the refusals came from the attacked fields
    # (in a fresh scene: wrong passwords above may have locked the account for a while).
    target.refresh()
    response = target.post(_pairs(target.base))
    assert response.status_code < 400 or response.status_code == 409, (
        endpoint, "the valid submission was refused", response.status_code)


# --- query strings and URL variables ---------------------------------------------------

GARBAGE = ("99999999999999999999", "-5", "0", "NaN", "1e309", "\x00", b"\xff\xfe", "\u00b2",
           "x" * 5000, "<" + MARK + ">", "", "2026-13-45T99:99:99+00:00")
QUERY_PERSONAS = ("agent", "admin", "brm", "buddy", "requester", "anonymous")
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")
URL_GARBAGE = ("99999999999999999999", "0", "-1", "%00", "%FF%FE", "REQ-99999999999",
               "REQ-%00", "x" * 300, "%C2%B2")


def _viewer(app, scene, endpoint: str, rule: str):
    """A browser of the first persona that may open this page, and its plain URL."""
    for persona in QUERY_PERSONAS:
        client = signed_in(app, scene, persona)
        url = build_url(app, scene, endpoint, rule)
        if client.get(url).status_code == 200:
            return client, url
    return None, None


@pytest.mark.parametrize(("endpoint", "rule"), _web(get_rules()), ids=lambda v: v)
def test_query_strings_never_break_a_page(app, make, endpoint, rule):
    """Every parameter a page is linked with (and page=), set to garbage, never a 5xx."""
    discovered_forms(app, make)
    scene = build_scene(app, make)
    names = set(_QUERY_NAMES.get(endpoint, set())) | {"page"}
    for variant in get_variants(scene, endpoint):
        names |= variant.keys() - set(re.findall(_VARIABLE, rule))
    client, url = _viewer(app, scene, endpoint, rule)
    if client is None:
        pytest.skip(f"{endpoint} is a redirect for everyone")
    before = snapshot(app)
    for value in GARBAGE:
        encoded = quote_from_bytes(value) if isinstance(value, bytes) else quote(value, safe="")
        query = "&".join(f"{quote(name)}={encoded}" for name in sorted(names))
        response = client.get(f"{url.split('?')[0]}?{query}", headers={})
        assert response.status_code < 500, (endpoint, value[:20], response.status_code)
        htmx = client.get(f"{url.split('?')[0]}?{query}", headers={"HX-Request": "true"})
        assert htmx.status_code < 500, (endpoint, value[:20], "htmx", htmx.status_code)
    assert changed_tables(before, snapshot(app)) == []


@pytest.mark.parametrize(("endpoint", "rule"),
                         [r for r in _web(get_rules() + unsafe_rules())
                          if _VARIABLE.search(r[1])], ids=lambda v: v)
def test_url_variables_out_of_range_are_not_found(app, make, endpoint, rule):
    """Huge, negative, NUL or non-UTF-8 ids and references: 404 (or 400), never a 5xx."""
    scene = build_scene(app, make)
    client = signed_in(app, scene, "admin")
    token = client.csrf_token("/")
    for value in URL_GARBAGE:
        path = _VARIABLE.sub(value, rule)
        if any("GET" in r.methods for r in app.url_map.iter_rules(endpoint)):
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token})
        assert response.status_code in (400, 404), (endpoint, value, response.status_code)
