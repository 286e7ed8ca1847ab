"""The parameter-free encoder of the maskige VQ-VAE: cells as class layouts."""
import torch
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

    def _valid(self, labels):
        """Labels with every unlabelled pixel set to K."""
        unlabelled = (labels < 0) | (labels >= self.num_classes)
        return labels.masked_fill(unlabelled, self.num_classes)

    def forward(self, labels):
        """(B, H, W) long labels → (B, K·d², H/d, W/d) float32 in {0, 1}."""
        one_hot = F.one_hot(self._valid(labels), self.num_classes + 1)
        one_hot = one_hot[..., :-1].permute(0, 3, 1, 2).float()
        return F.pixel_unshuffle(one_hot, self.downsample)

    def unique_cells(self, labels):
        """The distinct cells of a label map, encoded once each.

        Street scenes are mostly cells of one class, so a batch holds far
        fewer distinct layouts than cells: quantising only those is what
        makes large codebooks affordable in stage II.

        Args:
            labels (Tensor): (B, H, W) long labels.

        Returns:
            tuple[Tensor, Tensor]: (1, K·d², U, 1) float32 layouts of the U
            distinct cells, laid out as :meth:`forward`'s latents, and
            (B, H/d, W/d) long index of each cell's layout among them.
        """
        d = self.downsample
        cells = F.pixel_unshuffle(self._valid(labels)[:, None], d)
        b, _, h, w = cells.shape
        layouts, index = torch.unique(
            cells.permute(0, 2, 3, 1).reshape(-1, d * d), dim=0,
            return_inverse=True)
        # (U, d², K) → (U, K, d²): channel k·d² + position, as pixel_unshuffle
        one_hot = F.one_hot(layouts, self.num_classes + 1)[..., :-1]
        latent = one_hot.transpose(1, 2).flatten(1).float()
        return latent.t()[None, :, :, None], index.view(b, h, w)
