"""Screen names and where a visitor can go: the one place that knows the kiosk's screens."""

ATTRACT = "attract"
HOME = "home"
BROWSE = "browse"
LISTING = "listing"
COMMUNITY = "community"
SEARCH = "search"
TALENTS = "talents"
MATCHES = "matches"
CONTACT = "contact"
DONE = "done"
WHATS_ON = "whats_on"
RECEPTION = "reception"  # staff only: the sync status and the receptionist PIN
INTRODUCE = "introduce"  # receptionist mode: an introduction on the spot
GROUP_TIP = "group_tip"  # "Is your group not here?": sign up with a phone, or tip the desk
WISH = "wish"  # "I'd join this": a search or the talents found (too) little

ALL_SCREENS = (
    ATTRACT,
    HOME,
    BROWSE,
    LISTING,
    COMMUNITY,
    SEARCH,
    TALENTS,
    MATCHES,
    CONTACT,
    DONE,
    WHATS_ON,
    RECEPTION,
    INTRODUCE,
    GROUP_TIP,
    WISH,
)
