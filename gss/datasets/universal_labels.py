"""Pipeline step: MSeg training labels to universal ids."""
from mmseg.datasets.builder import PIPELINES

from .universal_taxonomy import get_taxonomy, train_dataset_key


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
