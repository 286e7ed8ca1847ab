from .camvid import CamVidDataset
from .label_range import LabelRangeError, check_label_range
from .loading import LoadTestAnnotations
from .mseg import (TEST_DATASETS, TRAIN_DATASETS, MapLabelsToUniversal,
                   MSegDataset, MSegTestDataset, MSegTestSuite,
                   UniversalTaxonomy, get_taxonomy, harmonic_mean)
from .synthetic import (SyntheticStreetDataset, generate_street_scenes,
                        render_street_scene)

__all__ = [
    'CamVidDataset', 'LabelRangeError', 'check_label_range',
    'LoadTestAnnotations', 'SyntheticStreetDataset', 'generate_street_scenes',
    'render_street_scene', 'UniversalTaxonomy', 'get_taxonomy',
    'harmonic_mean', 'MapLabelsToUniversal', 'MSegDataset', 'MSegTestDataset',
    'MSegTestSuite', 'TRAIN_DATASETS', 'TEST_DATASETS'
]
