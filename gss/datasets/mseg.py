"""MSeg: one universal taxonomy (194 classes) over many datasets.

MSeg (Lambert et al., CVPR 2020) relabels seven training datasets so that
each of their classes maps to exactly one universal class, and evaluates
zero-shot on six test datasets whose classes are unions of universal classes.
This module provides:

* :class:`UniversalTaxonomy`: universal class names, training id ->
  universal id lookup tables and universal -> test class groups, read from
  the MSeg files copied in ``gss/datasets/mseg_taxonomy``.
* :class:`MapLabelsToUniversal`: pipeline step turning relabeled training
  labels into universal ids.
* :class:`MSegDataset` (training) and :class:`MSegTestDataset` (test): one
  component dataset read from an mseg-api ``<image> <label>`` list.
* :class:`MSegTestSuite`: the test datasets evaluated together, reporting
  each dataset's metrics and the harmonic mean of their mIoUs (``h.mean``).
"""
import csv
import functools
import os.path as osp

import mmcv
import numpy as np
from mmcv.utils import print_log
from mmseg.datasets.builder import DATASETS, PIPELINES, build_dataset
from mmseg.datasets.custom import CustomDataset
from mmseg.datasets.dataset_wrappers import ConcatDataset
from mmseg.datasets.pipelines import Compose
from mmseg.utils import get_root_logger

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


