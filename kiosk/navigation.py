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
)
