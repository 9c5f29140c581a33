"""A believable demo organisation: units, IT teams, people and months of requests."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import select

from tracker.attachments.demo import attach_demo_files
from tracker.auth.passwords import hash_password
from tracker.database import utcnow
from tracker.extensions import db
from tracker.feedback.surveys import SURVEY_LIFETIME, hash_token
from tracker.mail.outbox import subject_for
from tracker.models import (
    BusinessUnit,
    EventKind,
    FeedbackAction,
    ITTeam,
    NextAction,
    Notification,
    OutboxMessage,
    PulseAnswer,
    PulseParticipant,
    PulseSurvey,
    RequestEvent,
    Role,
    ServiceRequest,
    Stage,
    SurveyInvitation,
    SurveyResponse,
    Touchpoint,
    User,
)
from tracker.notifications.services import notify
from tracker.relationships.pulse import quarter_of
from tracker.service_requests import sla
from tracker.service_requests.catalog import seed_categories
from tracker.service_requests.services import derive_priority

DEMO_PASSWORD = "rapport-demo"  # noqa: S105 - published demo password
DEMO_ACCOUNTS = (
    ("requester@example.com", "requester in Finance"),
    ("agent@example.com", "IT agent, and IT buddy of Finance"),
    ("brm@example.com", "business relationship manager (Finance, Sales)"),
    ("admin@example.com", "administrator"),
)

UNITS = (
    ("Finance", "Accounting, payroll, treasury and financial planning."),
    ("Sales", "Account managers and the sales operations team."),
    ("Operations", "Warehouses, logistics and facilities."),
    ("People & Culture", "Recruiting, HR services and learning."),
    ("Customer Care", "The contact centre and customer success team."),
)

UNIT_OBJECTIVES = {
    "Finance": ("Close the books in 5 working days", "Automate invoice chasing",
                "Pass the annual audit without findings"),
    "Sales": ("Grow recurring revenue by 15 %", "One customer record across CRM and billing",
              "Onboard new account managers in two weeks"),
    "Operations": ("Same-day dispatch for 95 % of orders", "Live stock levels for every site"),
    "People & Culture": ("Hire 40 people this year", "Digital onboarding for every new starter"),
    "Customer Care": ("Answer 80 % of calls within 30 seconds",
                      "Cut repeat contacts by a third", "Move customer surveys off personal tools"),
}

# How each unit's story goes: the share of requests resolved within target, the share
# reopened, and how satisfied people were (weights for scores 5, 4, 3, 2, 1).
# Sales is a healthy relationship, Customer Care a struggling one, and People & Culture
# has no BRM yet.
UNIT_PACE = {
    "Finance": (0.7, 0.05, (35, 30, 20, 10, 5)),
    "Sales": (0.95, 0.0, (60, 30, 8, 2, 0)),
    "Operations": (0.75, 0.05, (40, 30, 15, 10, 5)),
    "People & Culture": (0.65, 0.05, (35, 35, 15, 10, 5)),
    "Customer Care": (0.3, 0.3, (8, 15, 27, 27, 23)),
}
DEFAULT_PACE = (0.7, 0.05, (40, 30, 15, 10, 5))

TEAMS = (
    ("Service Desk", "First line: questions, how-tos and quick fixes."),
    ("Workplace & Devices", "Laptops, phones, printers and meeting rooms."),
    ("Identity & Access", "Accounts, passwords, permissions and single sign-on."),
    ("Business Applications", "ERP, CRM, payroll and the other business systems."),
)

CATEGORY_TEAMS = {
    "broken": "Workplace & Devices",
    "access": "Identity & Access",
    "new": "Workplace & Devices",
    "question": "Service Desk",
    "idea": "Business Applications",
}

# (email, name, title, unit, roles)
PEOPLE = (
    ("requester@example.com", "Rosa Jiménez", "Accounts payable specialist", "Finance", ()),
    ("agent@example.com", "Alex Morgan", "IT support engineer", None, ("agent", "buddy")),
    ("brm@example.com", "Priya Natarajan", "Business relationship manager", None, ("brm",)),
    ("admin@example.com", "Sam Okafor", "IT operations lead", None, ("agent", "admin")),
    ("lena.fischer@example.com", "Lena Fischer", "Business relationship manager", None, ("brm",)),
    ("tom.baker@example.com", "Tom Baker", "Service desk analyst", None, ("agent",)),
    ("mei.chen@example.com", "Mei Chen", "Identity engineer", None, ("agent", "buddy")),
    ("jonas.berg@example.com", "Jonas Berg", "Business systems analyst", None, ("agent", "buddy")),
    ("aisha.khan@example.com", "Aisha Khan", "Desktop engineer", None, ("agent",)),
    ("mark.ellis@example.com", "Mark Ellis", "Head of Finance", "Finance", ()),
    ("nina.petrov@example.com", "Nina Petrov", "Payroll officer", "Finance", ()),
    ("owen.hughes@example.com", "Owen Hughes", "Financial analyst", "Finance", ()),
    ("carla.rossi@example.com", "Carla Rossi", "Sales director", "Sales", ()),
    ("daniel.kim@example.com", "Daniel Kim", "Account manager", "Sales", ()),
    ("fatima.zahra@example.com", "Fatima Zahra", "Sales operations analyst", "Sales", ()),
    ("george.adams@example.com", "George Adams", "Warehouse manager", "Operations", ()),
    ("hana.sato@example.com", "Hana Sato", "Logistics planner", "Operations", ()),
    ("ivan.novak@example.com", "Ivan Novak", "Facilities coordinator", "Operations", ()),
    ("julia.martin@example.com", "Julia Martin", "HR business partner", "People & Culture", ()),
    ("kofi.mensah@example.com", "Kofi Mensah", "Recruiter", "People & Culture", ()),
    ("laura.weiss@example.com", "Laura Weiss", "Learning coordinator", "People & Culture", ()),
    ("miguel.santos@example.com", "Miguel Santos", "Contact centre lead", "Customer Care", ()),
    ("noor.haddad@example.com", "Noor Haddad", "Customer advisor", "Customer Care", ()),
    ("oliver.grant@example.com", "Oliver Grant", "Customer success manager", "Customer Care", ()),
    ("paula.costa@example.com", "Paula Costa", "Customer advisor", "Customer Care", ()),
)

UNIT_OWNERS = {
    # unit: (BRM e-mail, IT buddy e-mail)
    "Finance": ("brm@example.com", "agent@example.com"),
    "Sales": ("brm@example.com", "jonas.berg@example.com"),
    "Operations": ("lena.fischer@example.com", "mei.chen@example.com"),
    "People & Culture": (None, None),
    "Customer Care": ("lena.fischer@example.com", "jonas.berg@example.com"),
}

TEAM_MEMBERS = {
    "Service Desk": ("tom.baker@example.com", "agent@example.com"),
    "Workplace & Devices": ("aisha.khan@example.com", "agent@example.com"),
    "Identity & Access": ("mei.chen@example.com", "admin@example.com"),
    "Business Applications": ("jonas.berg@example.com", "admin@example.com"),
}

# (title, description) per category
REQUEST_TEXTS = {
    "broken": (
        ("Laptop won't turn on", "I pressed the power button this morning and nothing happens. "
         "The charger light is on."),
        ("Printer on 3rd floor jams every time", "Every print job jams after the first page. "
         "I've tried the other tray too."),
        ("Outlook keeps asking for my password", "Since yesterday Outlook pops up a password box "
         "every few minutes, even after I type it."),
        ("Screen flickers when docked", "My second screen flickers on and off when the laptop is "
         "in the dock."),
        ("Can't join video calls", "When I join a call the camera and microphone are greyed out."),
        ("Shared drive is very slow", "Opening files on the shared drive takes over a minute."),
        ("Payroll export fails", "The monthly payroll export stops halfway with an error message "
         "about a missing file."),
        ("Wi-Fi drops in meeting room B", "The Wi-Fi drops every few minutes in meeting room B. "
         "Other rooms are fine."),
        ("Scanner sends nothing to my e-mail", "I scan documents at the copier but never get the "
         "e-mail with the scan."),
        ("Customer portal shows an error", "Customers tell us the portal shows an error page when "
         "they try to log in."),
    ),
    "access": (
        ("Access to the finance reports folder", "I joined the planning team and need to open the "
         "monthly reports folder."),
        ("Shared mailbox for the sales team", "Please give me access to the sales@ mailbox so I "
         "can answer customers."),
        ("New starter needs accounts", "Our new colleague starts on Monday and needs e-mail, "
         "laptop login and the CRM."),
        ("Locked out of the CRM", "I typed my password wrong too many times and now I can't "
         "get in."),
        ("Edit rights on the rota spreadsheet", "I can view the rota but need to edit it as I now "
         "plan the shifts."),
        ("Access to the payroll system", "I'm covering for a colleague on leave and need to see "
         "payroll for two weeks."),
    ),
    "new": (
        ("A second screen for my desk", "I work with large spreadsheets all day; a second screen "
         "would help a lot."),
        ("Headset for customer calls", "My headset broke; I need one that works with the "
         "phone app."),
        ("Install the statistics software", "I need the statistics package for the quarterly "
         "analysis."),
        ("Mobile phone for the on-call rota", "I'm joining the on-call rota and need a "
         "work phone."),
        ("Laptop for a new team member", "A new analyst joins next month and will need a laptop."),
        ("Set up a meeting room screen", "The new meeting room has a screen but nothing is "
         "connected to it."),
    ),
    "question": (
        ("How do I share a large file with a customer?", "I need to send a 2 GB video to a "
         "customer. What's the right way?"),
        ("Is it safe to use my own phone for e-mail?", "Can I read work e-mail on my personal "
         "phone, and what do I need to do?"),
        ("Where do I find the expense template?", "I can't find the new expense claim template."),
        ("How do I set an out-of-office reply?", "I'm going on leave and want an automatic reply."),
        ("Can we record our team meetings?", "We'd like to record meetings for colleagues in "
         "other time zones. Is that allowed?"),
    ),
    "idea": (
        ("Automatic reminders for unpaid invoices", "We chase unpaid invoices by hand every week; "
         "automatic reminders would save hours."),
        ("One place for all customer contracts", "Contracts are spread over three drives and "
         "e-mails. Could we have one place?"),
        ("Self-service password reset", "Many of us get locked out; being able to reset it "
         "ourselves would help."),
        ("Digital onboarding checklist", "New starters get paper checklists; a shared digital one "
         "would be easier to follow."),
        ("Dashboard of warehouse stock levels", "We'd like a simple screen that shows stock "
         "levels per site."),
    ),
}

STAFF_REPLIES = (
    "Thanks for letting us know. I'm looking into it now.",
    "I've had a look. Could you tell me when this started and whether anything changed?",
    "I've made a change on our side. Could you try again and tell me if it works?",
    "We've ordered what's needed; it should arrive within a few days.",
    "I've passed this to a colleague who knows this system best; they'll be in touch today.",
    "Good news: I've installed a patch and cleared the cache on our side, so this should be "
    "sorted now. Please reboot once, and let us know if anything is still off.",
)
REQUESTER_REPLIES = (
    "Thanks! It started yesterday afternoon, nothing changed on my side.",
    "I tried again and it still does the same thing.",
    "That worked, thank you so much!",
    "Here are the details you asked for: it's the laptop with the sticker IT-2231.",
    "Sure, I'm at my desk all afternoon if you want to come by.",
)
INTERNAL_NOTES = (
    "Known issue with the last update; workaround in the team notes.",
    "Checked the logs: the account was locked by repeated sign-in attempts.",
    "Waiting for the supplier to confirm delivery date.",
    "Needs approval from the unit head before we grant this.",
)

# Share of requests per stage: most history is closed, a healthy queue is open.
STAGE_WEIGHTS = {
    Stage.NEW: 9, Stage.TRIAGED: 6, Stage.IN_PROGRESS: 12,
    Stage.WAITING_ON_REQUESTER: 5, Stage.RESOLVED: 8, Stage.CLOSED: 60,
}
OPEN_STAGES = (Stage.NEW, Stage.TRIAGED, Stage.IN_PROGRESS, Stage.WAITING_ON_REQUESTER)

REQUEST_COUNT = 180


def load_demo(seed: int = 2026) -> str:
    """Create the demo organisation unless it is already there; returns a summary."""
    categories = {c.slug: c for c in seed_categories()}
    sla.seed_sla_defaults()
    if db.session.scalar(select(User).where(User.email == "admin@example.com")):
        return "Demo data is already loaded."
    rng = random.Random(seed)
    now = utcnow()

    units = {
        name: BusinessUnit(
            name=name, description=text, objectives="\n".join(UNIT_OBJECTIVES.get(name, ()))
        )
        for name, text in UNITS
    }
    teams = {name: ITTeam(name=name, description=text) for name, text in TEAMS}
    db.session.add_all([*units.values(), *teams.values()])

    password_hash = hash_password(DEMO_PASSWORD)
    people: dict[str, User] = {}
    for email, name, title, unit, roles in PEOPLE:
        person = User(
            email=email,
            display_name=name,
            job_title=title,
            phone=f"+44 20 7946 0{rng.randint(100, 999)}",
            password_hash=password_hash,
            business_unit=units[unit] if unit else None,
            created_at=now - timedelta(days=200),
        )
        person.set_roles({Role.REQUESTER, *roles})
        people[email] = person
        db.session.add(person)
    db.session.flush()

    for unit_name, (brm, buddy) in UNIT_OWNERS.items():
        units[unit_name].brm = people[brm] if brm else None
        units[unit_name].it_buddy = people[buddy] if buddy else None
    # A personal buddy overrides the unit's: the Head of Finance has the admin.
    people["mark.ellis@example.com"].it_buddy = people["admin@example.com"]
    for team_name, members in TEAM_MEMBERS.items():
        teams[team_name].members = [people[email] for email in members]
    for slug, team_name in CATEGORY_TEAMS.items():
        categories[slug].default_team = teams[team_name]
    db.session.flush()

    requesters = [p for p in people.values() if p.business_unit is not None]
    staff = [p for p in people.values() if p.is_staff]
    requests = [
        _demo_request(rng, now, categories, requesters, staff, teams, people)
        for _ in range(REQUEST_COUNT)
    ]
    # Rosa (the demo requester) always has something in every state to look at.
    rosa = people["requester@example.com"]
    for stage in Stage:
        requests.append(
            _demo_request(rng, now, categories, [rosa], staff, teams, people, stage=stage)
        )
    db.session.flush()
    # Customer Care's ideas have been waiting for months.
    care = [p for p in requesters if p.business_unit is units["Customer Care"]]
    for age in (170, 120, 95):
        requests.append(_demo_request(
            rng, now, categories, care, staff, teams, people, stage=Stage.TRIAGED, slug="idea",
            created=now - timedelta(days=age),
        ))
    db.session.flush()
    files = attach_demo_files(requests, rosa)
    answered = _demo_feedback(rng, requests, people, now)
    tools = _demo_tools(rng, people, requests, now)
    _demo_relationships(rng, units, people, now)
    _demo_outbox(requests, people, now)
    _demo_reply_notifications(requests, now)
    return (
        f"Loaded {len(units)} business units, {len(teams)} IT teams, {len(people)} people, "
        f"{len(requests)} requests ({files} with screenshots), {answered} survey answers and "
        f"{tools} registered tools."
    )


# Touchpoints per unit: (days ago, kind, attendees, notes, [(action, owner, due in days, done)])
DEMO_TOUCHPOINTS = {
    "Sales": (
        (12, "meeting", "Carla Rossi, Priya Natarajan, Jonas Berg",
         "Quarterly catch-up. The CRM clean-up went well; the team wants the billing link next.",
         (("Draft the CRM-to-billing integration plan", "Jonas Berg", 10, False),
          ("Share the new-starter checklist", "Carla Rossi", -3, True))),
        (45, "check_in", "Daniel Kim, Priya Natarajan",
         "Short check-in on laptop refresh; all account managers have new machines.", ()),
        (80, "review", "Carla Rossi, Priya Natarajan, Sam Okafor",
         "Service review: requests resolved in time, satisfaction high.",
         (("Move the deals tracker into the CRM", "Fatima Zahra", -40, True),)),
    ),
    "Finance": (
        (20, "meeting", "Mark Ellis, Priya Natarajan, Alex Morgan",
         "Month-end pain points: slow shared drive, payroll export errors.",
         (("Find the cause of the payroll export failures", "Alex Morgan", -5, False),
          ("Propose an invoice-reminder tool", "Priya Natarajan", 14, False))),
        (70, "check_in", "Nina Petrov, Alex Morgan", "Payroll access for cover staff agreed.", ()),
    ),
    "Operations": (
        (50, "workshop", "George Adams, Hana Sato, Lena Fischer, Mei Chen",
         "Mapped the stock-count process; Smartsheet is doing a job nobody else does.",
         (("Review Smartsheet with the risk team", "Mei Chen", 20, False),)),
    ),
    "Customer Care": (
        (140, "meeting", "Miguel Santos, Lena Fischer",
         "Long waits on broken headsets and repeated password lockouts. Team is frustrated.",
         (("Agree a headset spares stock", "Lena Fischer", -110, False),
          ("Set up self-service password reset", "Jonas Berg", -60, False))),
    ),
}

# Pulse answers per unit: (quarters ago, business answers, IT answers) as scores out of 5.
DEMO_PULSES = {
    "Sales": (1, ((5, 4, 5), (4, 4, 4), (5, 5, 4), (4, 5, 5)), ((4, 4, 4), (5, 4, 4), (4, 4, 5))),
    "Customer Care": (1, ((2, 2, 3), (2, 1, 2), (3, 2, 2), (2, 2, 3)),
                      ((4, 4, 4), (4, 3, 4), (5, 4, 4))),
    "Finance": (0, ((4, 3, 4), (3, 3, 4)), ()),
}


def _demo_relationships(rng, units, people, now) -> None:
    """Touchpoints with next actions, and pulses: each unit's relationship has a story."""
    for unit_name, entries in DEMO_TOUCHPOINTS.items():
        unit = units[unit_name]
        for days, kind, attendees, notes, actions in entries:
            happened = (now - timedelta(days=days)).date()
            touchpoint = Touchpoint(
                business_unit=unit, happened_on=happened, kind=kind, attendees=attendees,
                notes=notes, created_by=unit.brm, created_at=now - timedelta(days=days),
            )
            for text, owner, due_in, done in actions:
                touchpoint.actions.append(NextAction(
                    business_unit_id=unit.id, description=text, owner=owner,
                    due_on=(now + timedelta(days=due_in)).date(),
                    done_at=now - timedelta(days=max(-due_in, 1)) if done else None,
                ))
            db.session.add(touchpoint)
    staff = [p for p in people.values() if p.is_staff]
    for unit_name, (quarters_ago, business, it) in DEMO_PULSES.items():
        unit = units[unit_name]
        opened = now - timedelta(days=91 * quarters_ago + 5)
        pulse = PulseSurvey(
            business_unit=unit, quarter=quarter_of(opened), opened_at=opened,
            closes_at=opened + timedelta(days=21), sent_by_id=unit.brm_id,
        )
        db.session.add(pulse)
        db.session.flush()
        # Rosa hasn't answered Finance's open pulse yet: it waits for her on the portal.
        members = [p for p in unit.members if p.email != "requester@example.com"]
        for side, answers, who in (("business", business, members), ("it", it, staff)):
            for person, (understanding, ease, trust) in zip(who, answers, strict=False):
                db.session.add(PulseParticipant(pulse_id=pulse.id, user_id=person.id))
                db.session.add(PulseAnswer(
                    id=secrets.token_hex(16), pulse_id=pulse.id, side=side,
                    understanding=understanding, ease=ease, trust=trust,
                ))
    db.session.flush()


