"""MSeg's universal taxonomy (194 classes) over many datasets.

MSeg (Lambert et al., CVPR 2020) relabels seven training datasets so that
each of their classes maps to exactly one universal class, and evaluates
zero-shot on six test datasets whose classes are unions of universal classes.
:class:`UniversalTaxonomy` holds the universal class names, training id ->
universal id lookup tables and universal -> test class groups, read from the
MSeg files copied in ``gss/datasets/mseg_taxonomy``. Only numpy and the
standard library: the segmentors import it.
"""
import csv
import functools
import os.path as osp

import numpy as np

TAXONOMY_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'mseg_taxonomy')

# Training datasets with MSeg's repeat factors (times per epoch): they bring
# each dataset to roughly the size of COCO (118k images).
TRAIN_DATASETS = {
    'ade20k-150': 6,
    'bdd': 17,
    'cityscapes-19': 40,
    'coco-panoptic-133': 1,
    'idd-39': 17,
    'mapillary-public65': 7,
    'sunrgbd-37': 24,
}
TEST_DATASETS = ('voc2012', 'pascal-context-60', 'camvid-11', 'wilddash-19',
                 'kitti-19', 'scannet-20')

_UNLABELED = 'unlabeled'
_RELABELED = '-relabeled'


def _read_names(path):
    with open(path, encoding='utf-8') as f:
        return tuple(line.strip() for line in f if line.strip())


def _split_entry(entry):
    """Class names in a master-TSV cell: 'a', '{a, b}' or ''."""
    return [
        n.strip() for n in entry.strip().strip('{}').split(',') if n.strip()
    ]


def train_dataset_key(dataset_name):
    """Canonical training dataset name ('cityscapes-19-relabeled' ->
    'cityscapes-19'); raises ValueError for unknown names."""
    key = dataset_name[:-len(_RELABELED)] if dataset_name.endswith(
        _RELABELED) else dataset_name
    if key not in TRAIN_DATASETS:
        raise ValueError(f'unknown MSeg training dataset {dataset_name!r}; '
                         f'expected one of {sorted(TRAIN_DATASETS)}')
    return key


def check_test_dataset(dataset_name):
    """Raise ValueError unless ``dataset_name`` is an MSeg test dataset."""
    if dataset_name not in TEST_DATASETS:
        raise ValueError(f'unknown MSeg test dataset {dataset_name!r}; '
                         f'expected one of {list(TEST_DATASETS)}')


