import torch
from mmseg.models.builder import SEGMENTORS

from ...datasets.universal_taxonomy import get_taxonomy
from .gss_encoder_decoder import GSSEncoderDecoder

UNIVERSAL = 'universal'


def map_universal_scores(scores, groups):
    """Turn universal-class scores into test-class scores.

    Each test class scores the maximum over the universal classes that make
    it up (the groups come from MSeg's master table).

    Args:
        scores (torch.Tensor): Non-negative scores (e.g. probabilities) of
            shape (B, U, H, W).
        groups (list[list[int]]): For each of the K test classes, the
            universal class ids mapping to it; an empty group scores 0.

    Returns:
        torch.Tensor: Scores of shape (B, K, H, W), same dtype and device.
    """
    b, _, h, w = scores.shape
    empty = scores.new_zeros((b, h, w))
    return torch.stack(
        [scores[:, group].amax(dim=1) if group else empty for group in groups],
        dim=1)


class MultiDomainMixin:
    """Predict in the taxonomy of the test dataset a sample comes from.

    Mix it in before a segmentor whose ``inference(img, img_meta, rescale)``
    returns universal-class probabilities (B, 194, H, W); whole, slide and
    flip/multi-scale (``aug_test``) inference all go through ``inference``.

    The taxonomy is the ``dataset_name`` in ``img_meta`` (set by
    ``MSegTestDataset`` and kept by ``Collect(meta_keys=(...,
    'dataset_name'))``), else ``test_cfg.dataset_name``, else that of the
    dataset given to ``set_show_dataset``. The name 'universal' keeps the
    universal scores.
    """

    def _test_taxonomy(self, img_meta):
        names = {meta.get('dataset_name') for meta in img_meta}
        if len(names) != 1:
            raise ValueError('all samples of a batch must come from the same '
                             f'test dataset, got {sorted(map(str, names))}')
        name = (names.pop() or self.test_cfg.get('dataset_name')
                or getattr(getattr(self, '_show_dataset', None),
                           'dataset_name', None))
        if name is None:
            raise KeyError(
                "no 'dataset_name' in img_metas: add it to Collect's "
                'meta_keys (MSegTestDataset provides it) or set '
                "test_cfg.dataset_name (a test dataset or 'universal')")
        return name

    def to_test_taxonomy(self, scores, img_meta):
        """Map universal scores to the classes of ``img_meta``'s taxonomy.

        Args:
            scores (torch.Tensor): (B, 194, H, W) universal probabilities.
            img_meta (list[dict]): The metas of the batch.

        Returns:
            torch.Tensor: Scores (B, K, H, W) of the K test classes, or
            ``scores`` for 'universal'.
        """
        name = self._test_taxonomy(img_meta)
        if name == UNIVERSAL:
            return scores
        taxonomy = get_taxonomy()
        if scores.shape[1] != taxonomy.num_classes:
            raise ValueError(
                f'the model predicts {scores.shape[1]} classes, but mapping '
                f'to {name} needs the {taxonomy.num_classes} universal '
                'classes (num_classes=194)')
        return map_universal_scores(scores, taxonomy.test_groups(name))

    def inference(self, img, img_meta, rescale):
        """Run the wrapped inference and map its scores to the test taxonomy.

        Returns:
            torch.Tensor: Scores (B, K, H, W) of the K test classes, or the
            universal scores for 'universal'.
        """
        return self.to_test_taxonomy(
            super().inference(img, img_meta, rescale), img_meta)

    def inference_with_maskige(self, img, img_meta, rescale):
        """The wrapped ``inference_with_maskige`` with its scores mapped to
        the test taxonomy; the maskige stays in universal colours.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: (B, K, H, W) test-class
            scores and the (B, 3, H, W) maskige.
        """
        scores, maskige = super().inference_with_maskige(img, img_meta, rescale)
        return self.to_test_taxonomy(scores, img_meta), maskige


@SEGMENTORS.register_module()
class MultiDomainEncoderDecoder(MultiDomainMixin, GSSEncoderDecoder):
    """:class:`GSSEncoderDecoder` trained on MSeg's universal taxonomy that
    predicts the classes of the test dataset each sample comes from (see
    :class:`MultiDomainMixin`). Training is unchanged; with a GSS head its
    panels show the universal maskige beside test-class labels."""

    def panel_classes(self):
        """The classes panels show: those of the test taxonomy (test_cfg's
        or the shown dataset's), which the universal maskige palette does
        not paint, else the model's.

        Returns:
            tuple[Sequence[str], bool]: Class names and whether the maskige
            palette paints them.
        """
        name = self.test_cfg.get('dataset_name') or getattr(
            self._show_dataset, 'dataset_name', None)
        if name is None or name == UNIVERSAL:
            return super().panel_classes()
        return get_taxonomy().dataset_classes(name), False
