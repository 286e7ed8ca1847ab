"""MSeg's test datasets evaluated together, summarised by ``h.mean``."""
from mmcv.utils import print_log
from mmseg.datasets.builder import DATASETS, build_dataset
from mmseg.datasets.dataset_wrappers import ConcatDataset

from .mseg import MSegTestDataset


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
