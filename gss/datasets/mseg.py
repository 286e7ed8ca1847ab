"""MSeg component datasets, labelled in the universal taxonomy.

* :class:`MSegDataset` (training) and :class:`MSegTestDataset` (test): one
  component dataset read from an mseg-api ``<image> <label>`` list.

The taxonomy is in :mod:`gss.datasets.universal_taxonomy`, the label
mapping step in :mod:`gss.datasets.universal_labels`, the evaluation of
all test datasets together in :mod:`gss.datasets.mseg_test_suite`.
"""
import mmcv
from mmcv.utils import print_log
from mmseg.datasets.builder import DATASETS
from mmseg.datasets.custom import CustomDataset
from mmseg.datasets.pipelines import Compose
from mmseg.utils import get_root_logger

from .rounded_metrics import RoundedMetricsMixin
from .universal_labels import MapLabelsToUniversal
from .universal_taxonomy import (check_test_dataset, get_taxonomy,
                                 train_dataset_key)


@DATASETS.register_module()
class MSegDataset(RoundedMetricsMixin, CustomDataset):
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
