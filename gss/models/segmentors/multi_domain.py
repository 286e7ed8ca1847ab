import contextlib

import numpy as np
import torch
from mmseg.models.builder import SEGMENTORS

from ...datasets.universal_taxonomy import get_taxonomy
from ...utils import argmax
from .gss_encoder_decoder import GSSEncoderDecoder

UNIVERSAL = 'universal'
#: ``test_cfg.taxonomy_mapping`` values. 'one_hot' is the authors': the
#: universal argmax through mseg-api's 0/1 matrix; 'group_max' is opt-in.
TAXONOMY_MAPPINGS = ('one_hot', 'group_max')


def map_universal_one_hot(scores, test_ids, num_test_classes):
    """Turn universal-class scores into test-class scores as MSeg does.

    The authors' ``MultiDomainEncoderDecoder`` takes the universal argmax
    as a one-hot and applies mseg-api's 0/1 universal → test matrix
    (``TaxonomyConverter.convs``). The result is the one-hot of the argmax's
    test class, or all zeros where the argmax belongs to no test class, so
    that the final argmax makes such a pixel class 0. Tied universal scores
    go to the lower universal id.

    Args:
        scores (torch.Tensor): Universal scores of shape (B, U, H, W).
        test_ids (Sequence[int]): Test class of each of the U universal
            classes, -1 for none (``UniversalTaxonomy.universal_to_test``).
        num_test_classes (int): Number K of test classes.

    Returns:
        torch.Tensor: 0/1 scores of shape (B, K, H, W), ``scores``' dtype
        and device.
    """
    lookup = torch.as_tensor(test_ids, device=scores.device)
    test = lookup[argmax(scores, 1)]
    mapped = (test >= 0).unsqueeze(1).to(scores.dtype)
    out = scores.new_zeros(scores.shape[0], num_test_classes,
                           *scores.shape[2:])
    return out.scatter_(1, test.clamp(min=0).unsqueeze(1), mapped)


def map_universal_scores(scores, groups):
    """Turn universal-class scores into test-class scores by group maximum
    (the opt-in ``taxonomy_mapping='group_max'``).

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


def taxonomy_mapping(test_cfg):
    """``test_cfg.taxonomy_mapping``, checked ('one_hot' when unset).

    Raises:
        ValueError: An unknown mapping.
    """
    mapping = (test_cfg or {}).get('taxonomy_mapping', 'one_hot')
    if mapping not in TAXONOMY_MAPPINGS:
        raise ValueError(
            f'test_cfg.taxonomy_mapping must be one of {TAXONOMY_MAPPINGS} '
            f"('one_hot': the authors' MSeg mapping), got {mapping!r}")
    return mapping


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

    ``test_cfg.taxonomy_mapping`` picks how universal scores become test
    classes: ``'one_hot'`` (default, the authors'; see
    :func:`map_universal_one_hot`) or ``'group_max'`` (opt-in; see
    :func:`map_universal_scores`). ``aug_test`` averages the universal
    probabilities of the views and then maps them with ``'one_hot'``; with
    ``'group_max'`` it averages the views' mapped scores.
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
            torch.Tensor: Scores (B, K, H, W) of the K test classes (0/1
            with 'one_hot'), or ``scores`` for 'universal'.
        """
        name = self._test_taxonomy(img_meta)
        if name == UNIVERSAL or getattr(self, '_keep_universal', False):
            return scores
        taxonomy = get_taxonomy()
        if scores.shape[1] != taxonomy.num_classes:
            raise ValueError(
                f'the model predicts {scores.shape[1]} classes, but mapping '
                f'to {name} needs the {taxonomy.num_classes} universal '
                'classes (num_classes=194)')
        if taxonomy_mapping(self.test_cfg) == 'group_max':
            return map_universal_scores(scores, taxonomy.test_groups(name))
        return map_universal_one_hot(scores, taxonomy.universal_to_test(name),
                                     len(taxonomy.dataset_classes(name)))

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

    @contextlib.contextmanager
    def _universal_scores(self):
        # ``inference`` returns universal probabilities inside.
        self._keep_universal = True
        try:
            yield
        finally:
            self._keep_universal = False

    def aug_test(self, imgs, img_metas, rescale=True):
        """Labels of the test classes from several views (flips, scales).

        With ``'one_hot'`` the universal probabilities of the views are
        averaged, and the test class of their argmax (class 0 where it has
        none) is each pixel's label: the authors' mapping applied once, to
        the views' consensus. With ``'group_max'``, mmseg's ``aug_test``
        over the mapped scores.

        Returns:
            list[np.ndarray]: B (H, W) label maps (with a GSS head and
            ``return_maskige``, a ``SegResult``).
        """
        if taxonomy_mapping(self.test_cfg) == 'group_max':
            return super().aug_test(imgs, img_metas, rescale)
        with self._universal_scores():
            result = super().aug_test(imgs, img_metas, rescale)
        name = self._test_taxonomy(img_metas[0])
        if name == UNIVERSAL:
            return result
        # Argmax over a one-hot row through the 0/1 matrix: the universal
        # class's test class, 0 for a row of zeros.
        lookup = np.maximum(get_taxonomy().universal_to_test(name), 0)
        for i, seg_map in enumerate(result):
            result[i] = lookup[seg_map]
        return result


@SEGMENTORS.register_module()
class MultiDomainEncoderDecoder(MultiDomainMixin, GSSEncoderDecoder):
    """:class:`GSSEncoderDecoder` trained on MSeg's universal taxonomy that
    predicts the classes of the test dataset each sample comes from (see
    :class:`MultiDomainMixin`). Training is unchanged; with a GSS head its
    panels show the universal maskige beside test-class labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        taxonomy_mapping(self.test_cfg)  # fail at build time, not at test

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
