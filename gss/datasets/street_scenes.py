"""Generated street scenes labelled with the 11 CamVid classes.

The scenes give the quick start and the end-to-end tests a small,
deterministic dataset that needs no download. Each image is a street seen
from the road: a sky with clouds, building facades with windows converging to
a vanishing point, a road in perspective with lane marks, pavements, trees,
poles with signs, fences, cars, pedestrians, bicyclists and some clutter
labelled void. Colours and textures depend on the class but are jittered per
object and per image, and the whole image gets lighting changes, grain and
blur, so telling classes apart needs shape and context, not a colour lookup.

Files are written in the SegNet layout read by :class:`CamVidDataset` and
:class:`SyntheticStreetDataset` (``gss/datasets/synthetic.py``). This
module is not imported by ``import gss``: ``tools/make_synthetic_dataset.py``
and the tests import it.
"""
import os
import os.path as osp

import cv2
import numpy as np

# Label ids in CamVidDataset.CLASSES order; VOID is CamVid's "Unlabelled".
(SKY, BUILDING, POLE, ROAD, PAVEMENT, TREE, SIGN, FENCE, CAR, PEDESTRIAN,
 BICYCLIST, VOID) = range(12)

SPLITS = (('train', 'trainannot'), ('val', 'valannot'))

_BUILDING_COLOURS = ((150, 80, 60), (190, 170, 140), (120, 120, 125),
                     (200, 195, 185), (110, 85, 60), (170, 120, 90))
_CAR_COLOURS = ((225, 225, 225), (30, 30, 35), (165, 168, 172), (170, 25, 30),
                (35, 60, 140), (30, 70, 50), (210, 180, 40), (185, 170, 140))
_SIGN_COLOURS = ((200, 30, 30), (30, 70, 170), (220, 190, 30), (230, 230, 230),
                 (30, 120, 60))
_FENCE_COLOURS = ((130, 95, 60), (100, 105, 110), (60, 90, 60))
_SKIN_COLOURS = ((225, 190, 160), (190, 140, 110), (120, 85, 60))


def _smooth_noise(rng, height, width, cell):
    """Low-frequency noise of unit scale with blobs about ``cell`` px wide.

    Returns:
        np.ndarray: float32 array of shape (height, width).
    """
    grid_h = max(2, int(height / cell) + 2)
    grid_w = max(2, int(width / cell) + 2)
    grid = rng.standard_normal((grid_h, grid_w)).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


class _Canvas:
    """An RGB image and its label map, painted region by region."""

    def __init__(self, rng, height, width):
        self.rng = rng
        self.h, self.w = height, width
        self.img = np.zeros((height, width, 3), np.float32)
        self.lab = np.full((height, width), VOID, np.uint8)
        self.ys, self.xs = np.mgrid[0:height, 0:width].astype(np.float32)

    def jitter(self, colour, amount=20):
        """Return ``colour`` with independent uniform noise per channel."""
        return np.asarray(colour, np.float32) + self.rng.uniform(
            -amount, amount, 3)

    def choice(self, options):
        return options[self.rng.integers(len(options))]

    def mask(self):
        """An empty uint8 mask to draw on with cv2."""
        return np.zeros((self.h, self.w), np.uint8)

    def empty(self):
        """An empty bool region."""
        return np.zeros((self.h, self.w), bool)

    def poly(self, pts):
        mask = self.mask()
        cv2.fillPoly(mask, [np.round(np.asarray(pts)).astype(np.int32)], 1)
        return mask.astype(bool)

    def circle(self, cx, cy, r, thickness=-1):
        mask = self.mask()
        cv2.circle(mask, (int(round(cx)), int(round(cy))),
                   max(1, int(round(r))), 1, thickness)
        return mask.astype(bool)

    def line(self, x1, y1, x2, y2, thickness):
        mask = self.mask()
        cv2.line(mask, (int(round(x1)), int(round(y1))),
                 (int(round(x2)), int(round(y2))), 1,
                 max(1, int(round(thickness))))
        return mask.astype(bool)

    def rect(self, x1, y1, x2, y2):
        return self.poly([(x1, y1), (x2, y1), (x2, y2), (x1, y2)])

    def paint(self, mask, label, colour, shade=None, grain=0.):
        """Give the pixels in ``mask`` a label and a (textured) colour.

        Args:
            mask (np.ndarray): bool (H, W) region to paint.
            label (int | None): class id; None keeps the labels (texture
                details such as windows or lane marks).
            colour (Sequence[float]): RGB base colour.
            shade (np.ndarray, optional): (H, W) brightness offsets added to
                all channels, e.g. smooth noise or a gradient.
            grain (float): std of per-pixel brightness noise.
        """
        n = int(mask.sum())
        if n == 0:
            return
        value = np.broadcast_to(np.asarray(colour, np.float32), (n, 3))
        if shade is not None:
            value = value + shade[mask][:, None]
        if grain:
            value = value + grain * self.rng.standard_normal((n, 1))
        self.img[mask] = value
        if label is not None:
            self.lab[mask] = label