# (name, address, purpose, people, payer, cost, period, data, sign-in, critical)
DEMO_TOOLS = (
    ("Trello", "trello.com", "Planning campaigns and content", 12, "team_budget", 60, "month",
     "internal", "own_passwords", False),
    ("Canva", "canva.com", "Social media graphics", 6, "company_card", 110, "year",
     "none", "own_passwords", False),
    ("Calendly", "calendly.com", "Booking customer calls", 9, "team_budget", 12, "month",
     "personal", "own_passwords", False),
    ("Airtable", "airtable.com", "Tracking supplier contracts", 15, "team_budget", 240, "month",
     "sensitive", "own_passwords", True),
    ("Miro", "miro.com", "Workshops and whiteboards", 30, "company_card", 80, "month",
     "internal", "sso", False),
    ("Zapier", "zapier.com", "Copying web form leads into the CRM", 3, "personal", 20, "month",
     "personal", "own_passwords", True),
    ("Dropbox", "dropbox.com", "Sharing large files with agencies", 8, "team_budget", 150,
     "year", "internal", "own_passwords", False),
    ("Typeform", "typeform.com", "Customer surveys", 4, "company_card", 50, "month",
     "personal", "own_passwords", False),
    ("Notion", "notion.so", "Team wiki and onboarding notes", 25, "team_budget", 8, "month",
     "internal", "sso", False),
    ("WhatsApp", "whatsapp.com", "Shift swaps between warehouse staff", 60, "free", None,
     "month", "personal", "own_passwords", True),
    ("Grammarly", "grammarly.com", "Checking customer letters", 5, "personal", 12, "month",
     "personal", "own_passwords", False),
    ("Loom", "loom.com", "Short how-to videos for customers", 7, "team_budget", 15, "month",
     "none", "own_passwords", False),
    ("Mailchimp", "mailchimp.com", "Newsletter to customers", 4, "company_card", 300, "year",
     "personal", "own_passwords", True),
    ("SurveyMonkey", "surveymonkey.com", "Staff pulse surveys", 3, "team_budget", 400, "year",
     "personal", "sso", False),
    ("Google Sheets", "docs.google.com", "Overtime tracking", 40, "free", None, "month",
     "sensitive", "own_passwords", True),
    ("Asana", "asana.com", "Recruiting pipeline", 6, "team_budget", 25, "month",
     "personal", "sso", False),
    ("Smartsheet", "smartsheet.com", "Warehouse stock counts", 18, "company_card", 900, "year",
     "internal", "own_passwords", True),
    ("WeTransfer", "wetransfer.com", "Sending designs to the printer", 5, "free", None, "month",
     "none", "own_passwords", False),
    ("Pipedrive", "pipedrive.com", "Tracking deals before they reach the CRM", 9, "team_budget",
     45, "month", "personal", "own_passwords", True),
    ("Xero", "xero.com", "Petty cash for the Dublin office", 2, "company_card", 30, "month",
     "sensitive", "own_passwords", True),
    ("Slack", "slack.com", "Chat with the agency", 20, "team_budget", 7, "month",
     "internal", "sso", False),
    ("1Password", "1password.com", "Sharing supplier portal logins", 10, "team_budget", 8,
     "month", "sensitive", "own_passwords", True),
    ("Figma", "figma.com", "Designing the customer portal", 6, "company_card", 45, "month",
     "internal", "sso", False),
    ("Doodle", "doodle.com", "Finding meeting dates", 12, "free", None, "month",
     "none", "own_passwords", False),
    ("Hotjar", "hotjar.com", "Seeing how customers use the website", 3, "team_budget", 39,
     "month", "personal", "own_passwords", False),
    ("Monday.com", "monday.com", "Facilities maintenance jobs", 14, "team_budget", 120, "month",
     "internal", "own_passwords", True),
)
DEMO_TOOL_OUTCOMES = (
    ("registered", "", ""),
    ("under_review", "", ""),
    ("sanctioned", "Low risk and widely useful; keep using it.", ""),
    ("tolerated", "Fine for now; we'll look again at renewal.",
     "Please don't put customer data in it."),
    ("replace", "We already pay for an approved tool that does this.",
     "We'll help you move to the approved tool this quarter."),
    ("retire", "Customer data behind personal passwords is too risky.",
     "Please export your data; we'll help you move it."),
)


