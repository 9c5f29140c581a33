"""What the benchmark organisation looks like: names, shares and weights.

Everything the generators draw from lives here, so the shape of the data can be read
(and changed) in one place. The generators are deterministic for a given seed.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

PASSWORD = "bench-password"  # noqa: S105 - a throwaway benchmark account
AGENT_EMAIL = "agent@bench.example"  # an IT agent (and IT buddy): the staff pages
REQUESTER_EMAIL = "busy@bench.example"  # a requester with many requests: the portal pages
# + the invitation id: survey links the benchmark can answer
SURVEY_TOKEN_PREFIX = "bench-survey-"  # noqa: S105 - benchmark data, not a secret

UNITS = (
    "Finance", "Sales", "Operations", "People & Culture", "Customer Care",
    "Legal & Compliance", "Marketing", "Procurement", "Facilities", "Research & Development",
    "Product", "Engineering", "Quality Assurance", "Logistics", "Customer Success",
    "Internal Audit", "Treasury", "Communications", "Data & Analytics", "Strategy",
)
TEAMS = (
    "Service Desk", "Workplace & Devices", "Identity & Access", "Business Applications",
    "Network & Telecoms", "Infrastructure & Cloud", "Security Operations", "Data & Reporting",
)
CATEGORY_TEAMS = {
    "broken": "Workplace & Devices",
    "access": "Identity & Access",
    "new": "Workplace & Devices",
    "question": "Service Desk",
    "idea": "Business Applications",
}
FIRST_NAMES = (
    "Alex", "Sam", "Priya", "Rosa", "Tom", "Mei", "Jonas", "Aisha", "Mark", "Nina", "Owen",
    "Carla", "Daniel", "Fatima", "George", "Hana", "Ivan", "Julia", "Kofi", "Laura", "Miguel",
    "Noor", "Oliver", "Paula", "Quentin", "Rita", "Stefan", "Tara", "Umar", "Vera", "Will",
    "Yusuf", "Zoe", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hugo",
)
LAST_NAMES = (
    "Morgan", "Okafor", "Natarajan", "Jiménez", "Baker", "Chen", "Berg", "Khan", "Ellis",
    "Petrov", "Hughes", "Rossi", "Kim", "Zahra", "Adams", "Sato", "Novak", "Martin", "Mensah",
    "Weiss", "Santos", "Haddad", "Grant", "Costa", "Dubois", "Larsen", "Nowak", "Silva",
    "Fischer", "Murphy", "Ivanova", "Moreau", "Tanaka", "Singh", "Walsh", "Horvat",
)
PLACES = (
    "London office", "Leeds warehouse", "Bristol site", "working from home", "3rd floor",
    "meeting room B", "Building 2", "the contact centre",
)
STAFF_COUNT = 40
REQUESTER_COUNT = 2000
HISTORY_DAYS = 730

# ~92% closed, ~2% resolved, the rest open.
STAGE_WEIGHTS = {
    "closed": 92.0, "resolved": 2.0, "new": 1.3, "triaged": 0.9, "in_progress": 2.5,
    "waiting_on_requester": 1.3,
}
CATEGORY_WEIGHTS = {"broken": 40, "access": 25, "new": 18, "question": 12, "idea": 5}
IMPACT_WEIGHTS = {"just_me": 65, "my_team": 25, "whole_unit": 10}
URGENCY_WEIGHTS = {"workaround": 30, "slowed": 50, "blocked": 20}
# The SLA state an open, running request is generated in (the clock is placed to match).
RUNNING_STATE_WEIGHTS = {"on_track": 50, "at_risk": 15, "breached": 35}
COMMENT_COUNT_WEIGHTS = {0: 25, 1: 35, 2: 25, 3: 15}
# SLA targets are working minutes; as plain wall-clock offsets, a working minute is
# stretched by this much (8 working hours a day, five days a week ~ x4; x3 keeps it simple).
WALL_CLOCK_STRETCH = 3
# One request in this many is filed by the busy requester ("my requests" with many pages).
BUSY_REQUESTER_EVERY = 50
# The request page measured: a long conversation, half of it from IT.
LONG_CONVERSATION_COMMENTS = 50

SURVEY_SHARE = 0.3  # closed requests whose satisfaction survey was answered
TOUCHPOINTS_PER_UNIT = 8
TOOLS_PER_UNIT = 15  # shadow-IT tools each unit registered
TOOL_NAMES = (
    "Trello", "Airtable", "Notion", "Miro", "Canva", "Dropbox", "WeTransfer", "Calendly",
    "Zapier", "Typeform", "SurveyMonkey", "Mailchimp", "Asana", "Monday", "ClickUp",
    "Smartsheet", "Loom", "Grammarly", "DocuSign", "Xero", "Hotjar", "Figma", "Slido",
    "Lucidchart", "Basecamp", "Harvest", "Toggl", "Pipedrive", "HubSpot", "Intercom",
)
TOOL_STATUS_WEIGHTS = {
    "registered": 30, "under_review": 15, "sanctioned": 25, "tolerated": 15, "replace": 10,
    "retire": 5,
}
DATA_KIND_WEIGHTS = {"none": 25, "internal": 40, "personal": 25, "sensitive": 10}
PAYER_WEIGHTS = {"free": 35, "team_budget": 35, "company_card": 25, "personal": 5}
NOTIFY_SHARE = 0.8  # comments that notified the other side (most of them read)


def weighted(rng: random.Random, weights: dict):
    """A fast weighted choice from a {value: weight} mapping (cumulative table cached)."""
    table = _CUMULATIVE.get(id(weights))
    if table is None:
        table = (list(weights), list(accumulate(weights.values())))
        _CUMULATIVE[id(weights)] = table
    values, cumulative = table
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


_CUMULATIVE: dict[int, tuple[list, list[float]]] = {}


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