class _Street:
    """Perspective layout: horizon, vanishing point, road and kerb lines."""

    def __init__(self, canvas):
        rng, h, w = canvas.rng, canvas.h, canvas.w
        self.c = canvas
        self.horizon = h * rng.uniform(0.36, 0.5)
        self.vx = w * rng.uniform(0.38, 0.62)
        # Where the building line (pavement's outer edge) meets each border.
        self.base_y = (h * rng.uniform(0.62, 0.8), h * rng.uniform(0.62, 0.8))
        # Road edges at the bottom row (left, right).
        self.road_x = (w * rng.uniform(0.0, 0.3), w * rng.uniform(0.7, 1.0))

    def depth(self, y):
        """Perspective scale in (0, 1]: 1 at the bottom row."""
        return float(
            np.clip((y - self.horizon) / (self.c.h - self.horizon), 0.05, 1.0))

    def road_edge(self, side, y):
        t = (self.c.h - y) / (self.c.h - self.horizon)
        return self.road_x[side] + (self.vx - self.road_x[side]) * t

    def building_edge(self, side, y):
        """x of the building line at row ``y`` (image border if below)."""
        border = 0.0 if side == 0 else float(self.c.w)
        if y >= self.base_y[side]:
            return border
        t = (self.base_y[side] - y) / (self.base_y[side] - self.horizon)
        return border + (self.vx - border) * t

    def side_point(self, side, t):
        """Point of the building line at fraction ``t`` towards the VP."""
        border = 0.0 if side == 0 else float(self.c.w)
        return (border + (self.vx - border) * t,
                self.base_y[side] + (self.horizon - self.base_y[side]) * t)

    def pavement_point(self, side):
        """Random ground point on a pavement; returns (x, y, depth)."""
        rng = self.c.rng
        y = self.horizon + (self.c.h - self.horizon) * rng.uniform(0.15, 0.95)
        a, b = sorted((self.building_edge(side, y), self.road_edge(side, y)))
        x = rng.uniform(a, b) if b - a > 1 else a
        return x, y, self.depth(y)

    def cycle_point(self):
        """Random point near one road edge; returns (x, y, depth)."""
        rng = self.c.rng
        side = rng.integers(2)
        y = self.horizon + (self.c.h - self.horizon) * rng.uniform(0.3, 1.0)
        inward = 1 - 2 * side
        x = self.road_edge(side, y) + inward * self.c.w * 0.08 * self.depth(y)
        return x, y, self.depth(y)

    def road_point(self):
        """Random ground point on the road; returns (x, y, depth)."""
        rng = self.c.rng
        # Up to 5% below the bottom row: near cars may be cut by the border.
        y = self.horizon + (self.c.h - self.horizon) * rng.uniform(0.12, 1.05)
        a, b = self.road_edge(0, y), self.road_edge(1, y)
        x = rng.uniform(a + 0.1 * (b - a), b - 0.1 * (b - a))
        return x, y, self.depth(y)