def _demo_tools(rng, people, requests, now) -> int:
    """A registry with every status and risk tier, across the units."""
    from tracker.shadow_it import services as tools

    registrants = [p for p in people.values() if p.business_unit is not None]
    staff = people["agent@example.com"]
    for index, row in enumerate(DEMO_TOOLS):
        name, url, purpose, users, payer, cost, period, data, sign_in, critical = row
        person = people["requester@example.com"] if index % 9 == 0 else rng.choice(registrants)
        own_requests = [r for r in requests if r.requester_id == person.id]
        unmet = own_requests[0].id if own_requests and index % 7 == 3 else None
        tool = tools.register(person, tools.Registration(
            name=name, url=url, purpose=purpose, user_count=users, payer=payer,
            cost_amount=cost, cost_period=period, currency="GBP", data_kind=data,
            sign_in=sign_in, business_critical=critical, impact="",
            renewal_date=(now + timedelta(days=rng.randint(5, 300))).date() if cost else None,
            unmet_request_id=unmet,
        ))
        tool.created_at = now - timedelta(days=rng.randint(3, 200))
        status, rationale, advice = DEMO_TOOL_OUTCOMES[index % len(DEMO_TOOL_OUTCOMES)]
        if status != "registered":
            tools.review(tool, staff, "under_review", "")
        if status not in ("registered", "under_review"):
            tools.review(tool, staff, status, rationale, advice)
        # The history happened over the weeks after registering, not just now.
        for step, event in enumerate(tool.events):
            event.created_at = min(tool.created_at + timedelta(days=3 * step), now)
    db.session.flush()
    return len(DEMO_TOOLS)


