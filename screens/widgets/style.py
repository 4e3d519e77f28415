"""Colours and sizes of the kiosk, in one place. Colours meet WCAG AA (4.5:1) for their text."""

from kivy.metrics import dp, sp

BACKGROUND = (0.969, 0.957, 0.933, 1)  # warm off-white #F7F4EE
CARD = (1, 1, 1, 1)
LINE = (0.847, 0.827, 0.792, 1)  # #D8D3CA, borders only
INK = (0.122, 0.165, 0.188, 1)  # #1F2A30 on BACKGROUND: 13.6:1
MUTED = (0.306, 0.345, 0.376, 1)  # #4E5860 on BACKGROUND: 6.6:1
PRIMARY = (0.122, 0.369, 0.431, 1)  # #1F5E6E, white text on it: 7.4:1
PRIMARY_SOFT = (0.871, 0.925, 0.929, 1)  # #DEECED, INK on it
ACCENT = (0.627, 0.267, 0.157, 1)  # #A04428, white text on it: 6.3:1
ON_DARK = (1, 1, 1, 1)
SHADE = (0, 0, 0, 0.55)  # behind the idle warning

TOUCH = dp(88)  # the smallest thing a finger must hit (>= 72 dp, house rule)
PAD = dp(32)
GAP = dp(20)
TITLE = sp(52)
HEADING = sp(36)
BODY = sp(28)
SMALL = sp(25)
