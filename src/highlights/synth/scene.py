"""Scenes: the static background of a shot, rendered once as a wide panorama.

The world is seen through a pinhole camera at height `cam_height` looking level: a point
(X, Y, Z) — X right, Y up, Z away from the camera, metres — lands on panorama pixel
u = focal * X / Z, v = focal * (cam_height - Y) / Z (relative to the horizon at v = 0). The
camera's pan, zoom and shake are a per-frame affine map from the panorama to the frame, so a
shot's background is drawn once and each frame is one `cv2.warpAffine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from highlights.synth.body import SKIN_TONES

SPORT_SCENES: dict[str, tuple[str, ...]] = {
    "baseball": ("infield",),
    "basketball": ("indoor_court", "outdoor_court"),
    "soccer": ("grass",),
}
LINE_WHITE = (236, 236, 230)


@dataclass(frozen=True)
class Projector:
    focal: float          # pixels per (metre / metre of depth) at zoom 1
    cam_height: float     # metres

    def to_pano(self, x, y, z):
        z = np.maximum(np.asarray(z, dtype=float), 0.05)
        return (self.focal * np.asarray(x, dtype=float) / z,
                self.focal * (self.cam_height - np.asarray(y, dtype=float)) / z)

    def scale_at(self, z: float) -> float:
        """Panorama pixels per metre at depth z."""
        return self.focal / max(z, 0.05)


@dataclass
class SceneSpec:
    """What a shot's background looks like; `fixtures` are hoops, goals and the plate."""

    sport: str
    kind: str
    seed: int
    ground: tuple[int, int, int]
    ground_alt: tuple[int, int, int]
    sky: tuple[int, int, int]
    far: tuple[int, int, int]
    far_depth: float
    accent: tuple[int, int, int]
    actor_depth: float
    fixtures: list[dict] = field(default_factory=list)
    brightness: float = 1.0
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)


def sample_scene(rng: np.random.Generator, sport: str, *, kind: str | None = None,
                 actor_depth: float | None = None) -> SceneSpec:
    kind = kind or str(rng.choice(SPORT_SCENES[sport]))
    def jitter(c, s=14):
        return tuple(int(np.clip(v + rng.integers(-s, s + 1), 0, 255)) for v in c)
    if kind == "grass":
        ground = jitter((58, 128, 52), 18)
        alt = tuple(int(v * 0.88) for v in ground)
        sky, far, far_depth = jitter((150, 190, 230), 20), jitter((60, 90, 60), 20), float(rng.uniform(70, 120))
    elif kind == "infield":
        ground = jitter((70, 135, 60), 15)
        alt = jitter((176, 128, 84), 14)     # the dirt
        sky, far, far_depth = jitter((160, 196, 232), 20), jitter((40, 90, 60), 15), float(rng.uniform(80, 120))
    elif kind == "indoor_court":
        ground = jitter((200, 160, 110), 20)
        alt = jitter((150, 40, 40) if rng.random() < 0.5 else (40, 70, 150), 20)   # the paint
        sky, far, far_depth = jitter((90, 90, 100), 25), jitter((190, 185, 170), 25), float(rng.uniform(14, 22))
    else:  # outdoor court
        ground = jitter((95, 100, 105), 15) if rng.random() < 0.5 else jitter((60, 110, 90), 15)
        alt = jitter((150, 60, 50), 20)
        sky, far, far_depth = jitter((150, 190, 230), 20), jitter((70, 100, 70), 20), float(rng.uniform(18, 35))
    accent = tuple(int(v) for v in rng.integers(40, 230, size=3))
    return SceneSpec(sport=sport, kind=kind, seed=int(rng.integers(2**31)), ground=ground,
                     ground_alt=alt, sky=sky, far=far, far_depth=far_depth, accent=accent,
                     actor_depth=float(actor_depth if actor_depth is not None else rng.uniform(8.0, 14.0)),
                     brightness=float(rng.uniform(0.85, 1.12)),
                     tint=tuple(float(v) for v in rng.uniform(0.93, 1.07, size=3)))


def _soft(dist_px: np.ndarray, width_px: np.ndarray | float) -> np.ndarray:
    """Anti-aliased coverage of a line of width `width_px` at pixel distance `dist_px`."""
    return np.clip(np.asarray(width_px) * 0.5 - np.abs(dist_px) + 0.5, 0.0, 1.0)


def _paint(img: np.ndarray, mask: np.ndarray, colour) -> None:
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return
    sl = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    m = mask[sl][..., None].astype(np.float32)
    part = img[sl]
    part *= 1 - m
    part += np.asarray(colour, dtype=np.float32) * m


