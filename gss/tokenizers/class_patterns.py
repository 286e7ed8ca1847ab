"""The parameter-free encoder of the maskige VQ-VAE: cells as class layouts."""
import torch.nn as nn
import torch.nn.functional as F

from ..maskige import MaskigeCodec


class ClassPatternEncoder(nn.Module):
    """Label map → the one-hot class layout of each token cell.

    Every pixel becomes the one-hot vector of its class (an unlabelled
    pixel, any id outside ``[0, K)``, the all-zero vector) and each
    ``downsample`` × ``downsample`` cell is folded into one
    ``K·downsample²``-dim vector. It reads labels, not their maskige: the
    classes are what it encodes, and painting them only to find the
    nearest colour again would be a detour. The
    squared distance between two such vectors is twice the number of pixels
    whose class differs, so an EMA codebook on them is online k-means over
    cell shapes: codewords are the class layouts the data needs, including
    where a pole or a sign crosses a cell.

    Args:
        palette: The maskige palette (anything :class:`MaskigeCodec`
            takes); the decoder paints the layouts with it.
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

    def forward(self, labels):
        """(B, H, W) long labels → (B, K·d², H/d, W/d) float32 in {0, 1}."""
        unlabelled = (labels < 0) | (labels >= self.num_classes)
        labels = labels.masked_fill(unlabelled, self.num_classes)
        one_hot = F.one_hot(labels, self.num_classes + 1)[..., :-1]
        one_hot = one_hot.permute(0, 3, 1, 2).float()
        return F.pixel_unshuffle(one_hot, self.downsample)
