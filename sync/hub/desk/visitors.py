"""What visitors asked at a kiosk: the live queue of 'ask the reception', and contact
requests, opened inside the hub for the receptionist who passes them on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync import protocol
from sync.hub import desk_store, keys, mail, wishes, words
from sync.hub import store as hub_store
from sync.hub.desk import live
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.i18n import N_

router = APIRouter()
UNREADABLE = N_(
    "These details cannot be opened: they arrived damaged. Ask the visitor to do it again."
)
BAD_FORM = words.LOGIN_REFUSALS["bad_form"]
QUEUE_SHOWN = 100  # requests on the queue page at most: a flood must not make it megabytes


ALREADY_TAKEN = N_("{name} is already on the way.")
ALREADY_CLOSED = N_("{name} has already closed this request.")
GONE = N_("This request is no longer in the queue.")


def _queue_context(request: Request) -> dict:
    conn = hub_of(request).conn
    items = desk_store.help_queue(conn, limit=QUEUE_SHOWN + 1)
    return {"items": items[:QUEUE_SHOWN], "more": len(items) > QUEUE_SHOWN,
            "kiosks": sorted({i["kiosk"] for i in items}),
            "due": live.fingerprint(conn)["due"]}  # fmt: skip


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, session: Annotated[DeskSession, Depends(page("queue"))]):
    return render(request, "queue.html", session, **_queue_context(request))


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(request: Request, session: Annotated[DeskSession, Depends(page("queue"))]):
    """The queue without the page around it: what the live page fetches when the stream says
    the queue changed (desk-live.js)."""
    return render(request, "_queue_rows.html", session, **_queue_context(request))


@router.post("/queue")
def queue_close_kiosk(
    request: Request,
    session: Annotated[DeskSession, Depends(form("queue"))],
    kiosk: Annotated[str, Form(max_length=64)],
):
    """Close every open request from one kiosk: a flood from a stolen kiosk in one go."""
    desk_store.close_help_requests(hub_of(request).conn, session.username, kiosk)
    return RedirectResponse("/desk/queue", status_code=303)


@router.post("/queue/{record_id}")
def queue_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("queue"))],
    record_id: str,
    action: Annotated[str, Form(pattern="^(taken|closed)$")],
):
    conn = hub_of(request).conn
    if action == "taken":
        # Only a request still new is taken: the second receptionist hears who went.
        other = desk_store.take_help_request(conn, record_id, session.username)
        if other is not None:
            _ = words_for(request)
            if other["state"] == "gone":
                message = _(GONE)
            elif other["state"] == "taken":
                message = _(ALREADY_TAKEN).format(name=other["handled_by"])
            else:
                message = _(ALREADY_CLOSED).format(name=other["handled_by"])
            return render(request, "queue.html", session, status=409, message=message,
                           **_queue_context(request))  # fmt: skip
        return RedirectResponse("/desk/queue", status_code=303)
    desk_store.set_state(conn, "help_request", record_id, action, session.username)
    return RedirectResponse("/desk/queue", status_code=303)


def _names(conn, ids: list[str]) -> list[str]:
    found = (hub_store.shared_record(conn, "community", cid) for cid in ids)
    return [c["name"] if c else "—" for c in found]


@router.get("/contacts", response_class=HTMLResponse)
def contacts(request: Request, session: Annotated[DeskSession, Depends(page("contacts"))]):
    conn = hub_of(request).conn
    items = [
        {**item, "names": _names(conn, item["communities"]),
         "about_wish": _about_wish(request, item.get("wish"))}
        for item in desk_store.contact_requests(conn)
    ]  # fmt: skip
    return render(request, "contacts.html", session, items=items)


def _about_wish(request: Request, wish_id: str | None) -> str | None:
    """What a request about a wish ('count me in') is about; None for a request to groups."""
    if not wish_id:
        return None
    found = wishes.label_of_wish(hub_of(request).conn, wish_id, lang_of(request))
    return found if found is not None else "—"


def _contact_page(request: Request, session, record_id: str, message: str = "",
                  status: int = 200) -> Response:  # fmt: skip
    state = hub_of(request)
    found = desk_store.contact_request(state.conn, record_id)
    if found is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    # Opened here, inside the hub process, for the receptionist handling it.
    opened = _opened(state, found)
    if opened is None:
        return render(request, "forbidden.html", session, status=422,
                       problem=words_for(request)(UNREADABLE))  # fmt: skip
    channel, value = opened
    groups = [
        {"id": cid, "name": name, "mailbox": desk_store.mailbox(state.conn, cid)}
        for cid, name in zip(found["communities"], _names(state.conn, found["communities"]),
                             strict=True)
    ]  # fmt: skip
    states = {i["id"]: i for i in desk_store.contact_requests(state.conn)}
    handled = states.get(record_id, {}).get("state", "new")
    with hub_store.write(state.conn):
        desk_store.audit(state.conn, session.username, "contact request opened", record_id)
    return render(request, "contact.html", session, status=status, item=found, channel=channel,
                   value=value, groups=groups, state=handled, message=message,
                   about_wish=_about_wish(request, found.get("wish")))  # fmt: skip


def _opened(state, found: dict) -> tuple[str, str] | None:
    """The visitor's channel and detail, or None when the sealed bytes do not open (a kiosk
    sent them damaged: a stolen kiosk can send anything)."""
    try:
        return protocol.open_sealed(found["sealed_payload"], keys.private_key(state.data_dir))
    except protocol.ProtocolError:
        return None


@router.get("/contacts/{record_id}", response_class=HTMLResponse)
def contact(
    request: Request, record_id: str, session: Annotated[DeskSession, Depends(page("contacts"))]
):
    return _contact_page(request, session, record_id)


@router.post("/contacts/{record_id}", response_class=HTMLResponse)
def contact_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("contacts"))],
    record_id: str,
    action: Annotated[str, Form(pattern="^(email|in_person|mailbox)$")],
    community: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
):
    state = hub_of(request)
    found = desk_store.contact_request(state.conn, record_id)
    if found is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    _ = words_for(request)
    if found.get("wish") and action != "in_person":
        # About a wish: no group to send it to (the wishes page introduces these people).
        return _contact_page(request, session, record_id, _(BAD_FORM), 400)
    if action == "mailbox":
        if community not in found["communities"]:
            return _contact_page(request, session, record_id, _(BAD_FORM), 400)
        try:
            address = mail.valid_mailbox(email)
        except ValueError:
            invalid = _("Fill in exactly one valid e-mail address.")
            return _contact_page(request, session, record_id, invalid, 400)
        desk_store.set_mailbox(state.conn, session.username, community, address)
        return _contact_page(request, session, record_id)
    if action == "in_person":
        desk_store.set_state(state.conn, "contact_request", record_id, "handed_over",
                             session.username)  # fmt: skip
        return RedirectResponse("/desk/contacts", status_code=303)
    opened = _opened(state, found)
    if opened is None:
        return render(request, "forbidden.html", session, status=422, problem=_(UNREADABLE))
    channel, value = opened
    try:
        for cid, name in zip(found["communities"], _names(state.conn, found["communities"]),
                             strict=True):  # fmt: skip
            to = desk_store.mailbox(state.conn, cid)
            if to is None:
                unknown = _("No e-mail address known yet.")
                raise mail.MailError(f"{name}: {unknown}")
            community = hub_store.shared_record(state.conn, "community", cid) or {}
            message = mail.contact_message(
                state.mail, to, name, channel, value, found["expires_on"],
                group_language=mail.group_language(community),
                visitor_language=found.get("language"),
            )  # fmt: skip
            mail.send(state.mail, message)
    except mail.MailError as exc:
        failed = _("Sending failed:")
        return _contact_page(request, session, record_id, f"{failed} {exc}", 502)
    desk_store.set_state(state.conn, "contact_request", record_id, "delivered_by_email",
                         session.username)  # fmt: skip
    return RedirectResponse("/desk/contacts", status_code=303)
