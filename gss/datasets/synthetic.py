"""The dataset of generated street scenes (the quick start, the tests)."""
from mmseg.datasets.builder import DATASETS

from .camvid import CamVidDataset


@DATASETS.register_module()
class SyntheticStreetDataset(CamVidDataset):
    """Scenes written by
    :func:`gss.datasets.street_scenes.generate_street_scenes` (same layout
    and classes as :class:`CamVidDataset`; a separate name keeps configs
    readable)."""
