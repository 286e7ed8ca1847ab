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

**Blend-aware palettes** (``avoid_blends``). Where a decoder mixes two
class colours at a boundary it outputs a point of the segment between them;
if that segment passes close to a third colour, nearest-colour decoding
returns the third class (CamVid's maximal-distance palette: the Road/Pavement
midpoint is 11.5 from Bicyclist). With ``avoid_blends`` the maximin also
covers, for the given pairs (i, j) and every other colour k, the *blend
margin* of :func:`blend_margins`, ``min_t ||x_t - beta_k|| - min(||x_t -
beta_i||, ||x_t - beta_j||)`` over the blends ``x_t``, taken relative to
``||beta_i - beta_j||`` (times 255, so that shrinking the palette does not
pay): a positive margin means no mix of i and j decodes to k. The ignore
colour takes part as colour K. Not every pair can have it: a palette
whose triangles are all acute has at most 5 colours in 3-D, so give the
pairs that matter, the classes that touch most often in the training label
maps (:func:`class_adjacency`, :func:`adjacent_pairs`); with too many pairs
the maximin would merge colours, which is refused. Keeping colours away from
the segments alone (:func:`blend_distance`) is not enough: a colour 50 away
from a 200-long segment still captures its midpoint.

With ``avoid_gray=True`` the feasible set excludes the cylinder of radius
``gray_radius`` around the grey diagonal ``r = g = b`` (distance of ``p``
from it is ``||p - mean(p)||``). This removes greys, near-black and
near-white colours: low-chroma colours, and where averages of many colours
(e.g. blurred maskige edges) land, so no class should live there.
"""
import numpy as np

#: Samples of the blend weight t when measuring blend margins.
BLEND_STEPS = 33

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


def blend_distance(colors, pairs=None):
    """Smallest distance of a colour from a blend of two other colours.

    A blend of colours i and j is a point of the segment between them (what
    a decoder outputs where it mixes the two classes).

    Args:
        colors (array-like): (N, 3) RGB colours in 0..255 units (class
            colours, optionally followed by the ignore colour).
        pairs (array-like, optional): (P, 2) index pairs whose blends count;
            None: all pairs.

    Returns:
        tuple[float, tuple[int, int, int]]: the distance (``inf`` for fewer
        than three colours) and the ``(k, i, j)`` that attain it: colour k
        is that close to the blend of colours i and j.
    """
    colors = np.asarray(colors, dtype=np.float64)
    if colors.ndim != 2 or colors.shape[1] != 3:
        raise ValueError('colors must be a (N, 3) array of RGB values, got '
                         f'shape {colors.shape}')
    pairs = _blend_pairs('all' if pairs is None else pairs, len(colors))
    if len(colors) < 3 or pairs is None:
        return float('inf'), (-1, -1, -1)
    dist = _segment_distances(colors, pairs)[0]
    m, k = np.unravel_index(int(np.argmin(dist)), dist.shape)
    return float(dist[m, k]), (int(k), *(int(v) for v in pairs[m]))


def class_adjacency(label_maps, num_classes):
    """Count how often two classes touch in label maps.

    Args:
        label_maps (iterable[array-like]): (H, W) integer label maps; ids
            ``>= num_classes`` (void, ignore) all count as class
            ``num_classes`` (the ignore colour of a palette).
        num_classes (int): Number of classes K.

    Returns:
        np.ndarray: (K + 1, K + 1) int64, symmetric: entry (i, j) is the
        number of horizontally or vertically adjacent pixel pairs with
        labels i and j (zero diagonal).
    """
    size = num_classes + 1
    counts = np.zeros(size * size, dtype=np.int64)
    for labels in label_maps:
        labels = np.asarray(labels)
        if labels.ndim != 2 or labels.dtype.kind not in 'ui' or (
                labels.size and labels.min() < 0):
            raise ValueError('label maps must be (H, W) arrays of '
                             f'non-negative integers, got shape '
                             f'{labels.shape} of {labels.dtype}')
        labels = np.minimum(labels.astype(np.int64), num_classes)
        for a, b in ((labels[:, 1:], labels[:, :-1]),
                     (labels[1:], labels[:-1])):
            change = a != b
            counts += np.bincount(a[change] * size + b[change],
                                  minlength=size * size)
    counts = counts.reshape(size, size)
    return counts + counts.T


def adjacent_pairs(adjacency, min_share=0.0):
    """Class pairs that touch in label maps.

    Args:
        adjacency (np.ndarray): (N, N) symmetric counts of
            :func:`class_adjacency`.
        min_share (float): Keep pairs holding more than this share of all
            class boundaries (0: every pair that touches at all).

    Returns:
        np.ndarray: (P, 2) int64 pairs ``i < j``.
    """
    adjacency = np.asarray(adjacency)
    if adjacency.ndim != 2 or adjacency.shape[0] != adjacency.shape[1]:
        raise ValueError('adjacency must be a square (N, N) count matrix, '
                         f'got shape {adjacency.shape}')
    upper = np.triu(adjacency, k=1)
    total = upper.sum()
    return np.argwhere(upper > min_share * total) if total else \
        np.zeros((0, 2), dtype=np.int64)


def generate_palette(num_classes,
                     seed=0,
                     avoid_gray=False,
                     iters=1000,
                     grid_step=5,
                     gray_radius=GRAY_RADIUS,
                     ignore_color=None,
                     avoid_blends=None):
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
        avoid_blends (str | array-like, optional): Also keep every colour
            away from the blends (segments) of pairs of other colours:
            ``'all'`` pairs, or (P, 2) class index pairs, e.g. the
            neighbours of :func:`adjacent_pairs`; index K stands for the
            ignore colour (then ``ignore_color`` is required). None: the
            plain maximal-distance palette.

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

    pairs = _blend_pairs(avoid_blends, num_classes + len(anchors))
    rng = np.random.default_rng(seed)
    points = _farthest_points(grid, num_classes, anchors, rng)
    if iters > 0 and num_classes > 1:
        points = _refine(points, anchors, iters,
                         gray_radius if avoid_gray else None, pairs)
        if pairs is not None and _min_distance(points, anchors, pairs) <= 0:
            raise ValueError(
                f'the blends of the {len(pairs)} avoid_blends pairs cannot '
                'all be kept out of the other colours (the optimum merges '
                'colours): give fewer pairs, e.g. adjacent_pairs() with a '
                'larger min_share')
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


def _blend_pairs(avoid_blends, num_colors):
    """Validate ``avoid_blends`` as (P, 2) indices into ``num_colors``."""
    if avoid_blends is None:
        return None
    if isinstance(avoid_blends, str):
        if avoid_blends != 'all':
            raise ValueError("avoid_blends must be None, 'all' or (P, 2) "
                             f'index pairs, got {avoid_blends!r}')
        return np.array(np.triu_indices(num_colors, k=1)).T
    pairs = np.asarray(avoid_blends)
    if pairs.size == 0:
        return None
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in \
            'ui' or pairs.min() < 0 or pairs.max() >= num_colors or (
                pairs[:, 0] == pairs[:, 1]).any():
        raise ValueError(
            'avoid_blends pairs must be (P, 2) integers (i, j), i != j, in '
            f'0..{num_colors - 1} (the classes, then the ignore colour if '
            f'one is given), got {pairs.tolist()[:5]}')
    return pairs.astype(np.int64)


def _segment_distances(colors, pairs):
    """Distances of every colour from the segments between pairs.

    Args:
        colors (np.ndarray): (N, 3) float64.
        pairs (np.ndarray): (P, 2) indices into ``colors``.

    Returns:
        tuple: ``dist`` (P, N), ``inf`` where the colour is an end point of
        the pair; ``t`` (P, N) in [0, 1], where the nearest point
        ``c_i + t (c_j - c_i)`` lies; ``offset`` (P, N, 3), the colour
        minus that point.
    """
    start = colors[pairs[:, 0]]
    span = colors[pairs[:, 1]] - start  # (P, 3)
    rel = colors[None] - start[:, None]  # (P, N, 3)
    length2 = np.maximum((span * span).sum(axis=1), 1e-12)
    t = np.clip(np.einsum('pnc,pc->pn', rel, span) / length2[:, None], 0, 1)
    offset = rel - t[..., None] * span[:, None]
    dist = np.linalg.norm(offset, axis=-1)
    rows = np.arange(len(pairs))
    dist[rows, pairs[:, 0]] = np.inf
    dist[rows, pairs[:, 1]] = np.inf
    return dist, t, offset


def blend_margins(colors, pairs, steps=BLEND_STEPS):
    """Decoding margins of the blends of ``pairs`` against every colour.

    For colour k and the blend ``x_t = c_i + t (c_j - c_i)`` of a pair, the
    margin is ``min_t ||x_t - c_k|| - min(||x_t - c_i||, ||x_t - c_j||)``
    over ``steps`` values of t in [0, 1]: where it is negative, nearest-
    colour decoding turns that mix of i and j into class k. (It equals the
    pairwise distance at t = 0, so it is never above it.)

    Args:
        colors (np.ndarray): (N, 3) float64 colours.
        pairs (np.ndarray): (P, 2) indices into ``colors``.
        steps (int): Samples of t.

    Returns:
        tuple: ``margin`` (P, N), ``inf`` where the colour is an end point
        of the pair; ``t`` (P, N), the sample attaining it.
    """
    start = colors[pairs[:, 0]]
    span = colors[pairs[:, 1]] - start  # (P, 3)
    t = np.linspace(0.0, 1.0, steps)
    blends = start[:, None] + t[None, :, None] * span[:, None]  # (P, T, 3)
    to_colors = np.linalg.norm(blends[:, :, None] - colors[None, None],
                               axis=-1)  # (P, T, N)
    to_pair = np.minimum(t, 1 - t)[None] * np.linalg.norm(
        span, axis=1)[:, None]  # (P, T)
    margins = to_colors - to_pair[..., None]
    worst = margins.argmin(axis=1)  # (P, N)
    margin = np.take_along_axis(margins, worst[:, None], axis=1)[:, 0]
    rows = np.arange(len(pairs))
    margin[rows, pairs[:, 0]] = np.inf
    margin[rows, pairs[:, 1]] = np.inf
    return margin, t[worst]


def _blend_scores(colors, pairs, margin):
    """Blend margins relative to their pair's distance, times 255.

    Margins are scale-covariant: negative ones would improve by shrinking
    the whole palette towards one point. Relative to ``||c_j - c_i||`` they
    do not, so the maximin cannot collapse while some are negative.
    """
    length = np.linalg.norm(colors[pairs[:, 1]] - colors[pairs[:, 0]],
                            axis=1)
    return 255.0 * margin / length[:, None]


def _blend_force(colors, pairs, margin, t, d_min, tau):
    """Softmin-weighted ascent direction of :func:`_blend_scores`.

    For a score ``s = 255 m / L``: ``ds = 255 (dm - s dL / 255) / L``. At
    the worst blend ``x = c_i + t (c_j - c_i)`` with ``m = ||x - c_k|| -
    ||x - c_n||`` (``n`` the nearer end), ``dm/dc_k = -u_k`` and ``dm/dx =
    u_k - u_n`` (``u``: unit vectors from the colours to ``x``); ``x``
    moves with ``c_i`` by ``1 - t`` and with ``c_j`` by ``t``, and ``c_n``
    also moves ``||x - c_n||`` directly (``+u_n``); ``dL`` is ``-/+`` the
    unit pair direction in ``c_i`` / ``c_j``. Returns the (N, 3) weighted
    sum of these gradients.
    """
    first, second = pairs[:, 0, None], pairs[:, 1, None]
    span = colors[second] - colors[first]  # (P, 1, 3)
    length = np.linalg.norm(span, axis=-1)  # (P, 1)
    score = 255.0 * margin / length
    weight = np.exp(-(score - d_min) / tau)  # (P, N), 0 where inf
    score = np.where(np.isfinite(score), score, 0.0)
    dm = (255.0 * weight / length)[..., None]  # weight of dm, (P, N, 1)
    blend = colors[first] + t[..., None] * span  # (P, N, 3)
    u_k = _unit(blend - colors[None])
    near = np.where(t <= 0.5, first, second)  # (P, N)
    u_n = _unit(blend - colors[near])
    grad_x = (u_k - u_n) * dm
    force = -(u_k * dm).sum(axis=0)
    np.add.at(force, np.broadcast_to(first, t.shape),
              (1 - t)[..., None] * grad_x)
    np.add.at(force, np.broadcast_to(second, t.shape), t[..., None] * grad_x)
    np.add.at(force, near, u_n * dm)
    # - s dL / L per pair: c_j moves along the pair direction, c_i against.
    stretch = -(score * dm[..., 0]).sum(axis=1) / 255.0  # (P,)
    along = stretch[:, None] * (span[:, 0] / length)  # (P, 3)
    np.add.at(force, pairs[:, 1], along)
    np.add.at(force, pairs[:, 0], -along)
    return force


def _unit(vectors):
    """Rows of ``vectors`` (..., 3) scaled to length 1 (0 stays 0)."""
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norm, 1e-12)


def _refine(points, anchors, iters, gray_radius, pairs=None):
    """Softmin-weighted repulsion that increases the minimum distance (of
    the colours from each other and, given ``pairs``, from the blends of
    those pairs)."""
    num = len(points)
    best, best_min = points, _min_distance(points, anchors, pairs)
    # Moves start at a tenth of the spacing and end at ~1/1000 of it; the
    # softmin temperature shrinks alike so late steps only see the closest
    # pairs. (Blend margins may be negative: the spacing is the pairwise
    # one.)
    spacing = palette_distances(np.concatenate([points, anchors]))[0]
    step0, step1 = 0.1 * spacing, 1e-3 * spacing
    tau0, tau1 = 0.1 * spacing, 5e-3 * spacing
    for it in range(iters + 1):
        others = np.concatenate([points, anchors])
        # Gram-matrix distances avoid a (K, K, 3) difference tensor.
        sq = (others**2).sum(axis=1)
        dist = np.sqrt(np.maximum(
            sq[:num, None] + sq[None, :] - 2 * points @ others.T, 0.0))
        dist[np.arange(num), np.arange(num)] = np.inf
        d_min = dist.min()
        if pairs is not None:
            margin, worst_t = blend_margins(others, pairs)
            d_min = min(d_min, _blend_scores(others, pairs, margin).min())
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
        if pairs is not None:
            force = force + _blend_force(others, pairs, margin, worst_t,
                                         d_min, tau)[:num]
        norm = np.linalg.norm(force, axis=1).max()
        if norm == 0:
            break
        points = _project(points + force * (step / norm), gray_radius)
    return best


def _min_distance(points, anchors, pairs):
    """The refinement's objective: the smallest colour distance, and with
    ``pairs`` the smallest colour-to-blend distance too."""
    others = np.concatenate([points, anchors])
    d_min = palette_distances(others)[0]
    if pairs is not None:
        d_min = min(d_min, _blend_scores(
            others, pairs, blend_margins(others, pairs)[0]).min())
    return d_min
