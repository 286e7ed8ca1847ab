import torch
import torch.nn.functional as F
from mmseg.models.builder import HEADS
from mmseg.ops import resize

from .gss_ff_head import GSSFFHead


@HEADS.register_module()
class GSSFFPosteriorHead(GSSFFHead):
    """GSS-FF that reads the whole token posterior at test time.

    Training, parameters and state dict are :class:`GSSFFHead`'s: a GSS-FF
    checkpoint loads as it is. At test time the argmax of each cell's token
    logits throws away what the network knows about cells it is unsure of
    (mostly cells of two or more classes: boundaries, thin objects). Two
    options use it, each off when None (then the head is GSSFFHead):

    * ``posterior_top_k``: decode, per cell, the expectation of the token
      posterior over its k most likely tokens (softmax renormalised over
      them) through :meth:`BaseTokenizer.decode_probs` instead of the
      argmax token; a tokenizer decodes a distribution through the
      expected code (VQ-VAE) or its first 1×1 convolution (DALL·E); k = 1
      is the argmax decoding.
    * ``pixel_fusion_threshold``: cells whose most likely token has a
      probability below the threshold take the auxiliary pixel head's class
      probabilities instead of X⁻¹'s scores. The threshold is fitted on
      training images (``tools/fit_pixel_fusion.py``), never on the
      evaluation split.

    Args:
        posterior_top_k (int | None): k of the expected decoding.
        pixel_fusion_threshold (float | None): Token probability under
            which a cell reads the pixel head, in (0, 1].
        **kwargs: :class:`GSSFFHead` arguments; needs ``pixel_head`` for
            the fusion, and whole-grid decoding (``decode_tile_size=None``).
    """

    def __init__(self,
                 posterior_top_k=None,
                 pixel_fusion_threshold=None,
                 **kwargs):
        super().__init__(**kwargs)
        if posterior_top_k is not None and not (
                isinstance(posterior_top_k, int)
                and 1 <= posterior_top_k <= self.tokenizer.num_tokens):
            raise ValueError(
                'posterior_top_k must be None or an int in [1, '
                f'{self.tokenizer.num_tokens}] (the tokenizer\'s tokens), got '
                f'{posterior_top_k!r}')
        if pixel_fusion_threshold is not None:
            if not 0 < pixel_fusion_threshold <= 1:
                raise ValueError('pixel_fusion_threshold must be None or in '
                                 f'(0, 1], got {pixel_fusion_threshold!r}')
            if self.pixel_head is None:
                raise ValueError('pixel_fusion_threshold needs the auxiliary '
                                 "pixel head: set pixel_head='separate' or "
                                 "'shared'")
        if self.decode_tile_size is not None:
            raise ValueError('GSSFFPosteriorHead decodes the whole token '
                             'grid: set decode_tile_size=None')
        self.posterior_top_k = posterior_top_k
        self.pixel_fusion_threshold = pixel_fusion_threshold

    def posterior_outputs(self, inputs, pixel=True):
        """Everything the test-time options read, from one head forward.

        Args:
            inputs (list[Tensor]): Backbone levels.
            pixel (bool): Also run the auxiliary pixel head (the fusion
                reads it; it costs its own MLA).

        Returns:
            dict: ``maskige`` (B, 3, H, W) in [0, 1] decoded from the
            posterior (or the argmax tokens), where X⁻¹ reads it
            (:meth:`inverse_input`), ``scores`` (B, K, H, W) X⁻¹ of it,
            ``confidence`` (B, h, w) the probability of each cell's most
            likely token, ``pixel_probs`` (B, K, h, w) the auxiliary head's
            class probabilities (None without that head or ``pixel``).
        """
        inputs = self._transform_inputs(inputs)
        fused = self._fuse(inputs)
        logits = self.token_logits(fused).float()
        probs = logits.softmax(1)
        del logits
        confidence, tokens = probs.max(1)
        if self.posterior_top_k in (None, 1):
            maskige = self.tokenizer.decode(tokens)
        else:
            top, ids = probs.topk(self.posterior_top_k, dim=1)
            kept = torch.zeros_like(probs).scatter_(
                1, ids, top / top.sum(1, keepdim=True))
            maskige = self.tokenizer.decode_probs(kept)
        del probs
        maskige = self.inverse_input(maskige, tokens.shape[1:])
        pixel_probs = None if self.pixel_head is None or not pixel else \
            self.pixel_logits(inputs, fused).float().softmax(1)
        return dict(maskige=maskige, scores=self.inverse(maskige),
                    confidence=confidence, pixel_probs=pixel_probs)

    def fuse_scores(self, outputs, threshold):
        """X⁻¹ scores where the token posterior is sure, the pixel head's
        probabilities where its top token is below ``threshold``.

        Args:
            outputs (dict): From :meth:`posterior_outputs`.
            threshold (float | None): None: X⁻¹'s scores everywhere.

        Returns:
            Tensor: (B, K, H, W) class scores on the maskige's grid.
        """
        scores = outputs['scores']
        if threshold is None:
            return scores
        size = scores.shape[2:]
        unsure = F.interpolate(
            (outputs['confidence'] < threshold)[:, None].float(), size=size,
            mode='nearest').bool()
        pixel = resize(outputs['pixel_probs'], size=size, mode='bilinear',
                       align_corners=self.align_corners)
        return torch.where(unsure, pixel, scores)

    def forward_test_with_maskige(self, inputs, img_metas, test_cfg):
        """Class scores (B, K, H, W) and the decoded maskige
        (B, 3, H, W); see :meth:`GSSFFHead.forward_test_with_maskige`."""
        if self.posterior_top_k is None and \
                self.pixel_fusion_threshold is None:
            # GSS-FF itself, at its own cost: no softmax, no pixel head
            return super().forward_test_with_maskige(inputs, img_metas,
                                                     test_cfg)
        outputs = self.posterior_outputs(
            inputs, pixel=self.pixel_fusion_threshold is not None)
        return (self.fuse_scores(outputs, self.pixel_fusion_threshold),
                outputs['maskige'])
