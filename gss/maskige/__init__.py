"""Maskiges: label maps painted as RGB images, and their inverse."""
from .codec import (MaskigeCodec, labels_to_maskige, maskige_to_scores,
                    neighbourhood_nearest, upsample_labels)
from .generation import (adjacent_pairs, blend_distance, blend_margins,
                         class_adjacency, generate_palette,
                         palette_distances)
from .inverse import (DEFAULT_INVERSE_SCORES, DEFAULT_NEIGHBOURHOOD_TOLERANCE,
                      DEFAULT_NEIGHBOURHOOD_WINDOW, DEFAULT_TEMPERATURE,
                      INVERSE_SCORES, TrainingFreeInverse)
from .palette import Palette, list_palettes

__all__ = [
    'Palette', 'list_palettes', 'generate_palette', 'palette_distances',
    'blend_distance', 'blend_margins', 'class_adjacency', 'adjacent_pairs',
    'labels_to_maskige', 'upsample_labels', 'maskige_to_scores',
    'neighbourhood_nearest', 'MaskigeCodec', 'INVERSE_SCORES',
    'DEFAULT_INVERSE_SCORES', 'DEFAULT_TEMPERATURE',
    'DEFAULT_NEIGHBOURHOOD_WINDOW', 'DEFAULT_NEIGHBOURHOOD_TOLERANCE',
    'TrainingFreeInverse'
]
