"""Stage I as an mmseg segmentor: train and evaluate a maskige tokenizer."""
import torch
import torch.nn.functional as F
from mmseg.models.builder import SEGMENTORS
from mmseg.models.losses import accuracy
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.ops import resize

from ...maskige import (DEFAULT_INVERSE_SCORES,
                        DEFAULT_NEIGHBOURHOOD_TOLERANCE,
                        DEFAULT_NEIGHBOURHOOD_WINDOW, DEFAULT_TEMPERATURE,
                        MaskigeCodec, TrainingFreeInverse, upsample_labels)
from ...tokenizers import build_tokenizer
from ...utils.checkpoint import upgrade_state_dict
from ..utils import renamed_arguments
from .gss_encoder_decoder import flip_back
from .strict_loading import StrictLoadingMixin

#: Constructor arguments renamed: old → new (the old names raise).
RENAMED_ARGUMENTS = dict(test_scores='inverse_scores')
#: How :class:`MaskigeAutoencoder` tests label maps whose sides are not
#: multiples of the token size.
TEST_RESIZES = ('stretch', 'pad')


@SEGMENTORS.register_module()
class MaskigeAutoencoder(StrictLoadingMixin, BaseSegmentor):
    """labels (─X→ maskige) ─encode→ tokens ─decode→ maskige′ ─X⁻¹→ classes.

    Training (stage I of the project's own VQ-VAE) minimises the
    cross-entropy between the ground truth and the training-free X⁻¹ of the
    reconstruction, whose per-class scores are ``-‖x - palette_k‖² / T``.
    Testing reconstructs each ground-truth map and scores it with
    ``tools/test.py --eval mIoU``: the paper's reconstruction upper bound
    (Table 2). The test pipeline must therefore load and collect
    ``gt_semantic_seg``; the image itself is not used. The tokenizer is
    given what it reads (``BaseTokenizer.encoder_inputs``): the maskige for
    an RGB tokenizer, the labels for a label tokenizer.

    Args:
        tokenizer (dict): Tokenizer config (``MaskigeVQVAE``, ``DalleDVAE``).
        palette (str | list | dict): Maskige palette (see ``Palette.build``).
        num_classes (int): Number of classes K.
        upsample_factor (int): Labels are upsampled by this factor (one-hot,
            bilinear, argmax) before encoding. The authors' reconstruction
            protocol encodes at 1× (DALL·E tokens on a 1/8 grid); 2× puts
            them on the 1/4 grid GSS-FF predicts.
        temperature (float): T in the X⁻¹ logits above.
        inverse_scores (str): X⁻¹ at test time, as in the GSS heads
            (:class:`~gss.maskige.TrainingFreeInverse`): ``'one_hot'`` (the
            default: the nearest palette colour, as the authors'
            reconstruction evaluation does), ``'soft'`` (the logits above)
            or ``'neighbourhood'``. Formerly ``test_scores``.
        test_resize (str): How a test label map whose sides are not
            multiples of the token size is reconstructed. ``'stretch'``
            (the authors' protocol, in the ``dalle_reconstruction_*``
            configs): the whole map is encoded, the encoder's pooling floors
            the token grid to ``floor(H / 8) x floor(W / 8)``, and the X⁻¹
            scores of the ``8 floor(H / 8) x 8 floor(W / 8)`` decoding are
            resized bilinearly to H x W; needs a tokenizer that floors
            (``DalleDVAE``). ``'pad'``: the map is padded as in training
            (see :meth:`reconstruct`) and the padding cropped off. Both are
            the same on sizes that tile. Training always pads.
        neighbourhood_window (int): Window of the ``'neighbourhood'`` X⁻¹.
        neighbourhood_tolerance (float): Its purity threshold (0..255).
        ignore_index (int): Label ignored by loss and metric.
        train_cfg, test_cfg (dict, optional): Unused; mmseg signature.
    """

    @renamed_arguments(RENAMED_ARGUMENTS)
    def __init__(self,
                 tokenizer,
                 palette,
                 num_classes,
                 upsample_factor=1,
                 temperature=DEFAULT_TEMPERATURE,
                 inverse_scores=DEFAULT_INVERSE_SCORES,
                 test_resize='pad',
                 neighbourhood_window=DEFAULT_NEIGHBOURHOOD_WINDOW,
                 neighbourhood_tolerance=DEFAULT_NEIGHBOURHOOD_TOLERANCE,
                 ignore_index=255,
                 train_cfg=None,
                 test_cfg=None,
                 pretrained=None,
                 init_cfg=None):
        super().__init__(init_cfg)
        if test_resize not in TEST_RESIZES:
            raise ValueError(f'test_resize must be one of {TEST_RESIZES}, '
                             f'got {test_resize!r}')
        self.free_inverse = TrainingFreeInverse(
            inverse_scores, temperature, neighbourhood_window,
            neighbourhood_tolerance)
        self.test_resize = test_resize
        self.codec = MaskigeCodec(palette, num_classes, ignore_index)
        self.tokenizer = build_tokenizer(tokenizer, self.codec)
        if test_resize == 'stretch' and not self.tokenizer.floors_input_size:
            raise ValueError(
                f"test_resize='stretch' needs a tokenizer whose encoder "
                f'floors sizes that do not tile (DalleDVAE); '
                f'{type(self.tokenizer).__name__} does not: use '
                "test_resize='pad'")
        self.num_classes = num_classes
        self.upsample_factor = upsample_factor
        self.ignore_index = ignore_index
        self.test_cfg = test_cfg
        self.align_corners = False

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Bare tokenizer files and released dVAEs: gss.utils.checkpoint.
        upgrade_state_dict(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extract_feat(self, img):
        raise NotImplementedError('MaskigeAutoencoder does not look at images')

    def encode_decode(self, img, img_metas):
        raise NotImplementedError(
            'MaskigeAutoencoder reconstructs labels: the test pipeline must '
            'collect gt_semantic_seg (see configs/gss/_base_/datasets/*)')

    def _multiple(self):
        return max(self.tokenizer.downsample // self.upsample_factor, 1)

    def reconstruct(self, labels):
        """Reconstruct label maps through the tokenizer.

        Maps whose size does not tile into tokens are padded by repeating
        their last row and column: a token cell that straddles the border
        then encodes the border's classes. (Padding with the ignore label
        made such cells mostly ignore colour, and the tokenizer got the
        last 1-3 rows and columns wrong.)

        Args:
            labels (Tensor): (B, H, W) long, ``ignore_index`` allowed.

        Returns:
            tuple: reconstructed maskige (B, 3, sH', sW') in [0, 1] with
            s = ``upsample_factor``, tokenizer stats (dict), the labels as
            encoded (B, sH', sW') with ``ignore_index`` in the padding (the
            training target) — (H', W') being (H, W) padded so that the
            token grid tiles; the caller crops.
        """
        mult = self._multiple()
        h, w = labels.shape[-2:]
        pad_h, pad_w = (-h) % mult, (-w) % mult
        # Padded by 0 too where the size tiles: one path for every size,
        # as a traced graph needs.
        labels = F.pad(labels[:, None].float(), (0, pad_w, 0, pad_h),
                       mode='replicate')[:, 0].long()
        if self.upsample_factor != 1:
            labels = upsample_labels(
                labels, self.upsample_factor, self.num_classes,
                self.ignore_index)
        inputs = self.tokenizer.encoder_inputs(labels, self.codec)
        if self.training:
            recon, _, stats = self.tokenizer(inputs)
        else:
            recon, stats = self.tokenizer.decode(
                self.tokenizer.encode(inputs)), {}
        if pad_h or pad_w:
            s = self.upsample_factor
            labels = labels.clone()
            labels[:, h * s:] = self.ignore_index
            labels[:, :, w * s:] = self.ignore_index
        return recon, stats, labels

    def class_logits(self, maskige):
        """Training-free X⁻¹ as logits: (B, 3, H, W) → (B, K, H, W)."""
        return self.free_inverse.logits(self.codec, maskige)

    def test_logits(self, maskige):
        """X⁻¹ of ``inverse_scores``: (B, 3, H, W) → (B, K, H, W)."""
        return self.free_inverse(self.codec, maskige)

    def forward_train(self, img, img_metas, gt_semantic_seg):
        labels = gt_semantic_seg[:, 0].long()
        recon, stats, target = self.reconstruct(labels)
        logits = self.class_logits(recon)
        losses = dict(
            loss_rec=F.cross_entropy(
                logits, target, ignore_index=self.ignore_index),
            acc_rec=accuracy(logits, target, ignore_index=self.ignore_index))
        for name, value in stats.items():
            losses[name if name.startswith('loss') else f'code_{name}'] = \
                value
        return losses

    def _reconstruct_floored(self, labels):
        """The authors' test reconstruction: the whole (upsampled) map is
        encoded; the tokenizer floors the token grid.

        Args:
            labels (Tensor): (B, H, W) long, ``ignore_index`` allowed.

        Returns:
            Tensor: (B, 3, d floor(sH / d), d floor(sW / d)) maskige, with
            s = ``upsample_factor`` and d the tokenizer's downsampling.
        """
        if self.upsample_factor != 1:
            labels = upsample_labels(labels, self.upsample_factor,
                                     self.num_classes, self.ignore_index)
        inputs = self.tokenizer.encoder_inputs(labels, self.codec)
        return self.tokenizer.decode(self.tokenizer.encode(inputs, floor=True))

    def inference(self, labels, img_meta, rescale):
        """Class probabilities of the reconstruction of ``labels``.

        Args:
            labels (Tensor): (B, H, W) long, as produced by the test pipeline
                (resized/flipped like the image would be).
            img_meta (list[dict]): Image metas.
            rescale (bool): Resize to the original image shape.

        Returns:
            Tensor: (B, K, H', W') probabilities.
        """
        h, w = labels.shape[-2:]
        if self.test_resize == 'stretch':
            logits = self.test_logits(self._reconstruct_floored(labels))
        else:
            recon, _, _ = self.reconstruct(labels)
            s = self.upsample_factor
            logits = self.test_logits(recon)[..., :h * s, :w * s]
        # Resized also where the size is already (h, w) (an exact copy
        # then): one path for every size, as a traced graph needs.
        logits = resize(logits, size=(h, w), mode='bilinear',
                        align_corners=False)
        if rescale:
            logits = resize(logits, size=img_meta[0]['ori_shape'][:2],
                            mode='bilinear', align_corners=False)
        return flip_back(logits.softmax(dim=1), img_meta)

    @staticmethod
    def _labels(gt_semantic_seg):
        if gt_semantic_seg is None:
            raise ValueError(
                'MaskigeAutoencoder needs ground truth at test time: add '
                "LoadAnnotations and Collect(keys=['img', 'gt_semantic_seg']) "
                'to the test pipeline')
        gt = gt_semantic_seg[0] if isinstance(gt_semantic_seg,
                                              (list, tuple)) else \
            gt_semantic_seg
        return gt.reshape(-1, *gt.shape[-2:]).long()

    def simple_test(self, img, img_meta, rescale=True, gt_semantic_seg=None):
        probs = self.inference(self._labels(gt_semantic_seg), img_meta,
                               rescale)
        return list(probs.argmax(dim=1).cpu().numpy())

    def aug_test(self, imgs, img_metas, rescale=True, gt_semantic_seg=None):
        if gt_semantic_seg is None:
            self._labels(None)
        probs = 0
        for meta, gt in zip(img_metas, gt_semantic_seg):
            probs = probs + self.inference(self._labels(gt), meta, rescale)
        return list((probs / len(imgs)).argmax(dim=1).cpu().numpy())
