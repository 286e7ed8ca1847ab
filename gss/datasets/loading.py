"""Loading ground truth at test time (for models that reconstruct it)."""
from mmseg.datasets.builder import PIPELINES
from mmseg.datasets.pipelines import LoadAnnotations


@PIPELINES.register_module()
class LoadTestAnnotations(LoadAnnotations):
    """``LoadAnnotations`` that also works in test mode.

    mmseg's test-mode samples carry the label path only in
    ``img_info['ann']``, not in ``ann_info``; stage-I models
    (``MaskigeAutoencoder``) reconstruct the ground truth, so their test
    pipelines need it loaded.
    """

    def __call__(self, results):
        if 'ann_info' not in results:
            ann = results['img_info'].get('ann')
            if ann is None:
                raise KeyError(
                    'LoadTestAnnotations: the dataset has no annotation for '
                    f"{results['img_info'].get('filename')}; set ann_dir "
                    'for the test split')
            results['ann_info'] = ann
        return super().__call__(results)
