"""Draw the demo town's group photos: flat illustrations (a garden, a walk, a repair table,
music, a shared meal, games, yarn, bees, sun and wind, books, an open-air film), one per
group listed in SUBJECTS, made with Pillow and put through the hub's own photo pipeline
(sync.hub.photos.process), so they are exactly what an upload would have become.

    .venv/bin/python scripts/make_demo_photos.py   # writes assets/demo/photos/<slug>.jpg

Made here for Ontmoet; they are the project's own (same licence as the code). Each drawing
is seeded by its group's slug: running the script again gives the same pictures.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync.hub.photos import process  # noqa: E402

OUT = ROOT / "assets" / "demo" / "photos"
W, H = 800, 500
S = 2  # drawn at twice the size and scaled down: smooth edges

SKIES = [((142, 197, 230), (232, 244, 250)), ((250, 200, 150), (255, 240, 215)),
         ((170, 210, 200), (240, 248, 240)), ((190, 180, 225), (245, 238, 250))]  # fmt: skip
GREENS = [(86, 150, 90), (64, 128, 80), (120, 170, 90), (52, 110, 72)]
WARM = [(214, 96, 77), (235, 164, 70), (196, 72, 110), (240, 200, 80), (120, 96, 180)]


def canvas(rng: random.Random, sky=None) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    top, bottom = sky or rng.choice(SKIES)
    image = Image.new("RGB", (W * S, H * S))
    draw = ImageDraw.Draw(image)
    for y in range(H * S):
        t = y / (H * S)
        draw.line([(0, y), (W * S, y)], fill=tuple(round(a + (b - a) * t) for a, b in
                                                   zip(top, bottom, strict=True)))  # fmt: skip
    return image, draw


def sun(draw, rng, x=None, y=None, r=None):
    x, y, r = (x or rng.randint(120, 680)) * S, (y or rng.randint(60, 120)) * S, (r or 42) * S
    draw.ellipse((x - r * 1.5, y - r * 1.5, x + r * 1.5, y + r * 1.5), fill=(255, 236, 170))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(252, 206, 84))


def hills(draw, rng, base=330, layers=3):
    for i in range(layers):
        colour = GREENS[(i + rng.randint(0, 3)) % len(GREENS)]
        y0 = (base + i * 45) * S
        amp, phase, wave = rng.randint(20, 45) * S, rng.random() * 6, rng.uniform(1.2, 2.5)
        points = [(x, y0 - amp * math.sin(phase + wave * x / (W * S) * math.pi))
                  for x in range(0, W * S + 1, 8)]  # fmt: skip
        draw.polygon([(0, H * S), *points, (W * S, H * S)], fill=colour)


def tree(draw, x, y, h, colour, fruit=None, rng=None):
    x, y, h = x * S, y * S, h * S
    draw.rectangle((x - h * 0.06, y - h * 0.45, x + h * 0.06, y), fill=(110, 78, 52))
    r = h * 0.33
    draw.ellipse((x - r, y - h * 0.45 - r * 1.4, x + r, y - h * 0.45 + r * 0.4), fill=colour)
    if fruit and rng:
        for _ in range(6):
            fx, fy = x + rng.uniform(-r * 0.7, r * 0.7), y - h * 0.45 - rng.uniform(0, r * 1.1)
            draw.ellipse((fx - 7 * S, fy - 7 * S, fx + 7 * S, fy + 7 * S), fill=fruit)


def garden(rng):
    """Vegetable beds: leafy rows, a few in flower, sunflowers at the back."""
    image, draw = canvas(rng)
    sun(draw, rng)
    hills(draw, rng, base=250, layers=1)
    for i in range(5):  # sunflowers along the fence
        x = (80 + i * 160 + rng.randint(-20, 20)) * S
        top = rng.randint(150, 200) * S
        draw.line((x, top, x, 300 * S), fill=(70, 120, 60), width=8 * S)
        for a in range(0, 360, 30):
            dx, dy = math.cos(math.radians(a)) * 30 * S, math.sin(math.radians(a)) * 30 * S
            draw.ellipse((x + dx - 14 * S, top + dy - 14 * S, x + dx + 14 * S, top + dy + 14 * S),
                         fill=(246, 196, 50))  # fmt: skip
        draw.ellipse((x - 20 * S, top - 20 * S, x + 20 * S, top + 20 * S), fill=(110, 70, 40))
    draw.rectangle((0, 290 * S, W * S, H * S), fill=(150, 104, 70))
    for row in range(3):
        y = (315 + row * 65) * S
        draw.rectangle((0, y + 40 * S, W * S, y + 52 * S), fill=(126, 86, 58))
        for i in range(6 + row):
            x = (50 + i * (700 / (5 + row))) * S
            leaf = rng.choice(GREENS)
            for a in (-1, 0, 1):
                draw.ellipse((x + a * 22 * S - 18 * S, y - 8 * S + abs(a) * 10 * S,
                              x + a * 22 * S + 18 * S, y + 40 * S), fill=leaf)  # fmt: skip
            if rng.random() < 0.45:
                r = 12 * S
                draw.ellipse((x - r, y - 18 * S - r, x + r, y - 18 * S + r), fill=rng.choice(WARM))
    return image


def orchard(rng):
    image, draw = canvas(rng)
    sun(draw, rng)
    hills(draw, rng, base=300, layers=2)
    for i in range(6):
        x = 70 + i * 130 + rng.randint(-20, 20)
        fruit = rng.choice([(214, 60, 50), (240, 190, 60), (230, 120, 40)])
        tree(draw, x, 430 + rng.randint(-20, 20), rng.randint(190, 240), rng.choice(GREENS),
             fruit=fruit, rng=rng)  # fmt: skip
    return image


def walk(rng):
    image, draw = canvas(rng)
    sun(draw, rng)
    hills(draw, rng, base=260, layers=4)
    path = [(W * S * 0.55, H * S), (W * S * 0.85, H * S)]
    draw.polygon([path[0], path[1], (W * S * 0.52, 300 * S), (W * S * 0.5, 300 * S)],
                 fill=(222, 200, 160))  # fmt: skip
    for _ in range(5):
        tree(draw, rng.randint(30, 380), rng.randint(330, 470), rng.randint(120, 190),
             rng.choice(GREENS))  # fmt: skip
    for i, colour in enumerate(rng.sample(WARM, 3)):  # walkers: a head and a body
        x, y = (560 + i * 45) * S, (420 - i * 40) * S
        draw.rounded_rectangle((x - 14 * S, y - 50 * S, x + 14 * S, y), 10 * S, fill=colour)
        draw.ellipse((x - 11 * S, y - 76 * S, x + 11 * S, y - 54 * S), fill=(120, 84, 60))
    return image


def bicycle(draw, x, y, r, colour):
    x, y, r = x * S, y * S, r * S
    for cx in (x - r * 1.3, x + r * 1.3):
        draw.ellipse((cx - r, y - r, cx + r, y + r), outline=(50, 50, 60), width=7 * S)
        for a in range(0, 180, 30):
            dx, dy = r * math.cos(math.radians(a)), r * math.sin(math.radians(a))
            draw.line((cx - dx, y - dy, cx + dx, y + dy), fill=(150, 150, 160), width=S)
    frame = [(x - r * 1.3, y), (x - r * 0.2, y - r * 0.9), (x + r * 0.9, y - r * 0.9),
             (x + r * 1.3, y), (x, y), (x - r * 1.3, y)]  # fmt: skip
    draw.line(frame, fill=colour, width=9 * S, joint="curve")
    draw.line((x, y, x - r * 0.3, y - r * 1.15), fill=colour, width=9 * S)
    draw.line((x - r * 0.5, y - r * 1.15, x - r * 0.05, y - r * 1.15), fill=(50, 50, 60),
              width=10 * S)  # fmt: skip
    draw.line((x + r * 0.9, y - r * 0.9, x + r * 0.8, y - r * 1.3), fill=colour, width=8 * S)


def workshop(rng):
    image, draw = canvas(rng, sky=((236, 222, 200), (250, 242, 230)))
    for i in range(0, W * S, 90 * S):  # a pegboard
        for j in range(40 * S, 250 * S, 45 * S):
            draw.ellipse((i + 20 * S, j, i + 26 * S, j + 6 * S), fill=(200, 180, 150))
    draw.rectangle((0, 330 * S, W * S, 360 * S), fill=(150, 100, 60))
    draw.rectangle((0, 360 * S, W * S, H * S), fill=(120, 80, 50))
    bicycle(draw, 250, 300, 70, rng.choice(WARM))
    for i in range(4):  # wrenches and a hammer on the wall
        x = (520 + i * 65) * S
        colour = rng.choice([(90, 100, 120), (160, 60, 50), (70, 120, 150)])
        draw.rounded_rectangle((x, 70 * S, x + 16 * S, 230 * S), 8 * S, fill=colour)
        draw.ellipse((x - 14 * S, 50 * S, x + 30 * S, 94 * S), fill=colour)
        draw.ellipse((x - 2 * S, 58 * S, x + 18 * S, 78 * S), fill=(236, 222, 200))
    gear(draw, 660, 300, 34, (230, 170, 60))
    return image


def gear(draw, x, y, r, colour):
    x, y, r = x * S, y * S, r * S
    for a in range(0, 360, 45):
        dx, dy = math.cos(math.radians(a)), math.sin(math.radians(a))
        draw.line((x, y, x + dx * r * 1.3, y + dy * r * 1.3), fill=colour, width=round(r * 0.5))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    draw.ellipse((x - r * 0.4, y - r * 0.4, x + r * 0.4, y + r * 0.4), fill=(120, 80, 50))


def music(rng):
    image, draw = canvas(rng, sky=rng.choice([((40, 52, 100), (90, 70, 140)),
                                              ((120, 40, 70), (220, 120, 90))]))  # fmt: skip
    for k in range(2):
        base = (120 + k * 190) * S
        for line in range(5):
            y = base + line * 16 * S
            draw.line((0, y, W * S, y), fill=(255, 255, 255, 0), width=2 * S)
        for i in range(7):
            x = (60 + i * 105 + rng.randint(-15, 15)) * S
            y = base + rng.randint(-1, 5) * 8 * S
            colour = rng.choice([(255, 214, 120), (255, 255, 255), (250, 160, 160)])
            draw.ellipse((x - 15 * S, y - 11 * S, x + 15 * S, y + 11 * S), fill=colour)
            draw.line((x + 13 * S, y, x + 13 * S, y - 70 * S), fill=colour, width=4 * S)
            if rng.random() < 0.5:
                draw.line((x + 13 * S, y - 70 * S, x + 36 * S, y - 50 * S), fill=colour,
                          width=5 * S)  # fmt: skip
    for i in range(9):  # a row of singers' heads
        x = (50 + i * 90) * S
        draw.ellipse((x - 40 * S, 440 * S, x + 40 * S, 560 * S), fill=rng.choice(WARM))
        draw.ellipse((x - 22 * S, 390 * S, x + 22 * S, 434 * S),
                     fill=rng.choice([(120, 84, 60), (230, 190, 160), (80, 56, 40)]))  # fmt: skip
    return image


def meal(rng):
    image, draw = canvas(rng, sky=((250, 226, 190), (255, 246, 232)))
    draw.rectangle((0, 250 * S, W * S, H * S), fill=rng.choice([(200, 80, 70), (70, 120, 160)]))
    for y in range(250, H, 30):  # a checked tablecloth
        draw.line((0, y * S, W * S, y * S), fill=(255, 255, 255), width=5 * S)
    for i in range(4):
        x = (110 + i * 190) * S
        draw.ellipse((x - 80 * S, 320 * S, x + 80 * S, 420 * S), fill=(250, 250, 245))
        draw.ellipse((x - 55 * S, 335 * S, x + 55 * S, 405 * S), fill=rng.choice(WARM))
        for k in range(3):  # steam
            sx = x + (k - 1) * 25 * S
            draw.arc((sx - 12 * S, 230 * S, sx + 12 * S, 290 * S), 90, 270, fill=(200, 190, 180),
                     width=4 * S)  # fmt: skip
    for i in range(3):
        x = (200 + i * 190) * S
        draw.rounded_rectangle((x - 22 * S, 440 * S, x + 22 * S, 495 * S), 6 * S,
                               fill=(240, 240, 235))  # fmt: skip
    return image


def games(rng):
    image, draw = canvas(rng, sky=((60, 110, 90), (40, 90, 70)))
    size = 46 * S
    ox, oy = 60 * S, 60 * S
    for r in range(8):
        for c in range(8):
            fill = (240, 225, 190) if (r + c) % 2 == 0 else (120, 80, 50)
            draw.rectangle((ox + c * size, oy + r * size, ox + (c + 1) * size,
                            oy + (r + 1) * size), fill=fill)  # fmt: skip
    for c in (1, 3, 6):  # a few pieces
        x, y = ox + c * size + size / 2, oy + 6 * size + size / 2
        draw.ellipse((x - 15 * S, y - 15 * S, x + 15 * S, y + 15 * S), fill=(30, 30, 30))
    for i, (x, y) in enumerate([(560, 140), (670, 240), (560, 330)]):  # dice
        x, y, d = x * S, y * S, 80 * S
        draw.rounded_rectangle((x, y, x + d, y + d), 14 * S, fill=rng.choice(WARM))
        pips = [(0.5, 0.5)] if i == 0 else [(0.25, 0.25), (0.75, 0.75), (0.5, 0.5)]
        if i == 2:
            pips = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75), (0.5, 0.5)]
        for px, py in pips:
            cx, cy = x + px * d, y + py * d
            draw.ellipse((cx - 8 * S, cy - 8 * S, cx + 8 * S, cy + 8 * S), fill=(255, 255, 255))
    return image


def yarn(rng):
    image, draw = canvas(rng, sky=((246, 236, 226), (236, 222, 210)))
    for i in range(5):
        x, y = (100 + i * 150 + rng.randint(-20, 20)) * S, (300 + rng.randint(-60, 80)) * S
        r = rng.randint(60, 85) * S
        colour = rng.choice(WARM + [(90, 150, 170)])
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        dark = tuple(max(0, v - 45) for v in colour)
        for k in range(-3, 4):
            draw.arc((x - r, y - r + k * r * 0.22, x + r, y + r + k * r * 0.22), 200, 340,
                     fill=dark, width=3 * S)  # fmt: skip
    draw.line((420 * S, 60 * S, 700 * S, 220 * S), fill=(170, 140, 110), width=8 * S)
    draw.line((450 * S, 220 * S, 720 * S, 70 * S), fill=(170, 140, 110), width=8 * S)
    return image


def bees(rng):
    image, draw = canvas(rng, sky=((255, 236, 170), (250, 214, 120)))
    r = 38 * S
    for row in range(-1, 9):
        for col in range(-1, 14):
            x = col * r * 1.73 + (r * 0.87 if row % 2 else 0)
            y = row * r * 1.5
            points = [(x + r * math.cos(math.radians(a)), y + r * math.sin(math.radians(a)))
                      for a in range(30, 390, 60)]  # fmt: skip
            honey = rng.random() < 0.6
            draw.polygon(points, fill=(236, 170, 40) if honey else (250, 210, 110),
                         outline=(200, 140, 30), width=3 * S)  # fmt: skip
    for _ in range(3):
        x, y = rng.randint(150, 650) * S, rng.randint(120, 380) * S
        draw.ellipse((x - 25 * S, y - 50 * S, x + 5 * S, y - 10 * S), fill=(255, 255, 255))
        draw.ellipse((x - 5 * S, y - 50 * S, x + 25 * S, y - 10 * S), fill=(240, 250, 255))
        draw.ellipse((x - 40 * S, y - 22 * S, x + 40 * S, y + 22 * S), fill=(250, 200, 40))
        for k in (-15, 5, 25):
            draw.line((x + k * S, y - 21 * S, x + k * S, y + 21 * S), fill=(40, 30, 20),
                      width=9 * S)  # fmt: skip
    return image


def energy(rng):
    image, draw = canvas(rng)
    sun(draw, rng, x=130, y=100, r=50)
    hills(draw, rng, base=330, layers=2)
    for i in range(2):  # wind turbines
        x, y = (480 + i * 170) * S, (350 - i * 20) * S
        draw.polygon([(x - 8 * S, y), (x + 8 * S, y), (x + 3 * S, y - 230 * S),
                      (x - 3 * S, y - 230 * S)], fill=(245, 245, 245))  # fmt: skip
        for a in range(3):
            ang = math.radians(a * 120 + rng.randint(0, 119))
            hx, hy = x, y - 230 * S
            draw.line((hx, hy, hx + math.cos(ang) * 110 * S, hy + math.sin(ang) * 110 * S),
                      fill=(250, 250, 250), width=10 * S)  # fmt: skip
    for i in range(3):  # solar panels
        x, y = (60 + i * 120) * S, 400 * S
        draw.polygon([(x, y), (x + 100 * S, y), (x + 80 * S, y - 60 * S), (x - 20 * S, y - 60 * S)],
                     fill=(40, 70, 130))  # fmt: skip
        for k in range(1, 4):
            draw.line((x + k * 25 * S, y, x + k * 25 * S - 20 * S, y - 60 * S),
                      fill=(150, 180, 220), width=2 * S)  # fmt: skip
    return image


def books(rng):
    image, draw = canvas(rng, sky=((235, 226, 246), (250, 246, 252)))
    draw.rectangle((0, 400 * S, W * S, H * S), fill=(160, 120, 90))
    x = 60
    while x < 740:
        w, h = rng.randint(28, 55), rng.randint(150, 260)
        colour = rng.choice(WARM + [(70, 120, 160), (60, 130, 100)])
        draw.rounded_rectangle((x * S, (400 - h) * S, (x + w) * S, 400 * S), 4 * S, fill=colour)
        draw.line(((x + 6) * S, (400 - h + 20) * S, (x + w - 6) * S, (400 - h + 20) * S),
                  fill=(255, 255, 255), width=3 * S)  # fmt: skip
        x += w + rng.randint(4, 12)
        if rng.random() < 0.15:
            x += 60
    for x, y, colour in ((200, 80, (255, 255, 255)), (520, 60, (255, 240, 200))):
        draw.rounded_rectangle((x * S, y * S, (x + 150) * S, (y + 70) * S), 30 * S, fill=colour)
        draw.polygon([((x + 40) * S, (y + 68) * S), ((x + 70) * S, (y + 68) * S),
                      ((x + 30) * S, (y + 100) * S)], fill=colour)  # fmt: skip
    return image


def cinema(rng):
    image, draw = canvas(rng, sky=((20, 26, 60), (60, 50, 100)))
    for _ in range(60):
        x, y = rng.randint(0, W) * S, rng.randint(0, 250) * S
        draw.ellipse((x - 2 * S, y - 2 * S, x + 2 * S, y + 2 * S), fill=(255, 250, 220))
    draw.rectangle((200 * S, 60 * S, 600 * S, 280 * S), fill=(250, 248, 240))
    draw.rectangle((230 * S, 90 * S, 570 * S, 250 * S), fill=(120, 180, 220))
    hills(draw, rng, base=210, layers=1)  # (the film, behind the screen's frame)
    draw.rectangle((0, 300 * S, W * S, H * S), fill=(40, 40, 60))
    draw.line((0, 40 * S, W * S, 40 * S), fill=(90, 90, 90), width=2 * S)
    for i in range(16):
        x = (25 + i * 50) * S
        draw.ellipse((x - 9 * S, 40 * S, x + 9 * S, 62 * S), fill=rng.choice(WARM))
    for i in range(11):
        x = (40 + i * 75) * S
        draw.ellipse((x - 30 * S, 400 * S, x + 30 * S, 540 * S), fill=(20, 20, 30))
        draw.ellipse((x - 18 * S, 360 * S, x + 18 * S, 398 * S), fill=(20, 20, 30))
    return image


def cups(rng):
    """Tea glasses and coffee cups on a tray: a coffee morning."""
    image, draw = canvas(rng, sky=((244, 226, 204), (252, 244, 232)))
    draw.rectangle((0, 300 * S, W * S, H * S), fill=(168, 112, 76))
    draw.ellipse((90 * S, 320 * S, 710 * S, 480 * S), fill=(214, 170, 90))
    draw.ellipse((110 * S, 330 * S, 690 * S, 470 * S), fill=(232, 196, 120))
    for i in range(5):
        x, y = (170 + i * 115) * S, (370 + (i % 2) * 40) * S
        if i % 2 == 0:  # a tulip-shaped tea glass, tea inside
            draw.polygon([(x - 28 * S, y - 90 * S), (x + 28 * S, y - 90 * S),
                          (x + 18 * S, y - 40 * S), (x + 26 * S, y), (x - 26 * S, y),
                          (x - 18 * S, y - 40 * S)], fill=(246, 240, 230))  # fmt: skip
            draw.polygon([(x - 24 * S, y - 70 * S), (x + 24 * S, y - 70 * S),
                          (x + 16 * S, y - 40 * S), (x + 22 * S, y - 6 * S),
                          (x - 22 * S, y - 6 * S), (x - 16 * S, y - 40 * S)],
                         fill=(176, 52, 30))  # fmt: skip
            draw.ellipse((x - 40 * S, y - 6 * S, x + 40 * S, y + 12 * S), fill=(200, 200, 210))
        else:  # a coffee cup on its saucer
            draw.ellipse((x - 50 * S, y - 10 * S, x + 50 * S, y + 16 * S), fill=(250, 250, 250))
            draw.rounded_rectangle((x - 32 * S, y - 60 * S, x + 32 * S, y), 14 * S,
                                   fill=rng.choice(WARM))  # fmt: skip
            draw.arc((x + 20 * S, y - 50 * S, x + 50 * S, y - 20 * S), 270, 90,
                     fill=(250, 250, 250), width=6 * S)  # fmt: skip
        for k in (-1, 1):  # steam
            draw.arc((x + k * 10 * S - 10 * S, y - 150 * S, x + k * 10 * S + 10 * S,
                      y - 100 * S), 90, 270, fill=(200, 186, 170), width=4 * S)  # fmt: skip
    return image


def studio(rng):
    """A rehearsal room: speakers and the bars of a mixing desk."""
    image, draw = canvas(rng, sky=((28, 30, 54), (70, 44, 90)))
    for x in (60, 620):
        draw.rounded_rectangle((x * S, 90 * S, (x + 120) * S, 400 * S), 12 * S, fill=(30, 30, 36))
        for y, r in ((170, 38), (310, 54)):
            draw.ellipse(((x + 60 - r) * S, (y - r) * S, (x + 60 + r) * S, (y + r) * S),
                         fill=(70, 70, 84))  # fmt: skip
            draw.ellipse(((x + 60 - r / 3) * S, (y - r / 3) * S, (x + 60 + r / 3) * S,
                          (y + r / 3) * S), fill=(20, 20, 24))  # fmt: skip
    colours = [(80, 200, 160), (240, 200, 80), (240, 110, 90)]
    for i in range(14):
        x = (215 + i * 27) * S
        level = rng.randint(3, 12)
        for k in range(level):
            y = (400 - k * 22) * S
            draw.rounded_rectangle((x, y - 16 * S, x + 20 * S, y), 3 * S,
                                   fill=colours[0 if k < 6 else 1 if k < 10 else 2])  # fmt: skip
    draw.rectangle((0, 420 * S, W * S, H * S), fill=(46, 40, 52))
    return image


def birdhouses(rng):
    """Birdhouses made in the shed, on their poles in a green garden."""
    image, draw = canvas(rng)
    sun(draw, rng, x=680, y=90)
    hills(draw, rng, base=340, layers=2)
    for i in range(4):
        x, top = (120 + i * 180) * S, (150 + rng.randint(-30, 40)) * S
        colour = rng.choice(WARM + [(90, 150, 170)])
        draw.rectangle((x - 6 * S, top + 90 * S, x + 6 * S, 470 * S), fill=(110, 78, 52))
        draw.rectangle((x - 50 * S, top + 10 * S, x + 50 * S, top + 110 * S), fill=colour)
        draw.polygon([(x - 64 * S, top + 16 * S), (x, top - 44 * S), (x + 64 * S, top + 16 * S)],
                     fill=(120, 70, 50))  # fmt: skip
        draw.ellipse((x - 16 * S, top + 40 * S, x + 16 * S, top + 72 * S), fill=(40, 30, 30))
    return image


def cards(rng):
    """Playing cards fanned out beside a pair of dice: a board-game evening."""
    image, draw = canvas(rng, sky=((40, 100, 80), (30, 80, 64)))
    centre = (300 * S, 470 * S)
    for k, angle in enumerate(range(-40, 41, 20)):
        card = Image.new("RGBA", (130 * S, 190 * S), (0, 0, 0, 0))
        face = ImageDraw.Draw(card)
        face.rounded_rectangle((0, 0, 130 * S - 1, 190 * S - 1), 12 * S, fill=(252, 250, 244),
                               outline=(200, 196, 186), width=2 * S)  # fmt: skip
        red = k % 2 == 0
        colour = (196, 40, 50) if red else (30, 30, 40)
        cx, cy = 65 * S, 95 * S
        if red:  # a heart
            face.ellipse((cx - 30 * S, cy - 26 * S, cx + 2 * S, cy + 6 * S), fill=colour)
            face.ellipse((cx - 2 * S, cy - 26 * S, cx + 30 * S, cy + 6 * S), fill=colour)
            face.polygon([(cx - 29 * S, cy - 4 * S), (cx + 29 * S, cy - 4 * S), (cx, cy + 34 * S)],
                         fill=colour)  # fmt: skip
        else:  # a spade
            face.polygon([(cx, cy - 36 * S), (cx + 30 * S, cy + 4 * S), (cx - 30 * S, cy + 4 * S)],
                         fill=colour)  # fmt: skip
            face.ellipse((cx - 30 * S, cy - 10 * S, cx + 2 * S, cy + 20 * S), fill=colour)
            face.ellipse((cx - 2 * S, cy - 10 * S, cx + 30 * S, cy + 20 * S), fill=colour)
            face.polygon([(cx, cy), (cx + 12 * S, cy + 34 * S), (cx - 12 * S, cy + 34 * S)],
                         fill=colour)  # fmt: skip
        turned = card.rotate(-angle, expand=True, resample=Image.Resampling.BICUBIC)
        dx = math.sin(math.radians(angle)) * 170 * S
        dy = -math.cos(math.radians(angle)) * 170 * S
        image.paste(turned, (round(centre[0] + dx - turned.width / 2),
                             round(centre[1] + dy - turned.height / 2)), turned)  # fmt: skip
    for x, y, pips in ((560, 170, 3), (650, 300, 6)):
        x, y, d = x * S, y * S, 90 * S
        draw.rounded_rectangle((x, y, x + d, y + d), 16 * S, fill=rng.choice(WARM))
        spots = {3: [(0.25, 0.25), (0.5, 0.5), (0.75, 0.75)],
                 6: [(0.28, 0.22), (0.28, 0.5), (0.28, 0.78), (0.72, 0.22), (0.72, 0.5),
                     (0.72, 0.78)]}[pips]  # fmt: skip
        for px, py in spots:
            cx, cy = x + px * d, y + py * d
            draw.ellipse((cx - 8 * S, cy - 8 * S, cx + 8 * S, cy + 8 * S), fill=(255, 255, 255))
    return image


#: Which groups have a photo, and what it shows: more than a third of the 64.
SUBJECTS = {
    "buurtmoestuin-de-hoven": garden, "pluktuin-t-broek": garden,
    "zadenbibliotheek-lindewaard": garden, "voedselbos-ter-aa": orchard,
    "dorpsboomgaard-esveld": orchard, "wandelclub-de-stappers": walk,
    "rouwwandelgroep-langs-de-aa": walk, "landschapsploeg-ter-aa": walk,
    "repair-cafe-de-linde": workshop, "fietswerkplaats-de-spaak": workshop,
    "de-mannenschuur-esveld": birdhouses, "fanfare-eendracht-broekhuizen": music,
    "buurtkoor-zing-maar-mee": music, "studio-kelder": studio,
    "de-lange-tafel-oosterpark": meal, "soep-op-zondag-broekhuizen": meal,
    "kahve-en-koffie-de-hoven": cups, "schaakclub-de-toren": games,
    "bordspellenavond-de-dobbelsteen": cards, "breiclub-steek-voor-steek": yarn,
    "naaiatelier-de-draad": yarn, "imkervereniging-de-honingraat": bees,
    "energiecooperatie-aazon": energy, "taalcafe-lindewaard": books,
    "voorleesopas-molenwijk": books, "zomerbios-marktplein": cinema,
}  # fmt: skip


def render(slug: str) -> bytes:
    rng = random.Random(hashlib.sha256(slug.encode()).digest())
    big = SUBJECTS[slug](rng)
    small = big.resize((W, H), Image.Resampling.LANCZOS).filter(ImageFilter.SMOOTH)
    png = io.BytesIO()
    small.save(png, "PNG")
    return process(png.getvalue()).jpeg


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for slug in SUBJECTS:
        data = render(slug)
        (OUT / f"{slug}.jpg").write_bytes(data)
        total += len(data)
    print(f"{len(SUBJECTS)} photos, {total // 1024} KB in {OUT}")


if __name__ == "__main__":
    main()
