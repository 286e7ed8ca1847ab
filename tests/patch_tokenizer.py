"""A hand-checkable tokenizer for tests (importable from test configs)."""
import torch
import torch.nn.functional as F
from mmseg.models.builder import MODELS

from gss.maskige import MaskigeCodec, maskige_to_labels
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
