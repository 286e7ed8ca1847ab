"""Class-to-colour palettes of maskiges.

A palette holds one RGB colour per class (the K x 3 matrix ``beta`` of the
GSS paper) plus the colour of the ignore label. Shipped palettes live as
JSON files in ``gss/maskige/palettes/``::

    {"name": "ade20k", "colors": [[r, g, b], ...], "ignore_color": [r, g, b],
     "ignore_index": 255, "min_distance": 58.215, "mean_nn_distance": 59.392,
     "seed": 0, "avoid_gray": false}

``min_distance`` / ``mean_nn_distance`` are informative (recomputed from the
colours on save); ``seed`` / ``avoid_gray`` record how a generated palette
was made (``null`` for hand-made ones such as the Cityscapes palette).
"""
import json
import os
import os.path as osp

import numpy as np

from .generation import palette_distances

PALETTE_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'palettes')

_JSON_KEYS = ('name', 'colors', 'ignore_color', 'ignore_index',
              'min_distance', 'mean_nn_distance', 'seed', 'avoid_gray')
_DICT_KEYS = ('colors', 'ignore_color', 'ignore_index', 'name')


def _as_rgb(values, what):
    """Check that ``values`` are RGB triples in 0..255 and return uint8.

    Args:
        values (array-like): (K, 3) colours, or (3,) for a single colour.
        what (str): Name used in error messages.

    Returns:
        np.ndarray: uint8 array of the same shape.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise ValueError(f'{what} must be [r, g, b] triples, got '
                         f'{values!r}') from err
    if array.shape[-1:] != (3, ) or array.ndim not in (1, 2) or (
            array.dtype.kind not in 'uif'):
        raise ValueError(
            f'{what} must be numbers shaped (3,) for one colour or (K, 3) '
            f'for K colours, got shape {array.shape} of {array.dtype}')
    if array.dtype.kind == 'f' and not np.all(array == np.round(array)):
        hint = (' (they look like 0..1 floats: multiply by 255)'
                if array.size and array.max() <= 1 else '')
        raise ValueError(f'{what} must be integer RGB values in 0..255'
                         f'{hint}')
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(f'{what} must be RGB values in 0..255, got values '
                         f'from {array.min()} to {array.max()}')
    return array.astype(np.uint8)


class Palette:
    """Colours that turn a label map into a maskige.

    Args:
        colors (array-like): (K, 3) RGB colours in 0..255, one per class.
        ignore_color (array-like): (3,) colour of ``ignore_index`` pixels;
            must differ from every class colour. Defaults to black.
        ignore_index (int): Label value of ignored pixels. Default: 255.
        name (str, optional): Palette name.
        seed (int, optional): Seed a generated palette was made with.
        avoid_gray (bool, optional): Whether a generated palette avoided
            the grey axis.

    Attributes:
        colors (np.ndarray): (K, 3) uint8.
        ignore_color (np.ndarray): (3,) uint8.
    """

    def __init__(self,
                 colors,
                 ignore_color=(0, 0, 0),
                 ignore_index=255,
                 name=None,
                 seed=None,
                 avoid_gray=None):
        self.colors = _as_rgb(colors, 'palette colors')
        self.ignore_color = _as_rgb(ignore_color, 'palette ignore_color')
        self.ignore_index = ignore_index
        self.name = name
        self.seed = seed
        self.avoid_gray = avoid_gray
        self.validate()

    @property
    def num_classes(self):
        """int: Number of class colours K."""
        return len(self.colors)

    def __repr__(self):
        return (f'{type(self).__name__}(name={self.name!r}, '
                f'num_classes={self.num_classes}, ignore_color='
                f'{tuple(int(v) for v in self.ignore_color)}, '
                f'ignore_index={self.ignore_index})')

    def validate(self, num_classes=None):
        """Check the palette, optionally against a number of classes.

        Args:
            num_classes (int, optional): Expected number of classes.

        Returns:
            Palette: ``self``, so calls can be chained.

        Raises:
            ValueError: On a wrong shape, values outside 0..255, a colour
                count different from ``num_classes``, two classes sharing a
                colour or an ignore colour equal to a class colour.
        """
        label = f'palette {self.name!r}' if self.name else 'palette'
        colors = _as_rgb(self.colors, f'{label} colors')
        ignore_color = _as_rgb(self.ignore_color, f'{label} ignore_color')
        if colors.ndim != 2 or len(colors) == 0:
            raise ValueError(f'{label} colors must be a non-empty (K, 3) '
                             f'list of [r, g, b], got shape {colors.shape}')
        if ignore_color.shape != (3, ):
            raise ValueError(f'{label} ignore_color must be one [r, g, b], '
                             f'got shape {ignore_color.shape}')
        if not isinstance(self.ignore_index, (int, np.integer)):
            raise ValueError(f'{label} ignore_index must be an int, got '
                             f'{self.ignore_index!r}')
        if 0 <= self.ignore_index < len(colors):
            raise ValueError(
                f'{label} ignore_index={self.ignore_index} is a class id '
                f'(0..{len(colors) - 1}): use a value outside the classes, '
                'e.g. 255')
        if num_classes is not None and len(colors) != num_classes:
            raise ValueError(
                f'{label} has {len(colors)} colours but '
                f'num_classes={num_classes}: give exactly one colour per '
                'class (fix the palette or num_classes in the config, or '
                'generate one with tools/posterior_learning.py '
                f'--num-classes {num_classes})')
        _, first, counts = np.unique(colors, axis=0, return_index=True,
                                     return_counts=True)
        if (counts > 1).any():
            color = colors[first[counts > 1][0]]
            shared = np.flatnonzero((colors == color).all(axis=1))
            raise ValueError(
                f'{label} has duplicate colours: classes '
                f'{shared.tolist()} are all {tuple(int(v) for v in color)}; '
                'every class needs its own colour')
        clash = np.flatnonzero((colors == ignore_color).all(axis=1))
        if len(clash):
            raise ValueError(
                f'{label} ignore_color {tuple(int(v) for v in ignore_color)}'
                f' equals the colour of class {int(clash[0])}: choose an '
                'ignore_color that no class uses')
        return self

    @staticmethod
    def list_palettes():
        """Names of the shipped palettes (``gss/maskige/palettes/*.json``).

        Returns:
            list[str]: Sorted palette names.
        """
        return sorted(
            osp.splitext(f)[0] for f in os.listdir(PALETTE_DIR)
            if f.endswith('.json'))

    @classmethod
    def from_name(cls, name):
        """Load a shipped palette.

        Args:
            name (str): One of :meth:`list_palettes`, e.g. ``'cityscapes'``
                (the 19 standard trainId colours, black ignore),
                ``'ade20k'`` (150), ``'mseg'`` (194) or ``'camvid'`` (11).

        Returns:
            Palette: The palette.
        """
        if name not in cls.list_palettes():
            raise ValueError(
                f'unknown palette {name!r}: shipped palettes are '
                f'{cls.list_palettes()}; or give a path to a palette JSON '
                'file, a list of [r, g, b] or dict(colors=...)')
        return cls.from_json(osp.join(PALETTE_DIR, f'{name}.json'))

    @classmethod
    def from_json(cls, path):
        """Load a palette JSON file (format in the module docstring).

        Args:
            path (str): Path of the file.

        Returns:
            Palette: The palette.
        """
        with open(path) as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path} is not valid JSON: {err}') from err
        if not isinstance(data, dict) or 'colors' not in data:
            raise ValueError(f'{path} must hold a JSON object with a '
                             '"colors" list of [r, g, b]')
        unknown = sorted(set(data) - set(_JSON_KEYS))
        if unknown:
            raise ValueError(f'{path} has unknown keys {unknown}; allowed '
                             f'keys are {list(_JSON_KEYS)}')
        return cls(
            data['colors'],
            ignore_color=data.get('ignore_color', (0, 0, 0)),
            ignore_index=data.get('ignore_index', 255),
            name=data.get('name'),
            seed=data.get('seed'),
            avoid_gray=data.get('avoid_gray'))

    @classmethod
    def build(cls, spec, num_classes=None):
        """Make a palette from any supported specification.

        Args:
            spec (Palette | str | list | np.ndarray | dict): A palette, a
                shipped palette name, a path to a palette JSON file, a
                (K, 3) list/array of [r, g, b] (black ignore colour) or
                ``dict(colors=..., ignore_color=..., ignore_index=...,
                name=...)``.
            num_classes (int, optional): If given, the palette must have
                exactly this many colours.

        Returns:
            Palette: The validated palette.
        """
        if isinstance(spec, Palette):
            palette = spec
        elif isinstance(spec, str):
            if spec in cls.list_palettes():
                palette = cls.from_name(spec)
            elif osp.isfile(spec):
                palette = cls.from_json(spec)
            else:
                raise ValueError(
                    f'palette {spec!r} is neither a shipped palette '
                    f'{cls.list_palettes()} nor an existing JSON file')
        elif isinstance(spec, dict):
            unknown = sorted(set(spec) - set(_DICT_KEYS))
            if unknown or 'colors' not in spec:
                raise ValueError(
                    f'a palette dict needs "colors" and may have '
                    f'{list(_DICT_KEYS[1:])}, got keys {sorted(spec)}')
            palette = cls(**spec)
        elif isinstance(spec, (list, tuple, np.ndarray)):
            palette = cls(spec)
        else:
            raise TypeError(
                'palette must be a Palette, a shipped name, a JSON path, a '
                f'list of [r, g, b] or a dict, got {type(spec).__name__}')
        return palette.validate(num_classes)

    def to_json(self, path):
        """Save the palette as JSON, one colour per line.

        Args:
            path (str): Output file path.
        """
        self.validate()
        min_distance, mean_nn = palette_distances(self.colors)
        fields = dict(
            name=self.name,
            ignore_color=self.ignore_color.tolist(),
            ignore_index=int(self.ignore_index),
            # A single colour has no distances (inf is not valid JSON).
            min_distance=round(min_distance, 3)
            if np.isfinite(min_distance) else None,
            mean_nn_distance=round(mean_nn, 3)
            if np.isfinite(mean_nn) else None,
            seed=self.seed,
            avoid_gray=self.avoid_gray)
        colors = ',\n'.join(f'    {json.dumps(c)}'
                            for c in self.colors.tolist())
        lines = [f'  {json.dumps(k)}: {json.dumps(v)}'
                 for k, v in fields.items()]
        lines.insert(1, f'  "colors": [\n{colors}\n  ]')
        with open(path, 'w') as f:
            f.write('{\n' + ',\n'.join(lines) + '\n}\n')


list_palettes = Palette.list_palettes