FEEDBACK_COMMENTS = {
    5: ("Fixed in minutes, thank you!", "Alex explained everything clearly.", "",
        "Super quick, and I didn't have to chase anyone."),
    4: ("Good, though it took a day longer than I hoped.", "", "Friendly and helpful."),
    3: ("It works now, but I had to ask twice.", "", "Okay in the end."),
    2: ("Nobody told me it was waiting on a supplier.", "Took a week for a password reset."),
    1: ("I was without a laptop for three days and nobody called back.",),
}
FEEDBACK_ACTIONS = (
    "We now tell you when a request waits on a supplier, with the expected date.",
    "Password resets for locked accounts now go straight to the Identity team.",
)


def _demo_feedback(rng, requests, people, now) -> int:
    """Surveys for resolved requests: most closed ones answered, recent ones pending."""
    answered = []
    for sr in requests:
        if sr.resolved_at is None:
            continue
        invitation = SurveyInvitation(
            request_id=sr.id,
            requester_id=sr.requester_id,
            agent_id=sr.assignee_id,
            team_id=sr.team_id,
            business_unit_id=sr.business_unit_id,
            token_hash=hash_token(secrets.token_urlsafe(32)),
            created_at=sr.resolved_at,
            expires_at=sr.resolved_at + SURVEY_LIFETIME,
        )
        db.session.add(invitation)
        if sr.stage != Stage.CLOSED.value or rng.random() > 0.65:
            continue
        score = rng.choices([5, 4, 3, 2, 1], weights=_pace(sr.requester)[2])[0]
        at = min(sr.resolved_at + timedelta(hours=rng.randint(1, 72)), now)
        invitation.answered_at = at
        response = SurveyResponse(
            invitation=invitation,
            request_id=sr.id,
            agent_id=sr.assignee_id,
            team_id=sr.team_id,
            business_unit_id=sr.business_unit_id,
            score=score,
            comment=rng.choice(FEEDBACK_COMMENTS[score]),
            created_at=at,
        )
        db.session.add(response)
        sr.events.append(
            RequestEvent(actor_id=sr.requester_id, kind=EventKind.FEEDBACK.value, internal=True,
                         new_value=str(score), body=response.comment or None, created_at=at)
        )
        answered.append(response)
    db.session.flush()
    low = [r for r in answered if r.score <= 2 and r.comment]
    admin = people["admin@example.com"]
    for note, group in zip(FEEDBACK_ACTIONS, (low[::2], low[1::2]), strict=False):
        if group:
            action = FeedbackAction(note=note, created_by_id=admin.id,
                                    created_at=now - timedelta(days=rng.randint(1, 20)))
            db.session.add(action)
            db.session.flush()
            for response in group:
                response.action_id = action.id
    agent = people["agent@example.com"]
    for response in [r for r in answered if r.agent_id == agent.id][:3]:
        notify([agent], "survey_answered",
               f"A requester rated REQ-{response.request_id:06d} {response.score}/5.",
               f"/requests/REQ-{response.request_id:06d}")
    db.session.flush()
    return len(answered)