def harmonic_mean(values):
    """Harmonic mean, MSeg's summary of per-dataset mIoUs.

    Args:
        values (Sequence[float]): Non-negative values.

    Returns:
        float: ``len(values) / sum(1 / v)``; 0 if any value is 0.
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError('harmonic_mean needs at least one value')
    if any(v < 0 for v in values):
        raise ValueError(f'harmonic_mean needs non-negative values, got '
                         f'{values}')
    if any(v == 0 for v in values):
        return 0.0
    return len(values) / sum(1 / v for v in values)


@PIPELINES.register_module()
class MapLabelsToUniversal:
    """Map ``gt_semantic_seg`` from relabeled training ids to universal ids.

    Place it anywhere after ``LoadAnnotations`` (the published configs put
    it after ``Pad``, as the authors do). Ignore (255) stays 255.

    Args:
        dataset_name (str, optional): Training dataset of the labels, e.g.
            'cityscapes-19'. Default: None, i.e. ``results['dataset_name']``
            as set by :class:`MSegDataset`.
    """

    def __init__(self, dataset_name=None):
        if dataset_name is not None:
            train_dataset_key(dataset_name)
        self.dataset_name = dataset_name

    def __call__(self, results):
        name = self.dataset_name or results.get('dataset_name')
        if name is None:
            raise KeyError('MapLabelsToUniversal needs dataset_name: pass it '
                           'to the transform or use MSegDataset, which sets '
                           "results['dataset_name']")
        if 'gt_semantic_seg' not in results:
            raise KeyError('MapLabelsToUniversal needs gt_semantic_seg: put '
                           'it after LoadAnnotations in the pipeline')
        results['gt_semantic_seg'] = get_taxonomy().map_to_universal(
            results['gt_semantic_seg'], name)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(dataset_name={self.dataset_name})'


@DATASETS.register_module()
class MSegDataset(CustomDataset):
    """One MSeg training dataset, labelled in the universal taxonomy.

    Files are listed by mseg-api's ``dataset_lists/<name>-relabeled/list/
    <split>.txt``: one ``<image> <label>`` pair per line, relative to
    ``data_root`` (the mseg-api output folder). A list of bare stems, or no
    list at all, falls back to :class:`CustomDataset`'s behaviour.

    Labels on disk are relabeled ids; the pipeline must contain
    :class:`MapLabelsToUniversal`, after which they are universal ids, so
    ``CLASSES`` are the 194 universal classes.

    Args:
        dataset_name (str): Training dataset, one of ``TRAIN_DATASETS``
            (a '-relabeled' suffix is accepted).
        pipeline (list[dict]): Processing pipeline.
        img_dir (str): Prefix of image paths. Default: '' (``data_root``).
        ann_dir (str): Prefix of label paths. Default: '' (``data_root``).
        split (str, optional): The list file. Default: None.
        **kwargs: Passed to :class:`CustomDataset` (``data_root``, ...).
    """

    LABELS_ON_DISK_ARE_RELABELED = True

    def __init__(self,
                 dataset_name,
                 pipeline,
                 img_dir='',
                 ann_dir='',
                 split=None,
                 **kwargs):
        self.dataset_name = self._check_name(dataset_name)
        self.CLASSES = self._taxonomy_classes()
        super().__init__(
            pipeline=pipeline,
            img_dir=img_dir,
            ann_dir=ann_dir,
            split=split,
            **kwargs)
        self._check_pipeline()
        if self.LABELS_ON_DISK_ARE_RELABELED:
            # Evaluation reads ground truth through this loader, not the
            # pipeline: score predictions against universal ids too.
            self.gt_seg_map_loader = Compose(
                [self.gt_seg_map_loader,
                 MapLabelsToUniversal()])

    def _check_name(self, dataset_name):
        return train_dataset_key(dataset_name)

    def _taxonomy_classes(self):
        return get_taxonomy().classes

    def _check_pipeline(self):
        if not self.test_mode and not any(
                isinstance(t, MapLabelsToUniversal)
                for t in self.pipeline.transforms):
            raise ValueError(
                f'MSegDataset({self.dataset_name!r}) reads relabeled ids: add '
                "dict(type='MapLabelsToUniversal') after LoadAnnotations in "
                'its pipeline')

    def load_annotations(self, img_dir, img_suffix, ann_dir, seg_map_suffix,
                         split):
        """Read ``<image> <label>`` pairs from ``split`` (else as
        :meth:`CustomDataset.load_annotations`).

        Returns:
            list[dict]: image infos with ``filename`` and ``ann.seg_map``.
        """
        if split is None:
            return super().load_annotations(img_dir, img_suffix, ann_dir,
                                            seg_map_suffix, split)
        lines = [
            line.split() for line in mmcv.list_from_file(
                split, file_client_args=self.file_client_args) if line.strip()
        ]
        if all(len(parts) == 1 for parts in lines):
            return super().load_annotations(img_dir, img_suffix, ann_dir,
                                            seg_map_suffix, split)
        img_infos = []
        for i, parts in enumerate(lines):
            if len(parts) != 2:
                raise ValueError(f'{split}, line {i + 1}: expected "<image> '
                                 f'<label>", got {" ".join(parts)!r}')
            img_info = dict(filename=parts[0])
            if ann_dir is not None:
                img_info['ann'] = dict(seg_map=parts[1])
            img_infos.append(img_info)
        print_log(
            f'Loaded {len(img_infos)} images of {self.dataset_name}',
            logger=get_root_logger())
        return img_infos

    def pre_pipeline(self, results):
        """Prepare the results dict; records ``dataset_name``."""
        super().pre_pipeline(results)
        results['dataset_name'] = self.dataset_name
        if self.LABELS_ON_DISK_ARE_RELABELED:
            # LoadAnnotations checks the ids on disk: relabeled training ids,
            # which MapLabelsToUniversal turns into universal ones.
            results['label_range']['num_classes'] = len(
                get_taxonomy().dataset_classes(self.dataset_name))


@DATASETS.register_module()
class MSegTestDataset(MSegDataset):
    """One MSeg test dataset, labelled in its own taxonomy.

    Labels index ``<name>_names.txt`` (e.g. CamVid in MSeg's camvid-11
    order), 255 is ignored. ``results['dataset_name']`` tells
    :class:`MultiDomainEncoderDecoder` which taxonomy to predict: keep it in
    ``img_metas`` with ``Collect(meta_keys=(..., 'dataset_name'))``.

    Args:
        dataset_name (str): One of ``TEST_DATASETS``.
        label_map (dict[int, int], optional): Remapping applied to the labels
            as they are loaded (pipeline and evaluation), e.g. from the
            SegNet CamVid ids to camvid-11. Default: None.
        **kwargs: As :class:`MSegDataset`.
    """

    LABELS_ON_DISK_ARE_RELABELED = False

    def __init__(self, dataset_name, pipeline, label_map=None, **kwargs):
        self.file_label_map = dict(label_map) if label_map else None
        super().__init__(dataset_name, pipeline, **kwargs)

    def _check_name(self, dataset_name):
        check_test_dataset(dataset_name)
        return dataset_name

    def _taxonomy_classes(self):
        return get_taxonomy().dataset_classes(self.dataset_name)

    def _check_pipeline(self):
        pass

    def pre_pipeline(self, results):
        """Prepare the results dict; adds ``dataset_name`` and the
        ``label_map``."""
        super().pre_pipeline(results)
        if self.file_label_map is not None:
            results['label_map'] = self.file_label_map


@DATASETS.register_module()
class MSegTestSuite(ConcatDataset):
    """MSeg's zero-shot test datasets, evaluated one by one.

    ``evaluate`` returns each dataset's metrics prefixed by its name (e.g.
    ``'camvid-11.mIoU'``) and, with the mIoU metric, ``'h.mean'``: the
    harmonic mean of the per-dataset mIoUs, MSeg's headline number.

    Args:
        datasets (list[dict | MSegTestDataset]): Test datasets or configs.
        test_mode (bool): Passed to dataset configs. Default: True.
    """

    def __init__(self, datasets, test_mode=True):
        built = [
            build_dataset(d, dict(
                test_mode=test_mode)) if isinstance(d, dict) else d
            for d in datasets
        ]
        names = [getattr(d, 'dataset_name', None) for d in built]
        if not all(isinstance(d, MSegTestDataset)
                   for d in built) or len(set(names)) != len(names):
            raise ValueError('MSegTestSuite needs MSegTestDatasets with '
                             f'distinct dataset_name, got {names}')
        super().__init__(built, separate_eval=True)

    def evaluate(self, results, logger=None, **kwargs):
        """Evaluate each dataset on its slice of ``results``.

        Args:
            results (list): Per-image pre-eval results or predictions, in
                dataset order.
            logger (logging.Logger | str, optional): Logger.
            **kwargs: Passed to each dataset's ``evaluate`` (``metric``...).

        Returns:
            dict[str, float]: ``'<dataset>.<metric>'`` items and ``'h.mean'``.
        """
        if len(results) != len(self):
            raise ValueError(f'got {len(results)} results for {len(self)} '
                             'test images')
        eval_results = {}
        start = 0
        for dataset, end in zip(self.datasets, self.cumulative_sizes):
            print_log(
                f'\nEvaluating {dataset.dataset_name} ({end - start} '
                'images)',
                logger=logger)
            metrics = dataset.evaluate(
                results[start:end], logger=logger, **kwargs)
            eval_results.update({
                f'{dataset.dataset_name}.{k}': v
                for k, v in metrics.items()
            })
            start = end
        mious = [
            eval_results[f'{d.dataset_name}.mIoU'] for d in self.datasets
            if f'{d.dataset_name}.mIoU' in eval_results
        ]
        if len(mious) == len(self.datasets):
            eval_results['h.mean'] = harmonic_mean(mious)
            print_log(
                f'h.mean of mIoU over {len(mious)} datasets: '
                f'{eval_results["h.mean"]:.4f}',
                logger=logger)
        return eval_results