def _draw_sky(c, street):
    rng = c.rng
    if rng.random() < 0.5:
        top, low = (95, 140, 205), (190, 205, 225)
    else:
        top, low = (150, 155, 165), (205, 205, 210)
    t = np.clip(c.ys / max(street.horizon, 1.0), 0, 1)[..., None]
    gradient = (1 - t) * c.jitter(top, 15) + t * c.jitter(low, 10)
    clouds = np.clip(_smooth_noise(rng, c.h, c.w, c.h / 5) - 0.3, 0, None)
    c.img[:] = gradient + 35 * clouds[..., None]
    c.img += 3 * rng.standard_normal((c.h, c.w, 1))
    c.lab[:] = SKY


def _draw_buildings(c, street, side):
    rng = c.rng
    horizon = street.horizon
    # One texture per street side; facades differ in colour and windows.
    stains = 10 * _smooth_noise(rng, c.h, c.w, c.h / 8)
    reflection = 25 * _smooth_noise(rng, c.h, c.w, c.h / 10)
    t_start = 0.0
    while t_start < 0.85:
        t_end = min(0.92, t_start + rng.uniform(0.15, 0.4))
        # Top edge converges to the vanishing point like the building line.
        top0 = c.h * rng.uniform(-0.4, 0.2)
        (xa, ya), (xb, yb) = (street.side_point(side, t_start),
                              street.side_point(side, t_end))
        top_a = top0 + (horizon - top0) * t_start
        top_b = top0 + (horizon - top0) * t_end
        facade = c.poly([(xa, top_a), (xb, top_b), (xb, yb), (xa, ya)])
        colour = c.jitter(c.choice(_BUILDING_COLOURS), 25)
        c.paint(facade, BUILDING, colour, shade=stains, grain=4)
        # Windows on a grid in facade coordinates, so they follow perspective.
        u = (c.xs - xa) / (xb - xa)
        top = top_a + (top_b - top_a) * u
        bottom = ya + (yb - ya) * u
        v = (c.ys - top) / np.maximum(bottom - top, 1e-3)
        cols, rows = rng.integers(2, 6), rng.integers(3, 9)
        fu, fv = (u * cols) % 1, (v * rows) % 1
        windows = (
            facade & (fu > 0.25) & (fu < 0.75) & (fv > 0.2) & (fv < 0.65) &
            (v < 0.85))
        glass = c.jitter((60, 70, 85), 20)
        c.paint(windows, None, glass, shade=reflection, grain=6)
        t_start = t_end


def _draw_skyline(c, street):
    """Distant buildings around the vanishing point."""
    width = c.w * c.rng.uniform(0.1, 0.3)
    tall = c.h * c.rng.uniform(0.04, 0.12)
    skyline = c.rect(street.vx - width / 2, street.horizon - tall,
                     street.vx + width / 2, street.horizon + 1)
    c.paint(skyline, BUILDING, c.jitter((150, 150, 155), 20), grain=5)