def _demo_request(
    rng, now, categories, requesters, staff, teams, people, stage=None, slug=None, created=None
):
    slug = slug or rng.choices(list(REQUEST_TEXTS), weights=[40, 20, 15, 15, 10])[0]
    title, description = rng.choice(REQUEST_TEXTS[slug])
    requester = rng.choice(requesters)
    if stage is None:
        stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
    impact = rng.choices(["just_me", "my_team", "whole_unit"], weights=[55, 30, 15])[0]
    urgency = rng.choices(["workaround", "slowed", "blocked"], weights=[30, 45, 25])[0]
    priority = derive_priority(impact, urgency)
    if created is not None:
        pass
    elif stage in OPEN_STAGES:
        # Open work is placed on its SLA clock so that, whatever day the demo is loaded,
        # most requests are on track, some at risk and a few breached.
        rules = sla.load_rules()
        used = rng.choices(
            [rng.uniform(0.05, 0.7), rng.uniform(0.78, 0.97), rng.uniform(1.1, 3.0)],
            weights=[65, 20, 15],
        )[0]
        target = rules.targets[priority]
        minutes = target.first_response_minutes if stage is Stage.NEW else target.resolution_minutes
        created = rules.calendar(priority).subtract(now, minutes * used)
    elif stage is Stage.RESOLVED:
        # Waiting for the requester's "did it fix it?": resolved in the last few days.
        created = now - timedelta(minutes=rng.randint(24 * 60, 10 * 24 * 60))
    else:
        created = now - timedelta(minutes=rng.randint(2 * 24 * 60, 120 * 24 * 60))
    category = categories[slug]
    on_time, reopen_share, _ = _pace(requester)
    until = now
    if stage in (Stage.RESOLVED, Stage.CLOSED) and rng.random() < on_time:
        # Resolved within target: the whole story fits inside the resolution time.
        rules = sla.load_rules()
        target = rules.targets[priority].resolution_minutes * rng.uniform(0.2, 0.85)
        until = min(rules.calendar(priority).add(created, target), now)
    reopened = stage in (Stage.RESOLVED, Stage.CLOSED) and rng.random() < reopen_share
    team = category.default_team or teams["Service Desk"]
    assignee = None
    if stage is not Stage.NEW:
        members = [m for m in team.members] or staff
        assignee = rng.choice(members)
    sr = ServiceRequest(
        title=title,
        description=description,
        category=category,
        requester=requester,
        business_unit=requester.business_unit,
        impact=impact,
        urgency=urgency,
        priority=priority,
        stage=stage.value,
        team=team,
        assignee=assignee,
        created_at=created,
        updated_at=created,
        last_activity_at=created,
    )
    db.session.add(sr)
    _demo_timeline(rng, sr, stage, requester, assignee, created, until, reopened)
    sla.schedule(sr, sla.load_rules())
    return sr


