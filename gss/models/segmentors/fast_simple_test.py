"""``EncoderDecoder.simple_test`` with a faster label argmax on the CPU.

mmseg's ``simple_test`` takes ``seg_logit.argmax(dim=1)`` over the
(B, K, H, W) class scores. torch's CPU argmax over that strided class axis
is slow: 31 ms for the 11 class scores of one 360×480 CamVid frame, about
40% of UPerNet's bf16 inference of it. :func:`gss.utils.argmax` returns
the same indices (ties included) in 2.5 ms
(``benchmarks/bench_cpu_kernels.py``). GSS's segmentors inherit
:class:`FastSimpleTestMixin`; ``import gss`` also installs its
``simple_test`` over mmseg's own ``EncoderDecoder.simple_test``
(``use_fast_simple_test_argmax`` in :mod:`gss.compat`) for the models
built as mmseg's ``EncoderDecoder``, such as the UPerNet baselines.
"""
from ...utils import argmax


class FastSimpleTestMixin:
    """``EncoderDecoder`` mixin: ``simple_test`` with :func:`gss.utils.argmax`
    (put it before ``EncoderDecoder`` in the bases)."""

    def simple_test(self, img, img_meta, rescale=True):
        """Labels of one image, exactly mmseg 0.30's ``simple_test`` gives.

        Args:
            img (Tensor): (B, 3, H, W) normalised test images.
            img_meta (list[dict]): Their metas.
            rescale (bool): Resize to the original image shape.

        Returns:
            list[np.ndarray]: B (H', W') label maps. (Graph export swaps in
            mmseg's exported form, ``gss.deploy.export_friendly``.)
        """
        seg_logit = self.inference(img, img_meta, rescale)
        return list(argmax(seg_logit, 1).cpu().numpy())
