"""The hub's names for codes (states, roles, channels, refusals): one label per code, marked for
the catalogues here and translated where a page or a mail shows it (``_(words.ROLES[r])``)."""

from __future__ import annotations

from sync.hub.i18n import N_

#: A community's lifecycle state (protocol.LIFECYCLE_STATES).
STATES = {
    "active": N_("Active"),
    "seasonal": N_("Seasonal"),
    "resting": N_("Resting for now"),
    "seeking_organiser": N_("Looking for someone to lead it"),
    "ended": N_("Ended"),
}
#: How a visitor may be contacted (protocol.CHANNELS).
CHANNELS = {"email": N_("e-mail"), "phone": N_("phone")}
#: Where a help request or a contact request stands at the desk.
REQUEST_STATES = {
    "new": N_("new"),
    "taken": N_("on the way"),
    "closed": N_("done"),
    "delivered_by_email": N_("delivered by e-mail"),
    "handed_over": N_("handed over in person"),
}
ROLES = {
    "admin": N_("admin"),
    "receptionist": N_("receptionist"),
    "community_editor": N_("community editor"),
}
INTRODUCTION_KINDS = {
    "visitor_community": N_("visitor – group"),
    "visitor_visitor": N_("visitor – visitor"),
    "community_community": N_("group – group"),
}
OUTCOMES = {
    "open": N_("open"),
    "led_to_something": N_("led to something"),
    "not_yet": N_("not yet"),
    "nothing": N_("nothing"),
}
#: The desk's pages, as the navigation names them.
DESK_PAGES = {
    "queue": N_("Queue"),
    "contacts": N_("Contact requests"),
    "communities": N_("Groups"),
    "review": N_("Review"),
    "signups": N_("Sign-ups"),
    "events": N_("Events"),
    "hall": N_("Hall messages"),
    "introductions": N_("Introductions"),
    "wishes": N_("Wishes"),
    "figures": N_("Figures"),
    "lists": N_("Lists"),
    "kiosks": N_("Kiosks"),
    "accounts": N_("Accounts"),
    "audit": N_("Audit log"),
    "opendata": N_("Open data"),
}
#: The groups of the desk's navigation (sync.hub.desk.access.NAV_GROUPS).
DESK_NAV_GROUPS = {
    "visitors": N_("Visitors"),
    "groups": N_("Groups"),
    "hall": N_("Hall"),
    "management": N_("Management"),
}
#: A community's record, as its edit page names the fields.
FIELDS = {
    "name": N_("Name"),
    "pitch": N_("In one sentence"),
    "story": N_("Your story"),
    "welcome": N_("Who is welcome"),
    "accessibility": N_("Accessibility"),
    "contact": N_("Contact"),
    "state": N_("State"),
    "image": N_("Photo"),
}
#: What an edit page says after a form was sent.
EDIT_DONE = {
    "sent": N_("Thank you! The reception will have a look."),
    "confirmed": N_("Thank you! We noted that everything is still right."),
    "nothing": N_("Nothing had changed."),
}
#: Why the desk refused a login.
LOGIN_REFUSALS = {
    "login_wrong": N_("Name or password is not right."),
    "login_locked": N_(
        "Too many wrong passwords from this computer. Wait a quarter of an hour, then try again."
    ),
    "login_busy": N_("It is busy right now. Try again in a few seconds."),
    "login_disabled": N_("This account is disabled. Ask an admin."),
    "bad_form": N_("This form has expired. Reload the page and try again."),
}
#: Why a password or an account could not be changed (desk_store.AccountRefused codes).
ACCOUNT_REFUSALS = {
    "too_short": N_("A password has at least 12 characters."),
    "too_long": N_("A password has at most 256 characters."),
    "has_name": N_("Do not put your name in your password."),
    "wrong_current": N_("Your current password is not right."),
    "same": N_("Choose a password other than your current one."),
    "no_account": N_("There is no such account."),
    "self_disable": N_("You cannot disable your own account."),
    "self_reset": N_("Change your own password with your current one."),
    "locked": LOGIN_REFUSALS["login_locked"],
}
#: What an account action did, for the notice after it.
ACCOUNT_DONE = {
    "disable": N_("disabled"),
    "enable": N_("active"),
    "end-sessions": N_("Log out everywhere"),
}
#: Why an introduction was not recorded (desk_store.IntroductionRefused codes).
INTRODUCTION_REFUSALS = {
    "same": N_("Choose two different parties."),
    "unknown visitor": N_("For a visitor, choose a contact request."),
    "unknown community": N_("For a group, choose a group."),
    "visitor_consent": N_(
        "Introduce two visitors at a kiosk, in receptionist mode: there both say yes."
    ),
    "form": N_("Check the form."),
    "unknown kind": N_("Choose a kind."),
    "not_chosen": N_("This visitor did not choose that group. Choose a group from the request."),
}
#: Who filled in a record at a kiosk for a visitor (the desk's figures).
ASSISTED = {"interest": N_("Interests"), "contact_request": N_("Contact requests")}
#: Who wrote a field of a community's record (its provenance).
PROVENANCE = {
    "community": N_("written by the group"),
    "reception": N_("written by the reception"),
    "import": N_("imported"),
}
#: What became of a change the reception made to a community's record.
PROPOSAL_RESULTS = {
    "applied": N_("changed at once"),
    "awaiting_community": N_("waiting for the group"),
}