def _demo_reply_notifications(requests, now) -> None:
    """The bell as the app leaves it: one note per reply from IT to a requester, those
    of the last day unread (as the requester would not have looked yet)."""
    for sr in requests:
        for event in sr.events:
            if (event.kind != EventKind.COMMENT.value or event.internal
                    or event.actor is None or event.actor.id == sr.requester_id):
                continue
            db.session.add(Notification(
                user_id=sr.requester_id, kind="request_reply",
                message=f"{event.actor.display_name} from IT replied to your request "
                        f"{sr.reference}.",
                link=f"/requests/{sr.reference}", created_at=event.created_at,
                read_at=None if now - event.created_at < timedelta(days=1) else event.created_at,
            ))
    db.session.flush()


def _demo_outbox(requests, people, now) -> None:
    """A little e-mail history for the admin's outbox page: sent mail and one failure.

    Nothing waits to be sent, so configuring e-mail on a demo database sends nothing.
    """
    rosa, alex = people["requester@example.com"], people["agent@example.com"]
    mark = people["mark.ellis@example.com"]
    recent = sorted((r for r in requests if r.requester is rosa), key=lambda r: r.created_at)
    plan = [(rosa, "request_received", "We got your request", r, r.created_at, None)
            for r in recent[-4:]]
    plan.append((alex, "assigned", "Assigned to you", recent[-1], recent[-1].created_at, None))
    marks = [r for r in requests if r.requester is mark][-1:]
    plan += [(mark, "request_received", "We got your request", r, r.created_at,
              "Gave up after 10 attempts. The server refused the recipient: 452 4.2.2 "
              "Mailbox full") for r in marks]
    for person, kind, headline, service_request, at, error in plan:
        db.session.add(OutboxMessage(
            user_id=person.id, request_id=service_request.id, to_address=person.email,
            kind=kind, subject=subject_for(headline, service_request),
            body_text=f"Hello {person.first_name},\n\n{headline}: "
                      f"{service_request.reference}.\n",
            body_html="<p>A demo message.</p>",
            status="failed" if error else "sent", attempts=10 if error else 1,
            last_error=error, created_at=at, next_attempt_at=at,
            sent_at=None if error else at + timedelta(seconds=40),
        ))
    db.session.flush()


