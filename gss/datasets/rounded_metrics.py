"""Metrics as the numbers mmseg's tables print."""
import numpy as np


class RoundedMetricsMixin:
    """Dataset mixin: ``evaluate`` returns Python floats rounded to 4
    decimals (put it before ``CustomDataset`` in the bases).

    mmseg 0.30 returns numpy float32 metrics, already rounded as its tables
    print them (two decimals of a percentage); converted to Python floats,
    mmcv's log and every JSON dump carry float32 noise
    (``0.880299985408783`` for 88.03 %).
    """

    def evaluate(self, *args, **kwargs):
        """``CustomDataset.evaluate``, its floats rounded.

        Returns:
            dict: The metrics of ``CustomDataset.evaluate``; its floats as
            Python floats rounded to 4 decimals.
        """
        metrics = super().evaluate(*args, **kwargs)
        return {
            key: round(float(value), 4)
            if isinstance(value, (float, np.floating)) else value
            for key, value in metrics.items()
        }
