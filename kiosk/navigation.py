"""Screen names and where a visitor can go: the one place that knows the kiosk's screens."""

ATTRACT = "attract"
HOME = "home"
BROWSE = "browse"
LISTING = "listing"
COMMUNITY = "community"

ALL_SCREENS = (ATTRACT, HOME, BROWSE, LISTING, COMMUNITY)
