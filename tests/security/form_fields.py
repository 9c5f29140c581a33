"""The application's forms as a browser sees them: found by crawling every page.

Each persona of the security scene opens every GET rule of the url map (with the
variants the crawl tests use), and every <form method="post"> on those pages is read:
its fields, their kinds, the choices offered and the length limits announced to the
browser (maxlength). Forms are filed under the rule their action posts to, so a form
added later is found without being listed anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from tests.security.scene import build_url, get_rules, get_variants, signed_in

TEXT_INPUTS = frozenset({"text", "email", "search", "url", "tel"})
SKIPPED_INPUTS = frozenset({"submit", "button", "reset", "image"})
CRAWL_PERSONAS = ("anonymous", "requester", "agent", "brm", "admin")


@dataclass
class FieldInfo:
    """One named field of a form: what kind of value it takes and what it offers."""

    name: str
    kind: str  # text, textarea, hidden, choice, number, date, time, password, file
    maxlength: int | None = None
    options: set[str] = field(default_factory=set)

    @property
    def typed(self) -> bool:
        """Text a person types and reads back."""
        return self.kind in ("text", "textarea")


@dataclass
class FormInfo:
    endpoint: str
    rule: str
    pages: set[str] = field(default_factory=set)
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    multipart: bool = False

    def merge(self, other: FormInfo) -> None:
        self.pages |= other.pages
        self.multipart |= other.multipart
        for name, found in other.fields.items():
            known = self.fields.setdefault(name, found)
            if known is not found:
                known.options |= found.options
                if known.maxlength is None:
                    known.maxlength = found.maxlength


@dataclass
class _ParsedForm:
    action: str
    form_id: str | None
    multipart: bool
    fields: dict[str, FieldInfo] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The post forms of one page, with fields that join them through form="id"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_ParsedForm] = []
        self._current: _ParsedForm | None = None
        self._orphans: list[tuple[str, FieldInfo]] = []  # (form id, field)
        self._select: FieldInfo | None = None
        self._select_form: str | None = None
        self.queries: list[tuple[str, set[str]]] = []  # (path, parameter names) of links
        self._get_form: tuple[str, set[str]] | None = None

    def _add(self, info: FieldInfo, attrs: dict) -> None:
        owner = attrs.get("form")
        if owner:
            self._orphans.append((owner, info))
        elif self._current is not None:
            known = self._current.fields.setdefault(info.name, info)
            if known is not info:
                known.options |= info.options

    def handle_starttag(self, tag, attr_list):
        attrs = {k: (v if v is not None else "") for k, v in attr_list}
        for link in (attrs.get("href", ""), attrs.get("hx-get", "")):
            if "?" in link:
                parts = urlsplit(link)
                self.queries.append((parts.path, {k for k, _ in parse_qsl(parts.query)}))
        if tag == "form":
            self._get_form = None
            if attrs.get("method", "get").lower() != "post":
                self._get_form = (attrs.get("action", ""), set())
                self.queries.append(self._get_form)
            if attrs.get("method", "get").lower() == "post":
                self._current = _ParsedForm(
                    action=attrs.get("action", ""),
                    form_id=attrs.get("id"),
                    multipart="multipart" in attrs.get("enctype", ""),
                )
                self.forms.append(self._current)
            else:
                self._current = None
        if self._get_form is not None and tag in ("input", "select", "textarea") \
                and attrs.get("name"):
            self._get_form[1].add(attrs["name"])
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text").lower()
            if kind in SKIPPED_INPUTS:
                return
            maxlength = attrs.get("maxlength")
            info = FieldInfo(
                name=attrs["name"],
                kind=("text" if kind in TEXT_INPUTS else
                      "choice" if kind in ("radio", "checkbox") else kind),
                maxlength=int(maxlength) if maxlength and maxlength.isdigit() else None,
                options={attrs.get("value", "on")} if kind in ("radio", "checkbox") else set(),
            )
            self._add(info, attrs)
        elif tag == "textarea" and attrs.get("name"):
            maxlength = attrs.get("maxlength")
            self._add(FieldInfo(attrs["name"], "textarea",
                                int(maxlength) if maxlength and maxlength.isdigit() else None),
                      attrs)
        elif tag == "select" and attrs.get("name"):
            self._select = FieldInfo(attrs["name"], "choice")
            self._select_form = attrs.get("form")
            self._add(self._select, attrs)
        elif tag == "option" and self._select is not None:
            self._select.options.add(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
            self._get_form = None
        elif tag == "select":
            self._select = None

    def close(self):
        super().close()
        by_id = {form.form_id: form for form in self.forms if form.form_id}
        for owner, info in self._orphans:
            if owner in by_id:
                known = by_id[owner].fields.setdefault(info.name, info)
                if known is not info:
                    known.options |= info.options


def _parsed(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser


def query_names_on_page(app, page_url: str, html: str) -> dict[str, set[str]]:
    """The query parameters that the page's links and search forms send, by endpoint."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, set[str]] = {}
    for path, names in _parsed(html).queries:
        try:
            rule, _ = adapter.match(path or urlsplit(page_url).path, method="GET",
                                    return_rule=True)
        except Exception:  # noqa: S112 - links elsewhere are not ours to test
            continue
        found.setdefault(rule.endpoint, set()).update(names)
    return found


def forms_on_page(app, page_url: str, html: str) -> list[FormInfo]:
    """The post forms of a page, each filed under the rule its action matches."""
    parser = _parsed(html)
    adapter = app.url_map.bind("localhost")
    found = []
    for form in parser.forms:
        path = urlsplit(form.action or page_url).path
        try:
            rule, _ = adapter.match(path, method="POST", return_rule=True)
        except Exception:  # noqa: S112 - a form posting nowhere we serve is not ours to test
            continue
        fields = {name: info for name, info in form.fields.items() if name != "csrf_token"}
        found.append(FormInfo(rule.endpoint, rule.rule, {page_url}, fields, form.multipart))
    return found


def crawl_forms(app, scene, query_names: dict[str, set[str]] | None = None
                ) -> dict[str, FormInfo]:
    """Every post form that any persona is shown, by endpoint (and, into `query_names`,
    the query parameters each GET endpoint is linked with)."""
    forms: dict[str, FormInfo] = {}
    query_names = {} if query_names is None else query_names
    for persona in CRAWL_PERSONAS:
        client = signed_in(app, scene, persona)
        for endpoint, rule in get_rules():
            if endpoint == "static":
                continue
            for variant in get_variants(scene, endpoint):
                url = build_url(app, scene, endpoint, rule, **variant)
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                page = response.get_data(as_text=True)
                for endpoint_linked, names in query_names_on_page(app, url, page).items():
                    query_names.setdefault(endpoint_linked, set()).update(names)
                for form in forms_on_page(app, url, page):
                    if form.endpoint in forms:
                        forms[form.endpoint].merge(form)
                    else:
                        forms[form.endpoint] = form
    return forms
