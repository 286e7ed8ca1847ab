"""Maximal-distance palettes: the ``X`` of GSS's posterior learning.

GSS turns a K-class label map into a colour image (a *maskige*) by giving
class ``k`` the colour ``beta_k``. The paper's *maximal-distance assumption*
picks the K colours as far from each other as possible in RGB space, so that
a VQ-VAE's reconstruction errors rarely move a pixel closer to another
class's colour. That is the classic maximin (spherical code / sphere
packing in a cube) problem

    maximise  min_{i != j} ||beta_i - beta_j||   s.t.  beta in [0, 255]^3.

We solve it in two steps:

1. **Farthest-point initialisation** over a fine RGB grid (step
   ``grid_step``): start from a seeded random grid point and repeatedly add
   the grid point farthest from all chosen ones. This is a 2-approximation
   of the optimum and lands on lattice-like layouts.
2. **Maximin refinement**: every point is pushed away from its neighbours
   with softmin weights ``exp(-(d_ij - d_min) / tau)`` (so the closest pairs
   dominate), the largest move is ``step``; ``step`` and ``tau`` shrink
   geometrically, points are projected back onto the feasible set after
   each move, and the configuration with the largest minimum distance is
   kept.

Colours are finally rounded to uint8 and the distances are recomputed on
the rounded values (rounding moves a colour by at most ``sqrt(3) / 2``).
Everything runs in float64 numpy, so a seed gives the same palette on a
given installation (a different BLAS may round differently, which is why
the shipped palettes are stored as JSON rather than regenerated).

Distances reached with the defaults (seed 0, 1000 iterations; min / mean
nearest-neighbour distance in 0..255 units). The original release's
jittered grids have a min distance of only ~20 (K = 150) and ~19 (194):

=====  ===============  ===================
K      plain            ``avoid_gray=True``
=====  ===============  ===================
11     173.8 / 174.4    167.8 / 169.5
19     129.0 / 136.0    134.6 / 141.4
150    58.7 / 59.5      55.6 / 56.8
194    53.1 / 53.8      49.6 / 51.0
=====  ===============  ===================

The problem is non-convex, so the result is a good local optimum (for
K = 19 the constrained run happens to find a better one than the plain
run).

With ``avoid_gray=True`` the feasible set excludes the cylinder of radius
``gray_radius`` around the grey diagonal ``r = g = b`` (distance of ``p``
from it is ``||p - mean(p)||``). This removes greys, near-black and
near-white colours: low-chroma colours, and where averages of many colours
(e.g. blurred maskige edges) land, so no class should live there.
"""
import numpy as np

#: Points whose RGB distance from the grey axis r = g = b is below this are
#: excluded when ``avoid_gray=True`` (a quarter of the 0..255 range).
GRAY_RADIUS = 64.0


def palette_distances(colors):
    """Minimum and mean nearest-neighbour distances of a palette.

    Args:
        colors (array-like): (K, 3) RGB colours in 0..255 units.

    Returns:
        tuple[float, float]: ``(min_distance, mean_nn_distance)``: the
        smallest pairwise Euclidean distance and the mean over colours of
        the distance to their nearest other colour, in 0..255 RGB units.
        Both are ``inf`` for fewer than two colours.
    """
    colors = np.asarray(colors, dtype=np.float64)
    if colors.ndim != 2 or colors.shape[1] != 3:
        raise ValueError('colors must be a (K, 3) array of RGB values, got '
                         f'shape {colors.shape}')
    if len(colors) < 2:
        return float('inf'), float('inf')
    dist = _pairwise(colors, colors)
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    return float(nearest.min()), float(nearest.mean())


def generate_palette(num_classes,
                     seed=0,
                     avoid_gray=False,
                     iters=1000,
                     grid_step=5,
                     gray_radius=GRAY_RADIUS,
                     ignore_color=None):
    """Generate K colours that are maximally far apart in RGB space.

    Args:
        num_classes (int): Number of colours K to generate.
        seed (int): Seed of the initial grid point; the result is a
            deterministic function of all arguments.
        avoid_gray (bool): Keep colours at least ``gray_radius`` away from
            the grey axis ``r = g = b`` (saturated colours only).
        iters (int): Refinement iterations (0 keeps the farthest-point
            initialisation). About 1 ms each for K = 194.
        grid_step (int): Spacing of the RGB grid searched by the
            farthest-point initialisation.
        gray_radius (float): Radius of the excluded cylinder around the
            grey axis, used when ``avoid_gray=True``.
        ignore_color (array-like, optional): (3,) colour reserved for the
            ignore label. It is a fixed point of the packing, so class
            colours keep away from it too.

    Returns:
        np.ndarray: (K, 3) uint8 colours.
    """
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(
            f'num_classes must be a positive integer, got {num_classes!r}')
    if not 1 <= grid_step <= 255:
        raise ValueError(f'grid_step must be in 1..255, got {grid_step}')
    anchors = np.zeros((0, 3))
    if ignore_color is not None:
        anchors = np.asarray(ignore_color, dtype=np.float64).reshape(1, 3)

    axis = np.unique(np.append(np.arange(0, 256, grid_step), 255))
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing='ij'),
                    axis=-1).reshape(-1, 3).astype(np.float64)
    if avoid_gray:
        grid = grid[_gray_distance(grid) >= gray_radius]
    if len(grid) < num_classes:
        raise ValueError(
            f'cannot place {num_classes} colours on an RGB grid of '
            f'{len(grid)} usable points: lower grid_step (now {grid_step})'
            + (' or gray_radius' if avoid_gray else ''))

    rng = np.random.default_rng(seed)
    points = _farthest_points(grid, num_classes, anchors, rng)
    if iters > 0 and num_classes > 1:
        points = _refine(points, anchors, iters,
                         gray_radius if avoid_gray else None)
    colors = np.clip(np.rint(points), 0, 255).astype(np.uint8)
    if len(np.unique(colors, axis=0)) != num_classes:
        raise RuntimeError(
            f'{num_classes} colours do not fit in RGB space with distinct '
            'uint8 values; use fewer classes')
    return colors