def _draw_ground(c, street):
    rng = c.rng
    horizon, vx = street.horizon, street.vx
    ground = c.poly([(0, street.base_y[0]), (vx, horizon),
                     (c.w, street.base_y[1]), (c.w, c.h), (0, c.h)])
    tiles = ((c.xs % 6 < 1) | (c.ys % 4 < 1)) * -12.0
    c.paint(
        ground, PAVEMENT, c.jitter((160, 155, 145), 15), shade=tiles, grain=6)
    road = c.poly([(street.road_x[0], c.h), (vx - 0.5, horizon),
                   (vx + 0.5, horizon), (street.road_x[1], c.h)])
    wear = 8 * _smooth_noise(rng, c.h, c.w, c.h / 6)
    c.paint(road, ROAD, c.jitter((85, 85, 90), 12), shade=wear, grain=9)
    kerb_w = max(1, c.h / 80)
    for side in (0, 1):
        kerb = c.line(street.road_x[side], c.h, vx, horizon, kerb_w)
        c.paint(kerb & ~road, PAVEMENT, c.jitter((190, 190, 185), 10), grain=4)
    # Dashed centre line: lane marks are labelled Road, as in CamVid.
    mid = rng.uniform(0.35, 0.65)
    x_bottom = street.road_x[0] + mid * (street.road_x[1] - street.road_x[0])
    dashes = rng.integers(5, 9)
    phase = rng.uniform(0, 1)
    for i in range(dashes):
        t0 = ((i + phase) / dashes)**2
        t1 = ((i + phase + 0.5) / dashes)**2
        y0 = horizon + (c.h - horizon) * t0
        y1 = horizon + (c.h - horizon) * min(t1, 1.0)
        x0 = vx + (x_bottom - vx) * t0
        x1 = vx + (x_bottom - vx) * min(t1, 1.0)
        mark = c.line(x0, y0, x1, y1, max(1, 3 * c.w / 128 * t1)) & road
        c.paint(mark, ROAD, c.jitter((225, 225, 215), 10), grain=5)


def _draw_fence(c, street, side):
    rng = c.rng
    t0 = rng.uniform(0.0, 0.4)
    t1 = t0 + rng.uniform(0.2, 0.45)
    height = c.h * rng.uniform(0.06, 0.12)
    xa, ya = street.side_point(side, t0)
    xb, yb = street.side_point(side, t1)
    shrink = (1 - t0, 1 - t1)
    fence = c.poly([(xa, ya - height * shrink[0]),
                    (xb, yb - height * shrink[1]), (xb, yb), (xa, ya)])
    u = (c.xs - xa) / (xb - xa)
    slats = ((u * rng.integers(10, 25)) % 1 < 0.35) * -35.0
    colour = c.jitter(c.choice(_FENCE_COLOURS), 15)
    c.paint(fence, FENCE, colour, shade=slats, grain=5)


def _draw_tree(c, street, x, y, d):
    rng = c.rng
    trunk_h = c.h * 0.3 * d * rng.uniform(0.8, 1.3)
    trunk_w = max(1, c.w * 0.02 * d)
    trunk = c.rect(x - trunk_w / 2, y - trunk_h, x + trunk_w / 2, y)
    c.paint(trunk, TREE, c.jitter((85, 65, 45), 12), grain=6)
    radius = c.h * 0.16 * d * rng.uniform(0.7, 1.3)
    crown = c.empty()
    for _ in range(rng.integers(4, 8)):
        crown |= c.circle(x + rng.normal(0, radius * 0.5),
                          y - trunk_h - rng.normal(0, radius * 0.4),
                          radius * rng.uniform(0.5, 0.9))
    leaves = (15 * _smooth_noise(rng, c.h, c.w, max(2.0, radius / 2)) +
              20 * rng.standard_normal((c.h, c.w)))
    c.paint(crown, TREE, c.jitter((70, 115, 50), 20), shade=leaves)


def _draw_pole(c, street, x, y, d, with_sign):
    rng = c.rng
    height = c.h * 0.55 * d * rng.uniform(0.8, 1.4)
    width = max(1, c.w * 0.012 * d)
    pole = c.line(x, y, x, y - height, width)
    colour = c.jitter(c.choice(((120, 120, 125), (60, 65, 60))), 15)
    c.paint(pole, POLE, colour, grain=4)
    if not with_sign:
        return
    size = max(2.0, c.h * 0.06 * d)
    cy = y - height * rng.uniform(0.75, 1.0)
    shape = rng.integers(3)
    if shape == 0:
        sign = c.circle(x, cy, size / 2)
    elif shape == 1:
        sign = c.poly([(x - size / 2, cy - size / 2),
                       (x + size / 2, cy - size / 2), (x, cy + size / 2)])
    else:
        # Traffic light: dark box with one lit lamp.
        sign = c.rect(x - size / 3, cy - size, x + size / 3, cy + size / 2)
    c.paint(sign, SIGN, c.jitter(c.choice(_SIGN_COLOURS), 15), grain=5)
    if shape == 2:
        c.paint(sign, None, c.jitter((35, 35, 35), 8), grain=3)
        lamp_y = cy - size * rng.choice((0.6, 0.2, -0.2))
        lamp = c.circle(x, lamp_y, size / 5) & sign
        lit = c.choice(((230, 40, 30), (240, 200, 40), (40, 220, 90)))
        c.paint(lamp, None, lit)