def _pace(person):
    unit = person.business_unit.name if person.business_unit else ""
    return UNIT_PACE.get(unit, DEFAULT_PACE)


def _demo_timeline(rng, sr, stage, requester, assignee, created, until, reopened=False):
    """Events that tell a coherent story up to the request's current stage."""
    span = until - created
    moments = sorted(created + span * rng.uniform(0.05, 0.95) for _ in range(6))
    events = [RequestEvent(actor=requester, kind=EventKind.CREATED.value, created_at=created)]

    def add(at, **fields):
        events.append(RequestEvent(created_at=at, **fields))

    path = {
        Stage.NEW: [],
        Stage.TRIAGED: [Stage.TRIAGED],
        Stage.IN_PROGRESS: [Stage.TRIAGED, Stage.IN_PROGRESS],
        Stage.WAITING_ON_REQUESTER: [Stage.IN_PROGRESS, Stage.WAITING_ON_REQUESTER],
        Stage.RESOLVED: [Stage.IN_PROGRESS, Stage.RESOLVED],
        Stage.CLOSED: [Stage.IN_PROGRESS, Stage.RESOLVED, Stage.CLOSED],
    }[stage]
    if reopened:
        # "It's still broken": resolved once too early, then worked on again.
        at = path.index(Stage.RESOLVED)
        path = [*path[:at], Stage.RESOLVED, Stage.IN_PROGRESS, *path[at:]]
    previous = Stage.NEW
    if path and assignee is not None:
        add(moments[0], actor=assignee, kind=EventKind.ASSIGNED.value, internal=True,
            new_value=str(assignee.id), body=assignee.display_name)
        add(moments[0], actor=assignee, kind=EventKind.COMMENT.value,
            body=rng.choice(STAFF_REPLIES[:2]))
        sr.first_response_at = moments[0]
        if rng.random() < 0.4:
            add(moments[0], actor=assignee, kind=EventKind.NOTE.value, internal=True,
                body=rng.choice(INTERNAL_NOTES))
    for step, target in enumerate(path, start=1):
        at = moments[min(step, len(moments) - 1)]
        actor = requester if target is Stage.CLOSED else assignee
        if target is Stage.WAITING_ON_REQUESTER:
            add(at, actor=assignee, kind=EventKind.COMMENT.value, body=STAFF_REPLIES[1])
            sr.sla_paused_at = at
        if target is Stage.RESOLVED:
            add(at, actor=assignee, kind=EventKind.COMMENT.value, body=STAFF_REPLIES[5])
            sr.resolved_at = at
            sr.sla_paused_at = at
        if target is Stage.CLOSED:
            add(at, actor=requester, kind=EventKind.COMMENT.value, body=REQUESTER_REPLIES[2])
            add(at, actor=requester, kind=EventKind.CONFIRMED.value)
            sr.closed_at = at
        if target is Stage.IN_PROGRESS and previous is Stage.RESOLVED:
            add(at, actor=requester, kind=EventKind.REOPENED.value,
                body="It's happening again, sorry.")
            sr.reopen_count = (sr.reopen_count or 0) + 1
        elif target is Stage.IN_PROGRESS and rng.random() < 0.5:
            add(at, actor=requester, kind=EventKind.COMMENT.value,
                body=rng.choice(REQUESTER_REPLIES[:2] + REQUESTER_REPLIES[3:]))
        add(at, actor=actor, kind=EventKind.STAGE.value,
            old_value=previous.value, new_value=target.value)
        previous = target
    sr.events = events
    sr.last_activity_at = max(e.created_at for e in events if not e.internal)
    sr.updated_at = max(e.created_at for e in events)