class UniversalTaxonomy:
    """MSeg's universal taxonomy and its mappings to the component datasets.

    Universal ids follow the row order of ``MSeg_master.tsv`` (0..193);
    ``unlabeled`` is the ignore label 255. Training labels are MSeg's
    *relabeled* annotations, whose ids index ``<name>-relabeled_names.txt``;
    each relabeled class maps to exactly one universal class. Test labels
    index ``<name>_names.txt``; each universal class maps to at most one test
    class, so a test class is a group of universal classes.

    Args:
        taxonomy_dir (str): Folder with ``MSeg_master.tsv`` and the
            ``*_names.txt`` files. Default: the copy shipped with GSS.
    """

    def __init__(self, taxonomy_dir=TAXONOMY_DIR):
        tsv = osp.join(taxonomy_dir, 'MSeg_master.tsv')
        if not osp.isfile(tsv):
            raise FileNotFoundError(
                f'{tsv} not found: taxonomy_dir must hold MSeg_master.tsv '
                'and the *_names.txt files (see gss/datasets/mseg_taxonomy)')
        with open(tsv, encoding='utf-8', newline='') as f:
            rows = list(csv.reader(f, delimiter='\t'))
        header, rows = rows[0], [r for r in rows[1:] if any(r)]
        columns = {
            name: [row[i] if i < len(row) else '' for row in rows]
            for i, name in enumerate(header)
        }
        universal = [name.strip() for name in columns['universal']]
        keep = [i for i, name in enumerate(universal) if name != _UNLABELED]
        self.classes = tuple(universal[i] for i in keep)
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f'{tsv}: duplicate universal class names')

        self._train_lut, self._train_classes = {}, {}
        for key in TRAIN_DATASETS:
            column = key + _RELABELED
            names = _read_names(osp.join(taxonomy_dir, f'{column}_names.txt'))
            cells = [columns[column][row] for row in keep]
            self._train_lut[key] = self._train_lut_from(cells, names, column)
            self._train_classes[key] = names

        self._test_ids, self._test_classes = {}, {}
        for name in TEST_DATASETS:
            names = _read_names(osp.join(taxonomy_dir, f'{name}_names.txt'))
            cells = [columns[name][row] for row in keep]
            self._test_ids[name] = self._test_ids_from(cells, names, name)
            self._test_classes[name] = names

    @staticmethod
    def _train_lut_from(cells, names, column):
        """Relabeled id -> universal id table from a TSV column's cells."""
        to_universal = {}
        for uid, cell in enumerate(cells):
            for name in _split_entry(cell):
                if name in to_universal:
                    raise ValueError(f'MSeg_master.tsv: {column} class '
                                     f'{name!r} maps to several universal '
                                     'classes')
                to_universal[name] = uid
        missing = [n for n in names if n not in to_universal]
        if missing:
            raise ValueError(f'MSeg_master.tsv: {column} classes {missing} '
                             'map to no universal class')
        # -1 marks ids that are neither a class nor the ignore label.
        lut = np.full(256, -1, np.int16)
        lut[:len(names)] = [to_universal[n] for n in names]
        lut[255] = 255
        return lut

    def _test_ids_from(self, cells, names, column):
        """Universal id -> test id array (-1: none) from a TSV column."""
        test_ids = np.full(len(cells), -1, np.int64)
        for uid, cell in enumerate(cells):
            entry = _split_entry(cell)
            if len(entry) > 1 or (entry and entry[0] not in names):
                raise ValueError(
                    f'MSeg_master.tsv: universal class {self.classes[uid]!r} '
                    f'must map to at most one {column} class, got {entry}')
            if entry:
                test_ids[uid] = names.index(entry[0])
        return test_ids

    @property
    def num_classes(self):
        """int: Number of universal classes (194)."""
        return len(self.classes)

    def dataset_classes(self, dataset_name):
        """Class names of a training (relabeled) or test taxonomy.

        Returns:
            tuple[str]: names in label-id order.
        """
        if dataset_name in self._test_classes:
            return self._test_classes[dataset_name]
        return self._train_classes[train_dataset_key(dataset_name)]

    def to_universal_lut(self, dataset_name):
        """Lookup table from a training dataset's relabeled ids.

        Args:
            dataset_name (str): Training dataset, e.g. 'cityscapes-19'.

        Returns:
            np.ndarray: int16 array of shape (256,): universal id for each
            class id, 255 for 255 and -1 for ids that are not valid labels.
        """
        return self._train_lut[train_dataset_key(dataset_name)]

    def map_to_universal(self, label, dataset_name):
        """Turn a relabeled training label map into universal ids.

        Args:
            label (np.ndarray): uint8 label map of any shape.
            dataset_name (str): Training dataset the labels come from.

        Returns:
            np.ndarray: uint8 universal label map, same shape (255 kept).
        """
        mapped = self.to_universal_lut(dataset_name)[label]
        if (mapped < 0).any():
            bad = np.unique(label[mapped < 0]).tolist()
            n = len(self.dataset_classes(dataset_name))
            raise ValueError(
                f'label ids {bad} are not {dataset_name} relabeled class ids '
                f'(0..{n - 1}) or 255; MSeg training labels must be the '
                'relabeled annotations written by mseg-api')
        return mapped.astype(np.uint8)

    def universal_to_test(self, dataset_name):
        """Test class of each universal class.

        Returns:
            np.ndarray: int64 array of shape (194,), -1 where the universal
            class belongs to no test class.
        """
        check_test_dataset(dataset_name)
        return self._test_ids[dataset_name]

    def test_groups(self, dataset_name):
        """Universal classes that make up each test class.

        Returns:
            list[list[int]]: one list of universal ids per test class, in
            test-id order (empty for test classes MSeg leaves unmapped).
        """
        test_ids = self.universal_to_test(dataset_name)
        return [
            np.flatnonzero(test_ids == k).tolist()
            for k in range(len(self._test_classes[dataset_name]))
        ]


@functools.lru_cache(maxsize=None)
def get_taxonomy(taxonomy_dir=TAXONOMY_DIR):
    """Shared, lazily loaded :class:`UniversalTaxonomy`."""
    return UniversalTaxonomy(taxonomy_dir)