def _draw_car(c, street, x, y, d):
    rng = c.rng
    colour = c.jitter(c.choice(_CAR_COLOURS), 15)
    glass = c.jitter((50, 60, 75), 15)
    if rng.random() < 0.6:
        # Seen from behind: body box, rear window, tail lights, wheels.
        w = c.w * 0.32 * d * rng.uniform(0.85, 1.1)
        h = w * 0.45
        wheel_h = h * 0.25
        body = c.rect(x - w / 2, y - h - wheel_h, x + w / 2, y - wheel_h)
        cabin = c.poly([(x - w * 0.4, y - h - wheel_h),
                        (x - w * 0.3, y - h * 1.75 - wheel_h),
                        (x + w * 0.3, y - h * 1.75 - wheel_h),
                        (x + w * 0.4, y - h - wheel_h)])
        wheels = (
            c.rect(x - w * 0.45, y - wheel_h, x - w * 0.25, y)
            | c.rect(x + w * 0.25, y - wheel_h, x + w * 0.45, y))
        c.paint(body | cabin, CAR, colour, grain=5)
        window = c.poly([(x - w * 0.33, y - h * 1.05 - wheel_h),
                         (x - w * 0.25, y - h * 1.65 - wheel_h),
                         (x + w * 0.25, y - h * 1.65 - wheel_h),
                         (x + w * 0.33, y - h * 1.05 - wheel_h)])
        c.paint(window, None, glass, grain=5)
        for sx in (-1, 1):
            light = c.rect(x + sx * w * 0.45, y - h * 0.85 - wheel_h,
                           x + sx * w * 0.32, y - h * 0.65 - wheel_h)
            c.paint(light, None, c.jitter((200, 30, 30), 15))
        c.paint(wheels, CAR, c.jitter((25, 25, 25), 5), grain=3)
    else:
        # Side view: long body, cabin with windows, two round wheels.
        w = c.w * 0.5 * d * rng.uniform(0.85, 1.1)
        h = w * 0.22
        r = h * 0.45
        direction = rng.choice((-1, 1))
        body = c.rect(x - w / 2, y - h - r, x + w / 2, y - r * 0.6)
        cabin = c.poly([(x - w * 0.3 * direction, y - h - r),
                        (x - w * 0.18 * direction, y - h * 1.9 - r),
                        (x + w * 0.2 * direction, y - h * 1.9 - r),
                        (x + w * 0.33 * direction, y - h - r)])
        c.paint(body | cabin, CAR, colour, grain=5)
        window = c.poly([(x - w * 0.25 * direction, y - h * 1.1 - r),
                         (x - w * 0.16 * direction, y - h * 1.75 - r),
                         (x + w * 0.18 * direction, y - h * 1.75 - r),
                         (x + w * 0.27 * direction, y - h * 1.1 - r)])
        c.paint(window, None, glass, grain=5)
        for wx in (x - w * 0.3, x + w * 0.3):
            wheel = c.circle(wx, y - r, r)
            c.paint(wheel, CAR, c.jitter((25, 25, 25), 5), grain=3)


