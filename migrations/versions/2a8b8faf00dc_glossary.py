"""Glossary: IT words with plain explanations, seeded with everyday IT terms.

Each term is unique in any capitals (term_key is the term folded to lower case with runs
of spaces as one). Synonyms are other ways to write the term, separated by commas. The
explanations are written for an office worker: one or two short sentences, and no other
glossary word inside them.

Revision ID: 2a8b8faf00dc
Revises: 4b07af78b6b1
Create Date: 2026-12-01 13:26:00.778764

"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2a8b8faf00dc'
down_revision = '4b07af78b6b1'
branch_labels = None
depends_on = None

# (term, synonyms, explanation)
TERMS = [
    ("Access rights", "access permissions",
     "What your account is allowed to open or change, such as a shared folder or a system. "
     "IT sets them to match your role."),
    ("Account lockout", "lockout",
     "When your account stops you signing in for a while, usually after the wrong password "
     "was typed too many times."),
    ("Active Directory", "",
     "The company's central list of people, computers and groups. It decides who can sign in "
     "and what each account can reach."),
    ("Admin rights", "administrator rights, admin access, administrator access, admin privileges, local admin",
     "Extra permission on a computer to install software and change its settings. Most people "
     "don't have them, which keeps computers safe."),
    ("Allowlist", "allow list, whitelist, whitelisted, safe list",
     "A list of senders, websites or programs that are trusted and always let through."),
    ("Antivirus", "anti-virus, endpoint protection, EDR",
     "Security software that watches your computer for harmful programs and removes them."),
    ("API", "application programming interface",
     "A way for two systems to talk to each other directly, so information flows between "
     "them without anyone copying it by hand."),
    ("Asset tag", "asset number, asset label",
     "The sticker with a number on your laptop or other equipment. IT uses it to keep track "
     "of who has what."),
    ("Authenticator app", "authenticator, Microsoft Authenticator, Google Authenticator",
     "An app on your phone that shows a short code, or asks you to approve a sign-in, to "
     "prove it's really you."),
    ("Backup", "back-up, backed up, backing up",
     "A spare copy of your files kept somewhere safe, so they can be brought back if the "
     "originals are lost or damaged."),
    ("Bandwidth", "",
     "How much information your connection can carry at once. When too many people share too "
     "little, video calls stutter and downloads slow down."),
    ("Blocklist", "block list, blacklist, blacklisted",
     "A list of senders, websites or programs that are stopped from reaching you."),
    ("Blue screen", "blue screen of death, BSOD",
     "A full-screen error on a Windows computer after a serious crash. The computer usually "
     "starts again by itself."),
    ("Browser", "web browser",
     "The program you use to visit websites, such as Chrome, Edge, Firefox or Safari."),
    ("Bug", "software bug",
     "A mistake in a piece of software that makes it behave the wrong way."),
    ("BYOD", "bring your own device",
     "Using your own phone or laptop for work. IT may ask you to install an app that keeps "
     "work information separate and safe."),
    ("Cache", "cached",
     "Copies of recently used pages and files that your computer keeps so they open faster. "
     "Clearing them makes it fetch fresh copies, which often fixes pages that look out of date."),
    ("Certificate", "SSL certificate, TLS certificate, security certificate",
     "A digital ID card that proves a website or system is genuine, so your connection to it "
     "is safe. When one runs out, you may see a security warning."),
    ("Change advisory board", "",
     "A group of people who look at planned changes to systems and decide whether and when "
     "they can go ahead."),
    ("Change request", "request for change, RFC",
     "A written plan to change a system, which is checked and approved before anyone makes "
     "the change."),
    ("Change window", "maintenance window",
     "A planned time, often in the evening or at a weekend, when IT makes changes to systems. "
     "Some tools may not be available during it."),
    ("Cloud", "the cloud, cloud storage",
     "Tools and storage that run on another company's computers over the internet, rather "
     "than on your own computer or in our offices."),
    ("Credentials", "login details",
     "Your sign-in details: usually your username and password, sometimes with a code from "
     "your phone as well."),
    ("Data breach", "",
     "When private information is seen, copied or taken by someone who shouldn't have it."),
    ("Database", "",
     "An organised store of information that a system reads and writes, such as the list of "
     "customers behind a sales tool."),
    ("Deployment", "deploy, deployed, deploying, rollout, roll-out, roll out, rolled out, rolling out",
     "Putting new or updated software onto people's computers or into use, often a few teams "
     "at a time."),
    ("Disk encryption", "BitLocker, FileVault",
     "Protection that scrambles everything stored on your laptop, so nobody can read it if "
     "the laptop is lost or stolen."),
    ("Distribution list", "distribution group, mailing list",
     "One email address that sends a message to a whole group of people at once."),
    ("DNS", "domain name system",
     "The internet's address book: it turns names like example.com into the numbers "
     "computers use to find each other. When it goes wrong, websites may not open even "
     "though you are online."),
    ("Docking station", "laptop dock",
     "A stand or box at your desk that your laptop plugs into, to connect screens, keyboard, "
     "mouse and power with one cable."),
    ("Driver", "device driver",
     "A small piece of software that lets your computer work with a particular device, such "
     "as a printer, screen or headset."),
    ("Encryption", "encrypted, encrypt, encrypting",
     "Scrambling information so only people with the right key can read it. Anyone who steals "
     "scrambled information can't make sense of it."),
    ("Endpoint", "endpoint device",
     "Any device that connects to the company's systems, such as your laptop, desktop "
     "computer, tablet or phone."),
    ("Escalation", "escalate, escalated, escalating",
     "Passing your request to a more senior or more specialised person or team, because it "
     "needs their knowledge or a decision. It doesn't mean you did anything wrong."),
    ("Ethernet", "network cable, wired connection",
     "A connection through a cable plugged into your computer. It is usually faster and "
     "steadier than a wireless one."),
    ("Factory reset", "",
     "Putting a device back to how it was when it was new. It deletes everything on it."),
    ("Firewall", "",
     "A security barrier that checks what goes in and out of a computer or the company's "
     "systems, and blocks anything that isn't allowed."),
    ("Firmware", "",
     "Software built into a device itself, such as a printer or a headset, that controls how "
     "the device works."),
    ("Hard refresh", "force refresh",
     "Reloading a web page while telling your computer to ignore its saved copy, so you see "
     "the latest version. Usually Ctrl+F5, or Cmd+Shift+R on a Mac."),
    ("Hotfix", "hot fix",
     "An urgent fix, put in place quickly to solve a problem that can't wait for the next "
     "planned update."),
    ("Hotspot", "mobile hotspot, personal hotspot, tethering",
     "Sharing your phone's mobile data with your laptop, so it can get online where there is "
     "no wireless connection."),
    ("Incident", "",
     "Something that has stopped working, or works worse than it should, such as an app that "
     "keeps crashing or a printer that won't print."),
    ("Incognito", "incognito window, private browsing, private window",
     "A way of browsing that forgets your history and saved sign-ins when you close the "
     "window. Handy for checking whether old saved data causes a problem."),
    ("Integration", "integrated, integrate",
     "A link between two tools so they share information automatically, for example so new "
     "sales appear in the finance system by themselves."),
    ("Intranet", "",
     "The company's own website for staff only, with news, policies and links to tools."),
    ("IP address", "IP",
     "A number that identifies a device when it is online, a bit like a phone number, for "
     "example 192.168.1.20."),
    ("Known issue", "known error, known problem",
     "A problem IT already knows about and is working on, often with a temporary way round "
     "it that you can use meanwhile."),
    ("Knowledge base", "knowledge article",
     "A collection of how-to guides and answers to common questions, written by IT."),
    ("Latency", "",
     "The delay between doing something and seeing the result, for example a pause before "
     "the other person hears you on a call."),
    ("Licence", "license, software licence, software license",
     "The right to use a piece of software, usually paid for per person. IT can only give you "
     "some tools when one of these is free."),
    ("Log file", "error log",
     "A record that a computer or app keeps of what it did and when. It helps IT work out "
     "what went wrong."),
    ("Malware", "",
     "Harmful software, such as a virus, that can damage your computer, spy on you or steal "
     "information."),
    ("MDM", "mobile device management, device management",
     "The tool IT uses to set up work phones and laptops, keep them secure and wipe them if "
     "they are lost."),
    ("MFA", "multi-factor authentication, multifactor authentication, two-factor authentication, "
     "2FA, two-step verification",
     "Signing in with a second check as well as your password, such as a code sent to your "
     "phone. It stops someone who has guessed your password from getting in."),
    ("Offboarding", "",
     "Closing a leaver's account and access, and collecting their equipment, when they leave "
     "the company."),
    ("Onboarding", "",
     "Getting a new starter ready to work: their account, equipment and access, so they can "
     "get going on their first day."),
    ("Operating system", "OS",
     "The main software that runs your computer or phone and everything on it, such as "
     "Windows, macOS, iOS or Android."),
    ("Outage", "downtime, service outage",
     "A time when a system or tool is not working at all, for some people or for everyone."),
    ("Password manager", "",
     "A secure app that remembers your passwords for you and can suggest strong new ones. "
     "You then only need to remember one main password."),
    ("Patch", "patched, patching",
     "A small update that fixes a problem or closes a security gap in a piece of software."),
    ("Peripheral", "",
     "Extra equipment you connect to your computer, such as a mouse, keyboard, headset or "
     "printer."),
    ("Phishing", "phish, phishing email",
     "A fake message, often an email, that pretends to come from someone you trust to trick "
     "you into clicking a link, opening a file or giving away your password."),
    ("Plugin", "plug-in, add-in, add-on, browser extension",
     "A small extra piece of software that adds features to a program, such as a button in "
     "your email for booking meetings."),
    ("Provisioning", "provision, provisioned",
     "Setting up what a person needs to work, such as an account, a laptop or access to a "
     "tool."),
    ("Proxy", "proxy server",
     "A go-between computer that your internet traffic passes through on its way to "
     "websites, used to filter it or speed it up."),
    ("Quarantine", "quarantined",
     "A holding area where suspicious emails or files are kept away from you until someone "
     "checks that they are safe."),
    ("Ransomware", "",
     "Harmful software that locks your files and demands money to unlock them."),
    ("Reboot", "rebooted, rebooting, power cycle",
     "Turning a computer or device off and on again. It clears up temporary glitches and "
     "finishes installing updates."),
    ("Recovery key", "BitLocker recovery key",
     "A long number that unlocks your laptop if its protection asks for it, for example "
     "after a repair. IT keeps a copy for you."),
    ("Reimage", "re-image, reimaged, wipe and reload",
     "Clearing a computer and setting it up again from scratch with the standard software. "
     "Anything saved only on that computer is lost, so save your files elsewhere first."),
    ("Remote session", "remote desktop, remote access, remote support, remote control, RDP",
     "When someone from IT, with your permission, sees or controls your screen from their "
     "own computer to help fix a problem."),
    ("Rollback", "roll back, rolled back",
     "Undoing a change and going back to the last version that worked, because the change "
     "caused problems."),
    ("Root cause", "root cause analysis, RCA",
     "The underlying reason a problem happened, rather than just its symptoms. Finding it "
     "helps stop the problem coming back."),
    ("Router", "",
     "A small box that connects the computers and devices in a building to each other and "
     "to the internet."),
    ("SaaS", "software as a service",
     "Software you use over the internet on a subscription instead of installing it on your "
     "computer. Most online tools work this way."),
    ("Security key", "hardware key, YubiKey",
     "A small device, often on a keyring, that you plug in or tap to prove it's really you "
     "when you sign in."),
    ("Self-service", "self-service portal",
     "Help you can get on your own without waiting for IT, for example resetting your "
     "password or installing approved software."),
    ("Server", "",
     "A powerful computer, usually kept in a data centre, that runs shared tools or stores "
     "files for many people at once."),
    ("Service desk", "help desk, helpdesk",
     "The IT team that takes your requests and questions first, and brings in specialists "
     "when needed."),
    ("Shared drive", "network drive, mapped drive, file share",
     "A place for files that your whole team can open. It shows on your computer like an "
     "extra disk with a letter, such as S: or G:."),
    ("Shared mailbox", "shared inbox, group mailbox",
     "An email inbox that several people can read and send from, such as one for a team's "
     "customer enquiries."),
    ("SLA", "service level agreement, service level",
     "The times IT has promised to answer and solve requests in, depending on how urgent "
     "they are. For example, a first reply within four working hours."),
    ("Software Center", "Software Centre, Company Portal",
     "The app on your work computer where you can install approved software yourself, "
     "without asking IT."),
    ("Spam filter", "junk filter",
     "The check that moves unwanted or suspicious emails to your junk folder before they "
     "reach your inbox."),
    ("Spoofing", "spoof, spoofed",
     "Faking the sender of an email, or the number of a caller, so that a message seems to "
     "come from someone you trust."),
    ("SSO", "single sign-on, single sign on",
     "Signing in once with your work account to open many different tools, instead of "
     "having a separate password for each."),
    ("Storage quota", "quota, mailbox quota",
     "The amount of space you are allowed for your files or email. When it is full, you may "
     "not be able to save or receive anything new."),
    ("Sync", "syncing, synced, synchronise, synchronize, synchronising, synchronizing",
     "Keeping the same files or information up to date in two places, such as on your "
     "laptop and on your phone."),
    ("Ticket", "ticket number",
     "IT's word for a request like yours. Its number is the reference we use to keep "
     "track of it."),
    ("Triage", "triaged, triaging",
     "Looking at a new request to understand it, decide how urgent it is and pass it to the "
     "right person."),
    ("Virtual machine", "VM",
     "A computer that runs as software inside another, bigger computer. To you it looks and "
     "works like a normal computer."),
    ("VPN", "virtual private network",
     "A secure, private connection from your computer to the company's systems over the "
     "internet. You need it to reach some work tools from home or while travelling."),
    ("Wi-Fi", "WiFi, wireless network",
     "The wireless connection your laptop or phone uses to get online without a cable."),
    ("Workaround", "work-around",
     "A temporary way to get your work done while the real fix is being prepared."),
]


def _key(word):
    return " ".join(word.split()).casefold()


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=60), nullable=False),
    sa.Column('term_key', sa.String(length=60), nullable=False),
    sa.Column('explanation', sa.String(length=400), nullable=False),
    sa.Column('synonyms', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_terms')),
    sa.UniqueConstraint('term_key', name=op.f('uq_glossary_terms_term_key'))
    )
    # ### end Alembic commands ###
    now = datetime.datetime.now(datetime.timezone.utc)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as naive UTC, as the app's UTCDateTime does
    terms = sa.table(
        'glossary_terms',
        sa.column('term', sa.String), sa.column('term_key', sa.String),
        sa.column('explanation', sa.String), sa.column('synonyms', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    op.bulk_insert(terms, [
        {'term': term, 'term_key': _key(term), 'explanation': explanation,
         'synonyms': synonyms, 'created_at': now, 'updated_at': now}
        for term, synonyms, explanation in TERMS
    ])


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table('glossary_terms')
    # ### end Alembic commands ###