def _value_noise(rng: np.random.Generator, h: int, w: int, cell: int, amp: float) -> np.ndarray:
    small = rng.normal(0.0, amp, size=(max(2, h // cell + 2), max(2, w // cell + 2))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def render_panorama(spec: SceneSpec, proj: Projector, origin: tuple[int, int],
                    size: tuple[int, int]) -> np.ndarray:
    """The background over panorama pixels [u0, u0+w) x [v0, v0+h) (relative coordinates)."""
    u0, v0 = origin
    w, h = size
    rng = np.random.default_rng(spec.seed)
    img = np.empty((h, w, 3), np.float32)
    vs = np.arange(v0, v0 + h, dtype=np.float32) + 0.5
    us = np.arange(u0, u0 + w, dtype=np.float32) + 0.5
    # Sky or ceiling: a vertical gradient.
    grad = np.clip((vs - vs.min()) / max(1.0, float(vs.max() - vs.min())), 0, 1)[:, None, None]
    sky = np.asarray(spec.sky, np.float32)
    img[:] = sky * (0.85 + 0.2 * grad)

    f, ch = proj.focal, proj.cam_height
    # The far backdrop: a wall (indoor) or trees / stands / fence, standing at far_depth.
    top_y = {"indoor_court": 9.0, "outdoor_court": 4.0, "grass": 9.0, "infield": 3.5}[spec.kind]
    far_top = f * (ch - top_y) / spec.far_depth
    far_bottom = f * ch / spec.far_depth
    rows = (vs >= far_top) & (vs < far_bottom)
    far_rows = np.nonzero(rows)[0]
    if far_rows.size:
        band = img[far_rows[0]: far_rows[-1] + 1]
        band[:] = np.asarray(spec.far, np.float32)
        noise = _value_noise(rng, band.shape[0], band.shape[1], max(4, int(f * 0.6 / spec.far_depth)), 18)
        band += noise[..., None]
        if spec.kind in ("indoor_court", "grass"):
            _draw_stands(band, rng, spec, us, vs[far_rows], f, ch)
    # Ground: every pixel below the backdrop's foot maps to a point (X, Z) on the floor.
    ground_rows = np.nonzero(vs >= max(far_bottom, 1.0))[0]
    if ground_rows.size:
        gv = vs[ground_rows]
        z = (f * ch / gv)[:, None] * np.ones((1, w), np.float32)
        x = us[None, :] * z / f
        g = img[ground_rows[0]:]
        _paint_ground(g, rng, spec, x, z, f, ch)
    # Lighting of the whole scene (white balance and exposure of this camera).
    img *= np.asarray(spec.tint, np.float32) * spec.brightness
    out = np.clip(img, 0, 255).astype(np.uint8)
    for fixture in spec.fixtures:
        _draw_fixture(out, fixture, proj, origin, spec)
    return out


def _draw_stands(band: np.ndarray, rng, spec: SceneSpec, us, vs, f, ch) -> None:
    """Rows of spectators (coloured dots) or banners on the backdrop."""
    h, w = band.shape[:2]
    step = max(2, int(f * 0.45 / spec.far_depth))
    if spec.kind == "indoor_court":
        # Banners along the wall and a band of bleachers below them.
        for _ in range(max(1, w // 300)):
            x = int(rng.integers(0, w))
            bw, bh = int(rng.integers(step * 4, step * 10)), int(rng.integers(step * 2, step * 4))
            y = int(rng.integers(0, max(1, h // 3)))
            colour = tuple(int(c) for c in rng.integers(30, 230, size=3))
            cv2.rectangle(band, (x, y), (x + bw, y + bh), colour, -1)
    # Spectators in rows on the lower half of the backdrop, in muted colours.
    top = h // 2
    ny, nx = max(1, (h - top) // step), max(1, w // step + 1)
    grey = np.array([120, 120, 120], np.float32)
    colours = 0.55 * rng.integers(20, 240, size=(ny, nx, 3)).astype(np.float32) + 0.45 * grey
    present = rng.random((ny, nx)) < 0.65
    if step < 6:
        # Too small for shapes: a coarse grid of colours, scaled up without smoothing.
        crowd = np.where(present[..., None], colours, band[top, 0])
        big = cv2.resize(crowd.astype(np.float32), (nx * step, ny * step), interpolation=cv2.INTER_NEAREST)
        rows = min(big.shape[0], h - top)
        band[top: top + rows] = big[:rows, :w]
        return
    skins = rng.integers(0, 8, size=(ny, nx))
    for j in range(ny):
        y = top + j * step
        for i in np.nonzero(present[j])[0]:
            x = int(i * step + rng.integers(0, max(1, step // 3)))
            c = tuple(float(v) for v in colours[j, i])
            cv2.ellipse(band, (x + step // 2, y + step), (step // 2 - 1, step // 2), 0, 180, 360, c, -1, cv2.LINE_AA)
            cv2.circle(band, (x + step // 2, y + step // 3), max(1, step // 4), SKIN_TONES[int(skins[j, i])], -1,
                       cv2.LINE_AA)


def _paint_ground(g: np.ndarray, rng, spec: SceneSpec, x: np.ndarray, z: np.ndarray, f: float, ch: float) -> None:
    base = np.asarray(spec.ground, np.float32)
    g[:] = base
    px_per_m = f / z                     # lateral pixels per metre at each pixel's depth
    if spec.kind in ("grass", "infield"):
        stripes = (np.floor(z / 5.0) % 2 == 1) if spec.kind == "grass" else (np.floor(x / 6.0) % 2 == 1)
        g[stripes] *= 0.9
    if spec.kind == "indoor_court":
        # Planks run along X: thin darker lines every ~0.25 m of depth, fading with distance.
        plank = np.abs(((z / 0.25) % 1.0) - 0.5) * 0.25 * f * ch / (z * z)
        g *= (1 - 0.08 * _soft(plank, 1.0))[..., None]
    noise = _value_noise(rng, g.shape[0], g.shape[1], 6, 9.0)
    g += noise[..., None]
    fine = rng.normal(0.0, 4.0, size=g.shape[:2]).astype(np.float32)
    g += fine[..., None]
    lat = lambda d: d * px_per_m  # noqa: E731  metres across -> pixels
    dep = lambda d: d * f * ch / (z * z)  # noqa: E731  metres of depth -> pixels
    a = spec.actor_depth
    # A near sideline in front of everything.
    side_z = a - float(rng.uniform(2.5, 4.5))
    _paint(g, _soft(dep(z - side_z), dep(0.1)), LINE_WHITE)
    if spec.kind == "infield":
        for fix in spec.fixtures:
            if fix["type"] == "plate":
                px, pz, fc = fix["x"], fix["depth"], fix.get("facing", 1)
                circle = np.hypot(x - px, (z - pz) * 1.0) < 4.2
                infield = ((x - px) * fc > 12) & ((x - px) * fc < 40) & (np.abs(z - pz) < 20)
                dirt = circle | infield
                _paint(g, dirt.astype(np.float32) * 0.92, spec.ground_alt)
                # Batter's boxes and the foul lines.
                for dz in (-0.9, 0.9):
                    box = (np.abs(x - px) < 0.9) & (np.abs(z - (pz + dz) ) < 0.6)
                    edge = box & ((np.abs(np.abs(x - px) - 0.9) * px_per_m < 1.2) |
                                  (np.abs(np.abs(z - (pz + dz)) - 0.6) * f * ch / z ** 2 < 1.2))
                    _paint(g, edge.astype(np.float32), LINE_WHITE)
                for sign in (-1, 1):
                    d = (x - px) * fc - sign * (z - pz)
                    mask = _soft(lat(d / np.sqrt(2)), lat(0.08)) * ((x - px) * fc > 0)
                    _paint(g, mask, LINE_WHITE)
    elif spec.kind in ("indoor_court", "outdoor_court"):
        for fix in spec.fixtures:
            if fix["type"] == "hoop":
                hx, hz, fc = fix["x"], fix["depth"], fix["facing"]
                base_x = hx + fc * 1.2            # baseline under the backboard's far side
                key = ((x - base_x) * fc < 0) & ((x - base_x) * fc > -5.8) & (np.abs(z - hz) < 2.45)
                _paint(g, key.astype(np.float32) * 0.85, spec.ground_alt)
                _paint(g, _soft(lat(x - base_x), lat(0.05)) * (np.abs(z - hz) < 8), LINE_WHITE)
                ft = base_x - fc * 5.8
                _paint(g, _soft(lat(x - ft), lat(0.05)) * (np.abs(z - hz) < 2.45), LINE_WHITE)
                arc = np.hypot(x - hx, z - hz) - 6.75
                _paint(g, _soft(lat(arc), lat(0.05)) * ((x - base_x) * fc < 0), LINE_WHITE)
    else:  # grass: goal area markings in front of a goal
        for fix in spec.fixtures:
            if fix["type"] == "goal":
                gx, gz = fix["x"], fix["depth"]
                goal_line = _soft(dep(z - gz), dep(0.12)) * (np.abs(x - gx) < 25)
                _paint(g, goal_line, LINE_WHITE)
                for half, deep in ((20.16, 16.5), (9.16, 5.5)):
                    inside = (z > gz - deep) & (z < gz)
                    _paint(g, _soft(lat(np.abs(x - gx) - half), lat(0.12)) * inside, LINE_WHITE)
                    _paint(g, _soft(dep(z - (gz - deep)), dep(0.12)) * (np.abs(x - gx) < half), LINE_WHITE)


def _line(img, proj: Projector, origin, p, q, colour, width_m: float, depth: float) -> None:
    u0, v0 = origin
    (ua, va), (ub, vb) = (proj.to_pano(*p), proj.to_pano(*q))
    th = max(1, int(round(width_m * proj.scale_at(depth))))
    cv2.line(img, (int(round((float(ua) - u0) * 16)), int(round((float(va) - v0) * 16))),
             (int(round((float(ub) - u0) * 16)), int(round((float(vb) - v0) * 16))),
             colour, th, cv2.LINE_AA, shift=4)


def _draw_fixture(img: np.ndarray, fix: dict, proj: Projector, origin, spec: SceneSpec) -> None:
    kind = fix["type"]
    if kind == "goal":
        gx, gz = fix["x"], fix["depth"]
        net = (200, 200, 200)
        back = gz + 1.8
        # Net: a grid between the frame and the back of the goal.
        for i in np.linspace(-3.66, 3.66, 15):
            _line(img, proj, origin, (gx + i, 0, back), (gx + i, 1.4, back), net, 0.02, back)
            _line(img, proj, origin, (gx + i, 2.44, gz), (gx + i, 1.4, back), net, 0.02, back)
        for y in np.linspace(0.2, 1.4, 6):
            _line(img, proj, origin, (gx - 3.66, y, back), (gx + 3.66, y, back), net, 0.02, back)
        white = (245, 245, 245)
        for sx in (-3.66, 3.66):
            _line(img, proj, origin, (gx + sx, 0, gz), (gx + sx, 2.44, gz), white, 0.12, gz)
        _line(img, proj, origin, (gx - 3.66, 2.44, gz), (gx + 3.66, 2.44, gz), white, 0.12, gz)
    elif kind == "hoop":
        hx, hz, fc = fix["x"], fix["depth"], fix["facing"]
        pole = (70, 70, 80)
        board_x = hx + fc * 0.38
        stand_x = hx + fc * 1.6
        _line(img, proj, origin, (stand_x, 0, hz), (stand_x, 3.5, hz), pole, 0.16, hz)
        _line(img, proj, origin, (stand_x, 3.4, hz), (board_x, 3.3, hz), pole, 0.1, hz)
        # The backboard seen nearly edge-on: a narrow white panel with a dark rim.
        u0, v0 = origin
        corners = [proj.to_pano(board_x + fc * dx, y, hz) for dx, y in
                   ((-0.05, 2.9), (0.1, 2.9), (0.1, 3.95), (-0.05, 3.95))]
        poly = np.array([[(float(u) - u0) * 16, (float(v) - v0) * 16] for u, v in corners], np.int32)
        cv2.fillConvexPoly(img, poly, (240, 240, 240), cv2.LINE_AA, shift=4)
        cv2.polylines(img, [poly], True, (40, 40, 40), 1, cv2.LINE_AA, shift=4)
        _line(img, proj, origin, (board_x, 3.05, hz), (hx + fc * 0.23, 3.05, hz), (230, 90, 20), 0.03, hz)
        # Rim (an ellipse seen from the side) and the net hanging below it.
        cu, cv_ = proj.to_pano(hx, 3.05, hz)
        s = proj.scale_at(hz)
        centre = (int(round((float(cu) - u0) * 16)), int(round((float(cv_) - v0) * 16)))
        axes = (max(1, int(round(0.23 * s * 16))), max(1, int(round(0.05 * s * 16))))
        th = max(1, int(round(0.035 * s)))
        for dx in np.linspace(-0.2, 0.2, 5):
            _line(img, proj, origin, (hx + dx, 3.03, hz), (hx + dx * 0.55, 2.62, hz), (235, 235, 235), 0.015, hz)
        cv2.ellipse(img, centre, axes, 0, 0, 360, (230, 90, 20), th, cv2.LINE_AA, shift=4)
    elif kind == "plate":
        px, pz = fix["x"], fix["depth"]
        u0, v0 = origin
        pts = [proj.to_pano(px + dx, 0.0, pz + dz) for dx, dz in
               ((-0.22, -0.22), (0.22, -0.22), (0.22, 0.1), (0.0, 0.25), (-0.22, 0.1))]
        poly = np.array([[(float(u) - u0) * 16, (float(v) - v0) * 16] for u, v in pts], np.int32)
        cv2.fillPoly(img, [poly], (245, 245, 245), cv2.LINE_AA, shift=4)


def fixture_landmarks(fix: dict) -> list[tuple[str, tuple[float, float, float]]]:
    """World points of a fixture that ground truth reports (rim centre, goal corners)."""
    if fix["type"] == "hoop":
        return [("rim", (fix["x"], 3.05, fix["depth"]))]
    if fix["type"] == "goal":
        gx, gz = fix["x"], fix["depth"]
        return [("goal_top_left", (gx - 3.66, 2.44, gz)), ("goal_bottom_right", (gx + 3.66, 0.0, gz))]
    return []
