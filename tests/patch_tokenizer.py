"""A hand-checkable tokenizer for tests (importable from test configs)."""
import torch
import torch.nn.functional as F
from mmseg.models.builder import MODELS

from gss.maskige import MaskigeCodec
from gss.maskige.reference_decoders import maskige_to_labels
from gss.tokenizers import BaseTokenizer


@MODELS.register_module(force=True)
class PatchLabelTokenizer(BaseTokenizer):
    """The token of each 4×4 patch is the class (nearest palette colour) of
    its top-left pixel; decoding paints the whole patch with that colour.
    Reconstructions are therefore computable by hand."""

    def __init__(self, palette='camvid', num_classes=11):
        super().__init__(num_tokens=num_classes, downsample=4)
        self.codec = MaskigeCodec(palette, num_classes)
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    @property
    def palette_codec(self):
        return self.codec

    def encode(self, maskige):
        self.check_input_size(maskige)
        # nearest class colour, the ignore colour included
        return maskige_to_labels(maskige[:, :, ::4, ::4], self.codec.colors)

    def decode_probs(self, probs):
        colors = self.codec.colors.float() / 255
        maskige = torch.einsum('bnhw,nc->bchw', probs, colors)
        return F.interpolate(maskige, scale_factor=4, mode='nearest')


@MODELS.register_module(force=True)
class MeanPatchTokenizer(PatchLabelTokenizer):
    """Like :class:`PatchLabelTokenizer`, but the token of a 4×4 patch is
    the colour nearest to the patch's *mean* colour, as an encoder that
    averages its receptive field sees it. Token K is the ignore colour."""

    def __init__(self, palette='camvid', num_classes=11):
        super().__init__(palette, num_classes)
        self.num_tokens = num_classes + 1
        self.colors = torch.cat(
            [self.codec.colors, self.codec.ignore_color[None]])

    def encode(self, maskige):
        self.check_input_size(maskige)
        return maskige_to_labels(F.avg_pool2d(maskige, 4), self.colors)

    def decode_probs(self, probs):
        maskige = torch.einsum('bnhw,nc->bchw', probs,
                               self.colors.float() / 255)
        return F.interpolate(maskige, scale_factor=4, mode='nearest')
