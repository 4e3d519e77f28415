"""New groups at the desk: the sign-ups from the public page (approve: the group is on the
kiosks and gets its edit link by e-mail, in the language it signed up in; decline, with a
reason: the sign-up is erased), the tips visitors left at a kiosk about groups it lacks, and
the groups that have not confirmed their record for a year (sync.hub.freshness)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sync.hub import freshness, mail, proposals, signup
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, page, render, words_for
from sync.hub.desk_store import DeskSession, audit
from sync.hub.i18n import N_, choose_language, translator

router = APIRouter()

APPROVED = N_("The group is on the kiosks now. It got an e-mail with its edit link.")
NOT_SENT = N_("The group is on the kiosks now, but the e-mail could not be sent:")
DECLINED = N_("The sign-up was declined and erased.")
GONE = N_("This sign-up has already been handled.")
TIP_DONE = N_("The tip was removed.")


def tips(conn) -> list[dict]:
    """The oldest 200 tips: a page the desk can read (a kiosk's quota limits the rest)."""
    return [
        {"id": rid, "kiosk": kiosk, "received_at": at, **json.loads(fields)}
        for rid, kiosk, fields, at in conn.execute(
            "SELECT id, kiosk, fields, received_at FROM visitor_records"
            " WHERE entity = 'group_tip' ORDER BY received_at, id LIMIT 200"
        )
    ]


def _labels(conn, lang: str) -> dict[str, str]:
    terms = signup.taxonomy(conn)
    return {t["slug"]: signup.label(t, lang)
            for kind in ("themes", "neighbourhoods") for t in terms.get(kind, [])}  # fmt: skip


def _page(request: Request, session: DeskSession, status: int = 200, **context) -> Response:
    from babel.dates import format_date

    conn, lang = hub_of(request).conn, choose_language(request)
    unconfirmed = [
        {**c, "since": format_date(c["confirmed"], "MMMM y", locale=lang) if c["confirmed"] else ""}
        for c in freshness.unconfirmed(conn)
    ]
    return render(request, "signups.html", session, status=status,
                  signups=signup.pending(conn), tips=tips(conn), unconfirmed=unconfirmed,
                  labels=_labels(conn, lang),
                  reasons=signup.DECLINE_REASONS, **context)  # fmt: skip


@router.get("/signups", response_class=HTMLResponse)
def signups_page(request: Request, session: Annotated[DeskSession, Depends(page("signups"))]):
    return _page(request, session)


@router.post("/signups", response_class=HTMLResponse)
def signups_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("signups"))],
    action: Annotated[str, Form(pattern="^(approve|decline|tip_done)$")],
    ref: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=32)] = "",
):
    state = hub_of(request)
    conn = state.conn
    _ = words_for(request)
    if action == "tip_done":
        if not _tip_done(conn, ref, session.username):
            return _page(request, session, status=404, problem=_(GONE))
        return _page(request, session, notice=_(TIP_DONE))
    if action == "decline":
        if reason not in signup.DECLINE_REASONS:
            return _page(request, session, status=400, problem=_("Choose a reason."))
        erased = signup.decline(conn, ref, reason, session.username)
        if erased is None:
            return _page(request, session, status=404, problem=_(GONE))
        _send_quietly(state, decline_message(state.mail, erased, reason))
        return _page(request, session, notice=_(DECLINED))
    approved = signup.approve(conn, ref, session.username)
    if approved is None:
        return _page(request, session, status=404, problem=_(GONE))
    found, record = approved
    token = proposals.new_edit_link(conn, session.username, record["id"])
    link = f"{state.base_url(request)}/edit/{token}?lang={found['language']}"
    try:
        mail.send(state.mail, approval_message(state.mail, found, link))
    except (mail.MailError, ValueError) as exc:
        # Approved all the same: the desk hands the link over another way.
        return _page(request, session, status=502, problem=f"{_(NOT_SENT)} {exc}", link=link)
    return _page(request, session, notice=_(APPROVED))


def _tip_done(conn, rid: str, actor: str) -> bool:
    """A tip that was acted on goes; its id stays erased, so a kiosk pushing it again after
    a hub restore does not bring it back."""
    with hub_store.write(conn):
        gone = conn.execute(
            "DELETE FROM visitor_records WHERE entity = 'group_tip' AND id = ?", [rid]
        ).rowcount
        if gone:
            conn.execute(
                "INSERT INTO erased_records (entity, id, erased_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                ["group_tip", rid, hub_store.now_iso()],
            )
            audit(conn, actor, "group tip handled", rid)
    return bool(gone)


def _send_quietly(state, message: EmailMessage | None) -> None:
    """A decline's courtesy mail: not sending it changes nothing (the data is gone)."""
    if message is None or not state.mail.configured:
        return
    try:
        mail.send(state.mail, message)
    except mail.MailError:
        pass


def approval_message(settings: mail.MailSettings, found: dict, link: str) -> EmailMessage:
    """'You are on the kiosk', in the language the group signed up in, with its edit link."""
    _ = translator(found["language"])
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.valid_mailbox(found["email"])
    message["Subject"] = _("{community} is on the kiosk").format(community=found["name"])
    lines = [
        _("Dear {community},").format(community=found["name"]),
        "",
        _("Thank you for signing up. Your group is on the Ontmoet kiosk in the town hall now."),
        _("With this link you keep your page up to date yourself (valid for 30 days):"),
        link,
        _("You can always ask the reception for a new link."),
        "",
        _("Kind regards,"),
        _("the reception of the town hall"),
    ]
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = found["language"]
    return message


def decline_message(settings: mail.MailSettings, found: dict, reason: str) -> EmailMessage | None:
    _ = translator(found["language"])
    message = EmailMessage()
    message["From"] = settings.sender
    try:
        message["To"] = mail.valid_mailbox(found["email"])
    except ValueError:
        return None
    message["Subject"] = _("Your sign-up for the Ontmoet kiosk")
    lines = [
        _("Dear {community},").format(community=found["name"]),
        "",
        _("Thank you for signing up. The reception did not put your group on the kiosk."),
        _("The reason: {reason}.").format(reason=_(signup.DECLINE_REASONS[reason])),
        _("What you sent has been erased. Questions? Ask at the reception of the town hall."),
        "",
        _("Kind regards,"),
        _("the reception of the town hall"),
    ]
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = found["language"]
    return message