def _draw_person(c, x, y, height, label, legs=True):
    """Head, torso, arms and (optionally) legs standing at (x, y)."""
    rng = c.rng
    head_r = max(1.0, height * 0.08)
    limb = max(1, height * 0.06)
    top = y - height
    skin = c.jitter(c.choice(_SKIN_COLOURS), 10)
    shirt = rng.uniform(20, 220, 3)
    trousers = rng.uniform(20, 160, 3)
    torso = c.rect(x - height * 0.11, top + head_r * 2, x + height * 0.11,
                   top + height * 0.55)
    shoulder_y, hand_y = top + head_r * 2.2, top + height * 0.5
    hip_y = top + height * 0.55
    arms = c.empty()
    for sx in (-1, 1):
        arms |= c.line(x + sx * height * 0.11, shoulder_y,
                       x + sx * height * 0.2, hand_y, limb)
    c.paint(torso | arms, label, shirt, grain=8)
    if legs:
        stride = height * rng.uniform(0.0, 0.12)
        legs_mask = c.empty()
        for sx in (-1, 1):
            legs_mask |= c.line(x + sx * height * 0.05, hip_y, x + sx * stride,
                                y, limb * 1.3)
        c.paint(legs_mask, label, trousers, grain=8)
    c.paint(c.circle(x, top + head_r, head_r), label, skin, grain=5)


def _draw_pedestrian(c, street, x, y, d):
    _draw_person(c, x, y, c.h * 0.4 * d * c.rng.uniform(0.85, 1.15),
                 PEDESTRIAN)


def _draw_bicyclist(c, street, x, y, d):
    rng = c.rng
    r = c.h * 0.08 * d * rng.uniform(0.85, 1.15)
    limb = max(1, r * 0.25)
    back, front = x - 1.4 * r, x + 1.4 * r
    frame = (
        c.circle(back, y - r, r, thickness=max(1, int(r * 0.3)))
        | c.circle(front, y - r, r, thickness=max(1, int(r * 0.3)))
        | c.line(back, y - r, x, y - r * 2.2, limb)
        | c.line(x, y - r * 2.2, front, y - r, limb)
        | c.line(back, y - r, x + 0.2 * r, y - r, limb))
    c.paint(frame, BICYCLIST, c.jitter((40, 40, 45), 15), grain=5)
    _draw_person(c, x - 0.2 * r, y - r * 1.2, r * 3.2, BICYCLIST, legs=False)
    # One leg on the pedal: hip -> knee -> pedal.
    leg = (
        c.line(x - 0.2 * r, y - r * 2.3, x + 0.5 * r, y - r * 1.6, limb * 1.3)
        | c.line(x + 0.5 * r, y - r * 1.6, x, y - r, limb * 1.3))
    c.paint(leg, BICYCLIST, rng.uniform(20, 160, 3), grain=8)


def _draw_clutter(c, street, x, y, d):
    """Miscellaneous objects CamVid leaves unlabelled (void)."""
    rng = c.rng
    size = c.h * 0.08 * d * rng.uniform(0.6, 1.6)
    if rng.random() < 0.5:
        mask = c.rect(x - size / 2, y - size * 1.3, x + size / 2, y)
    else:
        mask = c.circle(x, y - size / 2, size / 2)
    c.paint(mask, VOID, rng.uniform(30, 230, 3), grain=10)