def _pairwise(a, b):
    """(N, M) Euclidean distances between rows of ``a`` and ``b``."""
    return np.sqrt(((a[:, None, :] - b[None, :, :])**2).sum(-1))


def _gray_distance(points):
    """Distance of each (N, 3) point from the grey axis r = g = b."""
    return np.linalg.norm(points - points.mean(axis=1, keepdims=True),
                          axis=1)


def _farthest_points(grid, num, anchors, rng):
    """Greedy farthest-point sampling of ``num`` grid points.

    The first point is a seeded random grid point; every further point is
    the grid point farthest from the anchors and the points chosen so far.
    """
    # Squared distances are enough to find the farthest point.
    sq_norms = (grid**2).sum(axis=1)
    nearest = np.full(len(grid), np.inf)

    def add(point):
        dist2 = sq_norms - 2 * grid @ point + point @ point
        np.minimum(nearest, dist2, out=nearest)

    for anchor in anchors:
        add(anchor)
    chosen = []
    for _ in range(num):
        idx = int(np.argmax(nearest)) if chosen else int(
            rng.integers(len(grid)))
        chosen.append(idx)
        add(grid[idx])
    return grid[chosen]


def _project(points, gray_radius):
    """Project points onto the feasible set (cube minus grey cylinder)."""
    points = np.clip(points, 0.0, 255.0)
    if gray_radius is None:
        return points
    # Push points radially out of the cylinder; clipping to the cube can
    # pull a point near black/white back in, so repeat (converges in 2-3).
    # The +1 margin keeps the constraint after rounding to uint8.
    target = gray_radius + 1.0
    for _ in range(8):
        mean = points.mean(axis=1, keepdims=True)
        radial = points - mean
        dist = np.linalg.norm(radial, axis=1)
        inside = dist < target
        if not inside.any():
            break
        # A point exactly on the axis has no radial direction: use red.
        radial[inside & (dist == 0)] = [2.0, -1.0, -1.0]
        dist = np.linalg.norm(radial, axis=1)
        points[inside] = np.clip(
            mean[inside] + radial[inside] * (target / dist[inside])[:, None],
            0.0, 255.0)
    return points


def _refine(points, anchors, iters, gray_radius):
    """Softmin-weighted repulsion that increases the minimum distance."""
    num = len(points)
    best, best_min = points, palette_distances(
        np.concatenate([points, anchors]))[0]
    # Moves start at a tenth of the spacing and end at ~1/1000 of it; the
    # softmin temperature shrinks alike so late steps only see the closest
    # pairs.
    step0, step1 = 0.1 * best_min, 1e-3 * best_min
    tau0, tau1 = 0.1 * best_min, 5e-3 * best_min
    for it in range(iters + 1):
        others = np.concatenate([points, anchors])
        # Gram-matrix distances avoid a (K, K, 3) difference tensor.
        sq = (others**2).sum(axis=1)
        dist = np.sqrt(np.maximum(
            sq[:num, None] + sq[None, :] - 2 * points @ others.T, 0.0))
        dist[np.arange(num), np.arange(num)] = np.inf
        d_min = dist.min()
        if d_min > best_min:
            best, best_min = points, d_min
        if it == iters:
            break
        frac = it / max(iters - 1, 1)
        step = step0 * (step1 / step0)**frac
        tau = tau0 * (tau1 / tau0)**frac
        # force_i = sum_j w_ij (p_i - p_j) / d_ij, as two matrix products.
        coef = np.exp(-(dist - d_min) / tau) / dist
        force = points * coef.sum(axis=1, keepdims=True) - coef @ others
        norm = np.linalg.norm(force, axis=1).max()
        if norm == 0:
            break
        points = _project(points + force * (step / norm), gray_radius)
    return best
