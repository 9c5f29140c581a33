"""Demo files: screenshots drawn with Pillow when the demo loads, attached the real way."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from tracker.attachments import services
from tracker.models import EventKind, ServiceRequest, Stage, User

WINDOW = (960, 600)
DESKTOP = (34, 64, 94)
CHROME = (243, 244, 246)
INK = (28, 36, 48)
MUTED = (91, 101, 115)
ACCENT = (15, 118, 110)
ALERT = (180, 35, 24)


def _font(size: int):
    return ImageFont.load_default(size=size)


def _window(title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A desktop with one application window, as a screenshot would show it."""
    picture = Image.new("RGB", WINDOW, DESKTOP)
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle((40, 30, 920, 560), radius=10, fill=(255, 255, 255))
    draw.rounded_rectangle((40, 30, 920, 74), radius=10, fill=CHROME)
    draw.rectangle((40, 60, 920, 74), fill=CHROME)
    for n, colour in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        draw.ellipse((58 + n * 22, 45, 72 + n * 22, 59), fill=colour)
    draw.text((140, 43), title, font=_font(16), fill=INK)
    return picture, draw


def error_screenshot(app_name: str) -> bytes:
    """An application stopping with an error dialog in front of its work."""
    picture, draw = _window(app_name)
    for row in range(8):
        y = 100 + row * 34
        draw.rectangle((70, y, 890, y + 26), fill=(248, 249, 251) if row % 2 else (255, 255, 255))
        draw.rounded_rectangle((80, y + 8, 180 + (row * 37) % 160, y + 18), radius=4,
                               fill=(214, 218, 224))
        draw.text((700, y + 4), "done" if row < 5 else "waiting", font=_font(14),
                  fill=ACCENT if row < 5 else MUTED)
    draw.rounded_rectangle((250, 190, 710, 410), radius=8, fill=(255, 255, 255),
                           outline=(200, 205, 212), width=2)
    draw.ellipse((275, 225, 315, 265), fill=ALERT)
    draw.text((289, 227), "!", font=_font(28), fill=(255, 255, 255))
    draw.text((335, 225), "Something went wrong", font=_font(20), fill=INK)
    draw.text((335, 260), "The operation could not be completed.", font=_font(13), fill=MUTED)
    draw.text((335, 282), "Error code 0x80070002", font=_font(13), fill=MUTED)
    draw.rounded_rectangle((590, 350, 690, 390), radius=6, fill=ACCENT)
    draw.text((627, 359), "OK", font=_font(16), fill=(255, 255, 255))
    return _png(picture)


def settings_screenshot() -> bytes:
    """Where to find the laptop's name and version: the "About" settings page."""
    picture, draw = _window("Settings — About")
    draw.rectangle((40, 74, 250, 560), fill=(248, 249, 251))
    for n, item in enumerate(("System", "Devices", "Network", "Apps", "Accounts", "About")):
        y = 100 + n * 40
        if item == "About":
            draw.rounded_rectangle((52, y - 6, 238, y + 26), radius=6, fill=(230, 244, 242))
        draw.text((70, y), item, font=_font(15), fill=ACCENT if item == "About" else INK)
    draw.text((290, 100), "About this laptop", font=_font(24), fill=INK)
    facts = (("Device name", "IT-2231"), ("Model", "Latitude 5440"),
             ("Version", "23H2 (build 22631.4460)"), ("Serial number", "7QX92K3"))
    for n, (label, value) in enumerate(facts):
        y = 160 + n * 44
        draw.text((290, y), label, font=_font(15), fill=MUTED)
        draw.text((480, y), value, font=_font(15), fill=INK)
    draw.rounded_rectangle((470, 246, 760, 276), radius=4, outline=ALERT, width=3)
    draw.text((290, 380), "Copy these details and paste them into your reply.", font=_font(14),
              fill=MUTED)
    return _png(picture)


def _png(picture: Image.Image) -> bytes:
    out = BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _attach(sr: ServiceRequest, person: User, name: str, data: bytes, event=None) -> None:
    upload = services.check_upload(name, BytesIO(data), services.Limits.from_config())
    for attachment in services.attach(sr, person, [upload], event=event):
        attachment.created_at = event.created_at if event is not None else sr.created_at


def attach_demo_files(requests: list[ServiceRequest], rosa: User) -> int:
    """A screenshot Rosa sent with something broken, and one IT sent her in a reply."""
    mine = [r for r in requests if r.requester is rosa]
    attached = 0
    broken = [r for r in mine if r.is_open and r.category.slug == "broken"]
    working = next(iter(broken), None) or next(
        (r for r in mine if r.stage == Stage.IN_PROGRESS.value), None
    )
    if working is not None:
        _attach(working, rosa, "Screenshot 2026-11-30 at 09.12.png",
                error_screenshot(working.title))
        attached += 1
    waiting = next((r for r in mine if r.stage == Stage.WAITING_ON_REQUESTER.value), None)
    if waiting is not None:
        ask = next((e for e in reversed(waiting.events)
                    if e.kind == EventKind.COMMENT.value and e.actor is not rosa), None)
        if ask is not None:
            _attach(waiting, ask.actor, "where-to-find-your-laptop-details.png",
                    settings_screenshot(), event=ask)
            attached += 1
    return attached
