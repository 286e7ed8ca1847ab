"""The parameter-free encoder of the maskige VQ-VAE: cells as class layouts."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..maskige import MaskigeCodec, maskige_to_scores
from .base import autocast_off


class ClassPatternEncoder(nn.Module):
    """Maskige → the one-hot class layout of each token cell.

    Every pixel is assigned the class of its nearest palette colour (the
    ignore colour gives an all-zero vector) and each ``downsample`` ×
    ``downsample`` cell is folded into one ``K·downsample²``-dim vector. The
    squared distance between two such vectors is twice the number of pixels
    whose class differs, so an EMA codebook on them is online k-means over
    cell shapes: codewords are the class layouts the data needs, including
    where a pole or a sign crosses a cell.

    Args:
        palette: The maskige palette (anything :class:`MaskigeCodec`
            takes).
        num_classes (int): Number of classes K.
        downsample (int): Pixels per token side.
    """

    def __init__(self, palette, num_classes, downsample):
        super().__init__()
        if palette is None or num_classes is None:
            raise ValueError(
                "the 'class_patterns' encoder needs the dataset's palette "
                'and num_classes in the tokenizer config, e.g. '
                "tokenizer=dict(type='MaskigeVQVAE', palette='camvid', "
                'num_classes=11)')
        self.codec = MaskigeCodec(palette, num_classes)
        self.num_classes = self.codec.num_classes
        self.downsample = downsample
        self.dim = self.num_classes * downsample * downsample

    def forward(self, maskige):
        """(B, 3, H, W) in [0, 1] → (B, K·d², H/d, W/d) float32 in {0, 1}."""
        # Nearest of the K class colours and the ignore colour (last), in
        # float32: half-precision distances can pick a neighbouring colour.
        colors = torch.cat([self.codec.colors, self.codec.ignore_color[None]])
        with autocast_off(maskige.device):
            labels = maskige_to_scores(maskige.float(), colors).argmax(1)
        one_hot = F.one_hot(labels, self.num_classes + 1)[..., :-1]
        one_hot = one_hot.permute(0, 3, 1, 2).float()
        return F.pixel_unshuffle(one_hot, self.downsample)
