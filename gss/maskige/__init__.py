"""Maskiges: label maps painted as RGB images, and their inverse."""
from .codec import (MaskigeCodec, labels_to_maskige, maskige_to_scores,
                    upsample_labels)
from .generation import generate_palette, palette_distances
from .palette import Palette, list_palettes

__all__ = [
    'Palette', 'list_palettes', 'generate_palette', 'palette_distances',
    'labels_to_maskige', 'upsample_labels', 'maskige_to_scores',
    'MaskigeCodec'
]
