from .camvid import CamVidDataset
from .file_checks import (DataFileError, check_image, check_label_size,
                          check_not_empty)
from .label_range import LabelRangeError, check_label_range
from .loading import LoadTestAnnotations
from .mseg import MSegDataset, MSegTestDataset
from .mseg_test_suite import MSegTestSuite, harmonic_mean
from .synthetic import SyntheticStreetDataset
from .universal_labels import MapLabelsToUniversal
from .universal_taxonomy import (TEST_DATASETS, TRAIN_DATASETS,
                                 UniversalTaxonomy, get_taxonomy)

# The scene renderer (gss.datasets.street_scenes) is not imported here: only
# tools/make_synthetic_dataset.py and the tests need it.
__all__ = [
    'CamVidDataset', 'DataFileError', 'check_image', 'check_label_size',
    'check_not_empty', 'LabelRangeError', 'check_label_range',
    'LoadTestAnnotations', 'SyntheticStreetDataset', 'UniversalTaxonomy',
    'get_taxonomy', 'harmonic_mean', 'MapLabelsToUniversal', 'MSegDataset',
    'MSegTestDataset', 'MSegTestSuite', 'TRAIN_DATASETS', 'TEST_DATASETS'
]