def _finish(c):
    """Global lighting, shadows, sensor grain and blur; returns uint8 RGB."""
    rng = c.rng
    img = c.img * rng.uniform(0.75, 1.15) + c.jitter((0, 0, 0), 8)
    shadows = np.clip(_smooth_noise(rng, c.h, c.w, c.h / 4), -2, 0)
    img = img * (1 + 0.15 * shadows[..., None])
    img += rng.uniform(2, 7) * rng.standard_normal(img.shape)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def render_street_scene(rng, height, width):
    """Render one street scene and its labels.

    Args:
        rng (np.random.Generator): Source of randomness (all of it).
        height (int): Image height in pixels.
        width (int): Image width in pixels.

    Returns:
        tuple[np.ndarray, np.ndarray]: RGB image (height, width, 3) uint8 and
        label map (height, width) uint8 with CamVid ids 0..10 and 11 (void).
    """
    c = _Canvas(rng, height, width)
    street = _Street(c)
    _draw_sky(c, street)
    if rng.random() < 0.6:
        _draw_skyline(c, street)
    for side in (0, 1):
        _draw_buildings(c, street, side)
    _draw_ground(c, street)
    for side in (0, 1):
        if rng.random() < 0.4:
            _draw_fence(c, street, side)

    def on_pavement():
        return street.pavement_point(rng.integers(2))

    objects = []  # (draw function, (x, y, depth) on the ground, extra args)
    for _ in range(rng.integers(1, 4)):
        objects.append((_draw_tree, on_pavement(), ()))
    for i in range(rng.integers(1, 4)):
        with_sign = i == 0 or rng.random() < 0.5
        objects.append((_draw_pole, on_pavement(), (with_sign, )))
    for _ in range(rng.integers(1, 4)):
        objects.append((_draw_car, street.road_point(), ()))
    for _ in range(rng.integers(1, 4)):
        objects.append((_draw_pedestrian, on_pavement(), ()))
    if rng.random() < 0.5:
        objects.append((_draw_bicyclist, street.cycle_point(), ()))
    for _ in range(rng.integers(1, 4)):
        objects.append((_draw_clutter, on_pavement(), ()))
    # Far to near, so that near objects occlude far ones.
    for draw, point, extra in sorted(objects, key=lambda obj: obj[1][1]):
        draw(c, street, *point, *extra)
    if rng.random() < 0.2:
        # Ego-vehicle bonnet at the bottom edge, void as in CamVid.
        bonnet = c.circle(width / 2, height * 1.6, height * 0.7)
        c.paint(bonnet, VOID, c.jitter((40, 40, 45), 20), grain=4)
    return _finish(c), c.lab


def generate_street_scenes(out_dir,
                           num_train=80,
                           num_val=20,
                           height=96,
                           width=128,
                           seed=0):
    """Write a street-scene dataset in the SegNet (CamVid) layout.

    .. code-block:: none

        out_dir
        ├── train/train_00000.png ...       # RGB images
        ├── trainannot/train_00000.png ...  # uint8 CamVid ids, 11 = void
        ├── val/ ...
        ├── valannot/ ...
        ├── train.txt                       # "train/x.png trainannot/x.png"
        └── val.txt

    Each image has its own random stream seeded by ``(seed, split, index)``,
    so the files are identical for equal arguments and an image does not
    change when more images are requested.

    Args:
        out_dir (str): Output folder (created if missing).
        num_train (int): Number of training images. Default: 80.
        num_val (int): Number of validation images. Default: 20.
        height (int): Image height, at least 32. Default: 96.
        width (int): Image width, at least 32. Default: 128.
        seed (int): Random seed (>= 0). Default: 0.

    Returns:
        dict[str, list[str]]: Image file names written per split.
    """
    for name, value, low in (('num_train', num_train, 0),
                             ('num_val', num_val, 0), ('height', height, 32),
                             ('width', width, 32), ('seed', seed, 0)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, got '
                             f'{value!r}')
    written = {}
    for split_id, (img_dir, ann_dir) in enumerate(SPLITS):
        num = num_train if img_dir == 'train' else num_val
        os.makedirs(osp.join(out_dir, img_dir), exist_ok=True)
        os.makedirs(osp.join(out_dir, ann_dir), exist_ok=True)
        names = []
        for index in range(num):
            rng = np.random.default_rng([seed, split_id, index])
            img, label = render_street_scene(rng, height, width)
            name = f'{img_dir}_{index:05d}.png'
            cv2.imwrite(osp.join(out_dir, img_dir, name), img[..., ::-1])
            cv2.imwrite(osp.join(out_dir, ann_dir, name), label)
            names.append(name)
        with open(osp.join(out_dir, f'{img_dir}.txt'), 'w') as f:
            f.writelines(f'{img_dir}/{n} {ann_dir}/{n}\n' for n in names)
        written[img_dir] = names
    return written
